import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { brokerConfigFromLayers, loadBrokerConfig, type BrokerConfigLayers } from '../../../src/config/broker-config.ts';
import {
  alterBrokerConfigs,
  describeBrokerConfigs,
  dynamicUpdateMode,
  incrementalAlterBrokerConfigs,
} from '../../../src/config/broker-dynamic-config.ts';
import { resolveTopicConfig } from '../../../src/config/topic-config.ts';
import { AlterConfigOperation, ConfigSource, ConfigTypeCode, type DescribeConfigsEntry } from '../../../src/config/types.ts';
import { ErrorCode } from '../../../src/protocol/error-codes.ts';

function staticLayers(overrides: Record<string, string> = {}): BrokerConfigLayers {
  const { config, problems } = loadBrokerConfig({ overrides });
  assert.deepEqual(problems.filter((problem) => problem.severity === 'error'), []);
  return config.layers;
}

function entry(entries: DescribeConfigsEntry[], name: string): DescribeConfigsEntry {
  return entries.find((candidate) => candidate.name === name) ?? assert.fail(`no entry ${name}`);
}

function describeNode(layers: BrokerConfigLayers, configNames: string[] | null = null): DescribeConfigsEntry[] {
  const result = describeBrokerConfigs({ resourceName: '1', nodeId: 1, layers, configNames, includeSynonyms: true, includeDocumentation: false });
  assert.equal(result.errorCode, ErrorCode.NONE);
  return result.configs;
}

describe('describeBrokerConfigs', () => {
  it('describes this node with sources, read-only flags and synonyms in precedence order', () => {
    const layers = { ...staticLayers({ 'log.retention.hours': '24', 'num.partitions': '4' }), dynamicDefaultConfigs: new Map([['log.retention.ms', '5000']]) };
    const entries = describeNode(layers);
    assert.deepEqual(entry(entries, 'num.partitions'), {
      name: 'num.partitions', value: '4', readOnly: true, configSource: ConfigSource.STATIC_BROKER_CONFIG, isSensitive: false,
      synonyms: [
        { name: 'num.partitions', value: '4', source: ConfigSource.STATIC_BROKER_CONFIG },
        { name: 'num.partitions', value: '1', source: ConfigSource.DEFAULT_CONFIG },
      ],
      configType: ConfigTypeCode.INT, documentation: null,
    });
    const retention = entry(entries, 'log.retention.ms');
    assert.equal(retention.value, '5000');
    assert.equal(retention.readOnly, false);
    assert.equal(retention.configSource, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
    assert.deepEqual(retention.synonyms.map((synonym) => [synonym.name, synonym.source]), [
      ['log.retention.ms', ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG],
      ['log.retention.hours', ConfigSource.STATIC_BROKER_CONFIG],
      ['log.retention.hours', ConfigSource.DEFAULT_CONFIG],
    ]);
    assert.equal(entry(entries, 'log.roll.ms').value, null, 'a config without a value describes as null');
    assert.equal(entry(entries, 'listeners').value, 'PLAINTEXT://127.0.0.1:9092');
    assert.equal(entry(entries, 'listeners').readOnly, false, 'per-broker dynamic in Kafka');
  });

  it('describes the cluster-wide defaults for the empty resource name, with only dynamic default synonyms', () => {
    const layers = { ...staticLayers({ 'log.retention.ms': '9' }), dynamicDefaultConfigs: new Map([['log.retention.ms', '5000']]) };
    const result = describeBrokerConfigs({ resourceName: '', nodeId: 1, layers, includeSynonyms: true, includeDocumentation: true });
    assert.deepEqual(result.configs.map((config) => [config.name, config.value, config.configSource, config.synonyms.length]), [
      ['log.retention.ms', '5000', ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, 1],
    ]);
  });

  it('answers INVALID_REQUEST for another broker id or a name that is not a number', () => {
    const layers = staticLayers();
    assert.deepEqual(describeBrokerConfigs({ resourceName: '2', nodeId: 1, layers, includeSynonyms: false, includeDocumentation: false }), {
      errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Unexpected broker id, expected 1 or empty string, but received 2', configs: [],
    });
    assert.equal(describeBrokerConfigs({ resourceName: 'one', nodeId: 1, layers, includeSynonyms: false, includeDocumentation: false }).errorMessage,
      'Broker id must be an integer, but it is: one');
  });

  it('describes Kafka settings fjord does not model as given, and hides passwords', () => {
    const layers = staticLayers({ 'num.replica.alter.log.dirs.threads': '2', 'ssl.keystore.password': 'secret' });
    const entries = describeNode(layers);
    assert.equal(entry(entries, 'num.replica.alter.log.dirs.threads').value, '2');
    const password = entry(entries, 'ssl.keystore.password');
    assert.deepEqual([password.value, password.isSensitive, password.synonyms[0]?.value], [null, true, null]);
  });
});

describe('dynamic broker config changes', () => {
  const layers = staticLayers();

  it('sets a cluster-wide default that topics then resolve to', () => {
    const change = incrementalAlterBrokerConfigs({ resourceName: '', nodeId: 1, layers, operations: [
      { name: 'log.retention.ms', configOperation: AlterConfigOperation.SET, value: '60000' },
      { name: 'message.max.bytes', configOperation: AlterConfigOperation.SET, value: '2000000' },
    ] });
    assert.equal(change.error, null);
    assert.deepEqual(change.notAppliedUntilRestart, []);
    const updated = { ...layers, dynamicDefaultConfigs: change.configs };
    assert.equal(resolveTopicConfig(new Map(), updated).get('retention.ms')?.value, 60000n);
    assert.equal(brokerConfigFromLayers(updated).messageMaxBytes, 2000000);
  });

  it('refuses read-only configs with Kafka\'s message', () => {
    const change = alterBrokerConfigs({ resourceName: '1', nodeId: 1, layers, entries: [{ name: 'log.dirs', value: '/x' }, { name: 'num.partitions', value: '2' }] });
    assert.deepEqual(change.error, { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Cannot update these configs dynamically: Set(log.dirs, num.partitions)' });
    assert.equal(change.configs.size, 0);
  });

  it('refuses per-broker configs at the cluster-wide level', () => {
    const change = alterBrokerConfigs({ resourceName: '', nodeId: 1, layers, entries: [{ name: 'listeners', value: 'PLAINTEXT://127.0.0.1:9093' }] });
    assert.deepEqual(change.error, {
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: 'Cannot update these configs at default cluster level, broker id must be specified: Set(listeners)',
    });
    const perBroker = alterBrokerConfigs({ resourceName: '1', nodeId: 1, layers, entries: [{ name: 'listeners', value: 'PLAINTEXT://127.0.0.1:9093' }] });
    assert.equal(perBroker.error, null);
    assert.deepEqual(perBroker.notAppliedUntilRestart, ['listeners']);
  });

  it('refuses invalid values and broken listeners as INVALID_REQUEST', () => {
    const invalid = incrementalAlterBrokerConfigs({ resourceName: '', nodeId: 1, layers, operations: [
      { name: 'log.segment.bytes', configOperation: AlterConfigOperation.SET, value: '10' },
    ] });
    assert.deepEqual(invalid.error, { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Invalid value 10 for configuration log.segment.bytes: Value must be at least 1048576' });
    const listener = incrementalAlterBrokerConfigs({ resourceName: '1', nodeId: 1, layers, operations: [
      { name: 'listeners', configOperation: AlterConfigOperation.SET, value: 'NOPE://127.0.0.1:1' },
    ] });
    assert.deepEqual(listener.error, { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'No security protocol defined for listener NOPE' });
  });

  it('applies APPEND and SUBTRACT to LIST broker configs and refuses them elsewhere', () => {
    const appended = incrementalAlterBrokerConfigs({ resourceName: '', nodeId: 1, layers, operations: [
      { name: 'log.cleanup.policy', configOperation: AlterConfigOperation.APPEND, value: 'compact' },
    ] });
    assert.equal(appended.configs.get('log.cleanup.policy'), 'delete,compact');
    const subtracted = incrementalAlterBrokerConfigs({ resourceName: '', nodeId: 1, layers: { ...layers, dynamicDefaultConfigs: appended.configs }, operations: [
      { name: 'log.cleanup.policy', configOperation: AlterConfigOperation.SUBTRACT, value: 'delete' },
    ] });
    assert.equal(subtracted.configs.get('log.cleanup.policy'), 'compact');
    const notList = incrementalAlterBrokerConfigs({ resourceName: '', nodeId: 1, layers, operations: [
      { name: 'log.retention.ms', configOperation: AlterConfigOperation.APPEND, value: '1' },
    ] });
    assert.deepEqual(notList.error, { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: 'Config value append is not allowed for config key: log.retention.ms' });
  });

  it('deletes a dynamic value so the static one applies again', () => {
    const withDynamic = { ...layers, dynamicDefaultConfigs: new Map([['log.retention.ms', '1']]) };
    const change = incrementalAlterBrokerConfigs({ resourceName: '', nodeId: 1, layers: withDynamic, operations: [
      { name: 'log.retention.ms', configOperation: AlterConfigOperation.DELETE, value: null },
    ] });
    assert.deepEqual([change.error, change.configs.size], [null, 0]);
  });

  it('checks the resource name, duplicates and null values first', () => {
    const set = [{ name: 'log.retention.ms', configOperation: AlterConfigOperation.SET, value: '1' }];
    assert.equal(incrementalAlterBrokerConfigs({ resourceName: '3', nodeId: 1, layers, operations: set }).error?.errorMessage,
      'Unexpected broker id, expected 1, but received 3');
    assert.equal(incrementalAlterBrokerConfigs({ resourceName: '', nodeId: 1, layers, operations: [...set, ...set] }).error?.errorMessage,
      'Error due to duplicate config keys');
    assert.equal(alterBrokerConfigs({ resourceName: '', nodeId: 1, layers, entries: [{ name: 'log.retention.ms', value: null }] }).error?.errorMessage,
      'Null value not supported for : log.retention.ms');
  });

  it('knows Kafka\'s update mode of each broker config', () => {
    assert.equal(dynamicUpdateMode('log.retention.ms'), 'cluster-wide');
    assert.equal(dynamicUpdateMode('log.retention.hours'), 'read-only');
    assert.equal(dynamicUpdateMode('advertised.listeners'), 'per-broker');
    assert.equal(dynamicUpdateMode('listener.name.internal.ssl.keystore.location'), 'per-broker');
    assert.equal(dynamicUpdateMode('listener.name.internal.max.connections'), 'cluster-wide');
    assert.equal(dynamicUpdateMode('leader.replication.throttled.rate'), 'cluster-wide');
    assert.equal(dynamicUpdateMode('my.plugin.setting'), 'custom');
  });
});
