import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createTopicsRequest, ErrorCode, metadataRequest } from '../../../src/protocol/index.ts';
import { startBroker, type BrokerFixture } from './fixture.ts';

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

describe('Metadata', () => {
  let fixture: BrokerFixture;
  before(async () => {
    fixture = await startBroker({ 'num.partitions': '3' });
    const client = await fixture.connect();
    const created = await client.send(createTopicsRequest, 7, {
      topics: [
        { name: 'alpha', numPartitions: 2, replicationFactor: 1 },
        { name: 'beta', numPartitions: 1, replicationFactor: 1 },
      ],
      timeoutMs: 5000,
    });
    assert.deepEqual(created.topics.map((t) => t.errorCode), [0, 0]);
  });
  after(() => fixture?.stop());

  test('null topics lists every topic with partitions led by this node, and names this node controller', async () => {
    const client = await fixture.connect();
    const reply = await client.send(metadataRequest, 12, { topics: null, allowAutoTopicCreation: false });
    const nodeId = fixture.broker.metadata.nodeId;
    assert.equal(reply.controllerId, nodeId);
    assert.equal(reply.clusterId, fixture.broker.metadata.clusterId);
    assert.deepEqual(reply.brokers.map((b) => [b.nodeId, b.host]), [[nodeId, '127.0.0.1']]);
    const names = reply.topics.map((t) => t.name).sort();
    assert.deepEqual(names, ['alpha', 'beta']);
    const alpha = reply.topics.find((t) => t.name === 'alpha')!;
    assert.equal(alpha.errorCode, ErrorCode.NONE);
    assert.equal(alpha.topicId, fixture.broker.metadata.topic('alpha')!.topicId);
    assert.deepEqual(
      alpha.partitions.map((p) => [p.partitionIndex, p.leaderId, p.leaderEpoch, p.replicaNodes, p.isrNodes]),
      [
        [0, nodeId, 0, [nodeId], [nodeId]],
        [1, nodeId, 0, [nodeId], [nodeId]],
      ],
    );
  });

  test('v0 treats an empty list as all topics, v1+ as none', async () => {
    const client = await fixture.connect();
    const v0 = await client.send(metadataRequest, 0, { topics: [] });
    assert.deepEqual(v0.topics.map((t) => t.name).sort(), ['alpha', 'beta']);
    const v1 = await client.send(metadataRequest, 1, { topics: [] });
    assert.deepEqual(v1.topics, []);
  });

  test('by name returns only the named topics; unknown names are UNKNOWN_TOPIC_OR_PARTITION when auto-creation is not allowed', async () => {
    const client = await fixture.connect();
    const reply = await client.send(metadataRequest, 9, { topics: [{ name: 'beta' }, { name: 'nope' }], allowAutoTopicCreation: false });
    assert.deepEqual(reply.topics.map((t) => [t.name, t.errorCode, t.partitions.length]), [
      ['beta', ErrorCode.NONE, 1],
      ['nope', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 0],
    ]);
    assert.equal(fixture.broker.metadata.topic('nope'), undefined);
  });

  test('a topic named twice is answered once', async () => {
    const client = await fixture.connect();
    const reply = await client.send(metadataRequest, 9, { topics: [{ name: 'beta' }, { name: 'alpha' }, { name: 'beta' }], allowAutoTopicCreation: false });
    assert.deepEqual(reply.topics.map((t) => t.name), ['beta', 'alpha']);
  });

  test('by topic id (v10+), unknown ids are UNKNOWN_TOPIC_ID', async () => {
    const client = await fixture.connect();
    const alphaId = fixture.broker.metadata.topic('alpha')!.topicId;
    const reply = await client.send(metadataRequest, 12, { topics: [{ topicId: alphaId, name: null }, { topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', name: null }], allowAutoTopicCreation: false });
    assert.deepEqual(reply.topics.map((t) => [t.name, t.topicId, t.errorCode]), [
      ['alpha', alphaId, ErrorCode.NONE],
      [null, 'AAAAAAAAAAAAAAAAAAAAAQ', ErrorCode.UNKNOWN_TOPIC_ID],
    ]);
  });

  test('auto-creates a missing topic with num.partitions when the request allows it (always before v4)', async () => {
    const client = await fixture.connect();
    const v12 = await client.send(metadataRequest, 12, { topics: [{ name: 'auto-new' }], allowAutoTopicCreation: true });
    assert.equal(v12.topics[0]!.errorCode, ErrorCode.NONE);
    assert.equal(v12.topics[0]!.partitions.length, 3);
    assert.notEqual(v12.topics[0]!.topicId, ZERO_UUID);
    const v3 = await client.send(metadataRequest, 3, { topics: [{ name: 'auto-old' }] });
    assert.equal(v3.topics[0]!.errorCode, ErrorCode.NONE);
    assert.equal(fixture.broker.metadata.topic('auto-old')?.partitionCount, 3);
    assert.equal(fixture.broker.logs.hasPartition('auto-old', 2), true);
  });

  test('invalid names get INVALID_TOPIC_EXCEPTION and are not created', async () => {
    const client = await fixture.connect();
    const reply = await client.send(metadataRequest, 12, { topics: [{ name: 'bad name' }, { name: '..' }, { name: 'x'.repeat(250) }], allowAutoTopicCreation: true });
    assert.deepEqual(reply.topics.map((t) => t.errorCode), [ErrorCode.INVALID_TOPIC_EXCEPTION, ErrorCode.INVALID_TOPIC_EXCEPTION, ErrorCode.INVALID_TOPIC_EXCEPTION]);
    assert.equal(fixture.broker.metadata.topic('bad name'), undefined);
  });

  test('authorized operations are reported only when asked', async () => {
    const client = await fixture.connect();
    const asked = await client.send(metadataRequest, 10, { topics: [{ name: 'alpha' }], includeTopicAuthorizedOperations: true, includeClusterAuthorizedOperations: true, allowAutoTopicCreation: false });
    assert.notEqual(asked.topics[0]!.topicAuthorizedOperations, -2147483648);
    assert.notEqual(asked.clusterAuthorizedOperations, -2147483648);
    const notAsked = await client.send(metadataRequest, 10, { topics: [{ name: 'alpha' }], allowAutoTopicCreation: false });
    assert.equal(notAsked.topics[0]!.topicAuthorizedOperations, -2147483648);
  });
});

describe('Metadata with auto.create.topics.enable=false', () => {
  let fixture: BrokerFixture;
  before(async () => {
    fixture = await startBroker({ 'auto.create.topics.enable': 'false' });
  });
  after(() => fixture?.stop());

  test('a missing topic is not created even when the request allows it', async () => {
    const client = await fixture.connect();
    const v12 = await client.send(metadataRequest, 12, { topics: [{ name: 'missing' }], allowAutoTopicCreation: true });
    assert.equal(v12.topics[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const v0 = await client.send(metadataRequest, 0, { topics: [{ name: 'missing' }] });
    assert.equal(v0.topics[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal(fixture.broker.metadata.topic('missing'), undefined);
  });
});
