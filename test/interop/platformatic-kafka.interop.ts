// @platformatic/kafka (current 2.x: flexible protocol versions only, ApiVersions v3, Metadata 9+,
// Produce 7+, CreateTopics 7, DeleteTopics 6) against a real broker: Admin (metadata, createTopics,
// createPartitions, describeConfigs, alterConfigs, incrementalAlterConfigs, listOffsets,
// deleteRecords, deleteTopics) and the producer (plain, gzip, idempotent). Its consumer needs
// consumer groups, which come later, so records are read back with kcat.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import {
  Admin,
  ConfigResourceTypes,
  ConfigSources,
  IncrementalAlterConfigOperationTypes,
  Producer,
  serializersFrom,
  stringSerializer,
  type ConfigDescription,
} from '@platformatic/kafka';
import { assertKcatRecords, kcatConsume, requireKcat, type ExpectedRecord } from './clients.ts';
import { startBroker } from './harness.ts';

const baseTimestamp = 1_700_000_000_000;
const clientOptions = { clientId: 'fjord-interop-platformatic', timeout: 15_000, retries: 3, retryDelay: 200 } as const;

function configMap(descriptions: ConfigDescription[]) {
  const description = descriptions[0];
  assert.ok(description !== undefined, 'a describeConfigs result');
  return new Map(description.configs.map((config) => [config.name, { value: config.value, source: config.configSource }]));
}

test('@platformatic/kafka admin creates, describes, alters, grows, queries and deletes topics', async (t) => {
  const broker = await startBroker();
  const admin = new Admin({ ...clientOptions, bootstrapBrokers: [broker.bootstrap] });
  t.after(() => admin.close());
  const topic = 'platformatic-admin';

  const created = await admin.createTopics({ topics: [topic], partitions: 3, replicas: 1, configs: [{ name: 'retention.ms', value: '3600000' }] });
  assert.equal(created.length, 1);
  assert.equal(created[0]?.name, topic);
  assert.equal(created[0]?.partitions, 3);
  assert.match(created[0]?.id ?? '', /^[0-9a-f-]{36}$|^[A-Za-z0-9_-]{22}$/, 'a topic id');
  assert.ok((await admin.listTopics()).includes(topic), 'listTopics');

  const metadata = await admin.metadata({ topics: [topic] });
  assert.equal(metadata.brokers.size, 1, 'one broker');
  const [nodeId, self] = [...metadata.brokers.entries()][0] ?? [];
  assert.ok(nodeId !== undefined && self !== undefined);
  assert.equal(`${self.host}:${self.port}`, broker.bootstrap);
  assert.equal(metadata.controllerId, nodeId, 'the broker is the controller');
  const topicMetadata = metadata.topics.get(topic);
  assert.ok(topicMetadata !== undefined);
  assert.equal(topicMetadata.id, created[0]?.id, 'the same topic id from Metadata and CreateTopics');
  assert.equal(topicMetadata.partitionsCount, 3);
  for (const partition of topicMetadata.partitions) {
    assert.equal(partition.leader, nodeId);
    assert.deepEqual(partition.replicas, [nodeId]);
    assert.deepEqual(partition.isr, [nodeId]);
  }

  await admin.createPartitions({ topics: [{ name: topic, count: 5 }] });
  // Metadata may trail the controller for a moment (it does in Kafka): poll, bounded.
  let partitionsCount: number | undefined;
  for (let attempt = 0; attempt < 50 && partitionsCount !== 5; attempt += 1) {
    if (attempt > 0) await sleep(100);
    partitionsCount = (await admin.metadata({ topics: [topic], forceUpdate: true })).topics.get(topic)?.partitionsCount;
  }
  assert.equal(partitionsCount, 5, 'partitions after createPartitions');

  const resource = { resourceType: ConfigResourceTypes.TOPIC, resourceName: topic };
  const initial = configMap(await admin.describeConfigs({ resources: [resource] }));
  assert.deepEqual(initial.get('retention.ms'), { value: '3600000', source: ConfigSources.DYNAMIC_TOPIC_CONFIG });
  assert.deepEqual(initial.get('cleanup.policy'), { value: 'delete', source: ConfigSources.DEFAULT_CONFIG });

  await admin.incrementalAlterConfigs({
    resources: [{ ...resource, configs: [{ name: 'retention.ms', configOperation: IncrementalAlterConfigOperationTypes.SET, value: '7200000' }] }],
  });
  assert.equal(configMap(await admin.describeConfigs({ resources: [resource] })).get('retention.ms')?.value, '7200000', 'retention.ms after incrementalAlterConfigs');

  await admin.alterConfigs({ resources: [{ ...resource, configs: [{ name: 'max.message.bytes', value: '2000000' }] }] });
  const altered = configMap(await admin.describeConfigs({ resources: [resource] }));
  assert.deepEqual(altered.get('max.message.bytes'), { value: '2000000', source: ConfigSources.DYNAMIC_TOPIC_CONFIG });
  assert.deepEqual(altered.get('retention.ms'), { value: '604800000', source: ConfigSources.DEFAULT_CONFIG }, 'AlterConfigs replaces the whole override set');

  const producer = new Producer({ ...clientOptions, bootstrapBrokers: [broker.bootstrap], serializers: serializersFrom(stringSerializer) });
  t.after(() => producer.close());
  await producer.send({
    messages: Array.from({ length: 30 }, (_, index) => ({ topic, partition: 2, key: `k${index}`, value: `v${index}`, timestamp: BigInt(baseTimestamp + index * 1000) })),
  });
  const listOffsets = async (timestamp: bigint): Promise<bigint | undefined> => {
    const listed = await admin.listOffsets({ topics: [{ name: topic, partitions: [{ partitionIndex: 2, timestamp }] }] });
    return listed[0]?.partitions.find((partition) => partition.partitionIndex === 2)?.offset;
  };
  assert.equal(await listOffsets(-2n), 0n, 'earliest');
  assert.equal(await listOffsets(-1n), 30n, 'latest');
  assert.equal(await listOffsets(BigInt(baseTimestamp + 12_500)), 13n, 'by timestamp');
  assert.equal(await listOffsets(-3n), 29n, 'max timestamp');

  const deleted = await admin.deleteRecords({ topics: [{ name: topic, partitions: [{ partition: 2, offset: 10n }] }] });
  assert.equal(deleted[0]?.partitions[0]?.lowWatermark, 10n, 'low watermark after deleteRecords');
  assert.equal(await listOffsets(-2n), 10n, 'earliest after deleteRecords');

  await admin.deleteTopics({ topics: [topic] });
  assert.ok(!(await admin.listTopics()).includes(topic), 'listTopics after deleteTopics');
});

test('@platformatic/kafka producers (plain, gzip, idempotent) write records kcat reads back with keys, headers and timestamps', requireKcat(), async (t) => {
  const broker = await startBroker();
  const admin = new Admin({ ...clientOptions, bootstrapBrokers: [broker.bootstrap] });
  t.after(() => admin.close());
  const topic = 'platformatic-records';
  await admin.createTopics({ topics: [topic], partitions: 3, replicas: 1 });

  const cases = [
    { name: 'plain', partition: 0, options: {} },
    { name: 'gzip', partition: 1, options: { compression: 'gzip' } },
    { name: 'idempotent', partition: 2, options: { idempotent: true, retries: 5 } },
  ] as const;
  for (const testCase of cases) {
    await t.test(testCase.name, async () => {
      const producer = new Producer({ ...clientOptions, ...testCase.options, bootstrapBrokers: [broker.bootstrap], serializers: serializersFrom(stringSerializer) });
      try {
        const expected: ExpectedRecord[] = [];
        const messages = Array.from({ length: 50 }, (_, index) => {
          const key = `${testCase.name}-key-${index}`;
          const value = `${testCase.name}-value-${index}-${'p'.repeat(index % 6)}`;
          const timestamp = baseTimestamp + index * 1000;
          const headers: Array<[string, string]> = index % 4 === 0 ? [] : [['trace', `t${index}`], ['source', 'platformatic']];
          expected.push({ offset: index, key, value, headers, timestamp });
          return { topic, partition: testCase.partition, key, value, headers: new Map(headers), timestamp: BigInt(timestamp) };
        });
        const first = await producer.send({ messages: messages.slice(0, 20) });
        const second = await producer.send({ messages: messages.slice(20) });
        assert.deepEqual(first.offsets, [{ topic, partition: testCase.partition, offset: 0n }]);
        assert.deepEqual(second.offsets, [{ topic, partition: testCase.partition, offset: 20n }]);
        assertKcatRecords(await kcatConsume(broker.bootstrap, topic, testCase.partition), expected);
      } finally {
        await producer.close();
      }
    });
  }
});
