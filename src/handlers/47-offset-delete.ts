/**
 * OffsetDelete (key 47), v0. Deletes committed offsets of a group. Top-level errors:
 * GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP (members that do not use the consumer protocol, whose
 * subscriptions cannot be read). Per partition: GROUP_SUBSCRIBED_TO_TOPIC while a member
 * subscribes to the topic, UNKNOWN_TOPIC_OR_PARTITION for a partition that does not exist.
 */
import { ErrorCode, offsetDeleteRequest, offsetDeleteResponse } from '../protocol/index.ts';
import { defineHandler } from './types.ts';

export const offsetDeleteHandler = defineHandler({
  name: 'OffsetDelete',
  request: offsetDeleteRequest,
  response: offsetDeleteResponse,
  advertised: { min: 0, max: 0 },
  async handle(request, context) {
    const { metadata, groups } = context.broker;
    const wanted: Array<{ topic: string; partition: number }> = [];
    const unknown = request.topics.map((topic) => {
      const record = metadata.topic(topic.name);
      return topic.partitions.map((partition) => {
        if (record === undefined || partition.partitionIndex < 0 || partition.partitionIndex >= record.partitionCount) return true;
        wanted.push({ topic: topic.name, partition: partition.partitionIndex });
        return false;
      });
    });
    const outcome = await groups.coordinator.deleteOffsets(request.groupId, wanted);
    if (outcome.errorCode !== ErrorCode.NONE) return { errorCode: outcome.errorCode, throttleTimeMs: 0, topics: [] };
    let next = 0;
    return {
      errorCode: ErrorCode.NONE,
      throttleTimeMs: 0,
      topics: request.topics.map((topic, topicIndex) => ({
        name: topic.name,
        partitions: topic.partitions.map((partition, partitionIndex) => ({
          partitionIndex: partition.partitionIndex,
          errorCode: unknown[topicIndex]![partitionIndex] === true ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : (outcome.partitions[next++] ?? ErrorCode.NONE),
        })),
      })),
    };
  },
});
