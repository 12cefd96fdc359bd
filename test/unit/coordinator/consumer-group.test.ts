// The consumer group protocol (KIP-848) through the coordinator with a manual clock: joins,
// server-side assignment, incremental revocation before reassignment, epochs and fencing,
// timeouts, leaving, and the offset checks for its members. Plus the assignors themselves.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { assign } from '../../../src/coordinator/group/consumer-assignors.ts';
import { GroupCoordinator, type ConsumerHeartbeatRequest, type GroupPersistence, type TopicLookup, type WriteOutcome } from '../../../src/coordinator/group/group-coordinator.ts';
import type { GroupRecord } from '../../../src/coordinator/group/group-records.ts';
import { ManualTimers } from '../../../src/coordinator/group/timers.ts';
import { ErrorCode } from '../../../src/protocol/error-codes.ts';

const TOPICS = new Map([
  ['orders', { topicId: 'ORDERSxxxxxxxxxxxxxxxA', partitionCount: 4 }],
  ['events', { topicId: 'EVENTSxxxxxxxxxxxxxxxA', partitionCount: 2 }],
]);
const ORDERS = TOPICS.get('orders')!.topicId;

const lookup: TopicLookup = {
  byName: (name) => TOPICS.get(name),
  byId: (topicId) => {
    for (const [name, topic] of TOPICS) if (topic.topicId === topicId) return { name, partitionCount: topic.partitionCount };
    return undefined;
  },
  names: () => [...TOPICS.keys()],
};

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

function setup() {
  const timers = new ManualTimers();
  const coordinator = new GroupCoordinator({
    timers,
    persistence: new MemoryPersistence(),
    topics: lookup,
    config: {
      groupMinSessionTimeoutMs: 6_000,
      groupMaxSessionTimeoutMs: 1_800_000,
      groupInitialRebalanceDelayMs: 0,
      groupMaxSize: 100,
      offsetsRetentionMs: 3600_000,
      offsetsRetentionCheckIntervalMs: 0,
      offsetMetadataMaxBytes: 4096,
      consumerSessionTimeoutMs: 45_000,
      consumerHeartbeatIntervalMs: 5_000,
      consumerMaxSize: 100,
      consumerAssignors: ['uniform', 'range'],
    },
  });
  return { timers, coordinator };
}

function request(overrides: Partial<ConsumerHeartbeatRequest>): ConsumerHeartbeatRequest {
  return {
    groupId: 'g',
    memberId: 'm',
    memberEpoch: 0,
    instanceId: null,
    rackId: null,
    rebalanceTimeoutMs: 30_000,
    subscribedTopicNames: ['orders'],
    subscribedTopicRegex: null,
    serverAssignor: null,
    topicPartitions: [],
    clientId: 'client',
    clientHost: '/127.0.0.1',
    requestVersion: 1,
    ...overrides,
  };
}

const partitionsOf = (assignment: Array<{ topicId: string; partitions: number[] }> | null) => assignment?.find((entry) => entry.topicId === ORDERS)?.partitions ?? [];

describe('ConsumerGroupHeartbeat', () => {
  test('a second member gets partitions only after the first revoked them', async () => {
    const { coordinator } = setup();
    const a = (await coordinator.consumerGroupHeartbeat(request({ memberId: 'a' })));
    assert.equal(a.errorCode, ErrorCode.NONE);
    assert.equal(a.memberEpoch, 1);
    assert.deepEqual(partitionsOf(a.assignment), [0, 1, 2, 3]);
    assert.equal(a.heartbeatIntervalMs, 5_000);

    const b = (await coordinator.consumerGroupHeartbeat(request({ memberId: 'b' })));
    assert.equal(b.memberEpoch, 2);
    assert.deepEqual(partitionsOf(b.assignment), [], 'b waits: a still owns everything');
    assert.equal(coordinator.consumerGroupDescribe('g').groupState, 'Reconciling');

    // a is told to revoke two partitions; its epoch stays until it acknowledges.
    const revoke = (await coordinator.consumerGroupHeartbeat(request({ memberId: 'a', memberEpoch: 1, topicPartitions: [{ topicId: ORDERS, partitions: [0, 1, 2, 3] }], subscribedTopicNames: null })));
    assert.equal(revoke.memberEpoch, 1);
    const kept = partitionsOf(revoke.assignment);
    assert.equal(kept.length, 2);
    // Not yet acknowledged: b still gets nothing.
    assert.deepEqual(partitionsOf((await coordinator.consumerGroupHeartbeat(request({ memberId: 'b', memberEpoch: 2, subscribedTopicNames: null, topicPartitions: null }))).assignment), []);
    const acked = (await coordinator.consumerGroupHeartbeat(request({ memberId: 'a', memberEpoch: 1, topicPartitions: [{ topicId: ORDERS, partitions: kept }], subscribedTopicNames: null })));
    assert.equal(acked.memberEpoch, 2, 'a moves to the new epoch once it revoked');
    const bAfter = (await coordinator.consumerGroupHeartbeat(request({ memberId: 'b', memberEpoch: 2, subscribedTopicNames: null, topicPartitions: null })));
    const given = partitionsOf(bAfter.assignment);
    assert.equal(given.length, 2);
    assert.deepEqual([...kept, ...given].sort(), [0, 1, 2, 3], 'no partition owned twice, none idle');
    assert.equal(coordinator.consumerGroupDescribe('g').groupState, 'Stable');
    const unchanged = (await coordinator.consumerGroupHeartbeat(request({ memberId: 'b', memberEpoch: 2, subscribedTopicNames: null, topicPartitions: null })));
    assert.equal(unchanged.assignment, null, 'an unchanged assignment is not resent');
  });

  test('epochs are checked: FENCED_MEMBER_EPOCH for a newer one, UNKNOWN_MEMBER_ID for a stranger', async () => {
    const { coordinator } = setup();
    (await coordinator.consumerGroupHeartbeat(request({ memberId: 'a' })));
    assert.equal((await coordinator.consumerGroupHeartbeat(request({ memberId: 'a', memberEpoch: 5, topicPartitions: null, subscribedTopicNames: null }))).errorCode, ErrorCode.FENCED_MEMBER_EPOCH);
    assert.equal((await coordinator.consumerGroupHeartbeat(request({ memberId: 'x', memberEpoch: 1, topicPartitions: null }))).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  });

  test('malformed first requests get INVALID_REQUEST; unknown assignors UNSUPPORTED_ASSIGNOR; bad regexes INVALID_REGULAR_EXPRESSION', async () => {
    const { coordinator } = setup();
    assert.equal((await coordinator.consumerGroupHeartbeat(request({ memberId: '' }))).errorCode, ErrorCode.INVALID_REQUEST, 'v1 needs a member id');
    assert.equal((await coordinator.consumerGroupHeartbeat(request({ rebalanceTimeoutMs: -1 }))).errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal((await coordinator.consumerGroupHeartbeat(request({ subscribedTopicNames: null }))).errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal((await coordinator.consumerGroupHeartbeat(request({ topicPartitions: null }))).errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal((await coordinator.consumerGroupHeartbeat(request({ memberEpoch: -3 }))).errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal((await coordinator.consumerGroupHeartbeat(request({ serverAssignor: 'sticky' }))).errorCode, ErrorCode.UNSUPPORTED_ASSIGNOR);
    assert.equal((await coordinator.consumerGroupHeartbeat(request({ subscribedTopicRegex: '(' }))).errorCode, ErrorCode.INVALID_REGULAR_EXPRESSION);
    const v0 = (await coordinator.consumerGroupHeartbeat(request({ memberId: '', requestVersion: 0 })));
    assert.equal(v0.errorCode, ErrorCode.NONE);
    assert.ok((v0.memberId ?? '').length > 0, 'v0: the coordinator names the member');
  });

  test('a classic group with members is not a consumer group', async () => {
    const { coordinator, timers } = setup();
    const joining = coordinator.joinGroup({ groupId: 'classic', memberId: '', groupInstanceId: null, requireKnownMemberId: false, clientId: 'c', clientHost: 'h', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }] });
    timers.advance(0);
    assert.equal((await joining).errorCode, ErrorCode.NONE);
    assert.equal((await coordinator.consumerGroupHeartbeat(request({ groupId: 'classic' }))).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  });

  test('a silent member is removed after the session timeout, and its partitions go to the others', async () => {
    const { coordinator, timers } = setup();
    (await coordinator.consumerGroupHeartbeat(request({ memberId: 'a' })));
    (await coordinator.consumerGroupHeartbeat(request({ memberId: 'b' })));
    const revoke = (await coordinator.consumerGroupHeartbeat(request({ memberId: 'a', memberEpoch: 1, subscribedTopicNames: null, topicPartitions: [{ topicId: ORDERS, partitions: [0, 1, 2, 3] }] })));
    (await coordinator.consumerGroupHeartbeat(request({ memberId: 'a', memberEpoch: 1, subscribedTopicNames: null, topicPartitions: [{ topicId: ORDERS, partitions: partitionsOf(revoke.assignment) }] })));
    (await coordinator.consumerGroupHeartbeat(request({ memberId: 'b', memberEpoch: 2, subscribedTopicNames: null, topicPartitions: null })));
    // Only b keeps heartbeating.
    for (let elapsed = 0; elapsed < 45_000; elapsed += 5_000) {
      timers.advance(5_000);
      (await coordinator.consumerGroupHeartbeat(request({ memberId: 'b', memberEpoch: coordinator.consumerGroupDescribe('g').members.find((m) => m.memberId === 'b')!.memberEpoch, subscribedTopicNames: null, topicPartitions: null })));
    }
    const described = coordinator.consumerGroupDescribe('g');
    assert.deepEqual(described.members.map((m) => m.memberId), ['b']);
    assert.deepEqual(described.members[0]!.assignment.find((a) => a.topicId === ORDERS)?.partitions, [0, 1, 2, 3]);
    assert.equal(described.members[0]!.assignment[0]?.topicName, 'orders');
  });

  test('leaving with epoch -1 removes the member; the group becomes Empty and can be deleted', async () => {
    const { coordinator } = setup();
    (await coordinator.consumerGroupHeartbeat(request({ memberId: 'a' })));
    assert.deepEqual(coordinator.listGroups([], ['consumer']).map((g) => [g.groupId, g.state, g.type]), [['g', 'Stable', 'consumer']]);
    assert.equal(await coordinator.deleteGroup('g'), ErrorCode.NON_EMPTY_GROUP);
    const left = (await coordinator.consumerGroupHeartbeat(request({ memberId: 'a', memberEpoch: -1, subscribedTopicNames: null, topicPartitions: null })));
    assert.equal(left.memberEpoch, -1);
    assert.equal(coordinator.consumerGroupDescribe('g').groupState, 'Empty');
    assert.equal(await coordinator.deleteGroup('g'), ErrorCode.NONE);
  });

  test('offset commits from members carry the member epoch: STALE_MEMBER_EPOCH, FENCED_MEMBER_EPOCH, UNSUPPORTED_VERSION before v9', async () => {
    const { coordinator } = setup();
    (await coordinator.consumerGroupHeartbeat(request({ memberId: 'a' })));
    const commit = (generationId: number, requestVersion = 9, memberId = 'a') =>
      coordinator.commitOffsets({ groupId: 'g', generationId, memberId, groupInstanceId: null, requestVersion, offsets: [{ topic: 'orders', partition: 0, offset: 1n, leaderEpoch: -1, metadata: null }] });
    assert.deepEqual(await commit(1), [ErrorCode.NONE]);
    assert.deepEqual(await commit(0), [ErrorCode.STALE_MEMBER_EPOCH]);
    assert.deepEqual(await commit(2), [ErrorCode.FENCED_MEMBER_EPOCH]);
    assert.deepEqual(await commit(1, 8), [ErrorCode.UNSUPPORTED_VERSION]);
    assert.deepEqual(await commit(1, 9, 'x'), [ErrorCode.UNKNOWN_MEMBER_ID]);
    assert.deepEqual(await commit(-1, 9, ''), [ErrorCode.UNKNOWN_MEMBER_ID], 'an outside commit to a group with members');
    assert.equal(coordinator.validateOffsetFetch('g', 'a', 1), ErrorCode.NONE);
    assert.equal(coordinator.validateOffsetFetch('g', 'a', 0), ErrorCode.STALE_MEMBER_EPOCH);
    assert.equal(coordinator.validateOffsetFetch('g', 'x', 1), ErrorCode.UNKNOWN_MEMBER_ID);
  });
});

describe('server-side assignors', () => {
  const members = (ids: string[], topics = [ORDERS]) => ids.map((memberId) => ({ memberId, topics: new Set(topics), previous: new Map() }));

  test('range gives contiguous ranges, the first members one more', () => {
    const result = assign('range', members(['b', 'a', 'c']), [{ topicId: ORDERS, partitionCount: 4 }]);
    assert.deepEqual(['a', 'b', 'c'].map((id) => [...(result.get(id)!.get(ORDERS) ?? [])]), [[0, 1], [2], [3]]);
  });

  test('uniform balances and keeps previous partitions', () => {
    const previous = new Map([[ORDERS, new Set([2, 3])]]);
    const result = assign('uniform', [{ memberId: 'a', topics: new Set([ORDERS]), previous }, ...members(['b'])], [{ topicId: ORDERS, partitionCount: 4 }]);
    assert.deepEqual([...result.get('a')!.get(ORDERS)!].sort(), [2, 3], 'a keeps what it had');
    assert.deepEqual([...result.get('b')!.get(ORDERS)!].sort(), [0, 1]);
  });
});
