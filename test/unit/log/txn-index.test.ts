import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

import { readEndTransactionMarker } from '../../../src/log/control-batch.ts';
import { LogManager } from '../../../src/log/log-manager.ts';
import type { TopicRecord } from '../../../src/metadata/metadata-store.ts';
import type { LogSettings } from '../../../src/native/index.ts';
import { ErrorCode } from '../../../src/protocol/error-codes.ts';
import { logManagerFixture, topicRecord } from '../../helpers/log-manager-fixture.ts';
import { simpleBatch, splitBatches, transactionalBatch } from '../../helpers/record-batches.ts';

const SETTINGS: LogSettings = { segmentBytes: 1024 };
const fixture = logManagerFixture('fjord-txnindex-');
const { temporaryDirectory, closeManager } = fixture;
const openManager = (dir: string, topic: TopicRecord): Promise<LogManager> => fixture.openManager(dir, topic, SETTINGS);

interface Txn {
  producerId: bigint;
  firstOffset: number;
  lastOffset: number;
}

/**
 * Writes interleaved transactions of four producers with plain batches between them, over many
 * 1 KiB segments; returns the aborted transactions (the model the index must match).
 */
async function writeScenario(manager: LogManager, rounds: number): Promise<Txn[]> {
  const aborted: Txn[] = [];
  const sequences = new Map<bigint, number>();
  const open = new Map<bigint, number>();
  let step = 0;
  const transactional = async (producerId: bigint): Promise<void> => {
    const sequence = sequences.get(producerId) ?? 0;
    const outcome = await manager.append('t', 0, transactionalBatch(producerId, 0, sequence, 2), { requiredAcks: -1, isFromClient: true });
    assert.equal(outcome.errorCode, ErrorCode.NONE);
    sequences.set(producerId, sequence + 2);
    if (!open.has(producerId)) open.set(producerId, Number(outcome.baseOffset));
  };
  const end = async (producerId: bigint, committed: boolean): Promise<void> => {
    const { errorCode, offset } = await manager.writeTxnMarker('t', 0, { producerId, producerEpoch: 0, coordinatorEpoch: 0, committed });
    assert.equal(errorCode, ErrorCode.NONE);
    const firstOffset = open.get(producerId);
    if (firstOffset !== undefined && !committed) aborted.push({ producerId, firstOffset, lastOffset: Number(offset) });
    open.delete(producerId);
  };
  for (let round = 0; round < rounds; round++) {
    for (const producerId of [1n, 2n, 3n, 4n]) {
      await transactional(producerId);
      await manager.append('t', 0, simpleBatch(1, 40, Date.now()), { requiredAcks: -1, isFromClient: true });
      step++;
      // Producers end in a rotating order, some committing, so transactions overlap unevenly.
      if (step % 3 === 0) await end((BigInt(step) % 4n) + 1n, step % 2 === 0);
    }
  }
  for (const producerId of [...open.keys()]) await end(producerId, false);
  return aborted;
}

/** What read_committed must list for a read of [fetchOffset, nextOffset). */
function expectedAborted(aborted: readonly Txn[], fetchOffset: number, nextOffset: number): Array<{ producerId: bigint; firstOffset: bigint }> {
  return aborted
    .filter((txn) => txn.lastOffset >= fetchOffset && txn.firstOffset < nextOffset)
    .sort((a, b) => a.lastOffset - b.lastOffset)
    .map((txn) => ({ producerId: txn.producerId, firstOffset: BigInt(txn.firstOffset) }));
}

/** Reads read_committed from every offset, with small and large reads, against the model. */
function checkEveryRead(manager: LogManager, aborted: readonly Txn[], label: string): void {
  const end = Number(manager.lastStableOffset('t', 0));
  const start = Number(manager.partitionState('t', 0)!.logStartOffset);
  for (let fetchOffset = start; fetchOffset < end; fetchOffset++) {
    for (const maxBytes of [1, 600, 8192]) {
      const outcome = manager.read('t', 0, { fetchOffset: BigInt(fetchOffset), maxBytes, minOneBatch: true, isolationLevel: 1 });
      assert.equal(outcome.errorCode, ErrorCode.NONE);
      const batches = splitBatches(outcome.records!.copy());
      const nextOffset = batches.at(-1)!.lastOffset + 1;
      assert.deepEqual(outcome.abortedTransactions, expectedAborted(aborted, fetchOffset, nextOffset), `${label}: fetch ${fetchOffset}, ${maxBytes} bytes`);
    }
  }
}

/**
 * The transactions the log itself records, batch by batch from the log start (Kafka's rules):
 * the aborted ones and the first offsets of those still open, plus every marker's offset.
 */
function transactionsInLog(manager: LogManager): { aborted: Txn[]; open: Map<bigint, number>; markers: Set<number> } {
  const aborted: Txn[] = [];
  const open = new Map<bigint, number>();
  const markers = new Set<number>();
  let offset = manager.partitionState('t', 0)!.logStartOffset;
  const end = manager.highWatermark('t', 0)!;
  while (offset < end) {
    const outcome = manager.read('t', 0, { fetchOffset: offset, maxBytes: 1024 * 1024, minOneBatch: true, isolationLevel: 0 });
    for (const batch of splitBatches(outcome.records!.copy())) {
      const producerId = batch.bytes.readBigInt64BE(43);
      const attributes = batch.bytes.readInt16BE(21);
      if (producerId >= 0n && (attributes & 0x20) !== 0) {
        markers.add(batch.baseOffset);
        const firstOffset = open.get(producerId);
        if (firstOffset !== undefined && readEndTransactionMarker(batch.bytes)?.committed === false) {
          aborted.push({ producerId, firstOffset, lastOffset: batch.baseOffset });
        }
        open.delete(producerId);
      } else if (producerId >= 0n && (attributes & 0x10) !== 0 && !open.has(producerId)) {
        open.set(producerId, batch.baseOffset);
      }
      offset = BigInt(batch.lastOffset + 1);
    }
  }
  return { aborted, open, markers };
}

describe('transaction index through the log manager', () => {
  it('lists exactly the aborted transactions overlapping each read_committed read, across segment rolls', async () => {
    const manager = await openManager(await temporaryDirectory(), topicRecord('t'));
    const aborted = await writeScenario(manager, 6);
    assert.ok(manager.partitionState('t', 0)!.segmentCount >= 5, 'the scenario spans several segments');
    assert.ok(aborted.length >= 4, `several aborted transactions (${aborted.length})`);
    assert.equal(manager.lastStableOffset('t', 0), manager.highWatermark('t', 0), 'every transaction ended');
    checkEveryRead(manager, aborted, 'live');
  });

  it('rebuilds the index exactly after a clean restart, after a crash copy, and from the whole log', async () => {
    const dir = await temporaryDirectory();
    const topic = topicRecord('t');
    const manager = await openManager(dir, topic);
    const aborted = await writeScenario(manager, 5);
    // A crash copy: the directory as the running process leaves it (no clean shutdown, snapshots
    // from the last roll only, index entries past them already written).
    const crashDir = await temporaryDirectory();
    cpSync(dir, crashDir, { recursive: true });
    // A second copy with every snapshot and index file removed: all of it replays from the log.
    const bareDir = await temporaryDirectory();
    cpSync(dir, bareDir, { recursive: true });
    for (const name of readdirSync(join(bareDir, 't-0'))) {
      if (name.endsWith('.snapshot') || name.endsWith('.txnindex')) rmSync(join(bareDir, 't-0', name));
    }
    await closeManager(manager);

    const reopened = await openManager(dir, topic);
    checkEveryRead(reopened, aborted, 'clean restart');
    const crashed = await openManager(crashDir, topic);
    checkEveryRead(crashed, aborted, 'crash copy');
    const bare = await openManager(bareDir, topic);
    checkEveryRead(bare, aborted, 'rebuilt from the log');
  });

  it('keeps an open transaction across a crash copy and indexes its abort after', async () => {
    const dir = await temporaryDirectory();
    const topic = topicRecord('t');
    const manager = await openManager(dir, topic);
    await manager.append('t', 0, transactionalBatch(9n, 0, 0, 2), { requiredAcks: -1, isFromClient: true }); // 0-1
    for (let i = 0; i < 30; i++) await manager.append('t', 0, simpleBatch(1, 100, Date.now()), { requiredAcks: -1, isFromClient: true });
    const crashDir = await temporaryDirectory();
    cpSync(dir, crashDir, { recursive: true });
    const crashed = await openManager(crashDir, topic);
    assert.equal(crashed.lastStableOffset('t', 0), 0n, 'the open transaction is back after the crash');
    const { offset } = await crashed.writeTxnMarker('t', 0, { producerId: 9n, producerEpoch: 0, coordinatorEpoch: 0, committed: false });
    assert.equal(offset, 32n);
    checkEveryRead(crashed, [{ producerId: 9n, firstOffset: 0, lastOffset: 32 }], 'after the crash');
  });

  it('recovers open transactions and the index exactly after kill -9 of a process running transactions', async () => {
    const dir = await temporaryDirectory();
    const topic = topicRecord('t');
    const child = spawn(process.execPath, [fileURLToPath(new URL('./txn-producer-child.ts', import.meta.url)), dir, JSON.stringify(topic)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const acknowledged: Array<{ kind: string; offset: number }> = [];
    let exited = false;
    try {
      await new Promise<void>((resolve, reject) => {
        let pending = '';
        child.stdout.on('data', (chunk: Buffer) => {
          pending += chunk.toString();
          const lines = pending.split('\n');
          pending = lines.pop()!;
          for (const line of lines) {
            const [kind, offset] = line.split(' ');
            acknowledged.push({ kind: kind!, offset: Number(offset) });
          }
          if (acknowledged.length >= 600) {
            child.kill('SIGKILL');
            resolve();
          }
        });
        child.on('exit', (code, signal) => {
          exited = true;
          if (signal !== 'SIGKILL') reject(new Error(`the child exited by itself (${code ?? signal})`));
        });
      });
      if (!exited) await new Promise((resolve) => child.once('exit', resolve));
    } finally {
      if (!exited && child.exitCode === null) child.kill('SIGKILL');
    }
    const manager = await openManager(dir, topic);
    const { aborted, open, markers } = transactionsInLog(manager);
    const acknowledgedMarkers = acknowledged.filter((write) => write.kind === 'commit' || write.kind === 'abort');
    assert.ok(acknowledgedMarkers.length > 20 && aborted.length > 5, `enough transactions ended (${acknowledgedMarkers.length} markers, ${aborted.length} aborted)`);
    for (const write of acknowledgedMarkers) assert.ok(markers.has(write.offset), `acknowledged marker at ${write.offset} survived`);
    const firstOpen = Math.min(...open.values());
    assert.equal(manager.lastStableOffset('t', 0), open.size === 0 ? manager.highWatermark('t', 0) : BigInt(firstOpen), 'LSO from the recovered open transactions');
    for (const [producerId] of open) assert.equal(manager.hasOngoingTransaction('t', 0, producerId), true);
    checkEveryRead(manager, aborted, 'after kill -9');
    // Ending the transactions left open indexes them as before the crash.
    for (const [producerId, firstOffset] of open) {
      const { offset } = await manager.writeTxnMarker('t', 0, { producerId, producerEpoch: 0, coordinatorEpoch: 0, committed: false });
      aborted.push({ producerId, firstOffset, lastOffset: Number(offset) });
    }
    assert.equal(manager.lastStableOffset('t', 0), manager.highWatermark('t', 0));
    checkEveryRead(manager, aborted, 'after the recovered transactions ended');
  });

  it('answers KAFKA_STORAGE_ERROR when the index cannot be written, and re-adds the entry at the next open', async () => {
    const dir = await temporaryDirectory();
    const topic = topicRecord('t');
    const manager = await openManager(dir, topic);
    await manager.append('t', 0, transactionalBatch(5n, 0, 0, 2), { requiredAcks: -1, isFromClient: true });
    // A directory where the segment's index file must be created makes the index write fail.
    const indexPath = join(dir, 't-0', '00000000000000000000.txnindex');
    mkdirSync(indexPath);
    const failed = await manager.writeTxnMarker('t', 0, { producerId: 5n, producerEpoch: 0, coordinatorEpoch: 0, committed: false });
    assert.equal(failed.errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
    assert.equal(manager.highWatermark('t', 0), 3n, 'the marker itself is in the log');
    await closeManager(manager);
    assert.deepEqual(readdirSync(join(dir, 't-0')).filter((name) => name.endsWith('.snapshot')), [], 'no snapshot past the missing entry');
    rmSync(indexPath, { recursive: true });
    const reopened = await openManager(dir, topic);
    checkEveryRead(reopened, [{ producerId: 5n, firstOffset: 0, lastOffset: 2 }], 'after the reopen');
  });

  it('lists no aborted transaction whose segments DeleteRecords removed', async () => {
    const manager = await openManager(await temporaryDirectory(), topicRecord('t'));
    const aborted = await writeScenario(manager, 6);
    const cut = Math.floor(Number(manager.highWatermark('t', 0)) / 2);
    assert.equal(manager.deleteRecords('t', 0, BigInt(cut)).errorCode, ErrorCode.NONE);
    const start = Number(manager.partitionState('t', 0)!.logStartOffset);
    checkEveryRead(manager, aborted.filter((txn) => txn.lastOffset >= start), 'after DeleteRecords');
  });
});
