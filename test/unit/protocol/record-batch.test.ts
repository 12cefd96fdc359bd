import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  CompressionType,
  RECORD_BATCH_HEADER_BYTES,
  RecordBatchField,
  RecordBatchHeader,
  splitBatches,
} from '../../../src/protocol/record-batch.ts';

/** A header written field by field at the offsets of Kafka's DefaultRecordBatch, with `recordBytes` after it. */
function batch(recordBytes: number, attributes: number): Buffer {
  const bytes = Buffer.alloc(RECORD_BATCH_HEADER_BYTES + recordBytes, 0xee);
  bytes.writeBigInt64BE(1234n, 0);
  bytes.writeInt32BE(RECORD_BATCH_HEADER_BYTES + recordBytes - 12, 8);
  bytes.writeInt32BE(-1, 12);
  bytes.writeInt8(2, 16);
  bytes.writeUInt32BE(0xdeadbeef, 17);
  bytes.writeInt16BE(attributes, 21);
  bytes.writeInt32BE(4, 23);
  bytes.writeBigInt64BE(1700000000000n, 27);
  bytes.writeBigInt64BE(1700000000005n, 35);
  bytes.writeBigInt64BE(77n, 43);
  bytes.writeInt16BE(3, 51);
  bytes.writeInt32BE(10, 53);
  bytes.writeInt32BE(5, 57);
  return bytes;
}

test('the header view reads each field at its documented offset', () => {
  const header = RecordBatchHeader.at(batch(20, CompressionType.zstd | 0x10), 0);
  assert.ok(header !== undefined);
  assert.equal(header.baseOffset, 1234n);
  assert.equal(header.sizeInBytes, 81);
  assert.equal(header.partitionLeaderEpoch, -1);
  assert.equal(header.magic, 2);
  assert.equal(header.crc, 0xdeadbeef);
  assert.equal(header.compression, CompressionType.zstd);
  assert.equal(header.isTransactional, true);
  assert.equal(header.isControl, false);
  assert.equal(header.hasLogAppendTime, false);
  assert.equal(header.lastOffsetDelta, 4);
  assert.equal(header.lastOffset, 1238n);
  assert.equal(header.baseTimestamp, 1700000000000n);
  assert.equal(header.maxTimestamp, 1700000000005n);
  assert.equal(header.producerId, 77n);
  assert.equal(header.producerEpoch, 3);
  assert.equal(header.baseSequence, 10);
  assert.equal(header.recordsCount, 5);
  assert.equal(RecordBatchField.recordsCount + 4, RECORD_BATCH_HEADER_BYTES);
});

test('a view needs all 61 header bytes', () => {
  assert.equal(RecordBatchHeader.at(Buffer.alloc(60)), undefined);
  assert.equal(RecordBatchHeader.at(batch(0, 0), 1), undefined);
  assert.ok(RecordBatchHeader.at(Buffer.alloc(61)) !== undefined);
});

test('splitBatches walks batches by length, stopping at a partial tail, without copying', () => {
  const records = Buffer.concat([batch(10, 0), batch(3, 0), batch(50, 0).subarray(0, 30)]);
  const { batches, consumedBytes } = splitBatches(records);
  assert.deepEqual(batches.map((one) => one.length), [71, 64]);
  assert.equal(consumedBytes, 135);
  assert.equal(batches[1]!.buffer, records.buffer);
});
