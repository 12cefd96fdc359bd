/**
 * Fetch (key 1), v4-18 (Kafka 4.1's range). Reads whole batches per partition, bounded by the
 * partition's `partitionMaxBytes`, the request's `maxBytes` and the broker's
 * `fetch.max.bytes`-like cap, below the high watermark (read_uncommitted) or the last stable offset
 * (read_committed). The first partition that returns data always gets at least one whole batch,
 * even one larger than the limits (Kafka's rule, so a consumer can never be stuck).
 *
 * Long polls: when fewer than `minBytes` are ready, the request waits up to `maxWaitMs` for an
 * append to any of its partitions and reads again.
 *
 * Fetch sessions (KIP-227) are not kept: every response has session id 0, which tells clients
 * to keep sending full fetch requests; an incremental request (session id != 0) gets
 * FETCH_SESSION_ID_NOT_FOUND. v13+ names topics by id (UNKNOWN_TOPIC_ID when unknown).
 * A partition's currentLeaderEpoch (v9+) other than -1 or 0 (the only epoch) answers
 * UNKNOWN_LEADER_EPOCH when ahead and FENCED_LEADER_EPOCH when behind, as Kafka does.
 *
 * read_committed (isolation level 1) reads below the last stable offset and answers the aborted
 * transactions overlapping the records read (from the log's transaction index); control batches
 * (transaction markers) are sent as stored and clients skip them. read_uncommitted gets null
 * aborted transactions, as Kafka sends.
 *
 * Records go out as file regions of the segment files (sendfile when the socket is idle, else a
 * copy), never decoded.
 */
import type { ReadPlan } from '../native/index.ts';
import { ErrorCode, fetchRequest, fetchResponse, type InputOf, type RecordsRef } from '../protocol/index.ts';
import { defineHandler } from './types.ts';

type PartitionReply = Omit<
  NonNullable<NonNullable<InputOf<typeof fetchResponse>['responses']>[number]['partitions']>[number],
  'records'
> & { records: Buffer | RecordsRef | null };

/** Kafka's broker-side `fetch.max.bytes` default (55 MiB): the most one response carries. */
const BROKER_FETCH_MAX_BYTES = 57_671_680;
/** The longest a fetch may wait for data, whatever it asks (Kafka bounds it by the request timeout). */
const MAX_WAIT_CAP_MS = 60_000;

interface Wanted {
  readonly topicName: string | null;
  readonly partition: number;
  readonly fetchOffset: bigint;
  readonly partitionMaxBytes: number;
  readonly unknownError: number;
  /** The client's view of the leader epoch (v9+; -1: none). */
  readonly currentLeaderEpoch: number;
}

/** The only leader epoch a single node has. */
const LEADER_EPOCH = 0;

/** Kafka's Partition.checkCurrentLeaderEpoch: a client ahead of this broker, or behind it. */
function leaderEpochError(currentLeaderEpoch: number): number {
  if (currentLeaderEpoch === -1 || currentLeaderEpoch === LEADER_EPOCH) return ErrorCode.NONE;
  return currentLeaderEpoch > LEADER_EPOCH ? ErrorCode.UNKNOWN_LEADER_EPOCH : ErrorCode.FENCED_LEADER_EPOCH;
}

function recordsRef(plan: ReadPlan): RecordsRef {
  return {
    kind: 'records-ref',
    byteLength: plan.bytes,
    sendTo: (fd: number, sent: number) => plan.sendTo(fd, sent),
    copyRange: (from: number, length: number) => plan.copyRange(from, length),
  } as RecordsRef;
}

export const fetchHandler = defineHandler({
  name: 'Fetch',
  request: fetchRequest,
  response: fetchResponse,
  advertised: { min: 4, max: 18 },
  responseAsParts: true,
  async handle(request, context) {
    const version = context.header.apiVersion;
    const { metadata, logs } = context.broker;
    if (request.sessionId !== 0) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] };
    }
    const isolationLevel = request.isolationLevel === 1 ? 1 : 0;
    const topics = request.topics.map((topic) => {
      const record = version >= 13 ? metadata.topicById(topic.topicId) : metadata.topic(topic.topic);
      return {
        topic: topic.topic,
        topicId: topic.topicId,
        wanted: topic.partitions.map(
          (p): Wanted => ({
            topicName: record?.name ?? null,
            partition: p.partition,
            fetchOffset: p.fetchOffset,
            partitionMaxBytes: p.partitionMaxBytes,
            unknownError: record === undefined && version >= 13 ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            currentLeaderEpoch: p.currentLeaderEpoch,
          }),
        ),
      };
    });

    const readAll = () => {
      let budget = Math.min(request.maxBytes, BROKER_FETCH_MAX_BYTES);
      let minOneBatch = true;
      let bytes = 0;
      let errors = false;
      const responses = topics.map((topic) => ({
        topic: topic.topic,
        topicId: topic.topicId,
        partitions: topic.wanted.map((wanted): PartitionReply => {
          const base = { partitionIndex: wanted.partition, preferredReadReplica: -1 };
          if (wanted.topicName === null || !logs.hasPartition(wanted.topicName, wanted.partition)) {
            errors = true;
            return { ...base, errorCode: wanted.unknownError, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n, abortedTransactions: null, records: null };
          }
          const epochError = leaderEpochError(wanted.currentLeaderEpoch);
          if (epochError !== ErrorCode.NONE) {
            errors = true;
            return { ...base, errorCode: epochError, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n, abortedTransactions: null, records: null };
          }
          const outcome = logs.read(wanted.topicName, wanted.partition, {
            fetchOffset: wanted.fetchOffset,
            maxBytes: Math.max(0, Math.min(wanted.partitionMaxBytes, budget)),
            minOneBatch,
            isolationLevel,
          });
          const size = outcome.records?.bytes ?? 0;
          if (size > 0) minOneBatch = false;
          budget = Math.max(0, budget - size);
          bytes += size;
          if (outcome.errorCode !== ErrorCode.NONE) errors = true;
          return {
            ...base,
            errorCode: outcome.errorCode,
            highWatermark: outcome.highWatermark,
            lastStableOffset: outcome.lastStableOffset,
            logStartOffset: outcome.logStartOffset,
            abortedTransactions: outcome.abortedTransactions,
            records: outcome.records !== null && size > 0 ? recordsRef(outcome.records) : Buffer.alloc(0),
          };
        }),
      }));
      return { responses, bytes, errors };
    };

    let result = readAll();
    const waitMs = Math.min(Math.max(0, request.maxWaitMs), MAX_WAIT_CAP_MS);
    const deadline = context.broker.now() + waitMs;
    const watched = topics.flatMap((t) => t.wanted.filter((w) => w.topicName !== null).map((w) => ({ topicName: w.topicName as string, partition: w.partition })));
    while (result.bytes < request.minBytes && !result.errors && watched.length > 0) {
      const left = deadline - context.broker.now();
      if (left <= 0) break;
      await logs.waitForAppend(watched, left);
      result = readAll();
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses: result.responses };
  },
});
