// Durable group state: Kafka's record formats, the group → partition mapping, and the
// __consumer_offsets round trip through a real broker's logs in a temp directory (restart,
// snapshot, stale and damaged snapshots).
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import { Broker } from '../../../src/broker/broker.ts';
import { loadBrokerConfig } from '../../../src/config/index.ts';
import { decodeGroupRecord, encodeGroupRecord, javaStringHashCode, partitionForGroup, type GroupRecord } from '../../../src/coordinator/group/group-records.ts';
import { GROUP_STATE_SNAPSHOT_FILE, OFFSETS_TOPIC_NAME } from '../../../src/coordinator/group/offsets-topic.ts';
import { buildRecordBatch, forEachRecord } from '../../../src/coordinator/group/record-batch-builder.ts';
import { ErrorCode } from '../../../src/protocol/error-codes.ts';

describe('records and partitioning', () => {
  test("javaStringHashCode matches Java's String.hashCode", () => {
    assert.equal(javaStringHashCode(''), 0);
    assert.equal(javaStringHashCode('hello'), 99162322);
    assert.equal(javaStringHashCode('Aa'), javaStringHashCode('BB'));
    assert.equal(javaStringHashCode('polygenelubricants'), -2147483648);
    assert.equal(javaStringHashCode('é€'), (0xe9 * 31 + 0x20ac) | 0, 'UTF-16 code units');
  });

  test('partitionForGroup is Utils.abs(hashCode) % N, with abs(MIN_VALUE) = 0', () => {
    assert.equal(partitionForGroup('hello', 50), 99162322 % 50);
    assert.equal(partitionForGroup('polygenelubricants', 50), 0);
    // A negative hash: abs, not the sign-bit mask the producer partitioner uses.
    const hash = javaStringHashCode('group-negative-1');
    const expected = Math.abs(hash) % 50;
    assert.equal(partitionForGroup('group-negative-1', 50), expected);
  });

  test('offset and group records round-trip in Kafka formats, tombstones included', () => {
    const records: GroupRecord[] = [
      { kind: 'offset', groupId: 'g', topic: 't', partition: 3, value: { offset: 1234567890123n, leaderEpoch: 5, metadata: 'm', commitTimestampMs: 1_700_000_000_000 } },
      { kind: 'offset', groupId: 'g', topic: 't', partition: 3, value: null },
      {
        kind: 'group',
        groupId: 'g',
        value: {
          protocolType: 'consumer',
          generationId: 7,
          protocolName: 'range',
          leaderId: 'm1',
          stateTimestampMs: 99,
          members: [{ memberId: 'm1', groupInstanceId: 'i1', clientId: 'c', clientHost: '/127.0.0.1', rebalanceTimeoutMs: 300000, sessionTimeoutMs: 45000, subscription: Buffer.from([1, 2]), assignment: Buffer.from([3]) }],
        },
      },
      { kind: 'group', groupId: 'g', value: null },
    ];
    for (const record of records) {
      const { key, value } = encodeGroupRecord(record);
      assert.deepEqual(decodeGroupRecord(key, value), record);
    }
    const { key } = encodeGroupRecord(records[0]!);
    // OffsetCommitKey v1: version 1, "g", "t", partition 3.
    assert.deepEqual([...key], [0, 1, 0, 1, 0x67, 0, 1, 0x74, 0, 0, 0, 3]);
  });

  test('the batch builder writes batches the record reader reads back', () => {
    const batch = buildRecordBatch(
      [
        { key: Buffer.from('k1'), value: Buffer.from('v1') },
        { key: Buffer.from('k2'), value: null },
      ],
      1000,
    );
    const seen: Array<[string, string | null, bigint]> = [];
    const next = forEachRecord(batch, (record) => seen.push([record.key!.toString(), record.value?.toString() ?? null, record.offset]));
    assert.deepEqual(seen, [['k1', 'v1', 0n], ['k2', null, 1n]]);
    assert.equal(next, 2n);
  });
});

describe('__consumer_offsets through the broker', () => {
  const dirs: string[] = [];
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  async function start(dataDir: string): Promise<Broker> {
    const { config } = loadBrokerConfig({ overrides: { listeners: 'PLAINTEXT://127.0.0.1:0', 'log.dirs': dataDir, 'offsets.topic.num.partitions': '3' } });
    return Broker.start(config, () => {});
  }

  const commit = (broker: Broker, groupId: string, offset: bigint) =>
    broker.groups.coordinator.commitOffsets({ groupId, generationId: -1, memberId: '', groupInstanceId: null, requestVersion: 8, offsets: [{ topic: 't', partition: 0, offset, leaderEpoch: -1, metadata: `at ${offset}` }] });

  const fetched = (broker: Broker, groupId: string) => broker.groups.coordinator.fetchOffsets(groupId, [{ topic: 't', partitions: [0] }])[0]?.offset;

  test('commits survive a restart: from the snapshot, from the log alone, and from a stale or damaged snapshot', async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fjord-groups-'));
    dirs.push(dataDir);
    let broker = await start(dataDir);
    t.after(() => broker.stop());
    assert.equal(broker.metadata.topic(OFFSETS_TOPIC_NAME), undefined, 'the topic is created on first use, not at start');
    for (let offset = 1n; offset <= 20n; offset++) assert.deepEqual(await commit(broker, `group-${offset % 4n}`, offset), [ErrorCode.NONE]);
    assert.equal(broker.metadata.topic(OFFSETS_TOPIC_NAME)?.internal, true);
    assert.equal(broker.metadata.topic(OFFSETS_TOPIC_NAME)?.partitionCount, 3);
    await broker.stop();
    const snapshot = join(dataDir, GROUP_STATE_SNAPSHOT_FILE);
    assert.ok(existsSync(snapshot), 'a clean stop writes the snapshot');

    broker = await start(dataDir);
    assert.deepEqual([0n, 1n, 2n, 3n].map((g) => fetched(broker, `group-${g}`)), [20n, 17n, 18n, 19n]);
    await commit(broker, 'group-0', 100n);
    await broker.stop();
    const staleCopy = join(dataDir, 'stale.snapshot');
    copyFileSync(snapshot, staleCopy);
    broker = await start(dataDir);
    await commit(broker, 'group-1', 200n);
    await broker.stop();

    // A snapshot older than the log (as after kill -9): the tail after it is replayed.
    copyFileSync(staleCopy, snapshot);
    broker = await start(dataDir);
    assert.equal(fetched(broker, 'group-0'), 100n);
    assert.equal(fetched(broker, 'group-1'), 200n);
    await broker.stop();

    // A damaged snapshot is ignored: everything is replayed from the log.
    writeFileSync(snapshot, Buffer.from('not a snapshot at all, just bytes'));
    broker = await start(dataDir);
    assert.deepEqual([0n, 1n, 2n, 3n].map((g) => fetched(broker, `group-${g}`)), [100n, 200n, 18n, 19n]);
    await broker.stop();

    // No snapshot: the same.
    rmSync(snapshot);
    broker = await start(dataDir);
    assert.deepEqual([0n, 1n, 2n, 3n].map((g) => fetched(broker, `group-${g}`)), [100n, 200n, 18n, 19n]);
    // Deleted groups stay deleted.
    assert.equal(await broker.groups.coordinator.deleteGroup('group-2'), ErrorCode.NONE);
    await broker.stop();
    rmSync(snapshot);
    broker = await start(dataDir);
    assert.equal(broker.groups.coordinator.groupState('group-2'), undefined);
    assert.equal(fetched(broker, 'group-3'), 19n);
    await broker.stop();
  });

  test('consumer-protocol groups survive a restart: members carry on with their epochs and assignments', async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fjord-groups-'));
    dirs.push(dataDir);
    let broker = await start(dataDir);
    t.after(() => broker.stop());
    await broker.topics.createTopic({ name: 'orders', numPartitions: 3, replicationFactor: -1, configs: [], validateOnly: false });
    const heartbeat = (b: Broker, memberEpoch: number) =>
      b.groups.coordinator.consumerGroupHeartbeat({
        groupId: 'kip848',
        memberId: 'member-1',
        memberEpoch,
        instanceId: null,
        rackId: null,
        rebalanceTimeoutMs: 30_000,
        subscribedTopicNames: memberEpoch === 0 ? ['orders'] : null,
        subscribedTopicRegex: null,
        serverAssignor: null,
        topicPartitions: memberEpoch === 0 ? [] : null,
        clientId: 'c',
        clientHost: '/127.0.0.1',
        requestVersion: 1,
      });
    const joined = await heartbeat(broker, 0);
    assert.equal(joined.errorCode, ErrorCode.NONE);
    assert.equal(joined.memberEpoch, 1);
    assert.deepEqual(joined.assignment?.[0]?.partitions, [0, 1, 2]);
    await broker.stop();
    for (const withSnapshot of [true, false]) {
      if (!withSnapshot) rmSync(join(dataDir, GROUP_STATE_SNAPSHOT_FILE));
      broker = await start(dataDir);
      const after = await heartbeat(broker, 1);
      assert.equal(after.errorCode, ErrorCode.NONE, `known after a restart (${withSnapshot ? 'snapshot' : 'log replay'})`);
      assert.equal(after.memberEpoch, 1);
      const described = broker.groups.coordinator.consumerGroupDescribe('kip848');
      assert.equal(described.groupState, 'Stable');
      assert.deepEqual(described.members[0]?.assignment[0]?.partitions, [0, 1, 2]);
      await broker.stop();
    }
    broker = await start(dataDir);
    const left = await heartbeat(broker, -1);
    assert.equal(left.errorCode, ErrorCode.NONE);
    assert.equal(await broker.groups.coordinator.deleteGroup('kip848'), ErrorCode.NONE);
    await broker.stop();
    rmSync(join(dataDir, GROUP_STATE_SNAPSHOT_FILE));
    broker = await start(dataDir);
    assert.equal(broker.groups.coordinator.consumerGroupDescribe('kip848').errorCode, ErrorCode.GROUP_ID_NOT_FOUND, 'deleted groups stay deleted');
    await broker.stop();
  });
});
