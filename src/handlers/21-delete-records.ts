/**
 * DeleteRecords (key 21), v0-2 (Kafka 4.1's range; kafkajs 2.2.4 sends v1). Per partition, moves
 * the log start offset up to the given offset (-1: the high watermark) and answers with the new
 * low watermark. An offset above the high watermark, or negative other than -1, gets
 * OFFSET_OUT_OF_RANGE; an unknown topic or partition UNKNOWN_TOPIC_OR_PARTITION. Segments wholly
 * below the new start are removed; reads below it then get OFFSET_OUT_OF_RANGE. On a single node
 * there is no replication to wait for, so the answer is immediate (Kafka waits for followers).
 */
import { deleteRecordsRequest, deleteRecordsResponse, ErrorCode } from '../protocol/index.ts';
import { defineHandler } from './types.ts';

export const deleteRecordsHandler = defineHandler({
  name: 'DeleteRecords',
  request: deleteRecordsRequest,
  response: deleteRecordsResponse,
  advertised: { min: 0, max: 2 },
  handle(request, context) {
    const { metadata, logs } = context.broker;
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((topic) => ({
        name: topic.name,
        partitions: topic.partitions.map((partition) => {
          const index = partition.partitionIndex;
          if (metadata.topic(topic.name) === undefined || !logs.hasPartition(topic.name, index)) {
            return { partitionIndex: index, lowWatermark: -1n, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
          }
          const outcome = logs.deleteRecords(topic.name, index, partition.offset);
          return { partitionIndex: index, lowWatermark: outcome.lowWatermark, errorCode: outcome.errorCode };
        }),
      })),
    };
  },
});
