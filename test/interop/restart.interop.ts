// Restarts with real clients: records survive a graceful stop (SIGTERM, SIGINT) and a kill -9 with
// offsets and contents intact, and an idempotent producer retrying across a kill -9 and restart
// (Java, and librdkafka through confluent-kafka) writes each record exactly once.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { test, type TestContext, type TestOptions } from 'node:test';
import {
  javaArguments,
  kcatConsume,
  kcatProduce,
  pythonPath,
  reportProgramSteps,
  requireConfluentKafka,
  requireJavaClient,
  requireKcat,
  type KcatRecord,
} from './clients.ts';
import { describeResult, repositoryRoot, startBroker, startProgram } from './harness.ts';

/** The first option set that skips, else none: a test that needs several clients. */
function requireAll(...options: TestOptions[]): TestOptions {
  return options.find((option) => option.skip !== undefined && option.skip !== false) ?? {};
}

function records(prefix: string, count: number): Array<{ key: string; value: string }> {
  return Array.from({ length: count }, (_, index) => ({ key: `${prefix}-k${index}`, value: `${prefix}-v${index}` }));
}

test('records from an idempotent producer survive SIGTERM and SIGINT restarts byte for byte, the broker exits 0, and offsets continue after each restart', requireKcat(), async () => {
  const broker = await startBroker({ overrides: { 'num.partitions': '2' } });
  const topic = 'restart-graceful';
  const headers = [['h', 'graceful']] as const;
  await kcatProduce(broker.bootstrap, topic, records('a', 300), { partition: 0, idempotent: true, headers });
  await kcatProduce(broker.bootstrap, topic, records('b', 50), { partition: 1, idempotent: true, codec: 'lz4' });
  const before: KcatRecord[][] = [await kcatConsume(broker.bootstrap, topic, 0), await kcatConsume(broker.bootstrap, topic, 1)];
  assert.equal(before[0]?.length, 300);
  assert.equal(before[1]?.length, 50);

  assert.equal(await broker.stop('SIGTERM'), 0, `exit code after SIGTERM; broker output:\n${broker.output()}`);
  await broker.restart();
  assert.deepEqual(await kcatConsume(broker.bootstrap, topic, 0), before[0], 'partition 0 after the SIGTERM restart');
  assert.deepEqual(await kcatConsume(broker.bootstrap, topic, 1), before[1], 'partition 1 after the SIGTERM restart');

  await kcatProduce(broker.bootstrap, topic, records('c', 100), { partition: 0, idempotent: true });
  const grown = await kcatConsume(broker.bootstrap, topic, 0);
  assert.deepEqual(grown.slice(0, 300), before[0]);
  assert.deepEqual(grown.slice(300).map((record) => [record.offset, record.key, record.payload]), records('c', 100).map((record, index) => [300 + index, record.key, record.value]));

  assert.equal(await broker.stop('SIGINT'), 0, `exit code after SIGINT; broker output:\n${broker.output()}`);
  await broker.restart();
  assert.deepEqual(await kcatConsume(broker.bootstrap, topic, 0), grown, 'partition 0 after the SIGINT restart');
  assert.deepEqual(await kcatConsume(broker.bootstrap, topic, 1), before[1], 'partition 1 after the SIGINT restart');
});

test('after kill -9 every acknowledged record is there exactly once, in order; the broker keeps its topics', requireKcat(), async () => {
  const broker = await startBroker();
  const topic = 'restart-crash';
  await kcatProduce(broker.bootstrap, topic, records('x', 500), { partition: 0, idempotent: true, extraConfig: { 'linger.ms': '0' } });
  const acknowledged = await kcatConsume(broker.bootstrap, topic, 0);
  assert.equal(acknowledged.length, 500);
  await broker.kill9();
  await broker.restart();
  assert.deepEqual(await kcatConsume(broker.bootstrap, topic, 0), acknowledged, 'the partition after kill -9 and restart');
  // The producer state was rebuilt: a new idempotent session appends after the old records.
  await kcatProduce(broker.bootstrap, topic, records('y', 10), { partition: 0, idempotent: true });
  const after = await kcatConsume(broker.bootstrap, topic, 0);
  assert.deepEqual(after.slice(500).map((record) => [record.offset, record.payload]), records('y', 10).map((record, index) => [500 + index, record.value]));
});

/**
 * Runs a producer program (printing "ACKED <index> <offset>" per acknowledged record), kills the
 * broker with SIGKILL once `killAfter` records were acknowledged, restarts it, and lets the program
 * finish its own checks; then reads the log with kcat and checks every record acknowledged before
 * the kill is at the offset it was acknowledged at, and the log holds exactly `recordCount` records.
 */
async function produceThroughKill9(t: TestContext, command: string, argumentsFor: (bootstrap: string) => string[], topic: string, recordCount: number): Promise<void> {
  const broker = await startBroker();
  const program = startProgram(command, argumentsFor(broker.bootstrap), { timeoutMs: 240_000 });
  const acknowledgedLines = (): string[] => program.stdout().split('\n').filter((line) => line.startsWith('ACKED '));

  // Kill the broker mid-stream, once a good share of the records were acknowledged.
  const killAfter = Math.floor(recordCount / 5);
  const deadline = Date.now() + 90_000;
  while (acknowledgedLines().length < killAfter) {
    assert.ok(Date.now() < deadline && program.child.exitCode === null, `the producer did not get ${killAfter} acknowledgements: ${program.stdout().slice(-2000)}\n${program.stderr()}`);
    await sleep(20);
  }
  await broker.kill9();
  const acknowledgedBeforeKill = acknowledgedLines().map((line) => line.split(' ').slice(1).map(Number));
  assert.ok(acknowledgedBeforeKill.length < recordCount, 'the kill landed before the producer finished; raise recordCount');
  await sleep(500); // the producer sees the connection drop and starts retrying
  await broker.restart();

  const result = await program.done;
  await reportProgramSteps(t, result);
  const log = await kcatConsume(broker.bootstrap, topic, 0);
  assert.equal(log.length, recordCount, `records in the log; ${describeResult(result).slice(0, 4000)}`);
  for (const [index, offset] of acknowledgedBeforeKill) {
    assert.equal(log[offset ?? -1]?.payload, `value-${index}`, `record ${index}, acknowledged at offset ${offset} before the kill`);
  }
}

test('an idempotent Java producer sending through a kill -9 and restart writes every record exactly once, at the offsets it was acknowledged at', requireAll(requireJavaClient(), requireKcat()), async (t) => {
  const topic = 'restart-java-idempotent';
  await produceThroughKill9(t, 'java', (bootstrap) => javaArguments('IdempotentRestartProducer', [bootstrap, topic, '4000']), topic, 4000);
});

test('an idempotent librdkafka producer (confluent-kafka) sending through a kill -9 and restart writes every record exactly once, at the offsets it was acknowledged at', requireAll(requireConfluentKafka(), requireKcat()), async (t) => {
  const topic = 'restart-librdkafka-idempotent';
  const script = join(repositoryRoot, 'test/interop/python/idempotent_restart_producer.py');
  await produceThroughKill9(t, pythonPath, (bootstrap) => [script, bootstrap, topic, '4000'], topic, 4000);
});
