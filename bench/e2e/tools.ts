// The client side of the end-to-end benchmark: Kafka 4.1's ProducerPerformance and
// ConsumerPerformance (org.apache.kafka:kafka-tools) and bench/e2e/java/BenchClient.java (topic
// creation, and an assign()-based consumer), run as child JVMs, and the parsers of their output.
import { javaToolArguments } from './brokers.ts';
import { describeProgramResult, runProgram, type ProgramResult } from './processes.ts';

/** A failed step: what failed and the client's own output, for the report. */
export type StepFailure = { failed: string; clientOutput: string };

export type ProduceFigures = {
  records: number;
  recordsPerSecond: number;
  megabytesPerSecond: number;
  averageLatencyMs: number;
  maxLatencyMs: number;
  p50LatencyMs: number;
  p95LatencyMs: number;
  p99LatencyMs: number;
  p999LatencyMs: number;
};

export type ConsumeFigures = {
  records: number;
  bytes: number;
  elapsedMs: number;
  recordsPerSecond: number;
  megabytesPerSecond: number;
};

/** ProducerPerformance's and ConsumerPerformance's MB: 1024 * 1024 bytes. */
const bytesPerMegabyte = 1024 * 1024;

/** How a client ended and what it printed, bounded for the report. */
function clientOutput(result: ProgramResult): string {
  return describeProgramResult(result).slice(0, 6_000);
}

/**
 * ProducerPerformance's final summary line, e.g. "1000000 records sent, 55215.1 records/sec
 * (5.27 MB/sec), 3795.33 ms avg latency, 6093.00 ms max latency, 4101 ms 50th, 5534 ms 95th,
 * 5760 ms 99th, 6052 ms 99.9th."
 */
export function parseProducerSummary(stdout: string): ProduceFigures | undefined {
  const pattern =
    /^(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th\.?$/m;
  const match = pattern.exec(stdout);
  if (match === null) return undefined;
  const number = (index: number): number => Number(match[index]);
  return {
    records: number(1),
    recordsPerSecond: number(2),
    megabytesPerSecond: number(3),
    averageLatencyMs: number(4),
    maxLatencyMs: number(5),
    p50LatencyMs: number(6),
    p95LatencyMs: number(7),
    p99LatencyMs: number(8),
    p999LatencyMs: number(9),
  };
}

/** BenchClient's "CONSUMED records=<n> bytes=<n> elapsedMs=<n>" line. */
export function parseConsumedLine(stdout: string): ConsumeFigures | undefined {
  const match = /^CONSUMED records=(\d+) bytes=(\d+) elapsedMs=(\d+)$/m.exec(stdout);
  if (match === null) return undefined;
  const records = Number(match[1]);
  const bytes = Number(match[2]);
  const elapsedMs = Math.max(1, Number(match[3]));
  return {
    records,
    bytes,
    elapsedMs,
    recordsPerSecond: Math.round((records * 1000) / elapsedMs),
    megabytesPerSecond: Number(((bytes * 1000) / elapsedMs / bytesPerMegabyte).toFixed(2)),
  };
}

export type TopicCreation = { created: boolean; error?: string };

/**
 * Creates the topics (name -> partition count) with the Admin API in one JVM. Returns each topic's
 * outcome; when the program itself fails, every topic gets its output as the error.
 */
export async function createTopics(bootstrap: string, topics: ReadonlyMap<string, number>): Promise<Map<string, TopicCreation>> {
  const argumentList = ['create-topics', bootstrap, ...[...topics].map(([name, partitions]) => `${name}:${partitions}`)];
  const result = await runProgram('java', javaToolArguments('BenchClient', argumentList), { timeoutMs: 180_000 });
  const outcomes = new Map<string, TopicCreation>();
  for (const name of topics.keys()) {
    if (new RegExp(`^CREATED ${name}$`, 'm').test(result.stdout)) {
      outcomes.set(name, { created: true });
      continue;
    }
    const failure = new RegExp(`^FAILED ${name} (.*)$`, 'm').exec(result.stdout)?.[1];
    outcomes.set(name, { created: false, error: failure ?? `BenchClient create-topics: ${clientOutput(result)}` });
  }
  return outcomes;
}

export type ProduceRequest = {
  bootstrap: string;
  topic: string;
  records: number;
  recordBytes: number;
  acks: '1' | 'all';
  timeoutMs: number;
};

/** Runs ProducerPerformance at unlimited throughput with the client's default settings but acks. */
export async function runProducerPerformance(request: ProduceRequest): Promise<ProduceFigures | StepFailure> {
  const argumentList = [
    '--topic',
    request.topic,
    '--num-records',
    String(request.records),
    '--record-size',
    String(request.recordBytes),
    '--throughput',
    '-1',
    '--producer-props',
    `bootstrap.servers=${request.bootstrap}`,
    `acks=${request.acks}`,
  ];
  const result = await runProgram('java', javaToolArguments('org.apache.kafka.tools.ProducerPerformance', argumentList), { timeoutMs: request.timeoutMs });
  const figures = parseProducerSummary(result.stdout);
  if (result.code !== 0 || figures === undefined) {
    return { failed: `ProducerPerformance ${argumentList.join(' ')}`, clientOutput: clientOutput(result) };
  }
  // The perf tool prints each failed send's exception and counts only the acknowledged sends.
  if (figures.records !== request.records) {
    return { failed: `ProducerPerformance acknowledged ${figures.records} of ${request.records} records`, clientOutput: clientOutput(result) };
  }
  return figures;
}

/** Reads `records` records back with BenchClient's assign() consumer (no consumer group). */
export async function runAssignConsumer(bootstrap: string, topic: string, records: number, timeoutMs: number): Promise<ConsumeFigures | StepFailure> {
  const argumentList = ['consume', bootstrap, topic, String(records), String(timeoutMs)];
  const result = await runProgram('java', javaToolArguments('BenchClient', argumentList), { timeoutMs: timeoutMs + 60_000 });
  const figures = parseConsumedLine(result.stdout);
  if (result.code !== 0 || figures === undefined) return { failed: `BenchClient ${argumentList.join(' ')}`, clientOutput: clientOutput(result) };
  return figures;
}

export type ConsumerPerformanceProbe = {
  command: string;
  succeeded: boolean;
  /** ConsumerPerformance's CSV figures when it succeeded. */
  recordsPerSecond?: number;
  megabytesPerSecond?: number;
  /** The client's output when it failed. */
  clientOutput?: string;
};

/**
 * Runs ConsumerPerformance (which subscribes through a consumer group) on a topic, to show whether
 * the broker serves the stock consumer perf tool. Its figures include the group join, so the
 * comparison uses the assign() consumer instead.
 */
export async function probeConsumerPerformance(bootstrap: string, topic: string, records: number): Promise<ConsumerPerformanceProbe> {
  const argumentList = ['--bootstrap-server', bootstrap, '--topic', topic, '--messages', String(records), '--timeout', '30000'];
  const command = `ConsumerPerformance ${argumentList.join(' ')}`;
  const result = await runProgram('java', javaToolArguments('org.apache.kafka.tools.ConsumerPerformance', argumentList), { timeoutMs: 120_000 });
  // Header: start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, ...
  const row = /^\d{4}-\d\d-\d\d [\d:]+, \d{4}-\d\d-\d\d [\d:]+, ([\d.]+), ([\d.]+), (\d+), ([\d.]+)/m.exec(result.stdout);
  if (result.code === 0 && row !== null && Number(row[3]) >= records) {
    return { command, succeeded: true, megabytesPerSecond: Number(row[2]), recordsPerSecond: Number(row[4]) };
  }
  return { command, succeeded: false, clientOutput: clientOutput(result) };
}

export function isFailure<Figures extends object>(outcome: Figures | StepFailure): outcome is StepFailure {
  return 'failed' in outcome;
}
