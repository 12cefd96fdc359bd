// The records of __transaction_state against bytes built by hand from Kafka's TransactionLogKey /
// TransactionLogValue definitions: what fjord writes (value version 0) and what it reads (0 and the
// flexible version 1 that Kafka writes from transaction.version 1).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { decodeTxnRecord, encodeTxnRecord } from '../../../../src/coordinator/txn/txn-records.ts';
import type { TxnStateRecord } from '../../../../src/coordinator/txn/txn-state.ts';
import { javaStringHashCode, partitionForGroup } from '../../../../src/coordinator/group/group-records.ts';

const int16 = (value: number) => {
  const buffer = Buffer.alloc(2);
  buffer.writeInt16BE(value);
  return buffer;
};
const int32 = (value: number) => {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
};
const int64 = (value: bigint) => {
  const buffer = Buffer.alloc(8);
  buffer.writeBigInt64BE(value);
  return buffer;
};
const text = (value: string) => Buffer.concat([int16(Buffer.byteLength(value)), Buffer.from(value)]);
const compactText = (value: string) => Buffer.concat([Buffer.from([Buffer.byteLength(value) + 1]), Buffer.from(value)]);

const ongoing: TxnStateRecord = {
  transactionalId: 'orders-tx',
  producerId: 4001n,
  previousProducerId: -1n,
  producerEpoch: 7,
  lastProducerEpoch: -1,
  transactionTimeoutMs: 60_000,
  state: 'Ongoing',
  partitions: [
    { topic: 'orders', partition: 0 },
    { topic: 'orders', partition: 2 },
    { topic: '__consumer_offsets', partition: 13 },
  ],
  transactionStartTimeMs: 1_700_000_000_000,
  lastUpdateTimeMs: 1_700_000_000_500,
};

describe('__transaction_state records', () => {
  test('an Ongoing record is Kafka TransactionLogKey v0 + TransactionLogValue v0 byte for byte', () => {
    const { key, value } = encodeTxnRecord(ongoing);
    assert.deepEqual(key, Buffer.concat([int16(0), text('orders-tx')]));
    const expected = Buffer.concat([
      int16(0),
      int64(4001n),
      int16(7),
      int32(60_000),
      Buffer.from([1]), // Ongoing
      int32(2),
      text('orders'),
      int32(2),
      int32(0),
      int32(2),
      text('__consumer_offsets'),
      int32(1),
      int32(13),
      int64(1_700_000_000_500n),
      int64(1_700_000_000_000n),
    ]);
    assert.deepEqual(value, expected);
    assert.deepEqual(decodeTxnRecord(key, value), ongoing);
  });

  test('Empty is written with null partitions, Dead as a tombstone, and every state id is Kafka\'s', () => {
    const empty = encodeTxnRecord({ ...ongoing, state: 'Empty', partitions: [] });
    assert.equal(empty.value!.readInt8(16), 0);
    assert.equal(empty.value!.readInt32BE(17), -1, 'null array');
    assert.equal(decodeTxnRecord(empty.key, empty.value)!.state, 'Empty');
    const dead = encodeTxnRecord({ ...ongoing, state: 'Dead', partitions: [] });
    assert.equal(dead.value, null);
    assert.equal(decodeTxnRecord(dead.key, null)!.state, 'Dead');
    const ids = { PrepareCommit: 2, PrepareAbort: 3, CompleteCommit: 4, CompleteAbort: 5 } as const;
    for (const [state, id] of Object.entries(ids)) {
      const { key, value } = encodeTxnRecord({ ...ongoing, state: state as keyof typeof ids });
      assert.equal(value!.readInt8(16), id, state);
      assert.equal(decodeTxnRecord(key, value)!.state, state);
    }
  });

  test('a flexible TransactionLogValue v1 (Kafka at transaction.version 1+) is read, with its PreviousProducerId tag', () => {
    const key = Buffer.concat([int16(0), text('orders-tx')]);
    const value = Buffer.concat([
      int16(1),
      int64(4001n),
      int16(7),
      int32(60_000),
      Buffer.from([2]), // PrepareCommit
      Buffer.from([2]), // compact array of 1
      compactText('orders'),
      Buffer.from([2]), // compact array of 1
      int32(3),
      Buffer.from([0]), // no tags in the entry
      int64(1_700_000_000_500n),
      int64(1_700_000_000_000n),
      Buffer.from([2]), // two tagged fields
      Buffer.from([0, 8]),
      int64(3999n), // PreviousProducerId
      Buffer.from([2, 2]),
      int16(1), // ClientTransactionVersion, skipped
    ]);
    const record = decodeTxnRecord(key, value)!;
    assert.equal(record.state, 'PrepareCommit');
    assert.equal(record.previousProducerId, 3999n);
    assert.deepEqual(record.partitions, [{ topic: 'orders', partition: 3 }]);
    assert.equal(record.transactionStartTimeMs, 1_700_000_000_000);
  });

  test('bytes that do not parse are a RangeError, another key version is not a transaction record', () => {
    const { key, value } = encodeTxnRecord(ongoing);
    assert.throws(() => decodeTxnRecord(key, value!.subarray(0, 20)), RangeError);
    const badState = Buffer.from(value!);
    badState.writeInt8(9, 16);
    assert.throws(() => decodeTxnRecord(key, badState), RangeError);
    assert.equal(decodeTxnRecord(Buffer.concat([int16(1), text('x')]), value!), null);
  });

  test('Utils.abs(hashCode) of Integer.MIN_VALUE is partition 0, as Kafka places a transactional id', () => {
    // "polygenelubricants".hashCode() is Integer.MIN_VALUE: Kafka's Utils.abs maps it to 0.
    assert.equal(javaStringHashCode('polygenelubricants'), -2147483648);
    assert.equal(partitionForGroup('polygenelubricants', 50), 0);
  });
});
