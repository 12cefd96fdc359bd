/**
 * DescribeTopicPartitions (key 75), v0 (Kafka 4.1's range). The paginated successor of
 * Metadata's topic part (KIP-966), which the Java admin's describeTopics uses. As Kafka's
 * DescribeTopicPartitionsRequestHandler and KRaftMetadataCache answer:
 *
 * - Topics: all (empty list) or the named ones, sorted by name, from the cursor's topic on
 *   (names >= cursor.topicName); the cursor's partitionIndex is where its topic starts.
 * - A named topic list must contain the cursor's topic, else the whole request fails with
 *   INVALID_REQUEST on every named topic (Kafka's error response).
 * - At most min(responsePartitionLimit, `max.request.partition.size.limit` = 2000) partitions:
 *   when a topic's partitions do not all fit, the response stops there and nextCursor names
 *   the first one left out; when the limit is used up exactly before a topic, nextCursor points
 *   at that topic's partition 0. No nextCursor means the listing is complete.
 * - Named topics that do not exist: UNKNOWN_TOPIC_OR_PARTITION, or INVALID_TOPIC_EXCEPTION for
 *   invalid names, with no partitions.
 * - Every partition: leader and only replica this node, leader epoch 0, no ELR.
 */
import { validateTopicName } from '../metadata/metadata-store.ts';
import { describeTopicPartitionsRequest, describeTopicPartitionsResponse, ErrorCode, type InputOf } from '../protocol/index.ts';
import { TOPIC_OPERATIONS } from './topic-operations.ts';
import { defineHandler } from './types.ts';

type Response = InputOf<typeof describeTopicPartitionsResponse>;
type TopicReply = NonNullable<Response['topics']>[number];

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';
/** Kafka's broker config `max.request.partition.size.limit` (default 2000), which fjord does not expose. */
const MAX_REQUEST_PARTITION_SIZE_LIMIT = 2000;
const INTERNAL_TOPICS = new Set(['__consumer_offsets', '__transaction_state', '__share_group_state']);

export const describeTopicPartitionsHandler = defineHandler({
  name: 'DescribeTopicPartitions',
  request: describeTopicPartitionsRequest,
  response: describeTopicPartitionsResponse,
  advertised: { min: 0, max: 0 },
  handle(request, context) {
    const { metadata } = context.broker;
    const nodeId = metadata.nodeId;
    const cursor = request.cursor;
    const cursorTopic = cursor?.topicName ?? '';
    const fetchAll = request.topics.length === 0;
    const names = new Set<string>();
    for (const name of fetchAll ? metadata.topics().map((topic) => topic.name) : request.topics.map((topic) => topic.name)) {
      if (name >= cursorTopic) names.add(name);
    }
    if (!fetchAll && cursor !== null && !names.has(cursor.topicName)) {
      return {
        throttleTimeMs: 0,
        topics: request.topics.map((topic) => ({ errorCode: ErrorCode.INVALID_REQUEST, name: topic.name, topicId: ZERO_UUID, isInternal: false, partitions: [] })),
        nextCursor: null,
      };
    }
    const sorted = [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    let remaining = Math.min(MAX_REQUEST_PARTITION_SIZE_LIMIT, request.responsePartitionLimit);
    const topics: TopicReply[] = [];
    let nextCursor: Response['nextCursor'] = null;
    for (const name of sorted) {
      if (remaining <= 0) {
        if (remaining === 0) nextCursor = { topicName: name, partitionIndex: 0 };
        break;
      }
      const topic = metadata.topic(name);
      if (topic === undefined) {
        if (!fetchAll) {
          const errorCode = validateTopicName(name) === null ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.INVALID_TOPIC_EXCEPTION;
          topics.push({ errorCode, name, topicId: ZERO_UUID, isInternal: INTERNAL_TOPICS.has(name), partitions: [], topicAuthorizedOperations: TOPIC_OPERATIONS });
        }
        continue;
      }
      const start = name === cursorTopic && cursor !== null ? cursor.partitionIndex : 0;
      const upper = Math.min(topic.partitionCount, start + remaining);
      const next = upper < topic.partitionCount ? upper : -1;
      const partitions = [];
      for (let partitionIndex = Math.max(0, start); partitionIndex < upper; partitionIndex++) {
        partitions.push({
          errorCode: ErrorCode.NONE,
          partitionIndex,
          leaderId: nodeId,
          leaderEpoch: 0,
          replicaNodes: [nodeId],
          isrNodes: [nodeId],
          eligibleLeaderReplicas: [],
          lastKnownElr: [],
          offlineReplicas: [],
        });
      }
      topics.push({ errorCode: ErrorCode.NONE, name, topicId: topic.topicId, isInternal: topic.internal, partitions, topicAuthorizedOperations: TOPIC_OPERATIONS });
      if (next !== -1) {
        nextCursor = { topicName: name, partitionIndex: next };
        break;
      }
      remaining -= partitions.length;
    }
    return { throttleTimeMs: 0, topics, nextCursor };
  },
});
