/**
 * Builds real v2 record batches (uncompressed) for tests, byte by byte, as a producer sends
 * them: baseOffset 0, CreateTime, no producer id.
 */
import { crc32c } from '../../src/native/index.ts';

function zigzagVarint(value: number): number[] {
  let v = value >= 0 ? value * 2 : -value * 2 - 1;
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

export interface TestRecord {
  timestamp: number;
  key?: Buffer | null;
  value: Buffer;
}

export function recordBatch(records: readonly TestRecord[], attributes = 0): Buffer {
  if (records.length === 0) throw new Error('a batch needs records');
  const baseTimestamp = records[0]!.timestamp;
  const maxTimestamp = Math.max(...records.map((r) => r.timestamp));
  const bodies: Buffer[] = [];
  records.forEach((record, index) => {
    const key = record.key ?? null;
    const fields = Buffer.concat([
      Buffer.from([0]),
      Buffer.from(zigzagVarint(record.timestamp - baseTimestamp)),
      Buffer.from(zigzagVarint(index)),
      Buffer.from(zigzagVarint(key === null ? -1 : key.length)),
      key ?? Buffer.alloc(0),
      Buffer.from(zigzagVarint(record.value.length)),
      record.value,
      Buffer.from(zigzagVarint(0)),
    ]);
    bodies.push(Buffer.from(zigzagVarint(fields.length)), fields);
  });
  const body = Buffer.concat(bodies);
  const header = Buffer.alloc(61);
  header.writeBigInt64BE(0n, 0);
  header.writeInt32BE(49 + body.length, 8);
  header.writeInt32BE(-1, 12);
  header.writeInt8(2, 16);
  header.writeInt16BE(attributes, 21);
  header.writeInt32BE(records.length - 1, 23);
  header.writeBigInt64BE(BigInt(baseTimestamp), 27);
  header.writeBigInt64BE(BigInt(maxTimestamp), 35);
  header.writeBigInt64BE(-1n, 43);
  header.writeInt16BE(-1, 51);
  header.writeInt32BE(-1, 53);
  header.writeInt32BE(records.length, 57);
  const batch = Buffer.concat([header, body]);
  batch.writeUInt32BE(crc32c(batch.subarray(21)), 17);
  return batch;
}

/** `count` records of `valueBytes` each, timestamps from `timestamp` one ms apart. */
export function simpleBatch(count: number, valueBytes: number, timestamp: number): Buffer {
  const records: TestRecord[] = [];
  for (let i = 0; i < count; i++) {
    records.push({ timestamp: timestamp + i, value: Buffer.alloc(valueBytes, i % 251) });
  }
  return recordBatch(records);
}

export interface StoredBatch {
  baseOffset: number;
  lastOffset: number;
  bytes: Buffer;
}

/** Splits whole batches, checking each one's CRC. */
export function splitBatches(buffer: Buffer): StoredBatch[] {
  const out: StoredBatch[] = [];
  let at = 0;
  while (at < buffer.length) {
    const size = 12 + buffer.readInt32BE(at + 8);
    const bytes = buffer.subarray(at, at + size);
    if (bytes.length !== size) throw new Error(`partial batch at ${at}`);
    if (bytes.readUInt32BE(17) !== crc32c(bytes.subarray(21))) throw new Error(`CRC mismatch at ${at}`);
    const baseOffset = Number(bytes.readBigInt64BE(0));
    out.push({ baseOffset, lastOffset: baseOffset + bytes.readInt32BE(23), bytes });
    at += size;
  }
  return out;
}

/**
 * An idempotent producer's batch: `count` records (10-byte values, timestamps from `timestamp`)
 * carrying `producerId`, `epoch` and `baseSequence`, as a producer with enable.idempotence sends.
 */
export function idempotentBatch(producerId: bigint, epoch: number, baseSequence: number, count: number, timestamp = Date.now()): Buffer {
  const batch = simpleBatch(count, 10, timestamp);
  batch.writeBigInt64BE(producerId, 43);
  batch.writeInt16BE(epoch, 51);
  batch.writeInt32BE(baseSequence, 53);
  batch.writeUInt32BE(crc32c(batch.subarray(21)), 17);
  return batch;
}

/**
 * A transactional producer's batch: `idempotentBatch` with the transactional attribute set (CRC
 * recomputed), as a producer with transactional.id sends it inside a transaction.
 */
export function transactionalBatch(producerId: bigint, epoch: number, baseSequence: number, count: number, timestamp = Date.now()): Buffer {
  const batch = idempotentBatch(producerId, epoch, baseSequence, count, timestamp);
  batch.writeInt16BE(batch.readInt16BE(21) | 0x10, 21);
  batch.writeUInt32BE(crc32c(batch.subarray(21)), 17);
  return batch;
}
