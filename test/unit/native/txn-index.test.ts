import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { type AbortedTxn, NativeLogError, PartitionLog } from '../../../src/native/index.ts';
import { simpleBatch } from '../../helpers/record-batches.ts';

const root = mkdtempSync(join(tmpdir(), 'fjord-txn-index-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(root, `p${dirs++}`);
const NOW = 1_700_000_000_000;

const txnIndexPath = (dir: string, base: number) => join(dir, `${String(base).padStart(20, '0')}.txnindex`);
const txn = (producerId: bigint, firstOffset: number, lastOffset: number, lastStableOffset: number): AbortedTxn => ({
  producerId,
  firstOffset,
  lastOffset,
  lastStableOffset,
});

/** Segments at 0, 10 and 20 (active) of one-record batches, offsets 0-24. */
function build(dir: string): PartitionLog {
  const log = PartitionLog.open(dir, {}, NOW);
  for (let offset = 0; offset < 25; offset++) {
    if (offset > 0 && offset % 10 === 0) log.roll(NOW);
    log.append(simpleBatch(1, 20, NOW + offset), 0, NOW);
  }
  assert.equal(log.segmentCount, 3);
  return log;
}

// A inside segment 0 (aborted while B was open), B from 0 into 10, C in 20 with a producer id near 2^63.
const ABORTS = [txn(1n, 2, 5, 4), txn(2n, 4, 12, 13), txn(2n ** 63n - 1n, 20, 22, 23)];

const rejects = (action: () => void, pattern: RegExp) =>
  assert.throws(action, (e: unknown) => e instanceof NativeLogError && e.kafkaName === 'UNKNOWN_SERVER_ERROR' && pattern.test(e.message));

describe('native transaction index', () => {
  it('stores aborted transactions in the segment holding the marker and collects the ones overlapping a fetch', () => {
    const dir = freshDir();
    const log = build(dir);
    for (const entry of ABORTS) log.appendAbortedTxn(entry);
    assert.equal(statSync(txnIndexPath(dir, 0)).size, 34);
    assert.equal(statSync(txnIndexPath(dir, 10)).size, 34);
    assert.equal(statSync(txnIndexPath(dir, 20)).size, 34);
    const stored = readFileSync(txnIndexPath(dir, 20));
    assert.equal(stored.readInt16BE(0), 0, 'version');
    assert.equal(stored.readBigInt64BE(2), 2n ** 63n - 1n, 'producerId, big-endian int64');
    assert.deepEqual([18, 26].map((at) => stored.readBigInt64BE(at)), [22n, 23n]);

    assert.deepEqual(log.collectAbortedTxns(0, 25), ABORTS);
    assert.deepEqual(log.collectAbortedTxns(9, 10), [ABORTS[1]], 'a transaction aborted in a later segment');
    assert.deepEqual(log.collectAbortedTxns(6, 12), [ABORTS[1]]);
    assert.deepEqual(log.collectAbortedTxns(13, 20), []);
    assert.deepEqual(log.collectAbortedTxns(5, 5), [], 'an empty range');
    log.close();
  });

  it('rejects entries out of order, outside the log, or with a producer id that is not an int64', () => {
    const log = build(freshDir());
    log.appendAbortedTxn(ABORTS[1]!);
    rejects(() => log.appendAbortedTxn(ABORTS[0]!), /must increase/);
    rejects(() => log.appendAbortedTxn(txn(3n, 24, 25, 26)), /not inside the log/);
    rejects(() => log.appendAbortedTxn(txn(3n, 21, 20, 21)), /not inside the log/);
    rejects(() => log.appendAbortedTxn(txn(2n ** 64n, 20, 22, 23)), /not an int64/);
    assert.deepEqual(log.collectAbortedTxns(0, 25), [ABORTS[1]]);
    log.close();
  });

  it('truncates, survives a clean reopen, and goes with the segments that retention and truncation delete', () => {
    const dir = freshDir();
    let log = build(dir);
    for (const entry of ABORTS) log.appendAbortedTxn(entry);
    log.truncateAbortedTxns(12);
    assert.deepEqual(log.collectAbortedTxns(0, 25), [ABORTS[0]]);
    assert.equal(statSync(txnIndexPath(dir, 20)).size, 0);
    log.appendAbortedTxn(ABORTS[1]!);
    log.appendAbortedTxn(ABORTS[2]!);
    log.close();

    log = PartitionLog.open(dir, {}, NOW);
    assert.equal(log.openResult.clean, true);
    assert.deepEqual(log.collectAbortedTxns(0, 25), ABORTS);
    assert.equal(log.truncateTo(21), 21);
    assert.deepEqual(log.collectAbortedTxns(0, 25), ABORTS.slice(0, 2), 'the entry of marker 22 went with the truncated batches');
    assert.equal(log.deleteRecords(15), 15);
    assert.equal(existsSync(txnIndexPath(dir, 0)), false, 'segment 0 and its txn index deleted');
    log.setSettings({ retentionBytes: 0 });
    assert.equal(log.applyRetention(NOW).deletedSegments, 1);
    assert.equal(existsSync(txnIndexPath(dir, 10)), false, 'retention deleted segment 10 and its txn index');
    assert.deepEqual(log.collectAbortedTxns(20, 21), []);
    log.close();
  });
});
