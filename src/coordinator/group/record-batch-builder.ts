/**
 * A small builder and reader of magic v2 record batches (Kafka's DefaultRecordBatch), for the
 * records the broker writes itself: uncompressed, one batch per call, no producer id unless the
 * batch is transactional (TxnOffsetCommit: the producer's id and epoch, the transactional
 * attribute, base sequence -1, as Kafka's coordinator writes them).
 *
 * Record layout (inside a batch, after the 61-byte header):
 *   length varint, attributes int8 (0), timestampDelta varlong, offsetDelta varint,
 *   keyLength varint (-1 = null), key, valueLength varint (-1 = null), value, headerCount varint (0)
 * Varints are zig-zag (protobuf) encoded. The batch CRC is CRC-32C from the attributes to the end.
 */
import { readEndTransactionMarker } from '../../log/control-batch.ts';
import { crc32c } from '../../native/index.ts';
import { RECORD_BATCH_CRC_START, RECORD_BATCH_HEADER_BYTES, RecordBatchField, BatchAttribute } from '../../protocol/record-batch.ts';

export interface KeyValue {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

export interface DecodedRecord extends KeyValue {
  readonly offset: bigint;
  readonly timestampMs: bigint;
  /** The batch's producer id (-1n for none). */
  readonly producerId: bigint;
  /** Whether the batch is transactional: the record waits for its producer's control marker. */
  readonly transactional: boolean;
}

/** A transaction's end, read from a control batch (Kafka's EndTransactionMarker). */
export interface DecodedMarker {
  readonly offset: bigint;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly committed: boolean;
}

/** The producer of a transactional batch. */
export interface BatchProducer {
  readonly producerId: bigint;
  readonly producerEpoch: number;
}

function zigZag(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

function varintBytes(value: number): number {
  let unsigned = zigZag(value);
  let count = 1;
  while (unsigned >= 0x80) {
    unsigned = Math.floor(unsigned / 128);
    count++;
  }
  return count;
}

function writeVarint(buffer: Buffer, position: number, value: number): number {
  let unsigned = zigZag(value);
  while (unsigned >= 0x80) {
    buffer[position++] = (unsigned % 128) | 0x80;
    unsigned = Math.floor(unsigned / 128);
  }
  buffer[position++] = unsigned;
  return position;
}

/**
 * Builds one uncompressed batch holding `records`, all stamped `timestampMs`; transactional,
 * with the producer's id and epoch, when `producer` is given.
 */
export function buildRecordBatch(records: readonly KeyValue[], timestampMs: number, producer: BatchProducer | null = null): Buffer {
  if (records.length === 0) throw new RangeError('a record batch needs at least one record');
  const bodies: number[] = [];
  let total = RECORD_BATCH_HEADER_BYTES;
  records.forEach((record, index) => {
    const keyLength = record.key === null ? -1 : record.key.length;
    const valueLength = record.value === null ? -1 : record.value.length;
    const body =
      1 + varintBytes(0) + varintBytes(index) + varintBytes(keyLength) + Math.max(keyLength, 0) + varintBytes(valueLength) + Math.max(valueLength, 0) + varintBytes(0);
    bodies.push(body);
    total += varintBytes(body) + body;
  });
  const batch = Buffer.alloc(total);
  batch.writeBigInt64BE(0n, RecordBatchField.baseOffset);
  batch.writeInt32BE(total - 12, RecordBatchField.batchLength);
  batch.writeInt32BE(-1, RecordBatchField.partitionLeaderEpoch);
  batch.writeInt8(2, RecordBatchField.magic);
  batch.writeInt16BE(producer === null ? 0 : BatchAttribute.transactional, RecordBatchField.attributes);
  batch.writeInt32BE(records.length - 1, RecordBatchField.lastOffsetDelta);
  batch.writeBigInt64BE(BigInt(timestampMs), RecordBatchField.baseTimestamp);
  batch.writeBigInt64BE(BigInt(timestampMs), RecordBatchField.maxTimestamp);
  batch.writeBigInt64BE(producer?.producerId ?? -1n, RecordBatchField.producerId);
  batch.writeInt16BE(producer?.producerEpoch ?? -1, RecordBatchField.producerEpoch);
  batch.writeInt32BE(-1, RecordBatchField.baseSequence);
  batch.writeInt32BE(records.length, RecordBatchField.recordsCount);
  let position = RECORD_BATCH_HEADER_BYTES;
  records.forEach((record, index) => {
    position = writeVarint(batch, position, bodies[index]!);
    batch[position++] = 0;
    position = writeVarint(batch, position, 0);
    position = writeVarint(batch, position, index);
    for (const part of [record.key, record.value]) {
      if (part === null) {
        position = writeVarint(batch, position, -1);
      } else {
        position = writeVarint(batch, position, part.length);
        part.copy(batch, position);
        position += part.length;
      }
    }
    position = writeVarint(batch, position, 0);
  });
  batch.writeUInt32BE(crc32c(batch.subarray(RECORD_BATCH_CRC_START)) >>> 0, RecordBatchField.crc);
  return batch;
}

class RecordCursor {
  readonly buffer: Buffer;
  position: number;
  constructor(buffer: Buffer, position: number) {
    this.buffer = buffer;
    this.position = position;
  }

  varint(): number {
    let unsigned = 0;
    let multiplier = 1;
    for (let shift = 0; shift < 64; shift += 7) {
      const byte = this.buffer[this.position++];
      if (byte === undefined) throw new RangeError('record truncated');
      unsigned += (byte & 0x7f) * multiplier;
      if ((byte & 0x80) === 0) return unsigned % 2 === 0 ? unsigned / 2 : -(unsigned + 1) / 2;
      multiplier *= 128;
    }
    throw new RangeError('varint too long');
  }

  bytes(): Buffer | null {
    const length = this.varint();
    if (length < 0) return null;
    if (this.position + length > this.buffer.length) throw new RangeError('record truncated');
    const out = this.buffer.subarray(this.position, this.position + length);
    this.position += length;
    return out;
  }
}

/**
 * Calls `onRecord` for each record of each whole, uncompressed, non-control batch in `data`
 * (batches as the log stores them), and `onMarker` for each transaction marker (a control batch
 * whose record key is version int16, type int16 0 ABORT / 1 COMMIT; other control types are
 * skipped). Returns the offset after the last whole batch seen, or -1n if none was whole.
 * Compressed batches are refused (the broker never writes them here).
 */
export function forEachRecord(data: Buffer, onRecord: (record: DecodedRecord) => void, onMarker: (marker: DecodedMarker) => void = () => {}): bigint {
  let position = 0;
  let next = -1n;
  while (data.length - position >= RECORD_BATCH_HEADER_BYTES) {
    const batchBytes = data.readInt32BE(position + RecordBatchField.batchLength) + 12;
    if (batchBytes < RECORD_BATCH_HEADER_BYTES || position + batchBytes > data.length) break;
    const baseOffset = data.readBigInt64BE(position + RecordBatchField.baseOffset);
    const attributes = data.readInt16BE(position + RecordBatchField.attributes);
    const lastOffsetDelta = data.readInt32BE(position + RecordBatchField.lastOffsetDelta);
    next = baseOffset + BigInt(lastOffsetDelta) + 1n;
    const producerId = data.readBigInt64BE(position + RecordBatchField.producerId);
    const transactional = (attributes & BatchAttribute.transactional) !== 0;
    if ((attributes & BatchAttribute.control) !== 0) {
      const marker = readEndTransactionMarker(data.subarray(position, position + batchBytes));
      if (marker !== null) {
        onMarker({ offset: baseOffset, producerId, producerEpoch: data.readInt16BE(position + RecordBatchField.producerEpoch), committed: marker.committed });
      }
    } else {
      if ((attributes & BatchAttribute.compressionMask) !== 0) throw new Error(`compressed batch at offset ${baseOffset} in an internal topic`);
      const baseTimestamp = data.readBigInt64BE(position + RecordBatchField.baseTimestamp);
      const count = data.readInt32BE(position + RecordBatchField.recordsCount);
      const cursor = new RecordCursor(data.subarray(position, position + batchBytes), RECORD_BATCH_HEADER_BYTES);
      for (let index = 0; index < count; index++) {
        const length = cursor.varint();
        const end = cursor.position + length;
        cursor.position++; // attributes
        const timestampDelta = cursor.varint();
        const offsetDelta = cursor.varint();
        const key = cursor.bytes();
        const value = cursor.bytes();
        cursor.position = end; // headers are not used by internal records
        onRecord({ offset: baseOffset + BigInt(offsetDelta), timestampMs: baseTimestamp + BigInt(timestampDelta), key, value, producerId, transactional });
      }
    }
    position += batchBytes;
  }
  return next;
}
