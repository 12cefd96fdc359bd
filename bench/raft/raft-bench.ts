// Raft controller benchmark: 3 controller processes on loopback, file storage with fsync, TCP
// between them, proposals over the controllers' HTTP test API.
//   - commits/s and commit latency (p50, p99) with 1 and with 32 proposers in a closed loop;
//   - failover: time from kill -9 of the leader to the first proposal committed by a new leader.
// Prints a table and writes bench/results/raft.json.
//
//   node bench/raft/raft-bench.ts [--seconds 5] [--failovers 3]

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';

import { ProposalLoad } from '../../test/fault/raft/load.ts';
import { ProcessCluster, sleep } from '../../test/fault/raft/process-cluster.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, failovers: { type: 'string', default: '3' } } });
const seconds = Number(values.seconds);
const failoverRounds = Number(values.failovers);
const timing = { tickMs: 10, electionTicks: 10, heartbeatTicks: 2 };

function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
}

interface ThroughputRow {
  readonly proposers: number;
  readonly commitsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly commits: number;
}

async function measureThroughput(cluster: ProcessCluster, proposers: number): Promise<ThroughputRow> {
  const load = new ProposalLoad(cluster, proposers, `bench${proposers}`, 5000);
  load.start();
  await sleep(1000);
  const from = performance.now();
  await sleep(seconds * 1000);
  const to = performance.now();
  await load.stop();
  const window = load.acknowledgements.filter((ack) => ack.at >= from && ack.at < to);
  const latencies = window.map((ack) => ack.latencyMs).sort((a, b) => a - b);
  return {
    proposers,
    commitsPerSecond: Math.round(window.length / ((to - from) / 1000)),
    p50Ms: Number(percentile(latencies, 0.5).toFixed(2)),
    p99Ms: Number(percentile(latencies, 0.99).toFixed(2)),
    commits: window.length,
  };
}

async function measureFailover(cluster: ProcessCluster, round: number): Promise<number> {
  const leader = await cluster.waitForLeader();
  const killedAt = performance.now();
  await cluster.kill(leader);
  let attempt = 0;
  for (;;) {
    for (const id of cluster.ids) {
      if (!cluster.isRunning(id)) continue;
      try {
        const reply = await cluster.propose(id, `failover-${round}-${attempt++}`, 300);
        if (reply.ok) {
          const elapsed = performance.now() - killedAt;
          await cluster.launch(leader);
          await sleep(1000);
          return elapsed;
        }
      } catch {
        // Not reachable or timed out: try the next one.
      }
    }
    await sleep(2);
    if (performance.now() - killedAt > 30_000) throw new Error('no new leader committed within 30 s');
  }
}

const cluster = await ProcessCluster.start(3, timing);
try {
  await cluster.waitForLeader();
  const throughput = [await measureThroughput(cluster, 1), await measureThroughput(cluster, 32)];
  const failovers: number[] = [];
  for (let round = 0; round < failoverRounds; round++) failovers.push(await measureFailover(cluster, round));
  const sortedFailovers = [...failovers].sort((a, b) => a - b);
  const result = {
    benchmark: 'raft-controllers',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
    setup: {
      controllers: 3,
      transport: 'TCP loopback, fjord binary framing',
      storage: 'WAL with fdatasync before acknowledging (one per ready: group commit)',
      client: 'HTTP/1.1 keep-alive test API, one request in flight per proposer',
      tickMs: timing.tickMs,
      electionTimeoutMs: [timing.tickMs * timing.electionTicks, 2 * timing.tickMs * timing.electionTicks],
      heartbeatMs: timing.tickMs * timing.heartbeatTicks,
      measuredSeconds: seconds,
    },
    throughput,
    failoverMs: {
      rounds: failovers.map((ms) => Math.round(ms)),
      median: Math.round(percentile(sortedFailovers, 0.5)),
      max: Math.round(sortedFailovers.at(-1) ?? Number.NaN),
    },
  };
  console.log('\nRaft, 3 controllers on loopback, fsync on every ready');
  console.log('| proposers | commits/s | p50 latency | p99 latency |');
  console.log('|---:|---:|---:|---:|');
  for (const row of throughput) console.log(`| ${row.proposers} | ${row.commitsPerSecond} | ${row.p50Ms} ms | ${row.p99Ms} ms |`);
  console.log(`\nkill -9 leader → new leader commits: ${result.failoverMs.rounds.join(', ')} ms (median ${result.failoverMs.median} ms; election timeout ${result.setup.electionTimeoutMs.join('–')} ms)`);
  mkdirSync(new URL('../results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('../results/raft.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
  console.log('wrote bench/results/raft.json');
} finally {
  await cluster.close();
}
