/**
 * DescribeTransactions (key 65), v0 (Kafka 4.1's range). For each transactional id asked, the
 * coordinator's view (Kafka's TransactionCoordinator.handleDescribeTransactions): state by Kafka's
 * state name (Empty, Ongoing, PrepareCommit, PrepareAbort, CompleteCommit, CompleteAbort,
 * PrepareEpochFence), timeout, start time of the transaction (-1 if none began), producer id and
 * epoch, and the transaction's partitions grouped by topic.
 *
 * An empty id is INVALID_REQUEST; an id the coordinator does not know, or one being expired
 * (state Dead), TRANSACTIONAL_ID_NOT_FOUND. An error entry carries only the id and the code, the
 * other fields at Kafka's defaults ("" and 0). Ids are answered in request order, duplicates
 * included, as Kafka does. There are no ACLs yet (Kafka checks DESCRIBE on each id and filters
 * topics by DESCRIBE).
 */
import type { TxnCoordinator } from '../coordinator/txn/txn-coordinator.ts';
import { describeTransactionsRequest, describeTransactionsResponse, ErrorCode } from '../protocol/index.ts';
import { defineHandler } from './types.ts';

function describeOne(coordinator: TxnCoordinator, transactionalId: string) {
  if (transactionalId === '') return { transactionalId, errorCode: ErrorCode.INVALID_REQUEST };
  const description = coordinator.describe(transactionalId);
  if (description === undefined || description.state === 'Dead') return { transactionalId, errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND };
  const partitionsByTopic = new Map<string, number[]>();
  for (const { topic, partition } of description.partitions) {
    const partitions = partitionsByTopic.get(topic);
    if (partitions === undefined) partitionsByTopic.set(topic, [partition]);
    else partitions.push(partition);
  }
  return {
    errorCode: ErrorCode.NONE,
    transactionalId,
    transactionState: description.state,
    transactionTimeoutMs: description.transactionTimeoutMs,
    transactionStartTimeMs: BigInt(description.transactionStartTimeMs),
    producerId: description.producerId,
    producerEpoch: description.producerEpoch,
    topics: [...partitionsByTopic].map(([topic, partitions]) => ({ topic, partitions })),
  };
}

export const describeTransactionsHandler = defineHandler({
  name: 'DescribeTransactions',
  request: describeTransactionsRequest,
  response: describeTransactionsResponse,
  advertised: { min: 0, max: 0 },
  handle(request, context) {
    const { coordinator } = context.broker.txns;
    return {
      throttleTimeMs: 0,
      transactionStates: request.transactionalIds.map((transactionalId) => describeOne(coordinator, transactionalId)),
    };
  },
});
