/**
 * ListOffsets (key 2), v1-10 (Kafka 4.1's range). Per partition: the latest offset (-1: the high
 * watermark, or the last stable offset for read_committed), the earliest (-2: log start offset),
 * the offset of the max timestamp (-3), the earliest local offset (-4), the latest tiered offset
 * (-5), or the first offset whose timestamp is at or after a given time.
 */
import { ErrorCode, listOffsetsRequest, listOffsetsResponse } from '../protocol/index.ts';
import { defineHandler } from './types.ts';

export const listOffsetsHandler = defineHandler({
  name: 'ListOffsets',
  request: listOffsetsRequest,
  response: listOffsetsResponse,
  advertised: { min: 1, max: 10 },
  handle(request, context) {
    const { metadata, logs } = context.broker;
    // Kafka (ListOffsetsRequest.duplicatePartitions) refuses every occurrence of a partition
    // listed more than once, the first one included.
    const seen = new Set<string>();
    const duplicates = new Set<string>();
    for (const topic of request.topics) {
      for (const partition of topic.partitions) {
        const key = `${topic.name}\u0000${partition.partitionIndex}`;
        if (seen.has(key)) duplicates.add(key);
        seen.add(key);
      }
    }
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((topic) => ({
        name: topic.name,
        partitions: topic.partitions.map((partition) => {
          const key = `${topic.name}\u0000${partition.partitionIndex}`;
          const failed = (errorCode: number) => ({ partitionIndex: partition.partitionIndex, errorCode, timestamp: -1n, offset: -1n, leaderEpoch: -1 });
          if (duplicates.has(key)) return failed(ErrorCode.INVALID_REQUEST);
          if (metadata.topic(topic.name) === undefined || !logs.hasPartition(topic.name, partition.partitionIndex)) {
            return failed(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          }
          // The client's view of the leader epoch (-1: none) against this node's, always 0.
          if (partition.currentLeaderEpoch > 0) return failed(ErrorCode.UNKNOWN_LEADER_EPOCH);
          if (partition.currentLeaderEpoch < -1) return failed(ErrorCode.FENCED_LEADER_EPOCH);
          // read_committed's latest is the last stable offset; its timestamp lookups stop there too.
          const isolationLevel = request.isolationLevel === 1 ? 1 : 0;
          const found = logs.listOffset(topic.name, partition.partitionIndex, partition.timestamp, isolationLevel);
          return { partitionIndex: partition.partitionIndex, errorCode: found.errorCode, timestamp: found.timestamp, offset: found.offset, leaderEpoch: found.leaderEpoch };
        }),
      })),
    };
  },
});
