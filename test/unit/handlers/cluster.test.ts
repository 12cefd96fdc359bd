import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createTopicsRequest, describeClusterRequest, describeTopicPartitionsRequest, ErrorCode } from '../../../src/protocol/index.ts';
import type { KafkaTestClient } from '../../helpers/kafka-client.ts';
import { startBroker, type BrokerFixture } from './fixture.ts';

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';
const OMITTED = -2147483648;

describe('DescribeCluster', () => {
  let fixture: BrokerFixture;
  let client: KafkaTestClient;
  before(async () => {
    fixture = await startBroker({ 'broker.rack': 'rack-a' });
    client = await fixture.connect();
  });
  after(() => fixture?.stop());

  for (const version of [0, 1, 2]) {
    test(`v${version} describes this node as the only broker and the controller`, async () => {
      const reply = await client.send(describeClusterRequest, version, { includeClusterAuthorizedOperations: false, endpointType: 1, includeFencedBrokers: false });
      const nodeId = fixture.broker.metadata.nodeId;
      assert.deepEqual([reply.errorCode, reply.errorMessage, reply.clusterId, reply.controllerId], [ErrorCode.NONE, null, fixture.broker.metadata.clusterId, nodeId]);
      assert.deepEqual(reply.brokers.map((b) => [b.brokerId, b.host, b.rack, b.isFenced]), [[nodeId, '127.0.0.1', 'rack-a', false]]);
      assert.equal(reply.clusterAuthorizedOperations, OMITTED);
    });
  }

  test('cluster authorized operations are reported when asked', async () => {
    const reply = await client.send(describeClusterRequest, 1, { includeClusterAuthorizedOperations: true });
    assert.notEqual(reply.clusterAuthorizedOperations, OMITTED);
    assert.ok(reply.clusterAuthorizedOperations > 0);
  });

  test('asking a broker listener for controllers is MISMATCHED_ENDPOINT_TYPE, unknown types UNSUPPORTED_ENDPOINT_TYPE, with no cluster data', async () => {
    const controllers = await client.send(describeClusterRequest, 1, { endpointType: 2 });
    assert.deepEqual([controllers.errorCode, controllers.errorMessage, controllers.clusterId, controllers.brokers], [
      ErrorCode.MISMATCHED_ENDPOINT_TYPE,
      'The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER',
      '',
      [],
    ]);
    const unknown = await client.send(describeClusterRequest, 2, { endpointType: 3 });
    assert.deepEqual([unknown.errorCode, unknown.errorMessage], [ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, 'Unsupported endpoint type 3']);
    const zero = await client.send(describeClusterRequest, 1, { endpointType: 0 });
    assert.equal(zero.errorCode, ErrorCode.UNSUPPORTED_ENDPOINT_TYPE);
  });
});

describe('DescribeTopicPartitions', () => {
  let fixture: BrokerFixture;
  let client: KafkaTestClient;

  async function describeTopics(names: string[], responsePartitionLimit = 2000, cursor: { topicName: string; partitionIndex: number } | null = null) {
    return client.send(describeTopicPartitionsRequest, 0, { topics: names.map((name) => ({ name })), responsePartitionLimit, cursor });
  }

  const summary = (reply: Awaited<ReturnType<typeof describeTopics>>) => reply.topics.map((t) => [t.name, t.errorCode, t.partitions.map((p) => p.partitionIndex)]);

  before(async () => {
    fixture = await startBroker();
    client = await fixture.connect();
    await client.send(createTopicsRequest, 7, {
      topics: [
        { name: 'c-three', numPartitions: 3, replicationFactor: 1 },
        { name: 'a-two', numPartitions: 2, replicationFactor: 1 },
        { name: 'b-one', numPartitions: 1, replicationFactor: 1 },
      ],
      timeoutMs: 5000,
    });
  });
  after(() => fixture?.stop());

  test('no names lists every topic sorted by name, with ids and partitions led by this node', async () => {
    const reply = await describeTopics([]);
    assert.deepEqual(summary(reply), [
      ['a-two', 0, [0, 1]],
      ['b-one', 0, [0]],
      ['c-three', 0, [0, 1, 2]],
    ]);
    assert.equal(reply.nextCursor, null);
    const nodeId = fixture.broker.metadata.nodeId;
    const first = reply.topics[0]!;
    assert.equal(first.topicId, fixture.broker.metadata.topic('a-two')!.topicId);
    assert.deepEqual([first.partitions[0]!.leaderId, first.partitions[0]!.leaderEpoch, first.partitions[0]!.replicaNodes, first.partitions[0]!.isrNodes], [nodeId, 0, [nodeId], [nodeId]]);
  });

  test('named topics come back sorted; missing ones UNKNOWN_TOPIC_OR_PARTITION, invalid names INVALID_TOPIC_EXCEPTION', async () => {
    const reply = await describeTopics(['c-three', 'missing', 'a-two', 'bad name']);
    assert.deepEqual(summary(reply), [
      ['a-two', 0, [0, 1]],
      ['bad name', ErrorCode.INVALID_TOPIC_EXCEPTION, []],
      ['c-three', 0, [0, 1, 2]],
      ['missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, []],
    ]);
    assert.equal(reply.topics.find((t) => t.name === 'missing')!.topicId, ZERO_UUID);
  });

  test('responsePartitionLimit pages through the partitions with nextCursor until none is left', async () => {
    const pages: unknown[] = [];
    let cursor: { topicName: string; partitionIndex: number } | null = null;
    for (let i = 0; i < 10; i++) {
      const reply = await describeTopics([], 2, cursor);
      pages.push(summary(reply));
      cursor = reply.nextCursor;
      if (cursor === null) break;
    }
    assert.deepEqual(pages, [
      [['a-two', 0, [0, 1]]],
      [
        ['b-one', 0, [0]],
        ['c-three', 0, [0]],
      ],
      [['c-three', 0, [1, 2]]],
    ]);
  });

  test('a limit used up exactly at a topic boundary points the cursor at the next topic, partition 0', async () => {
    const reply = await describeTopics([], 3);
    assert.deepEqual(summary(reply), [
      ['a-two', 0, [0, 1]],
      ['b-one', 0, [0]],
    ]);
    assert.deepEqual(reply.nextCursor, { topicName: 'c-three', partitionIndex: 0 });
  });

  test('a cursor starts at its topic and partition; with named topics it must name one of them', async () => {
    const reply = await describeTopics(['a-two', 'c-three'], 2000, { topicName: 'c-three', partitionIndex: 1 });
    assert.deepEqual(summary(reply), [['c-three', 0, [1, 2]]]);
    const bad = await describeTopics(['a-two', 'b-one'], 2000, { topicName: 'c-three', partitionIndex: 0 });
    assert.deepEqual(summary(bad), [
      ['a-two', ErrorCode.INVALID_REQUEST, []],
      ['b-one', ErrorCode.INVALID_REQUEST, []],
    ]);
  });
});
