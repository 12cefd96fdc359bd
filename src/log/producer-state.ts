/**
 * Idempotent and transactional producer state of one partition (Kafka's ProducerStateManager and
 * ProducerAppendInfo).
 *
 * For each producer id: its epoch, the coordinator epoch of the last transaction marker, the
 * first offset of its open transaction in this partition (-1: none), the max timestamp of its
 * last batch (for expiry) and the sequence and offset ranges of its last five batches, which is
 * what a retried batch is recognised by. An append is checked whole BEFORE anything is written
 * (`check`), then applied with the offsets the log assigned (`apply`). The rules are Kafka 4.x's
 * (ProducerAppendInfo, transaction version 1):
 *
 * - a batch equal (epoch, first and last sequence) to one of the five is a duplicate: the append
 *   writes nothing and answers that batch's original offsets;
 * - an epoch older than the producer's is INVALID_PRODUCER_EPOCH (data batches and markers);
 * - a newer epoch must start at sequence 0 (else OUT_OF_ORDER_SEQUENCE_NUMBER);
 * - in the same epoch, the first sequence must follow the last one (wrapping after Int32.MAX),
 *   else OUT_OF_ORDER_SEQUENCE_NUMBER;
 * - a producer with no state here (new, expired, or whose batches retention removed) is accepted
 *   at any sequence. Kafka 4.x no longer answers UNKNOWN_PRODUCER_ID for idempotent producers;
 * - a transactional batch of a producer with no open transaction opens one at its first offset;
 *   a non-transactional batch while one is open is INVALID_TXN_STATE (whatever its epoch);
 * - a transaction marker (control batch with an EndTransactionMarker) whose coordinator epoch is
 *   older than the producer's is TRANSACTION_COORDINATOR_FENCED; otherwise it completes the open
 *   transaction (if any: a marker for a producer with none is still written, and completes
 *   nothing), takes the marker's epoch (a newer one forgets the batches) and coordinator epoch.
 *
 * Appends that do not come from a client (coordinators, later replication) skip the sequence
 * checks and the duplicate search but still update the state, as Kafka's non-client origins do.
 *
 * Open transactions are kept in first-offset order: the earliest is the first unstable offset,
 * which bounds the last stable offset. A completed transaction is returned with the last stable
 * offset Kafka writes to the transaction index for it (ProducerStateManager.lastStableOffset):
 * the first offset of the earliest transaction of ANOTHER producer still open, else the marker's
 * offset + 1.
 *
 * Snapshots (`<offset>.snapshot`, offset zero-padded to 20 digits, as Kafka names them) hold the
 * state as of `offset` (every batch below it applied). Format, big-endian:
 *
 *   magic "FJPS" (4) | version uint16 = 2 | crc uint32: CRC-32C of everything after it
 *   snapshot offset int64 | entry count int32
 *   per entry: producer id int64 | epoch int16 | coordinator epoch int32
 *              | open transaction first offset int64 (-1: none) | last timestamp int64
 *              | batch count uint8 (<= 5)
 *              per batch: first seq int32 | last seq int32 | first offset int64 | last offset int64
 *                         | max timestamp int64
 *
 * Version 1 (written before transactions) lacks the coordinator epoch and open transaction
 * fields; it is still read (coordinator epoch -1, no open transaction).
 *
 * A snapshot is written to `<name>.tmp` and renamed (the native log deletes stray .tmp files at
 * open). It is not fsynced: a snapshot that a machine crash damaged fails its CRC, and one newer
 * than the recovered log end is discarded; either way the state is rebuilt from an older
 * snapshot plus the log after it. The two newest snapshots are kept.
 *
 * Concurrency: event loop only. Bound: five batches per producer; producers are bounded by
 * expiry (`producer.id.expiration.ms`) and by eviction when retention removes all their batches;
 * a producer with an open transaction is neither expired nor evicted (Kafka's rule), so the
 * transaction stays open until its marker, which the coordinator writes at the latest when the
 * transaction times out.
 */
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { crc32c } from '../native/index.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { BatchAttribute, RECORD_BATCH_HEADER_BYTES, RecordBatchField, splitBatches } from '../protocol/record-batch.ts';
import { readEndTransactionMarker, type EndTransactionMarker } from './control-batch.ts';

/** Kafka's ProducerStateEntry.NUM_BATCHES_TO_RETAIN. */
export const BATCHES_RETAINED_PER_PRODUCER = 5;
/** Kafka's default `producer.id.expiration.ms` (1 day). */
export const DEFAULT_PRODUCER_ID_EXPIRATION_MS = 86_400_000;
/** No open transaction (Kafka's snapshot writes -1 for an empty currentTxnFirstOffset). */
export const NO_OPEN_TRANSACTION = -1;
const INT32_MAX = 0x7fff_ffff;
const NO_PRODUCER_EPOCH = -1;
const NO_COORDINATOR_EPOCH = -1;
const SNAPSHOT_SUFFIX = '.snapshot';
const SNAPSHOT_MAGIC = Buffer.from('FJPS', 'ascii');
const SNAPSHOT_VERSION = 2;
const SNAPSHOT_VERSION_BEFORE_TRANSACTIONS = 1;
const SNAPSHOT_HEADER_BYTES = 10;
const SNAPSHOTS_KEPT = 2;
const BATCH_BYTES = 32;
/** Fixed bytes of one snapshot entry before its batches, per snapshot version. */
const ENTRY_BYTES = { 1: 19, 2: 31 } as const;

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
  /** The coordinator epoch of the last transaction marker (-1: none yet). */
  coordinatorEpoch: number;
  /** First offset of the producer's open transaction here, NO_OPEN_TRANSACTION when none. */
  currentTxnFirstOffset: number;
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
  /** A control batch; `marker` is its EndTransactionMarker (null: none readable, a no-op). */
  readonly control: boolean;
  readonly marker: EndTransactionMarker | null;
}

/** A transaction a marker ended (Kafka's CompletedTxn plus the LSO for its index entry). */
export interface CompletedTxn {
  readonly producerId: bigint;
  readonly firstOffset: number;
  /** The marker's offset. */
  readonly lastOffset: number;
  readonly aborted: boolean;
  /** What Kafka writes as the transaction index entry's last stable offset. */
  readonly lastStableOffset: number;
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
 * The batches of `records` that carry a producer id (>= 0), by their headers (and, for control
 * batches, their marker record). Returns null when the buffer is not a clean sequence of whole
 * batches: the native append rejects it then.
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
    const attributes = batch.readInt16BE(RecordBatchField.attributes);
    const control = (attributes & BatchAttribute.control) !== 0;
    out.push({
      producerId,
      epoch: batch.readInt16BE(RecordBatchField.producerEpoch),
      firstSeq,
      lastSeq: firstSeq < 0 ? firstSeq : incrementSequence(firstSeq, lastOffsetDelta),
      firstOffset,
      lastOffset: firstOffset + lastOffsetDelta,
      maxTimestamp: Number(batch.readBigInt64BE(RecordBatchField.maxTimestamp)),
      transactional: (attributes & BatchAttribute.transactional) !== 0,
      control,
      marker: control ? readEndTransactionMarker(batch) : null,
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

function emptyEntry(producerId: bigint): ProducerEntry {
  return { producerId, epoch: NO_PRODUCER_EPOCH, coordinatorEpoch: NO_COORDINATOR_EPOCH, currentTxnFirstOffset: NO_OPEN_TRANSACTION, lastTimestamp: -1, batches: [] };
}

function hasOpenTransaction(entry: Readonly<ProducerEntry>): boolean {
  return entry.currentTxnFirstOffset !== NO_OPEN_TRANSACTION;
}

export class ProducerStateManager {
  readonly dir: string;
  readonly #entries = new Map<bigint, ProducerEntry>();
  /**
   * Open transactions: first offset -> producer id, in ascending first offset (a Map keeps
   * insertion order; transactions open at the log end, so in order, and a load sorts).
   */
  readonly #ongoing = new Map<number, bigint>();
  /** The largest first offset ever added to #ongoing since it was last cleared or sorted. */
  #ongoingHighest = -1;
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

  /** Every producer, in no particular order (DescribeProducers). */
  entries(): IterableIterator<Readonly<ProducerEntry>> {
    return this.#entries.values();
  }

  hasOngoingTransaction(producerId: bigint): boolean {
    const entry = this.#entries.get(producerId);
    return entry !== undefined && hasOpenTransaction(entry);
  }

  /** The first offset of the earliest open transaction (Kafka's first undecided offset), or undefined. */
  firstUnstableOffset(): number | undefined {
    for (const firstOffset of this.#ongoing.keys()) return firstOffset;
    return undefined;
  }

  get openTransactionCount(): number {
    return this.#ongoing.size;
  }

  /** Checks a whole append against the state without changing it. */
  check(batches: readonly ProducerBatch[], isFromClient: boolean): ProducerCheck {
    if (batches.length === 0) return { kind: 'append' };
    const drafts = new Map<bigint, ProducerEntry>();
    for (const batch of batches) {
      const current = drafts.get(batch.producerId) ?? this.#entries.get(batch.producerId);
      const currentEpoch = current?.epoch ?? NO_PRODUCER_EPOCH;
      if (batch.control) {
        if (batch.marker === null) continue;
        if (batch.epoch < currentEpoch) {
          return {
            kind: 'error',
            errorCode: ErrorCode.INVALID_PRODUCER_EPOCH,
            message: `Epoch of producer ${batch.producerId} is ${batch.epoch}, which is smaller than the last seen epoch ${currentEpoch}`,
          };
        }
        const currentCoordinatorEpoch = current?.coordinatorEpoch ?? NO_COORDINATOR_EPOCH;
        if (batch.marker.coordinatorEpoch < currentCoordinatorEpoch) {
          return {
            kind: 'error',
            errorCode: ErrorCode.TRANSACTION_COORDINATOR_FENCED,
            message: `Invalid coordinator epoch for producer ${batch.producerId}: ${batch.marker.coordinatorEpoch} (zombie), ${currentCoordinatorEpoch} (current)`,
          };
        }
        const draft = current === undefined ? emptyEntry(batch.producerId) : { ...current, batches: [...current.batches] };
        ProducerStateManager.#endTransaction(draft, batch, batch.marker);
        drafts.set(batch.producerId, draft);
        continue;
      }
      if (isFromClient && current !== undefined && current.epoch === batch.epoch) {
        const duplicate = current.batches.find((old) => old.firstSeq === batch.firstSeq && old.lastSeq === batch.lastSeq);
        if (duplicate !== undefined) return { kind: 'duplicate', batch: duplicate };
      }
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
      const draft = current === undefined ? emptyEntry(batch.producerId) : { ...current, batches: [...current.batches] };
      ProducerStateManager.#addBatch(draft, batch);
      if (hasOpenTransaction(draft) && !batch.transactional) {
        return {
          kind: 'error',
          errorCode: ErrorCode.INVALID_TXN_STATE,
          message: `Expected transactional write from producer ${batch.producerId}, which has a transaction open since offset ${draft.currentTxnFirstOffset}`,
        };
      }
      // Before the append the batch's offset is the client's 0: any non-negative value marks it open.
      if (!hasOpenTransaction(draft) && batch.transactional) draft.currentTxnFirstOffset = Math.max(0, batch.firstOffset);
      drafts.set(batch.producerId, draft);
    }
    return { kind: 'append' };
  }

  /**
   * Applies batches the log has written (their headers carry the assigned offsets). Returns the
   * transactions their markers completed, in order, each with the last stable offset for its
   * transaction index entry.
   */
  apply(batches: readonly ProducerBatch[]): CompletedTxn[] {
    const completed: CompletedTxn[] = [];
    for (const batch of batches) {
      if (batch.control && batch.marker === null) continue;
      let entry = this.#entries.get(batch.producerId);
      if (entry === undefined) {
        entry = emptyEntry(batch.producerId);
        this.#entries.set(batch.producerId, entry);
      }
      this.#dirty = true;
      if (batch.control) {
        const marker = batch.marker!;
        if (hasOpenTransaction(entry)) {
          completed.push({
            producerId: batch.producerId,
            firstOffset: entry.currentTxnFirstOffset,
            lastOffset: batch.firstOffset,
            aborted: !marker.committed,
            lastStableOffset: this.#nextIncompleteTxnFirstOffset(batch.producerId) ?? batch.firstOffset + 1,
          });
          this.#ongoing.delete(entry.currentTxnFirstOffset);
        }
        ProducerStateManager.#endTransaction(entry, batch, marker);
        continue;
      }
      ProducerStateManager.#addBatch(entry, batch);
      if (batch.transactional && !hasOpenTransaction(entry)) {
        entry.currentTxnFirstOffset = batch.firstOffset;
        this.#addOngoing(batch.firstOffset, batch.producerId);
      }
    }
    return completed;
  }

  /** Kafka's findNextIncompleteTxn: the earliest open transaction of another producer. */
  #nextIncompleteTxnFirstOffset(producerId: bigint): number | undefined {
    for (const [firstOffset, owner] of this.#ongoing) if (owner !== producerId) return firstOffset;
    return undefined;
  }

  #addOngoing(firstOffset: number, producerId: bigint): void {
    this.#ongoing.set(firstOffset, producerId);
    // Transactions open at the log end, so in order; anything else re-sorts (never expected).
    if (firstOffset < this.#ongoingHighest) this.#sortOngoing();
    else this.#ongoingHighest = firstOffset;
  }

  #sortOngoing(): void {
    const sorted = [...this.#ongoing].sort((a, b) => a[0] - b[0]);
    this.#ongoing.clear();
    for (const [firstOffset, producerId] of sorted) this.#ongoing.set(firstOffset, producerId);
    this.#ongoingHighest = sorted.at(-1)?.[0] ?? -1;
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

  /** Kafka's ProducerStateEntry.update for a marker: epoch, coordinator epoch, no open transaction. */
  static #endTransaction(entry: ProducerEntry, batch: ProducerBatch, marker: EndTransactionMarker): void {
    if (batch.epoch !== entry.epoch) {
      entry.epoch = batch.epoch;
      entry.batches = [];
    }
    entry.coordinatorEpoch = marker.coordinatorEpoch;
    entry.currentTxnFirstOffset = NO_OPEN_TRANSACTION;
    entry.lastTimestamp = batch.maxTimestamp;
  }

  /**
   * Drops producers whose every batch is below the log start offset (retention, DeleteRecords),
   * except those with an open transaction: that stays open until its marker.
   */
  evictBelow(logStartOffset: number): number {
    let evicted = 0;
    for (const [producerId, entry] of this.#entries) {
      if (hasOpenTransaction(entry)) continue;
      const last = entry.batches.at(-1);
      if (last === undefined || last.lastOffset < logStartOffset) {
        this.#entries.delete(producerId);
        evicted++;
      }
    }
    if (evicted > 0) this.#dirty = true;
    return evicted;
  }

  /**
   * Kafka's producer expiry: drops producers whose last batch is `expirationMs` old or more and
   * that have no open transaction (Kafka's isProducerExpired).
   */
  removeExpired(nowMs: number, expirationMs: number): number {
    let removed = 0;
    for (const [producerId, entry] of this.#entries) {
      if (!hasOpenTransaction(entry) && nowMs - entry.lastTimestamp >= expirationMs) {
        this.#entries.delete(producerId);
        removed++;
      }
    }
    if (removed > 0) this.#dirty = true;
    return removed;
  }

  clear(): void {
    this.#entries.clear();
    this.#ongoing.clear();
    this.#ongoingHighest = -1;
    this.#dirty = true;
  }

  /** Writes `<offset>.snapshot` (state as of `offset`) and keeps the two newest snapshots. */
  writeSnapshot(offset: number): void {
    const entries = [...this.#entries.values()];
    let size = SNAPSHOT_HEADER_BYTES + 12;
    for (const entry of entries) size += ENTRY_BYTES[SNAPSHOT_VERSION] + entry.batches.length * BATCH_BYTES;
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
      buffer.writeInt32BE(entry.coordinatorEpoch, at + 10);
      buffer.writeBigInt64BE(BigInt(entry.currentTxnFirstOffset), at + 14);
      buffer.writeBigInt64BE(BigInt(entry.lastTimestamp), at + 22);
      buffer.writeUInt8(entry.batches.length, at + 30);
      at += ENTRY_BYTES[SNAPSHOT_VERSION];
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
    this.#ongoing.clear();
    this.#ongoingHighest = -1;
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
      for (const entry of entries) {
        this.#entries.set(entry.producerId, entry);
        if (hasOpenTransaction(entry)) this.#ongoing.set(entry.currentTxnFirstOffset, entry.producerId);
      }
      this.#sortOngoing();
      this.#dirty = false;
      return offset;
    }
    return 0;
  }

  static #parseSnapshot(buffer: Buffer, expectedOffset: number): ProducerEntry[] | null {
    if (buffer.length < SNAPSHOT_HEADER_BYTES + 12) return null;
    if (!buffer.subarray(0, 4).equals(SNAPSHOT_MAGIC)) return null;
    const version = buffer.readUInt16BE(4);
    if (version !== SNAPSHOT_VERSION && version !== SNAPSHOT_VERSION_BEFORE_TRANSACTIONS) return null;
    if (crc32c(buffer.subarray(SNAPSHOT_HEADER_BYTES)) !== buffer.readUInt32BE(6)) return null;
    const entryBytes = ENTRY_BYTES[version];
    let at = SNAPSHOT_HEADER_BYTES;
    if (Number(buffer.readBigInt64BE(at)) !== expectedOffset) return null;
    const count = buffer.readInt32BE(at + 8);
    at += 12;
    const entries: ProducerEntry[] = [];
    for (let i = 0; i < count; i++) {
      if (buffer.length - at < entryBytes) return null;
      const entry = emptyEntry(buffer.readBigInt64BE(at));
      entry.epoch = buffer.readInt16BE(at + 8);
      if (version === SNAPSHOT_VERSION) {
        entry.coordinatorEpoch = buffer.readInt32BE(at + 10);
        entry.currentTxnFirstOffset = Math.max(NO_OPEN_TRANSACTION, Number(buffer.readBigInt64BE(at + 14)));
      }
      entry.lastTimestamp = Number(buffer.readBigInt64BE(at + entryBytes - 9));
      const batchCount = buffer.readUInt8(at + entryBytes - 1);
      at += entryBytes;
      if (batchCount > BATCHES_RETAINED_PER_PRODUCER || buffer.length - at < batchCount * BATCH_BYTES) return null;
      for (let j = 0; j < batchCount; j++) {
        entry.batches.push({
          firstSeq: buffer.readInt32BE(at),
          lastSeq: buffer.readInt32BE(at + 4),
          firstOffset: Number(buffer.readBigInt64BE(at + 8)),
          lastOffset: Number(buffer.readBigInt64BE(at + 16)),
          timestamp: Number(buffer.readBigInt64BE(at + 24)),
        });
        at += BATCH_BYTES;
      }
      entries.push(entry);
    }
    return at === buffer.length ? entries : null;
  }
}
