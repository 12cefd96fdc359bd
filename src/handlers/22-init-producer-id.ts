/**
 * InitProducerId (key 22), v0-5 (Kafka 4.1's range; kafkajs 2.2.4 sends v1, librdkafka up to v4,
 * the Java 4.x producer v5). Gives idempotent and transactional producers their producer id and
 * epoch.
 *
 * - transactionalId null: a new producer id with epoch 0, always, as Kafka's
 *   TransactionCoordinator.handleInitProducerId does ("blindly accept the request and return a
 *   new producerId"). A producerId/epoch given in v3+ (KIP-360) is not bumped: Kafka ignores it
 *   for idempotent producers too (the Java client bumps an idempotent producer's epoch locally
 *   and only asks the broker when it needs a new id), and a fresh id with epoch 0 is always a
 *   valid answer. Giving only one of producerId and producerEpoch is INVALID_REQUEST (KafkaApis).
 * - Ids come from the durable ProducerIdManager (coordinator/txn/producer-id-manager.ts); a
 *   failure to allocate is the metadata store's error code, else UNKNOWN_SERVER_ERROR, as Kafka
 *   answers.
 * - transactionalId "": INVALID_REQUEST (Kafka's rule).
 * - transactionalId non-null: the transaction coordinator (coordinator/txn): a new id gets a
 *   producer id with epoch 0, a known one its epoch bumped (older producers are fenced), an
 *   in-doubt transaction is aborted first (CONCURRENT_TRANSACTIONS until it is, the client
 *   retries), a timeout above transaction.max.timeout.ms is INVALID_TRANSACTION_TIMEOUT, and a
 *   v3+ producerId/epoch that is not the current one is PRODUCER_FENCED (INVALID_PRODUCER_EPOCH
 *   below v4, KIP-588).
 */
import { MetadataError } from '../metadata/metadata-store.ts';
import { fencedErrorCode } from '../coordinator/txn/txn-coordinator.ts';
import { ErrorCode, initProducerIdRequest, initProducerIdResponse } from '../protocol/index.ts';
import { defineHandler } from './types.ts';

export { PRODUCER_ID_BLOCK_SIZE, ProducerIdManager } from '../coordinator/txn/producer-id-manager.ts';

const API_KEY = 22;

export const initProducerIdHandler = defineHandler({
  name: 'InitProducerId',
  request: initProducerIdRequest,
  response: initProducerIdResponse,
  advertised: { min: 0, max: 5 },
  async handle(request, context) {
    const version = context.header.apiVersion;
    const failed = (errorCode: number) => ({ throttleTimeMs: 0, errorCode: fencedErrorCode(errorCode, API_KEY, version), producerId: -1n, producerEpoch: -1 });
    const noId = request.producerId === -1n;
    const noEpoch = request.producerEpoch === -1;
    if (noId !== noEpoch) return failed(ErrorCode.INVALID_REQUEST);
    if (request.transactionalId === '') return failed(ErrorCode.INVALID_REQUEST);
    const { txns } = context.broker;
    if (request.transactionalId !== null) {
      const result = await txns.coordinator.initProducerId({
        transactionalId: request.transactionalId,
        transactionTimeoutMs: request.transactionTimeoutMs,
        ...(version >= 3 ? { producerId: request.producerId, producerEpoch: request.producerEpoch } : {}),
      });
      if (result.errorCode !== ErrorCode.NONE) return failed(result.errorCode);
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: result.producerId, producerEpoch: result.producerEpoch };
    }
    try {
      const producerId = await txns.producerIds.generateProducerId();
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 };
    } catch (error) {
      return failed(error instanceof MetadataError ? error.errorCode : ErrorCode.UNKNOWN_SERVER_ERROR);
    }
  },
});
