/**
 * Benchmarks of the native log (issue 2): CRC-32C, append with flushing off and with group
 * commit, copy read and sendfile, each beside this machine's own limit measured in the same run
 * on the same filesystem. Prints a table and writes bench/results/log.json.
 *
 *   npm run bench            (about two minutes)
 *   FJORD_BENCH_DIR=/path    run on another filesystem (default: the system temp dir)
 *   FJORD_BENCH_SCALE=0.25   smaller volumes, for a quick look
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, fdatasyncSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { connect } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Bench } from 'tinybench';

import { crc32c, crc32cImplementation, GroupCommit, ioUringAvailable, PartitionLog, type ReadPlan } from '../src/native/index.ts';
import { crc32cJs } from './lib/crc32c-js.ts';

const here = dirname(fileURLToPath(import.meta.url));
const scale = Number(process.env.FJORD_BENCH_SCALE ?? 1);
const MiB = 1024 * 1024;
const root = mkdtempSync(join(process.env.FJORD_BENCH_DIR ?? tmpdir(), 'fjord-bench-'));
let runs = 0;
const freshDir = () => join(root, `run-${runs++}`);

interface Row {
  name: string;
  value: number;
  unit: string;
  reference?: { name: string; value: number };
  target?: string;
}
const rows: Row[] = [];

function record(row: Row): void {
  rows.push(row);
  const ratio = row.reference ? `  ${(row.value / row.reference.value).toFixed(2)}x ${row.reference.name} (${row.reference.value.toFixed(1)})` : '';
  console.log(`  ${row.name.padEnd(52)} ${row.value.toFixed(1).padStart(9)} ${row.unit}${ratio}`);
}

/** A valid v2 batch of about `bytes`, with records of ~1 KiB (or fewer bytes for small batches). */
function makeBatch(bytes: number): Buffer {
  const recordValueBytes = Math.min(1000, bytes - 80);
  const count = Math.max(1, Math.floor((bytes - 61) / (recordValueBytes + 12)));
  const records: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const value = Buffer.alloc(recordValueBytes, i);
    const body = Buffer.concat([Buffer.from([0, 0]), varint(i), Buffer.from([1]), varint(value.length), value, Buffer.from([0])]);
    records.push(varint(body.length), body);
  }
  const body = Buffer.concat(records);
  const header = Buffer.alloc(61);
  header.writeInt32BE(49 + body.length, 8);
  header.writeInt8(2, 16);
  header.writeInt32BE(count - 1, 23);
  header.writeBigInt64BE(BigInt(Date.now()), 27);
  header.writeBigInt64BE(BigInt(Date.now()), 35);
  header.writeBigInt64BE(-1n, 43);
  header.writeInt16BE(-1, 51);
  header.writeInt32BE(-1, 53);
  header.writeInt32BE(count, 57);
  const batch = Buffer.concat([header, body]);
  batch.writeUInt32BE(crc32c(batch.subarray(21)), 17);
  return batch;
}

function varint(value: number): Buffer {
  let v = value * 2;
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return Buffer.from(out);
}

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

/** Writes back dirty pages so that each measurement starts from the same state. */
function settle(): void {
  spawnSync('sync');
}

/** dd-like plain sequential write of `total` bytes in `chunk`-byte writes; fdatasync every `syncEvery` bytes. */
function plainWrite(total: number, chunk: number, syncEvery = Infinity): number {
  settle();
  const dir = freshDir();
  mkdirSync(dir);
  const fd = openSync(join(dir, 'plain'), 'w');
  const data = Buffer.alloc(chunk, 0xab);
  const start = process.hrtime.bigint();
  let sinceSync = 0;
  for (let written = 0; written < total; written += chunk) {
    writeSync(fd, data);
    sinceSync += chunk;
    if (sinceSync >= syncEvery) {
      fdatasyncSync(fd);
      sinceSync = 0;
    }
  }
  if (syncEvery !== Infinity && sinceSync > 0) fdatasyncSync(fd);
  const elapsed = seconds(start);
  closeSync(fd);
  rmSync(dir, { recursive: true });
  return total / MiB / elapsed;
}

function appendFlushOff(batchBytes: number, total: number): { mbps: number; batchesPerS: number; dir: string } {
  settle();
  const dir = freshDir();
  const log = PartitionLog.open(dir, { maxMessageBytes: 2 * MiB });
  const batch = makeBatch(batchBytes);
  const count = Math.ceil(total / batch.length);
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    batch.writeBigInt64BE(0n, 0); // a new request's batch: client base offset 0
    log.append(batch, 0);
  }
  const elapsed = seconds(start);
  log.close();
  return { mbps: (count * batch.length) / MiB / elapsed, batchesPerS: count / elapsed, dir };
}

async function appendGroupCommit(batchBytes: number, total: number, appenders: number) {
  settle();
  const dir = freshDir();
  const log = PartitionLog.open(dir, { maxMessageBytes: 2 * MiB });
  const commit = new GroupCommit();
  const batches = Array.from({ length: appenders }, () => makeBatch(batchBytes));
  const perAppender = Math.ceil(total / batches[0]!.length / appenders);
  const start = process.hrtime.bigint();
  await Promise.all(
    batches.map(async (batch) => {
      for (let i = 0; i < perAppender; i++) {
        batch.writeBigInt64BE(0n, 0);
        const { logEndOffset } = log.append(batch, 0);
        await commit.sync(log, logEndOffset);
      }
    }),
  );
  const elapsed = seconds(start);
  const bytes = perAppender * appenders * batches[0]!.length;
  const rounds = commit.rounds;
  const backend = commit.backend;
  commit.stop();
  log.close();
  rmSync(dir, { recursive: true });
  return { mbps: bytes / MiB / elapsed, batchesPerS: (perAppender * appenders) / elapsed, rounds, bytes, backend };
}

function plainRead(dir: string): number {
  // Read the segment files sequentially in 1 MiB reads.
  const fd = openSync(join(dir, '00000000000000000000.log'), 'r');
  const buffer = Buffer.alloc(MiB);
  let total = 0;
  const start = process.hrtime.bigint();
  for (;;) {
    const n = readSync(fd, buffer, 0, buffer.length, null);
    if (n === 0) break;
    total += n;
  }
  const elapsed = seconds(start);
  closeSync(fd);
  return total / MiB / elapsed;
}

/**
 * Reads the whole log in read plans of at most 1 MiB (as consecutive fetches would), handing
 * each plan to `deliver`; returns MB/s over the whole walk, delivery included.
 */
async function readWholeLog(dir: string, deliver: (plan: ReadPlan) => unknown | Promise<unknown>, finish: (total: number) => Promise<void> = async () => {}): Promise<number> {
  const log = PartitionLog.open(dir, { maxMessageBytes: 2 * MiB });
  let offset = log.logStartOffset;
  let total = 0;
  const start = process.hrtime.bigint();
  while (offset < log.logEndOffset) {
    const plan = log.read(offset, MiB, log.logEndOffset, true);
    await deliver(plan);
    total += plan.bytes;
    offset = plan.nextOffset;
  }
  await finish(total);
  const elapsed = seconds(start);
  log.close();
  return total / MiB / elapsed;
}

/** Starts the sink process and connects to it; `finish()` closes and checks the byte count. */
async function openSink(): Promise<{ fd: number; socket: import('node:net').Socket; finish: (expected: number) => Promise<void> }> {
  const sink = spawn(process.execPath, [join(here, 'lib/sink.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let pending = '';
  const nextLine = () =>
    new Promise<string>((resolve) => {
      const check = () => {
        if (lines.length > 0) return resolve(lines.shift()!);
        sink.stdout.once('data', (chunk: Buffer) => {
          pending += chunk.toString();
          const parts = pending.split('\n');
          pending = parts.pop() ?? '';
          lines.push(...parts);
          check();
        });
      };
      check();
    });
  const port = Number(await nextLine());
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  const fd = (socket as unknown as { _handle: { fd: number } })._handle.fd;
  const finish = async (expected: number) => {
    socket.end();
    const received = Number(await nextLine());
    if (received !== expected) throw new Error(`sink received ${received} of ${expected} bytes`);
  };
  return { fd, socket, finish };
}

/** Copy read plus Node's own socket.write: the reference for sendfile. */
async function socketWriteRead(dir: string): Promise<number> {
  const { socket, finish } = await openSink();
  return readWholeLog(
    dir,
    async (plan) => {
      if (!socket.write(plan.copy())) await new Promise((resolve) => socket.once('drain', resolve));
    },
    finish,
  );
}

async function sendfileRead(dir: string): Promise<number> {
  const { fd, finish } = await openSink();
  return readWholeLog(
    dir,
    async (plan) => {
      for (let sent = 0; ; ) {
        const progress = plan.sendTo(fd, sent);
        sent = progress.sent;
        if (progress.done) return;
        await new Promise((resolve) => setImmediate(resolve)); // socket full: let the sink drain
      }
    },
    finish,
  );
}

async function main(): Promise<void> {
  console.log(`fjord log benchmark: ${cpus()[0]?.model ?? '?'} x${cpus().length}, Node ${process.version}, dir ${root}`);
  console.log(`CRC-32C implementation: ${crc32cImplementation()}; io_uring available: ${ioUringAvailable()}\n`);

  console.log('CRC-32C (one core)');
  const bench = new Bench({ time: 500 * scale });
  const inputs = { '4 KiB': Buffer.alloc(4096, 7), '64 KiB': Buffer.alloc(64 * 1024, 7), '1 MiB': Buffer.alloc(MiB, 7) };
  for (const [name, data] of Object.entries(inputs)) {
    bench.add(`native ${name}`, () => crc32c(data));
    bench.add(`js ${name}`, () => crc32cJs(data));
  }
  await bench.run();
  for (const task of bench.tasks) {
    const result = task.result as { throughput?: { mean: number } };
    const bytes = inputs[task.name.replace(/^(native|js) /, '') as keyof typeof inputs].length;
    const gbps = ((result.throughput?.mean ?? 0) * bytes) / 1e9;
    const js = bench.tasks.find((t) => t.name === task.name.replace('native', 'js'));
    const jsGbps = (((js?.result as { throughput?: { mean: number } })?.throughput?.mean ?? 0) * bytes) / 1e9;
    if (task.name.startsWith('native')) {
      record({ name: `crc32c ${task.name}`, value: gbps, unit: 'GB/s', reference: { name: 'plain JS', value: jsGbps }, target: task.name.endsWith('1 MiB') ? '>= 8 GB/s' : undefined });
    }
  }

  console.log('\nAppend, flushing off (page cache), against a plain sequential write of the same volume in 1 MiB writes');
  const volumes: Record<string, number> = { '1 KiB': 256 * MiB * scale, '16 KiB': 512 * MiB * scale, '1 MiB': 1024 * MiB * scale };
  let readDir = '';
  for (const [name, total] of Object.entries(volumes)) {
    const bytes = name === '1 KiB' ? 1024 : name === '16 KiB' ? 16 * 1024 : MiB;
    // The machine's limit for the same volume, measured just before, from the same clean state.
    const plainMbps = plainWrite(total, MiB);
    const result = appendFlushOff(bytes, total);
    record({ name: `append ${name} batches, flush off`, value: result.mbps, unit: 'MB/s', reference: { name: 'plain write', value: plainMbps }, target: name === '1 MiB' ? '>= 0.8x plain write' : undefined });
    record({ name: `append ${name} batches, flush off`, value: result.batchesPerS, unit: 'batches/s' });
    if (name === '1 MiB') readDir = result.dir;
    else rmSync(result.dir, { recursive: true });
  }

  console.log('\nAppend with group commit (64 appenders, each waits for fsync), against a plain writer with the same fsync cadence');
  for (const [name, bytes, total] of [
    ['1 KiB', 1024, 16 * MiB * scale],
    ['16 KiB', 16 * 1024, 128 * MiB * scale],
    ['1 MiB', MiB, 512 * MiB * scale],
  ] as const) {
    const result = await appendGroupCommit(bytes, total, 64);
    const cadence = result.bytes / result.rounds;
    const plain = plainWrite(result.bytes, bytes, cadence);
    record({ name: `append ${name} x64 group commit (${result.backend})`, value: result.mbps, unit: 'MB/s', reference: { name: 'plain write+fdatasync', value: plain }, target: name === '16 KiB' ? '>= 0.8x plain write+fdatasync' : undefined });
    record({ name: `  ${(cadence / 1024).toFixed(0)} KiB per fsync round, ${result.rounds} rounds`, value: result.batchesPerS, unit: 'batches/s' });
  }

  console.log('\nRead 1 GiB of 1 MiB batches in 1 MiB fetches, against a plain sequential read (1 MiB reads)');
  const plainReadMbps = plainRead(readDir);
  record({ name: 'copy read (pread into a Buffer)', value: await readWholeLog(readDir, (plan) => plan.copy()), unit: 'MB/s', reference: { name: 'plain read', value: plainReadMbps } });
  const socketWriteMbps = await socketWriteRead(readDir);
  record({ name: 'copy read + socket.write to a loopback sink', value: socketWriteMbps, unit: 'MB/s', reference: { name: 'plain read', value: plainReadMbps } });
  record({ name: 'sendfile to the same loopback sink', value: await sendfileRead(readDir), unit: 'MB/s', reference: { name: 'copy + socket.write', value: socketWriteMbps } });

  console.log('\nio_uring against syscalls (native/fjord-log/examples/io_path.rs)');
  const ioPath = spawnSync('cargo', ['run', '--release', '-q', '-p', 'fjord-log', '--example', 'io_path', '--', root], { encoding: 'utf8', cwd: join(here, '..') });
  const io = ioPath.status === 0 ? (JSON.parse(ioPath.stdout.trim().split('\n').pop() ?? 'null') as unknown) : { error: ioPath.stderr };
  console.log(JSON.stringify(io, null, 1).replace(/\n\s*/g, ' ').replace(/\{ "case"/g, '\n  { "case"'));

  rmSync(root, { recursive: true, force: true });
  const out = join(here, 'results', 'log.json');
  writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), cpu: cpus()[0]?.model, cores: cpus().length, node: process.version, scale, crc32cImplementation: crc32cImplementation(), rows, ioPath: io }, null, 2) + '\n');
  console.log(`\nwrote ${out}`);
}

await main();
