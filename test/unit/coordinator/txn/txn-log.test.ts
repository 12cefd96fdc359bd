// __transaction_state through a real broker's logs: the state snapshot covers the log up to its
// offsets and only the tail after it is replayed; a stale snapshot still gives the latest state,
// and a corrupt one is ignored in favour of the log.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { TransactionStateTopic, TXN_STATE_SNAPSHOT_FILE } from '../../../../src/coordinator/txn/txn-log.ts';
import type { TxnStateRecord } from '../../../../src/coordinator/txn/txn-state.ts';
import { ErrorCode, initProducerIdRequest } from '../../../../src/protocol/index.ts';
import { startBroker, type BrokerFixture } from '../../handlers/fixture.ts';

describe('__transaction_state snapshot', () => {
  let fixture: BrokerFixture;
  let scratch: string;
  before(async () => {
    fixture = await startBroker({ 'transaction.state.log.num.partitions': '3' });
    scratch = mkdtempSync(join(tmpdir(), 'fjord-txn-snapshot-'));
  });
  after(async () => {
    await fixture?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  /** Loads the topic as a fresh start would, with the snapshot found in `snapshotDir`. */
  function loadWith(snapshotDir: string) {
    const { logs, topics, metadata } = fixture.broker;
    const reader = new TransactionStateTopic({ logs, topics, metadata, partitionCount: 3, segmentBytes: 1 << 20, snapshotDir, now: () => Date.now(), log: () => {} });
    const latest = new Map<string, TxnStateRecord>();
    const outcome = reader.load((record) => latest.set(record.transactionalId, record));
    return { outcome, latest };
  }

  test('a stale snapshot plus the log after it gives the latest state; a corrupt one is ignored', async () => {
    const client = await fixture.connect();
    const init = (transactionalId: string) => client.send(initProducerIdRequest, 4, { transactionalId, transactionTimeoutMs: 60_000 });
    const first = await init('snap-a');
    assert.equal(first.errorCode, ErrorCode.NONE);
    assert.equal(fixture.broker.txns.stateTopic.writeSnapshot(), true);
    assert.equal(fixture.broker.txns.stateTopic.writeSnapshot(), false, 'nothing changed since');
    const stale = join(scratch, 'stale');
    rmSync(stale, { recursive: true, force: true });
    mkdirSync(stale);
    copyFileSync(join(fixture.dataDir, TXN_STATE_SNAPSHOT_FILE), join(stale, TXN_STATE_SNAPSHOT_FILE));
    await init('snap-a');
    await init('snap-b');

    const fromStale = loadWith(stale);
    assert.equal(fromStale.outcome.fromSnapshot, 1, 'snap-a at epoch 0 from the snapshot');
    assert.equal(fromStale.outcome.replayed, 2, 'the two records written after it');
    assert.equal(fromStale.latest.get('snap-a')?.producerEpoch, 1);
    assert.equal(fromStale.latest.get('snap-b')?.producerEpoch, 0);

    const corrupt = join(stale, TXN_STATE_SNAPSHOT_FILE);
    const bytes = readFileSync(corrupt);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 10) ^ 0xff, bytes.length - 10);
    writeFileSync(corrupt, bytes);
    const fromLog = loadWith(stale);
    assert.deepEqual([fromLog.outcome.fromSnapshot, fromLog.outcome.replayed], [0, 3]);
    assert.deepEqual([...fromLog.latest.entries()].sort(), [...fromStale.latest.entries()].sort());
  });

  test('a clean restart writes the snapshot and the next start replays nothing', async () => {
    const client = await fixture.connect();
    await client.send(initProducerIdRequest, 4, { transactionalId: 'snap-c', transactionTimeoutMs: 60_000 });
    await fixture.restart();
    const fresh = loadWith(fixture.dataDir);
    assert.equal(fresh.outcome.replayed, 0);
    assert.equal(fresh.outcome.fromSnapshot, 3);
    assert.equal(fixture.broker.txns.coordinator.describe('snap-c')?.producerEpoch, 0);
    assert.equal(fixture.broker.txns.coordinator.describe('snap-a')?.producerEpoch, 1);
  });
});
