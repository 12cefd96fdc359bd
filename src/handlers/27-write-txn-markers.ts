/**
 * WriteTxnMarkers (key 27), v1 (Kafka 4.1's range: v0 was removed in 4.0; v2, KIP-1228's
 * transaction version, came after 4.1). The inter-broker request a transaction coordinator sends
 * to partition leaders to end a transaction: for each marker (producer id and epoch, COMMIT or
 * ABORT, coordinator epoch), a control batch on each listed partition. fjord's own coordinator
 * writes markers in process (src/coordinator/txn/txn-service.ts), so on a single node this API
 * serves tools and tests; it is advertised because Kafka advertises it.
 *
 * As Kafka's KafkaApis.handleWriteTxnMarkersRequest:
 * - a partition that does not exist: UNKNOWN_TOPIC_OR_PARTITION;
 * - `__consumer_offsets` partitions go to the group coordinator (GroupService.writeTxnMarker),
 *   which writes the marker and makes the producer's pending offsets visible (commit) or drops
 *   them (abort); its COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS and NOT_COORDINATOR
 *   become NOT_LEADER_OR_FOLLOWER, which the sending coordinator retries;
 * - other partitions get the marker through LogManager.writeTxnMarker, whose error code is the
 *   partition's (INVALID_PRODUCER_EPOCH for an epoch older than the producer's, ...); a write
 *   that fails unexpectedly is UNKNOWN_SERVER_ERROR for that partition.
 * Markers are written in request order; the partitions of one marker concurrently. Results are
 * grouped by producer id (Kafka's response is a map keyed by producer id), topics and partitions
 * in first-seen order. The work is bounded by the request's partitions (the dispatcher's element
 * budget). There are no ACLs yet (Kafka requires CLUSTER_ACTION or ALTER on the cluster).
 */
import { OFFSETS_TOPIC_NAME } from '../coordinator/group/offsets-topic.ts';
import { ErrorCode, writeTxnMarkersRequest, writeTxnMarkersResponse } from '../protocol/index.ts';
import type { BrokerServices } from '../broker/services.ts';
import { defineHandler } from './types.ts';

interface Marker {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly coordinatorEpoch: number;
  readonly committed: boolean;
}

/** Group coordinator errors the transaction coordinator does not expect, mapped as Kafka does. */
const GROUP_NOT_READY: ReadonlySet<number> = new Set([ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.NOT_COORDINATOR]);

async function writeMarker(broker: BrokerServices, topic: string, partition: number, marker: Marker): Promise<number> {
  if (!broker.logs.hasPartition(topic, partition)) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  try {
    if (topic === OFFSETS_TOPIC_NAME) {
      const { errorCode } = await broker.groups.writeTxnMarker(partition, marker);
      return GROUP_NOT_READY.has(errorCode) ? ErrorCode.NOT_LEADER_OR_FOLLOWER : errorCode;
    }
    const { errorCode } = await broker.logs.writeTxnMarker(topic, partition, marker);
    return errorCode;
  } catch {
    return ErrorCode.UNKNOWN_SERVER_ERROR;
  }
}

export const writeTxnMarkersHandler = defineHandler({
  name: 'WriteTxnMarkers',
  request: writeTxnMarkersRequest,
  response: writeTxnMarkersResponse,
  advertised: { min: 1, max: 1 },
  async handle(request, context) {
    // producer id -> topic -> partition -> error code, each in first-seen order.
    const results = new Map<bigint, Map<string, Map<number, number>>>();
    for (const requested of request.markers) {
      const marker: Marker = {
        producerId: requested.producerId,
        producerEpoch: requested.producerEpoch,
        coordinatorEpoch: requested.coordinatorEpoch,
        committed: requested.transactionResult,
      };
      let byTopic = results.get(marker.producerId);
      if (byTopic === undefined) results.set(marker.producerId, (byTopic = new Map()));
      const writes: Promise<void>[] = [];
      for (const topic of requested.topics) {
        let byPartition = byTopic.get(topic.name);
        if (byPartition === undefined) byTopic.set(topic.name, (byPartition = new Map()));
        const partitionResults = byPartition;
        for (const partition of topic.partitionIndexes) {
          if (!partitionResults.has(partition)) partitionResults.set(partition, ErrorCode.UNKNOWN_SERVER_ERROR); // keeps request order
          writes.push(writeMarker(context.broker, topic.name, partition, marker).then((errorCode) => void partitionResults.set(partition, errorCode)));
        }
      }
      await Promise.all(writes);
    }
    return {
      markers: [...results].map(([producerId, byTopic]) => ({
        producerId,
        topics: [...byTopic].map(([name, byPartition]) => ({
          name,
          partitions: [...byPartition].map(([partitionIndex, errorCode]) => ({ partitionIndex, errorCode })),
        })),
      })),
    };
  },
});
