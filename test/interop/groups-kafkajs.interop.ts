// Consumer groups with kafkajs 2.2.4 (JoinGroup v5, SyncGroup v3, Heartbeat v3, OffsetCommit v5,
// OffsetFetch v4, FindCoordinator v2): two consumers share a topic's partitions, each record read
// once by its partition's owner; offsets are committed and a new consumer of the group resumes
// after them; the admin client lists, describes, reads offsets of and deletes the group.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import kafkajs, { type Consumer, type Kafka as KafkaClient, type LogEntry } from 'kafkajs';

import { startBroker } from './harness.ts';

const { Kafka, logLevel } = kafkajs;

function createClient(bootstrap: string): { kafka: KafkaClient; logs: string[] } {
  const logs: string[] = [];
  const kafka = new Kafka({
    clientId: 'fjord-groups-kafkajs',
    brokers: [bootstrap],
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      logs.push(`${entry.label} ${entry.namespace}: ${entry.log.message}`);
    },
    retry: { retries: 5, initialRetryTime: 100 },
  });
  return { kafka, logs };
}

interface Read {
  consumer: string;
  partition: number;
  offset: string;
  value: string;
}

async function waitFor(what: string, condition: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}\n${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('kafkajs 2.2.4 consumers share partitions, commit, and a later consumer resumes after the commits', async (t) => {
  const broker = await startBroker({ overrides: { 'offsets.topic.num.partitions': '5', 'group.initial.rebalance.delay.ms': '0' } });
  const { kafka, logs } = createClient(broker.bootstrap);
  const context = () => `kafkajs log:\n${logs.join('\n')}`;
  const topic = 'kafkajs-groups';
  const groupId = 'kafkajs-group';
  const admin = kafka.admin();
  const producer = kafka.producer();
  const consumers: Consumer[] = [];
  t.after(async () => {
    for (const consumer of consumers) await consumer.disconnect().catch(() => {});
    await producer.disconnect().catch(() => {});
    await admin.disconnect().catch(() => {});
  });
  await admin.connect();
  await producer.connect();
  assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 4 }] }), true);

  const reads: Read[] = [];
  const assignments = new Map<string, number[]>();
  const startConsumer = async (name: string): Promise<Consumer> => {
    const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 500, rebalanceTimeout: 10_000 });
    consumers.push(consumer);
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      assignments.set(name, [...(event.payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b));
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        reads.push({ consumer: name, partition, offset: message.offset, value: message.value?.toString() ?? '' });
      },
    });
    return consumer;
  };
  const first = await startConsumer('first');
  const second = await startConsumer('second');
  await waitFor(
    'two members with two partitions each',
    () => assignments.get('first')?.length === 2 && assignments.get('second')?.length === 2,
    60_000,
    () => `${JSON.stringify([...assignments])}\n${context()}`,
  );
  const owned = [...(assignments.get('first') ?? []), ...(assignments.get('second') ?? [])].sort();
  assert.deepEqual(owned, [0, 1, 2, 3], 'each partition owned once');

  const produce = async (wave: string, perPartition: number): Promise<string[]> => {
    const values: string[] = [];
    for (let partition = 0; partition < 4; partition++) {
      const messages = Array.from({ length: perPartition }, (_, index) => ({ value: `${wave}-p${partition}-${index}`, partition }));
      await producer.send({ topic, messages });
      values.push(...messages.map((m) => m.value));
    }
    return values;
  };
  const firstWave = await produce('one', 5);
  await waitFor('the first wave read', () => reads.filter((r) => r.value.startsWith('one-')).length >= firstWave.length, 30_000, context);
  const owner = (partition: number) => [...assignments].find(([, partitions]) => partitions.includes(partition))?.[0];
  for (const value of firstWave) {
    const matching = reads.filter((r) => r.value === value);
    assert.equal(matching.length, 1, `${value} read once`);
    assert.equal(matching[0]!.consumer, owner(matching[0]!.partition), `${value} read by its partition's owner`);
  }
  // kafkajs commits resolved offsets after each batch and on disconnect.
  await first.disconnect();
  await second.disconnect();

  const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
  assert.deepEqual(
    offsets[0]?.partitions.map((p) => [p.partition, p.offset]).sort(),
    [[0, '5'], [1, '5'], [2, '5'], [3, '5']],
    'committed offsets after the first wave',
  );
  const listed = await admin.listGroups();
  assert.ok(listed.groups.some((group) => group.groupId === groupId && group.protocolType === 'consumer'), JSON.stringify(listed));
  const described = await admin.describeGroups([groupId]);
  assert.equal(described.groups[0]?.state, 'Empty');

  const secondWave = await produce('two', 3);
  const before = reads.length;
  await startConsumer('third');
  await waitFor('the second wave read', () => reads.filter((r) => r.value.startsWith('two-')).length >= secondWave.length, 30_000, context);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const afterRestart = reads.slice(before);
  assert.deepEqual(afterRestart.map((r) => r.value).sort(), [...secondWave].sort(), 'exactly the records after the committed offsets');
  const stable = await admin.describeGroups([groupId]);
  assert.equal(stable.groups[0]?.state, 'Stable');
  assert.equal(stable.groups[0]?.members.length, 1);
  await consumers.at(-1)!.disconnect();

  await admin.deleteGroups([groupId]);
  const gone = await admin.listGroups();
  assert.ok(!gone.groups.some((group) => group.groupId === groupId), 'the group is deleted');
});
