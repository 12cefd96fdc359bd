import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { TOPIC_CONFIG_DEFINITIONS } from '../../../src/config/index.ts';
import {
  alterConfigsRequest,
  createTopicsRequest,
  describeConfigsRequest,
  ErrorCode,
  incrementalAlterConfigsRequest,
  produceRequest,
} from '../../../src/protocol/index.ts';
import type { KafkaTestClient } from '../../helpers/kafka-client.ts';
import { simpleBatch } from '../../helpers/record-batches.ts';
import { startBroker, type BrokerFixture } from './fixture.ts';

const TOPIC = 2;
const BROKER = 4;
const BROKER_LOGGER = 8;
const GROUP = 32;
const SET = 0;
const DELETE = 1;
const APPEND = 2;
const SUBTRACT = 3;
const SOURCE_TOPIC = 1;
const SOURCE_DYNAMIC_BROKER = 2;
const SOURCE_DYNAMIC_DEFAULT = 3;
const SOURCE_STATIC = 4;
const SOURCE_DEFAULT = 5;

describe('DescribeConfigs, AlterConfigs and IncrementalAlterConfigs', () => {
  let fixture: BrokerFixture;
  let client: KafkaTestClient;
  let nodeId: string;

  async function describeOne(resourceType: number, resourceName: string, options: { keys?: string[] | null; version?: number; synonyms?: boolean; documentation?: boolean } = {}) {
    const reply = await client.send(describeConfigsRequest, options.version ?? 4, {
      resources: [{ resourceType, resourceName, configurationKeys: options.keys ?? null }],
      includeSynonyms: options.synonyms ?? false,
      includeDocumentation: options.documentation ?? false,
    });
    return reply.results[0]!;
  }

  async function topicConfig(topic: string, name: string) {
    const result = await describeOne(TOPIC, topic, { keys: [name], synonyms: true });
    assert.equal(result.errorCode, ErrorCode.NONE);
    return result.configs[0]!;
  }

  async function produceCode(topic: string, valueBytes: number): Promise<number> {
    const reply = await client.send(produceRequest, 9, { acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records: simpleBatch(1, valueBytes, Date.now()) }] }] });
    return reply.responses[0]!.partitionResponses[0]!.errorCode;
  }

  async function incremental(resourceType: number, resourceName: string, configs: Array<{ name: string; configOperation: number; value: string | null }>, validateOnly = false) {
    const reply = await client.send(incrementalAlterConfigsRequest, 1, { resources: [{ resourceType, resourceName, configs }], validateOnly });
    return reply.responses[0]!;
  }

  before(async () => {
    fixture = await startBroker({ 'num.partitions': '2' });
    client = await fixture.connect();
    nodeId = String(fixture.broker.metadata.nodeId);
    await client.send(createTopicsRequest, 7, {
      topics: [
        { name: 'conf', numPartitions: 1, replicationFactor: 1, configs: [{ name: 'segment.bytes', value: '1048576' }] },
        { name: 'limits', numPartitions: 1, replicationFactor: 1 },
        { name: 'legacy', numPartitions: 1, replicationFactor: 1, configs: [{ name: 'retention.ms', value: '1000' }] },
      ],
      timeoutMs: 5000,
    });
  });
  after(() => fixture?.stop());

  test('DescribeConfigs on a topic lists every topic config; overrides have source TOPIC_CONFIG and synonyms', async () => {
    const all = await describeOne(TOPIC, 'conf', { version: 1 });
    assert.equal(all.errorCode, ErrorCode.NONE);
    assert.equal(all.configs.length, TOPIC_CONFIG_DEFINITIONS.length);
    const segment = await topicConfig('conf', 'segment.bytes');
    assert.deepEqual([segment.value, segment.configSource, segment.readOnly, segment.isSensitive], ['1048576', SOURCE_TOPIC, false, false]);
    assert.deepEqual(segment.synonyms.map((s) => [s.name, s.value, s.source]), [
      ['segment.bytes', '1048576', SOURCE_TOPIC],
      ['log.segment.bytes', '1073741824', SOURCE_DEFAULT],
    ]);
    const withoutSynonyms = await describeOne(TOPIC, 'conf', { keys: ['segment.bytes'], version: 2 });
    assert.deepEqual(withoutSynonyms.configs[0]!.synonyms, []);
  });

  test('DescribeConfigs v3+ gives types and, when asked, documentation', async () => {
    const documented = await describeOne(TOPIC, 'conf', { keys: ['cleanup.policy'], documentation: true });
    assert.equal(documented.configs[0]!.configType, 7);
    assert.equal(typeof documented.configs[0]!.documentation, 'string');
    const plain = await describeOne(TOPIC, 'conf', { keys: ['cleanup.policy'] });
    assert.equal(plain.configs[0]!.documentation, null);
  });

  test('DescribeConfigs errors: unknown topic, invalid name, other broker, unsupported resource type', async () => {
    assert.equal((await describeOne(TOPIC, 'missing')).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal((await describeOne(TOPIC, 'bad name')).errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
    assert.equal((await describeOne(BROKER, '99')).errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal((await describeOne(GROUP, 'g')).errorCode, ErrorCode.INVALID_REQUEST);
  });

  test('DescribeConfigs on this broker: static settings, defaults and read-only configs', async () => {
    const result = await describeOne(BROKER, nodeId, { synonyms: true });
    assert.equal(result.errorCode, ErrorCode.NONE);
    const byName = new Map(result.configs.map((c) => [c.name, c]));
    const partitions = byName.get('num.partitions')!;
    assert.deepEqual([partitions.value, partitions.configSource], ['2', SOURCE_STATIC]);
    assert.equal(byName.get('message.max.bytes')!.readOnly, false);
    const logDirs = byName.get('log.dirs')!;
    assert.deepEqual([logDirs.value, logDirs.readOnly], [fixture.dataDir, true]);
    assert.equal(byName.get('message.max.bytes')!.configSource, SOURCE_DEFAULT);
  });

  test('a DescribeConfigs asking for more than 100 000 entries closes the connection instead of building the response', async () => {
    const greedy = await fixture.connect();
    const resources = Array.from({ length: 2000 }, () => ({ resourceType: BROKER, resourceName: nodeId, configurationKeys: null }));
    await assert.rejects(greedy.send(describeConfigsRequest, 4, { resources, includeSynonyms: true, includeDocumentation: true }), /closed/);
    const fine = await describeOne(BROKER, nodeId, { keys: ['num.partitions'] });
    assert.equal(fine.errorCode, ErrorCode.NONE);
  });

  test('BROKER_LOGGER: this node answers an empty list; an empty or other id is INVALID_REQUEST', async () => {
    const own = await describeOne(BROKER_LOGGER, nodeId);
    assert.deepEqual([own.errorCode, own.configs], [ErrorCode.NONE, []]);
    assert.equal((await describeOne(BROKER_LOGGER, '')).errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal((await describeOne(BROKER_LOGGER, '7')).errorCode, ErrorCode.INVALID_REQUEST);
  });

  test('IncrementalAlterConfigs on a topic takes effect on the live log at once, and DELETE restores the default', async () => {
    assert.equal(await produceCode('limits', 400), ErrorCode.NONE);
    const set = await incremental(TOPIC, 'limits', [{ name: 'max.message.bytes', configOperation: SET, value: '200' }]);
    assert.deepEqual([set.errorCode, set.errorMessage, set.resourceType, set.resourceName], [ErrorCode.NONE, null, TOPIC, 'limits']);
    assert.deepEqual(fixture.broker.metadata.topic('limits')!.configs, { 'max.message.bytes': '200' });
    assert.equal(await produceCode('limits', 400), ErrorCode.MESSAGE_TOO_LARGE);
    const removed = await incremental(TOPIC, 'limits', [{ name: 'max.message.bytes', configOperation: DELETE, value: null }]);
    assert.equal(removed.errorCode, ErrorCode.NONE);
    assert.equal(await produceCode('limits', 400), ErrorCode.NONE);
    assert.equal((await topicConfig('limits', 'max.message.bytes')).configSource, SOURCE_DEFAULT);
  });

  test('IncrementalAlterConfigs APPEND and SUBTRACT edit list configs; validateOnly changes nothing; bad values are INVALID_CONFIG', async () => {
    assert.equal((await incremental(TOPIC, 'conf', [{ name: 'cleanup.policy', configOperation: APPEND, value: 'compact' }])).errorCode, ErrorCode.NONE);
    assert.equal((await topicConfig('conf', 'cleanup.policy')).value, 'delete,compact');
    assert.equal((await incremental(TOPIC, 'conf', [{ name: 'cleanup.policy', configOperation: SUBTRACT, value: 'delete' }])).errorCode, ErrorCode.NONE);
    assert.equal((await topicConfig('conf', 'cleanup.policy')).value, 'compact');
    const dry = await incremental(TOPIC, 'conf', [{ name: 'retention.ms', configOperation: SET, value: '5000' }], true);
    assert.equal(dry.errorCode, ErrorCode.NONE);
    assert.equal((await topicConfig('conf', 'retention.ms')).configSource, SOURCE_DEFAULT);
    const bad = await incremental(TOPIC, 'conf', [{ name: 'retention.ms', configOperation: SET, value: 'never' }]);
    assert.equal(bad.errorCode, ErrorCode.INVALID_CONFIG);
    assert.equal((await incremental(TOPIC, 'conf', [{ name: 'segment.bytes', configOperation: APPEND, value: '1' }])).errorCode, ErrorCode.INVALID_CONFIG);
    assert.equal((await incremental(TOPIC, 'missing', [{ name: 'retention.ms', configOperation: SET, value: '1' }])).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  test('a resource named twice is INVALID_REQUEST for each occurrence and nothing changes', async () => {
    const reply = await client.send(incrementalAlterConfigsRequest, 0, {
      resources: [
        { resourceType: TOPIC, resourceName: 'conf', configs: [{ name: 'retention.ms', configOperation: SET, value: '1' }] },
        { resourceType: TOPIC, resourceName: 'limits', configs: [{ name: 'retention.ms', configOperation: SET, value: '2' }] },
        { resourceType: TOPIC, resourceName: 'conf', configs: [{ name: 'retention.ms', configOperation: SET, value: '3' }] },
      ],
      validateOnly: false,
    });
    assert.deepEqual(reply.responses.map((r) => [r.resourceName, r.errorCode, r.errorMessage]), [
      ['conf', ErrorCode.INVALID_REQUEST, 'Each resource must appear at most once.'],
      ['limits', ErrorCode.NONE, null],
      ['conf', ErrorCode.INVALID_REQUEST, 'Each resource must appear at most once.'],
    ]);
    assert.equal(fixture.broker.metadata.topic('conf')!.configs['retention.ms'], undefined);
    const legacy = await client.send(alterConfigsRequest, 1, {
      resources: [
        { resourceType: TOPIC, resourceName: 'legacy', configs: [] },
        { resourceType: TOPIC, resourceName: 'legacy', configs: [] },
      ],
      validateOnly: false,
    });
    assert.deepEqual(legacy.responses.map((r) => r.errorCode), [ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST]);
    assert.deepEqual(fixture.broker.metadata.topic('legacy')!.configs, { 'retention.ms': '1000' });
  });

  test('AlterConfigs replaces all of a topic overrides; validateOnly and errors change nothing', async () => {
    const dry = await client.send(alterConfigsRequest, 0, { resources: [{ resourceType: TOPIC, resourceName: 'legacy', configs: [{ name: 'segment.ms', value: '60000' }] }], validateOnly: true });
    assert.equal(dry.responses[0]!.errorCode, ErrorCode.NONE);
    assert.deepEqual(fixture.broker.metadata.topic('legacy')!.configs, { 'retention.ms': '1000' });
    const reply = await client.send(alterConfigsRequest, 1, { resources: [{ resourceType: TOPIC, resourceName: 'legacy', configs: [{ name: 'segment.ms', value: '60000' }] }], validateOnly: false });
    assert.equal(reply.responses[0]!.errorCode, ErrorCode.NONE);
    assert.deepEqual(fixture.broker.metadata.topic('legacy')!.configs, { 'segment.ms': '60000' });
    const bad = await client.send(alterConfigsRequest, 2, { resources: [{ resourceType: TOPIC, resourceName: 'legacy', configs: [{ name: 'segment.ms', value: '-5' }] }], validateOnly: false });
    assert.equal(bad.responses[0]!.errorCode, ErrorCode.INVALID_CONFIG);
    assert.deepEqual(fixture.broker.metadata.topic('legacy')!.configs, { 'segment.ms': '60000' });
    const logger = await client.send(alterConfigsRequest, 2, { resources: [{ resourceType: BROKER_LOGGER, resourceName: nodeId, configs: [] }], validateOnly: false });
    assert.equal(logger.responses[0]!.errorCode, ErrorCode.INVALID_REQUEST);
    const unknownType = await client.send(alterConfigsRequest, 2, { resources: [{ resourceType: 99, resourceName: 'x', configs: [] }], validateOnly: false });
    assert.equal(unknownType.responses[0]!.errorCode, ErrorCode.UNSUPPORTED_VERSION);
  });

  test('broker configs: the cluster default applies to topics without an override, per-broker wins, read-only configs are refused', async () => {
    const cluster = await client.send(alterConfigsRequest, 1, { resources: [{ resourceType: BROKER, resourceName: '', configs: [{ name: 'message.max.bytes', value: '300' }] }], validateOnly: false });
    assert.equal(cluster.responses[0]!.errorCode, ErrorCode.NONE);
    assert.equal(await produceCode('limits', 400), ErrorCode.MESSAGE_TOO_LARGE);
    const defaults = await describeOne(BROKER, '');
    assert.deepEqual(defaults.configs.map((c) => [c.name, c.value, c.configSource]), [['message.max.bytes', '300', SOURCE_DYNAMIC_DEFAULT]]);
    const perBroker = await incremental(BROKER, nodeId, [{ name: 'message.max.bytes', configOperation: SET, value: '100000' }]);
    assert.equal(perBroker.errorCode, ErrorCode.NONE);
    assert.equal(await produceCode('limits', 400), ErrorCode.NONE);
    const described = await describeOne(BROKER, nodeId, { keys: ['message.max.bytes'], synonyms: true });
    assert.deepEqual(described.configs[0]!.synonyms.map((s) => s.source), [SOURCE_DYNAMIC_BROKER, SOURCE_DYNAMIC_DEFAULT, SOURCE_DEFAULT]);
    const readOnly = await incremental(BROKER, nodeId, [{ name: 'log.dirs', configOperation: SET, value: '/elsewhere' }]);
    assert.equal(readOnly.errorCode, ErrorCode.INVALID_REQUEST);
    const otherBroker = await incremental(BROKER, '42', [{ name: 'message.max.bytes', configOperation: SET, value: '1000' }]);
    assert.equal(otherBroker.errorCode, ErrorCode.INVALID_REQUEST);
    const loggerOp = await incremental(BROKER_LOGGER, nodeId, [{ name: 'kafka.server', configOperation: SET, value: 'DEBUG' }]);
    assert.equal(loggerOp.errorCode, ErrorCode.INVALID_CONFIG);
  });

  test('changes survive a restart', async () => {
    assert.equal((await incremental(TOPIC, 'conf', [{ name: 'retention.bytes', configOperation: SET, value: '123456789' }])).errorCode, ErrorCode.NONE);
    await fixture.restart();
    client = await fixture.connect();
    const retention = await topicConfig('conf', 'retention.bytes');
    assert.deepEqual([retention.value, retention.configSource], ['123456789', SOURCE_TOPIC]);
    assert.equal((await describeOne(BROKER, nodeId, { keys: ['message.max.bytes'] })).configs[0]!.value, '100000');
    assert.deepEqual((await describeOne(BROKER, '')).configs.map((c) => [c.name, c.value]), [['message.max.bytes', '300']]);
  });
});
