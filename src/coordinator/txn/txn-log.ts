/**
 * Durable transaction state in the internal compacted topic `__transaction_state`, as Kafka keeps
 * it: each transactional id lives in partition abs(javaHashCode(transactionalId)) % partitionCount
 * (Kafka's TransactionStateManager.partitionFor), one record per state transition in Kafka's
 * TransactionLogKey/TransactionLogValue formats (txn-records.ts), appended through the log
 * manager as the broker's own (non-client) writes and replayed at start-up.
 *
 * The topic is created on first use (FindCoordinator for a transaction key, or the first
 * transactional InitProducerId), as Kafka does, with `transaction.state.log.num.partitions`
 * partitions and `transaction.state.log.segment.bytes` segments. The latest record per
 * transactional id is the state (what compaction would keep); a record that does not parse is
 * skipped and reported.
 *
 * Start-up stays fast as transactions accumulate (the topic is not compacted yet; every
 * transaction adds three or more records) thanks to a state snapshot, as `__consumer_offsets`
 * has: the latest record per key of every partition, with the log end offset it covers. Only the
 * log after that offset is replayed. It is written at clean shutdown and periodically when
 * something changed, never while a write is in flight (so it is exactly the log up to its
 * offsets). A snapshot that is torn, fails its CRC, or does not fit the log (offset beyond the
 * log end or before the log start) is ignored and that partition is replayed from its start. The
 * snapshot is a cache; the log is the truth. Memory: one latest record (about 100 bytes plus the
 * id and partition names) per live transactional id, bounded as the ids are (expiry removes them).
 *
 * Snapshot file `<first log dir>/fjord-txn-state.snapshot`:
 *   magic int32 = 0x666a7473 ("fjts"), version int16 = 1, partitionCount int32, then per
 *   partition { partition int32, offset int64, recordCount int32, records { keyLength int32,
 *   key, valueLength int32, value } }, then crc32c uint32 of everything before it.
 */
import { join } from 'node:path';

import { readChecksummedFile, writeChecksummedFile } from '../checksummed-file.ts';
import type { TopicAdmin } from '../../broker/topic-admin.ts';
import type { LogManager } from '../../log/log-manager.ts';
import type { MetadataStore } from '../../metadata/metadata-store.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import { partitionForGroup } from '../group/group-records.ts';
import { buildRecordBatch, forEachRecord } from '../group/record-batch-builder.ts';
import { decodeTxnRecord, encodeTxnRecord } from './txn-records.ts';
import type { TxnStateRecord } from './txn-state.ts';

export const TRANSACTION_STATE_TOPIC_NAME = '__transaction_state';
export const TXN_STATE_SNAPSHOT_FILE = 'fjord-txn-state.snapshot';
const SNAPSHOT_MAGIC = 0x666a7473;
const SNAPSHOT_VERSION = 1;
/** Bytes read from the log per step while loading (Kafka's transaction.state.log.load.buffer.size default). */
const LOAD_READ_BYTES = 5 * 1024 * 1024;

export interface TransactionStateTopicOptions {
  readonly logs: LogManager;
  readonly topics: TopicAdmin;
  readonly metadata: MetadataStore;
  /** transaction.state.log.num.partitions, used when the topic is created. */
  readonly partitionCount: number;
  /** transaction.state.log.segment.bytes. */
  readonly segmentBytes: number;
  readonly snapshotDir: string;
  readonly now: () => number;
  readonly log: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export interface LoadOutcome {
  readonly fromSnapshot: number;
  readonly replayed: number;
  readonly skipped: number;
  readonly partitions: number;
}

interface SavedPartition {
  readonly offset: bigint;
  readonly records: ReadonlyArray<{ key: Buffer; value: Buffer }>;
}

export class TransactionStateTopic {
  readonly #options: TransactionStateTopicOptions;
  /** Per partition: the latest non-tombstone value per key (key bytes as latin1 text). */
  readonly #latest = new Map<number, Map<string, Buffer>>();
  #inFlight = 0;
  #dirty = false;

  constructor(options: TransactionStateTopicOptions) {
    this.#options = options;
  }

  get snapshotPath(): string {
    return join(this.#options.snapshotDir, TXN_STATE_SNAPSHOT_FILE);
  }

  /** Partitions of the topic as it exists, or as it will be created. */
  get partitionCount(): number {
    return this.#options.metadata.topic(TRANSACTION_STATE_TOPIC_NAME)?.partitionCount ?? this.#options.partitionCount;
  }

  /** Kafka's Utils.abs(transactionalId.hashCode) % partitionCount. */
  partitionFor(transactionalId: string): number {
    return partitionForGroup(transactionalId, this.partitionCount);
  }

  exists(): boolean {
    return this.#options.metadata.topic(TRANSACTION_STATE_TOPIC_NAME) !== undefined;
  }

  /** Creates the internal topic on first use (as Kafka does); an error code. */
  ensureTopic(): Promise<number> {
    return this.#options.topics.ensureInternalTopic({
      name: TRANSACTION_STATE_TOPIC_NAME,
      numPartitions: this.#options.partitionCount,
      configs: [
        { name: 'cleanup.policy', value: 'compact' },
        { name: 'compression.type', value: 'uncompressed' },
        { name: 'segment.bytes', value: String(this.#options.segmentBytes) },
      ],
      log: this.#options.log,
    });
  }

  /** Appends one state record to its partition (acks=all); resolves with an error code once written. */
  async write(record: TxnStateRecord): Promise<number> {
    const created = await this.ensureTopic();
    if (created !== ErrorCode.NONE) return created;
    let encoded: { key: Buffer; value: Buffer | null };
    try {
      encoded = encodeTxnRecord(record);
    } catch {
      return ErrorCode.INVALID_REQUEST;
    }
    const batch = buildRecordBatch([encoded], this.#options.now());
    const partition = this.partitionFor(record.transactionalId);
    this.#inFlight++;
    try {
      const outcome = await this.#options.logs.append(TRANSACTION_STATE_TOPIC_NAME, partition, batch, { requiredAcks: -1, isFromClient: false });
      if (outcome.errorCode === ErrorCode.NONE) {
        this.#remember(partition, encoded.key, encoded.value);
        this.#dirty = true;
      }
      return outcome.errorCode;
    } finally {
      this.#inFlight--;
    }
  }

  #remember(partition: number, key: Buffer, value: Buffer | null): string {
    let latest = this.#latest.get(partition);
    if (latest === undefined) this.#latest.set(partition, (latest = new Map()));
    const text = key.toString('latin1');
    if (value === null) latest.delete(text);
    else latest.set(text, value);
    return text;
  }

  #apply(partition: number, offset: bigint, key: Buffer, value: Buffer | null, apply: (record: TxnStateRecord) => void): boolean {
    let decoded: TxnStateRecord | null;
    try {
      decoded = decodeTxnRecord(key, value);
    } catch (error) {
      this.#options.log('warn', `skipping the unreadable record at ${TRANSACTION_STATE_TOPIC_NAME}-${partition} offset ${offset}: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
    if (decoded !== null) apply(decoded);
    return true;
  }

  /**
   * Reads every partition back (the snapshot first, then the log after it) and hands each record
   * to `apply` in log order.
   */
  load(apply: (record: TxnStateRecord) => void): LoadOutcome {
    let fromSnapshot = 0;
    let replayed = 0;
    let skipped = 0;
    if (!this.exists()) return { fromSnapshot, replayed, skipped, partitions: 0 };
    const snapshot = this.#readSnapshot();
    const { logs } = this.#options;
    const count = this.partitionCount;
    for (let partition = 0; partition < count; partition++) {
      const state = logs.partitionState(TRANSACTION_STATE_TOPIC_NAME, partition);
      if (state === undefined) continue;
      let position = state.logStartOffset;
      const saved = snapshot?.get(partition);
      if (saved !== undefined && saved.offset >= state.logStartOffset && saved.offset <= state.logEndOffset) {
        for (const record of saved.records) {
          this.#remember(partition, record.key, Buffer.from(record.value));
          if (this.#apply(partition, saved.offset, record.key, record.value, apply)) fromSnapshot++;
          else skipped++;
        }
        position = saved.offset;
      }
      while (position < state.logEndOffset) {
        const read = logs.read(TRANSACTION_STATE_TOPIC_NAME, partition, { fetchOffset: position, maxBytes: LOAD_READ_BYTES, minOneBatch: true, isolationLevel: 0 });
        if (read.errorCode !== ErrorCode.NONE || read.records === null) break;
        const from = position;
        const next = forEachRecord(read.records.copy(), (record) => {
          if (record.offset < from || record.key === null) return;
          // Copies: the read buffer is not kept alive by the few values that survive.
          this.#remember(partition, Buffer.from(record.key), record.value === null ? null : Buffer.from(record.value));
          if (this.#apply(partition, record.offset, record.key, record.value, apply)) replayed++;
          else skipped++;
        });
        if (next <= position) break;
        position = next;
      }
    }
    return { fromSnapshot, replayed, skipped, partitions: count };
  }

  #readSnapshot(): Map<number, SavedPartition> | null {
    const path = this.snapshotPath;
    try {
      const body = readChecksummedFile(path, 10);
      if (body === null) return null;
      if (body.readInt32BE(0) !== SNAPSHOT_MAGIC || body.readInt16BE(4) !== SNAPSHOT_VERSION) throw new Error('unknown format');
      const partitions = body.readInt32BE(6);
      let position = 10;
      const out = new Map<number, SavedPartition>();
      for (let index = 0; index < partitions; index++) {
        const partition = body.readInt32BE(position);
        const offset = body.readBigInt64BE(position + 4);
        const recordCount = body.readInt32BE(position + 12);
        position += 16;
        const records: Array<{ key: Buffer; value: Buffer }> = [];
        for (let recordIndex = 0; recordIndex < recordCount; recordIndex++) {
          const keyLength = body.readInt32BE(position);
          const key = body.subarray(position + 4, position + 4 + keyLength);
          position += 4 + keyLength;
          const valueLength = body.readInt32BE(position);
          const value = body.subarray(position + 4, position + 4 + valueLength);
          position += 4 + valueLength;
          if (key.length !== keyLength || value.length !== valueLength) throw new Error('truncated');
          records.push({ key, value });
        }
        out.set(partition, { offset, records });
      }
      return out;
    } catch (error) {
      this.#options.log('warn', `ignoring transaction state snapshot ${path}: ${error instanceof Error ? error.message : String(error)}; replaying ${TRANSACTION_STATE_TOPIC_NAME}`);
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
    parts.push(header);
    let written = 0;
    for (let partition = 0; partition < this.partitionCount; partition++) {
      const state = this.#options.logs.partitionState(TRANSACTION_STATE_TOPIC_NAME, partition);
      if (state === undefined) continue;
      const latest = this.#latest.get(partition) ?? new Map<string, Buffer>();
      const partitionHeader = Buffer.alloc(16);
      partitionHeader.writeInt32BE(partition, 0);
      partitionHeader.writeBigInt64BE(state.logEndOffset, 4);
      partitionHeader.writeInt32BE(latest.size, 12);
      parts.push(partitionHeader);
      for (const [text, value] of latest) {
        const key = Buffer.from(text, 'latin1');
        const lengths = Buffer.alloc(8);
        lengths.writeInt32BE(key.length, 0);
        lengths.writeInt32BE(value.length, 4);
        parts.push(lengths.subarray(0, 4), key, lengths.subarray(4), value);
      }
      written++;
    }
    header.writeInt32BE(written, 6);
    writeChecksummedFile(this.snapshotPath, Buffer.concat(parts));
    this.#dirty = false;
    return true;
  }
}
