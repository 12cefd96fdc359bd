// kafkajs 2.2.4 (old, non-flexible protocol versions: Produce v7, Metadata v6, CreateTopics v3, ...)
// against a real broker: admin (createTopics, fetchTopicMetadata, createPartitions, describeConfigs,
// alterConfigs, fetchTopicOffsets, fetchTopicOffsetsByTimestamp, deleteTopicRecords, deleteTopics,
// describeCluster) and the producer (plain, gzip, idempotent). kafkajs's consumer needs consumer
// groups, which come later, so records are read back with kcat.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import kafkajs, { type Kafka as KafkaClient, type LogEntry, type Message } from 'kafkajs';
import { assertKcatRecords, kcatConsume, requireKcat, type ExpectedRecord } from './clients.ts';
import { startBroker } from './harness.ts';

// kafkajs is CommonJS whose exports Node cannot all name statically: take them from the default export.
const { CompressionTypes, ConfigResourceTypes, Kafka, logLevel } = kafkajs;

const baseTimestamp = 1_700_000_000_000;

/** kafkajs's own log lines (warn and above), kept for failure messages. */
function createClient(bootstrap: string): { kafka: KafkaClient; logs: string[] } {
  const logs: string[] = [];
  const kafka = new Kafka({
    clientId: 'fjord-interop-kafkajs',
    brokers: [bootstrap],
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      logs.push(`${entry.label} ${entry.namespace}: ${entry.log.message} ${JSON.stringify(entry.log)}`);
    },
    retry: { retries: 3, initialRetryTime: 100 },
  });
  return { kafka, logs };
}

function messagesFor(prefix: string, count: number, partition: number): { messages: Message[]; expected: ExpectedRecord[] } {
  const messages: Message[] = [];
  const expected: ExpectedRecord[] = [];
  for (let index = 0; index < count; index += 1) {
    const key = index % 10 === 3 ? null : `${prefix}-key-${index}`;
    const value = `${prefix}-value-${index}-${prefix.repeat(index % 5)}`;
    const timestamp = baseTimestamp + index * 1000;
    const headers: Array<[string, string]> = index % 4 === 0 ? [] : [['trace', `t${index}`], ['trace', 'again'], ['source', 'kafkajs']];
    messages.push({
      key,
      value,
      partition,
      timestamp: String(timestamp),
      headers: headers.length === 0 ? {} : { trace: [`t${index}`, 'again'], source: 'kafkajs' },
    });
    expected.push({ offset: index, key, value, headers, timestamp });
  }
  return { messages, expected };
}

test('kafkajs 2.2.4 admin creates, describes, alters, grows, queries and deletes topics', async (t) => {
  const broker = await startBroker();
  const { kafka, logs } = createClient(broker.bootstrap);
  const admin = kafka.admin();
  t.after(() => admin.disconnect());
  const context = (): string => `kafkajs log:\n${logs.join('\n')}`;
  await admin.connect();
  const topic = 'kafkajs-admin';

  const cluster = await admin.describeCluster();
  assert.equal(cluster.brokers.length, 1, context());
  const self = cluster.brokers[0];
  assert.ok(self !== undefined);
  assert.equal(`${self.host}:${self.port}`, broker.bootstrap);
  assert.equal(cluster.controller, self.nodeId, 'the broker is the controller');
  assert.ok(cluster.clusterId.length > 0, 'cluster id');

  assert.equal(
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: '3600000' }] }], waitForLeaders: true }),
    true,
    `createTopics reports a new topic; ${context()}`,
  );
  assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] }), false, 'createTopics of an existing topic reports false');
  assert.ok((await admin.listTopics()).includes(topic), 'listTopics');

  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  const partitions = metadata.topics[0]?.partitions ?? [];
  assert.deepEqual(partitions.map((partition) => partition.partitionId).sort(), [0, 1, 2]);
  for (const partition of partitions) {
    assert.equal(partition.partitionErrorCode, 0);
    assert.equal(partition.leader, self.nodeId);
    assert.deepEqual(partition.replicas, [self.nodeId]);
    assert.deepEqual(partition.isr, [self.nodeId]);
  }

  await admin.createPartitions({ topicPartitions: [{ topic, count: 4 }] });
  const grown = await admin.fetchTopicMetadata({ topics: [topic] });
  assert.equal(grown.topics[0]?.partitions.length, 4, 'partitions after createPartitions');

  const describe = async (): Promise<Map<string, { value: string; isDefault: boolean }>> => {
    const described = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }], includeSynonyms: false });
    const resource = described.resources[0];
    assert.ok(resource !== undefined);
    assert.equal(resource.errorCode, 0);
    return new Map(resource.configEntries.map((entry) => [entry.configName, { value: entry.configValue, isDefault: entry.isDefault }]));
  };
  const before = await describe();
  assert.deepEqual(before.get('retention.ms'), { value: '3600000', isDefault: false });
  assert.deepEqual(before.get('cleanup.policy'), { value: 'delete', isDefault: true });
  // AlterConfigs (not incremental) replaces the topic's whole override set.
  await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'max.message.bytes', value: '2000000' }] }] });
  const after = await describe();
  assert.deepEqual(after.get('max.message.bytes'), { value: '2000000', isDefault: false });
  assert.equal(after.get('retention.ms')?.isDefault, true, 'retention.ms reverts to the default after a non-incremental AlterConfigs without it');
  assert.equal(after.get('retention.ms')?.value, '604800000');

  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  t.after(() => producer.disconnect());
  const { messages } = messagesFor('q', 30, 1);
  await producer.send({ topic, messages });
  const offsets = await admin.fetchTopicOffsets(topic);
  const partitionOne = offsets.find((entry) => entry.partition === 1);
  assert.deepEqual(partitionOne && { low: partitionOne.low, high: partitionOne.high }, { low: '0', high: '30' });
  for (const entry of offsets.filter((candidate) => candidate.partition !== 1)) assert.equal(entry.high, '0');
  const byTime = await admin.fetchTopicOffsetsByTimestamp(topic, baseTimestamp + 12_500);
  assert.equal(byTime.find((entry) => entry.partition === 1)?.offset, '13', 'offset by timestamp');

  await admin.deleteTopicRecords({ topic, partitions: [{ partition: 1, offset: '10' }] });
  const afterDelete = await admin.fetchTopicOffsets(topic);
  assert.equal(afterDelete.find((entry) => entry.partition === 1)?.low, '10', 'low watermark after deleteTopicRecords');

  await admin.deleteTopics({ topics: [topic], timeout: 15_000 });
  assert.ok(!(await admin.listTopics()).includes(topic), 'listTopics after deleteTopics');
});

test('kafkajs 2.2.4 producers (plain, gzip, idempotent) write records kcat reads back with keys, headers and timestamps', requireKcat(), async (t) => {
  const broker = await startBroker();
  const { kafka, logs } = createClient(broker.bootstrap);
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  const topic = 'kafkajs-records';
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });

  const cases = [
    { name: 'plain', partition: 0, options: {}, send: {} },
    { name: 'gzip', partition: 1, options: {}, send: { compression: CompressionTypes.GZIP } },
    { name: 'idempotent', partition: 2, options: { idempotent: true, maxInFlightRequests: 1 }, send: { acks: -1 } },
  ] as const;
  for (const testCase of cases) {
    await t.test(testCase.name, async () => {
      const producer = kafka.producer({ allowAutoTopicCreation: false, ...testCase.options });
      await producer.connect();
      try {
        const { messages, expected } = messagesFor(testCase.name, 50, testCase.partition);
        // Two sends, so the second batch's base offset is checked too.
        const first = await producer.send({ topic, messages: messages.slice(0, 20), ...testCase.send });
        const second = await producer.send({ topic, messages: messages.slice(20), ...testCase.send });
        assert.deepEqual(first.map((entry) => [entry.partition, entry.errorCode, entry.baseOffset]), [[testCase.partition, 0, '0']], `kafkajs log:\n${logs.join('\n')}`);
        assert.deepEqual(second.map((entry) => [entry.partition, entry.errorCode, entry.baseOffset]), [[testCase.partition, 0, '20']]);
        assertKcatRecords(await kcatConsume(broker.bootstrap, topic, testCase.partition), expected);
      } finally {
        await producer.disconnect();
      }
    });
  }
});
