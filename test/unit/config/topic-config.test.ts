import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import type { BrokerConfigLayers } from '../../../src/config/broker-config.ts';
import {
  alterTopicConfigs,
  createTopicConfigs,
  describeTopicConfigs,
  incrementalAlterTopicConfigs,
  resolveTopicConfig,
  toLogSettings,
} from '../../../src/config/topic-config.ts';
import { AlterConfigOperation, ConfigSource, ConfigTypeCode, type DescribeConfigsEntry } from '../../../src/config/types.ts';
import { NativeLogError, PartitionLog } from '../../../src/native/index.ts';
import { ErrorCode } from '../../../src/protocol/error-codes.ts';
import { simpleBatch } from '../../helpers/record-batches.ts';

function layers(staticConfigs: Record<string, string> = {}, dynamicDefault: Record<string, string> = {}, dynamicBroker: Record<string, string> = {}): BrokerConfigLayers {
  return {
    staticConfigs: new Map(Object.entries(staticConfigs)),
    dynamicDefaultConfigs: new Map(Object.entries(dynamicDefault)),
    dynamicBrokerConfigs: new Map(Object.entries(dynamicBroker)),
  };
}

const NONE = new Map<string, string>();
const root = mkdtempSync(join(tmpdir(), 'fjord-config-log-'));
after(() => rmSync(root, { recursive: true, force: true }));

function entry(entries: DescribeConfigsEntry[], name: string): DescribeConfigsEntry {
  return entries.find((candidate) => candidate.name === name) ?? assert.fail(`no entry ${name}`);
}

function describeAll(overrides: ReadonlyMap<string, string>, brokerLayers: BrokerConfigLayers): DescribeConfigsEntry[] {
  return describeTopicConfigs({ overrides, layers: brokerLayers, includeSynonyms: true, includeDocumentation: true });
}

describe('topic config resolution', () => {
  it('takes the topic override, then dynamic per-broker, dynamic default, static, then the Kafka default', () => {
    const all = layers({ 'log.retention.ms': '4' }, { 'log.retention.ms': '3' }, { 'log.retention.ms': '2' });
    assert.equal(resolveTopicConfig(new Map([['retention.ms', '1']]), all).get('retention.ms')?.value, 1n);
    assert.deepEqual(resolveTopicConfig(NONE, all).get('retention.ms'), { name: 'retention.ms', value: 2n, source: ConfigSource.DYNAMIC_BROKER_CONFIG, from: 'log.retention.ms' });
    assert.equal(resolveTopicConfig(NONE, layers({ 'log.retention.ms': '4' }, { 'log.retention.ms': '3' })).get('retention.ms')?.source, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
    assert.equal(resolveTopicConfig(NONE, layers({ 'log.retention.ms': '4' })).get('retention.ms')?.source, ConfigSource.STATIC_BROKER_CONFIG);
    assert.deepEqual(resolveTopicConfig(NONE, layers()).get('retention.ms'), { name: 'retention.ms', value: 604800000n, source: ConfigSource.DEFAULT_CONFIG, from: 'retention.ms' });
  });

  it('follows the synonyms in Kafka\'s order and converts their units', () => {
    const hours = layers({ 'log.retention.hours': '2' });
    assert.equal(resolveTopicConfig(NONE, hours).get('retention.ms')?.value, 7_200_000n);
    const minutesBeatHours = layers({ 'log.retention.hours': '2', 'log.retention.minutes': '3' });
    assert.equal(resolveTopicConfig(NONE, minutesBeatHours).get('retention.ms')?.value, 180_000n);
    const millisBeatMinutes = layers({ 'log.retention.minutes': '3', 'log.retention.ms': '5' });
    assert.equal(resolveTopicConfig(NONE, millisBeatMinutes).get('retention.ms')?.value, 5n);
    // A static log.retention.ms beats nothing set dynamically; only the first synonym is dynamic.
    assert.equal(resolveTopicConfig(NONE, layers({ 'log.retention.ms': '5' }, { 'log.retention.ms': '9' })).get('retention.ms')?.value, 9n);
    assert.equal(resolveTopicConfig(NONE, layers({ 'log.retention.hours': '-5' })).get('retention.ms')?.value, -1n, 'negative retention means forever');
    assert.equal(resolveTopicConfig(NONE, layers({ 'log.roll.hours': '1' })).get('segment.ms')?.value, 3_600_000n);
    assert.equal(resolveTopicConfig(NONE, layers({ 'log.flush.scheduler.interval.ms': '700' })).get('flush.ms')?.value, 700n);
    assert.equal(resolveTopicConfig(NONE, layers({ 'log.flush.scheduler.interval.ms': '700', 'log.flush.interval.ms': '80' })).get('flush.ms')?.value, 80n);
    assert.equal(resolveTopicConfig(NONE, layers({ 'message.max.bytes': '2000' })).get('max.message.bytes')?.value, 2000);
  });

  it('gives the native log Kafka\'s defaults, with Long.MAX_VALUE still meaning no limit', () => {
    const settings = toLogSettings(resolveTopicConfig(NONE, layers()));
    assert.deepEqual(settings, {
      segmentBytes: 1073741824,
      segmentMs: 604800000,
      segmentIndexBytes: 10485760,
      indexIntervalBytes: 4096,
      retentionMs: 604800000,
      retentionBytes: -1,
      maxMessageBytes: 1048588,
      messageTimestampType: 'CreateTime',
      messageTimestampBeforeMaxMs: 2 ** 63,
      messageTimestampAfterMaxMs: 3600000,
      flushMessages: 2 ** 63,
      flushMs: 2 ** 63,
    });
    assert.ok(settings.flushMs !== undefined && settings.flushMs >= 2 ** 63, 'saturates to i64::MAX in the native log');
  });

  it('turns off deletion by time and size when cleanup.policy has no delete', () => {
    const settings = toLogSettings(resolveTopicConfig(new Map([['cleanup.policy', 'compact'], ['retention.ms', '10']]), layers()));
    assert.equal(settings.retentionMs, -1);
    assert.equal(settings.retentionBytes, -1);
  });

  it('produces settings the native log takes: an ancient timestamp passes under the default and fails under a bound', () => {
    const now = 1_700_000_000_000;
    const open = PartitionLog.open(join(root, 'default'), toLogSettings(resolveTopicConfig(NONE, layers())), now);
    assert.equal(open.append(simpleBatch(1, 10, 1), 0, now).baseOffset, 0, 'timestamp 1 ms after 1970 is accepted');
    open.close();
    const bounded = toLogSettings(resolveTopicConfig(new Map([['message.timestamp.before.max.ms', '1000']]), layers()));
    const strict = PartitionLog.open(join(root, 'bounded'), bounded, now);
    assert.throws(() => strict.append(simpleBatch(1, 10, 1), 0, now), (error: unknown) => error instanceof NativeLogError && error.kafkaName === 'INVALID_TIMESTAMP');
    strict.close();
  });
});

describe('describeTopicConfigs', () => {
  it('describes every topic config with value, source, type and documentation', () => {
    const entries = describeAll(NONE, layers());
    assert.equal(entries.length, 34);
    assert.deepEqual(entry(entries, 'segment.bytes'), {
      name: 'segment.bytes',
      value: '1073741824',
      readOnly: false,
      configSource: ConfigSource.DEFAULT_CONFIG,
      isSensitive: false,
      synonyms: [{ name: 'log.segment.bytes', value: '1073741824', source: ConfigSource.DEFAULT_CONFIG }],
      configType: ConfigTypeCode.INT,
      documentation: entry(entries, 'segment.bytes').documentation,
    });
    assert.match(entry(entries, 'segment.bytes').documentation ?? '', /segment/);
    assert.equal(entry(entries, 'flush.ms').value, '9223372036854775807');
    assert.equal(entry(entries, 'min.cleanable.dirty.ratio').value, '0.5');
    assert.equal(entry(entries, 'cleanup.policy').configType, ConfigTypeCode.LIST);
    assert.deepEqual(entry(entries, 'remote.storage.enable').synonyms, [], 'no server default');
  });

  it('lists the topic override first, then the broker layers in precedence order', () => {
    const brokerLayers = layers({ 'log.retention.ms': '4', 'log.retention.hours': '1' }, { 'log.retention.ms': '3' }, { 'log.retention.ms': '2' });
    const retention = entry(describeAll(new Map([['retention.ms', ' 1 ']]), brokerLayers), 'retention.ms');
    assert.equal(retention.value, '1');
    assert.equal(retention.configSource, ConfigSource.TOPIC_CONFIG);
    assert.deepEqual(retention.synonyms, [
      { name: 'retention.ms', value: '1', source: ConfigSource.TOPIC_CONFIG },
      { name: 'log.retention.ms', value: '2', source: ConfigSource.DYNAMIC_BROKER_CONFIG },
      { name: 'log.retention.ms', value: '3', source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG },
      { name: 'log.retention.ms', value: '4', source: ConfigSource.STATIC_BROKER_CONFIG },
      { name: 'log.retention.hours', value: '1', source: ConfigSource.STATIC_BROKER_CONFIG },
      { name: 'log.retention.hours', value: '168', source: ConfigSource.DEFAULT_CONFIG },
    ]);
  });

  it('reports a value from a static broker synonym with its source', () => {
    const segment = entry(describeAll(NONE, layers({ 'log.segment.bytes': '2097152' })), 'segment.bytes');
    assert.equal(segment.value, '2097152');
    assert.equal(segment.configSource, ConfigSource.STATIC_BROKER_CONFIG);
  });

  it('keeps Kafka\'s quirk: a value from log.retention.hours alone is described as DEFAULT_CONFIG without synonyms', () => {
    const retention = entry(describeAll(NONE, layers({ 'log.retention.hours': '24' })), 'retention.ms');
    assert.equal(retention.value, '86400000');
    assert.equal(retention.configSource, ConfigSource.DEFAULT_CONFIG);
    assert.deepEqual(retention.synonyms, []);
  });

  it('filters by the requested names and leaves out synonyms and documentation unless asked', () => {
    const entries = describeTopicConfigs({ overrides: NONE, layers: layers(), configNames: ['retention.ms', 'nope'], includeSynonyms: false, includeDocumentation: false });
    assert.deepEqual(entries.map((candidate) => [candidate.name, candidate.synonyms, candidate.documentation]), [['retention.ms', [], null]]);
  });
});

describe('topic config validation and alteration', () => {
  it('accepts valid CreateTopics configs and names the first invalid one with INVALID_CONFIG', () => {
    assert.deepEqual(createTopicConfigs([{ name: 'retention.ms', value: '1000' }, { name: 'cleanup.policy', value: 'compact' }], layers()).error, null);
    const cases: Array<[string, string, string]> = [
      ['retention.msec', '1', 'Unknown topic config name: retention.msec'],
      ['segment.bytes', '100', 'Invalid value 100 for configuration segment.bytes: Value must be at least 1048576'],
      ['max.message.bytes', 'lots', 'Invalid value lots for configuration max.message.bytes: Not a number of type INT'],
      ['message.timestamp.type', 'Now', 'Invalid value Now for configuration message.timestamp.type: String must be one of: CreateTime, LogAppendTime'],
      ['remote.storage.enable', 'true', 'Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage.'],
    ];
    for (const [name, value, message] of cases) {
      assert.deepEqual(createTopicConfigs([{ name, value }], layers()).error, { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: message });
    }
    assert.deepEqual(createTopicConfigs([{ name: 'retention.ms', value: null }], layers()).error, {
      errorCode: ErrorCode.INVALID_CONFIG, errorMessage: 'Null value not supported for topic configs: retention.ms',
    });
  });

  it('checks min.compaction.lag.ms against max.compaction.lag.ms, using the broker value when the topic sets only one', () => {
    const error = createTopicConfigs([{ name: 'min.compaction.lag.ms', value: '500' }], layers({ 'log.cleaner.max.compaction.lag.ms': '100' })).error;
    assert.deepEqual(error, { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: 'conflict topic config setting min.compaction.lag.ms (500) > max.compaction.lag.ms (100)' });
  });

  it('replaces all overrides with legacy AlterConfigs and keeps them on error', () => {
    const current = new Map([['retention.ms', '5'], ['segment.ms', '100']]);
    const replaced = alterTopicConfigs(current, [{ name: 'retention.bytes', value: '10' }], layers());
    assert.deepEqual([replaced.error, [...replaced.configs]], [null, [['retention.bytes', '10']]]);
    const failed = alterTopicConfigs(current, [{ name: 'retention.bytes', value: 'x' }], layers());
    assert.equal(failed.error?.errorCode, ErrorCode.INVALID_CONFIG);
    assert.deepEqual([...failed.configs], [...current]);
    assert.deepEqual(alterTopicConfigs(current, [{ name: 'a', value: '1' }, { name: 'a', value: '2' }], layers()).error, {
      errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Error due to duplicate config keys',
    });
    assert.deepEqual(alterTopicConfigs(current, [{ name: 'retention.ms', value: null }], layers()).error, {
      errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Null value not supported for : retention.ms',
    });
  });

  it('applies IncrementalAlterConfigs SET and DELETE on top of the existing overrides', () => {
    const current = new Map([['retention.ms', '5'], ['segment.ms', '100']]);
    const result = incrementalAlterTopicConfigs(current, [
      { name: 'retention.ms', configOperation: AlterConfigOperation.SET, value: '6' },
      { name: 'segment.ms', configOperation: AlterConfigOperation.DELETE, value: null },
      { name: 'flush.messages', configOperation: AlterConfigOperation.SET, value: '1' },
    ], layers());
    assert.equal(result.error, null);
    assert.deepEqual([...result.configs], [['retention.ms', '6'], ['flush.messages', '1']]);
    assert.deepEqual([...current], [['retention.ms', '5'], ['segment.ms', '100']], 'input untouched');
  });

  it('APPENDs to and SUBTRACTs from LIST configs, starting from the default when unset', () => {
    const appended = incrementalAlterTopicConfigs(NONE, [{ name: 'cleanup.policy', configOperation: AlterConfigOperation.APPEND, value: 'compact' }], layers());
    assert.deepEqual([...appended.configs], [['cleanup.policy', 'delete,compact']]);
    const again = incrementalAlterTopicConfigs(appended.configs, [{ name: 'cleanup.policy', configOperation: AlterConfigOperation.APPEND, value: 'delete' }], layers());
    assert.equal(again.configs.get('cleanup.policy'), 'delete,compact', 'no duplicates');
    const subtracted = incrementalAlterTopicConfigs(appended.configs, [{ name: 'cleanup.policy', configOperation: AlterConfigOperation.SUBTRACT, value: 'delete' }], layers());
    assert.equal(subtracted.configs.get('cleanup.policy'), 'compact');
    const throttled = incrementalAlterTopicConfigs(NONE, [{ name: 'leader.replication.throttled.replicas', configOperation: AlterConfigOperation.APPEND, value: '0:1,1:1' }], layers());
    assert.equal(throttled.configs.get('leader.replication.throttled.replicas'), '0:1,1:1');
  });

  it('refuses APPEND and SUBTRACT on configs that are not lists, unknown operations, and invalid results', () => {
    assert.deepEqual(incrementalAlterTopicConfigs(NONE, [{ name: 'retention.ms', configOperation: AlterConfigOperation.APPEND, value: '1' }], layers()).error, {
      errorCode: ErrorCode.INVALID_CONFIG, errorMessage: "Can't APPEND to key retention.ms because its type is not LIST.",
    });
    assert.deepEqual(incrementalAlterTopicConfigs(NONE, [{ name: 'retention.ms', configOperation: AlterConfigOperation.SUBTRACT, value: '1' }], layers()).error, {
      errorCode: ErrorCode.INVALID_CONFIG, errorMessage: "Can't SUBTRACT to key retention.ms because its type is not LIST.",
    });
    assert.equal(incrementalAlterTopicConfigs(NONE, [{ name: 'retention.ms', configOperation: 9, value: '1' }], layers()).error?.errorCode, ErrorCode.INVALID_REQUEST);
    assert.deepEqual(incrementalAlterTopicConfigs(NONE, [{ name: 'cleanup.policy', configOperation: AlterConfigOperation.APPEND, value: 'archive' }], layers()).error, {
      errorCode: ErrorCode.INVALID_CONFIG, errorMessage: 'Invalid value archive for configuration cleanup.policy: String must be one of: compact, delete',
    });
    assert.deepEqual(incrementalAlterTopicConfigs(NONE, [{ name: 'retention.ms', configOperation: AlterConfigOperation.SET, value: null }], layers()).error, {
      errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Null value not supported for : retention.ms',
    });
  });
});
