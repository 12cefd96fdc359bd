/**
 * The only importer of the native addon (native/fjord-napi). Everything else in fjord reaches
 * the Rust log engine through this module, which turns native errors into `NativeLogError`s that
 * carry Kafka's error code, and group-commit completions into promises.
 */
import { createRequire } from 'node:module';

import type * as Binding from '../../native/fjord-napi/index.d.cts';

const require = createRequire(import.meta.url);
const addon = require('../../native/fjord-napi/index.cjs') as typeof Binding;

export type AppendResult = Binding.AppendResult;
export type LogSettings = Binding.LogSettings;
export type OpenResult = Binding.OpenResult;
export type RetentionResult = Binding.RetentionResult;
export type SendResult = Binding.SendResult;
export type TimestampAndOffset = Binding.TimestampAndOffset;

/**
 * An aborted transaction in a segment's transaction index (`<base>.txnindex`, Kafka's AbortedTxn):
 * `lastOffset` is the abort marker's offset, `lastStableOffset` the partition's LSO once the
 * marker was written (Kafka's rule: the first offset of the earliest other open transaction, else
 * `lastOffset + 1`).
 */
export interface AbortedTxn {
  producerId: bigint;
  firstOffset: number;
  lastOffset: number;
  lastStableOffset: number;
}

/** Kafka error codes the native log reports (org.apache.kafka.common.protocol.Errors). */
export const NATIVE_ERROR_CODES = {
  UNKNOWN_SERVER_ERROR: -1,
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  MESSAGE_TOO_LARGE: 10,
  RECORD_LIST_TOO_LARGE: 18,
  INVALID_TIMESTAMP: 32,
  UNSUPPORTED_FOR_MESSAGE_FORMAT: 43,
  KAFKA_STORAGE_ERROR: 56,
  INVALID_RECORD: 87,
  INVALID_CONFIG: 40,
} as const;

export type NativeErrorName = keyof typeof NATIVE_ERROR_CODES;

/** A failure of the native log, with the Kafka error a broker answers with. */
export class NativeLogError extends Error {
  readonly kafkaName: NativeErrorName;
  readonly kafkaCode: number;

  constructor(kafkaName: NativeErrorName, message: string) {
    super(message);
    this.name = 'NativeLogError';
    this.kafkaName = kafkaName;
    this.kafkaCode = NATIVE_ERROR_CODES[kafkaName];
  }
}

/** Native messages start with the Kafka error name: "CORRUPT_MESSAGE: CRC mismatch ...". */
function translate(error: unknown): never {
  if (error instanceof Error) {
    const match = /^([A-Z_]+): /.exec(error.message);
    const name = match?.[1];
    if (name !== undefined && name in NATIVE_ERROR_CODES) {
      throw new NativeLogError(name as NativeErrorName, error.message);
    }
  }
  throw error;
}

function call<T>(operation: () => T): T {
  try {
    return operation();
  } catch (error) {
    return translate(error);
  }
}

export function crc32c(data: Uint8Array, crc = 0): number {
  return addon.crc32c(data, crc);
}

export function crc32cImplementation(): string {
  return addon.crc32cImplementation();
}

export function ioUringAvailable(): boolean {
  return addon.ioUringAvailable();
}

/** A planned read of whole batches, deliverable by copy or by sendfile(2). */
export class ReadPlan {
  readonly #plan: Binding.ReadPlan;

  constructor(plan: Binding.ReadPlan) {
    this.#plan = plan;
  }

  get bytes(): number {
    return this.#plan.bytes;
  }
  /** The same as `bytes`: makes a plan a `FileRegion` for the network layer. */
  get byteLength(): number {
    return this.#plan.bytes;
  }
  get nextOffset(): number {
    return this.#plan.nextOffset;
  }
  get regionCount(): number {
    return this.#plan.regionCount;
  }

  copy(): Buffer {
    return call(() => this.#plan.copy());
  }

  /** `length` bytes of the plan from byte `from`: finishes by copy a send sendfile began. */
  copyRange(from: number, length: number): Buffer {
    return call(() => this.#plan.copyRange(from, length));
  }

  /** sendfile(2) to `fd` from byte `sent` of the plan; resume from the returned `sent`. */
  sendTo(fd: number, sent: number): SendResult {
    return call(() => this.#plan.sendTo(fd, sent));
  }
}

/** One partition's log (a directory of segments). Use from the event loop thread only. */
export class PartitionLog {
  readonly dir: string;
  readonly #native: Binding.Partition;

  private constructor(dir: string, native: Binding.Partition) {
    this.dir = dir;
    this.#native = native;
  }

  /** Opens or creates the partition in `dir`; recovers it if it was not closed cleanly. */
  static open(dir: string, settings: LogSettings = {}, nowMs = Date.now()): PartitionLog {
    return new PartitionLog(dir, call(() => addon.Partition.open(dir, settings, nowMs)));
  }

  /** @internal for GroupCommit */
  get native(): Binding.Partition {
    return this.#native;
  }

  get openResult(): OpenResult {
    return this.#native.openResult;
  }
  get logStartOffset(): number {
    return call(() => this.#native.logStartOffset);
  }
  get logEndOffset(): number {
    return call(() => this.#native.logEndOffset);
  }
  get recoveryPoint(): number {
    return call(() => this.#native.recoveryPoint);
  }
  get sizeBytes(): number {
    return call(() => this.#native.sizeBytes);
  }
  get segmentCount(): number {
    return call(() => this.#native.segmentCount);
  }

  /**
   * Validates and appends whole record batches. Offsets (and LogAppendTime timestamps) are
   * written into `batches` itself, which is then stored as is.
   */
  append(batches: Buffer, leaderEpoch: number, nowMs = Date.now(), allowControl = false): AppendResult {
    return call(() => this.#native.append(batches, leaderEpoch, nowMs, allowControl));
  }

  read(offset: number, maxBytes: number, maxOffset: number, minOneBatch: boolean): ReadPlan {
    return new ReadPlan(call(() => this.#native.read(offset, maxBytes, maxOffset, minOneBatch)));
  }

  /**
   * Records an aborted transaction in the transaction index of the segment holding
   * `entry.lastOffset`, the abort marker's offset. Call it right after appending the marker (in
   * the same turn, before any flush). Throws (UNKNOWN_SERVER_ERROR) unless the marker is inside
   * the log, `firstOffset <= lastOffset`, and `lastOffset` is greater than every one recorded.
   */
  appendAbortedTxn(entry: AbortedTxn): void {
    call(() => this.#native.appendAbortedTxn(entry));
  }

  /**
   * Kafka's collectAbortedTransactions: the aborted transactions overlapping
   * `[fetchOffset, upperBoundOffset)` (lastOffset >= fetchOffset, firstOffset < upperBoundOffset),
   * in increasing lastOffset, searching from the segment holding `fetchOffset` on until an entry's
   * lastStableOffset reaches `upperBoundOffset`. Empty when `upperBoundOffset <= fetchOffset`.
   */
  collectAbortedTxns(fetchOffset: number, upperBoundOffset: number): AbortedTxn[] {
    return call(() => this.#native.collectAbortedTxns(fetchOffset, upperBoundOffset));
  }

  /** Drops every aborted transaction whose lastOffset is at or past `fromOffset` (replay the log after). */
  truncateAbortedTxns(fromOffset: number): void {
    call(() => this.#native.truncateAbortedTxns(fromOffset));
  }

  offsetForTimestamp(timestamp: number): TimestampAndOffset | null {
    return call(() => this.#native.offsetForTimestamp(timestamp));
  }
  offsetOfMaxTimestamp(): TimestampAndOffset | null {
    return call(() => this.#native.offsetOfMaxTimestamp());
  }
  setSettings(settings: LogSettings): void {
    call(() => this.#native.setSettings(settings));
  }
  roll(nowMs = Date.now()): void {
    call(() => this.#native.roll(nowMs));
  }
  applyRetention(nowMs = Date.now()): RetentionResult {
    return call(() => this.#native.applyRetention(nowMs));
  }
  deleteRecords(offset: number): number {
    return call(() => this.#native.deleteRecords(offset));
  }
  truncateTo(offset: number): number {
    return call(() => this.#native.truncateTo(offset));
  }
  flushDue(nowMs = Date.now()): boolean {
    return call(() => this.#native.flushDue(nowMs));
  }
  /** fdatasync on this thread: blocks the event loop. For shutdown and tests; use GroupCommit. */
  flushNow(): void {
    call(() => this.#native.flushNow());
  }
  checkpoint(): void {
    call(() => this.#native.checkpoint());
  }
  close(): void {
    call(() => this.#native.close());
  }
  delete(): void {
    call(() => this.#native.delete());
  }
}

interface Waiter {
  readonly log: PartitionLog;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * Group commit: `sync(log, upTo)` resolves once every offset below `upTo` is fdatasync'ed. The
 * fsyncs run on a native thread; all requests waiting while one round runs share the next.
 * Bound: `maxPending` requests in flight (a further `sync` rejects with UNKNOWN_SERVER_ERROR).
 */
export class GroupCommit {
  readonly #committer: Binding.GroupCommitter;
  readonly #waiters = new Map<number, Waiter>();
  #nextToken = 1;
  #rounds = 0;

  constructor(options: { maxPending?: number; preferIoUring?: boolean } = {}) {
    this.#committer = new addon.GroupCommitter(options.maxPending ?? 65_536, options.preferIoUring ?? true, (round) =>
      this.#complete(round),
    );
  }

  get backend(): string {
    return this.#committer.backend;
  }

  get pending(): number {
    return this.#waiters.size;
  }

  /** fsync rounds completed so far (each shared by every job it took). */
  get rounds(): number {
    return this.#rounds;
  }

  sync(log: PartitionLog, upTo: number = log.logEndOffset): Promise<void> {
    const token = this.#nextToken;
    this.#nextToken = (this.#nextToken % 0xffff_fffe) + 1;
    let submitted: boolean;
    try {
      submitted = call(() => this.#committer.submit(log.native, upTo, token));
    } catch (error) {
      return Promise.reject(error as Error);
    }
    if (!submitted) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.#waiters.set(token, { log, resolve, reject });
    });
  }

  #complete(round: Binding.SyncDone[]): void {
    this.#rounds++;
    const nowMs = Date.now();
    for (const done of round) {
      const waiter = this.#waiters.get(done.token);
      if (waiter === undefined) continue;
      this.#waiters.delete(done.token);
      try {
        call(() => waiter.log.native.completeSync(done.targetOffset, done.generation, done.error ?? null, nowMs));
        if (done.error != null) throw new NativeLogError('KAFKA_STORAGE_ERROR', `KAFKA_STORAGE_ERROR: ${done.error}`);
        waiter.resolve();
      } catch (error) {
        waiter.reject(error as Error);
      }
    }
  }

  /** Completes what is queued, then stops the native thread (lets the process exit). */
  stop(): void {
    this.#committer.stop();
  }
}
