/**
 * Durable group state in the internal compacted topic `__consumer_offsets`, as Kafka keeps it:
 * each group lives in partition abs(javaHashCode(groupId)) % partitionCount; offset commits and
 * group metadata are records in Kafka's key/value formats (group-records.ts), appended with the
 * log manager as the broker's own (non-client) writes and replayed at start-up.
 *
 * Transactional offset commits (TxnOffsetCommit) are appended as transactional batches with the
 * producer's id and epoch; they stay pending until that producer's control marker (COMMIT or
 * ABORT, written by `writeTxnMarker`) in the same partition: COMMIT makes each the latest record
 * of its key unless a record of that key later in the log already is (Kafka's rule), ABORT drops
 * them. Loading follows the same rule over the log: a transactional record waits for its
 * producer's marker; a tombstone removes the key's pending records too.
 *
 * Start-up stays fast as commits accumulate (compaction of the topic comes later) thanks to a
 * state snapshot: the latest record per key of every partition (what compaction would keep) and
 * the pending transactional records, with the log end offset they cover. Only the log after that
 * offset is replayed. It is written at clean shutdown and every `snapshotIntervalMs` when
 * something changed, never while a write is in flight (so it is exactly the log up to its
 * offsets). A snapshot that is torn, fails its CRC, or does not fit the log (offset beyond the log
 * end or before the log start) is ignored and that partition is replayed from the start. The
 * snapshot is a cache; the log is the truth.
 *
 * Snapshot file `<first log dir>/fjord-group-state.snapshot`:
 *   magic int32 = 0x666a6773 ("fjgs"), version int16 = 2, partitionCount int32, then per
 *   partition { partition int32, offset int64, recordCount int32, records { recordOffset int64,
 *   keyLength int32, key, valueLength int32, value }, pendingCount int32, pending { producerId
 *   int64, recordOffset int64, keyLength int32, key, valueLength int32, value } }, then crc32c
 *   uint32 of everything before it. A version 1 snapshot (before transactions: no record
 *   offsets) is ignored like a damaged one, and the log replayed.
 */
import { join } from 'node:path';

import { readChecksummedFile, writeChecksummedFile } from '../checksummed-file.ts';
import type { TopicAdmin } from '../../broker/topic-admin.ts';
import type { TxnMarker } from '../../log/control-batch.ts';
import type { LogManager } from '../../log/log-manager.ts';
import type { MetadataStore } from '../../metadata/metadata-store.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import { decodeGroupRecord, encodeGroupRecord, partitionForGroup, type GroupRecord } from './group-records.ts';
import type { GroupPersistence, WriteOutcome } from './group-coordinator.ts';
import { buildRecordBatch, forEachRecord, type BatchProducer } from './record-batch-builder.ts';

export const OFFSETS_TOPIC_NAME = '__consumer_offsets';
export const GROUP_STATE_SNAPSHOT_FILE = 'fjord-group-state.snapshot';
const SNAPSHOT_MAGIC = 0x666a6773;
const SNAPSHOT_VERSION = 2;
/** Bytes read from the log per step while loading (Kafka's offsets.load.buffer.size default). */
const LOAD_READ_BYTES = 5 * 1024 * 1024;

export interface OffsetsTopicOptions {
  readonly logs: LogManager;
  readonly topics: TopicAdmin;
  readonly metadata: MetadataStore;
  /** offsets.topic.num.partitions, used when the topic is created. */
  readonly partitionCount: number;
  /** offsets.topic.segment.bytes. */
  readonly segmentBytes: number;
  readonly snapshotDir: string;
  readonly now: () => number;
  readonly log: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/** What loading hands records and transaction markers to, in log order (the group coordinator). */
export interface GroupLoadTarget {
  /** `producerId` is -1n for a non-transactional record, else the transaction's producer. */
  replay(record: GroupRecord, recordOffset: bigint, producerId: bigint): void;
  /** A COMMIT or ABORT marker of `producerId` at `markerOffset` in `offsetsPartition`. */
  completeTransaction(offsetsPartition: number, producerId: bigint, committed: boolean, markerOffset: bigint): void;
}

/** A record's value and its offset in the log. */
interface StoredValue {
  readonly value: Buffer;
  readonly offset: bigint;
}

/** Kept per key (the map key is the record key's bytes as latin1 text). */
type LatestValues = Map<string, StoredValue>;

interface SnapshotRecord {
  readonly key: Buffer;
  readonly value: Buffer;
  readonly recordOffset: bigint;
}

interface SnapshotPartition {
  readonly offset: bigint;
  readonly records: SnapshotRecord[];
  readonly pending: Array<SnapshotRecord & { producerId: bigint }>;
}

export class OffsetsTopic implements GroupPersistence {
  readonly #options: OffsetsTopicOptions;
  /** Per partition: the latest non-tombstone record per key (key bytes as latin1 text). */
  readonly #latest = new Map<number, LatestValues>();
  /** Per partition and producer id: transactional records awaiting their marker. */
  readonly #pending = new Map<number, Map<bigint, LatestValues>>();
  /**
   * Per `partition:producerId`: transactional writes in flight, and the markers written meanwhile
   * (a marker later in the log than such a write may complete first; the write then takes its
   * result as it lands). Bounded by the producer's requests in flight; removed when none is.
   */
  readonly #transactionalWrites = new Map<string, { count: number; markers: Array<{ offset: bigint; committed: boolean }> }>();
  #inFlight = 0;
  #dirty = false;

  constructor(options: OffsetsTopicOptions) {
    this.#options = options;
  }

  get snapshotPath(): string {
    return join(this.#options.snapshotDir, GROUP_STATE_SNAPSHOT_FILE);
  }

  /** Partitions of the topic as it exists, or as it will be created. */
  get partitionCount(): number {
    return this.#options.metadata.topic(OFFSETS_TOPIC_NAME)?.partitionCount ?? this.#options.partitionCount;
  }

  partitionFor(groupId: string): number {
    return partitionForGroup(groupId, this.partitionCount);
  }

  exists(): boolean {
    return this.#options.metadata.topic(OFFSETS_TOPIC_NAME) !== undefined;
  }

  /** Creates the internal topic on first use (as Kafka does); an error code. */
  ensureTopic(): Promise<number> {
    return this.#options.topics.ensureInternalTopic({
      name: OFFSETS_TOPIC_NAME,
      numPartitions: this.#options.partitionCount,
      configs: [
        { name: 'cleanup.policy', value: 'compact' },
        { name: 'compression.type', value: 'producer' },
        { name: 'segment.bytes', value: String(this.#options.segmentBytes) },
      ],
      log: this.#options.log,
    });
  }

  /**
   * Appends `records` of one group as one batch, transactional when `producer` is given (then
   * they stay pending until that producer's marker in the partition).
   */
  async write(groupId: string, records: readonly GroupRecord[], producer: BatchProducer | null = null): Promise<WriteOutcome> {
    if (records.length === 0) return { errorCode: ErrorCode.NONE, baseOffset: -1n };
    const created = await this.ensureTopic();
    if (created !== ErrorCode.NONE) return { errorCode: created, baseOffset: -1n };
    const partition = this.partitionFor(groupId);
    let encoded: Array<{ key: Buffer; value: Buffer | null }>;
    try {
      encoded = records.map(encodeGroupRecord);
    } catch {
      return { errorCode: ErrorCode.INVALID_REQUEST, baseOffset: -1n };
    }
    const batch = buildRecordBatch(encoded, this.#options.now(), producer);
    const writesKey = producer === null ? null : `${partition}:${producer.producerId}`;
    let writes = writesKey === null ? undefined : this.#transactionalWrites.get(writesKey);
    if (writesKey !== null && writes === undefined) {
      writes = { count: 0, markers: [] };
      this.#transactionalWrites.set(writesKey, writes);
    }
    if (writes !== undefined) writes.count++;
    this.#inFlight++;
    try {
      const outcome = await this.#options.logs.append(OFFSETS_TOPIC_NAME, partition, batch, { requiredAcks: -1, isFromClient: false });
      if (outcome.errorCode !== ErrorCode.NONE) return { errorCode: outcome.errorCode, baseOffset: -1n };
      this.#dirty = true;
      if (producer === null) {
        encoded.forEach((record, index) => this.#remember(partition, record.key, record.value, outcome.baseOffset + BigInt(index)));
        return { errorCode: ErrorCode.NONE, baseOffset: outcome.baseOffset };
      }
      // The first marker after this write in the log ends its transaction.
      let ended: { offset: bigint; committed: boolean } | undefined;
      for (const marker of writes?.markers ?? []) if (marker.offset > outcome.baseOffset && (ended === undefined || marker.offset < ended.offset)) ended = marker;
      encoded.forEach((record, index) => {
        if (record.value === null) return;
        const offset = outcome.baseOffset + BigInt(index);
        if (ended === undefined) this.#rememberPending(partition, producer.producerId, record.key, record.value, offset);
        else if (ended.committed) this.#materialize(partition, record.key.toString('latin1'), { value: record.value, offset });
      });
      if (ended === undefined) return { errorCode: ErrorCode.NONE, baseOffset: outcome.baseOffset };
      return { errorCode: ErrorCode.NONE, baseOffset: outcome.baseOffset, transactionResult: ended.committed ? 'committed' : 'aborted' };
    } finally {
      this.#inFlight--;
      if (writes !== undefined && --writes.count === 0 && writesKey !== null) this.#transactionalWrites.delete(writesKey);
    }
  }

  /**
   * Appends a transaction marker to `__consumer_offsets`-`partition` (creating the topic if it
   * does not exist yet), then completes that producer's pending records written before it:
   * COMMIT makes them the latest of their keys (unless a later record is), ABORT drops them.
   */
  async writeTxnMarker(partition: number, marker: TxnMarker): Promise<{ errorCode: number; offset: bigint }> {
    const created = await this.ensureTopic();
    if (created !== ErrorCode.NONE) return { errorCode: created, offset: -1n };
    this.#inFlight++;
    try {
      const outcome = await this.#options.logs.writeTxnMarker(OFFSETS_TOPIC_NAME, partition, marker);
      if (outcome.errorCode !== ErrorCode.NONE) return outcome;
      this.#completeTransaction(partition, marker.producerId, marker.committed, outcome.offset);
      this.#transactionalWrites.get(`${partition}:${marker.producerId}`)?.markers.push({ offset: outcome.offset, committed: marker.committed });
      this.#dirty = true;
      return outcome;
    } finally {
      this.#inFlight--;
    }
  }

  /** Returns the map key. `value` is kept as given: callers pass buffers they do not reuse. */
  #remember(partition: number, key: Buffer, value: Buffer | null, offset: bigint): string {
    let latest = this.#latest.get(partition);
    if (latest === undefined) {
      latest = new Map();
      this.#latest.set(partition, latest);
    }
    const text = key.toString('latin1');
    if (value === null) {
      latest.delete(text);
      // Kafka: a tombstone also removes the key's pending transactional offsets.
      for (const records of this.#pending.get(partition)?.values() ?? []) records.delete(text);
    } else {
      latest.set(text, { value, offset });
    }
    return text;
  }

  #rememberPending(partition: number, producerId: bigint, key: Buffer, value: Buffer, offset: bigint): string {
    let producers = this.#pending.get(partition);
    if (producers === undefined) {
      producers = new Map();
      this.#pending.set(partition, producers);
    }
    let records = producers.get(producerId);
    if (records === undefined) {
      records = new Map();
      producers.set(producerId, records);
    }
    const text = key.toString('latin1');
    records.set(text, { value, offset });
    return text;
  }

  /** Completes the producer's pending records of the partition that precede `markerOffset`. */
  #completeTransaction(partition: number, producerId: bigint, committed: boolean, markerOffset: bigint): void {
    const producers = this.#pending.get(partition);
    const records = producers?.get(producerId);
    if (producers === undefined || records === undefined) return;
    for (const [text, stored] of records) {
      if (stored.offset >= markerOffset) continue;
      records.delete(text);
      if (committed) this.#materialize(partition, text, stored);
    }
    if (records.size === 0) producers.delete(producerId);
  }

  /** A committed transactional record becomes the key's latest unless a later record already is. */
  #materialize(partition: number, text: string, stored: StoredValue): void {
    let latest = this.#latest.get(partition);
    if (latest === undefined) {
      latest = new Map();
      this.#latest.set(partition, latest);
    }
    const existing = latest.get(text);
    if (existing === undefined || stored.offset > existing.offset) latest.set(text, stored);
  }

  /**
   * Reads every partition back (snapshot first, then the log after it) and hands each record and
   * transaction marker to `target` in log order. Returns counts for the start-up log line and tests.
   */
  load(target: GroupLoadTarget): { fromSnapshot: number; replayed: number; partitions: number } {
    let fromSnapshot = 0;
    let replayed = 0;
    if (!this.exists()) return { fromSnapshot, replayed, partitions: 0 };
    const snapshot = this.#readSnapshot();
    const { logs } = this.#options;
    const count = this.partitionCount;
    for (let partition = 0; partition < count; partition++) {
      const state = logs.partitionState(OFFSETS_TOPIC_NAME, partition);
      if (state === undefined) continue;
      let position = state.logStartOffset;
      const saved = snapshot?.get(partition);
      if (saved !== undefined && saved.offset >= state.logStartOffset && saved.offset <= state.logEndOffset) {
        for (const record of saved.records) {
          this.#remember(partition, record.key, Buffer.from(record.value), record.recordOffset);
          const decoded = decodeGroupRecord(record.key, record.value);
          if (decoded !== null) target.replay(decoded, record.recordOffset, -1n);
          fromSnapshot++;
        }
        for (const record of saved.pending) {
          this.#rememberPending(partition, record.producerId, record.key, Buffer.from(record.value), record.recordOffset);
          const decoded = decodeGroupRecord(record.key, record.value);
          if (decoded !== null) target.replay(decoded, record.recordOffset, record.producerId);
          fromSnapshot++;
        }
        position = saved.offset;
      }
      while (position < state.logEndOffset) {
        const read = logs.read(OFFSETS_TOPIC_NAME, partition, { fetchOffset: position, maxBytes: LOAD_READ_BYTES, minOneBatch: true, isolationLevel: 0 });
        if (read.errorCode !== ErrorCode.NONE || read.records === null) break;
        // Values are views of this read's buffer: the survivors are copied after it, so that
        // the buffer is not kept alive by a few keys.
        const touched = new Set<string>();
        const touchedPending = new Map<bigint, Set<string>>();
        const next = forEachRecord(
          read.records.copy(),
          (record) => {
            if (record.offset < position || record.key === null) return;
            if (record.transactional && record.producerId >= 0n) {
              // A transactional tombstone is not something fjord or Kafka writes: skipped.
              if (record.value === null) return;
              const text = this.#rememberPending(partition, record.producerId, record.key, record.value, record.offset);
              let keys = touchedPending.get(record.producerId);
              if (keys === undefined) {
                keys = new Set();
                touchedPending.set(record.producerId, keys);
              }
              keys.add(text);
            } else {
              touched.add(this.#remember(partition, record.key, record.value, record.offset));
            }
            const decoded = decodeGroupRecord(record.key, record.value);
            if (decoded !== null) target.replay(decoded, record.offset, record.transactional ? record.producerId : -1n);
            replayed++;
          },
          (marker) => {
            if (marker.offset < position) return;
            // Committed values move into #latest: copy them with the rest of `touched`.
            for (const text of touchedPending.get(marker.producerId) ?? []) touched.add(text);
            this.#completeTransaction(partition, marker.producerId, marker.committed, marker.offset);
            target.completeTransaction(partition, marker.producerId, marker.committed, marker.offset);
          },
        );
        const latest = this.#latest.get(partition);
        for (const text of touched) {
          const stored = latest?.get(text);
          if (stored !== undefined) latest!.set(text, { value: Buffer.from(stored.value), offset: stored.offset });
        }
        for (const [producerId, keys] of touchedPending) {
          const records = this.#pending.get(partition)?.get(producerId);
          for (const text of keys) {
            const stored = records?.get(text);
            if (stored !== undefined) records!.set(text, { value: Buffer.from(stored.value), offset: stored.offset });
          }
        }
        if (next <= position) break;
        position = next;
      }
    }
    return { fromSnapshot, replayed, partitions: count };
  }

  #readSnapshot(): Map<number, SnapshotPartition> | null {
    const path = this.snapshotPath;
    try {
      const body = readChecksummedFile(path, 10);
      if (body === null) return null;
      if (body.readInt32BE(0) !== SNAPSHOT_MAGIC || body.readInt16BE(4) !== SNAPSHOT_VERSION) throw new Error('unknown format');
      const partitions = body.readInt32BE(6);
      let position = 10;
      const readRecord = (): SnapshotRecord => {
        const recordOffset = body.readBigInt64BE(position);
        position += 8;
        const keyLength = body.readInt32BE(position);
        const key = body.subarray(position + 4, position + 4 + keyLength);
        position += 4 + keyLength;
        const valueLength = body.readInt32BE(position);
        const value = body.subarray(position + 4, position + 4 + valueLength);
        position += 4 + valueLength;
        if (keyLength < 0 || valueLength < 0 || key.length !== keyLength || value.length !== valueLength) throw new Error('truncated');
        return { key, value, recordOffset };
      };
      const out = new Map<number, SnapshotPartition>();
      for (let index = 0; index < partitions; index++) {
        const partition = body.readInt32BE(position);
        const offset = body.readBigInt64BE(position + 4);
        const recordCount = body.readInt32BE(position + 12);
        position += 16;
        const records: SnapshotRecord[] = [];
        for (let recordIndex = 0; recordIndex < recordCount; recordIndex++) records.push(readRecord());
        const pending: SnapshotPartition['pending'] = [];
        const pendingCount = body.readInt32BE(position);
        position += 4;
        for (let recordIndex = 0; recordIndex < pendingCount; recordIndex++) {
          const producerId = body.readBigInt64BE(position);
          position += 8;
          pending.push({ ...readRecord(), producerId });
        }
        out.set(partition, { offset, records, pending });
      }
      return out;
    } catch (error) {
      this.#options.log('warn', `ignoring group state snapshot ${path}: ${error instanceof Error ? error.message : String(error)}; replaying ${OFFSETS_TOPIC_NAME}`);
      return null;
    }
  }

  /**
   * Writes the snapshot (temp file, fsync, rename) when something changed since the last one and
   * no write is in flight. Returns whether it wrote.
   */
  writeSnapshot(): boolean {
    if (!this.#dirty || this.#inFlight > 0 || !this.exists()) return false;
    const parts: Buffer[] = [];
    const header = Buffer.alloc(10);
    header.writeInt32BE(SNAPSHOT_MAGIC, 0);
    header.writeInt16BE(SNAPSHOT_VERSION, 4);
    const count = this.partitionCount;
    let written = 0;
    parts.push(header);
    const pushRecord = (text: string, stored: StoredValue, producerId: bigint | null): void => {
      const key = Buffer.from(text, 'latin1');
      const fixed = Buffer.alloc((producerId === null ? 0 : 8) + 12);
      let position = 0;
      if (producerId !== null) position = fixed.writeBigInt64BE(producerId, position);
      position = fixed.writeBigInt64BE(stored.offset, position);
      fixed.writeInt32BE(key.length, position);
      const valueLength = Buffer.alloc(4);
      valueLength.writeInt32BE(stored.value.length);
      parts.push(fixed, key, valueLength, stored.value);
    };
    for (let partition = 0; partition < count; partition++) {
      const state = this.#options.logs.partitionState(OFFSETS_TOPIC_NAME, partition);
      if (state === undefined) continue;
      const latest = this.#latest.get(partition) ?? new Map<string, StoredValue>();
      const partitionHeader = Buffer.alloc(16);
      partitionHeader.writeInt32BE(partition, 0);
      partitionHeader.writeBigInt64BE(state.logEndOffset, 4);
      partitionHeader.writeInt32BE(latest.size, 12);
      parts.push(partitionHeader);
      for (const [text, stored] of latest) pushRecord(text, stored, null);
      const producers = this.#pending.get(partition) ?? new Map<bigint, LatestValues>();
      let pendingCount = 0;
      for (const records of producers.values()) pendingCount += records.size;
      const pendingHeader = Buffer.alloc(4);
      pendingHeader.writeInt32BE(pendingCount);
      parts.push(pendingHeader);
      for (const [producerId, records] of producers) for (const [text, stored] of records) pushRecord(text, stored, producerId);
      written++;
    }
    header.writeInt32BE(written, 6);
    writeChecksummedFile(this.snapshotPath, Buffer.concat(parts));
    this.#dirty = false;
    return true;
  }
}
