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
 * - Transactions: transactional batches need the request's transactionalId
 *   (TRANSACTIONAL_ID_AUTHORIZATION_FAILED for every partition otherwise, as KafkaApis answers),
 *   and all of a request's transactional batches one producer id and epoch
 *   (INVALID_PRODUCER_ID_MAPPING for every partition otherwise). With
 *   transaction.partition.verification.enable (KIP-890 part 1, default true) each partition's
 *   transactional write is first checked with the transaction coordinator: it must be in the
 *   producer's ongoing transaction with the same producer id and epoch. Kafka's answers: a
 *   partition not added is TRANSACTION_ABORTABLE from v11 and INVALID_TXN_STATE ("Partition was
 *   not added to the transaction") below; another epoch is INVALID_PRODUCER_EPOCH; another
 *   producer id or an unknown transactional id is INVALID_PRODUCER_ID_MAPPING; a transaction
 *   being completed or a coordinator loading is NOT_ENOUGH_REPLICAS (retriable without a metadata
 *   refresh, Kafka's choice). Kafka skips the check when the partition already holds the
 *   producer's open transaction (saving its inter-broker round trip); here it is an in-memory
 *   lookup and always made. v12+ (KIP-890 part 2, adding the partition implicitly) is only sent
 *   at transaction.version 2, which fjord does not offer: it is verified like v11. The log then
 *   applies its own producer-state rules to the batches.
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

/** First version whose clients handle TRANSACTION_ABORTABLE (KIP-890): older ones get INVALID_TXN_STATE. */
const FIRST_TRANSACTION_ABORTABLE_VERSION = 11;

interface TransactionalProducer {
  readonly producerId: bigint;
  readonly producerEpoch: number;
}

/**
 * Whether `records` holds a transactional (magic v2) batch; the producers of those with a producer
 * id are added to `into`, one entry per distinct id/epoch.
 */
function transactionalProducersOf(records: Buffer, into: Map<string, TransactionalProducer>): boolean {
  let found = false;
  for (const batch of splitBatches(records).batches) {
    if (batch.readInt8(RecordBatchField.magic) !== 2) continue;
    if ((batch.readInt16BE(RecordBatchField.attributes) & BatchAttribute.transactional) === 0) continue;
    found = true;
    const producerId = batch.readBigInt64BE(RecordBatchField.producerId);
    if (producerId < 0n) continue;
    const producerEpoch = batch.readInt16BE(RecordBatchField.producerEpoch);
    into.set(`${producerId}/${producerEpoch}`, { producerId, producerEpoch });
  }
  return found;
}

/** ReplicaManager's translation of a verification failure into a Produce error (Kafka 4.1). */
function verificationFailure(index: number, errorCode: number, version: number): PartitionReply {
  switch (errorCode) {
    case ErrorCode.PRODUCER_FENCED:
      return failed(index, ErrorCode.INVALID_PRODUCER_EPOCH);
    case ErrorCode.TRANSACTION_ABORTABLE:
      return version >= FIRST_TRANSACTION_ABORTABLE_VERSION ? failed(index, errorCode) : failed(index, ErrorCode.INVALID_TXN_STATE, 'Partition was not added to the transaction');
    case ErrorCode.INVALID_TXN_STATE:
      return failed(index, errorCode, 'Partition was not added to the transaction');
    case ErrorCode.CONCURRENT_TRANSACTIONS:
    case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
    case ErrorCode.COORDINATOR_NOT_AVAILABLE:
    case ErrorCode.NOT_COORDINATOR:
      return failed(index, ErrorCode.NOT_ENOUGH_REPLICAS, `Unable to verify the partition has been added to the transaction. Underlying error: ${errorCode}`);
    default:
      return failed(index, errorCode);
  }
}

export const produceHandler = defineHandler({
  name: 'Produce',
  request: produceRequest,
  response: produceResponse,
  advertised: { min: 0, max: 13 },
  async handle(request, context) {
    const version = context.header.apiVersion;
    const { metadata, logs, txns } = context.broker;
    const acks = request.acks;
    const ackValid = acks === -1 || acks === 0 || acks === 1;
    const transactionalId = request.transactionalId;

    // Request-wide transaction checks (KafkaApis / ReplicaManager refuse the whole request).
    const producers = new Map<string, TransactionalProducer>();
    const transactionalPartitions = new Set<Buffer>();
    if (version >= FIRST_SERVED_VERSION) {
      for (const topicData of request.topicData) {
        for (const partitionData of topicData.partitionData) {
          const records = partitionData.records as Buffer | null;
          if (records !== null && transactionalProducersOf(records, producers)) transactionalPartitions.add(records);
        }
      }
    }
    const requestError =
      transactionalPartitions.size > 0 && transactionalId === null
        ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
        : producers.size > 1
          ? ErrorCode.INVALID_PRODUCER_ID_MAPPING
          : ErrorCode.NONE;
    const producer = producers.values().next().value;
    const verify = transactionalId !== null && producer !== undefined && txns.verificationEnabled;

    const topicReplies = request.topicData.map((topicData) => {
      const topic = version >= 13 ? metadata.topicById(topicData.topicId) : metadata.topic(topicData.name);
      const unknownTopic = version >= 13 ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      const partitions = topicData.partitionData.map((partitionData): PartitionReply | Promise<PartitionReply> => {
        const index = partitionData.index;
        if (version < FIRST_SERVED_VERSION) return failed(index, ErrorCode.UNSUPPORTED_VERSION, 'Produce v0-2 were removed in Kafka 4.0');
        if (requestError !== ErrorCode.NONE) return failed(index, requestError);
        if (!ackValid) return failed(index, ErrorCode.INVALID_REQUIRED_ACKS);
        if (topic === undefined) return failed(index, unknownTopic);
        if (!logs.hasPartition(topic.name, index)) return failed(index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        const records = (partitionData.records as Buffer | null) ?? Buffer.alloc(0); // decoded records are Buffer views
        if (verify && transactionalPartitions.has(records)) {
          const verified = txns.verifyPartition(transactionalId, producer.producerId, producer.producerEpoch, topic.name, index);
          if (verified !== ErrorCode.NONE) return verificationFailure(index, verified, version);
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
