import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';

import { crc32c, crc32cImplementation, GroupCommit, NativeLogError, PartitionLog } from '../../../src/native/index.ts';
import { simpleBatch, splitBatches } from '../../helpers/record-batches.ts';

const root = mkdtempSync(join(tmpdir(), 'fjord-native-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(root, `p${dirs++}`);
const NOW = 1_700_000_000_000;

describe('native partition log', () => {
  it('computes CRC-32C in hardware', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
    assert.equal(crc32c(Buffer.from('56789'), crc32c(Buffer.from('1234'))), 0xe3069283);
    assert.match(crc32cImplementation(), /sse4\.2|aarch64|portable/);
  });

  it('appends batches, assigns offsets in the caller buffer, and reads them back', () => {
    const log = PartitionLog.open(freshDir(), {}, NOW);
    const first = simpleBatch(3, 20, NOW);
    assert.deepEqual(log.append(first, 5, NOW), { baseOffset: 0, lastOffset: 2, logAppendTime: -1, logEndOffset: 3 });
    assert.equal(first.readBigInt64BE(0), 0n);
    const two = Buffer.concat([simpleBatch(2, 20, NOW), simpleBatch(4, 20, NOW)]);
    assert.equal(log.append(two, 5, NOW).baseOffset, 3);
    assert.equal(two.readBigInt64BE(0), 3n, 'offset written in place');
    const plan = log.read(4, 1_000_000, log.logEndOffset, true);
    const batches = splitBatches(plan.copy());
    assert.deepEqual(batches.map((b) => b.baseOffset), [3, 5]);
    assert.equal(plan.nextOffset, 9);
    assert.equal(log.read(9, 100, 9, true).bytes, 0);
    log.close();
  });

  it('maps validation failures to Kafka error codes', () => {
    const log = PartitionLog.open(freshDir(), { maxMessageBytes: 500 }, NOW);
    const corrupt = simpleBatch(1, 10, NOW);
    corrupt[corrupt.length - 1]! ^= 0xff;
    assert.throws(() => log.append(corrupt, 0, NOW), (e: unknown) => e instanceof NativeLogError && e.kafkaCode === 2);
    assert.throws(() => log.append(simpleBatch(1, 600, NOW), 0, NOW), (e: unknown) => e instanceof NativeLogError && e.kafkaName === 'MESSAGE_TOO_LARGE');
    assert.throws(() => log.read(1, 100, 1, true), (e: unknown) => e instanceof NativeLogError && e.kafkaCode === 1);
    assert.throws(() => PartitionLog.open(freshDir(), { messageTimestampType: 'Sometimes' }), (e: unknown) => e instanceof NativeLogError && e.kafkaName === 'INVALID_CONFIG');
    assert.equal(log.logEndOffset, 0);
    log.close();
  });

  it('answers offsets by timestamp and the max timestamp', () => {
    const log = PartitionLog.open(freshDir(), {}, NOW);
    log.append(simpleBatch(3, 10, NOW + 100), 0, NOW); // offsets 0-2, ts 100-102
    log.append(simpleBatch(3, 10, NOW + 50), 0, NOW); // offsets 3-5, ts 50-52
    log.append(simpleBatch(3, 10, NOW + 200), 0, NOW); // offsets 6-8, ts 200-202
    assert.deepEqual(log.offsetForTimestamp(NOW + 101), { offset: 1, timestamp: NOW + 101 });
    assert.deepEqual(log.offsetForTimestamp(NOW + 103), { offset: 6, timestamp: NOW + 200 });
    assert.equal(log.offsetForTimestamp(NOW + 500), null);
    assert.deepEqual(log.offsetOfMaxTimestamp(), { offset: 8, timestamp: NOW + 202 });
    log.close();
  });

  it('group commit makes 64 concurrent appenders durable with shared fsyncs', async () => {
    const commit = new GroupCommit();
    try {
      const log = PartitionLog.open(freshDir(), {}, NOW);
      const waits: Promise<void>[] = [];
      for (let i = 0; i < 64; i++) {
        log.append(simpleBatch(2, 1024, NOW), 0, NOW);
        waits.push(commit.sync(log));
      }
      await Promise.all(waits);
      assert.equal(log.recoveryPoint, log.logEndOffset);
      assert.equal(commit.pending, 0);
      await commit.sync(log); // nothing left to sync: resolves at once
      log.close();
    } finally {
      commit.stop();
    }
  });

  it('sends a read plan to a TCP socket with sendfile', async () => {
    const log = PartitionLog.open(freshDir(), { segmentBytes: 64 * 1024 }, NOW);
    for (let i = 0; i < 200; i++) log.append(simpleBatch(4, 1000, NOW + i), 0, NOW);
    const plan = log.read(0, 10_000_000, log.logEndOffset, true);
    assert.ok(plan.regionCount > 1, 'crosses segments');
    const expected = plan.copy();
    const received: Buffer[] = [];
    const server = createServer((socket) => socket.on('data', (chunk) => received.push(chunk)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    assert.ok(address !== null && typeof address === 'object');
    const client: Socket = connect(address.port, '127.0.0.1');
    await new Promise<void>((resolve) => client.once('connect', resolve));
    const fd = (client as unknown as { _handle: { fd: number } })._handle.fd;
    assert.ok(fd > 0);
    let sent = 0;
    let blocked = 0;
    while (true) {
      const progress = plan.sendTo(fd, sent);
      sent = progress.sent;
      if (progress.done) break;
      blocked++;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    client.end();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    assert.equal(sent, plan.bytes);
    assert.ok(Buffer.concat(received).equals(expected), `received ${Buffer.concat(received).length} of ${expected.length} bytes (blocked ${blocked} times)`);
    log.close();
  });

  it('keeps every acknowledged append across kill -9 of the writing process', async () => {
    const dir = freshDir();
    const child = spawn(process.execPath, [fileURLToPath(new URL('../../helpers/append-forever.ts', import.meta.url)), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let acknowledged = -1;
    let buffered = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) acknowledged = Number(line);
        if (acknowledged >= 2000) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.once('exit', (code) => (acknowledged < 2000 ? reject(new Error(`child exited early: ${code}`)) : undefined));
    });
    await new Promise((resolve) => child.once('exit', resolve));
    const log = PartitionLog.open(dir, { segmentBytes: 256 * 1024 });
    assert.equal(log.openResult.clean, false);
    assert.ok(log.logEndOffset >= acknowledged, `log end ${log.logEndOffset} covers acknowledged ${acknowledged}`);
    const batches = splitBatches(log.read(0, 1 << 30, log.logEndOffset, true).copy());
    batches.forEach((batch, i) => assert.equal(batch.baseOffset, i * 3));
    log.close();
  });
});
