/**
 * OffsetForLeaderEpoch (key 23), v2-4 (Kafka 4.1's range). Consumers use it to detect log
 * truncation after a leader change (KIP-320). On a single node every partition has one leader
 * epoch, 0, which began at the log start, so, as Kafka's Partition.lastOffsetForLeaderEpoch and
 * LeaderEpochFileCache.endOffsetFor answer:
 *
 * - `currentLeaderEpoch` (the client's view) is checked first: -1 skips the check, 0 passes, a
 *   larger one is UNKNOWN_LEADER_EPOCH (the client is ahead of this broker) and a smaller one
 *   (e.g. -2) FENCED_LEADER_EPOCH.
 * - Requested epoch 0: (epoch 0, the log end offset).
 * - Requested epoch -1 (undefined) or above 0: (-1, -1) with no error, which tells the client
 *   the epoch is unknown.
 * - Requested epoch below 0 other than -1: (that epoch, the log start offset), Kafka's answer for
 *   an epoch older than every cached one.
 * - Unknown topic or partition: UNKNOWN_TOPIC_OR_PARTITION.
 * `replicaId` (v3+) is accepted whatever it is: there are no followers to tell apart.
 */
import { ErrorCode, offsetForLeaderEpochRequest, offsetForLeaderEpochResponse } from '../protocol/index.ts';
import { defineHandler } from './types.ts';

/** The only leader epoch a single node has. */
const LEADER_EPOCH = 0;

export const offsetForLeaderEpochHandler = defineHandler({
  name: 'OffsetForLeaderEpoch',
  request: offsetForLeaderEpochRequest,
  response: offsetForLeaderEpochResponse,
  advertised: { min: 2, max: 4 },
  handle(request, context) {
    const { metadata, logs } = context.broker;
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((topic) => ({
        topic: topic.topic,
        partitions: topic.partitions.map((partition) => {
          const failed = (errorCode: number) => ({ errorCode, partition: partition.partition, leaderEpoch: -1, endOffset: -1n });
          if (metadata.topic(topic.topic) === undefined || !logs.hasPartition(topic.topic, partition.partition)) {
            return failed(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          }
          const current = partition.currentLeaderEpoch;
          if (current !== -1 && current > LEADER_EPOCH) return failed(ErrorCode.UNKNOWN_LEADER_EPOCH);
          if (current !== -1 && current < LEADER_EPOCH) return failed(ErrorCode.FENCED_LEADER_EPOCH);
          const found = logs.endOffsetForLeaderEpoch(topic.topic, partition.partition, partition.leaderEpoch);
          return { errorCode: found.errorCode, partition: partition.partition, leaderEpoch: found.leaderEpoch, endOffset: found.endOffset };
        }),
      })),
    };
  },
});
