// Consumer groups with librdkafka's classic balanced consumer as Debian's kcat runs it (kcat -G,
// librdkafka 2.0.x, whose feature checks need JoinGroup/SyncGroup/Heartbeat/LeaveGroup/
// FindCoordinator v0, OffsetCommit 1..2 and OffsetFetch v1 in the advertised ranges):
// - three consumers share six partitions, each owning two, every record read once by its owner;
// - one is killed without leaving: after its session timeout its partitions move;
// - one leaves cleanly: the group rebalances at once;
// - a static member (group.instance.id) restarts within its session timeout without a rebalance;
// - the broker restarts (SIGTERM, then kill -9) and the group resumes from its committed offsets,
//   nothing lost or read twice.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';

import { kcatProduce, requireKcat, type KcatRecord } from './clients.ts';
import { describeResult, runProgram, startBroker, startProgram, type RunningProgram } from './harness.ts';

const SESSION_TIMEOUT_MS = 6_000;

/** A kcat -G consumer printing records as JSON (stdout) and its rebalances (stderr). */
class GroupConsumer {
  readonly program: RunningProgram;
  readonly name: string;

  constructor(bootstrap: string, group: string, topic: string, name: string, extraConfig: Record<string, string> = {}) {
    this.name = name;
    const settings: Record<string, string> = {
      'session.timeout.ms': String(SESSION_TIMEOUT_MS),
      'heartbeat.interval.ms': '500',
      'auto.commit.interval.ms': '100',
      'client.id': name,
      ...extraConfig,
    };
    // Not -o: kcat -G applies -o to every assignment, overriding committed offsets.
    // -u: unbuffered output, so records show up as they are read.
    const argumentList = ['-b', bootstrap, '-G', group, '-J', '-u', '-X', 'auto.offset.reset=earliest'];
    for (const [key, value] of Object.entries(settings)) argumentList.push('-X', `${key}=${value}`);
    this.program = startProgram('kcat', [...argumentList, topic], { timeoutMs: 180_000 });
  }

  records(): KcatRecord[] {
    return this.program
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as KcatRecord);
  }

  /** The partitions of the latest "assigned:" rebalance line, or [] after a revoke with none since. */
  assignment(): number[] {
    let current: number[] = [];
    for (const line of this.program.stderr().split('\n')) {
      const match = /rebalanced \(memberid [^)]*\): (assigned|revoked): (.*)$/.exec(line);
      if (match === null) continue;
      current = match[1] === 'assigned' ? [...match[2]!.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])).sort((a, b) => a - b) : [];
    }
    return current;
  }

  rebalanceCount(): number {
    return this.program.stderr().split('\n').filter((line) => line.includes('rebalanced')).length;
  }

  async stop(signal: NodeJS.Signals): Promise<void> {
    this.program.child.kill(signal);
    await this.program.done;
  }
}

async function waitFor(what: string, condition: () => boolean, timeoutMs: number, describe: () => string): Promise<number> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}\n${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return Date.now() - started;
}

function describeConsumers(consumers: readonly GroupConsumer[]): string {
  return consumers.map((c) => `--- ${c.name}: assignment [${c.assignment().join(',')}], ${c.records().length} record(s)\n${c.program.stderr()}`).join('\n');
}

/** Produces `perPartition` records to each partition, values naming wave, partition and index. */
async function produceWave(bootstrap: string, topic: string, wave: string, partitions: number, perPartition: number): Promise<string[]> {
  const values: string[] = [];
  for (let partition = 0; partition < partitions; partition++) {
    const records = Array.from({ length: perPartition }, (_, index) => ({ key: `k${index}`, value: `${wave}-p${partition}-${index}` }));
    await kcatProduce(bootstrap, topic, records, { partition });
    values.push(...records.map((record) => record.value));
  }
  return values;
}

/** Checks each value was read exactly once, and only by the consumer owning its partition. */
function assertReadOnceByOwner(consumers: readonly GroupConsumer[], values: readonly string[], owners: ReadonlyMap<number, GroupConsumer>): void {
  const wanted = new Set(values);
  const seen = new Map<string, string>();
  for (const consumer of consumers) {
    for (const record of consumer.records()) {
      const value = record.payload ?? '';
      if (!wanted.has(value)) continue;
      assert.equal(seen.get(value), undefined, `${value} was read twice (by ${seen.get(value)} and ${consumer.name})`);
      seen.set(value, consumer.name);
      assert.equal(owners.get(record.partition)?.name, consumer.name, `${value} (partition ${record.partition}) was read by its owner`);
    }
  }
  assert.deepEqual([...wanted].filter((value) => !seen.has(value)), [], 'every record was read');
}

function ownersOf(consumers: readonly GroupConsumer[], partitions: number): Map<number, GroupConsumer> {
  const owners = new Map<number, GroupConsumer>();
  for (const consumer of consumers) {
    for (const partition of consumer.assignment()) {
      assert.equal(owners.get(partition), undefined, `partition ${partition} is owned twice (${owners.get(partition)?.name} and ${consumer.name})`);
      owners.set(partition, consumer);
    }
  }
  assert.deepEqual([...owners.keys()].sort((a, b) => a - b), Array.from({ length: partitions }, (_, index) => index), 'every partition is owned');
  return owners;
}

test('kcat -G: three consumers share six partitions; a killed one is replaced after its session, a leaving one at once', requireKcat(), async (t: TestContext) => {
  const broker = await startBroker({ overrides: { 'num.partitions': '6', 'offsets.topic.num.partitions': '5', 'group.initial.rebalance.delay.ms': '0' } });
  const topic = 'shared';
  await produceWave(broker.bootstrap, topic, 'zero', 6, 1); // creates the topic

  const started = Date.now();
  const consumers = ['a', 'b', 'c'].map((name) => new GroupConsumer(broker.bootstrap, 'three', topic, `consumer-${name}`));
  t.after(async () => {
    for (const consumer of consumers) if (consumer.program.child.exitCode === null) await consumer.stop('SIGKILL');
  });
  await waitFor('three consumers with two partitions each', () => consumers.every((c) => c.assignment().length === 2), 60_000, () => describeConsumers(consumers));
  const joinToStableMs = Date.now() - started;
  t.diagnostic(`three-member group, consumers started to all assigned (kcat start-up included): ${joinToStableMs} ms`);
  let owners = ownersOf(consumers, 6);
  for (const consumer of consumers) assert.equal(consumer.assignment().length, 2, `${consumer.name} owns two partitions (none idle)`);

  const first = await produceWave(broker.bootstrap, topic, 'one', 6, 5);
  await waitFor('the first wave read', () => consumers.reduce((sum, c) => sum + c.records().filter((r) => r.payload?.startsWith('one-')).length, 0) >= first.length, 30_000, () => describeConsumers(consumers));
  assertReadOnceByOwner(consumers, first, owners);
  await new Promise((resolve) => setTimeout(resolve, 500)); // auto commit (every 100 ms)

  // Killed without leaving: the others take its partitions once its session times out.
  const [killed, left, last] = consumers as [GroupConsumer, GroupConsumer, GroupConsumer];
  const killedPartitions = killed.assignment();
  await killed.stop('SIGKILL');
  const killedAt = Date.now();
  await waitFor('the killed consumer\'s partitions to move', () => left.assignment().length + last.assignment().length === 6 && left.assignment().length === 3, 30_000, () => describeConsumers(consumers));
  const movedAfterMs = Date.now() - killedAt;
  t.diagnostic(`partitions of a killed member moved after ${movedAfterMs} ms (session timeout ${SESSION_TIMEOUT_MS} ms)`);
  assert.ok(movedAfterMs >= SESSION_TIMEOUT_MS - 1_500, `not before the session timeout (${movedAfterMs} ms)`);
  owners = ownersOf([left, last], 6);
  for (const partition of killedPartitions) assert.notEqual(owners.get(partition), undefined);
  const second = await produceWave(broker.bootstrap, topic, 'two', 6, 5);
  await waitFor('the second wave read', () => [left, last].reduce((sum, c) => sum + c.records().filter((r) => r.payload?.startsWith('two-')).length, 0) >= second.length, 30_000, () => describeConsumers(consumers));
  assertReadOnceByOwner([left, last], second, owners);
  await new Promise((resolve) => setTimeout(resolve, 500));

  // A clean leave (kcat closes the consumer on SIGTERM): the last one gets everything at once.
  await left.stop('SIGTERM');
  const leftAt = Date.now();
  await waitFor('the leaving consumer\'s partitions to move', () => last.assignment().length === 6, 30_000, () => describeConsumers(consumers));
  const leaveMovedMs = Date.now() - leftAt;
  t.diagnostic(`partitions of a leaving member moved after ${leaveMovedMs} ms`);
  assert.ok(leaveMovedMs < SESSION_TIMEOUT_MS - 1_000, `a leave rebalances before any session timeout (${leaveMovedMs} ms)`);
  const third = await produceWave(broker.bootstrap, topic, 'three', 6, 3);
  await waitFor('the third wave read', () => last.records().filter((r) => r.payload?.startsWith('three-')).length >= third.length, 30_000, () => describeConsumers(consumers));
  assertReadOnceByOwner([last], third, ownersOf([last], 6));
  await last.stop('SIGTERM');
});

test('kcat -G: a static member restarting within its session timeout keeps its partitions without a rebalance', requireKcat(), async () => {
  const broker = await startBroker({ overrides: { 'num.partitions': '4', 'offsets.topic.num.partitions': '5', 'group.initial.rebalance.delay.ms': '0' } });
  const topic = 'static';
  await produceWave(broker.bootstrap, topic, 'zero', 4, 1);
  const staticConfig = (instance: string) => ({ 'group.instance.id': instance, 'session.timeout.ms': '30000' });
  const steady = new GroupConsumer(broker.bootstrap, 'statics', topic, 'steady', staticConfig('steady-1'));
  let restarting = new GroupConsumer(broker.bootstrap, 'statics', topic, 'restarting', staticConfig('restarting-1'));
  const all = () => [steady, restarting];
  try {
    await waitFor('two static members with two partitions each', () => steady.assignment().length === 2 && restarting.assignment().length === 2, 60_000, () => describeConsumers(all()));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const before = restarting.assignment();
    const steadyRebalances = steady.rebalanceCount();
    // A static member does not send LeaveGroup when it closes.
    await restarting.stop('SIGTERM');
    restarting = new GroupConsumer(broker.bootstrap, 'statics', topic, 'restarting', staticConfig('restarting-1'));
    await waitFor('the restarted static member to get its partitions back', () => restarting.assignment().length > 0, 30_000, () => describeConsumers(all()));
    assert.deepEqual(restarting.assignment(), before, 'the same partitions');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    assert.equal(steady.rebalanceCount(), steadyRebalances, `the other member saw no rebalance\n${describeConsumers(all())}`);
    const values = await produceWave(broker.bootstrap, topic, 'after', 4, 3);
    await waitFor('records after the restart', () => all().reduce((sum, c) => sum + c.records().filter((r) => r.payload?.startsWith('after-')).length, 0) >= values.length, 30_000, () => describeConsumers(all()));
    assertReadOnceByOwner(all(), values, ownersOf(all(), 4));
  } finally {
    for (const consumer of all()) if (consumer.program.child.exitCode === null) await consumer.stop('SIGKILL');
  }
});

/** Consumes with kcat -G until every assigned partition is at its end (-e), committing on exit. */
async function consumeToEnd(bootstrap: string, group: string, topic: string): Promise<string[]> {
  const result = await runProgram('kcat', ['-b', bootstrap, '-G', group, '-J', '-X', 'auto.offset.reset=earliest', '-e', '-X', 'session.timeout.ms=6000', topic], { timeoutMs: 60_000 });
  assert.equal(result.code, 0, describeResult(result));
  return result.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => (JSON.parse(line) as KcatRecord).payload ?? '')
    .sort();
}

test('kcat -G resumes from committed offsets after the broker restarts (SIGTERM and kill -9), nothing lost or read twice', requireKcat(), async () => {
  const broker = await startBroker({ overrides: { 'num.partitions': '3', 'offsets.topic.num.partitions': '5', 'group.initial.rebalance.delay.ms': '0' } });
  const topic = 'resume';
  const first = await produceWave(broker.bootstrap, topic, 'one', 3, 10);
  assert.deepEqual(await consumeToEnd(broker.bootstrap, 'resumer', topic), [...first].sort());
  assert.deepEqual(await consumeToEnd(broker.bootstrap, 'resumer', topic), [], 'nothing new before the restart');

  const second = await produceWave(broker.bootstrap, topic, 'two', 3, 10);
  await broker.restart();
  assert.deepEqual(await consumeToEnd(broker.bootstrap, 'resumer', topic), [...second].sort(), 'after a SIGTERM restart: exactly the new records');

  const third = await produceWave(broker.bootstrap, topic, 'three', 3, 10);
  await broker.kill9();
  await broker.restart();
  assert.deepEqual(await consumeToEnd(broker.bootstrap, 'resumer', topic), [...third].sort(), 'after kill -9: exactly the new records');
});
