import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { buildTxnMarkerBatch, readEndTransactionMarker, TXN_MARKER_BATCH_BYTES } from '../../../src/log/control-batch.ts';
import { LogManager, type TxnMarker } from '../../../src/log/log-manager.ts';
import { crc32c } from '../../../src/native/index.ts';
import { ErrorCode } from '../../../src/protocol/error-codes.ts';
import { logManagerFixture, topicRecord } from '../../helpers/log-manager-fixture.ts';
import { idempotentBatch, simpleBatch, splitBatches, transactionalBatch } from '../../helpers/record-batches.ts';

const { temporaryDirectory, openManager, closeManager } = logManagerFixture('fjord-txn-');

const client = { requiredAcks: -1, isFromClient: true };

async function produce(manager: LogManager, batch: Buffer, topic = 't'): Promise<{ errorCode: number; baseOffset: bigint }> {
  const { errorCode, baseOffset } = await manager.append(topic, 0, batch, client);
  return { errorCode, baseOffset };
}

function marker(producerId: bigint, producerEpoch: number, committed: boolean, coordinatorEpoch = 0): TxnMarker {
  return { producerId, producerEpoch, coordinatorEpoch, committed };
}

/** Offsets of the records a read returns (control batches included), by batch. */
function readBatches(manager: LogManager, fetchOffset: bigint, isolationLevel: 0 | 1, maxBytes = 1024 * 1024) {
  const outcome = manager.read('t', 0, { fetchOffset, maxBytes, minOneBatch: true, isolationLevel });
  assert.equal(outcome.errorCode, ErrorCode.NONE);
  const batches = outcome.records === null ? [] : splitBatches(outcome.records.copy());
  return { outcome, batches };
}

describe('transaction markers (control batches)', () => {
  it('builds Kafka EndTransactionMarker control batches and reads them back', () => {
    const commit = buildTxnMarkerBatch(marker(77n, 3, true, 5), 1_700_000_000_000);
    assert.equal(commit.length, TXN_MARKER_BATCH_BYTES);
    assert.equal(commit.readInt32BE(8), commit.length - 12, 'batchLength');
    assert.equal(commit.readInt8(16), 2, 'magic');
    assert.equal(commit.readUInt32BE(17), crc32c(commit.subarray(21)), 'CRC');
    assert.equal(commit.readInt16BE(21), 0x30, 'transactional | control');
    assert.equal(commit.readInt32BE(23), 0, 'one record');
    assert.equal(commit.readBigInt64BE(43), 77n, 'producer id');
    assert.equal(commit.readInt16BE(51), 3, 'producer epoch');
    assert.equal(commit.readInt32BE(53), -1, 'no sequence');
    assert.equal(commit.readInt32BE(57), 1, 'records count');
    // The record: length 16, attributes 0, deltas 0, key (4 bytes) 0|1, value (6 bytes) 0|5, no headers.
    assert.deepEqual(
      [...commit.subarray(61)],
      [32, 0, 0, 0, 8, 0, 0, 0, 1, 12, 0, 0, 0, 0, 0, 5, 0],
      'the record bytes of a COMMIT with coordinator epoch 5',
    );
    assert.deepEqual(readEndTransactionMarker(commit), { committed: true, coordinatorEpoch: 5 });
    const abort = buildTxnMarkerBatch(marker(77n, 3, false, 9), 1_700_000_000_000);
    assert.deepEqual(readEndTransactionMarker(abort), { committed: false, coordinatorEpoch: 9 });
    assert.equal(readEndTransactionMarker(abort.subarray(0, 70)), null, 'a truncated record reads as none');
  });

  it('writes a marker as a control batch at the log end, and a marker for a producer with no open transaction too', async () => {
    const manager = await openManager(await temporaryDirectory(), topicRecord('t'));
    assert.deepEqual(await produce(manager, transactionalBatch(1n, 0, 0, 3)), { errorCode: 0, baseOffset: 0n });
    assert.deepEqual(await manager.writeTxnMarker('t', 0, marker(1n, 0, true)), { errorCode: 0, offset: 3n });
    assert.deepEqual(await manager.writeTxnMarker('t', 0, marker(2n, 0, false)), { errorCode: 0, offset: 4n }, 'no open transaction: still written');
    const { batches } = readBatches(manager, 0n, 0);
    assert.equal(batches.length, 3);
    const stored = batches[1]!;
    assert.equal(stored.baseOffset, 3);
    assert.equal(stored.bytes.readInt16BE(21) & 0x30, 0x30, 'stored as a transactional control batch');
    assert.deepEqual(readEndTransactionMarker(stored.bytes), { committed: true, coordinatorEpoch: 0 });
    assert.deepEqual(await manager.writeTxnMarker('t', 9, marker(1n, 0, true)), { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, offset: -1n });
  });

  it('refuses control batches from clients', async () => {
    const manager = await openManager(await temporaryDirectory(), topicRecord('t'));
    const result = await produce(manager, buildTxnMarkerBatch(marker(1n, 0, true), Date.now()));
    assert.equal(result.errorCode, ErrorCode.INVALID_RECORD);
    assert.equal(manager.highWatermark('t', 0), 0n);
  });
});

describe('transactional appends and the last stable offset', () => {
  it('holds the LSO at an open transaction and bounds read_committed by it until the commit', async () => {
    const manager = await openManager(await temporaryDirectory(), topicRecord('t'));
    await produce(manager, simpleBatch(2, 10, Date.now()));
    assert.equal(manager.lastStableOffset('t', 0), 2n, 'no transaction: LSO = high watermark');
    await produce(manager, transactionalBatch(1n, 0, 0, 3));
    await produce(manager, transactionalBatch(1n, 0, 3, 2));
    assert.equal(manager.hasOngoingTransaction('t', 0, 1n), true);
    assert.equal(manager.lastStableOffset('t', 0), 2n, 'LSO at the first offset of the open transaction');
    const committed = readBatches(manager, 0n, 1);
    assert.equal(committed.outcome.lastStableOffset, 2n);
    assert.equal(committed.outcome.highWatermark, 7n);
    assert.deepEqual(committed.batches.map((b) => b.baseOffset), [0], 'read_committed stops below the LSO');
    assert.deepEqual(committed.outcome.abortedTransactions, []);
    const uncommitted = readBatches(manager, 0n, 0);
    assert.deepEqual(uncommitted.batches.map((b) => b.baseOffset), [0, 2, 5], 'read_uncommitted reads to the high watermark');
    assert.equal(uncommitted.outcome.abortedTransactions, null);
    const atLso = readBatches(manager, 2n, 1);
    assert.equal(atLso.outcome.records, null, 'nothing to read at the LSO');
    assert.deepEqual(atLso.outcome.abortedTransactions, []);

    assert.equal((await manager.writeTxnMarker('t', 0, marker(1n, 0, true))).offset, 7n);
    assert.equal(manager.hasOngoingTransaction('t', 0, 1n), false);
    assert.equal(manager.lastStableOffset('t', 0), 8n, 'committed: LSO = high watermark');
    assert.deepEqual(readBatches(manager, 0n, 1).batches.map((b) => b.baseOffset), [0, 2, 5, 7], 'data and marker visible');
  });

  it('moves the LSO across interleaved producers to the earliest transaction still open', async () => {
    const manager = await openManager(await temporaryDirectory(), topicRecord('t'));
    await produce(manager, transactionalBatch(1n, 0, 0, 2)); // 0-1
    await produce(manager, transactionalBatch(2n, 0, 0, 2)); // 2-3
    await produce(manager, transactionalBatch(1n, 0, 2, 1)); // 4
    await produce(manager, simpleBatch(1, 10, Date.now())); // 5
    assert.equal(manager.lastStableOffset('t', 0), 0n);
    await manager.writeTxnMarker('t', 0, marker(1n, 0, true)); // 6
    assert.equal(manager.lastStableOffset('t', 0), 2n, "producer 2's transaction is now the earliest open");
    await produce(manager, transactionalBatch(3n, 0, 0, 1)); // 7
    await manager.writeTxnMarker('t', 0, marker(2n, 0, true)); // 8
    assert.equal(manager.lastStableOffset('t', 0), 7n, "producer 3's transaction");
    await manager.writeTxnMarker('t', 0, marker(3n, 0, false)); // 9
    assert.equal(manager.lastStableOffset('t', 0), 10n);
    assert.equal(manager.highWatermark('t', 0), 10n);
  });

  it('answers ListOffsets latest with the LSO for read_committed, and stops timestamp lookups there', async () => {
    const manager = await openManager(await temporaryDirectory(), topicRecord('t'));
    const start = Date.now() - 10_000;
    await produce(manager, simpleBatch(2, 10, start));
    await produce(manager, transactionalBatch(1n, 0, 0, 2, start + 5_000));
    assert.equal(manager.listOffset('t', 0, -1n, 1).offset, 2n, 'read_committed latest = LSO');
    assert.equal(manager.listOffset('t', 0, -1n, 0).offset, 4n, 'read_uncommitted latest = high watermark');
    assert.equal(manager.listOffset('t', 0, -1n).offset, 4n, 'default is read_uncommitted');
    assert.equal(manager.listOffset('t', 0, BigInt(start + 5_000), 1).offset, -1n, 'the first offset at that time is past the LSO');
    assert.equal(manager.listOffset('t', 0, BigInt(start + 5_000), 0).offset, 2n);
    assert.equal(manager.listOffset('t', 0, -3n, 1).offset, -1n, 'the max timestamp is past the LSO');
    assert.equal(manager.listOffset('t', 0, BigInt(start), 1).offset, 0n, 'below the LSO it answers');
    await manager.writeTxnMarker('t', 0, marker(1n, 0, true));
    assert.equal(manager.listOffset('t', 0, -1n, 1).offset, 5n);
    assert.equal(manager.listOffset('t', 0, -3n, 1).offset, 4n, 'committed: the newest timestamp (the marker, stamped now) is visible');
  });

  it('reports active producers with their open transactions and coordinator epochs', async () => {
    const manager = await openManager(await temporaryDirectory(), topicRecord('t'));
    const at = Date.now();
    await produce(manager, idempotentBatch(1n, 0, 0, 2, at));
    await produce(manager, transactionalBatch(2n, 4, 0, 3, at + 1));
    await produce(manager, transactionalBatch(3n, 0, 0, 1, at + 2));
    await manager.writeTxnMarker('t', 0, marker(3n, 0, false, 6));
    const producers = manager.activeProducers('t', 0)!.sort((a, b) => Number(a.producerId - b.producerId));
    assert.deepEqual(producers, [
      { producerId: 1n, producerEpoch: 0, lastSequence: 1, lastTimestamp: BigInt(at + 1), coordinatorEpoch: -1, currentTxnStartOffset: -1n },
      { producerId: 2n, producerEpoch: 4, lastSequence: 2, lastTimestamp: BigInt(at + 3), coordinatorEpoch: -1, currentTxnStartOffset: 2n },
      { producerId: 3n, producerEpoch: 0, lastSequence: 0, lastTimestamp: producers[2]!.lastTimestamp, coordinatorEpoch: 6, currentTxnStartOffset: -1n },
    ]);
    assert.equal(manager.activeProducers('t', 1), null);
    assert.equal(manager.hasOngoingTransaction('t', 1, 2n), false);
    assert.equal(manager.lastStableOffset('nope', 0), -1n);
  });
});

describe('transactional producer rules (Kafka ProducerAppendInfo)', () => {
  it('refuses a non-transactional batch while the producer has a transaction open (INVALID_TXN_STATE), and accepts it after the marker', async () => {
    const manager = await openManager(await temporaryDirectory(), topicRecord('t'));
    await produce(manager, transactionalBatch(1n, 0, 0, 2));
    const refused = await manager.append('t', 0, idempotentBatch(1n, 0, 2, 1), client);
    assert.equal(refused.errorCode, ErrorCode.INVALID_TXN_STATE);
    assert.match(refused.errorMessage ?? '', /transactional/);
    assert.equal((await produce(manager, idempotentBatch(1n, 1, 0, 1))).errorCode, ErrorCode.INVALID_TXN_STATE, 'a newer epoch does not end the transaction either');
    assert.equal(manager.highWatermark('t', 0), 2n, 'nothing written');
    await manager.writeTxnMarker('t', 0, marker(1n, 0, true));
    assert.deepEqual(await produce(manager, idempotentBatch(1n, 0, 2, 1)), { errorCode: 0, baseOffset: 3n }, 'sequences continue after the marker');
    assert.deepEqual(await produce(manager, transactionalBatch(1n, 0, 3, 1)), { errorCode: 0, baseOffset: 4n }, 'a new transaction opens');
    assert.equal(manager.lastStableOffset('t', 0), 4n);
  });

  it('checks a mixed append whole: a later non-transactional batch of the same producer fails all of it', async () => {
    const manager = await openManager(await temporaryDirectory(), topicRecord('t'));
    const mixed = Buffer.concat([transactionalBatch(1n, 0, 0, 1), idempotentBatch(1n, 0, 1, 1)]);
    assert.equal((await produce(manager, mixed)).errorCode, ErrorCode.INVALID_TXN_STATE);
    assert.equal(manager.highWatermark('t', 0), 0n);
    assert.equal(manager.hasOngoingTransaction('t', 0, 1n), false, 'the refused append opened nothing');
  });

  it('recognises a retried transactional batch as a duplicate', async () => {
    const manager = await openManager(await temporaryDirectory(), topicRecord('t'));
    await produce(manager, transactionalBatch(1n, 0, 0, 2));
    await produce(manager, transactionalBatch(1n, 0, 2, 2));
    assert.deepEqual(await produce(manager, transactionalBatch(1n, 0, 0, 2)), { errorCode: 0, baseOffset: 0n });
    assert.equal(manager.highWatermark('t', 0), 4n);
  });

  it('fences markers with an older producer epoch (INVALID_PRODUCER_EPOCH) or coordinator epoch (TRANSACTION_COORDINATOR_FENCED)', async () => {
    const manager = await openManager(await temporaryDirectory(), topicRecord('t'));
    await produce(manager, transactionalBatch(1n, 5, 0, 2));
    assert.deepEqual(await manager.writeTxnMarker('t', 0, marker(1n, 4, true, 3)), { errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, offset: -1n });
    assert.equal(manager.highWatermark('t', 0), 2n, 'nothing written');
    assert.equal(manager.hasOngoingTransaction('t', 0, 1n), true);
    assert.deepEqual(await manager.writeTxnMarker('t', 0, marker(1n, 5, true, 3)), { errorCode: 0, offset: 2n });
    await produce(manager, transactionalBatch(1n, 5, 2, 1));
    assert.deepEqual(await manager.writeTxnMarker('t', 0, marker(1n, 5, false, 2)), { errorCode: ErrorCode.TRANSACTION_COORDINATOR_FENCED, offset: -1n });
    assert.equal(manager.hasOngoingTransaction('t', 0, 1n), true, 'the zombie coordinator ended nothing');
    assert.deepEqual(await manager.writeTxnMarker('t', 0, marker(1n, 5, false, 3)), { errorCode: 0, offset: 4n });
  });

  it('takes a newer epoch from a marker (a timed-out transaction aborted with a bumped epoch), fencing the old epoch', async () => {
    const manager = await openManager(await temporaryDirectory(), topicRecord('t'));
    await produce(manager, transactionalBatch(1n, 0, 0, 2));
    assert.equal((await manager.writeTxnMarker('t', 0, marker(1n, 1, false))).errorCode, 0);
    assert.equal(manager.hasOngoingTransaction('t', 0, 1n), false);
    assert.equal((await produce(manager, transactionalBatch(1n, 0, 2, 1))).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH, 'the zombie is fenced');
    assert.deepEqual(await produce(manager, transactionalBatch(1n, 1, 0, 1)), { errorCode: 0, baseOffset: 3n }, 'the new epoch starts at sequence 0');
  });
});

describe('open transactions across restarts, retention and expiry', () => {
  it('keeps an open transaction across a clean restart (snapshot version 2) and completes it after', async () => {
    const dir = await temporaryDirectory();
    const topic = topicRecord('t');
    const first = await openManager(dir, topic);
    await produce(first, simpleBatch(1, 10, Date.now()));
    await produce(first, transactionalBatch(1n, 2, 0, 2));
    await first.writeTxnMarker('t', 0, marker(1n, 2, true, 7)); // 3
    await produce(first, transactionalBatch(1n, 2, 2, 1)); // 4
    await closeManager(first);
    const snapshot = readFileSync(join(dir, 't-0', '00000000000000000005.snapshot'));
    assert.equal(snapshot.readUInt16BE(4), 2, 'snapshot version 2');

    const second = await openManager(dir, topic);
    assert.equal(second.lastStableOffset('t', 0), 4n, 'the open transaction is back');
    assert.equal(second.hasOngoingTransaction('t', 0, 1n), true);
    assert.equal(second.activeProducers('t', 0)![0]!.coordinatorEpoch, 7, 'and the coordinator epoch');
    assert.equal((await second.writeTxnMarker('t', 0, marker(1n, 2, true, 6))).errorCode, ErrorCode.TRANSACTION_COORDINATOR_FENCED);
    assert.equal((await produce(second, idempotentBatch(1n, 2, 3, 1))).errorCode, ErrorCode.INVALID_TXN_STATE);
    assert.deepEqual(await second.writeTxnMarker('t', 0, marker(1n, 2, true, 7)), { errorCode: 0, offset: 5n });
    assert.equal(second.lastStableOffset('t', 0), 6n);
  });

  it('rebuilds open transactions from the log tail when the snapshot is gone', async () => {
    const dir = await temporaryDirectory();
    const topic = topicRecord('t');
    const first = await openManager(dir, topic);
    await produce(first, transactionalBatch(1n, 0, 0, 2)); // 0-1
    await produce(first, transactionalBatch(2n, 0, 0, 1)); // 2
    await first.writeTxnMarker('t', 0, marker(1n, 0, true, 4)); // 3
    await produce(first, transactionalBatch(3n, 0, 0, 1)); // 4
    await closeManager(first);
    for (const name of readdirSync(join(dir, 't-0'))) if (name.endsWith('.snapshot')) await rm(join(dir, 't-0', name));
    const second = await openManager(dir, topic);
    assert.equal(second.lastStableOffset('t', 0), 2n, "producer 2's transaction, replayed from the log");
    assert.equal(second.hasOngoingTransaction('t', 0, 1n), false, "producer 1's marker was replayed");
    assert.equal(second.hasOngoingTransaction('t', 0, 3n), true);
    assert.equal((await second.writeTxnMarker('t', 0, marker(1n, 0, true, 3))).errorCode, ErrorCode.TRANSACTION_COORDINATOR_FENCED, 'coordinator epoch replayed');
  });

  it('reads a version 1 snapshot (written before transactions)', async () => {
    const dir = await temporaryDirectory();
    const topic = topicRecord('t');
    const first = await openManager(dir, topic);
    for (let sequence = 0; sequence < 6; sequence += 3) await produce(first, idempotentBatch(4n, 1, sequence, 3));
    await closeManager(first);
    // Rewrite the snapshot at 6 in version 1: entry = id | epoch | last timestamp | batch count | batches.
    const path = join(dir, 't-0', '00000000000000000006.snapshot');
    const v2 = readFileSync(path);
    const entry = v2.subarray(22);
    const v1 = Buffer.concat([v2.subarray(0, 22), entry.subarray(0, 10), entry.subarray(22)]);
    v1.writeUInt16BE(1, 4);
    v1.writeUInt32BE(crc32c(v1.subarray(10)), 6);
    writeFileSync(path, v1);
    const second = await openManager(dir, topic);
    assert.deepEqual(await produce(second, idempotentBatch(4n, 1, 3, 3)), { errorCode: 0, baseOffset: 3n }, 'duplicate known from the v1 snapshot');
    assert.equal(second.hasOngoingTransaction('t', 0, 4n), false);
    assert.deepEqual(second.activeProducers('t', 0), [
      { producerId: 4n, producerEpoch: 1, lastSequence: 5, lastTimestamp: second.activeProducers('t', 0)![0]!.lastTimestamp, coordinatorEpoch: -1, currentTxnStartOffset: -1n },
    ]);
  });

  it('keeps a producer with an open transaction when DeleteRecords removes its batches, with the LSO at the log start', async () => {
    const manager = await openManager(await temporaryDirectory(), topicRecord('t'));
    await produce(manager, transactionalBatch(1n, 0, 0, 2)); // 0-1
    await produce(manager, idempotentBatch(2n, 0, 0, 2)); // 2-3
    await produce(manager, simpleBatch(2, 10, Date.now())); // 4-5
    assert.equal(manager.deleteRecords('t', 0, 3n).errorCode, 0);
    assert.equal(manager.hasOngoingTransaction('t', 0, 1n), true, 'not evicted');
    assert.equal(manager.lastStableOffset('t', 0), 3n, 'LSO not below the log start offset');
    assert.equal(manager.listOffset('t', 0, -1n, 1).offset, 3n);
    assert.equal(manager.deleteRecords('t', 0, 6n).errorCode, 0);
    assert.equal(manager.producerCount('t', 0), 1, 'the idle idempotent producer is evicted, the transactional one kept');
    assert.equal(manager.lastStableOffset('t', 0), 6n);
    await manager.writeTxnMarker('t', 0, marker(1n, 0, false));
    assert.equal(manager.lastStableOffset('t', 0), 7n);
  });

  it('keeps an open transaction when retention deletes the segments holding its batches, and snapshots the state there', async () => {
    const dir = await temporaryDirectory();
    const topic = topicRecord('t');
    let nowMs = Date.now();
    const settings = { retentionBytes: 2048, segmentBytes: 1024 };
    const manager = await openManager(dir, topic, settings, { now: () => nowMs });
    await produce(manager, transactionalBatch(1n, 0, 0, 2, nowMs)); // 0-1
    for (let i = 0; i < 40; i++) await produce(manager, simpleBatch(1, 100, nowMs));
    nowMs += 1000;
    manager.runMaintenance();
    const logStartOffset = manager.partitionState('t', 0)!.logStartOffset;
    assert.ok(logStartOffset > 2n, `retention removed the transaction's batches (log start ${logStartOffset})`);
    assert.equal(manager.hasOngoingTransaction('t', 0, 1n), true);
    assert.equal(manager.lastStableOffset('t', 0), logStartOffset, 'LSO held at the log start');
    await closeManager(manager);
    const reopened = await openManager(dir, topic, settings, { now: () => nowMs });
    assert.equal(reopened.lastStableOffset('t', 0), logStartOffset, 'still open after a restart');
    await reopened.writeTxnMarker('t', 0, marker(1n, 0, false));
    assert.equal(reopened.lastStableOffset('t', 0), reopened.highWatermark('t', 0));
  });

  it('resolves a marker on a flush.messages=1 topic only once it is fsynced', async () => {
    const manager = await openManager(await temporaryDirectory(), topicRecord('t'), { flushMessages: 1 });
    await produce(manager, transactionalBatch(1n, 0, 0, 2));
    const { offset } = await manager.writeTxnMarker('t', 0, marker(1n, 0, true));
    assert.equal(offset, 2n);
    assert.ok(manager.partitionState('t', 0)!.recoveryPoint >= 3n, 'the marker is below the recovery point');
  });

  it('never expires a producer with an open transaction', async () => {
    let nowMs = Date.now();
    const manager = await openManager(await temporaryDirectory(), topicRecord('t'), {}, { now: () => nowMs, producerIdExpirationMs: 60_000 });
    await produce(manager, transactionalBatch(1n, 0, 0, 1, nowMs));
    await produce(manager, idempotentBatch(2n, 0, 0, 1, nowMs));
    nowMs += 61_000;
    manager.runMaintenance();
    assert.equal(manager.producerCount('t', 0), 1);
    assert.equal(manager.hasOngoingTransaction('t', 0, 1n), true);
    assert.equal(manager.lastStableOffset('t', 0), 0n);
  });
});
