/**
 * Produce (key 0), advertised v0-13 as Kafka 4.x does, served from v3. Versions 0-2 (magic v0/v1
 * message sets) were removed in Kafka 4.0 but stay advertised because librdkafka before 2.11.1
 * enables compression only when Produce v0 is in range (KAFKA-18659); they are answered with
 * UNSUPPORTED_VERSION per partition, as Kafka answers them. v13 names topics by id.
 *
 * - acks must be -1, 0 or 1 (INVALID_REQUIRED_ACKS). acks=0 gets no response; if anything failed,
 *   the connection is closed instead, so the client refreshes its metadata (Kafka's behaviour).
 * - Each partition's batches go to the log in one call, validated first (see native/fjord-log);
 *   Kafka errors come back per partition. Idempotent batches are checked against the producer
 *   state (duplicates answer with their original offset).
 * - Transactional batches are refused until transactions exist (issue 5): INVALID_TXN_STATE.
 * - Produce does not create topics (only Metadata does).
 * - The appends of one request start in request order before anything is awaited, so pipelined
 *   requests reach the log in the order they arrived.
 */
import { BatchAttribute, ErrorCode, produceRequest, produceResponse, RecordBatchField, splitBatches, type InputOf } from '../protocol/index.ts';
import { defineHandler } from './types.ts';

type PartitionReply = InputOf<typeof produceResponse>['responses'] extends (infer T)[] | undefined
  ? T extends { partitionResponses?: (infer P)[] }
    ? P
    : never
  : never;

const FIRST_SERVED_VERSION = 3;

function failed(index: number, errorCode: number, errorMessage: string | null = null): PartitionReply {
  return { index, errorCode, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, recordErrors: [], errorMessage };
}

function hasTransactionalBatch(records: Buffer): boolean {
  const { batches } = splitBatches(records);
  return batches.some((batch) => batch.length > RecordBatchField.attributes + 1 && (batch.readInt16BE(RecordBatchField.attributes) & BatchAttribute.transactional) !== 0);
}

export const produceHandler = defineHandler({
  name: 'Produce',
  request: produceRequest,
  response: produceResponse,
  advertised: { min: 0, max: 13 },
  async handle(request, context) {
    const version = context.header.apiVersion;
    const { metadata, logs } = context.broker;
    const acks = request.acks;
    const ackValid = acks === -1 || acks === 0 || acks === 1;

    const topicReplies = request.topicData.map((topicData) => {
      const topic = version >= 13 ? metadata.topicById(topicData.topicId) : metadata.topic(topicData.name);
      const unknownTopic = version >= 13 ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      const partitions = topicData.partitionData.map((partitionData): PartitionReply | Promise<PartitionReply> => {
        const index = partitionData.index;
        if (version < FIRST_SERVED_VERSION) return failed(index, ErrorCode.UNSUPPORTED_VERSION, 'Produce v0-2 were removed in Kafka 4.0');
        if (!ackValid) return failed(index, ErrorCode.INVALID_REQUIRED_ACKS);
        if (topic === undefined) return failed(index, unknownTopic);
        if (!logs.hasPartition(topic.name, index)) return failed(index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        const records = (partitionData.records as Buffer | null) ?? Buffer.alloc(0); // decoded records are Buffer views
        if (request.transactionalId !== null || hasTransactionalBatch(records)) {
          return failed(index, ErrorCode.INVALID_TXN_STATE, 'transactions are not supported yet');
        }
        // Started now, in request order; only the durability wait is asynchronous.
        return logs.append(topic.name, index, records, { requiredAcks: acks, isFromClient: true }).then((outcome) => ({
          index,
          errorCode: outcome.errorCode,
          baseOffset: outcome.errorCode === ErrorCode.NONE ? outcome.baseOffset : -1n,
          logAppendTimeMs: outcome.logAppendTimeMs,
          logStartOffset: outcome.logStartOffset,
          recordErrors: [],
          errorMessage: outcome.errorMessage,
        }));
      });
      return { name: topicData.name, topicId: topicData.topicId, partitions };
    });

    const responses = [];
    let anyError = false;
    for (const reply of topicReplies) {
      const partitionResponses = await Promise.all(reply.partitions);
      anyError ||= partitionResponses.some((p) => p.errorCode !== ErrorCode.NONE);
      responses.push({ name: reply.name, topicId: reply.topicId, partitionResponses });
    }
    if (acks === 0) {
      if (anyError) throw new Error('acks=0 produce failed: closing the connection so the client refreshes metadata');
      return null;
    }
    return { responses, throttleTimeMs: 0 };
  },
});
