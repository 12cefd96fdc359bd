import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

import { LogManager } from '../../../src/log/log-manager.ts';
import { incrementSequence } from '../../../src/log/producer-state.ts';
import { crc32c } from '../../../src/native/index.ts';
import { ErrorCode } from '../../../src/protocol/error-codes.ts';
import { logManagerFixture, topicRecord } from '../../helpers/log-manager-fixture.ts';
import { idempotentBatch, simpleBatch } from '../../helpers/record-batches.ts';

const { temporaryDirectory, openManager, closeManager } = logManagerFixture('fjord-producer-');

const client = { requiredAcks: -1, isFromClient: true };

async function produce(manager: LogManager, batch: Buffer): Promise<{ errorCode: number; baseOffset: bigint }> {
  const { errorCode, baseOffset } = await manager.append('t', 0, batch, client);
  return { errorCode, baseOffset };
}

describe('idempotent producer state', () => {
  it('answers a retried batch with its original offset and writes nothing', async () => {
    const dir = await temporaryDirectory();
    const manager = await openManager(dir, topicRecord('t'));
    assert.deepEqual(await produce(manager, idempotentBatch(1n, 0, 0, 3)), { errorCode: 0, baseOffset: 0n });
    assert.deepEqual(await produce(manager, idempotentBatch(1n, 0, 3, 2)), { errorCode: 0, baseOffset: 3n });
    assert.deepEqual(await produce(manager, idempotentBatch(1n, 0, 0, 3)), { errorCode: 0, baseOffset: 0n }, 'retry of the first batch');
    assert.deepEqual(await produce(manager, idempotentBatch(1n, 0, 3, 2)), { errorCode: 0, baseOffset: 3n }, 'retry of the second batch');
    assert.equal(manager.highWatermark('t', 0), 5n, 'retries wrote nothing');
    // Another producer's sequences are its own.
    assert.deepEqual(await produce(manager, idempotentBatch(2n, 0, 0, 3)), { errorCode: 0, baseOffset: 5n });
  });

  it('rejects sequence gaps, stale epochs and a new epoch not starting at 0', async () => {
    const dir = await temporaryDirectory();
    const manager = await openManager(dir, topicRecord('t'));
    await produce(manager, idempotentBatch(1n, 2, 0, 3));
    assert.equal((await produce(manager, idempotentBatch(1n, 2, 5, 1))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, 'gap');
    assert.equal((await produce(manager, idempotentBatch(1n, 2, 1, 2))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, 'overlap that is no retry');
    assert.equal((await produce(manager, idempotentBatch(1n, 1, 3, 1))).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH, 'older epoch');
    assert.equal((await produce(manager, idempotentBatch(1n, 3, 3, 1))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, 'new epoch at 3');
    assert.equal(manager.highWatermark('t', 0), 3n, 'rejected batches wrote nothing');
    assert.deepEqual(await produce(manager, idempotentBatch(1n, 3, 0, 1)), { errorCode: 0, baseOffset: 3n }, 'new epoch at 0');
    assert.equal((await produce(manager, idempotentBatch(1n, 2, 3, 1))).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH, 'the old epoch is fenced');
    assert.deepEqual(await produce(manager, idempotentBatch(1n, 3, 1, 1)), { errorCode: 0, baseOffset: 4n });
  });

  it('accepts an unknown producer at any sequence (Kafka 4.x), and remembers only five batches', async () => {
    const dir = await temporaryDirectory();
    const manager = await openManager(dir, topicRecord('t'));
    assert.deepEqual(await produce(manager, idempotentBatch(9n, 0, 100, 1)), { errorCode: 0, baseOffset: 0n });
    for (let i = 1; i <= 5; i++) await produce(manager, idempotentBatch(9n, 0, 100 + i, 1));
    assert.deepEqual(await produce(manager, idempotentBatch(9n, 0, 101, 1)), { errorCode: 0, baseOffset: 1n }, 'fifth newest is a duplicate');
    assert.equal((await produce(manager, idempotentBatch(9n, 0, 100, 1))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, 'sixth newest is forgotten');
  });

  it('wraps sequences after Int32.MAX', async () => {
    assert.equal(incrementSequence(0x7fff_fffe, 2), 0);
    assert.equal(incrementSequence(5, 2), 7);
    const dir = await temporaryDirectory();
    const manager = await openManager(dir, topicRecord('t'));
    await produce(manager, idempotentBatch(1n, 0, 0x7fff_fffd, 2));
    assert.deepEqual(await produce(manager, idempotentBatch(1n, 0, 0x7fff_ffff, 3)), { errorCode: 0, baseOffset: 2n }, 'batch spanning the wrap');
    assert.deepEqual(await produce(manager, idempotentBatch(1n, 0, 2, 1)), { errorCode: 0, baseOffset: 5n }, 'continues after the wrap');
    assert.deepEqual(await produce(manager, idempotentBatch(1n, 0, 0x7fff_ffff, 3)), { errorCode: 0, baseOffset: 2n }, 'the wrapped batch is recognised on retry');
  });

  it('checks every batch of an append before writing any (all or nothing)', async () => {
    const dir = await temporaryDirectory();
    const manager = await openManager(dir, topicRecord('t'));
    await produce(manager, idempotentBatch(1n, 0, 0, 1));
    const mixed = Buffer.concat([idempotentBatch(1n, 0, 1, 1), simpleBatch(1, 10, 1000), idempotentBatch(1n, 0, 7, 1)]);
    assert.equal((await produce(manager, mixed)).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.equal(manager.highWatermark('t', 0), 1n);
    const good = Buffer.concat([idempotentBatch(1n, 0, 1, 1), simpleBatch(1, 10, 1000), idempotentBatch(1n, 0, 2, 2)]);
    assert.deepEqual(await produce(manager, good), { errorCode: 0, baseOffset: 1n });
    assert.deepEqual(await produce(manager, idempotentBatch(1n, 0, 2, 2)), { errorCode: 0, baseOffset: 3n }, 'offsets of a later batch in the append were recorded');
    const corruptRetry = idempotentBatch(1n, 0, 2, 2);
    corruptRetry[corruptRetry.length - 1]! ^= 0xff;
    assert.equal((await produce(manager, corruptRetry)).errorCode, ErrorCode.CORRUPT_MESSAGE, 'a corrupt batch is corrupt even when it looks like a retry');
  });

  it('keeps deduplicating across a clean restart (snapshot) and a restart without one (log tail)', async () => {
    const dir = await temporaryDirectory();
    const topic = topicRecord('t');
    const first = await openManager(dir, topic);
    for (let sequence = 0; sequence < 30; sequence += 3) await produce(first, idempotentBatch(4n, 1, sequence, 3));
    await first.close();
    const partitionDir = join(dir, 't-0');
    assert.ok(readdirSync(partitionDir).includes('00000000000000000030.snapshot'), 'close wrote a snapshot at the log end');

    const second = await openManager(dir, topic);
    assert.deepEqual(await produce(second, idempotentBatch(4n, 1, 27, 3)), { errorCode: 0, baseOffset: 27n });
    assert.equal((await produce(second, idempotentBatch(4n, 1, 31, 1))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.equal((await produce(second, idempotentBatch(4n, 0, 30, 1))).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    await second.close();

    for (const name of readdirSync(partitionDir)) if (name.endsWith('.snapshot')) rmSync(join(partitionDir, name));
    const third = await openManager(dir, topic);
    assert.equal(third.producerCount('t', 0), 1, 'rebuilt from the log');
    assert.deepEqual(await produce(third, idempotentBatch(4n, 1, 24, 3)), { errorCode: 0, baseOffset: 24n });
    assert.deepEqual(await produce(third, idempotentBatch(4n, 1, 30, 3)), { errorCode: 0, baseOffset: 30n });
  });

  it('discards a damaged snapshot and one past the log end (as a machine crash can leave), rebuilding from the log', async () => {
    const dir = await temporaryDirectory();
    const topic = topicRecord('t');
    const first = await openManager(dir, topic);
    for (let sequence = 0; sequence < 15; sequence += 3) await produce(first, idempotentBatch(6n, 0, sequence, 3));
    await closeManager(first);
    const partitionDir = join(dir, 't-0');
    const valid = readFileSync(join(partitionDir, '00000000000000000015.snapshot'));
    // A snapshot claiming offset 99 past the log end, and a damaged one at the log end.
    const future = Buffer.from(valid);
    future.writeBigInt64BE(99n, 10);
    future.writeUInt32BE(crc32c(future.subarray(10)), 6);
    writeFileSync(join(partitionDir, '00000000000000000099.snapshot'), future);
    const damaged = Buffer.from(valid);
    damaged[damaged.length - 1]! ^= 0xff;
    writeFileSync(join(partitionDir, '00000000000000000015.snapshot'), damaged);
    const reopened = await openManager(dir, topic);
    const left = readdirSync(partitionDir).filter((name) => name.endsWith('.snapshot'));
    assert.deepEqual(left, [], 'both bad snapshots were deleted');
    assert.deepEqual(await produce(reopened, idempotentBatch(6n, 0, 12, 3)), { errorCode: 0, baseOffset: 12n }, 'rebuilt from the log');
    assert.equal((await produce(reopened, idempotentBatch(6n, 0, 16, 1))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  });

  it('skips sequence checks for appends that do not come from a client, but still records them', async () => {
    const dir = await temporaryDirectory();
    const manager = await openManager(dir, topicRecord('t'));
    const internal = { requiredAcks: -1, isFromClient: false };
    assert.equal((await manager.append('t', 0, idempotentBatch(3n, 0, 0, 1), internal)).errorCode, 0);
    assert.equal((await manager.append('t', 0, idempotentBatch(3n, 0, 10, 1), internal)).errorCode, 0, 'a gap is not checked');
    assert.equal((await manager.append('t', 0, idempotentBatch(3n, 0, 10, 1), internal)).baseOffset, 2n, 'nor is a duplicate looked up');
    assert.equal((await produce(manager, idempotentBatch(3n, 0, 12, 1))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, 'clients are checked against it');
    assert.equal((await produce(manager, idempotentBatch(3n, 0, 11, 1))).errorCode, 0);
  });

  it('writes a snapshot when a segment rolls and rebuilds from it plus the tail after it', async () => {
    const dir = await temporaryDirectory();
    const topic = topicRecord('t');
    const manager = await openManager(dir, topic, { segmentBytes: 1024 });
    for (let sequence = 0; sequence < 60; sequence += 3) await produce(manager, idempotentBatch(5n, 0, sequence, 3));
    const snapshots = readdirSync(join(dir, 't-0')).filter((name) => name.endsWith('.snapshot'));
    assert.ok(snapshots.length > 0 && snapshots.length <= 2, `rolls wrote snapshots, two kept (${snapshots.join(', ')})`);
    // Forget the close-time snapshot to force a rebuild from a roll snapshot plus the tail.
    await closeManager(manager);
    rmSync(join(dir, 't-0', '00000000000000000060.snapshot'));
    const reopened = await openManager(dir, topic, { segmentBytes: 1024 });
    assert.deepEqual(await produce(reopened, idempotentBatch(5n, 0, 57, 3)), { errorCode: 0, baseOffset: 57n });
    assert.deepEqual(await produce(reopened, idempotentBatch(5n, 0, 60, 3)), { errorCode: 0, baseOffset: 60n });
  });

  it('drops producers whose batches DeleteRecords removed, and expires idle producers', async () => {
    const dir = await temporaryDirectory();
    let nowMs = Date.now();
    const manager = await openManager(dir, topicRecord('t'), {}, { now: () => nowMs, producerIdExpirationMs: 60_000 });
    await produce(manager, idempotentBatch(1n, 0, 0, 2, nowMs));
    await produce(manager, idempotentBatch(2n, 0, 0, 2, nowMs));
    assert.equal(manager.producerCount('t', 0), 2);
    manager.deleteRecords('t', 0, 2n);
    assert.equal(manager.producerCount('t', 0), 1, 'producer 1 had no batch left');
    assert.deepEqual(await produce(manager, idempotentBatch(1n, 0, 50, 1, nowMs)), { errorCode: 0, baseOffset: 4n }, 'and is accepted at any sequence');
    nowMs += 61_000;
    manager.runMaintenance();
    assert.equal(manager.producerCount('t', 0), 0, 'idle producers expired');
    assert.deepEqual(await produce(manager, idempotentBatch(2n, 0, 9, 1, nowMs)), { errorCode: 0, baseOffset: 5n });
  });

  it('keeps deduplicating after kill -9 of the appending process', async () => {
    const dir = await temporaryDirectory();
    const topic = topicRecord('t');
    const child = spawn(process.execPath, [fileURLToPath(new URL('./idempotent-producer-child.ts', import.meta.url)), dir, JSON.stringify(topic)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const acknowledged: Array<{ sequence: number; baseOffset: bigint }> = [];
    let exited = false;
    try {
      await new Promise<void>((resolve, reject) => {
        let pending = '';
        child.stdout.on('data', (chunk: Buffer) => {
          pending += chunk.toString();
          const lines = pending.split('\n');
          pending = lines.pop()!;
          for (const line of lines) {
            const [sequence, baseOffset] = line.split(' ');
            acknowledged.push({ sequence: Number(sequence), baseOffset: BigInt(baseOffset!) });
          }
          if (acknowledged.length >= 400) {
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
    const last = acknowledged.at(-1)!;
    const highWatermark = manager.highWatermark('t', 0)!;
    assert.ok(highWatermark >= last.baseOffset + 3n, 'every acknowledged append survived');
    assert.deepEqual(await produce(manager, idempotentBatch(7n, 0, last.sequence, 3)), { errorCode: 0, baseOffset: last.baseOffset }, 'the last acknowledged batch is a duplicate');
    const older = acknowledged.at(-3)!;
    assert.deepEqual(await produce(manager, idempotentBatch(7n, 0, older.sequence, 3)), { errorCode: 0, baseOffset: older.baseOffset });
    assert.equal(manager.highWatermark('t', 0), highWatermark, 'retries after the crash wrote nothing');
    // The child may have written one more batch than it printed; the next new sequence follows the log.
    const nextSequence = Number(highWatermark);
    assert.deepEqual(await produce(manager, idempotentBatch(7n, 0, nextSequence, 3)), { errorCode: 0, baseOffset: highWatermark });
    assert.equal((await produce(manager, idempotentBatch(7n, 0, nextSequence + 30, 3))).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  });
});
