/**
 * OffsetFetch (key 9), v1-9 (Kafka 4.1's range; librdkafka 2.0's feature check needs v1).
 * v1-7 name one group; v8+ a batch of groups, each with its own error. Topics null (v2+) means
 * every committed offset of the group. A partition with no committed offset answers -1 with no
 * error, as does every partition of an unknown group.
 *
 * Offsets of open transactions (TxnOffsetCommit) are never returned. With requireStable (v7+,
 * what read_committed consumers send), a partition with a pending transactional offset answers
 * UNSTABLE_OFFSET_COMMIT with offset -1, per partition in every version as Kafka does (the client
 * retries until the transaction ends); without it the last committed offset is returned. v9's
 * member id and epoch are checked for consumer-protocol groups (UNKNOWN_MEMBER_ID,
 * STALE_MEMBER_EPOCH as the group's error), not for classic ones, as in Kafka.
 */
import { ErrorCode, offsetFetchRequest, offsetFetchResponse } from '../protocol/index.ts';
import type { PartitionOffset } from '../coordinator/group/group-coordinator.ts';
import { defineHandler, type RequestContext } from './types.ts';

type TopicsRequest = ReadonlyArray<{ name: string; partitionIndexes: readonly number[] }> | null;

function fetchGroup(groupId: string, topics: TopicsRequest, requireStable: boolean, context: RequestContext) {
  const found = context.broker.groups.coordinator.fetchOffsets(
    groupId,
    topics === null ? null : topics.map((topic) => ({ topic: topic.name, partitions: topic.partitionIndexes })),
    requireStable,
  );
  const byTopic = new Map<string, PartitionOffset[]>();
  for (const entry of found) {
    let list = byTopic.get(entry.topic);
    if (list === undefined) {
      list = [];
      byTopic.set(entry.topic, list);
    }
    list.push(entry);
  }
  return [...byTopic].map(([name, partitions]) => ({
    name,
    partitions: partitions.map((entry) => ({
      partitionIndex: entry.partition,
      committedOffset: entry.offset,
      committedLeaderEpoch: entry.leaderEpoch,
      metadata: entry.metadata,
      errorCode: entry.errorCode,
    })),
  }));
}

export const offsetFetchHandler = defineHandler({
  name: 'OffsetFetch',
  request: offsetFetchRequest,
  response: offsetFetchResponse,
  advertised: { min: 1, max: 9 },
  handle(request, context) {
    if (context.header.apiVersion >= 8) {
      return {
        throttleTimeMs: 0,
        groups: request.groups.map((group) => {
          const errorCode = context.broker.groups.coordinator.validateOffsetFetch(group.groupId, group.memberId, group.memberEpoch);
          if (errorCode !== ErrorCode.NONE) return { groupId: group.groupId, topics: [], errorCode };
          return { groupId: group.groupId, topics: fetchGroup(group.groupId, group.topics, request.requireStable, context), errorCode: ErrorCode.NONE };
        }),
      };
    }
    return { throttleTimeMs: 0, topics: fetchGroup(request.groupId, request.topics, request.requireStable, context), errorCode: ErrorCode.NONE };
  },
});
