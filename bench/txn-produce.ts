// Transactional produce against non-transactional produce, same client, on a fjord broker started
// fresh (and, with --with-kafka, on Apache Kafka 4.1.2 too, for reference: once as formatted by
// default, at transaction.version 2, and once formatted at transaction.version 1, fjord's protocol).
//
// bench/txn-java/TxnProduceBench.java (kafka-clients 4.1, compiled here into a temp directory) sends
// --records records of --record-bytes bytes round-robin over 4 partitions, after a warm-up of a fifth
// as many, in each mode:
//   transactional  100 records per transaction (begin, send 100, commitTransaction)
//   flushed        the default idempotent producer, flush() after every 100 records
//   streaming      the default idempotent producer, one flush() at the end
// Each mode runs --rounds times in turn (a fresh JVM and topic each time) and the median counts; a
// run whose records or markers are not all in the log afterwards fails the benchmark.
// Prints a table and writes bench/results/txn.json.
//
//   node_modules/.bin/node bench/txn-produce.ts [--records 500000] [--rounds 3] [--with-kafka] [--output bench/results/txn.json]
//
// Needs `.ci/install-clients` (kafka-clients in .cache/java/lib); --with-kafka also needs Kafka's jars
// (fetched by bench/e2e's prepareKafka into .cache/kafka). Every broker and client is killed on every
// path (normal end, error, SIGINT/SIGTERM).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { prepareKafka, repositoryRoot, startFjord, startKafka, type RunningBroker } from './e2e/brokers.ts';
import { describeProgramResult, killAllChildren, runProgram } from './e2e/processes.ts';

const { values: options } = parseArgs({
  options: {
    records: { type: 'string', default: '500000' },
    rounds: { type: 'string', default: '3' },
    'record-bytes': { type: 'string', default: '100' },
    'with-kafka': { type: 'boolean', default: false },
    output: { type: 'string', default: 'bench/results/txn.json' },
  },
});
const recordCount = Number(options.records);
const rounds = Number(options.rounds);
const recordBytes = Number(options['record-bytes']);
if (!(Number.isInteger(recordCount) && recordCount >= 1000 && recordCount <= 10_000_000)) throw new Error('--records must be an integer in [1000, 10000000]');
if (!(Number.isInteger(rounds) && rounds >= 1 && rounds <= 9)) throw new Error('--rounds must be an integer in [1, 9]');
if (!(Number.isInteger(recordBytes) && recordBytes >= 1 && recordBytes <= 1_000_000)) throw new Error('--record-bytes must be an integer in [1, 1000000]');
const outputPath = resolve(repositoryRoot, options.output);

const recordsPerTransaction = 100;
const partitionCount = 4;
const modes = ['transactional', 'flushed', 'streaming'] as const;
type Mode = (typeof modes)[number];
/** A client run may take this long before it is killed. */
const clientTimeoutMs = 600_000;

const javaLibDir = join(repositoryRoot, '.cache/java/lib');
const benchSource = join(repositoryRoot, 'bench/txn-java/TxnProduceBench.java');

type RunFigures = { mode: Mode; records: number; transactions: number; elapsedMs: number; recordsPerSecond: number };

process.on('exit', killAllChildren);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killAllChildren();
    process.exit(130);
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function compile(classesDir: string): void {
  if (!existsSync(join(javaLibDir, 'kafka-clients-4.1.2.jar'))) throw new Error('kafka-clients 4.1.2 is missing from .cache/java/lib: run .ci/install-clients');
  const result = spawnSync('javac', ['-d', classesDir, '-cp', `${javaLibDir}/*`, benchSource], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`javac failed:\n${result.stdout}${result.stderr}`);
}

async function runMode(broker: RunningBroker, classesDir: string, mode: Mode, round: number): Promise<RunFigures> {
  const topic = `txn-bench-${mode}-${round}`;
  const argumentList = [
    '-Xmx512M',
    '-XX:+UseG1GC',
    '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
    '-cp',
    `${classesDir}:${javaLibDir}/*`,
    'TxnProduceBench',
    broker.bootstrap,
    topic,
    String(partitionCount),
    mode,
    String(recordCount),
    String(recordsPerTransaction),
    String(recordBytes),
  ];
  const result = await runProgram('java', argumentList, { timeoutMs: clientTimeoutMs });
  const line = result.stdout.split('\n').find((candidate) => candidate.startsWith('{"mode"'));
  if (result.code !== 0 || line === undefined) throw new Error(`${mode} on ${broker.name} failed: ${describeProgramResult(result)}\n--- broker output\n${broker.outputTail().slice(-4000)}`);
  return JSON.parse(line) as RunFigures;
}

type BrokerFigures = { description: string; runs: RunFigures[]; medianRecordsPerSecond: Record<Mode, number> };

/** `kafka`: Kafka as formatted by default (transaction.version 2); `kafka-tv1`: formatted at transaction.version 1, fjord's protocol. */
async function benchBroker(name: 'fjord' | 'kafka' | 'kafka-tv1', classesDir: string, workDir: string): Promise<BrokerFigures> {
  const directory = join(workDir, name);
  mkdirSync(directory, { recursive: true });
  const broker =
    name === 'fjord' ? await startFjord(directory) : await startKafka(directory, { features: name === 'kafka-tv1' ? ['transaction.version=1'] : [] });
  try {
    const runs: RunFigures[] = [];
    for (let round = 1; round <= rounds; round += 1) {
      for (const mode of modes) {
        const figures = await runMode(broker, classesDir, mode, round);
        console.log(`${name} round ${round} ${mode.padEnd(13)} ${figures.recordsPerSecond.toFixed(0).padStart(9)} records/s (${figures.elapsedMs.toFixed(0)} ms)`);
        runs.push(figures);
      }
    }
    const medianRecordsPerSecond = Object.fromEntries(modes.map((mode) => [mode, median(runs.filter((run) => run.mode === mode).map((run) => run.recordsPerSecond))])) as Record<Mode, number>;
    return { description: broker.description, runs, medianRecordsPerSecond };
  } finally {
    await broker.stop();
  }
}

const workDir = mkdtempSync(join(tmpdir(), 'fjord-txn-bench-'));
try {
  const classesDir = join(workDir, 'classes');
  mkdirSync(classesDir);
  compile(classesDir);
  const loadAverageAtStart = loadavg().map((value) => value.toFixed(2)).join(', ');
  const results: Record<string, BrokerFigures> = {};
  if (options['with-kafka']) {
    await prepareKafka((line) => console.log(line));
    results.kafka = await benchBroker('kafka', classesDir, workDir);
    results['kafka-tv1'] = await benchBroker('kafka-tv1', classesDir, workDir);
  }
  results.fjord = await benchBroker('fjord', classesDir, workDir);

  console.log(`\nmedian records/s (${recordCount} records of ${recordBytes} bytes, ${recordsPerTransaction} per transaction, ${partitionCount} partitions, ${rounds} rounds)`);
  console.log(`${'broker'.padEnd(10)}${modes.map((mode) => mode.padStart(15)).join('')}${'txn/flushed'.padStart(13)}${'txn/streaming'.padStart(15)}`);
  for (const [name, figures] of Object.entries(results)) {
    const rate = figures.medianRecordsPerSecond;
    console.log(`${name.padEnd(10)}${modes.map((mode) => rate[mode].toFixed(0).padStart(15)).join('')}${(rate.transactional / rate.flushed).toFixed(2).padStart(13)}${(rate.transactional / rate.streaming).toFixed(2).padStart(15)}`);
  }

  const java = spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr.split('\n')[0] ?? 'unknown';
  const report = {
    benchmark: 'txn-produce',
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      java,
      loadAverageAtStart,
      loadAverageAtEnd: loadavg().map((value) => value.toFixed(2)).join(', '),
    },
    setup: {
      client: 'bench/txn-java/TxnProduceBench: one KafkaProducer 4.1.2 with default settings (idempotent, acks=all, linger.ms=5, batch.size=16384), records round-robin over the partitions; JVM -Xmx512M G1',
      modes: {
        transactional: `transactional.id set; beginTransaction, ${recordsPerTransaction} sends, commitTransaction`,
        flushed: `no transactional.id; flush() after every ${recordsPerTransaction} records`,
        streaming: 'no transactional.id; one flush() at the end',
      },
      records: recordCount,
      recordBytes,
      recordsPerTransaction,
      partitions: partitionCount,
      warmUp: 'a fifth of the records in the same producer before the measured run',
      verification: 'after each run ListOffsets (read_committed and read_uncommitted) must show every record plus one commit marker per partition per transaction, and no open transaction',
      rounds,
      protocols:
        'fjord serves the classic transaction protocol (transaction.version 1, KIP-890 part 1); Kafka formatted without --feature finalizes transaction.version 2 (KIP-890 part 2), which the 4.1 client then uses ("kafka"); "kafka-tv1" is Kafka formatted with --feature transaction.version=1, the same protocol as fjord',
    },
    results,
  };
  mkdirSync(dirname(outputPath), { recursive: true });
  writeFileSync(outputPath, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwrote ${outputPath}`);
} finally {
  killAllChildren();
  rmSync(workDir, { recursive: true, force: true, maxRetries: 5 });
}
