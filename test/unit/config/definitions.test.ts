import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { BROKER_CONFIGS, isKnownKafkaBrokerConfigName } from '../../../src/config/broker-definitions.ts';
import { TOPIC_CONFIG_DEFINITIONS, TOPIC_CONFIGS } from '../../../src/config/topic-definitions.ts';
import { parseConfig } from '../../../src/config/values.ts';

// Kafka 4.1 topic configs: [name, type, default, first broker synonym or '']. Checked against
// LogConfig and ServerTopicConfigSynonyms of Kafka 4.x.
const KAFKA_TOPIC_CONFIGS: Array<[string, string, string, string]> = [
  ['cleanup.policy', 'LIST', 'delete', 'log.cleanup.policy'],
  ['compression.gzip.level', 'INT', '-1', 'compression.gzip.level'],
  ['compression.lz4.level', 'INT', '9', 'compression.lz4.level'],
  ['compression.type', 'STRING', 'producer', 'compression.type'],
  ['compression.zstd.level', 'INT', '3', 'compression.zstd.level'],
  ['delete.retention.ms', 'LONG', '86400000', 'log.cleaner.delete.retention.ms'],
  ['file.delete.delay.ms', 'LONG', '60000', 'log.segment.delete.delay.ms'],
  ['flush.messages', 'LONG', '9223372036854775807', 'log.flush.interval.messages'],
  ['flush.ms', 'LONG', '9223372036854775807', 'log.flush.interval.ms'],
  ['follower.replication.throttled.replicas', 'LIST', '', ''],
  ['index.interval.bytes', 'INT', '4096', 'log.index.interval.bytes'],
  ['leader.replication.throttled.replicas', 'LIST', '', ''],
  ['local.retention.bytes', 'LONG', '-2', 'log.local.retention.bytes'],
  ['local.retention.ms', 'LONG', '-2', 'log.local.retention.ms'],
  ['max.compaction.lag.ms', 'LONG', '9223372036854775807', 'log.cleaner.max.compaction.lag.ms'],
  ['max.message.bytes', 'INT', '1048588', 'message.max.bytes'],
  ['message.downconversion.enable', 'BOOLEAN', 'true', 'log.message.downconversion.enable'],
  ['message.timestamp.after.max.ms', 'LONG', '3600000', 'log.message.timestamp.after.max.ms'],
  ['message.timestamp.before.max.ms', 'LONG', '9223372036854775807', 'log.message.timestamp.before.max.ms'],
  ['message.timestamp.type', 'STRING', 'CreateTime', 'log.message.timestamp.type'],
  ['min.cleanable.dirty.ratio', 'DOUBLE', '0.5', 'log.cleaner.min.cleanable.ratio'],
  ['min.compaction.lag.ms', 'LONG', '0', 'log.cleaner.min.compaction.lag.ms'],
  ['min.insync.replicas', 'INT', '1', 'min.insync.replicas'],
  ['preallocate', 'BOOLEAN', 'false', 'log.preallocate'],
  ['remote.log.copy.disable', 'BOOLEAN', 'false', ''],
  ['remote.log.delete.on.disable', 'BOOLEAN', 'false', ''],
  ['remote.storage.enable', 'BOOLEAN', 'false', ''],
  ['retention.bytes', 'LONG', '-1', 'log.retention.bytes'],
  ['retention.ms', 'LONG', '604800000', 'log.retention.ms'],
  ['segment.bytes', 'INT', '1073741824', 'log.segment.bytes'],
  ['segment.index.bytes', 'INT', '10485760', 'log.index.size.max.bytes'],
  ['segment.jitter.ms', 'LONG', '0', 'log.roll.jitter.ms'],
  ['segment.ms', 'LONG', '604800000', 'log.roll.ms'],
  ['unclean.leader.election.enable', 'BOOLEAN', 'false', 'unclean.leader.election.enable'],
];

// Kafka 4.1 broker defaults: [name, type, default (null = none), dynamic update mode].
const KAFKA_BROKER_CONFIGS: Array<[string, string, string | null, string]> = [
  ['node.id', 'INT', '-1', 'read-only'],
  ['listeners', 'STRING', 'PLAINTEXT://:9092', 'per-broker'],
  ['advertised.listeners', 'STRING', null, 'per-broker'],
  ['log.dir', 'STRING', '/tmp/kafka-logs', 'read-only'],
  ['log.dirs', 'STRING', null, 'read-only'],
  ['num.partitions', 'INT', '1', 'read-only'],
  ['default.replication.factor', 'INT', '1', 'read-only'],
  ['auto.create.topics.enable', 'BOOLEAN', 'true', 'read-only'],
  ['delete.topic.enable', 'BOOLEAN', 'true', 'read-only'],
  ['socket.request.max.bytes', 'INT', '104857600', 'read-only'],
  ['max.connections', 'INT', '2147483647', 'cluster-wide'],
  ['max.connections.per.ip', 'INT', '2147483647', 'cluster-wide'],
  ['connections.max.idle.ms', 'LONG', '600000', 'read-only'],
  ['queued.max.requests', 'INT', '500', 'read-only'],
  ['message.max.bytes', 'INT', '1048588', 'cluster-wide'],
  ['num.network.threads', 'INT', '3', 'cluster-wide'],
  ['num.io.threads', 'INT', '8', 'cluster-wide'],
  ['num.recovery.threads.per.data.dir', 'INT', '2', 'cluster-wide'],
  ['log.segment.bytes', 'INT', '1073741824', 'cluster-wide'],
  ['log.roll.hours', 'INT', '168', 'read-only'],
  ['log.roll.ms', 'LONG', null, 'cluster-wide'],
  ['log.retention.hours', 'INT', '168', 'read-only'],
  ['log.retention.minutes', 'INT', null, 'read-only'],
  ['log.retention.ms', 'LONG', null, 'cluster-wide'],
  ['log.retention.bytes', 'LONG', '-1', 'cluster-wide'],
  ['log.retention.check.interval.ms', 'LONG', '300000', 'read-only'],
  ['log.cleanup.policy', 'LIST', 'delete', 'cluster-wide'],
  ['log.index.size.max.bytes', 'INT', '10485760', 'cluster-wide'],
  ['log.index.interval.bytes', 'INT', '4096', 'cluster-wide'],
  ['log.flush.interval.messages', 'LONG', '9223372036854775807', 'cluster-wide'],
  ['log.flush.interval.ms', 'LONG', null, 'cluster-wide'],
  ['log.flush.scheduler.interval.ms', 'LONG', '9223372036854775807', 'read-only'],
  ['log.flush.offset.checkpoint.interval.ms', 'INT', '60000', 'read-only'],
  ['log.message.timestamp.after.max.ms', 'LONG', '3600000', 'cluster-wide'],
  ['log.cleaner.io.max.bytes.per.second', 'DOUBLE', '1.7976931348623157E308', 'cluster-wide'],
  ['offsets.topic.num.partitions', 'INT', '50', 'read-only'],
  ['offsets.topic.replication.factor', 'SHORT', '3', 'read-only'],
  ['offsets.retention.minutes', 'INT', '10080', 'read-only'],
  ['transaction.state.log.num.partitions', 'INT', '50', 'read-only'],
  ['transaction.max.timeout.ms', 'INT', '900000', 'read-only'],
  ['transactional.id.expiration.ms', 'INT', '604800000', 'read-only'],
  ['producer.id.expiration.ms', 'INT', '86400000', 'cluster-wide'],
  ['group.initial.rebalance.delay.ms', 'INT', '3000', 'read-only'],
  ['group.coordinator.rebalance.protocols', 'LIST', 'classic,consumer', 'read-only'],
  ['broker.rack', 'STRING', null, 'read-only'],
];

describe('config definitions', () => {
  it('define exactly Kafka 4.1\'s topic configs, with its types, defaults and first broker synonyms', () => {
    assert.deepEqual(TOPIC_CONFIG_DEFINITIONS.map((definition) => definition.name).sort(), KAFKA_TOPIC_CONFIGS.map(([name]) => name));
    for (const [name, type, defaultValue, synonym] of KAFKA_TOPIC_CONFIGS) {
      const definition = TOPIC_CONFIGS.get(name);
      assert.ok(definition, name);
      assert.equal(definition.type, type, `${name} type`);
      assert.equal(definition.defaultValue, defaultValue, `${name} default`);
      assert.equal(definition.brokerSynonyms[0] ?? '', synonym, `${name} synonym`);
    }
  });

  it('leave out the configs Kafka 4.0 removed', () => {
    for (const removed of ['message.format.version', 'message.timestamp.difference.max.ms']) assert.equal(TOPIC_CONFIGS.has(removed), false, removed);
    for (const removed of ['log.message.format.version', 'log.message.timestamp.difference.max.ms', 'zookeeper.connect', 'inter.broker.protocol.version']) {
      assert.equal(isKnownKafkaBrokerConfigName(removed), false, removed);
    }
  });

  it('list every broker synonym in Kafka\'s precedence order', () => {
    assert.deepEqual(TOPIC_CONFIGS.get('retention.ms')?.brokerSynonyms, ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours']);
    assert.deepEqual(TOPIC_CONFIGS.get('segment.ms')?.brokerSynonyms, ['log.roll.ms', 'log.roll.hours']);
    assert.deepEqual(TOPIC_CONFIGS.get('segment.jitter.ms')?.brokerSynonyms, ['log.roll.jitter.ms', 'log.roll.jitter.hours']);
    assert.deepEqual(TOPIC_CONFIGS.get('flush.ms')?.brokerSynonyms, ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms']);
  });

  it('model every broker synonym as a broker config whose default matches the topic default', () => {
    for (const definition of TOPIC_CONFIG_DEFINITIONS) {
      for (const synonym of definition.brokerSynonyms) assert.ok(BROKER_CONFIGS.has(synonym), `${synonym} of ${definition.name}`);
      const first = definition.brokerSynonyms[0];
      const last = definition.brokerSynonyms.at(-1);
      if (first === undefined || last === undefined) continue;
      const brokerDefault = BROKER_CONFIGS.get(first)?.defaultValue ?? BROKER_CONFIGS.get(last)?.defaultValue;
      const scale = last.endsWith('.hours') && BROKER_CONFIGS.get(first)?.defaultValue === null ? 3_600_000n : 1n;
      const expected = definition.type === 'LONG' && brokerDefault !== null && brokerDefault !== undefined
        ? String(BigInt(brokerDefault) * scale)
        : brokerDefault;
      assert.equal(expected, definition.defaultValue, `server default of ${definition.name}`);
    }
  });

  it('give Kafka 4.1\'s broker defaults and dynamic update modes', () => {
    for (const [name, type, defaultValue, mode] of KAFKA_BROKER_CONFIGS) {
      const definition = BROKER_CONFIGS.get(name);
      assert.ok(definition, name);
      assert.equal(definition.type, type, `${name} type`);
      assert.equal(definition.defaultValue, defaultValue, `${name} default`);
      assert.equal(definition.dynamicUpdateMode, mode, `${name} mode`);
    }
  });

  it('have defaults that pass their own validators, and documentation for each', () => {
    for (const definition of [...TOPIC_CONFIG_DEFINITIONS, ...BROKER_CONFIGS.values()]) {
      const parsed = parseConfig(definition, definition.defaultValue);
      assert.ok(parsed.ok, `${definition.name}: ${parsed.ok ? '' : parsed.message}`);
      assert.ok(definition.documentation.length > 10, `${definition.name} documentation`);
    }
  });

  it('validate with Kafka\'s ranges and enumerations', () => {
    const check = (name: string, raw: string) => {
      const parsed = parseConfig(TOPIC_CONFIGS.get(name) ?? assert.fail(name), raw);
      return parsed.ok ? 'ok' : parsed.message;
    };
    assert.equal(check('segment.bytes', '1048575'), 'Invalid value 1048575 for configuration segment.bytes: Value must be at least 1048576');
    assert.equal(check('segment.bytes', '1048576'), 'ok');
    assert.equal(check('retention.ms', '-2'), 'Invalid value -2 for configuration retention.ms: Value must be at least -1');
    assert.equal(check('retention.ms', '9223372036854775808'), 'Invalid value 9223372036854775808 for configuration retention.ms: Not a number of type LONG');
    assert.equal(check('segment.bytes', '2147483648'), 'Invalid value 2147483648 for configuration segment.bytes: Not a number of type INT');
    assert.equal(check('message.timestamp.type', 'logappendtime'), 'Invalid value logappendtime for configuration message.timestamp.type: String must be one of: CreateTime, LogAppendTime');
    assert.equal(check('cleanup.policy', 'delete, compact'), 'ok');
    assert.equal(check('cleanup.policy', 'delete,compacted'), 'Invalid value compacted for configuration cleanup.policy: String must be one of: compact, delete');
    assert.equal(check('min.cleanable.dirty.ratio', '1.5'), 'Invalid value 1.5 for configuration min.cleanable.dirty.ratio: Value must be no more than 1');
    assert.equal(check('preallocate', 'yes'), 'Invalid value yes for configuration preallocate: Expected value to be either true or false');
    assert.equal(check('preallocate', ' TRUE '), 'ok');
    assert.equal(check('compression.gzip.level', '0'), 'Invalid value 0 for configuration compression.gzip.level: Value must be between 1 and 9 or equal to -1');
    assert.equal(check('compression.zstd.level', '-131072'), 'ok');
    assert.equal(check('leader.replication.throttled.replicas', '0:1,1:2'), 'ok');
    assert.equal(check('leader.replication.throttled.replicas', '*'), 'ok');
    assert.match(check('leader.replication.throttled.replicas', 'all'), /must be the literal '\*' or a list of replicas/);
  });
});
