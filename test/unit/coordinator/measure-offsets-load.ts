// Measures how long the broker takes to load group state at start-up after a million offset
// commits: with the snapshot a clean stop writes, and with the snapshot removed (replaying all of
// __consumer_offsets, as after a crash before any snapshot). Not a test; run it by hand:
//   node_modules/.bin/node test/unit/coordinator/measure-offsets-load.ts [commits] [groups]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Broker } from '../../../src/broker/broker.ts';
import { loadBrokerConfig } from '../../../src/config/index.ts';
import { GROUP_STATE_SNAPSHOT_FILE } from '../../../src/coordinator/group/offsets-topic.ts';

const commits = Number(process.argv[2] ?? 1_000_000);
const groups = Number(process.argv[3] ?? 1_000);
const partitionsPerGroup = 10;
const offsetsPerRequest = partitionsPerGroup;

const dataDir = mkdtempSync(join(tmpdir(), 'fjord-offsets-load-'));
const lines: string[] = [];
const start = () => {
  const { config } = loadBrokerConfig({ overrides: { listeners: 'PLAINTEXT://127.0.0.1:0', 'log.dirs': dataDir } });
  return Broker.start(config, (_level, message) => lines.push(message));
};

try {
  let broker = await start();
  const topic = await broker.topics.createTopic({ name: 'measured', numPartitions: partitionsPerGroup, replicationFactor: -1, configs: [], validateOnly: false });
  if (topic.errorCode !== 0) throw new Error(`create topic: ${topic.errorCode}`);
  const writeStarted = Date.now();
  for (let request = 0; request < commits / offsetsPerRequest; request++) {
    const groupId = `group-${request % groups}`;
    const offset = BigInt(Math.floor(request / groups));
    const offsets = Array.from({ length: offsetsPerRequest }, (_, partition) => ({ topic: 'measured', partition, offset, leaderEpoch: 0, metadata: '' }));
    const errors = await broker.groups.coordinator.commitOffsets({ groupId, generationId: -1, memberId: '', groupInstanceId: null, requestVersion: 8, offsets });
    if (errors.some((code) => code !== 0)) throw new Error(`commit failed: ${errors.join(',')}`);
  }
  const writeMs = Date.now() - writeStarted;
  await broker.stop();
  console.log(`wrote ${commits} commits (${groups} groups x ${partitionsPerGroup} partitions, ${offsetsPerRequest} per request) in ${writeMs} ms`);

  for (const mode of ['with the snapshot', 'without the snapshot (full replay)']) {
    if (mode.startsWith('without')) rmSync(join(dataDir, GROUP_STATE_SNAPSHOT_FILE));
    lines.length = 0;
    const started = Date.now();
    broker = await start();
    const total = Date.now() - started;
    const loaded = lines.find((line) => line.startsWith('group state loaded'));
    console.log(`start-up ${mode}: broker started in ${total} ms; ${loaded}`);
    const check = broker.groups.coordinator.fetchOffsets('group-7', [{ topic: 'measured', partitions: [3] }])[0];
    console.log(`  group-7 measured-3 committed offset: ${check?.offset}`);
    await broker.stop();
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
