/**
 * Durable group state in the internal compacted topic `__consumer_offsets`, as Kafka keeps it:
 * each group lives in partition abs(javaHashCode(groupId)) % partitionCount; offset commits and
 * group metadata are records in Kafka's key/value formats (group-records.ts), appended with the
 * log manager as the broker's own (non-client) writes and replayed at start-up.
 *
 * Start-up stays fast as commits accumulate (compaction of the topic comes later) thanks to a
 * state snapshot: the latest record per key of every partition (what compaction would keep),
 * with the log end offset it covers. Only the log after that offset is replayed. It is written
 * at clean shutdown and every `snapshotIntervalMs` when something changed, never while a write
 * is in flight (so it is exactly the log up to its offsets). A snapshot that is torn, fails its
 * CRC, or does not fit the log (offset beyond the log end or before the log start) is ignored
 * and that partition is replayed from the start. The snapshot is a cache; the log is the truth.
 *
 * Snapshot file `<first log dir>/fjord-group-state.snapshot`:
 *   magic int32 = 0x666a6773 ("fjgs"), version int16 = 1, partitionCount int32, then per
 *   partition { partition int32, offset int64, recordCount int32, records { keyLength int32,
 *   key, valueLength int32, value } }, then crc32c uint32 of everything before it.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';

import type { TopicAdmin } from '../../broker/topic-admin.ts';
import type { LogManager } from '../../log/log-manager.ts';
import type { MetadataStore } from '../../metadata/metadata-store.ts';
import { crc32c } from '../../native/index.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import { decodeGroupRecord, encodeGroupRecord, partitionForGroup, type GroupRecord } from './group-records.ts';
import type { GroupPersistence } from './group-coordinator.ts';
import { buildRecordBatch, forEachRecord } from './record-batch-builder.ts';

export const OFFSETS_TOPIC_NAME = '__consumer_offsets';
export const GROUP_STATE_SNAPSHOT_FILE = 'fjord-group-state.snapshot';
const SNAPSHOT_MAGIC = 0x666a6773;
const SNAPSHOT_VERSION = 1;
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

interface LatestRecord {
  readonly key: Buffer;
  readonly value: Buffer;
}

/** Kept per key: the value only (the key is the map key, its bytes as latin1 text). */
type LatestValues = Map<string, Buffer>;

export class OffsetsTopic implements GroupPersistence {
  readonly #options: OffsetsTopicOptions;
  /** Per partition: the latest non-tombstone record per key (key bytes as latin1 text). */
  readonly #latest = new Map<number, LatestValues>();
  #creating: Promise<number> | null = null;
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
    if (this.exists()) return Promise.resolve(ErrorCode.NONE);
    this.#creating ??= this.#options.topics
      .createTopic({
        name: OFFSETS_TOPIC_NAME,
        numPartitions: this.#options.partitionCount,
        replicationFactor: 1,
        configs: [
          { name: 'cleanup.policy', value: 'compact' },
          { name: 'compression.type', value: 'producer' },
          { name: 'segment.bytes', value: String(this.#options.segmentBytes) },
        ],
        validateOnly: false,
      })
      .then((outcome) => {
        this.#creating = null;
        if (outcome.errorCode === ErrorCode.NONE || outcome.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS) {
          this.#options.log('info', `created ${OFFSETS_TOPIC_NAME} with ${this.partitionCount} partition(s)`);
          return ErrorCode.NONE;
        }
        this.#options.log('error', `could not create ${OFFSETS_TOPIC_NAME}: ${outcome.errorMessage ?? outcome.errorCode}`);
        return ErrorCode.COORDINATOR_NOT_AVAILABLE;
      });
    return this.#creating;
  }

  async write(groupId: string, records: readonly GroupRecord[]): Promise<number> {
    if (records.length === 0) return ErrorCode.NONE;
    const created = await this.ensureTopic();
    if (created !== ErrorCode.NONE) return created;
    const partition = this.partitionFor(groupId);
    let encoded: Array<{ key: Buffer; value: Buffer | null }>;
    try {
      encoded = records.map(encodeGroupRecord);
    } catch {
      return ErrorCode.INVALID_REQUEST;
    }
    const batch = buildRecordBatch(encoded, this.#options.now());
    this.#inFlight++;
    try {
      const outcome = await this.#options.logs.append(OFFSETS_TOPIC_NAME, partition, batch, { requiredAcks: -1, isFromClient: false });
      if (outcome.errorCode !== ErrorCode.NONE) return outcome.errorCode;
      for (const record of encoded) this.#remember(partition, record.key, record.value);
      this.#dirty = true;
      return ErrorCode.NONE;
    } finally {
      this.#inFlight--;
    }
  }

  /** Returns the map key. `value` is kept as given: callers pass buffers they do not reuse. */
  #remember(partition: number, key: Buffer, value: Buffer | null): string {
    let latest = this.#latest.get(partition);
    if (latest === undefined) {
      latest = new Map();
      this.#latest.set(partition, latest);
    }
    const text = key.toString('latin1');
    if (value === null) latest.delete(text);
    else latest.set(text, value);
    return text;
  }

  /**
   * Reads every partition back (snapshot first, then the log after it) and hands each record to
   * `apply` in log order. Returns counts for the start-up log line and tests.
   */
  load(apply: (record: GroupRecord) => void): { fromSnapshot: number; replayed: number; partitions: number } {
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
          this.#remember(partition, record.key, Buffer.from(record.value));
          const decoded = decodeGroupRecord(record.key, record.value);
          if (decoded !== null) apply(decoded);
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
        const next = forEachRecord(read.records.copy(), (record) => {
          if (record.offset < position || record.key === null) return;
          touched.add(this.#remember(partition, record.key, record.value));
          const decoded = decodeGroupRecord(record.key, record.value);
          if (decoded !== null) apply(decoded);
          replayed++;
        });
        const latest = this.#latest.get(partition);
        for (const text of touched) {
          const value = latest?.get(text);
          if (value !== undefined) latest!.set(text, Buffer.from(value));
        }
        if (next <= position) break;
        position = next;
      }
    }
    return { fromSnapshot, replayed, partitions: count };
  }

  #readSnapshot(): Map<number, { offset: bigint; records: LatestRecord[] }> | null {
    const path = this.snapshotPath;
    if (!existsSync(path)) return null;
    try {
      const data = readFileSync(path);
      if (data.length < 14) throw new Error('too short');
      const body = data.subarray(0, data.length - 4);
      if ((crc32c(body) >>> 0) !== data.readUInt32BE(data.length - 4)) throw new Error('CRC mismatch');
      if (body.readInt32BE(0) !== SNAPSHOT_MAGIC || body.readInt16BE(4) !== SNAPSHOT_VERSION) throw new Error('unknown format');
      const partitions = body.readInt32BE(6);
      let position = 10;
      const out = new Map<number, { offset: bigint; records: LatestRecord[] }>();
      for (let index = 0; index < partitions; index++) {
        const partition = body.readInt32BE(position);
        const offset = body.readBigInt64BE(position + 4);
        const recordCount = body.readInt32BE(position + 12);
        position += 16;
        const records: LatestRecord[] = [];
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
    for (let partition = 0; partition < count; partition++) {
      const state = this.#options.logs.partitionState(OFFSETS_TOPIC_NAME, partition);
      if (state === undefined) continue;
      const latest = this.#latest.get(partition) ?? new Map<string, Buffer>();
      const partitionHeader = Buffer.alloc(16);
      partitionHeader.writeInt32BE(partition, 0);
      partitionHeader.writeBigInt64BE(state.logEndOffset, 4);
      partitionHeader.writeInt32BE(latest.size, 12);
      parts.push(partitionHeader);
      for (const [text, value] of latest) {
        const key = Buffer.from(text, 'latin1');
        const lengths = Buffer.alloc(4);
        lengths.writeInt32BE(key.length);
        const valueLength = Buffer.alloc(4);
        valueLength.writeInt32BE(value.length);
        parts.push(lengths, key, valueLength, value);
      }
      written++;
    }
    header.writeInt32BE(written, 6);
    const body = Buffer.concat(parts);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32c(body) >>> 0);
    const temporary = `${this.snapshotPath}.tmp`;
    const fd = openSync(temporary, 'w');
    try {
      writeSync(fd, body);
      writeSync(fd, crc);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.snapshotPath);
    this.#dirty = false;
    return true;
  }
}
