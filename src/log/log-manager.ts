/**
 * The log manager: every partition this node hosts, over the native log engine, with Kafka's
 * single-node semantics (leader epoch 0, every partition led here, this node the only in-sync
 * replica).
 *
 * - Layout: one directory per partition, `<logDir>/<topic>-<partition>`, holding the native
 *   segments, Kafka's `partition.metadata` ("version: 0\ntopic_id: <id>\n") and the producer
 *   state snapshots. New partitions go to the log dir with the fewest partitions. At open, a
 *   partition directory whose topic id is not in the metadata (a crash mid-delete, a deleted then
 *   recreated name) is deleted, as are `...-delete` directories; a directory without
 *   `partition.metadata` is adopted when its name is a partition the metadata lists. Deletion
 *   renames `<topic>-<partition>` to `<topic>-<partition>.<random>-delete` (Kafka's naming) and
 *   then removes it, so a crash mid-delete is recognisable. `__cluster_metadata-0` is never touched.
 * - High watermark = log end offset (one replica); last stable offset = the first offset of the
 *   earliest open transaction (not below the log start offset), else the high watermark. Offsets
 *   are bigint across this API and numbers at the native boundary.
 * - Transactions (Kafka's, transaction version 1): transactional batches open a transaction per
 *   producer (rules in `producer-state.ts`); `writeTxnMarker` appends the COMMIT/ABORT control
 *   batch that ends it; an ABORT adds an entry to the native transaction index, which
 *   read_committed fetches read their aborted-transaction lists from. At open, the index
 *   entries of the log tail after the producer snapshot are dropped and re-added by replaying
 *   the tail, so a crash between a marker's append and its index entry loses nothing.
 * - Produce durability follows the topic's flush policy: when an append brings the unflushed
 *   messages to `flush.messages`, its promise resolves only once group commit fdatasync'ed it;
 *   `flush.ms` is enforced by the flush timer (`flushDue`); otherwise an append resolves right
 *   after the write (Kafka's default, both unset). acks=-1 waits for nothing more than acks=1:
 *   the only in-sync replica is this one, so "all in-sync replicas have it" holds once it is
 *   written here. A kill -9 of the process loses no acknowledged write in either case (the
 *   page cache keeps it); a machine crash may lose what was not fsynced, as in Kafka.
 * - Fetch purgatory: `waitForAppend` parks one watcher per waiting request on the partitions it
 *   asks for; an append to one of them (or its deletion, or close) wakes it.
 * - Timers (setInterval, unref'ed, stopped by close): retention (`applyRetention`), flush
 *   (`flushDue` → group commit), checkpoint (recovery points + producer snapshots when changed),
 *   producer-id expiry.
 *
 * Concurrency: event loop only. Errors Kafka has codes for are returned as codes.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

import type { TopicRecord } from '../metadata/metadata-store.ts';
import { crc32c, GroupCommit, NativeLogError, PartitionLog, type LogSettings, type ReadPlan } from '../native/index.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { RECORD_BATCH_CRC_START, RecordBatchField, splitBatches } from '../protocol/record-batch.ts';
import { buildTxnMarkerBatch, type TxnMarker } from './control-batch.ts';
import { DEFAULT_PRODUCER_ID_EXPIRATION_MS, ProducerStateManager, producerBatchesOf, type CompletedTxn, type ProducerBatch } from './producer-state.ts';

export type { TxnMarker } from './control-batch.ts';

export interface AppendOutcome {
  errorCode: number;
  errorMessage: string | null;
  baseOffset: bigint;
  logAppendTimeMs: bigint;
  logStartOffset: bigint;
}

export interface ReadOutcome {
  errorCode: number;
  highWatermark: bigint;
  lastStableOffset: bigint;
  logStartOffset: bigint;
  records: ReadPlan | null;
  /**
   * read_committed: the aborted transactions overlapping the records read (by producer id and
   * first offset, ascending marker offset); empty when nothing was read. null for read_uncommitted.
   */
  abortedTransactions: AbortedTransaction[] | null;
}

export interface AbortedTransaction {
  producerId: bigint;
  firstOffset: bigint;
}

/** One producer of a partition, as DescribeProducers reports it. */
export interface ActiveProducer {
  producerId: bigint;
  producerEpoch: number;
  /** -1 when the producer has no batch here (only markers, or every batch removed). */
  lastSequence: number;
  lastTimestamp: bigint;
  coordinatorEpoch: number;
  /** -1n when the producer has no open transaction here. */
  currentTxnStartOffset: bigint;
}

export interface ListOffsetOutcome {
  errorCode: number;
  offset: bigint;
  timestamp: bigint;
  leaderEpoch: number;
}

export interface PartitionState {
  readonly logDir: string;
  readonly logStartOffset: bigint;
  readonly logEndOffset: bigint;
  /** Every offset below it is fsynced. */
  readonly recoveryPoint: bigint;
  readonly sizeBytes: number;
  readonly segmentCount: number;
}

export type LogLevel = 'info' | 'warn' | 'error';

export interface LogManagerOptions {
  logDirs: readonly string[];
  topics: readonly TopicRecord[];
  settingsFor: (topic: TopicRecord) => LogSettings;
  /** Kafka's `log.retention.check.interval.ms` (default 300000). */
  retentionCheckIntervalMs: number;
  /** Kafka's `log.flush.scheduler.interval.ms`. */
  flushCheckIntervalMs: number;
  /** Kafka's `log.flush.offset.checkpoint.interval.ms` (default 60000). */
  checkpointIntervalMs: number;
  /** Kafka's `producer.id.expiration.ms` (default 86400000). */
  producerIdExpirationMs?: number;
  /** Kafka's `producer.id.expiration.check.interval.ms` (default 600000). */
  producerIdExpirationCheckIntervalMs?: number;
  now?: () => number;
  log?: (level: LogLevel, message: string) => void;
}

/** ListOffsets special timestamps (ListOffsetsRequest). */
export const ListOffsetsTimestamp = {
  LATEST: -1n,
  EARLIEST: -2n,
  MAX_TIMESTAMP: -3n,
  EARLIEST_LOCAL: -4n,
  LATEST_TIERED: -5n,
  EARLIEST_PENDING_UPLOAD: -6n,
} as const;

/** The single leader epoch of a single node. */
const LEADER_EPOCH = 0;
const UNKNOWN = -1n;
const PARTITION_METADATA_FILE = 'partition.metadata';
/** Kafka's KRaft metadata log directory, which may sit in the first log dir. */
const CLUSTER_METADATA_DIR = '__cluster_metadata-0';
/** Bytes read per step when rebuilding producer state from the log tail (one batch if larger). */
const PRODUCER_REBUILD_READ_BYTES = 1024 * 1024;
const DEFAULT_PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS = 600_000;
const MAX_WAIT_MS = 0x7fff_ffff;

interface Partition {
  readonly topicName: string;
  readonly index: number;
  readonly topicId: string;
  readonly logDir: string;
  readonly dir: string;
  readonly log: PartitionLog;
  readonly producers: ProducerStateManager;
  readonly internal: boolean;
  segmentCount: number;
  /**
   * Set when a transaction index entry could not be written: no newer producer snapshot is
   * written from then on, so the next open replays the log from before that marker and re-adds
   * the entry (Kafka takes the log dir offline instead).
   */
  snapshotsHeld: boolean;
}

interface Watcher {
  readonly keys: readonly string[];
  readonly finish: () => void;
}

function key(topicName: string, partition: number): string {
  return `${topicName}\u0000${partition}`;
}

function errorCodeOf(error: unknown): number {
  return error instanceof NativeLogError ? error.kafkaCode : ErrorCode.UNKNOWN_SERVER_ERROR;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function appendError(errorCode: number, errorMessage: string | null, logStartOffset = UNKNOWN): AppendOutcome {
  return { errorCode, errorMessage, baseOffset: UNKNOWN, logAppendTimeMs: UNKNOWN, logStartOffset };
}

function readError(errorCode: number): ReadOutcome {
  return { errorCode, highWatermark: UNKNOWN, lastStableOffset: UNKNOWN, logStartOffset: UNKNOWN, records: null, abortedTransactions: null };
}

function partitionMetadataText(topicId: string): string {
  return `version: 0\ntopic_id: ${topicId}\n`;
}

/** The topic id in a `partition.metadata` file, or undefined when absent or unreadable. */
function readPartitionMetadata(dir: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, PARTITION_METADATA_FILE), 'utf8');
  } catch {
    return undefined;
  }
  const version = /^version: (\d+)$/m.exec(text)?.[1];
  const topicId = /^topic_id: ([A-Za-z0-9_-]{22})$/m.exec(text)?.[1];
  return version === '0' ? topicId : undefined;
}

function writePartitionMetadata(dir: string, topicId: string): void {
  const path = join(dir, PARTITION_METADATA_FILE);
  writeFileSync(`${path}.tmp`, partitionMetadataText(topicId));
  renameSync(`${path}.tmp`, path);
}

/** Whether every batch in `records` whose CRC can be checked matches it (the rare error path only). */
function crcsMatch(records: Buffer): boolean {
  const { batches } = splitBatches(records);
  return batches.every((batch) => batch.readUInt32BE(RecordBatchField.crc) === crc32c(batch.subarray(RECORD_BATCH_CRC_START)));
}

export class LogManager {
  readonly #logDirs: readonly string[];
  readonly #partitions = new Map<string, Partition[]>();
  readonly #settings = new Map<string, LogSettings>();
  readonly #watchers = new Map<string, Set<Watcher>>();
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #groupCommit = new GroupCommit();
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #now: () => number;
  readonly #log: (level: LogLevel, message: string) => void;
  readonly #producerIdExpirationMs: number;
  #closed = false;

  private constructor(options: LogManagerOptions) {
    this.#logDirs = options.logDirs;
    this.#now = options.now ?? Date.now;
    this.#log = options.log ?? (() => undefined);
    this.#producerIdExpirationMs = options.producerIdExpirationMs ?? DEFAULT_PRODUCER_ID_EXPIRATION_MS;
  }

  static async open(options: LogManagerOptions): Promise<LogManager> {
    if (options.logDirs.length === 0) throw new RangeError('at least one log dir is needed');
    const manager = new LogManager(options);
    try {
      manager.#load(options);
    } catch (error) {
      await manager.close();
      throw error;
    }
    const every = (intervalMs: number, task: () => void): void => {
      if (!(intervalMs > 0)) return;
      const timer = setInterval(task, intervalMs);
      timer.unref();
      manager.#timers.push(timer);
    };
    every(options.retentionCheckIntervalMs, () => manager.#applyRetention());
    every(options.flushCheckIntervalMs, () => manager.#flushDue());
    every(options.checkpointIntervalMs, () => manager.#checkpoint());
    every(options.producerIdExpirationCheckIntervalMs ?? DEFAULT_PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS, () => manager.#expireProducers());
    return manager;
  }

  #load(options: LogManagerOptions): void {
    const topics = new Map(options.topics.map((topic) => [topic.name, topic]));
    const found = new Map<string, { logDir: string; dir: string }>();
    for (const logDir of this.#logDirs) {
      mkdirSync(logDir, { recursive: true });
      for (const entry of readdirSync(logDir, { withFileTypes: true })) {
        const name = entry.name;
        const dir = join(logDir, name);
        if (name === CLUSTER_METADATA_DIR || !entry.isDirectory()) continue;
        if (name.endsWith('-delete')) {
          this.#log('info', `removing ${dir}, left by an interrupted topic deletion`);
          rmSync(dir, { recursive: true, force: true });
          continue;
        }
        const match = /^([a-zA-Z0-9._-]+)-(\d+)$/.exec(name);
        if (match === null) continue;
        const topic = topics.get(match[1]!);
        const partition = Number(match[2]);
        const topicId = readPartitionMetadata(dir);
        const listed = topic !== undefined && partition < topic.partitionCount;
        const stray = !listed || (topicId !== undefined && topicId !== topic.topicId);
        if (stray) {
          this.#log('warn', `deleting stray partition directory ${dir} (topic id ${topicId ?? 'unknown'} is not in the metadata)`);
          this.#removeDirectory(dir);
          continue;
        }
        const previous = found.get(name);
        if (previous !== undefined) throw new Error(`partition ${name} is in two log dirs: ${previous.dir} and ${dir}`);
        if (topicId === undefined) writePartitionMetadata(dir, topic.topicId);
        found.set(name, { logDir, dir });
      }
    }
    for (const topic of options.topics) {
      const settings = options.settingsFor(topic);
      this.#settings.set(topic.name, settings);
      this.#partitions.set(topic.name, []);
      for (let index = 0; index < topic.partitionCount; index++) {
        const existing = found.get(`${topic.name}-${index}`);
        try {
          this.#openPartition(topic, index, settings, existing?.logDir);
        } catch (error) {
          // Kafka takes such a log offline; here the partition answers UNKNOWN_TOPIC_OR_PARTITION.
          this.#log('error', `cannot open partition ${topic.name}-${index}: ${messageOf(error)}`);
        }
      }
    }
  }

  /** Opens (creating when `logDir` is undefined) one partition and rebuilds its producer state. */
  #openPartition(topic: TopicRecord, index: number, settings: LogSettings, logDir: string | undefined): void {
    const chosenLogDir = logDir ?? this.#leastLoadedLogDir();
    const dir = join(chosenLogDir, `${topic.name}-${index}`);
    if (logDir === undefined) {
      mkdirSync(dir, { recursive: true });
      writePartitionMetadata(dir, topic.topicId);
    }
    const log = PartitionLog.open(dir, settings, this.#now());
    const producers = new ProducerStateManager(dir);
    const partition: Partition = {
      topicName: topic.name,
      index,
      topicId: topic.topicId,
      logDir: chosenLogDir,
      dir,
      log,
      producers,
      internal: topic.internal,
      segmentCount: log.segmentCount,
      snapshotsHeld: false,
    };
    this.#rebuildProducerState(partition);
    const list = this.#partitions.get(topic.name) ?? [];
    list[index] = partition;
    this.#partitions.set(topic.name, list);
  }

  /** Latest snapshot at or below the log end, then the batch headers of the log after it. */
  #rebuildProducerState(partition: Partition): void {
    const { log, producers } = partition;
    const logEndOffset = log.logEndOffset;
    const logStartOffset = log.logStartOffset;
    let offset = Math.max(producers.loadSnapshot(logEndOffset), logStartOffset);
    const tailFrom = offset;
    // The snapshot holds the state below tailFrom; the transaction index entries at or after it
    // (markers of the tail) are rebuilt by the replay, whatever a crash left of them.
    log.truncateAbortedTxns(tailFrom);
    while (offset < logEndOffset) {
      const plan = log.read(offset, PRODUCER_REBUILD_READ_BYTES, logEndOffset, true);
      if (plan.bytes === 0 || plan.nextOffset <= offset) break;
      const batches = producerBatchesOf(plan.copy()) ?? [];
      const from = offset;
      LogManager.#indexAborted(log, producers.apply(batches.filter((batch) => batch.lastOffset >= from)));
      offset = plan.nextOffset;
    }
    producers.evictBelow(logStartOffset);
    producers.removeExpired(this.#now(), this.#producerIdExpirationMs);
    if (offset > tailFrom) {
      this.#log('info', `${partition.topicName}-${partition.index}: producer state rebuilt from offset ${tailFrom} to ${offset}`);
    }
  }

  #leastLoadedLogDir(): string {
    const counts = new Map(this.#logDirs.map((dir) => [dir, 0]));
    for (const list of this.#partitions.values()) {
      for (const partition of list) if (partition !== undefined) counts.set(partition.logDir, (counts.get(partition.logDir) ?? 0) + 1);
    }
    let best = this.#logDirs[0]!;
    for (const dir of this.#logDirs) if (counts.get(dir)! < counts.get(best)!) best = dir;
    return best;
  }

  /** Renames to `<name>.<random>-delete`, then removes it in the background (awaited by close). */
  #removeDirectory(dir: string): void {
    const doomed = `${dir}.${randomBytes(16).toString('hex')}-delete`;
    try {
      renameSync(dir, doomed);
    } catch (error) {
      this.#log('error', `cannot rename ${dir} for deletion: ${messageOf(error)}`);
      return;
    }
    this.#track(
      rm(doomed, { recursive: true, force: true }).catch((error: unknown) => {
        this.#log('error', `cannot remove ${doomed}: ${messageOf(error)}`);
      }),
    );
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    this.#inFlight.add(promise);
    const forget = (): void => {
      this.#inFlight.delete(promise);
    };
    promise.then(forget, forget);
    return promise;
  }

  #partition(topicName: string, partition: number): Partition | undefined {
    return this.#partitions.get(topicName)?.[partition];
  }

  /** Creates partitions [from, to) of `topic` (after the metadata store committed them). */
  createPartitions(topic: TopicRecord, fromPartition: number, toPartitionExclusive: number, settings: LogSettings): void {
    if (this.#closed) return;
    this.#settings.set(topic.name, settings);
    if (!this.#partitions.has(topic.name)) this.#partitions.set(topic.name, []);
    for (let index = fromPartition; index < toPartitionExclusive; index++) {
      if (this.#partition(topic.name, index) !== undefined) continue;
      try {
        this.#openPartition(topic, index, settings, undefined);
      } catch (error) {
        this.#log('error', `cannot create partition ${topic.name}-${index}: ${messageOf(error)}`);
      }
    }
  }

  /** Closes and removes every partition of the topic; wakes fetches waiting on them. */
  deleteTopic(topic: TopicRecord): void {
    const list = this.#partitions.get(topic.name);
    this.#partitions.delete(topic.name);
    this.#settings.delete(topic.name);
    if (list === undefined) return;
    for (const partition of list) {
      if (partition === undefined) continue;
      try {
        partition.log.close();
      } catch (error) {
        this.#log('warn', `closing ${partition.dir} for deletion: ${messageOf(error)}`);
      }
      this.#removeDirectory(partition.dir);
      this.#wake(key(topic.name, partition.index));
    }
  }

  updateSettings(topicName: string, settings: LogSettings): void {
    const list = this.#partitions.get(topicName);
    if (list === undefined) return;
    this.#settings.set(topicName, settings);
    for (const partition of list) {
      if (partition === undefined) continue;
      try {
        partition.log.setSettings(settings);
      } catch (error) {
        this.#log('error', `cannot apply settings to ${partition.dir}: ${messageOf(error)}`);
      }
    }
  }

  hasPartition(topicName: string, partition: number): boolean {
    return this.#partition(topicName, partition) !== undefined;
  }

  /** The log end offset (= high watermark), or undefined for an unknown partition. */
  highWatermark(topicName: string, partition: number): bigint | undefined {
    const found = this.#partition(topicName, partition);
    return found === undefined ? undefined : BigInt(found.log.logEndOffset);
  }

  /** Offsets and sizes of one partition (for DescribeLogDirs, metrics and tests). */
  partitionState(topicName: string, partition: number): PartitionState | undefined {
    const found = this.#partition(topicName, partition);
    if (found === undefined) return undefined;
    try {
      const { log } = found;
      return {
        logDir: found.logDir,
        logStartOffset: BigInt(log.logStartOffset),
        logEndOffset: BigInt(log.logEndOffset),
        recoveryPoint: BigInt(log.recoveryPoint),
        sizeBytes: log.sizeBytes,
        segmentCount: log.segmentCount,
      };
    } catch {
      return undefined;
    }
  }

  /** How many idempotent producers the partition tracks (for tests and metrics). */
  producerCount(topicName: string, partition: number): number {
    return this.#partition(topicName, partition)?.producers.producerCount ?? 0;
  }

  /**
   * Appends a request's batches for one partition: producer-state checks first (all or nothing),
   * then the native append (validation, offsets, write), then, when the flush policy asks for
   * it, group commit. `records` is rewritten in place with the assigned offsets.
   */
  async append(topicName: string, partition: number, records: Buffer, options: { requiredAcks: number; isFromClient: boolean }): Promise<AppendOutcome> {
    const found = this.#partition(topicName, partition);
    if (this.#closed || found === undefined) {
      return appendError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.');
    }
    if (options.requiredAcks !== -1 && options.requiredAcks !== 0 && options.requiredAcks !== 1) {
      return appendError(ErrorCode.INVALID_REQUIRED_ACKS, `acks must be -1, 0 or 1, not ${options.requiredAcks}`);
    }
    if (options.isFromClient && found.internal) {
      return appendError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Cannot append to internal topic ${topicName}`);
    }
    return this.#write(found, records, options.isFromClient);
  }

  /**
   * Ends `marker.producerId`'s transaction in this partition with a COMMIT or ABORT control
   * batch (Kafka's WriteTxnMarkers path: origin coordinator, no sequence checks). A marker whose
   * producer epoch is older than the producer's is INVALID_PRODUCER_EPOCH, one whose coordinator
   * epoch is older TRANSACTION_COORDINATOR_FENCED; nothing is written then. A marker for a
   * producer with no open transaction here is written (and completes nothing). An ABORT that
   * completes a transaction adds its transaction index entry. Resolves once written, and
   * fsynced when the topic's flush policy asks for it, with the marker's offset.
   */
  async writeTxnMarker(topicName: string, partition: number, marker: TxnMarker): Promise<{ errorCode: number; offset: bigint }> {
    const found = this.#partition(topicName, partition);
    if (this.#closed || found === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, offset: UNKNOWN };
    const outcome = await this.#write(found, buildTxnMarkerBatch(marker, this.#now()), false);
    if (outcome.errorCode !== ErrorCode.NONE) {
      this.#log('warn', `${topicName}-${partition}: transaction marker for producer ${marker.producerId} refused: ${outcome.errorMessage ?? outcome.errorCode}`);
    }
    return { errorCode: outcome.errorCode, offset: outcome.errorCode === ErrorCode.NONE ? outcome.baseOffset : UNKNOWN };
  }

  async #write(found: Partition, records: Buffer, isFromClient: boolean): Promise<AppendOutcome> {
    const { log, producers, topicName, index: partition } = found;
    const logStartOffset = (): bigint => BigInt(log.logStartOffset);
    const incoming = producerBatchesOf(records);
    if (incoming !== null && incoming.length > 0) {
      const check = producers.check(incoming, isFromClient);
      if (check.kind !== 'append') {
        // Kafka validates batches before producer state; a corrupt batch is CORRUPT_MESSAGE first.
        if (!crcsMatch(records)) return appendError(ErrorCode.CORRUPT_MESSAGE, 'Record batch CRC mismatch', logStartOffset());
        if (check.kind === 'error') return appendError(check.errorCode, check.message, logStartOffset());
        return {
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          baseOffset: BigInt(check.batch.firstOffset),
          logAppendTimeMs: BigInt(check.batch.timestamp),
          logStartOffset: logStartOffset(),
        };
      }
    }
    const nowMs = this.#now();
    let result;
    try {
      result = log.append(records, LEADER_EPOCH, nowMs, !isFromClient);
    } catch (error) {
      return appendError(errorCodeOf(error), messageOf(error), this.#safeLogStartOffset(found));
    }
    let indexError: unknown = null;
    if (incoming !== null && incoming.length > 0) {
      const completed = producers.apply(producerBatchesOf(records) as ProducerBatch[]);
      try {
        LogManager.#indexAborted(log, completed);
      } catch (error) {
        // Kafka takes the log dir offline; here the next open's replay of the tail re-adds it.
        found.snapshotsHeld = true;
        indexError = error;
        this.#log('error', `${topicName}-${partition}: cannot write the transaction index: ${messageOf(error)}`);
      }
    }
    const segmentCount = log.segmentCount;
    if (segmentCount !== found.segmentCount) {
      found.segmentCount = segmentCount;
      this.#writeProducerSnapshot(found);
    }
    this.#wake(key(topicName, partition));
    // Kafka flushes in the append path only for flush.messages; flush.ms is the flush timer's.
    const flushMessages = this.#settings.get(topicName)?.flushMessages;
    if (flushMessages !== undefined && log.logEndOffset - log.recoveryPoint >= flushMessages) {
      try {
        await this.#track(this.#groupCommit.sync(log, result.lastOffset + 1));
      } catch (error) {
        if (this.#partition(topicName, partition) !== found) {
          return appendError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'The partition was deleted during the append.');
        }
        return appendError(ErrorCode.KAFKA_STORAGE_ERROR, messageOf(error), this.#safeLogStartOffset(found));
      }
    }
    if (indexError !== null) return appendError(ErrorCode.KAFKA_STORAGE_ERROR, messageOf(indexError), this.#safeLogStartOffset(found));
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      baseOffset: BigInt(result.baseOffset),
      logAppendTimeMs: BigInt(result.logAppendTime),
      logStartOffset: this.#safeLogStartOffset(found),
    };
  }

  /** Adds the transaction index entry of each aborted transaction (Kafka's LogSegment.updateTxnIndex). */
  static #indexAborted(log: PartitionLog, completed: readonly CompletedTxn[]): void {
    for (const txn of completed) {
      if (!txn.aborted) continue;
      log.appendAbortedTxn({ producerId: txn.producerId, firstOffset: txn.firstOffset, lastOffset: txn.lastOffset, lastStableOffset: txn.lastStableOffset });
    }
  }

  /**
   * Kafka's UnifiedLog.lastStableOffset: the first unstable offset (the earliest open
   * transaction's first offset, not below the log start offset) when below the high watermark,
   * else the high watermark.
   */
  static #lastStableOffsetOf(partition: Partition): number {
    const highWatermark = partition.log.logEndOffset;
    const firstUnstable = partition.producers.firstUnstableOffset();
    if (firstUnstable === undefined) return highWatermark;
    return Math.min(Math.max(firstUnstable, partition.log.logStartOffset), highWatermark);
  }

  /** The last stable offset (read_committed consumers read below it), -1n for an unknown partition. */
  lastStableOffset(topicName: string, partition: number): bigint {
    const found = this.#partition(topicName, partition);
    if (this.#closed || found === undefined) return UNKNOWN;
    try {
      return BigInt(LogManager.#lastStableOffsetOf(found));
    } catch {
      return UNKNOWN;
    }
  }

  /** Whether the producer has an open transaction in this partition (false for an unknown partition). */
  hasOngoingTransaction(topicName: string, partition: number, producerId: bigint): boolean {
    const found = this.#partition(topicName, partition);
    return !this.#closed && found !== undefined && found.producers.hasOngoingTransaction(producerId);
  }

  /** Every producer the partition tracks (Kafka's UnifiedLog.activeProducers); null for an unknown partition. */
  activeProducers(topicName: string, partition: number): ActiveProducer[] | null {
    const found = this.#partition(topicName, partition);
    if (this.#closed || found === undefined) return null;
    const out: ActiveProducer[] = [];
    for (const entry of found.producers.entries()) {
      out.push({
        producerId: entry.producerId,
        producerEpoch: entry.epoch,
        lastSequence: entry.batches.at(-1)?.lastSeq ?? -1,
        lastTimestamp: BigInt(entry.lastTimestamp),
        coordinatorEpoch: entry.coordinatorEpoch,
        currentTxnStartOffset: BigInt(entry.currentTxnFirstOffset),
      });
    }
    return out;
  }

  #safeLogStartOffset(partition: Partition): bigint {
    try {
      return BigInt(partition.log.logStartOffset);
    } catch {
      return UNKNOWN;
    }
  }

  /**
   * Plans a read of whole batches from `fetchOffset`, bounded by the high watermark (or the last
   * stable offset for read_committed). `records` is null when there is nothing to send.
   * read_committed also gets the aborted transactions overlapping what was read, from the
   * transaction index: those with a marker at or after `fetchOffset` and a first offset below
   * the end of the read (Kafka bounds it by the offset index entry after the read, a superset
   * that adds nothing the consumer needs).
   */
  read(topicName: string, partition: number, request: { fetchOffset: bigint; maxBytes: number; minOneBatch: boolean; isolationLevel: 0 | 1 }): ReadOutcome {
    const found = this.#partition(topicName, partition);
    if (this.#closed || found === undefined) return readError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    try {
      const highWatermark = found.log.logEndOffset;
      const lastStableOffset = LogManager.#lastStableOffsetOf(found);
      const logStartOffset = found.log.logStartOffset;
      const fetchOffset = request.fetchOffset;
      if (fetchOffset < BigInt(logStartOffset) || fetchOffset > BigInt(highWatermark)) return readError(ErrorCode.OFFSET_OUT_OF_RANGE);
      const outcome: ReadOutcome = {
        errorCode: ErrorCode.NONE,
        highWatermark: BigInt(highWatermark),
        lastStableOffset: BigInt(lastStableOffset),
        logStartOffset: BigInt(logStartOffset),
        records: null,
        abortedTransactions: request.isolationLevel === 1 ? [] : null,
      };
      const maxOffset = request.isolationLevel === 1 ? lastStableOffset : highWatermark;
      if (Number(fetchOffset) >= maxOffset || (request.maxBytes <= 0 && !request.minOneBatch)) return outcome;
      const plan = found.log.read(Number(fetchOffset), Math.max(0, request.maxBytes), maxOffset, request.minOneBatch);
      if (plan.bytes > 0) {
        outcome.records = plan;
        if (request.isolationLevel === 1) {
          outcome.abortedTransactions = found.log
            .collectAbortedTxns(Number(fetchOffset), plan.nextOffset)
            .map((txn) => ({ producerId: txn.producerId, firstOffset: BigInt(txn.firstOffset) }));
        }
      }
      return outcome;
    } catch (error) {
      return readError(errorCodeOf(error));
    }
  }

  /**
   * Resolves when any listed partition gets an append (or is deleted), or after timeoutMs, or
   * when signal aborts, or when the manager closes. Bounded: one watcher per waiting request,
   * registered under each of its partitions and removed from all of them on every path.
   */
  waitForAppend(partitions: ReadonlyArray<{ topicName: string; partition: number }>, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.#closed || partitions.length === 0 || !(timeoutMs > 0) || signal?.aborted === true) return Promise.resolve();
    // setTimeout fires at once beyond 2^31 - 1 ms; max_wait_ms is an int32 anyway.
    const delayMs = Math.min(timeoutMs, MAX_WAIT_MS);
    return new Promise<void>((resolve) => {
      const keys = [...new Set(partitions.map(({ topicName, partition }) => key(topicName, partition)))];
      const onAbort = (): void => watcher.finish();
      const timer = setTimeout(onAbort, delayMs);
      const watcher: Watcher = {
        keys,
        finish: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          for (const watched of keys) {
            const set = this.#watchers.get(watched);
            if (set === undefined) continue;
            set.delete(watcher);
            if (set.size === 0) this.#watchers.delete(watched);
          }
          resolve();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      for (const watched of keys) {
        let set = this.#watchers.get(watched);
        if (set === undefined) {
          set = new Set();
          this.#watchers.set(watched, set);
        }
        set.add(watcher);
      }
    });
  }

  /** Watchers currently parked (for tests: proves none leak). */
  get waitingFetches(): number {
    const all = new Set<Watcher>();
    for (const set of this.#watchers.values()) for (const watcher of set) all.add(watcher);
    return all.size;
  }

  #wake(watchedKey: string): void {
    const set = this.#watchers.get(watchedKey);
    if (set === undefined) return;
    for (const watcher of [...set]) watcher.finish();
  }

  /**
   * ListOffsets for one partition, as Kafka answers without tiered storage: -1 latest (the last
   * fetchable offset: high watermark, or the last stable offset for read_committed), -2 earliest
   * and -4 earliest local (log start), -3 the offset of the max timestamp, -5 latest tiered and
   * -6 earliest pending upload (offset -1, epoch -1: nothing is tiered), otherwise the first
   * offset whose timestamp is >= `timestamp`. A max-timestamp or timestamp answer at or past the
   * last fetchable offset is no answer (offset -1), as Kafka's ReplicaManager.fetchOffset filters.
   */
  listOffset(topicName: string, partition: number, timestamp: bigint, isolationLevel: 0 | 1 = 0): ListOffsetOutcome {
    const notFound = (errorCode: number): ListOffsetOutcome => ({ errorCode, offset: UNKNOWN, timestamp: UNKNOWN, leaderEpoch: -1 });
    const found = this.#partition(topicName, partition);
    if (this.#closed || found === undefined) return notFound(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const answer = (offset: number, at: bigint = UNKNOWN): ListOffsetOutcome => ({ errorCode: ErrorCode.NONE, offset: BigInt(offset), timestamp: at, leaderEpoch: LEADER_EPOCH });
    try {
      const lastFetchableOffset = isolationLevel === 1 ? LogManager.#lastStableOffsetOf(found) : found.log.logEndOffset;
      const fetchable = (hit: { offset: number; timestamp: number } | null): ListOffsetOutcome =>
        hit === null || hit.offset >= lastFetchableOffset ? notFound(ErrorCode.NONE) : answer(hit.offset, BigInt(hit.timestamp));
      switch (timestamp) {
        case ListOffsetsTimestamp.LATEST:
          return answer(lastFetchableOffset);
        case ListOffsetsTimestamp.EARLIEST:
        case ListOffsetsTimestamp.EARLIEST_LOCAL:
          return answer(found.log.logStartOffset);
        case ListOffsetsTimestamp.LATEST_TIERED:
        case ListOffsetsTimestamp.EARLIEST_PENDING_UPLOAD:
          return notFound(ErrorCode.NONE);
        case ListOffsetsTimestamp.MAX_TIMESTAMP:
          return fetchable(found.log.offsetOfMaxTimestamp());
        default:
          if (timestamp < 0n) return notFound(ErrorCode.NONE);
          return fetchable(found.log.offsetForTimestamp(Number(timestamp)));
      }
    } catch (error) {
      return notFound(errorCodeOf(error));
    }
  }

  /** Moves the log start offset up to `offset` (-1 = high watermark); the low watermark results. */
  deleteRecords(topicName: string, partition: number, offset: bigint): { errorCode: number; lowWatermark: bigint } {
    const found = this.#partition(topicName, partition);
    if (this.#closed || found === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, lowWatermark: UNKNOWN };
    try {
      const highWatermark = found.log.logEndOffset;
      const target = offset === -1n ? highWatermark : offset;
      if (target < 0n || target > BigInt(highWatermark)) return { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, lowWatermark: UNKNOWN };
      const before = found.log.logStartOffset;
      const lowWatermark = found.log.deleteRecords(Number(target));
      if (lowWatermark > before) this.#onLogStartOffsetIncremented(found, lowWatermark);
      return { errorCode: ErrorCode.NONE, lowWatermark: BigInt(lowWatermark) };
    } catch (error) {
      return { errorCode: errorCodeOf(error), lowWatermark: UNKNOWN };
    }
  }

  /**
   * OffsetForLeaderEpoch with one epoch (0) that began at the log start: epoch 0 ends at the log
   * end offset; a later epoch is unknown (-1, -1); an earlier one (not -1) ends where epoch 0
   * starts, as Kafka's LeaderEpochFileCache.endOffsetFor answers.
   */
  endOffsetForLeaderEpoch(topicName: string, partition: number, leaderEpoch: number): { errorCode: number; leaderEpoch: number; endOffset: bigint } {
    const found = this.#partition(topicName, partition);
    if (this.#closed || found === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, leaderEpoch: -1, endOffset: UNKNOWN };
    try {
      if (leaderEpoch === LEADER_EPOCH) return { errorCode: ErrorCode.NONE, leaderEpoch: LEADER_EPOCH, endOffset: BigInt(found.log.logEndOffset) };
      if (leaderEpoch === -1 || leaderEpoch > LEADER_EPOCH) return { errorCode: ErrorCode.NONE, leaderEpoch: -1, endOffset: UNKNOWN };
      return { errorCode: ErrorCode.NONE, leaderEpoch, endOffset: BigInt(found.log.logStartOffset) };
    } catch (error) {
      return { errorCode: errorCodeOf(error), leaderEpoch: -1, endOffset: UNKNOWN };
    }
  }

  #eachPartition(task: (partition: Partition) => void): void {
    for (const list of this.#partitions.values()) {
      for (const partition of list) {
        if (partition === undefined) continue;
        try {
          task(partition);
        } catch (error) {
          this.#log('warn', `${partition.topicName}-${partition.index}: ${messageOf(error)}`);
        }
      }
    }
  }

  #applyRetention(): void {
    const nowMs = this.#now();
    this.#eachPartition((partition) => {
      const before = partition.log.logStartOffset;
      const { logStartOffset, deletedSegments } = partition.log.applyRetention(nowMs);
      partition.segmentCount = partition.log.segmentCount;
      if (logStartOffset > before) this.#onLogStartOffsetIncremented(partition, logStartOffset);
      if (deletedSegments > 0) {
        this.#log('info', `${partition.topicName}-${partition.index}: retention deleted ${deletedSegments} segment(s), log start offset ${logStartOffset}`);
      }
    });
  }

  /**
   * Evicts producers left with no batch (not those with an open transaction), then snapshots the
   * state at the log end, so the next open never has to start from a snapshot below the log
   * start: the replay could not see the batches in between, and open transactions there.
   */
  #onLogStartOffsetIncremented(partition: Partition, logStartOffset: number): void {
    partition.producers.evictBelow(logStartOffset);
    this.#writeProducerSnapshot(partition);
  }

  #flushDue(): void {
    const nowMs = this.#now();
    this.#eachPartition((partition) => {
      if (!partition.log.flushDue(nowMs)) return;
      this.#track(this.#groupCommit.sync(partition.log)).catch((error: unknown) => {
        this.#log('error', `${partition.topicName}-${partition.index}: flush failed: ${messageOf(error)}`);
      });
    });
  }

  #checkpoint(): void {
    this.#eachPartition((partition) => {
      partition.log.checkpoint();
      if (partition.producers.dirty) this.#writeProducerSnapshot(partition);
    });
  }

  #expireProducers(): void {
    const nowMs = this.#now();
    this.#eachPartition((partition) => {
      partition.producers.removeExpired(nowMs, this.#producerIdExpirationMs);
    });
  }

  #writeProducerSnapshot(partition: Partition): void {
    if (partition.snapshotsHeld) return;
    try {
      partition.producers.writeSnapshot(partition.log.logEndOffset);
    } catch (error) {
      this.#log('warn', `${partition.topicName}-${partition.index}: cannot write the producer snapshot: ${messageOf(error)}`);
    }
  }

  /** Runs the retention, flush, checkpoint and expiry tasks now (tests; the timers call the same). */
  runMaintenance(): void {
    this.#applyRetention();
    this.#flushDue();
    this.#checkpoint();
    this.#expireProducers();
  }

  /** Stops timers, wakes waiting fetches, waits for group commits and deletions, closes every log cleanly. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
    for (const set of [...this.#watchers.values()]) for (const watcher of [...set]) watcher.finish();
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    this.#eachPartition((partition) => {
      this.#writeProducerSnapshot(partition);
      partition.log.close();
    });
    this.#partitions.clear();
    this.#groupCommit.stop();
  }

  /** Directory of a partition (for tests and tools). */
  partitionDirectory(topicName: string, partition: number): string | undefined {
    const found = this.#partition(topicName, partition);
    return found === undefined || !existsSync(found.dir) ? undefined : found.dir;
  }
}
