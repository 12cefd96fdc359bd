/**
 * TxnOffsetCommit (key 28), v0-5 (Kafka 4.1's range). A transactional producer's
 * `sendOffsetsToTransaction`: the offsets are written to `__consumer_offsets` as a transactional
 * batch of the producer (id and epoch from the request) and stay pending — invisible to
 * OffsetFetch, UNSTABLE_OFFSET_COMMIT to requireStable fetches — until the transaction's COMMIT
 * marker makes them the group's committed offsets (or its ABORT drops them).
 *
 * In Kafka's order (KafkaApis, GroupCoordinatorService, OffsetMetadataManager):
 * - Per partition: UNKNOWN_TOPIC_OR_PARTITION for a topic or partition that does not exist; the
 *   rest go on (none left: answered at once).
 * - The group's `__consumer_offsets` partition must be in the producer's transaction
 *   (AddOffsetsToTxn), asked of the transaction coordinator as Kafka's KIP-890 verification
 *   does, when transaction.partition.verification.enable is on: not in it → INVALID_TXN_STATE
 *   before v4, TRANSACTION_ABORTABLE from v4; another epoch → INVALID_PRODUCER_EPOCH (the client
 *   then knows it is fenced); other answers (INVALID_PRODUCER_ID_MAPPING,
 *   CONCURRENT_TRANSACTIONS, COORDINATOR_LOAD_IN_PROGRESS, NOT_COORDINATOR) as they are.
 * - The group: empty id → INVALID_GROUP_ID; an unknown group is created (a simple group) unless
 *   v3+'s generationId >= 0 (ILLEGAL_GENERATION); v3+'s member, instance and generation are
 *   checked when given (UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID, ILLEGAL_GENERATION), in any group
 *   state. Per partition OFFSET_METADATA_TOO_LARGE beyond offset.metadata.max.bytes (4096).
 * - The write: an older producer epoch than the log has seen → INVALID_PRODUCER_EPOCH; storage
 *   errors mapped as for OffsetCommit (COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR).
 * v5 is served as v4: fjord runs the transaction protocol before KIP-890 part 2, so the
 * partition is not added implicitly (a client only sends v5 when transaction.version 2 is on).
 */
import { OFFSETS_TOPIC_NAME } from '../coordinator/group/offsets-topic.ts';
import { ErrorCode, txnOffsetCommitRequest, txnOffsetCommitResponse } from '../protocol/index.ts';
import { defineHandler } from './types.ts';

/** TxnOffsetCommit v4 added TRANSACTION_ABORTABLE (KIP-890); older clients get INVALID_TXN_STATE. */
const FIRST_TRANSACTION_ABORTABLE_VERSION = 4;

/** How the transaction coordinator's verification answer reaches the client (Kafka's mapping). */
function verificationError(errorCode: number, version: number): number {
  switch (errorCode) {
    case ErrorCode.PRODUCER_FENCED:
      return ErrorCode.INVALID_PRODUCER_EPOCH;
    case ErrorCode.TRANSACTION_ABORTABLE:
      return version >= FIRST_TRANSACTION_ABORTABLE_VERSION ? errorCode : ErrorCode.INVALID_TXN_STATE;
    default:
      return errorCode;
  }
}

export const txnOffsetCommitHandler = defineHandler({
  name: 'TxnOffsetCommit',
  request: txnOffsetCommitRequest,
  response: txnOffsetCommitResponse,
  advertised: { min: 0, max: 5 },
  async handle(request, context) {
    const version = context.header.apiVersion;
    const { metadata, groups, txns } = context.broker;
    const known: Array<{ topic: string; partition: number; offset: bigint; leaderEpoch: number; metadata: string | null }> = [];
    const errors = request.topics.map((topic) => {
      const record = metadata.topic(topic.name);
      return topic.partitions.map((partition) => {
        if (record === undefined || partition.partitionIndex < 0 || partition.partitionIndex >= record.partitionCount) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        known.push({ topic: topic.name, partition: partition.partitionIndex, offset: partition.committedOffset, leaderEpoch: partition.committedLeaderEpoch, metadata: partition.committedMetadata });
        return null;
      });
    });
    let results: number[] = [];
    if (known.length > 0) {
      let verified: number = ErrorCode.NONE;
      if (request.groupId !== '' && txns.verificationEnabled) {
        const offsetsPartition = groups.offsetsTopic.partitionFor(request.groupId);
        verified = verificationError(txns.verifyPartition(request.transactionalId, request.producerId, request.producerEpoch, OFFSETS_TOPIC_NAME, offsetsPartition), version);
      }
      results =
        verified !== ErrorCode.NONE
          ? known.map(() => verified)
          : await groups.coordinator.txnOffsetCommit({
              transactionalId: request.transactionalId,
              groupId: request.groupId,
              producerId: request.producerId,
              producerEpoch: request.producerEpoch,
              generationId: request.generationId,
              memberId: request.memberId,
              groupInstanceId: request.groupInstanceId,
              offsets: known,
            });
    }
    let next = 0;
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((topic, topicIndex) => ({
        name: topic.name,
        partitions: topic.partitions.map((partition, partitionIndex) => ({
          partitionIndex: partition.partitionIndex,
          errorCode: errors[topicIndex]![partitionIndex] ?? results[next++] ?? ErrorCode.UNKNOWN_SERVER_ERROR,
        })),
      })),
    };
  },
});
