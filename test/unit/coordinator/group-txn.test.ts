// Transactional offset commits in the group coordinator, against a real broker's logs in a temp
// directory: pending offsets written as transactional batches to __consumer_offsets, committed or
// dropped by their producer's marker (GroupService.writeTxnMarker, driven directly), Kafka's
// record-offset rule against plain commits, OffsetFetch requireStable, deletion with pending
// offsets, and the pending state across restarts (snapshot, log replay, a snapshot older than the
// marker). Expiry with pending offsets runs on the state machine with a manual clock.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Broker } from '../../../src/broker/broker.ts';
import { loadBrokerConfig } from '../../../src/config/index.ts';
import { GroupCoordinator, type GroupCoordinatorConfig, type GroupPersistence, type WriteOutcome } from '../../../src/coordinator/group/group-coordinator.ts';
import type { GroupRecord } from '../../../src/coordinator/group/group-records.ts';
import { GROUP_STATE_SNAPSHOT_FILE, OFFSETS_TOPIC_NAME } from '../../../src/coordinator/group/offsets-topic.ts';
import { buildRecordBatch, forEachRecord, type DecodedMarker } from '../../../src/coordinator/group/record-batch-builder.ts';
import { ManualTimers } from '../../../src/coordinator/group/timers.ts';
import { buildTxnMarkerBatch } from '../../../src/log/control-batch.ts';
import { BatchAttribute, ErrorCode, RecordBatchField } from '../../../src/protocol/index.ts';
import { startBroker, type BrokerFixture } from '../handlers/fixture.ts';

type Coordinator = GroupCoordinator;

function txnCommit(coordinator: Coordinator, groupId: string, producerId: bigint, offset: bigint, options: { partition?: number; producerEpoch?: number; metadata?: string } = {}) {
  return coordinator.txnOffsetCommit({
    transactionalId: `tx-${producerId}`,
    groupId,
    producerId,
    producerEpoch: options.producerEpoch ?? 0,
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    offsets: [{ topic: 't', partition: options.partition ?? 0, offset, leaderEpoch: -1, metadata: options.metadata ?? `txn ${offset}` }],
  });
}

function plainCommit(coordinator: Coordinator, groupId: string, offset: bigint, partition = 0) {
  return coordinator.commitOffsets({ groupId, generationId: -1, memberId: '', groupInstanceId: null, requestVersion: 8, offsets: [{ topic: 't', partition, offset, leaderEpoch: -1, metadata: `plain ${offset}` }] });
}

function fetched(coordinator: Coordinator, groupId: string, requireStable = false, partition = 0): [bigint, number] {
  const found = coordinator.fetchOffsets(groupId, [{ topic: 't', partitions: [partition] }], requireStable)[0]!;
  return [found.offset, found.errorCode];
}

function endTxn(broker: Broker, groupId: string, producerId: bigint, committed: boolean, options: { producerEpoch?: number; partition?: number } = {}) {
  const partition = options.partition ?? broker.groups.offsetsTopic.partitionFor(groupId);
  return broker.groups.writeTxnMarker(partition, { producerId, producerEpoch: options.producerEpoch ?? 0, coordinatorEpoch: 0, committed });
}

/** The batches of a __consumer_offsets partition: [attributes, producer id] per batch. */
function storedBatches(broker: Broker, partition: number): Array<[number, bigint]> {
  const read = broker.logs.read(OFFSETS_TOPIC_NAME, partition, { fetchOffset: 0n, maxBytes: 1 << 20, minOneBatch: true, isolationLevel: 0 });
  const data = read.records?.copy() ?? Buffer.alloc(0);
  const out: Array<[number, bigint]> = [];
  for (let position = 0; position + 61 <= data.length; position += data.readInt32BE(position + RecordBatchField.batchLength) + 12) {
    out.push([data.readInt16BE(position + RecordBatchField.attributes), data.readBigInt64BE(position + RecordBatchField.producerId)]);
  }
  return out;
}

describe('record batches of transactions', () => {
  test('a transactional batch carries the producer and the transactional attribute; markers are read from control batches', () => {
    const batch = buildRecordBatch([{ key: Buffer.from('k'), value: Buffer.from('v') }], 1000, { producerId: 77n, producerEpoch: 3 });
    assert.equal(batch.readInt16BE(RecordBatchField.attributes), BatchAttribute.transactional);
    assert.equal(batch.readBigInt64BE(RecordBatchField.producerId), 77n);
    assert.equal(batch.readInt16BE(RecordBatchField.producerEpoch), 3);
    assert.equal(batch.readInt32BE(RecordBatchField.baseSequence), -1);
    const commit = buildTxnMarkerBatch({ producerId: 77n, producerEpoch: 3, coordinatorEpoch: 0, committed: true }, 1000);
    commit.writeBigInt64BE(1n, RecordBatchField.baseOffset);
    const abort = buildTxnMarkerBatch({ producerId: 78n, producerEpoch: 0, coordinatorEpoch: 0, committed: false }, 1000);
    abort.writeBigInt64BE(2n, RecordBatchField.baseOffset);
    const records: Array<[bigint, bigint, boolean]> = [];
    const markers: DecodedMarker[] = [];
    const next = forEachRecord(Buffer.concat([batch, commit, abort]), (record) => records.push([record.offset, record.producerId, record.transactional]), (marker) => markers.push(marker));
    assert.deepEqual(records, [[0n, 77n, true]]);
    assert.deepEqual(markers, [
      { offset: 1n, producerId: 77n, producerEpoch: 3, committed: true },
      { offset: 2n, producerId: 78n, producerEpoch: 0, committed: false },
    ]);
    assert.equal(next, 3n);
  });
});

describe('transactional offsets through the broker', () => {
  let fixture: BrokerFixture;
  let coordinator: Coordinator;
  before(async () => {
    fixture = await startBroker({ 'offsets.topic.num.partitions': '3', 'group.initial.rebalance.delay.ms': '0' });
    coordinator = fixture.broker.groups.coordinator;
  });
  after(() => fixture?.stop());

  test('a transactional offset is pending until its COMMIT marker: invisible to OffsetFetch, UNSTABLE_OFFSET_COMMIT to requireStable fetches', async () => {
    const { broker } = fixture;
    assert.deepEqual(await plainCommit(coordinator, 'pending', 5n), [ErrorCode.NONE]);
    assert.deepEqual(await txnCommit(coordinator, 'pending', 1001n, 10n), [ErrorCode.NONE]);
    assert.deepEqual(fetched(coordinator, 'pending'), [5n, ErrorCode.NONE], 'the last committed offset, not the pending one');
    assert.deepEqual(fetched(coordinator, 'pending', true), [-1n, ErrorCode.UNSTABLE_OFFSET_COMMIT]);
    assert.deepEqual(fetched(coordinator, 'pending', true, 1), [-1n, ErrorCode.NONE], 'other partitions are stable');
    assert.deepEqual(coordinator.fetchOffsets('pending', null, true).map((entry) => [entry.partition, entry.errorCode]), [[0, ErrorCode.UNSTABLE_OFFSET_COMMIT]]);
    const partition = broker.groups.offsetsTopic.partitionFor('pending');
    const batches = storedBatches(broker, partition);
    assert.deepEqual(batches.at(-1), [BatchAttribute.transactional, 1001n], 'written as a transactional batch of the producer');
    assert.ok(broker.logs.lastStableOffset(OFFSETS_TOPIC_NAME, partition) < broker.logs.partitionState(OFFSETS_TOPIC_NAME, partition)!.logEndOffset, 'the open transaction holds the last stable offset');

    assert.deepEqual(await endTxn(broker, 'pending', 1001n, true), { errorCode: ErrorCode.NONE });
    assert.deepEqual(fetched(coordinator, 'pending'), [10n, ErrorCode.NONE]);
    assert.deepEqual(fetched(coordinator, 'pending', true), [10n, ErrorCode.NONE]);
    assert.equal(coordinator.fetchOffsets('pending', null)[0]?.metadata, 'txn 10');
    assert.deepEqual(coordinator.pendingTransactions('pending'), []);
    assert.deepEqual(storedBatches(broker, partition).at(-1), [BatchAttribute.transactional | BatchAttribute.control, 1001n], 'the COMMIT marker is in the partition');
  });

  test('an ABORT marker drops the pending offsets; the committed offset stays', async () => {
    assert.deepEqual(await plainCommit(coordinator, 'aborted', 5n), [ErrorCode.NONE]);
    assert.deepEqual(await txnCommit(coordinator, 'aborted', 1002n, 10n), [ErrorCode.NONE]);
    assert.deepEqual(await endTxn(fixture.broker, 'aborted', 1002n, false), { errorCode: ErrorCode.NONE });
    assert.deepEqual(fetched(coordinator, 'aborted', true), [5n, ErrorCode.NONE]);
    assert.deepEqual(coordinator.pendingTransactions('aborted'), []);
  });

  test('a committed transaction offset replaces the committed one only when its record is later in the log (Kafka)', async () => {
    assert.deepEqual(await txnCommit(coordinator, 'plain-later', 1003n, 10n), [ErrorCode.NONE]);
    assert.deepEqual(await plainCommit(coordinator, 'plain-later', 20n), [ErrorCode.NONE]);
    assert.deepEqual(fetched(coordinator, 'plain-later', true), [-1n, ErrorCode.UNSTABLE_OFFSET_COMMIT], 'a plain commit does not end the pending one');
    await endTxn(fixture.broker, 'plain-later', 1003n, true);
    assert.deepEqual(fetched(coordinator, 'plain-later'), [20n, ErrorCode.NONE], 'the plain commit written after the transactional one wins');

    assert.deepEqual(await plainCommit(coordinator, 'txn-later', 20n), [ErrorCode.NONE]);
    assert.deepEqual(await txnCommit(coordinator, 'txn-later', 1004n, 10n), [ErrorCode.NONE]);
    await endTxn(fixture.broker, 'txn-later', 1004n, true);
    assert.deepEqual(fetched(coordinator, 'txn-later'), [10n, ErrorCode.NONE], 'the transactional commit written later wins, even with a smaller offset');
  });

  test('a marker ends only its producer, in only its __consumer_offsets partition', async () => {
    const { broker } = fixture;
    assert.deepEqual(await txnCommit(coordinator, 'two-producers', 1005n, 10n, { partition: 0 }), [ErrorCode.NONE]);
    assert.deepEqual(await txnCommit(coordinator, 'two-producers', 1006n, 30n, { partition: 1 }), [ErrorCode.NONE]);
    const home = broker.groups.offsetsTopic.partitionFor('two-producers');
    assert.deepEqual(await endTxn(broker, 'two-producers', 1005n, true, { partition: (home + 1) % 3 }), { errorCode: ErrorCode.NONE });
    assert.deepEqual(coordinator.pendingTransactions('two-producers').sort(), [1005n, 1006n], 'a marker in another partition ends nothing here');
    await endTxn(broker, 'two-producers', 1005n, true);
    assert.deepEqual(fetched(coordinator, 'two-producers', true, 0), [10n, ErrorCode.NONE]);
    assert.deepEqual(fetched(coordinator, 'two-producers', true, 1), [-1n, ErrorCode.UNSTABLE_OFFSET_COMMIT]);
    assert.deepEqual(coordinator.pendingTransactions('two-producers'), [1006n]);
    await endTxn(broker, 'two-producers', 1006n, true);
    assert.deepEqual(fetched(coordinator, 'two-producers', true, 1), [30n, ErrorCode.NONE]);
  });

  test('a marker racing a TxnOffsetCommit still in flight ends it all the same, whichever completes first', async () => {
    const { broker } = fixture;
    for (const committed of [true, false]) {
      const groupId = `racing-${committed}`;
      const producerId = committed ? 1012n : 1013n;
      await plainCommit(coordinator, groupId, 5n);
      const writing = txnCommit(coordinator, groupId, producerId, 10n);
      const ending = endTxn(broker, groupId, producerId, committed);
      assert.deepEqual(await writing, [ErrorCode.NONE]);
      assert.deepEqual(await ending, { errorCode: ErrorCode.NONE });
      assert.deepEqual(fetched(coordinator, groupId, true), [committed ? 10n : 5n, ErrorCode.NONE]);
      assert.deepEqual(coordinator.pendingTransactions(groupId), []);
    }
  });

  test('an older producer epoch is fenced: its commit and its marker are refused and change nothing', async () => {
    const { broker } = fixture;
    assert.deepEqual(await txnCommit(coordinator, 'fenced', 1007n, 10n, { producerEpoch: 1 }), [ErrorCode.NONE]);
    assert.deepEqual(await endTxn(broker, 'fenced', 1007n, true, { producerEpoch: 0 }), { errorCode: ErrorCode.INVALID_PRODUCER_EPOCH });
    assert.deepEqual(coordinator.pendingTransactions('fenced'), [1007n], 'still pending');
    assert.deepEqual(await txnCommit(coordinator, 'fenced', 1007n, 11n, { producerEpoch: 0 }), [ErrorCode.INVALID_PRODUCER_EPOCH]);
    await endTxn(broker, 'fenced', 1007n, true, { producerEpoch: 1 });
    assert.deepEqual(fetched(coordinator, 'fenced'), [10n, ErrorCode.NONE]);
  });

  test('the group and member are checked as Kafka checks transactional commits', async () => {
    const request = { transactionalId: 'tx', groupId: 'unknown-group', producerId: 1008n, producerEpoch: 0, generationId: 3, memberId: 'm', groupInstanceId: null, offsets: [{ topic: 't', partition: 0, offset: 1n, leaderEpoch: -1, metadata: null }] };
    assert.deepEqual(await coordinator.txnOffsetCommit(request), [ErrorCode.ILLEGAL_GENERATION], 'an unknown group with a generation');
    assert.equal(coordinator.groupState('unknown-group'), undefined, 'and it is not created');
    assert.deepEqual(await coordinator.txnOffsetCommit({ ...request, groupId: '' }), [ErrorCode.INVALID_GROUP_ID]);
    assert.deepEqual(await coordinator.txnOffsetCommit({ ...request, groupId: 'simple', generationId: -1, memberId: '' }), [ErrorCode.NONE], 'a simple group is created');
    assert.deepEqual(await coordinator.txnOffsetCommit({ ...request, groupId: 'simple', generationId: -1, memberId: 'anyone' }), [ErrorCode.NONE], 'generation -1 in an Empty group: the member is not looked at');
    assert.deepEqual(await coordinator.txnOffsetCommit({ ...request, groupId: 'simple', generationId: 0, memberId: 'nobody' }), [ErrorCode.UNKNOWN_MEMBER_ID]);
    assert.deepEqual(await coordinator.txnOffsetCommit({ ...request, groupId: 'simple', generationId: 0, memberId: '', groupInstanceId: 'instance' }), [ErrorCode.UNKNOWN_MEMBER_ID]);
    const tooLarge = await coordinator.txnOffsetCommit({
      ...request,
      groupId: 'simple',
      generationId: -1,
      memberId: '',
      offsets: [
        { topic: 't', partition: 0, offset: 2n, leaderEpoch: -1, metadata: 'x'.repeat(4097) },
        { topic: 't', partition: 1, offset: 2n, leaderEpoch: -1, metadata: null },
      ],
    });
    assert.deepEqual(tooLarge, [ErrorCode.OFFSET_METADATA_TOO_LARGE, ErrorCode.NONE]);
    await endTxn(fixture.broker, 'simple', 1008n, false);
  });

  test('classic members: generation and static instance are checked, in any group state', async () => {
    const joined = await coordinator.joinGroup({
      groupId: 'members',
      memberId: '',
      groupInstanceId: 'instance-1',
      requireKnownMemberId: false,
      clientId: 'c',
      clientHost: '/127.0.0.1',
      sessionTimeoutMs: 30_000,
      rebalanceTimeoutMs: 30_000,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
    });
    assert.equal(joined.errorCode, ErrorCode.NONE);
    assert.equal(coordinator.groupState('members'), 'CompletingRebalance');
    const base = { transactionalId: 'tx', groupId: 'members', producerId: 1009n, producerEpoch: 0, offsets: [{ topic: 't', partition: 0, offset: 7n, leaderEpoch: -1, metadata: null }] };
    const commit = (generationId: number, memberId: string, groupInstanceId: string | null) => coordinator.txnOffsetCommit({ ...base, generationId, memberId, groupInstanceId });
    assert.deepEqual(await commit(joined.generationId + 1, joined.memberId, 'instance-1'), [ErrorCode.ILLEGAL_GENERATION]);
    assert.deepEqual(await commit(joined.generationId, 'other-member', 'instance-1'), [ErrorCode.FENCED_INSTANCE_ID]);
    assert.deepEqual(await commit(joined.generationId, 'other-member', null), [ErrorCode.UNKNOWN_MEMBER_ID]);
    assert.deepEqual(await commit(joined.generationId, joined.memberId, 'instance-1'), [ErrorCode.NONE], 'no REBALANCE_IN_PROGRESS for transactional commits');
    assert.deepEqual(await commit(-1, '', null), [ErrorCode.NONE], 'without member and generation (v0-2) in a non-empty group');
    await endTxn(fixture.broker, 'members', 1009n, true);
    assert.deepEqual(fetched(coordinator, 'members'), [7n, ErrorCode.NONE]);
    coordinator.leaveGroup('members', [{ memberId: joined.memberId, groupInstanceId: 'instance-1' }]);
  });

  test('consumer-protocol members: the member epoch is checked when the member is named (a mismatch is ILLEGAL_GENERATION)', async () => {
    const created = await fixture.broker.topics.createTopic({ name: 'kip848-input', numPartitions: 2, replicationFactor: -1, configs: [], validateOnly: false });
    assert.equal(created.errorCode, ErrorCode.NONE);
    const joined = await coordinator.consumerGroupHeartbeat({
      groupId: 'kip848',
      memberId: 'member-1',
      memberEpoch: 0,
      instanceId: null,
      rackId: null,
      rebalanceTimeoutMs: 30_000,
      subscribedTopicNames: ['kip848-input'],
      subscribedTopicRegex: null,
      serverAssignor: null,
      topicPartitions: [],
      clientId: 'c',
      clientHost: '/127.0.0.1',
      requestVersion: 1,
    });
    assert.equal(joined.errorCode, ErrorCode.NONE);
    const base = { transactionalId: 'tx', groupId: 'kip848', producerId: 1014n, producerEpoch: 0, offsets: [{ topic: 'kip848-input', partition: 0, offset: 3n, leaderEpoch: -1, metadata: null }] };
    const commit = (generationId: number, memberId: string) => coordinator.txnOffsetCommit({ ...base, generationId, memberId, groupInstanceId: null });
    assert.deepEqual(await commit(joined.memberEpoch + 1, 'member-1'), [ErrorCode.ILLEGAL_GENERATION], 'not STALE_MEMBER_EPOCH, which TxnOffsetCommit does not have');
    assert.deepEqual(await commit(joined.memberEpoch, 'member-2'), [ErrorCode.UNKNOWN_MEMBER_ID]);
    assert.deepEqual(await commit(joined.memberEpoch, 'member-1'), [ErrorCode.NONE]);
    assert.deepEqual(await commit(-1, ''), [ErrorCode.NONE], 'without the member fields (v0-2)');
    await endTxn(fixture.broker, 'kip848', 1014n, true);
    assert.deepEqual(coordinator.fetchOffsets('kip848', [{ topic: 'kip848-input', partitions: [0] }], true)[0]?.offset, 3n);
  });

  test('OffsetDelete and DeleteGroups write tombstones for pending offsets too, which the marker then cannot revive', async () => {
    const { broker } = fixture;
    assert.deepEqual(await txnCommit(coordinator, 'offset-deleted', 1010n, 10n), [ErrorCode.NONE]);
    const deleted = await coordinator.deleteOffsets('offset-deleted', [{ topic: 't', partition: 0 }]);
    assert.deepEqual(deleted, { errorCode: ErrorCode.NONE, partitions: [ErrorCode.NONE] });
    assert.deepEqual(fetched(coordinator, 'offset-deleted', true), [-1n, ErrorCode.NONE], 'no longer pending');
    await endTxn(broker, 'offset-deleted', 1010n, true);
    assert.deepEqual(fetched(coordinator, 'offset-deleted'), [-1n, ErrorCode.NONE]);

    assert.deepEqual(await txnCommit(coordinator, 'group-deleted', 1011n, 10n), [ErrorCode.NONE]);
    assert.equal(await coordinator.deleteGroup('group-deleted'), ErrorCode.NONE);
    assert.equal(coordinator.groupState('group-deleted'), undefined);
    await endTxn(broker, 'group-deleted', 1011n, true);
    assert.equal(coordinator.groupState('group-deleted'), undefined, 'the commit does not bring the group back');
    assert.deepEqual(fetched(coordinator, 'group-deleted'), [-1n, ErrorCode.NONE]);
  });
});

describe('pending transactional offsets across restarts', () => {
  const dirs: string[] = [];
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  async function start(dataDir: string): Promise<Broker> {
    const { config } = loadBrokerConfig({ overrides: { listeners: 'PLAINTEXT://127.0.0.1:0', 'log.dirs': dataDir, 'offsets.topic.num.partitions': '3' } });
    return Broker.start(config, () => {});
  }

  test('pending, committed and aborted transactions come back from the snapshot, from the log alone, and from a snapshot older than the marker', async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fjord-group-txn-'));
    dirs.push(dataDir);
    let broker = await start(dataDir);
    t.after(() => broker.stop());
    const snapshot = join(dataDir, GROUP_STATE_SNAPSHOT_FILE);
    let coordinator = broker.groups.coordinator;
    await plainCommit(coordinator, 'r-commit', 1n);
    await txnCommit(coordinator, 'r-commit', 2001n, 2n);
    await endTxn(broker, 'r-commit', 2001n, true);
    await plainCommit(coordinator, 'r-abort', 1n);
    await txnCommit(coordinator, 'r-abort', 2002n, 2n);
    await endTxn(broker, 'r-abort', 2002n, false);
    await txnCommit(coordinator, 'r-plain-later', 2003n, 2n);
    await plainCommit(coordinator, 'r-plain-later', 3n);
    await endTxn(broker, 'r-plain-later', 2003n, true);
    await plainCommit(coordinator, 'r-open', 1n);
    await txnCommit(coordinator, 'r-open', 2004n, 5n);
    await broker.stop();
    const expectSettled = (what: string) => {
      assert.deepEqual(fetched(coordinator, 'r-commit', true), [2n, ErrorCode.NONE], `${what}: committed`);
      assert.deepEqual(fetched(coordinator, 'r-abort', true), [1n, ErrorCode.NONE], `${what}: aborted`);
      assert.deepEqual(fetched(coordinator, 'r-plain-later', true), [3n, ErrorCode.NONE], `${what}: the later plain commit`);
    };
    const expectOpen = (what: string) => {
      expectSettled(what);
      assert.deepEqual(fetched(coordinator, 'r-open'), [1n, ErrorCode.NONE], `${what}: the open transaction's offset is invisible`);
      assert.deepEqual(fetched(coordinator, 'r-open', true), [-1n, ErrorCode.UNSTABLE_OFFSET_COMMIT], `${what}: and pending`);
    };

    broker = await start(dataDir);
    coordinator = broker.groups.coordinator;
    expectOpen('from the snapshot');
    await broker.stop();
    const openSnapshot = join(dataDir, 'open.snapshot');
    copyFileSync(snapshot, openSnapshot);

    rmSync(snapshot);
    broker = await start(dataDir);
    coordinator = broker.groups.coordinator;
    expectOpen('from the log');
    assert.deepEqual(await endTxn(broker, 'r-open', 2004n, true), { errorCode: ErrorCode.NONE });
    assert.deepEqual(fetched(coordinator, 'r-open', true), [5n, ErrorCode.NONE]);
    await broker.stop();

    // As after kill -9 between the marker and the next snapshot: the snapshot still holds the
    // pending offset, and the marker is in the log after it.
    copyFileSync(openSnapshot, snapshot);
    broker = await start(dataDir);
    coordinator = broker.groups.coordinator;
    expectSettled('from a snapshot older than the marker');
    assert.deepEqual(fetched(coordinator, 'r-open', true), [5n, ErrorCode.NONE], 'the marker after the snapshot commits the pending offset');
    await broker.stop();

    rmSync(snapshot);
    broker = await start(dataDir);
    coordinator = broker.groups.coordinator;
    expectSettled('from the whole log');
    assert.deepEqual(fetched(coordinator, 'r-open', true), [5n, ErrorCode.NONE]);
    await broker.stop();
  });

  test('a tombstone replayed after a pending offset removes it; the group deleted with pending offsets stays deleted', async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fjord-group-txn-'));
    dirs.push(dataDir);
    let broker = await start(dataDir);
    t.after(() => broker.stop());
    await txnCommit(broker.groups.coordinator, 'd-offset', 3001n, 10n);
    await broker.groups.coordinator.deleteOffsets('d-offset', [{ topic: 't', partition: 0 }]);
    await txnCommit(broker.groups.coordinator, 'd-group', 3002n, 10n);
    assert.equal(await broker.groups.coordinator.deleteGroup('d-group'), ErrorCode.NONE);
    await broker.stop();
    rmSync(join(dataDir, GROUP_STATE_SNAPSHOT_FILE));
    broker = await start(dataDir);
    assert.deepEqual(fetched(broker.groups.coordinator, 'd-offset', true), [-1n, ErrorCode.NONE]);
    assert.deepEqual(broker.groups.coordinator.pendingTransactions('d-offset'), [3001n], 'the transaction stays open in the group (Kafka keeps the group for it) with nothing left to commit');
    assert.equal(broker.groups.coordinator.groupState('d-group'), undefined);
    await endTxn(broker, 'd-offset', 3001n, true);
    await endTxn(broker, 'd-group', 3002n, true);
    assert.deepEqual(fetched(broker.groups.coordinator, 'd-offset'), [-1n, ErrorCode.NONE]);
    assert.deepEqual(broker.groups.coordinator.pendingTransactions('d-offset'), []);
    assert.equal(broker.groups.coordinator.groupState('d-group'), undefined);
    await broker.stop();
  });
});

describe('offset expiry with pending transactional offsets', () => {
  class MemoryPersistence implements GroupPersistence {
    readonly records: GroupRecord[] = [];
    write(_groupId: string, records: readonly GroupRecord[]): Promise<WriteOutcome> {
      const baseOffset = BigInt(this.records.length);
      this.records.push(...records);
      return Promise.resolve({ errorCode: ErrorCode.NONE, baseOffset });
    }
    partitionFor(): number {
      return 0;
    }
  }
  const CONFIG: GroupCoordinatorConfig = {
    groupMinSessionTimeoutMs: 6_000,
    groupMaxSessionTimeoutMs: 1_800_000,
    groupInitialRebalanceDelayMs: 0,
    groupMaxSize: 1000,
    offsetsRetentionMs: 60_000,
    offsetsRetentionCheckIntervalMs: 0,
    offsetMetadataMaxBytes: 4096,
    consumerSessionTimeoutMs: 45_000,
    consumerHeartbeatIntervalMs: 5_000,
    consumerMaxSize: 1000,
    consumerAssignors: ['uniform', 'range'],
  };

  test('an offset with a pending transactional offset does not expire, nor does a group with an open transaction', async () => {
    const timers = new ManualTimers();
    const coordinator = new GroupCoordinator({ timers, persistence: new MemoryPersistence(), config: CONFIG });
    const commit = (groupId: string, partition: number) =>
      coordinator.commitOffsets({ groupId, generationId: -1, memberId: '', groupInstanceId: null, requestVersion: 8, offsets: [{ topic: 't', partition, offset: 1n, leaderEpoch: -1, metadata: null }] });
    await commit('expiring', 0);
    await commit('expiring', 1);
    await txnCommit(coordinator, 'expiring', 4001n, 5n, { partition: 0 });
    await txnCommit(coordinator, 'open-only', 4002n, 5n);
    timers.advance(60_000);
    assert.equal(await coordinator.expireOffsets(), 1, 'only the offset without a pending one expires');
    assert.deepEqual(coordinator.fetchOffsets('expiring', null).map((entry) => entry.partition), [0]);
    assert.equal(coordinator.groupState('open-only'), 'Empty', 'a group with an open transaction is kept');
    coordinator.completeTransaction(0, 4001n, false, 1_000n);
    coordinator.completeTransaction(0, 4002n, false, 1_000n);
    timers.advance(1);
    assert.equal(await coordinator.expireOffsets(), 1);
    assert.equal(coordinator.groupState('expiring'), undefined, 'once the transaction ended, the group goes with its offsets');
    assert.equal(coordinator.groupState('open-only'), undefined);
    coordinator.close();
  });
});
