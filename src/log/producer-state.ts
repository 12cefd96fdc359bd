/**
 * Idempotent producer state of one partition (Kafka's ProducerStateManager, without transactions).
 *
 * For each producer id: its epoch, the max timestamp of its last batch (for expiry) and the
 * sequence and offset ranges of its last five batches, which is what a retried batch is
 * recognised by. An append is checked whole BEFORE anything is written (`check`), then applied
 * with the offsets the log assigned (`apply`). The rules are Kafka 4.x's (ProducerAppendInfo):
 *
 * - a batch equal (epoch, first and last sequence) to one of the five is a duplicate: the append
 *   writes nothing and answers that batch's original offsets;
 * - an epoch older than the producer's is INVALID_PRODUCER_EPOCH;
 * - a newer epoch must start at sequence 0 (else OUT_OF_ORDER_SEQUENCE_NUMBER);
 * - in the same epoch, the first sequence must follow the last one (wrapping after Int32.MAX),
 *   else OUT_OF_ORDER_SEQUENCE_NUMBER;
 * - a producer with no state here (new, expired, or whose batches retention removed) is accepted
 *   at any sequence. Kafka 4.x no longer answers UNKNOWN_PRODUCER_ID for idempotent producers.
 *
 * Appends that do not come from a client (coordinators, later replication) skip the sequence
 * checks and the duplicate search but still update the state, as Kafka's non-client origins do.
 *
 * Snapshots (`<offset>.snapshot`, offset zero-padded to 20 digits, as Kafka names them) hold the
 * state as of `offset` (every batch below it applied). Format, big-endian:
 *
 *   magic "FJPS" (4) | version uint16 = 1 | crc uint32: CRC-32C of everything after it
 *   snapshot offset int64 | entry count int32
 *   per entry: producer id int64 | epoch int16 | last timestamp int64 | batch count uint8 (<= 5)
 *              per batch: first seq int32 | last seq int32 | first offset int64 | last offset int64
 *                         | max timestamp int64
 *
 * A snapshot is written to `<name>.tmp` and renamed (the native log deletes stray .tmp files at
 * open). It is not fsynced: a snapshot that a machine crash damaged fails its CRC, and one newer
 * than the recovered log end is discarded; either way the state is rebuilt from an older
 * snapshot plus the log after it. The two newest snapshots are kept.
 *
 * Concurrency: event loop only. Bound: five batches per producer; producers are bounded by
 * expiry (`producer.id.expiration.ms`) and by eviction when retention removes all their batches.
 */
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { crc32c } from '../native/index.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { BatchAttribute, RECORD_BATCH_HEADER_BYTES, RecordBatchField, splitBatches } from '../protocol/record-batch.ts';

/** Kafka's ProducerStateEntry.NUM_BATCHES_TO_RETAIN. */
export const BATCHES_RETAINED_PER_PRODUCER = 5;
/** Kafka's default `producer.id.expiration.ms` (1 day). */
export const DEFAULT_PRODUCER_ID_EXPIRATION_MS = 86_400_000;
const INT32_MAX = 0x7fff_ffff;
const NO_PRODUCER_EPOCH = -1;
const SNAPSHOT_SUFFIX = '.snapshot';
const SNAPSHOT_MAGIC = Buffer.from('FJPS', 'ascii');
const SNAPSHOT_VERSION = 1;
const SNAPSHOT_HEADER_BYTES = 10;
const SNAPSHOTS_KEPT = 2;
const BATCH_BYTES = 32;

export interface BatchMetadata {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  /** The batch's max timestamp, which Kafka answers a duplicate with as its log append time. */
  readonly timestamp: number;
}

export interface ProducerEntry {
  readonly producerId: bigint;
  epoch: number;
  lastTimestamp: number;
  /** Oldest first; at most BATCHES_RETAINED_PER_PRODUCER. */
  batches: BatchMetadata[];
}

/** The header fields of one batch the producer state needs. */
export interface ProducerBatch {
  readonly producerId: bigint;
  readonly epoch: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  /** Offsets as written in the batch header: the client's 0 before the append, the log's after. */
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly maxTimestamp: number;
  readonly transactional: boolean;
}

export type ProducerCheck =
  | { readonly kind: 'append' }
  | { readonly kind: 'duplicate'; readonly batch: BatchMetadata }
  | { readonly kind: 'error'; readonly errorCode: number; readonly message: string };

/** Kafka's DefaultRecordBatch.incrementSequence: sequences wrap from Int32.MAX to 0. */
export function incrementSequence(sequence: number, increment: number): number {
  if (sequence > INT32_MAX - increment) return increment - (INT32_MAX - sequence) - 1;
  return sequence + increment;
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX);
}

/**
 * The batches of `records` that carry a producer id (>= 0), by their headers alone. Returns null
 * when the buffer is not a clean sequence of whole batches: the native append rejects it then.
 */
export function producerBatchesOf(records: Buffer): ProducerBatch[] | null {
  const { batches, consumedBytes } = splitBatches(records);
  if (consumedBytes !== records.length) return null;
  const out: ProducerBatch[] = [];
  for (const batch of batches) {
    if (batch.length < RECORD_BATCH_HEADER_BYTES) return null;
    const producerId = batch.readBigInt64BE(RecordBatchField.producerId);
    if (producerId < 0n) continue;
    const firstSeq = batch.readInt32BE(RecordBatchField.baseSequence);
    const lastOffsetDelta = batch.readInt32BE(RecordBatchField.lastOffsetDelta);
    const firstOffset = Number(batch.readBigInt64BE(RecordBatchField.baseOffset));
    out.push({
      producerId,
      epoch: batch.readInt16BE(RecordBatchField.producerEpoch),
      firstSeq,
      lastSeq: firstSeq < 0 ? firstSeq : incrementSequence(firstSeq, lastOffsetDelta),
      firstOffset,
      lastOffset: firstOffset + lastOffsetDelta,
      maxTimestamp: Number(batch.readBigInt64BE(RecordBatchField.maxTimestamp)),
      transactional: (batch.readInt16BE(RecordBatchField.attributes) & BatchAttribute.transactional) !== 0,
    });
  }
  return out;
}

function snapshotName(offset: number): string {
  return `${String(offset).padStart(20, '0')}${SNAPSHOT_SUFFIX}`;
}

function snapshotOffsets(dir: string): number[] {
  const offsets: number[] = [];
  for (const name of readdirSync(dir)) {
    const match = /^(\d{20})\.snapshot$/.exec(name);
    if (match !== null) offsets.push(Number(match[1]));
  }
  return offsets.sort((a, b) => a - b);
}

export class ProducerStateManager {
  readonly dir: string;
  readonly #entries = new Map<bigint, ProducerEntry>();
  /** Whether the state changed since the last snapshot. */
  #dirty = false;

  constructor(dir: string) {
    this.dir = dir;
  }

  get producerCount(): number {
    return this.#entries.size;
  }

  get dirty(): boolean {
    return this.#dirty;
  }

  entry(producerId: bigint): Readonly<ProducerEntry> | undefined {
    return this.#entries.get(producerId);
  }

  /** Checks a whole append against the state without changing it. */
  check(batches: readonly ProducerBatch[], isFromClient: boolean): ProducerCheck {
    if (batches.length === 0) return { kind: 'append' };
    const drafts = new Map<bigint, ProducerEntry>();
    for (const batch of batches) {
      const current = drafts.get(batch.producerId) ?? this.#entries.get(batch.producerId);
      if (isFromClient && current !== undefined && current.epoch === batch.epoch) {
        const duplicate = current.batches.find((old) => old.firstSeq === batch.firstSeq && old.lastSeq === batch.lastSeq);
        if (duplicate !== undefined) return { kind: 'duplicate', batch: duplicate };
      }
      const currentEpoch = current?.epoch ?? NO_PRODUCER_EPOCH;
      if (batch.epoch < currentEpoch) {
        return {
          kind: 'error',
          errorCode: ErrorCode.INVALID_PRODUCER_EPOCH,
          message: `Epoch of producer ${batch.producerId} is ${batch.epoch}, which is smaller than the last seen epoch ${currentEpoch}`,
        };
      }
      if (isFromClient && current !== undefined) {
        if (batch.epoch !== currentEpoch) {
          if (batch.firstSeq !== 0 && currentEpoch !== NO_PRODUCER_EPOCH) {
            return {
              kind: 'error',
              errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
              message: `Invalid sequence number for new epoch of producer ${batch.producerId}: ${batch.epoch} (request epoch), ${batch.firstSeq} (seq. number), ${currentEpoch} (current producer epoch)`,
            };
          }
        } else {
          const lastSeq = current.batches.at(-1)?.lastSeq ?? -1;
          if (!inSequence(lastSeq, batch.firstSeq)) {
            return {
              kind: 'error',
              errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
              message: `Out of order sequence number for producer ${batch.producerId}: ${batch.firstSeq} (incoming seq. number), ${lastSeq} (current end sequence number)`,
            };
          }
        }
      }
      const draft: ProducerEntry = current === undefined ? { producerId: batch.producerId, epoch: NO_PRODUCER_EPOCH, lastTimestamp: -1, batches: [] } : { ...current, batches: [...current.batches] };
      ProducerStateManager.#addBatch(draft, batch);
      drafts.set(batch.producerId, draft);
    }
    return { kind: 'append' };
  }

  /** Applies batches the log has written (their headers carry the assigned offsets). */
  apply(batches: readonly ProducerBatch[]): void {
    for (const batch of batches) {
      let entry = this.#entries.get(batch.producerId);
      if (entry === undefined) {
        entry = { producerId: batch.producerId, epoch: NO_PRODUCER_EPOCH, lastTimestamp: -1, batches: [] };
        this.#entries.set(batch.producerId, entry);
      }
      ProducerStateManager.#addBatch(entry, batch);
      this.#dirty = true;
    }
  }

  static #addBatch(entry: ProducerEntry, batch: ProducerBatch): void {
    if (batch.epoch !== entry.epoch) {
      entry.epoch = batch.epoch;
      entry.batches = [];
    }
    entry.batches.push({
      firstSeq: batch.firstSeq,
      lastSeq: batch.lastSeq,
      firstOffset: batch.firstOffset,
      lastOffset: batch.lastOffset,
      timestamp: batch.maxTimestamp,
    });
    if (entry.batches.length > BATCHES_RETAINED_PER_PRODUCER) entry.batches.shift();
    entry.lastTimestamp = batch.maxTimestamp;
  }

  /** Drops producers whose every batch is below the log start offset (retention, DeleteRecords). */
  evictBelow(logStartOffset: number): number {
    let evicted = 0;
    for (const [producerId, entry] of this.#entries) {
      const last = entry.batches.at(-1);
      if (last === undefined || last.lastOffset < logStartOffset) {
        this.#entries.delete(producerId);
        evicted++;
      }
    }
    if (evicted > 0) this.#dirty = true;
    return evicted;
  }

  /** Kafka's producer expiry: drops producers whose last batch is `expirationMs` old or more. */
  removeExpired(nowMs: number, expirationMs: number): number {
    let removed = 0;
    for (const [producerId, entry] of this.#entries) {
      if (nowMs - entry.lastTimestamp >= expirationMs) {
        this.#entries.delete(producerId);
        removed++;
      }
    }
    if (removed > 0) this.#dirty = true;
    return removed;
  }

  clear(): void {
    this.#entries.clear();
    this.#dirty = true;
  }

  /** Writes `<offset>.snapshot` (state as of `offset`) and keeps the two newest snapshots. */
  writeSnapshot(offset: number): void {
    const entries = [...this.#entries.values()];
    let size = SNAPSHOT_HEADER_BYTES + 12;
    for (const entry of entries) size += 19 + entry.batches.length * BATCH_BYTES;
    const buffer = Buffer.alloc(size);
    SNAPSHOT_MAGIC.copy(buffer, 0);
    buffer.writeUInt16BE(SNAPSHOT_VERSION, 4);
    let at = SNAPSHOT_HEADER_BYTES;
    buffer.writeBigInt64BE(BigInt(offset), at);
    buffer.writeInt32BE(entries.length, at + 8);
    at += 12;
    for (const entry of entries) {
      buffer.writeBigInt64BE(entry.producerId, at);
      buffer.writeInt16BE(entry.epoch, at + 8);
      buffer.writeBigInt64BE(BigInt(entry.lastTimestamp), at + 10);
      buffer.writeUInt8(entry.batches.length, at + 18);
      at += 19;
      for (const batch of entry.batches) {
        buffer.writeInt32BE(batch.firstSeq, at);
        buffer.writeInt32BE(batch.lastSeq, at + 4);
        buffer.writeBigInt64BE(BigInt(batch.firstOffset), at + 8);
        buffer.writeBigInt64BE(BigInt(batch.lastOffset), at + 16);
        buffer.writeBigInt64BE(BigInt(batch.timestamp), at + 24);
        at += BATCH_BYTES;
      }
    }
    buffer.writeUInt32BE(crc32c(buffer.subarray(SNAPSHOT_HEADER_BYTES)), 6);
    const path = join(this.dir, snapshotName(offset));
    writeFileSync(`${path}.tmp`, buffer);
    renameSync(`${path}.tmp`, path);
    this.#dirty = false;
    const offsets = snapshotOffsets(this.dir);
    for (const old of offsets.slice(0, Math.max(0, offsets.length - SNAPSHOTS_KEPT))) {
      rmSync(join(this.dir, snapshotName(old)), { force: true });
    }
  }

  /**
   * Loads the newest valid snapshot at or below `logEndOffset`, deleting newer ones (a machine
   * crash can leave snapshots past the recovered log end) and damaged ones. Returns the offset
   * the state is as of (0 and an empty state when there is none).
   */
  loadSnapshot(logEndOffset: number): number {
    this.#entries.clear();
    const offsets = snapshotOffsets(this.dir);
    for (let i = offsets.length - 1; i >= 0; i--) {
      const offset = offsets[i]!;
      const path = join(this.dir, snapshotName(offset));
      if (offset > logEndOffset) {
        rmSync(path, { force: true });
        continue;
      }
      const entries = ProducerStateManager.#parseSnapshot(readFileSync(path), offset);
      if (entries === null) {
        rmSync(path, { force: true });
        continue;
      }
      for (const entry of entries) this.#entries.set(entry.producerId, entry);
      this.#dirty = false;
      return offset;
    }
    return 0;
  }

  static #parseSnapshot(buffer: Buffer, expectedOffset: number): ProducerEntry[] | null {
    if (buffer.length < SNAPSHOT_HEADER_BYTES + 12) return null;
    if (!buffer.subarray(0, 4).equals(SNAPSHOT_MAGIC) || buffer.readUInt16BE(4) !== SNAPSHOT_VERSION) return null;
    if (crc32c(buffer.subarray(SNAPSHOT_HEADER_BYTES)) !== buffer.readUInt32BE(6)) return null;
    let at = SNAPSHOT_HEADER_BYTES;
    if (Number(buffer.readBigInt64BE(at)) !== expectedOffset) return null;
    const count = buffer.readInt32BE(at + 8);
    at += 12;
    const entries: ProducerEntry[] = [];
    for (let i = 0; i < count; i++) {
      if (buffer.length - at < 19) return null;
      const producerId = buffer.readBigInt64BE(at);
      const epoch = buffer.readInt16BE(at + 8);
      const lastTimestamp = Number(buffer.readBigInt64BE(at + 10));
      const batchCount = buffer.readUInt8(at + 18);
      at += 19;
      if (batchCount > BATCHES_RETAINED_PER_PRODUCER || buffer.length - at < batchCount * BATCH_BYTES) return null;
      const batches: BatchMetadata[] = [];
      for (let j = 0; j < batchCount; j++) {
        batches.push({
          firstSeq: buffer.readInt32BE(at),
          lastSeq: buffer.readInt32BE(at + 4),
          firstOffset: Number(buffer.readBigInt64BE(at + 8)),
          lastOffset: Number(buffer.readBigInt64BE(at + 16)),
          timestamp: Number(buffer.readBigInt64BE(at + 24)),
        });
        at += BATCH_BYTES;
      }
      entries.push({ producerId, epoch, lastTimestamp, batches });
    }
    return at === buffer.length ? entries : null;
  }
}
