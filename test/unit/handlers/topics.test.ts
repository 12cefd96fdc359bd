import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createPartitionsRequest, createTopicsRequest, deleteTopicsRequest, ErrorCode, produceRequest } from '../../../src/protocol/index.ts';
import type { KafkaTestClient } from '../../helpers/kafka-client.ts';
import { simpleBatch } from '../../helpers/record-batches.ts';
import { startBroker, type BrokerFixture } from './fixture.ts';

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';
const TOPIC_CONFIG = 1;
const DEFAULT_CONFIG = 5;

function topic(name: string, numPartitions = 1, configs: Array<{ name: string; value: string | null }> = []) {
  return { name, numPartitions, replicationFactor: 1, assignments: [], configs };
}

describe('CreateTopics', () => {
  let fixture: BrokerFixture;
  let client: KafkaTestClient;
  before(async () => {
    fixture = await startBroker({ 'num.partitions': '4' });
    client = await fixture.connect();
  });
  after(() => fixture?.stop());

  test('v7 creates the topic and answers with its id, partitions, replication factor and configs with sources', async () => {
    const reply = await client.send(createTopicsRequest, 7, { topics: [topic('orders', 3, [{ name: 'retention.ms', value: '3600000' }])], timeoutMs: 5000 });
    const result = reply.topics[0]!;
    assert.equal(result.errorCode, ErrorCode.NONE);
    assert.equal(result.errorMessage, null);
    const stored = fixture.broker.metadata.topic('orders')!;
    assert.equal(result.topicId, stored.topicId);
    assert.equal(stored.partitionCount, 3);
    assert.deepEqual(stored.configs, { 'retention.ms': '3600000' });
    assert.equal(fixture.broker.logs.hasPartition('orders', 2), true);
    assert.deepEqual([result.numPartitions, result.replicationFactor], [3, 1]);
    const retention = result.configs!.find((c) => c.name === 'retention.ms')!;
    assert.deepEqual(retention, { name: 'retention.ms', value: '3600000', readOnly: false, configSource: TOPIC_CONFIG, isSensitive: false });
    const segment = result.configs!.find((c) => c.name === 'segment.bytes')!;
    assert.deepEqual([segment.value, segment.configSource], ['1073741824', DEFAULT_CONFIG]);
  });

  test('-1 partitions and replication factor take the broker defaults', async () => {
    const reply = await client.send(createTopicsRequest, 7, { topics: [{ name: 'defaults', numPartitions: -1, replicationFactor: -1 }], timeoutMs: 5000 });
    assert.deepEqual([reply.topics[0]!.errorCode, reply.topics[0]!.numPartitions, reply.topics[0]!.replicationFactor], [ErrorCode.NONE, 4, 1]);
    assert.equal(fixture.broker.metadata.topic('defaults')?.partitionCount, 4);
  });

  test('validateOnly checks and describes without creating', async () => {
    const reply = await client.send(createTopicsRequest, 7, { topics: [topic('dry-run', 2, [{ name: 'cleanup.policy', value: 'compact' }])], timeoutMs: 5000, validateOnly: true });
    const result = reply.topics[0]!;
    assert.deepEqual([result.errorCode, result.topicId, result.numPartitions], [ErrorCode.NONE, ZERO_UUID, 2]);
    assert.equal(result.configs!.find((c) => c.name === 'cleanup.policy')?.value, 'compact');
    assert.equal(fixture.broker.metadata.topic('dry-run'), undefined);
    const invalid = await client.send(createTopicsRequest, 7, { topics: [topic('dry-run', 0)], timeoutMs: 5000, validateOnly: true });
    assert.equal(invalid.topics[0]!.errorCode, ErrorCode.INVALID_PARTITIONS);
  });

  test('a name given twice is INVALID_REQUEST once, after the others, which are still created', async () => {
    const reply = await client.send(createTopicsRequest, 7, { topics: [topic('twice'), topic('once'), topic('twice')], timeoutMs: 5000 });
    assert.deepEqual(
      reply.topics.map((t) => [t.name, t.errorCode, t.errorMessage]),
      [
        ['once', ErrorCode.NONE, null],
        ['twice', ErrorCode.INVALID_REQUEST, 'Duplicate topic name.'],
      ],
    );
    assert.equal(fixture.broker.metadata.topic('twice'), undefined);
    assert.notEqual(fixture.broker.metadata.topic('once'), undefined);
  });

  test('per-topic errors carry Kafka codes and messages', async () => {
    await client.send(createTopicsRequest, 7, { topics: [topic('exists')], timeoutMs: 5000 });
    const reply = await client.send(createTopicsRequest, 7, {
      topics: [
        topic('exists'),
        { name: 'replicated', numPartitions: 1, replicationFactor: 3 },
        topic('no-partitions', 0),
        topic('bad-config', 1, [{ name: 'retention.ms', value: 'soon' }]),
        topic('unknown-config', 1, [{ name: 'no.such.config', value: '1' }]),
        topic('bad name'),
        topic('__cluster_metadata'),
        { name: 'elsewhere', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [99] }] },
      ],
      timeoutMs: 5000,
    });
    const byName = new Map(reply.topics.map((t) => [t.name, t]));
    assert.deepEqual([byName.get('exists')!.errorCode, byName.get('exists')!.errorMessage], [ErrorCode.TOPIC_ALREADY_EXISTS, "Topic 'exists' already exists."]);
    assert.equal(byName.get('replicated')!.errorCode, ErrorCode.INVALID_REPLICATION_FACTOR);
    assert.match(byName.get('replicated')!.errorMessage!, /only 1 broker\(s\) are registered/);
    assert.equal(byName.get('no-partitions')!.errorCode, ErrorCode.INVALID_PARTITIONS);
    assert.equal(byName.get('bad-config')!.errorCode, ErrorCode.INVALID_CONFIG);
    assert.equal(byName.get('unknown-config')!.errorCode, ErrorCode.INVALID_CONFIG);
    assert.equal(byName.get('bad name')!.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
    assert.deepEqual([byName.get('__cluster_metadata')!.errorCode, byName.get('__cluster_metadata')!.errorMessage], [ErrorCode.INVALID_REQUEST, 'Creation of internal topic __cluster_metadata is prohibited.']);
    assert.equal(byName.get('elsewhere')!.errorCode, ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    for (const failed of reply.topics) assert.deepEqual([failed.topicId, failed.numPartitions, failed.replicationFactor, failed.configs], [ZERO_UUID, -1, -1, []]);
    for (const name of ['replicated', 'no-partitions', 'bad-config', 'unknown-config', 'elsewhere']) assert.equal(fixture.broker.metadata.topic(name), undefined, name);
  });

  test('manual assignments naming this node create one partition per assignment', async () => {
    const nodeId = fixture.broker.metadata.nodeId;
    const reply = await client.send(createTopicsRequest, 7, {
      topics: [{ name: 'assigned', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [nodeId] }, { partitionIndex: 1, brokerIds: [nodeId] }] }],
      timeoutMs: 5000,
    });
    assert.deepEqual([reply.topics[0]!.errorCode, reply.topics[0]!.numPartitions], [ErrorCode.NONE, 2]);
    const outOfOrder = await client.send(createTopicsRequest, 7, {
      topics: [{ name: 'unordered', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 1, brokerIds: [nodeId] }] }],
      timeoutMs: 5000,
    });
    assert.equal(outOfOrder.topics[0]!.errorCode, ErrorCode.INVALID_REPLICA_ASSIGNMENT);
  });

  test('more than 10 000 partitions in one request is POLICY_VIOLATION for every topic, and nothing is created', async () => {
    const reply = await client.send(createTopicsRequest, 7, { topics: [topic('huge-a', 6000), topic('huge-b', 4001)], timeoutMs: 5000 });
    assert.deepEqual(
      reply.topics.map((t) => [t.name, t.errorCode, t.errorMessage]),
      [
        ['huge-a', ErrorCode.POLICY_VIOLATION, 'Excessively large number of partitions per request.'],
        ['huge-b', ErrorCode.POLICY_VIOLATION, 'Excessively large number of partitions per request.'],
      ],
    );
    assert.equal(fixture.broker.metadata.topic('huge-a'), undefined);
  });

  test('v3 (kafkajs) and v2 work: no configs in the answer', async () => {
    const v3 = await client.send(createTopicsRequest, 3, { topics: [topic('from-kafkajs', 2)], timeoutMs: 5000 });
    assert.equal(v3.topics[0]!.errorCode, ErrorCode.NONE);
    const v2 = await client.send(createTopicsRequest, 2, { topics: [topic('from-kafkajs')], timeoutMs: 5000 });
    assert.equal(v2.topics[0]!.errorCode, ErrorCode.TOPIC_ALREADY_EXISTS);
    assert.equal(fixture.broker.metadata.topic('from-kafkajs')?.partitionCount, 2);
  });
});

describe('DeleteTopics', () => {
  let fixture: BrokerFixture;
  let client: KafkaTestClient;
  before(async () => {
    fixture = await startBroker();
    client = await fixture.connect();
    await client.send(createTopicsRequest, 7, { topics: ['d1', 'd2', 'd3', 'd4', 'd5'].map((name) => topic(name, 2)), timeoutMs: 5000 });
  });
  after(() => fixture?.stop());

  test('v1 deletes by name: metadata and logs are gone; unknown names are UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const reply = await client.send(deleteTopicsRequest, 1, { topicNames: ['d1', 'missing'], timeoutMs: 5000 });
    assert.deepEqual(
      reply.responses.map((r) => [r.name, r.errorCode]).sort(),
      [
        ['d1', ErrorCode.NONE],
        ['missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ],
    );
    assert.equal(fixture.broker.metadata.topic('d1'), undefined);
    assert.equal(fixture.broker.logs.hasPartition('d1', 0), false);
  });

  test('v6 deletes by topic id and answers with name and id; unknown ids are UNKNOWN_TOPIC_ID', async () => {
    const topicId = fixture.broker.metadata.topic('d2')!.topicId;
    const reply = await client.send(deleteTopicsRequest, 6, { topics: [{ name: null, topicId }, { name: null, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' }], timeoutMs: 5000 });
    const deleted = reply.responses.find((r) => r.topicId === topicId)!;
    assert.deepEqual([deleted.name, deleted.errorCode], ['d2', ErrorCode.NONE]);
    const unknown = reply.responses.find((r) => r.topicId === 'AAAAAAAAAAAAAAAAAAAAAQ')!;
    assert.deepEqual([unknown.name, unknown.errorCode], [null, ErrorCode.UNKNOWN_TOPIC_ID]);
    assert.equal(fixture.broker.metadata.topicById(topicId), undefined);
  });

  test('v6 refuses entries with neither or both of name and id, repeated names and ids, and a name its id already names', async () => {
    const d3 = fixture.broker.metadata.topic('d3')!.topicId;
    const d4 = fixture.broker.metadata.topic('d4')!.topicId;
    const reply = await client.send(deleteTopicsRequest, 6, {
      topics: [
        { name: null, topicId: ZERO_UUID },
        { name: 'd3', topicId: d3 },
        { name: 'd5', topicId: ZERO_UUID },
        { name: 'd5', topicId: ZERO_UUID },
        { name: null, topicId: d3 },
        { name: null, topicId: d3 },
        { name: null, topicId: d4 },
        { name: 'd4', topicId: ZERO_UUID },
      ],
      timeoutMs: 5000,
    });
    const messages = reply.responses.map((r) => [r.name, r.errorCode, r.errorMessage]);
    assert.deepEqual(new Set(messages), new Set([
      [null, ErrorCode.INVALID_REQUEST, 'Neither topic name nor id were specified.'],
      ['d3', ErrorCode.INVALID_REQUEST, 'You may not specify both topic name and topic id.'],
      ['d5', ErrorCode.INVALID_REQUEST, 'Duplicate topic name.'],
      [null, ErrorCode.INVALID_REQUEST, 'Duplicate topic id.'],
      ['d4', ErrorCode.INVALID_REQUEST, 'The provided topic name maps to an ID that was already supplied.'],
    ]));
    for (const name of ['d3', 'd4', 'd5']) assert.notEqual(fixture.broker.metadata.topic(name), undefined, name);
  });
});

describe('DeleteTopics with delete.topic.enable=false', () => {
  let fixture: BrokerFixture;
  before(async () => {
    fixture = await startBroker({ 'delete.topic.enable': 'false' });
  });
  after(() => fixture?.stop());

  test('v1-2 answer INVALID_REQUEST and v3+ TOPIC_DELETION_DISABLED, and nothing is deleted', async () => {
    const client = await fixture.connect();
    await client.send(createTopicsRequest, 7, { topics: [topic('kept')], timeoutMs: 5000 });
    const v1 = await client.send(deleteTopicsRequest, 1, { topicNames: ['kept'], timeoutMs: 5000 });
    assert.deepEqual(v1.responses.map((r) => [r.name, r.errorCode]), [['kept', ErrorCode.INVALID_REQUEST]]);
    const v4 = await client.send(deleteTopicsRequest, 4, { topicNames: ['kept'], timeoutMs: 5000 });
    assert.deepEqual(v4.responses.map((r) => [r.name, r.errorCode]), [['kept', ErrorCode.TOPIC_DELETION_DISABLED]]);
    assert.notEqual(fixture.broker.metadata.topic('kept'), undefined);
  });
});

describe('CreatePartitions', () => {
  let fixture: BrokerFixture;
  let client: KafkaTestClient;
  before(async () => {
    fixture = await startBroker();
    client = await fixture.connect();
    await client.send(createTopicsRequest, 7, { topics: [topic('grow'), topic('fixed', 2)], timeoutMs: 5000 });
  });
  after(() => fixture?.stop());

  test('v1 adds partitions that are usable at once', async () => {
    const reply = await client.send(createPartitionsRequest, 1, { topics: [{ name: 'grow', count: 3, assignments: null }], timeoutMs: 5000, validateOnly: false });
    assert.deepEqual(reply.results.map((r) => [r.name, r.errorCode, r.errorMessage]), [['grow', ErrorCode.NONE, null]]);
    assert.equal(fixture.broker.metadata.topic('grow')?.partitionCount, 3);
    const produced = await client.send(produceRequest, 9, { acks: -1, timeoutMs: 5000, topicData: [{ name: 'grow', partitionData: [{ index: 2, records: simpleBatch(1, 10, Date.now()) }] }] });
    assert.equal(produced.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
  });

  test('validateOnly changes nothing; counts that are not an increase are INVALID_PARTITIONS; unknown topics UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const reply = await client.send(createPartitionsRequest, 3, {
      topics: [
        { name: 'fixed', count: 5, assignments: null },
        { name: 'grow', count: 3, assignments: null },
        { name: 'grow-not', count: 2, assignments: null },
      ],
      timeoutMs: 5000,
      validateOnly: true,
    });
    assert.deepEqual(reply.results.map((r) => [r.name, r.errorCode]), [
      ['fixed', ErrorCode.NONE],
      ['grow', ErrorCode.INVALID_PARTITIONS],
      ['grow-not', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    assert.equal(fixture.broker.metadata.topic('fixed')?.partitionCount, 2);
    const shrink = await client.send(createPartitionsRequest, 0, { topics: [{ name: 'fixed', count: 1, assignments: null }], timeoutMs: 5000, validateOnly: false });
    assert.equal(shrink.results[0]!.errorCode, ErrorCode.INVALID_PARTITIONS);
  });

  test('adding more than 10 000 partitions in one request is POLICY_VIOLATION and adds none', async () => {
    const reply = await client.send(createPartitionsRequest, 3, {
      topics: [
        { name: 'fixed', count: 6000, assignments: null },
        { name: 'grow', count: 5000, assignments: null },
      ],
      timeoutMs: 5000,
      validateOnly: false,
    });
    assert.deepEqual(reply.results.map((r) => r.errorCode), [ErrorCode.POLICY_VIOLATION, ErrorCode.POLICY_VIOLATION]);
    assert.equal(fixture.broker.metadata.topic('fixed')?.partitionCount, 2);
  });

  test('a topic named twice is INVALID_REQUEST and unchanged; assignments must name this node', async () => {
    const nodeId = fixture.broker.metadata.nodeId;
    const reply = await client.send(createPartitionsRequest, 2, {
      topics: [
        { name: 'fixed', count: 4, assignments: null },
        { name: 'fixed', count: 5, assignments: null },
        { name: 'grow', count: 4, assignments: [{ brokerIds: [nodeId + 1] }] },
      ],
      timeoutMs: 5000,
      validateOnly: false,
    });
    assert.deepEqual(reply.results.map((r) => [r.name, r.errorCode, r.errorMessage ?? '']).slice(0, 1), [['fixed', ErrorCode.INVALID_REQUEST, 'Duplicate topic name.']]);
    assert.equal(reply.results[1]!.errorCode, ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    assert.equal(fixture.broker.metadata.topic('fixed')?.partitionCount, 2);
    assert.equal(fixture.broker.metadata.topic('grow')?.partitionCount, 3);
    const assigned = await client.send(createPartitionsRequest, 2, { topics: [{ name: 'grow', count: 4, assignments: [{ brokerIds: [nodeId] }] }], timeoutMs: 5000, validateOnly: false });
    assert.equal(assigned.results[0]!.errorCode, ErrorCode.NONE);
    assert.equal(fixture.broker.metadata.topic('grow')?.partitionCount, 4);
  });
});
