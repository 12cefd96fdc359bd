// A read-only view over the 61-byte header of a record batch, magic v2 (Kafka's
// DefaultRecordBatch). The broker never decodes the records that follow the header.
//
// Layout (big-endian):
//   offset size field
//    0     8    baseOffset            int64   clients send 0; the leader assigns it
//    8     4    batchLength           int32   bytes after this field (batch size - 12)
//   12     4    partitionLeaderEpoch  int32   set by the leader; NOT covered by the CRC
//   16     1    magic                 int8    = 2
//   17     4    crc                   uint32  CRC-32C of bytes 21 .. end of batch
//   21     2    attributes            int16   bits 0-2 compression, 3 timestamp type,
//                                             4 transactional, 5 control, 6 delete horizon
//   23     4    lastOffsetDelta       int32   record count - 1
//   27     8    baseTimestamp         int64
//   35     8    maxTimestamp          int64
//   43     8    producerId            int64   -1 = none
//   51     2    producerEpoch         int16   -1 = none
//   53     4    baseSequence          int32   -1 = none
//   57     4    recordsCount          int32   not a varint
//   61     ...  records (compressed as one blob when compression != 0)

export const RecordBatchField = {
  baseOffset: 0,
  batchLength: 8,
  partitionLeaderEpoch: 12,
  magic: 16,
  crc: 17,
  attributes: 21,
  lastOffsetDelta: 23,
  baseTimestamp: 27,
  maxTimestamp: 35,
  producerId: 43,
  producerEpoch: 51,
  baseSequence: 53,
  recordsCount: 57,
} as const;

/** Bytes of the v2 batch header, records excluded. */
export const RECORD_BATCH_HEADER_BYTES = 61;
/** Bytes before batchLength's count starts: baseOffset + batchLength (Kafka's LOG_OVERHEAD). */
export const RECORD_BATCH_LOG_OVERHEAD_BYTES = 12;
/** The CRC covers from the attributes to the end of the batch. */
export const RECORD_BATCH_CRC_START = RecordBatchField.attributes;
export const RECORD_BATCH_MAGIC_V2 = 2;

export const CompressionType = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
export type CompressionType = (typeof CompressionType)[keyof typeof CompressionType];

export const BatchAttribute = {
  compressionMask: 0x07,
  logAppendTime: 0x08,
  transactional: 0x10,
  control: 0x20,
  deleteHorizon: 0x40,
} as const;

export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;

/**
 * A view over one batch header at `offset` in `buffer`. Construct with `RecordBatchHeader.at`,
 * which checks that the 61 header bytes are there; it does not check magic, length or CRC (the
 * caller, e.g. the native append path, validates).
 */
export class RecordBatchHeader {
  readonly buffer: Buffer;
  readonly offset: number;

  private constructor(buffer: Buffer, offset: number) {
    this.buffer = buffer;
    this.offset = offset;
  }

  /** Returns undefined when fewer than 61 bytes are left at `offset`. */
  static at(buffer: Buffer, offset = 0): RecordBatchHeader | undefined {
    if (!Number.isInteger(offset) || offset < 0 || buffer.length - offset < RECORD_BATCH_HEADER_BYTES) return undefined;
    return new RecordBatchHeader(buffer, offset);
  }

  get baseOffset(): bigint {
    return this.buffer.readBigInt64BE(this.offset + RecordBatchField.baseOffset);
  }
  get batchLength(): number {
    return this.buffer.readInt32BE(this.offset + RecordBatchField.batchLength);
  }
  /** Whole batch size in bytes: batchLength + 12. */
  get sizeInBytes(): number {
    return this.batchLength + RECORD_BATCH_LOG_OVERHEAD_BYTES;
  }
  get partitionLeaderEpoch(): number {
    return this.buffer.readInt32BE(this.offset + RecordBatchField.partitionLeaderEpoch);
  }
  get magic(): number {
    return this.buffer.readInt8(this.offset + RecordBatchField.magic);
  }
  get crc(): number {
    return this.buffer.readUInt32BE(this.offset + RecordBatchField.crc);
  }
  get attributes(): number {
    return this.buffer.readInt16BE(this.offset + RecordBatchField.attributes);
  }
  get compression(): number {
    return this.attributes & BatchAttribute.compressionMask;
  }
  get isTransactional(): boolean {
    return (this.attributes & BatchAttribute.transactional) !== 0;
  }
  get isControl(): boolean {
    return (this.attributes & BatchAttribute.control) !== 0;
  }
  get hasLogAppendTime(): boolean {
    return (this.attributes & BatchAttribute.logAppendTime) !== 0;
  }
  get lastOffsetDelta(): number {
    return this.buffer.readInt32BE(this.offset + RecordBatchField.lastOffsetDelta);
  }
  get baseTimestamp(): bigint {
    return this.buffer.readBigInt64BE(this.offset + RecordBatchField.baseTimestamp);
  }
  get maxTimestamp(): bigint {
    return this.buffer.readBigInt64BE(this.offset + RecordBatchField.maxTimestamp);
  }
  get producerId(): bigint {
    return this.buffer.readBigInt64BE(this.offset + RecordBatchField.producerId);
  }
  get producerEpoch(): number {
    return this.buffer.readInt16BE(this.offset + RecordBatchField.producerEpoch);
  }
  get baseSequence(): number {
    return this.buffer.readInt32BE(this.offset + RecordBatchField.baseSequence);
  }
  get recordsCount(): number {
    return this.buffer.readInt32BE(this.offset + RecordBatchField.recordsCount);
  }
  /** The last offset of the batch: baseOffset + lastOffsetDelta. */
  get lastOffset(): bigint {
    return this.baseOffset + BigInt(this.lastOffsetDelta);
  }
}

/**
 * Splits a `records` Buffer into its batches by their length fields, without copying or decoding.
 * Stops at a truncated tail (Kafka allows a partial last batch in fetch responses) and returns
 * the batches found plus where the walk stopped.
 */
export function splitBatches(records: Buffer): { batches: Buffer[]; consumedBytes: number } {
  const batches: Buffer[] = [];
  let offset = 0;
  while (records.length - offset >= RECORD_BATCH_LOG_OVERHEAD_BYTES) {
    const batchLength = records.readInt32BE(offset + RecordBatchField.batchLength);
    const size = batchLength + RECORD_BATCH_LOG_OVERHEAD_BYTES;
    if (batchLength < RECORD_BATCH_HEADER_BYTES - RECORD_BATCH_LOG_OVERHEAD_BYTES || size > records.length - offset) break;
    batches.push(records.subarray(offset, offset + size));
    offset += size;
  }
  return { batches, consumedBytes: offset };
}
