// End-to-end benchmark: fjord beside Apache Kafka 4.1, in the same run, driven by Kafka's own perf
// tools (org.apache.kafka:kafka-tools 4.1 from Maven Central).
//
// For every workload (100-byte and 1 KiB records, 1 and 16 partitions, acks=1 and acks=all), on each
// broker in turn (Kafka, then fjord, so load from the rest of the machine hits both alike):
//   - the topic is created with the Admin API (BenchClient create-topics);
//   - ProducerPerformance sends N records at unlimited throughput with the producer's defaults but
//     acks: records/s, MB/s, latency p50/p99/p99.9 (its whole-millisecond figures);
//   - the same N records are read back by BenchClient's assign() consumer (no consumer group, since
//     fjord has none yet; the same program for both brokers): records/s and MB/s;
//   - the broker's resident memory is sampled (VmRSS of the process tree every 250 ms, and VmHWM).
// N is calibrated once per record size so that a run takes about --target-seconds on the slower
// broker: two pilot ProducerPerformance runs on each broker (the first warms both up, the second
// gives the rate). A pilot's rate includes the producer's ramp-up, so the measured runs of the
// slower broker take somewhat less than the target (about 6 s of 10 seen here).
// ConsumerPerformance (which needs a consumer group) is run once per broker to show whether the
// stock consumer perf tool works.
//
// Prints a table (fjord, Kafka, fjord/Kafka) and writes bench/results/e2e.json.
//
//   npm run bench:e2e [-- --target-seconds 10] [-- --output bench/results/e2e.json] [-- --keep]
//
// Both brokers and every client are killed on every path (normal end, error, SIGINT/SIGTERM).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { kafkaHeapOptions, kafkaVersion, prepareKafka, repositoryRoot, startFjord, startKafka, type BrokerName, type RunningBroker } from './brokers.ts';
import { killAllChildren, MemorySampler } from './processes.ts';
import {
  createTopics,
  isFailure,
  probeConsumerPerformance,
  runAssignConsumer,
  runProducerPerformance,
  type ConsumeFigures,
  type ConsumerPerformanceProbe,
  type ProduceFigures,
  type StepFailure,
} from './tools.ts';

const { values: options } = parseArgs({
  options: {
    'target-seconds': { type: 'string', default: '10' },
    output: { type: 'string', default: 'bench/results/e2e.json' },
    keep: { type: 'boolean', default: false },
  },
});
const targetSeconds = Number(options['target-seconds']);
if (!(targetSeconds > 0 && targetSeconds <= 60)) throw new Error('--target-seconds must be in (0, 60]');
const outputPath = resolve(repositoryRoot, options.output);

/** Pilot run sizes per record size: long enough to warm the JIT, short on a slow broker. */
const pilotRecords: Record<number, number> = { 100: 300_000, 1024: 60_000 };
/** Bounds on the calibrated records per run. */
const recordsPerRunMin = 20_000;
const recordsPerRunMax = 20_000_000;
const memorySampleIntervalMs = 250;
const consumeTimeoutMs = 120_000;
const produceTimeoutMs = Math.max(120_000, targetSeconds * 20_000);
const brokerNames: readonly BrokerName[] = ['kafka', 'fjord'];
const mebibyte = 1024 * 1024;

type Workload = { name: string; topic: string; recordBytes: number; partitions: number; acks: '1' | 'all' };

const workloads: Workload[] = [];
for (const recordBytes of [100, 1024]) {
  for (const partitions of [1, 16]) {
    for (const acks of ['1', 'all'] as const) {
      const size = recordBytes === 1024 ? '1 KiB' : `${recordBytes} B`;
      workloads.push({
        name: `${size}, ${partitions} partition${partitions === 1 ? '' : 's'}, acks=${acks}`,
        topic: `e2e-${recordBytes}b-${partitions}p-acks-${acks}`,
        recordBytes,
        partitions,
        acks,
      });
    }
  }
}

type BrokerResult = {
  produce: ProduceFigures | StepFailure;
  consume: ConsumeFigures | StepFailure | { failed: string; clientOutput: '' };
  peakRssBytes: number;
};

function log(line: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

function loadAverage(): string {
  return loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');
}

/** The first line java -version prints (to stderr), e.g. openjdk version "17.0.15" 2025-04-15. */
function javaVersion(): string {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8', timeout: 30_000 });
  return result.stderr.split('\n')[0]?.trim() ?? 'unknown';
}

const temporaryRoot = mkdtempSync(join(tmpdir(), 'fjord-bench-e2e-'));
const running: RunningBroker[] = [];
const samplers = new Map<BrokerName, MemorySampler>();

function cleanUpNow(): void {
  for (const sampler of samplers.values()) sampler.stop();
  killAllChildren();
  if (!options.keep) rmSync(temporaryRoot, { recursive: true, force: true });
}

process.on('exit', () => killAllChildren());
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    log(`${signal}: killing both brokers and every client`);
    cleanUpNow();
    process.exit(130);
  });
}

function ratio(fjord: number | undefined, kafka: number | undefined): number | undefined {
  if (fjord === undefined || kafka === undefined || kafka === 0) return undefined;
  return Number((fjord / kafka).toFixed(2));
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadAtStart = loadAverage();
  log(`load average at start: ${loadAtStart} (${cpus().length} CPUs)`);
  await prepareKafka(log);

  log('starting Apache Kafka');
  const kafka = await startKafka(mkdirAndReturn(join(temporaryRoot, 'kafka')));
  running.push(kafka);
  samplers.set('kafka', new MemorySampler(kafka.pid, memorySampleIntervalMs));
  log(`Apache Kafka serves ${kafka.bootstrap} (pid ${kafka.pid}, heap ${kafkaHeapOptions.join(' ')})`);
  log('starting fjord');
  const fjord = await startFjord(mkdirAndReturn(join(temporaryRoot, 'fjord')));
  running.push(fjord);
  samplers.set('fjord', new MemorySampler(fjord.pid, memorySampleIntervalMs));
  log(`fjord serves ${fjord.bootstrap} (pid ${fjord.pid})`);
  const brokers: Record<BrokerName, RunningBroker> = { kafka, fjord };
  const idleRssBytes = { kafka: samplers.get('kafka')?.currentRssBytes ?? 0, fjord: samplers.get('fjord')?.currentRssBytes ?? 0 };

  // Topics: every workload's plus one pilot topic per record size.
  const topics = new Map<string, number>(workloads.map((workload) => [workload.topic, workload.partitions]));
  for (const recordBytes of Object.keys(pilotRecords)) topics.set(`e2e-pilot-${recordBytes}b`, 1);
  const topicProblems: Record<BrokerName, Map<string, string>> = { kafka: new Map(), fjord: new Map() };
  const notes: string[] = [];
  for (const name of brokerNames) {
    log(`${name}: creating ${topics.size} topics with the Admin API`);
    const outcomes = await createTopics(brokers[name].bootstrap, topics);
    for (const [topic, outcome] of outcomes) {
      if (outcome.created) continue;
      const partitions = topics.get(topic) ?? 1;
      if (partitions === 1) {
        // Auto-creation (num.partitions=1 by default) gives the same topic on first produce.
        notes.push(`${name}: CreateTopics failed for ${topic} (${outcome.error}); the producer's auto-creation made it`);
      } else {
        topicProblems[name].set(topic, `CreateTopics ${topic} with ${partitions} partitions failed: ${outcome.error}`);
      }
    }
  }
  for (const note of notes.slice(0, 1)) log(note);

  // Calibration: records per run so that the slower broker takes about targetSeconds.
  const recordsPerRun: Record<number, number> = {};
  const calibration: Record<string, unknown>[] = [];
  for (const [recordBytesText, records] of Object.entries(pilotRecords)) {
    const recordBytes = Number(recordBytesText);
    const rates: number[] = [];
    // Two pilot rounds per broker: the first warms the JIT of both sides, the second gives the rate.
    for (const round of [1, 2]) {
      for (const name of brokerNames) {
        log(`${name}: pilot ${round} ProducerPerformance, ${records} records of ${recordBytes} B, acks=1`);
        const outcome = await runProducerPerformance({
          bootstrap: brokers[name].bootstrap,
          topic: `e2e-pilot-${recordBytes}b`,
          records,
          recordBytes,
          acks: '1',
          timeoutMs: produceTimeoutMs,
        });
        if (isFailure(outcome)) {
          calibration.push({ broker: name, round, recordBytes, records, ...outcome });
          log(`${name}: pilot ${round} failed: ${outcome.failed}`);
        } else {
          calibration.push({ broker: name, round, recordBytes, records, recordsPerSecond: outcome.recordsPerSecond });
          if (round === 2) rates.push(outcome.recordsPerSecond);
        }
      }
    }
    const slowest = rates.length === 0 ? pilotRecords[recordBytes] ?? recordsPerRunMin : Math.min(...rates);
    const wanted = Math.round((slowest * targetSeconds) / 10_000) * 10_000;
    recordsPerRun[recordBytes] = Math.min(recordsPerRunMax, Math.max(recordsPerRunMin, wanted));
    log(`records per run for ${recordBytes} B: ${recordsPerRun[recordBytes]}`);
  }

  const results: Array<{ workload: Workload; records: number; kafka: BrokerResult; fjord: BrokerResult }> = [];
  for (const workload of workloads) {
    const records = recordsPerRun[workload.recordBytes] ?? recordsPerRunMin;
    const perBroker = {} as Record<BrokerName, BrokerResult>;
    for (const name of brokerNames) {
      const broker = brokers[name];
      const sampler = samplers.get(name);
      sampler?.takeWindowPeakBytes();
      perBroker[name] = await runWorkload(broker, workload, records, topicProblems[name].get(workload.topic));
      perBroker[name].peakRssBytes = sampler?.takeWindowPeakBytes() ?? 0;
      const produce = perBroker[name].produce;
      const consume = perBroker[name].consume;
      log(
        `${name}: ${workload.name}: produce ${isFailure(produce) ? 'FAILED' : `${produce.recordsPerSecond} rec/s p99 ${produce.p99LatencyMs} ms`}, consume ${
          isFailure(consume) ? 'FAILED' : `${consume.recordsPerSecond} rec/s`
        }`,
      );
    }
    results.push({ workload, records, kafka: perBroker.kafka, fjord: perBroker.fjord });
  }

  const probeTopic = workloads[0]?.topic ?? '';
  const probes = {} as Record<BrokerName, ConsumerPerformanceProbe>;
  for (const name of brokerNames) {
    log(`${name}: ConsumerPerformance (consumer group) on ${probeTopic}`);
    probes[name] = brokers[name].isRunning()
      ? await probeConsumerPerformance(brokers[name].bootstrap, probeTopic, recordsPerRun[100] ?? recordsPerRunMin)
      : { command: 'ConsumerPerformance', succeeded: false, clientOutput: `the broker is not running; its output:\n${brokers[name].outputTail()}` };
  }

  const brokerStillRunning = { kafka: kafka.isRunning(), fjord: fjord.isRunning() };
  const fjordOutputTail = fjord.outputTail();
  for (const sampler of samplers.values()) sampler.stop();
  const peakRssBytes = { kafka: samplers.get('kafka')?.peakBytes ?? 0, fjord: samplers.get('fjord')?.peakBytes ?? 0 };
  const peakAnonymousRssBytes = { kafka: samplers.get('kafka')?.peakAnonymousBytes ?? 0, fjord: samplers.get('fjord')?.peakAnonymousBytes ?? 0 };
  log('stopping both brokers');
  await Promise.all(running.map((broker) => broker.stop()));
  const loadAtEnd = loadAverage();
  log(`load average at end: ${loadAtEnd}`);

  printTable(results, peakRssBytes, peakAnonymousRssBytes, probes);
  const report = {
    benchmark: 'e2e',
    date: startedAt.toISOString(),
    durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      java: javaVersion(),
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: loadAtEnd,
    },
    setup: {
      kafka: kafka.description,
      fjord: fjord.description,
      producer: `org.apache.kafka.tools.ProducerPerformance ${kafkaVersion} (kafka-tools, Maven Central), --throughput -1, producer defaults but acks; JVM -Xmx512M`,
      consumer: `bench/e2e/java/BenchClient consume: KafkaConsumer ${kafkaVersion} assign() + seekToBeginning + poll loop, consumer defaults, no group; timed from the first poll to the last record`,
      order: 'per workload: Kafka, then fjord; both brokers run for the whole benchmark',
      memory: `VmRSS of the broker's process tree sampled every ${memorySampleIntervalMs} ms; overall peak also takes the kernel's VmHWM`,
      targetSeconds,
      recordsPerRun,
      calibration,
      notes,
    },
    workloads: results.map(({ workload, records, kafka: kafkaResult, fjord: fjordResult }) => ({
      ...workload,
      records,
      kafka: kafkaResult,
      fjord: fjordResult,
      fjordOverKafka: ratios(fjordResult, kafkaResult),
    })),
    consumerPerformance: probes,
    memory: {
      idleRssBytes,
      peakRssBytes,
      fjordOverKafka: ratio(peakRssBytes.fjord, peakRssBytes.kafka),
      peakAnonymousRssBytes,
      anonymousFjordOverKafka: ratio(peakAnonymousRssBytes.fjord, peakAnonymousRssBytes.kafka),
    },
    brokersRunningAtEnd: brokerStillRunning,
    fjordOutputTail: brokerStillRunning.fjord ? undefined : fjordOutputTail,
  };
  mkdirSync(dirname(outputPath), { recursive: true });
  writeFileSync(outputPath, `${JSON.stringify(report, null, 2)}\n`);
  log(`wrote ${outputPath}`);
}

function mkdirAndReturn(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}

async function runWorkload(broker: RunningBroker, workload: Workload, records: number, topicProblem: string | undefined): Promise<BrokerResult> {
  const skipped = (reason: string): BrokerResult => ({
    produce: { failed: reason, clientOutput: '' },
    consume: { failed: 'not run: nothing was produced', clientOutput: '' },
    peakRssBytes: 0,
  });
  if (!broker.isRunning()) return skipped(`the broker is not running; its output:\n${broker.outputTail().slice(-4_000)}`);
  if (topicProblem !== undefined) return skipped(topicProblem);
  log(`${broker.name}: ${workload.name}: ProducerPerformance ${records} records`);
  const produce = await runProducerPerformance({
    bootstrap: broker.bootstrap,
    topic: workload.topic,
    records,
    recordBytes: workload.recordBytes,
    acks: workload.acks,
    timeoutMs: produceTimeoutMs,
  });
  if (isFailure(produce)) {
    if (!broker.isRunning()) produce.clientOutput += `\n--- the broker exited; its output:\n${broker.outputTail().slice(-4_000)}`;
    return { produce, consume: { failed: 'not run: the produce run failed', clientOutput: '' }, peakRssBytes: 0 };
  }
  log(`${broker.name}: ${workload.name}: assign() consumer ${records} records`);
  const consume = await runAssignConsumer(broker.bootstrap, workload.topic, records, consumeTimeoutMs);
  return { produce, consume, peakRssBytes: 0 };
}

function ratios(fjord: BrokerResult, kafka: BrokerResult): Record<string, number | undefined> {
  const produceFjord = isFailure(fjord.produce) ? undefined : fjord.produce;
  const produceKafka = isFailure(kafka.produce) ? undefined : kafka.produce;
  const consumeFjord = isFailure(fjord.consume) ? undefined : fjord.consume;
  const consumeKafka = isFailure(kafka.consume) ? undefined : kafka.consume;
  return {
    produceRecordsPerSecond: ratio(produceFjord?.recordsPerSecond, produceKafka?.recordsPerSecond),
    produceMegabytesPerSecond: ratio(produceFjord?.megabytesPerSecond, produceKafka?.megabytesPerSecond),
    p50LatencyMs: ratio(produceFjord?.p50LatencyMs, produceKafka?.p50LatencyMs),
    p99LatencyMs: ratio(produceFjord?.p99LatencyMs, produceKafka?.p99LatencyMs),
    p999LatencyMs: ratio(produceFjord?.p999LatencyMs, produceKafka?.p999LatencyMs),
    consumeRecordsPerSecond: ratio(consumeFjord?.recordsPerSecond, consumeKafka?.recordsPerSecond),
    consumeMegabytesPerSecond: ratio(consumeFjord?.megabytesPerSecond, consumeKafka?.megabytesPerSecond),
    peakRssBytes: ratio(fjord.peakRssBytes || undefined, kafka.peakRssBytes || undefined),
  };
}

type Row = { metric: string; fjord: number | undefined; kafka: number | undefined; fjordFailure?: string; kafkaFailure?: string };

function printTable(
  results: ReadonlyArray<{ workload: Workload; records: number; kafka: BrokerResult; fjord: BrokerResult }>,
  peakRssBytes: Record<BrokerName, number>,
  peakAnonymousRssBytes: Record<BrokerName, number>,
  probes: Record<BrokerName, ConsumerPerformanceProbe>,
): void {
  const footnotes: string[] = [];
  const cell = (value: number | undefined, failure: string | undefined): string => {
    if (value !== undefined) return String(value);
    return failure === undefined ? '-' : `FAILED[${cellIndex(footnotes, failure)}]`;
  };
  const lines: string[] = [];
  const widths = [26, 14, 14, 12];
  const format = (columns: string[]): string => columns.map((text, index) => (index === 0 ? text.padEnd(widths[0] ?? 0) : text.padStart(widths[index] ?? 0))).join(' ');
  lines.push(format(['metric', 'fjord', 'Kafka 4.1', 'fjord/Kafka']));
  for (const { workload, records, kafka, fjord } of results) {
    lines.push('');
    lines.push(`${workload.name} (${records} records)`);
    const produceFailure = (result: BrokerResult): string | undefined => (isFailure(result.produce) ? failureText(result.produce) : undefined);
    const consumeFailure = (result: BrokerResult): string | undefined => (isFailure(result.consume) ? failureText(result.consume) : undefined);
    const produceFigure = (result: BrokerResult, pick: (figures: ProduceFigures) => number): number | undefined =>
      isFailure(result.produce) ? undefined : pick(result.produce);
    const consumeFigure = (result: BrokerResult, pick: (figures: ConsumeFigures) => number): number | undefined =>
      isFailure(result.consume) ? undefined : pick(result.consume);
    const produceMetrics: Array<[string, (figures: ProduceFigures) => number]> = [
      ['produce records/s', (figures) => figures.recordsPerSecond],
      ['produce MB/s', (figures) => figures.megabytesPerSecond],
      ['produce p50 latency ms', (figures) => figures.p50LatencyMs],
      ['produce p99 latency ms', (figures) => figures.p99LatencyMs],
      ['produce p99.9 latency ms', (figures) => figures.p999LatencyMs],
    ];
    const rows: Row[] = produceMetrics.map(([metric, pick]) => ({
      metric,
      fjord: produceFigure(fjord, pick),
      kafka: produceFigure(kafka, pick),
      fjordFailure: produceFailure(fjord),
      kafkaFailure: produceFailure(kafka),
    }));
    rows.push(
      {
        metric: 'consume records/s',
        fjord: consumeFigure(fjord, (figures) => figures.recordsPerSecond),
        kafka: consumeFigure(kafka, (figures) => figures.recordsPerSecond),
        fjordFailure: consumeFailure(fjord),
        kafkaFailure: consumeFailure(kafka),
      },
      {
        metric: 'consume MB/s',
        fjord: consumeFigure(fjord, (figures) => figures.megabytesPerSecond),
        kafka: consumeFigure(kafka, (figures) => figures.megabytesPerSecond),
        fjordFailure: consumeFailure(fjord),
        kafkaFailure: consumeFailure(kafka),
      },
      {
        metric: 'peak RSS MiB (this run)',
        fjord: fjord.peakRssBytes > 0 ? Math.round(fjord.peakRssBytes / mebibyte) : undefined,
        kafka: kafka.peakRssBytes > 0 ? Math.round(kafka.peakRssBytes / mebibyte) : undefined,
      },
    );
    for (const row of rows) {
      const rowRatio = ratio(row.fjord, row.kafka);
      lines.push(format([`  ${row.metric}`, cell(row.fjord, row.fjordFailure), cell(row.kafka, row.kafkaFailure), rowRatio === undefined ? '-' : rowRatio.toFixed(2)]));
    }
  }
  lines.push('');
  const fjordPeak = Math.round(peakRssBytes.fjord / mebibyte);
  const kafkaPeak = Math.round(peakRssBytes.kafka / mebibyte);
  lines.push(format(['peak broker RSS MiB (all)', String(fjordPeak), String(kafkaPeak), ratio(fjordPeak, kafkaPeak)?.toFixed(2) ?? '-']));
  const fjordAnonymous = Math.round(peakAnonymousRssBytes.fjord / mebibyte);
  const kafkaAnonymous = Math.round(peakAnonymousRssBytes.kafka / mebibyte);
  lines.push(format(['  of it anonymous (RssAnon)', String(fjordAnonymous), String(kafkaAnonymous), ratio(fjordAnonymous, kafkaAnonymous)?.toFixed(2) ?? '-']));
  lines.push('');
  for (const name of brokerNames) {
    const probe = probes[name];
    lines.push(
      `ConsumerPerformance (consumer group) against ${name}: ${
        probe.succeeded ? `ok, ${probe.recordsPerSecond} records/s, ${probe.megabytesPerSecond} MB/s (includes the group join)` : `FAILED[${cellIndex(footnotes, failureText({ failed: probe.command, clientOutput: probe.clientOutput ?? '' }))}]`
      }`,
    );
  }
  lines.push('Ratios are fjord/Kafka: above 1 is better for throughput, below 1 is better for latency and memory.');
  if (footnotes.length > 0) {
    lines.push('');
    footnotes.forEach((text, index) => lines.push(`[${index + 1}] ${text}`));
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

function cellIndex(footnotes: string[], text: string): number {
  let index = footnotes.indexOf(text);
  if (index < 0) index = footnotes.push(text) - 1;
  return index + 1;
}

/** A failure for a footnote: what failed and the client's most telling lines (exceptions first). */
function failureText(failure: StepFailure | { failed: string; clientOutput: string }): string {
  const telling = failure.clientOutput
    .split('\n')
    .filter((line) => /Exception|Error|error|FAILED|killed|exited/.test(line) && !/^\s+at /.test(line))
    .slice(0, 4)
    .map((line) => line.trim().slice(0, 300));
  return telling.length === 0 ? failure.failed : `${failure.failed}: ${[...new Set(telling)].join(' | ')}`;
}

try {
  await main();
  cleanUpNow();
} catch (error) {
  log(`benchmark failed: ${error instanceof Error ? error.message : String(error)}`);
  cleanUpNow();
  process.exitCode = 1;
}
