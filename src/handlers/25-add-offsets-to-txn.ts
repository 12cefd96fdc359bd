/**
 * AddOffsetsToTxn (key 25), v0-4 (Kafka 4.1's range). Adds the group's `__consumer_offsets`
 * partition (Kafka's abs(hashCode(groupId)) % partitions) to the producer's transaction, so that
 * the TxnOffsetCommit that follows is committed or aborted with it.
 *
 * Errors as the coordinator answers AddPartitionsToTxn: INVALID_PRODUCER_ID_MAPPING,
 * PRODUCER_FENCED (INVALID_PRODUCER_EPOCH below v2, KIP-588), CONCURRENT_TRANSACTIONS,
 * INVALID_TXN_STATE, COORDINATOR_LOAD_IN_PROGRESS / NOT_COORDINATOR. `__consumer_offsets` is
 * created here when it does not exist yet (Kafka would answer UNKNOWN_TOPIC_OR_PARTITION on a
 * cluster where no group was ever looked up; creating it is what FindCoordinator would do next);
 * if it cannot be, UNKNOWN_TOPIC_OR_PARTITION.
 */
import { fencedErrorCode } from '../coordinator/txn/txn-coordinator.ts';
import { addOffsetsToTxnRequest, addOffsetsToTxnResponse, ErrorCode } from '../protocol/index.ts';
import { defineHandler } from './types.ts';

const API_KEY = 25;

export const addOffsetsToTxnHandler = defineHandler({
  name: 'AddOffsetsToTxn',
  request: addOffsetsToTxnRequest,
  response: addOffsetsToTxnResponse,
  advertised: { min: 0, max: 4 },
  async handle(request, context) {
    const { groups, txns } = context.broker;
    if ((await groups.offsetsTopic.ensureTopic()) !== ErrorCode.NONE) return { throttleTimeMs: 0, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
    const errorCode = await txns.coordinator.addOffsets({
      transactionalId: request.transactionalId,
      producerId: request.producerId,
      producerEpoch: request.producerEpoch,
      groupId: request.groupId,
    });
    return { throttleTimeMs: 0, errorCode: fencedErrorCode(errorCode, API_KEY, context.header.apiVersion) };
  },
});
