/**
 * AddPartitionsToTxn (key 24), v0-5 (Kafka 4.1's range). Versions 0-3 are the client form (one
 * transaction: the producer adds the partitions it is about to write); versions 4+ are the
 * broker form (a batch of transactions, each either added or, with verifyOnly, checked: KIP-890
 * part 1, as a partition leader asks the transaction coordinator).
 *
 * - Per transaction, as Kafka's KafkaApis: a partition that does not exist is
 *   UNKNOWN_TOPIC_OR_PARTITION and then every other partition of that transaction is
 *   OPERATION_NOT_ATTEMPTED (nothing is added). Otherwise every partition gets the coordinator's
 *   one answer: NONE, INVALID_PRODUCER_ID_MAPPING (unknown id / other producer id),
 *   PRODUCER_FENCED (other epoch; INVALID_PRODUCER_EPOCH below v2, KIP-588),
 *   CONCURRENT_TRANSACTIONS (a transition or completion in progress), INVALID_TXN_STATE,
 *   COORDINATOR_LOAD_IN_PROGRESS / NOT_COORDINATOR.
 * - verifyOnly: per partition NONE when it is in the ongoing transaction, TRANSACTION_ABORTABLE
 *   when not, or the transaction-wide error (Kafka's handleVerifyPartitionsInTransaction).
 * - The top-level error code (v4+) is NONE: there are no ACLs, so no CLUSTER_AUTHORIZATION_FAILED.
 * - A request's transactions and partitions are bounded by the request size
 *   (socket.request.max.bytes); a transaction's partitions by the partitions that exist.
 */
import { fencedErrorCode } from '../coordinator/txn/txn-coordinator.ts';
import type { TopicPartition } from '../coordinator/txn/txn-state.ts';
import { addPartitionsToTxnRequest, addPartitionsToTxnResponse, ErrorCode } from '../protocol/index.ts';
import { defineHandler, type RequestContext } from './types.ts';

const API_KEY = 24;

interface TopicResult {
  name: string;
  resultsByPartition: { partitionIndex: number; partitionErrorCode: number }[];
}

interface Transaction {
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  verifyOnly: boolean;
  topics: ReadonlyArray<{ name: string; partitions: readonly number[] }>;
}

/** Groups per-partition codes by topic, in request order. */
function byTopic(results: ReadonlyArray<TopicPartition & { errorCode: number }>): TopicResult[] {
  const topics = new Map<string, TopicResult>();
  for (const { topic, partition, errorCode } of results) {
    let entry = topics.get(topic);
    if (entry === undefined) topics.set(topic, (entry = { name: topic, resultsByPartition: [] }));
    entry.resultsByPartition.push({ partitionIndex: partition, partitionErrorCode: errorCode });
  }
  return [...topics.values()];
}

async function handleTransaction(transaction: Transaction, version: number, context: RequestContext): Promise<TopicResult[]> {
  const { logs, txns } = context.broker;
  const partitions: TopicPartition[] = [];
  const seen = new Set<string>();
  for (const topic of transaction.topics) {
    for (const partition of topic.partitions) {
      const name = `${topic.name}\u0000${partition}`;
      if (seen.has(name)) continue;
      seen.add(name);
      partitions.push({ topic: topic.name, partition });
    }
  }
  const unknown = partitions.filter(({ topic, partition }) => !logs.hasPartition(topic, partition));
  if (unknown.length > 0) {
    return byTopic(
      partitions.map((entry) => ({
        ...entry,
        errorCode: logs.hasPartition(entry.topic, entry.partition) ? ErrorCode.OPERATION_NOT_ATTEMPTED : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      })),
    );
  }
  const request = { transactionalId: transaction.transactionalId, producerId: transaction.producerId, producerEpoch: transaction.producerEpoch };
  if (transaction.verifyOnly) {
    return byTopic(partitions.map((entry) => ({ ...entry, errorCode: txns.coordinator.verifyPartition({ ...request, ...entry }) })));
  }
  const results = await txns.coordinator.addPartitions({ ...request, partitions });
  return byTopic(results.map((result) => ({ ...result, errorCode: fencedErrorCode(result.errorCode, API_KEY, version) })));
}

export const addPartitionsToTxnHandler = defineHandler({
  name: 'AddPartitionsToTxn',
  request: addPartitionsToTxnRequest,
  response: addPartitionsToTxnResponse,
  advertised: { min: 0, max: 5 },
  async handle(request, context) {
    const version = context.header.apiVersion;
    if (version < 4) {
      const topicResults = await handleTransaction(
        {
          transactionalId: request.v3AndBelowTransactionalId,
          producerId: request.v3AndBelowProducerId,
          producerEpoch: request.v3AndBelowProducerEpoch,
          verifyOnly: false,
          topics: request.v3AndBelowTopics,
        },
        version,
        context,
      );
      return { throttleTimeMs: 0, resultsByTopicV3AndBelow: topicResults };
    }
    const resultsByTransaction = await Promise.all(
      request.transactions.map(async (transaction) => ({ transactionalId: transaction.transactionalId, topicResults: await handleTransaction(transaction, version, context) })),
    );
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction };
  },
});
