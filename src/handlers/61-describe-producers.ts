/**
 * DescribeProducers (key 61), v0 (Kafka 4.1's range). Per partition, the producers the log holds
 * state for (Kafka's UnifiedLog.activeProducers): id, epoch, last sequence and timestamp, the
 * coordinator epoch of the producer's last transaction marker, and the first offset of its open
 * transaction (-1 if none). `kafka-transactions.sh describe-producers` and `find-hanging` use it.
 *
 * As Kafka's KafkaApis.handleDescribeProducersRequest: an invalid topic name is
 * INVALID_TOPIC_EXCEPTION (with the reason in errorMessage) and an unknown topic
 * UNKNOWN_TOPIC_OR_PARTITION for each of its requested partitions; an unknown partition of a known
 * topic is UNKNOWN_TOPIC_OR_PARTITION. There are no ACLs yet (Kafka checks READ on the topic).
 * The answer is bounded by the request's partitions (the dispatcher's element budget) times the
 * producers each partition tracks.
 */
import { validateTopicName } from '../metadata/metadata-store.ts';
import { describeProducersRequest, describeProducersResponse, ErrorCode } from '../protocol/index.ts';
import { defineHandler } from './types.ts';

export const describeProducersHandler = defineHandler({
  name: 'DescribeProducers',
  request: describeProducersRequest,
  response: describeProducersResponse,
  advertised: { min: 0, max: 0 },
  handle(request, context) {
    const { metadata, logs } = context.broker;
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((topic) => {
        const invalidReason = validateTopicName(topic.name);
        const topicError =
          invalidReason !== null
            ? { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: invalidReason }
            : metadata.topic(topic.name) === undefined
              ? { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null }
              : null;
        return {
          name: topic.name,
          partitions: topic.partitionIndexes.map((partitionIndex) => {
            if (topicError !== null) return { partitionIndex, ...topicError, activeProducers: [] };
            const producers = logs.activeProducers(topic.name, partitionIndex);
            if (producers === null) {
              return { partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null, activeProducers: [] };
            }
            return {
              partitionIndex,
              errorCode: ErrorCode.NONE,
              errorMessage: null,
              activeProducers: producers.map((producer) => ({
                producerId: producer.producerId,
                producerEpoch: producer.producerEpoch,
                lastSequence: producer.lastSequence,
                lastTimestamp: producer.lastTimestamp,
                coordinatorEpoch: producer.coordinatorEpoch,
                currentTxnStartOffset: producer.currentTxnStartOffset,
              })),
            };
          }),
        };
      }),
    };
  },
});
