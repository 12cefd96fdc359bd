/**
 * OffsetCommit (key 8), v2-9: Kafka 4.1's range. librdkafka 2.0's balanced-consumer feature
 * check asks for OffsetCommit 1..2, and an advertised 2-9 overlaps it at 2, which is all that
 * check needs (it tests overlap), so kcat -G works as with Kafka 4.x. v10 (topic ids) waits.
 *
 * Commits go to `__consumer_offsets` and are acknowledged once written.
 * - generationIdOrMemberEpoch -1 with an empty member id: a commit from outside the group
 *   (admin, assign-only consumers), allowed while the group is Empty or does not exist.
 * - Otherwise the member and generation must match: UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION,
 *   FENCED_INSTANCE_ID (v7+), REBALANCE_IN_PROGRESS (CompletingRebalance); an unknown group is
 *   ILLEGAL_GENERATION before v9 and GROUP_ID_NOT_FOUND from v9, as in Kafka 4.x.
 * - Per partition: UNKNOWN_TOPIC_OR_PARTITION for a partition that does not exist,
 *   OFFSET_METADATA_TOO_LARGE beyond offset.metadata.max.bytes (4096).
 * - v2-4's retention time is ignored, as Kafka 4.x does (offsets.retention.minutes rules).
 */
import { ErrorCode, offsetCommitRequest, offsetCommitResponse } from '../protocol/index.ts';
import { defineHandler } from './types.ts';

export const offsetCommitHandler = defineHandler({
  name: 'OffsetCommit',
  request: offsetCommitRequest,
  response: offsetCommitResponse,
  advertised: { min: 2, max: 9 },
  async handle(request, context) {
    const { metadata, groups } = context.broker;
    const known: Array<{ topic: string; partition: number; offset: bigint; leaderEpoch: number; metadata: string | null }> = [];
    const errors = request.topics.map((topic) => {
      const record = metadata.topic(topic.name);
      return topic.partitions.map((partition) => {
        if (record === undefined || partition.partitionIndex < 0 || partition.partitionIndex >= record.partitionCount) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        known.push({ topic: topic.name, partition: partition.partitionIndex, offset: partition.committedOffset, leaderEpoch: partition.committedLeaderEpoch, metadata: partition.committedMetadata });
        return null;
      });
    });
    const results =
      known.length === 0
        ? []
        : await groups.coordinator.commitOffsets({
            groupId: request.groupId,
            generationId: request.generationIdOrMemberEpoch,
            memberId: request.memberId,
            groupInstanceId: request.groupInstanceId,
            requestVersion: context.header.apiVersion,
            offsets: known,
          });
    let next = 0;
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((topic, topicIndex) => ({
        name: topic.name,
        partitions: topic.partitions.map((partition, partitionIndex) => ({
          partitionIndex: partition.partitionIndex,
          errorCode: errors[topicIndex]![partitionIndex] ?? results[next++] ?? ErrorCode.UNKNOWN_SERVER_ERROR,
        })),
      })),
    };
  },
});
