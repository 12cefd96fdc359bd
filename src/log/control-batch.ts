/**
 * Transaction markers: the control batches a broker writes to end a transaction in a partition
 * (Kafka's EndTransactionMarker in a control batch, ControlRecordType COMMIT or ABORT).
 *
 * Layout of the one batch built here (uncompressed, magic v2, 78 bytes):
 *
 *   61-byte batch header: baseOffset 0 (the log assigns it), partitionLeaderEpoch -1, magic 2,
 *     attributes transactional | control (0x30, CreateTime), lastOffsetDelta 0, base and max
 *     timestamp = the marker's time, producerId and producerEpoch of the transaction,
 *     baseSequence -1, recordsCount 1
 *   one record: length varint, attributes int8 0, timestampDelta varint 0, offsetDelta varint 0,
 *     keyLength varint 4, key = version int16 0 | type int16 (0 ABORT, 1 COMMIT),
 *     valueLength varint 6, value = version int16 0 | coordinatorEpoch int32,
 *     headerCount varint 0
 *
 * Consumers skip control batches and use ABORT markers (with the aborted-transaction lists of
 * read_committed fetches) to drop the aborted records.
 */
import { crc32c } from '../native/index.ts';
import { BatchAttribute, RECORD_BATCH_CRC_START, RECORD_BATCH_HEADER_BYTES, RECORD_BATCH_MAGIC_V2, RecordBatchField } from '../protocol/record-batch.ts';

/** Kafka's ControlRecordType codes for transaction markers. */
export const ControlRecordType = { ABORT: 0, COMMIT: 1 } as const;

/** A transaction marker as the coordinator asks for it (WriteTxnMarkers, TV1). */
export interface TxnMarker {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly coordinatorEpoch: number;
  readonly committed: boolean;
}

/** What a stored control batch's EndTransactionMarker record says. */
export interface EndTransactionMarker {
  readonly committed: boolean;
  readonly coordinatorEpoch: number;
}

const CONTROL_KEY_BYTES = 4;
const MARKER_VALUE_BYTES = 6;
/** attributes, timestampDelta, offsetDelta, keyLength, key, valueLength, value, headerCount. */
const RECORD_BODY_BYTES = 1 + 1 + 1 + 1 + CONTROL_KEY_BYTES + 1 + MARKER_VALUE_BYTES + 1;
/** Bytes of the whole marker batch: header, record length varint (1 byte), record body. */
export const TXN_MARKER_BATCH_BYTES = RECORD_BATCH_HEADER_BYTES + 1 + RECORD_BODY_BYTES;

/** Builds the control batch ending `marker`'s transaction, stamped `timestampMs`. */
export function buildTxnMarkerBatch(marker: TxnMarker, timestampMs: number): Buffer {
  const batch = Buffer.alloc(TXN_MARKER_BATCH_BYTES);
  batch.writeBigInt64BE(0n, RecordBatchField.baseOffset);
  batch.writeInt32BE(TXN_MARKER_BATCH_BYTES - 12, RecordBatchField.batchLength);
  batch.writeInt32BE(-1, RecordBatchField.partitionLeaderEpoch);
  batch.writeInt8(RECORD_BATCH_MAGIC_V2, RecordBatchField.magic);
  batch.writeInt16BE(BatchAttribute.transactional | BatchAttribute.control, RecordBatchField.attributes);
  batch.writeInt32BE(0, RecordBatchField.lastOffsetDelta);
  batch.writeBigInt64BE(BigInt(timestampMs), RecordBatchField.baseTimestamp);
  batch.writeBigInt64BE(BigInt(timestampMs), RecordBatchField.maxTimestamp);
  batch.writeBigInt64BE(marker.producerId, RecordBatchField.producerId);
  batch.writeInt16BE(marker.producerEpoch, RecordBatchField.producerEpoch);
  batch.writeInt32BE(-1, RecordBatchField.baseSequence);
  batch.writeInt32BE(1, RecordBatchField.recordsCount);
  let at = RECORD_BATCH_HEADER_BYTES;
  // Zig-zag varints of small non-negative values: 2 * value, one byte each.
  batch[at++] = RECORD_BODY_BYTES * 2;
  batch[at++] = 0; // record attributes
  batch[at++] = 0; // timestampDelta
  batch[at++] = 0; // offsetDelta
  batch[at++] = CONTROL_KEY_BYTES * 2;
  batch.writeInt16BE(0, at);
  batch.writeInt16BE(marker.committed ? ControlRecordType.COMMIT : ControlRecordType.ABORT, at + 2);
  at += CONTROL_KEY_BYTES;
  batch[at++] = MARKER_VALUE_BYTES * 2;
  batch.writeInt16BE(0, at);
  batch.writeInt32BE(marker.coordinatorEpoch, at + 2);
  at += MARKER_VALUE_BYTES;
  batch[at++] = 0; // headerCount
  batch.writeUInt32BE(crc32c(batch.subarray(RECORD_BATCH_CRC_START)) >>> 0, RecordBatchField.crc);
  return batch;
}

/** Reads a zig-zag varint of at most 5 bytes at `at`; null when truncated or too long. */
function readVarint(buffer: Buffer, at: number): { value: number; next: number } | null {
  let unsigned = 0;
  let multiplier = 1;
  for (let index = 0; index < 5; index++) {
    const byte = buffer[at + index];
    if (byte === undefined) return null;
    unsigned += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) return { value: unsigned % 2 === 0 ? unsigned / 2 : -(unsigned + 1) / 2, next: at + index + 1 };
    multiplier *= 128;
  }
  return null;
}

/**
 * The EndTransactionMarker of a whole control batch (as stored), or null when the batch holds
 * no COMMIT/ABORT record it can read (compressed, empty, another control type, truncated).
 */
export function readEndTransactionMarker(batch: Buffer): EndTransactionMarker | null {
  if (batch.length < RECORD_BATCH_HEADER_BYTES) return null;
  if ((batch.readInt16BE(RecordBatchField.attributes) & BatchAttribute.compressionMask) !== 0) return null;
  if (batch.readInt32BE(RecordBatchField.recordsCount) < 1) return null;
  const length = readVarint(batch, RECORD_BATCH_HEADER_BYTES);
  if (length === null) return null;
  let at = length.next + 1; // record attributes
  const timestampDelta = readVarint(batch, at);
  if (timestampDelta === null) return null;
  const offsetDelta = readVarint(batch, timestampDelta.next);
  if (offsetDelta === null) return null;
  const keyLength = readVarint(batch, offsetDelta.next);
  if (keyLength === null || keyLength.value < CONTROL_KEY_BYTES || keyLength.next + keyLength.value > batch.length) return null;
  at = keyLength.next;
  const type = batch.readInt16BE(at + 2);
  if (type !== ControlRecordType.ABORT && type !== ControlRecordType.COMMIT) return null;
  const valueLength = readVarint(batch, at + keyLength.value);
  if (valueLength === null || valueLength.value < MARKER_VALUE_BYTES || valueLength.next + valueLength.value > batch.length) return null;
  return { committed: type === ControlRecordType.COMMIT, coordinatorEpoch: batch.readInt32BE(valueLength.next + 2) };
}
