// Where the real clients live after `.ci/install-clients` (keep the paths in step with that script),
// the probes that tell whether each is installed, and the helpers that drive kcat.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext, TestOptions } from 'node:test';
import { commandSucceeds, describeResult, repositoryRoot, requireClient, runProgram, type ProcessResult } from './harness.ts';

const installHint = 'run .ci/install-clients';

export const pythonPath = join(repositoryRoot, '.cache/python/bin/python');
export const javaLibDir = join(repositoryRoot, '.cache/java/lib');
export const javaClassesDir = join(repositoryRoot, '.cache/java/classes');
export const javaClasspath = `${javaClassesDir}:${javaLibDir}/*`;

export function requireKcat(): TestOptions {
  return requireClient('kcat', () => commandSucceeds('kcat', ['-V']), `${installHint} (Debian package kcat)`);
}

export function requireConfluentKafka(): TestOptions {
  return requireClient(
    'confluent-kafka (Python)',
    () => commandSucceeds(pythonPath, ['-c', 'import confluent_kafka']),
    `${installHint} (PyPI confluent-kafka in .cache/python)`,
  );
}

export function requireJavaClient(): TestOptions {
  return requireClient(
    'Java kafka-clients 4.1',
    () => existsSync(join(javaClassesDir, '.compiled')) && commandSucceeds('java', ['-version']),
    `${installHint} (Maven Central kafka-clients in .cache/java)`,
  );
}

/** Runs one of the programs in test/interop/java with the Java client on the class path. */
export async function runJava(mainClass: string, argumentList: readonly string[], timeoutMs: number) {
  return await runProgram('java', javaArguments(mainClass, argumentList), { timeoutMs });
}

export function javaArguments(mainClass: string, argumentList: readonly string[]): string[] {
  return [
    '-XX:TieredStopAtLevel=1',
    '-XX:+UseSerialGC',
    '-Xshare:auto',
    '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
    '-Dorg.slf4j.simpleLogger.logFile=System.err',
    '-cp',
    javaClasspath,
    mainClass,
    ...argumentList,
  ];
}

/** One record as kcat's JSON envelope (-J) prints it. */
export type KcatRecord = {
  topic: string;
  partition: number;
  offset: number;
  tstype: string;
  ts: number;
  key: string | null;
  payload: string | null;
  headers?: string[] | Record<string, string>;
};

export type RecordToProduce = { key: string; value: string };

export type KcatProduceOptions = {
  partition?: number;
  codec?: 'gzip' | 'snappy' | 'lz4' | 'zstd';
  idempotent?: boolean;
  /** Headers kcat adds to every record of this run (kcat -H name=value, in this order). */
  headers?: ReadonlyArray<readonly [string, string]>;
  extraConfig?: Record<string, string>;
};

/**
 * Produces records with kcat -P (key and value split by a tab, one record per line) and fails the
 * test if kcat reports any delivery failure.
 */
export async function kcatProduce(
  bootstrap: string,
  topic: string,
  records: readonly RecordToProduce[],
  options: KcatProduceOptions = {},
): Promise<void> {
  const argumentList = ['-P', '-b', bootstrap, '-t', topic, '-K', '\t', '-m', '15'];
  if (options.partition !== undefined) argumentList.push('-p', String(options.partition));
  if (options.codec !== undefined) argumentList.push('-z', options.codec);
  if (options.idempotent === true) argumentList.push('-X', 'enable.idempotence=true');
  for (const [name, value] of options.headers ?? []) argumentList.push('-H', `${name}=${value}`);
  for (const [name, value] of Object.entries(options.extraConfig ?? {})) argumentList.push('-X', `${name}=${value}`);
  for (const record of records) {
    assert.ok(!/[\t\n]/.test(record.key + record.value), 'kcat records cannot hold tabs or newlines');
  }
  const input = records.map((record) => `${record.key}\t${record.value}\n`).join('');
  const result = await runProgram('kcat', argumentList, { input, timeoutMs: 60_000 });
  assert.equal(result.code, 0, `kcat -P failed: ${describeResult(result)}`);
  assert.doesNotMatch(result.stderr, /Delivery failed|ERROR|% Failed/i, `kcat -P reported errors: ${describeResult(result)}`);
}

/**
 * Reads a partition with kcat -C -J from `offset` to the end of the partition (-e) and returns the
 * records in order. `offset` is anything kcat -o takes (beginning, 5, s@<ms>).
 */
export async function kcatConsume(bootstrap: string, topic: string, partition: number, offset = 'beginning', extraArguments: readonly string[] = []): Promise<KcatRecord[]> {
  const result = await runProgram(
    'kcat',
    ['-C', '-b', bootstrap, '-t', topic, '-p', String(partition), '-o', offset, '-e', '-J', '-m', '15', '-q', ...extraArguments],
    { timeoutMs: 60_000 },
  );
  assert.equal(result.code, 0, `kcat -C failed: ${describeResult(result)}`);
  return result.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as KcatRecord);
}

/** The headers of a kcat JSON record as [name, value] pairs in order (kcat prints a flat array). */
export function kcatHeaders(record: KcatRecord): Array<[string, string]> {
  const headers = record.headers;
  if (headers === undefined) return [];
  if (Array.isArray(headers)) {
    const pairs: Array<[string, string]> = [];
    for (let index = 0; index + 1 < headers.length; index += 2) pairs.push([headers[index] ?? '', headers[index + 1] ?? '']);
    return pairs;
  }
  return Object.entries(headers);
}

/**
 * Reports each "PASS <step>" / "FAIL <step>: <message>" line a client program printed as a subtest,
 * then requires the program to have exited 0 after printing "ALL PASSED".
 */
export async function reportProgramSteps(t: TestContext, result: ProcessResult): Promise<void> {
  for (const line of result.stdout.split('\n')) {
    const passed = /^PASS (.*)$/.exec(line);
    const failed = /^FAIL ([^:]*): (.*)$/.exec(line);
    if (passed?.[1] !== undefined) await t.test(passed[1], () => {});
    if (failed?.[1] !== undefined) {
      const message = failed[2] ?? '';
      await t.test(failed[1], () => assert.fail(message));
    }
  }
  assert.equal(result.code, 0, `the program failed: ${describeResult(result)}`);
  assert.match(result.stdout, /^ALL PASSED$/m, describeResult(result));
}

/** A record as a test expects to read it back, with its exact create time. */
export type ExpectedRecord = {
  offset: number;
  key: string | null;
  value: string | null;
  headers: Array<[string, string]>;
  timestamp: number;
};

/** Checks records read with kcat one by one: offset, key, value, headers in order, create time. */
export function assertKcatRecords(actual: readonly KcatRecord[], expected: readonly ExpectedRecord[]): void {
  assert.equal(actual.length, expected.length, `record count; read offsets ${actual.map((record) => record.offset).join(',')}`);
  expected.forEach((want, index) => {
    const got = actual[index];
    assert.ok(got !== undefined);
    const where = `record at offset ${want.offset}`;
    assert.equal(got.offset, want.offset, `${where}: offset`);
    assert.equal(got.key, want.key, `${where}: key`);
    assert.equal(got.payload, want.value, `${where}: value`);
    assert.deepEqual(kcatHeaders(got), want.headers, `${where}: headers`);
    assert.equal(got.tstype, 'create', `${where}: timestamp type`);
    assert.equal(got.ts, want.timestamp, `${where}: timestamp`);
  });
}

/**
 * Passes the "# ..." comment lines and "FAILED ..." lines a client program printed on to the test's
 * diagnostics (the transaction checks print outcomes and timings there), newest `maxLines` at most.
 */
export function reportProgramDiagnostics(t: TestContext, result: ProcessResult, maxLines = 40): void {
  const lines = result.stdout.split('\n').filter((line) => line.startsWith('# ') || line.startsWith('FAILED '));
  for (const line of lines.slice(-maxLines)) t.diagnostic(line.replace(/^# /, ''));
}

/**
 * Broker settings for the transaction suites: the broker looks for timed-out transactions every
 * 500 ms (Kafka's transaction.abort.timed.out.transaction.cleanup.interval.ms, 10 s by default) and
 * a classic group's first rebalance is not delayed (group.initial.rebalance.delay.ms, 3 s).
 */
export const txnBrokerOverrides: Readonly<Record<string, string>> = {
  'transaction.abort.timed.out.transaction.cleanup.interval.ms': '500',
  'group.initial.rebalance.delay.ms': '0',
};
