import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { loadBrokerConfig, MAX_PROPERTIES_FILE_BYTES, type ConfigProblem } from '../../../src/config/broker-config.ts';
import { LONG_MAX_AS_NUMBER } from '../../../src/config/broker-definitions.ts';

const root = mkdtempSync(join(tmpdir(), 'fjord-config-'));
after(() => rmSync(root, { recursive: true, force: true }));
let files = 0;
function propertiesFile(text: string): string {
  const path = join(root, `server-${files++}.properties`);
  writeFileSync(path, text);
  return path;
}

function byName(problems: readonly ConfigProblem[]): Record<string, ConfigProblem['severity']> {
  return Object.fromEntries(problems.map((problem) => [problem.name, problem.severity]));
}

describe('loadBrokerConfig', () => {
  it('starts a single node on loopback with data under the working directory when nothing is set', () => {
    const { config, problems } = loadBrokerConfig({ overrides: {}, workingDirectory: '/srv/app' });
    assert.deepEqual(problems, []);
    assert.equal(config.nodeId, 1);
    assert.deepEqual(config.listeners, [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092, securityProtocol: 'PLAINTEXT' }]);
    assert.deepEqual(config.advertisedListeners, config.listeners);
    assert.deepEqual(config.logDirs, ['/srv/app/fjord-data']);
    assert.deepEqual(config.processRoles, ['broker', 'controller']);
    assert.equal(config.numPartitions, 1);
    assert.equal(config.autoCreateTopicsEnable, true);
    assert.equal(config.socketRequestMaxBytes, 104857600);
    assert.equal(config.messageMaxBytes, 1048588);
    assert.equal(config.logFlushSchedulerIntervalMs, LONG_MAX_AS_NUMBER);
    assert.equal(config.offsetsTopicNumPartitions, 50);
  });

  it('reads Kafka broker names from a properties file', () => {
    const file = propertiesFile([
      '# a fjord node',
      'node.id=7',
      'listeners=PLAINTEXT://127.0.0.1:19092,INTERNAL://[::1]:19093',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT',
      'advertised.listeners=PLAINTEXT://broker.example:19092,INTERNAL://[::1]:19093',
      'inter.broker.listener.name=INTERNAL',
      'log.dirs=data/one',
      'num.partitions=3',
      'auto.create.topics.enable=false',
      'log.retention.ms=1000',
    ].join('\n'));
    const { config, problems } = loadBrokerConfig({ file, overrides: {}, workingDirectory: root });
    assert.deepEqual(problems, []);
    assert.equal(config.nodeId, 7);
    assert.deepEqual(config.listeners.map((l) => [l.name, l.host, l.port]), [['PLAINTEXT', '127.0.0.1', 19092], ['INTERNAL', '::1', 19093]]);
    assert.deepEqual(config.advertisedListeners.map((l) => l.host), ['broker.example', '::1']);
    assert.equal(config.interBrokerListenerName, 'INTERNAL');
    assert.deepEqual(config.logDirs, [join(root, 'data/one')]);
    assert.equal(config.numPartitions, 3);
    assert.equal(config.autoCreateTopicsEnable, false);
    assert.equal(config.layers.staticConfigs.get('log.retention.ms'), '1000');
  });

  it('lets command-line overrides beat the file', () => {
    const file = propertiesFile('num.partitions=3\nnode.id=7\n');
    const { config, problems } = loadBrokerConfig({ file, overrides: { 'num.partitions': '5' } });
    assert.deepEqual(problems, []);
    assert.equal(config.numPartitions, 5);
    assert.equal(config.nodeId, 7);
    assert.equal(config.layers.staticConfigs.get('num.partitions'), '5');
  });

  it('reports unknown names as errors and Kafka settings fjord ignores as warnings, by name', () => {
    const file = propertiesFile('num.network.threads=4\nnum.io.threads=16\nnum.partitons=3\nretention.ms=5\nsasl.enabled.mechanisms=PLAIN\n');
    const { problems } = loadBrokerConfig({ file, overrides: { 'made.up': 'x' } });
    assert.deepEqual(byName(problems), {
      'num.network.threads': 'warning',
      'num.io.threads': 'warning',
      'sasl.enabled.mechanisms': 'warning',
      'num.partitons': 'error',
      'retention.ms': 'error',
      'made.up': 'error',
    });
    const topicName = problems.find((problem) => problem.name === 'retention.ms');
    assert.match(topicName?.reason ?? '', /topic config; its broker default is log\.retention\.ms/);
    assert.deepEqual(problems.find((problem) => problem.name === 'num.partitons')?.origin, { kind: 'file', path: file, line: 3 });
  });

  it('reports invalid values by name with Kafka\'s reason and keeps the default', () => {
    const { config, problems } = loadBrokerConfig({
      overrides: { 'num.partitions': '0', 'auto.create.topics.enable': 'maybe', 'log.segment.bytes': '1000', 'message.max.bytes': 'big' },
    });
    assert.deepEqual(problems.map((problem) => [problem.name, problem.severity, problem.reason]), [
      ['num.partitions', 'error', 'Invalid value 0 for configuration num.partitions: Value must be at least 1'],
      ['auto.create.topics.enable', 'error', 'Invalid value maybe for configuration auto.create.topics.enable: Expected value to be either true or false'],
      ['log.segment.bytes', 'error', 'Invalid value 1000 for configuration log.segment.bytes: Value must be at least 1048576'],
      ['message.max.bytes', 'error', 'Invalid value big for configuration message.max.bytes: Not a number of type INT'],
    ]);
    assert.equal(config.numPartitions, 1);
    assert.equal(config.autoCreateTopicsEnable, true);
  });

  it('refuses listener settings it cannot honour', () => {
    const cases: Array<[Record<string, string>, string, RegExp]> = [
      [{ listeners: 'PLAINTEXT:/127.0.0.1:9092' }, 'listeners', /Unable to parse PLAINTEXT:\/127\.0\.0\.1:9092 to a broker endpoint/],
      [{ listeners: 'CLIENT://127.0.0.1:9092' }, 'listeners', /No security protocol defined for listener CLIENT/],
      [{ listeners: 'PLAINTEXT://a:1,PLAINTEXT://b:2' }, 'listeners', /Each listener must have a different name/],
      [{ listeners: 'SSL://127.0.0.1:9093' }, 'listeners', /does not support security protocol SSL/],
      [{ 'advertised.listeners': 'PLAINTEXT://0.0.0.0:9092' }, 'advertised.listeners', /nonroutable meta-address 0\.0\.0\.0/],
      [{ 'inter.broker.listener.name': 'OTHER' }, 'inter.broker.listener.name', /must be a listener name defined in advertised\.listeners/],
      [{ 'log.dirs': '/a,/b' }, 'log.dirs', /one log directory/],
      [{ 'process.roles': 'controller' }, 'process.roles', /must include broker/],
      [{ 'process.roles': 'broker,worker' }, 'process.roles', /String must be one of: broker, controller/],
      [{ 'default.replication.factor': '3' }, 'default.replication.factor', /replication factor 1/],
    ];
    for (const [overrides, name, reason] of cases) {
      const { problems } = loadBrokerConfig({ overrides });
      const problem = problems.find((candidate) => candidate.name === name);
      assert.ok(problem, `expected a problem named ${name} for ${JSON.stringify(overrides)}, saw ${JSON.stringify(problems)}`);
      assert.equal(problem.severity, 'error');
      assert.match(problem.reason, reason);
    }
  });

  it('uses log.dir when log.dirs is not set, and log.dirs over log.dir', () => {
    const onlyDir = loadBrokerConfig({ overrides: { 'log.dir': '/var/fjord' } });
    assert.deepEqual(onlyDir.config.logDirs, ['/var/fjord']);
    const empty = loadBrokerConfig({ overrides: { 'log.dirs': ' ' } });
    assert.match(empty.problems[0]?.reason ?? '', /At least one log directory must be defined/);
    const both = loadBrokerConfig({ overrides: { 'log.dir': '/var/fjord', 'log.dirs': '/srv/fjord' } });
    assert.deepEqual(both.config.logDirs, ['/srv/fjord']);
  });

  it('names a file it cannot read, a file too large to read, and malformed lines', () => {
    const missing = loadBrokerConfig({ file: join(root, 'absent.properties'), overrides: {} });
    assert.equal(missing.problems[0]?.severity, 'error');
    assert.match(missing.problems[0]?.reason ?? '', /cannot read the config file/);
    const large = loadBrokerConfig({ file: propertiesFile('#'.repeat(MAX_PROPERTIES_FILE_BYTES + 1)), overrides: {} });
    assert.match(large.problems[0]?.reason ?? '', /fjord reads at most/);
    const file = propertiesFile('node.id=2\nbroker.rack=\\u00\n');
    const malformed = loadBrokerConfig({ file, overrides: {} });
    assert.deepEqual(malformed.problems.map((problem) => [problem.name, problem.reason]), [[`${file}:2`, 'Malformed \\uxxxx encoding.']]);
    assert.equal(malformed.config.nodeId, 2);
  });
});
