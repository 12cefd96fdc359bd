/**
 * EndTxn (key 26), v0-5 (Kafka 4.1's range). Commits or aborts the producer's transaction: the
 * coordinator persists PrepareCommit / PrepareAbort to `__transaction_state` and answers; the
 * COMMIT/ABORT markers are then written to every partition of the transaction (and its
 * `__consumer_offsets` offsets made visible or dropped) in the background, and
 * CompleteCommit / CompleteAbort persisted after them.
 *
 * - Errors: INVALID_PRODUCER_ID_MAPPING, PRODUCER_FENCED (INVALID_PRODUCER_EPOCH below v2,
 *   KIP-588), CONCURRENT_TRANSACTIONS (a completion in progress: the client retries),
 *   INVALID_TXN_STATE (no transaction, or the other outcome already decided), NONE for a retry of
 *   a completed one, COORDINATOR_LOAD_IN_PROGRESS / NOT_COORDINATOR.
 * - v5 carries a producer id and epoch for KIP-890 part 2 (transaction.version 2, where the epoch
 *   is bumped on every commit). fjord serves transaction.version 0/1 and does not advertise the
 *   feature, so clients do not send v5 (the Java client uses it only at transaction.version 2). A
 *   v5 request gets the producer's current id and epoch (unchanged, as no bump happened) on
 *   success, so a client taking them over keeps working; -1/-1 on an error, as Kafka answers.
 */
import { fencedErrorCode } from '../coordinator/txn/txn-coordinator.ts';
import { endTxnRequest, endTxnResponse, ErrorCode } from '../protocol/index.ts';
import { defineHandler } from './types.ts';

const API_KEY = 26;

export const endTxnHandler = defineHandler({
  name: 'EndTxn',
  request: endTxnRequest,
  response: endTxnResponse,
  advertised: { min: 0, max: 5 },
  async handle(request, context) {
    const errorCode = await context.broker.txns.coordinator.endTransaction({
      transactionalId: request.transactionalId,
      producerId: request.producerId,
      producerEpoch: request.producerEpoch,
      committed: request.committed,
    });
    const ok = errorCode === ErrorCode.NONE;
    return {
      throttleTimeMs: 0,
      errorCode: fencedErrorCode(errorCode, API_KEY, context.header.apiVersion),
      producerId: ok ? request.producerId : -1n,
      producerEpoch: ok ? request.producerEpoch : -1,
    };
  },
});
