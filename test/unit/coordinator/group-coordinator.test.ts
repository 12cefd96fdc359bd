// The classic group state machine, driven through its public operations with a manual clock
// (time is a parameter: ManualTimers) and an in-memory persistence that keeps what was written.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { GroupCoordinator, type GroupCoordinatorConfig, type GroupPersistence, type JoinRequest, type JoinResult, type SyncResult, type WriteOutcome } from '../../../src/coordinator/group/group-coordinator.ts';
import type { GroupRecord } from '../../../src/coordinator/group/group-records.ts';
import { ManualTimers } from '../../../src/coordinator/group/timers.ts';
import { ErrorCode } from '../../../src/protocol/error-codes.ts';

class MemoryPersistence implements GroupPersistence {
  readonly records: GroupRecord[] = [];
  failWith: number = ErrorCode.NONE;
  write(_groupId: string, records: readonly GroupRecord[]): Promise<WriteOutcome> {
    if (this.failWith !== ErrorCode.NONE) return Promise.resolve({ errorCode: this.failWith, baseOffset: -1n });
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
  groupInitialRebalanceDelayMs: 3_000,
  groupMaxSize: 1000,
  offsetsRetentionMs: 7 * 24 * 3600_000,
  offsetsRetentionCheckIntervalMs: 0,
  offsetMetadataMaxBytes: 4096,
  consumerSessionTimeoutMs: 45_000,
  consumerHeartbeatIntervalMs: 5_000,
  consumerMaxSize: 1000,
  consumerAssignors: ['uniform', 'range'],
};

function setup(config: Partial<GroupCoordinatorConfig> = {}) {
  const timers = new ManualTimers();
  const persistence = new MemoryPersistence();
  const coordinator = new GroupCoordinator({ timers, persistence, config: { ...CONFIG, ...config } });
  return { timers, persistence, coordinator };
}

/** Lets resolved promises run their continuations. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

const meta = (text: string) => Buffer.from(text);

function joinRequest(overrides: Partial<JoinRequest> = {}): JoinRequest {
  return {
    groupId: 'g',
    memberId: '',
    groupInstanceId: null,
    requireKnownMemberId: true,
    clientId: 'client',
    clientHost: '/127.0.0.1',
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: meta('m') }],
    ...overrides,
  };
}

/** A join whose result is captured when it arrives. */
function joinAsync(coordinator: GroupCoordinator, request: JoinRequest): { result: JoinResult | null } {
  const box: { result: JoinResult | null } = { result: null };
  void coordinator.joinGroup(request).then((result) => {
    box.result = result;
  });
  return box;
}

function syncAsync(coordinator: GroupCoordinator, request: Parameters<GroupCoordinator['syncGroup']>[0]): { result: SyncResult | null } {
  const box: { result: SyncResult | null } = { result: null };
  void coordinator.syncGroup(request).then((result) => {
    box.result = result;
  });
  return box;
}

/** Gets a member id (MEMBER_ID_REQUIRED round) and joins with it; returns the pending join. */
async function joinNew(coordinator: GroupCoordinator, overrides: Partial<JoinRequest> = {}) {
  const first = await coordinator.joinGroup(joinRequest(overrides));
  assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  const clientId = overrides.clientId ?? 'client';
  assert.ok(first.memberId.startsWith(`${clientId}-`), `member id ${first.memberId} starts with the client id`);
  return { memberId: first.memberId, pending: joinAsync(coordinator, joinRequest({ ...overrides, memberId: first.memberId })) };
}

/** Brings a group of `count` members to Stable; returns member ids (leader first) and the generation. */
async function stableGroup(setupResult: ReturnType<typeof setup>, count: number) {
  const { coordinator, timers } = setupResult;
  const joins = [];
  for (let index = 0; index < count; index++) joins.push(await joinNew(coordinator, { clientId: `c${index}` }));
  // One initial delay, and one more when members kept arriving during it.
  timers.advance(CONFIG.groupInitialRebalanceDelayMs * (count > 1 ? 2 : 1));
  await settle();
  const results = joins.map((join) => join.pending.result!);
  const leader = results.find((result) => result.leaderId === result.memberId)!;
  const generationId = leader.generationId;
  const syncs = results.map((result) =>
    syncAsync(coordinator, {
      groupId: 'g',
      memberId: result.memberId,
      groupInstanceId: null,
      generationId,
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: result.memberId === leader.memberId ? results.map((each) => ({ memberId: each.memberId, assignment: meta(`a-${each.memberId}`) })) : [],
    }),
  );
  await settle();
  for (const sync of syncs) assert.equal(sync.result?.errorCode, ErrorCode.NONE);
  assert.equal(coordinator.groupState('g'), 'Stable');
  return { memberIds: [leader.memberId, ...results.filter((r) => r !== leader).map((r) => r.memberId)], generationId };
}

describe('JoinGroup', () => {
  test('a new dynamic member gets MEMBER_ID_REQUIRED first (v4+), then joins after the initial rebalance delay', async () => {
    const { coordinator, timers } = setup();
    const { memberId, pending } = await joinNew(coordinator);
    await settle();
    assert.equal(pending.result, null, 'the join waits for group.initial.rebalance.delay.ms');
    assert.equal(coordinator.groupState('g'), 'PreparingRebalance');
    timers.advance(2_999);
    await settle();
    assert.equal(pending.result, null);
    timers.advance(1);
    await settle();
    const result = pending.result!;
    assert.equal(result.errorCode, ErrorCode.NONE);
    assert.equal(result.generationId, 1);
    assert.equal(result.leaderId, memberId);
    assert.equal(result.protocolName, 'range');
    assert.deepEqual(result.members.map((m) => [m.memberId, m.metadata.toString()]), [[memberId, 'm']]);
    assert.equal(coordinator.groupState('g'), 'CompletingRebalance');
  });

  test('before v4 a new member joins at once without a member id round', async () => {
    const { coordinator, timers } = setup({ groupInitialRebalanceDelayMs: 0 });
    const pending = joinAsync(coordinator, joinRequest({ requireKnownMemberId: false }));
    timers.advance(0);
    await settle();
    assert.equal(pending.result?.errorCode, ErrorCode.NONE);
    assert.ok(pending.result!.memberId.length > 0);
  });

  test('members arriving during the initial delay extend it, up to the rebalance timeout', async () => {
    const { coordinator, timers } = setup();
    const a = await joinNew(coordinator, { clientId: 'a' });
    timers.advance(2_000);
    const b = await joinNew(coordinator, { clientId: 'b' });
    timers.advance(1_000); // first delay ends with a new member: wait another delay
    await settle();
    assert.equal(a.pending.result, null);
    timers.advance(3_000);
    await settle();
    assert.equal((a.pending.result as JoinResult | null)?.generationId, 1);
    assert.equal(b.pending.result?.generationId, 1);
    const leader = [a, b].find((join) => join.pending.result!.leaderId === join.memberId)!;
    assert.equal(leader.pending.result!.members.length, 2, 'the leader gets both members');
    const follower = [a, b].find((join) => join !== leader)!;
    assert.equal(follower.pending.result!.members.length, 0, 'followers get no member list');
  });

  test('rejects invalid group ids, session timeouts out of range, unknown member ids and inconsistent protocols', async () => {
    const { coordinator, timers } = setup({ groupInitialRebalanceDelayMs: 0 });
    assert.equal((await coordinator.joinGroup(joinRequest({ groupId: '' }))).errorCode, ErrorCode.INVALID_GROUP_ID);
    assert.equal((await coordinator.joinGroup(joinRequest({ sessionTimeoutMs: 5_999 }))).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
    assert.equal((await coordinator.joinGroup(joinRequest({ sessionTimeoutMs: 1_800_001 }))).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
    assert.equal((await coordinator.joinGroup(joinRequest({ memberId: 'nobody' }))).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal((await coordinator.joinGroup(joinRequest({ protocols: [] }))).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    assert.equal((await coordinator.joinGroup(joinRequest({ protocolType: '' }))).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const first = await joinNew(coordinator);
    timers.advance(0);
    await settle();
    assert.equal(first.pending.result?.errorCode, ErrorCode.NONE);
    assert.equal((await coordinator.joinGroup(joinRequest({ protocolType: 'connect' }))).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL, 'wrong protocol type');
    assert.equal((await coordinator.joinGroup(joinRequest({ protocols: [{ name: 'roundrobin', metadata: meta('') }] }))).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL, 'no common protocol');
  });

  test('selects the protocol most members prefer among those all support', async () => {
    const { coordinator, timers } = setup();
    const a = await joinNew(coordinator, { protocols: [{ name: 'range', metadata: meta('ra') }, { name: 'roundrobin', metadata: meta('rra') }] });
    const b = await joinNew(coordinator, { protocols: [{ name: 'roundrobin', metadata: meta('rrb') }, { name: 'range', metadata: meta('rb') }] });
    const c = await joinNew(coordinator, { protocols: [{ name: 'roundrobin', metadata: meta('rrc') }, { name: 'sticky', metadata: meta('') }] });
    timers.advance(6_000);
    await settle();
    for (const join of [a, b, c]) assert.equal(join.pending.result?.protocolName, 'roundrobin');
    const leader = [a, b, c].find((join) => join.pending.result!.leaderId === join.memberId)!;
    assert.deepEqual(leader.pending.result!.members.map((m) => m.metadata.toString()).sort(), ['rra', 'rrb', 'rrc'], 'metadata of the selected protocol, untouched');
  });

  test('group.max.size refuses members beyond it', async () => {
    const { coordinator, timers } = setup({ groupMaxSize: 2, groupInitialRebalanceDelayMs: 0 });
    await stableGroup({ coordinator, timers, persistence: new MemoryPersistence() }, 2);
    assert.equal((await coordinator.joinGroup(joinRequest())).errorCode, ErrorCode.GROUP_MAX_SIZE_REACHED);
  });

  test('three members share one generation: leader gets all, each gets its own assignment', async () => {
    const state = setup();
    const { memberIds, generationId } = await stableGroup(state, 3);
    assert.equal(generationId, 1);
    assert.equal(new Set(memberIds).size, 3);
    const described = state.coordinator.describeGroup('g');
    assert.equal(described.state, 'Stable');
    assert.equal(described.protocolName, 'range');
    for (const member of described.members) assert.equal(member.assignment.toString(), `a-${member.memberId}`);
    assert.equal(state.persistence.records.filter((r) => r.kind === 'group').length, 1, 'the group was written once, at sync');
  });
});

describe('SyncGroup and Heartbeat', () => {
  test('errors: unknown member, stale generation, inconsistent protocol, rebalance in progress', async () => {
    const state = setup();
    const { coordinator } = state;
    const { memberIds, generationId } = await stableGroup(state, 2);
    const [leader, follower] = memberIds as [string, string];
    const sync = (overrides: object) => coordinator.syncGroup({ groupId: 'g', memberId: follower, groupInstanceId: null, generationId, protocolType: null, protocolName: null, assignments: [], ...overrides });
    assert.equal((await sync({ memberId: 'ghost' })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal((await sync({ generationId: generationId - 1 })).errorCode, ErrorCode.ILLEGAL_GENERATION);
    assert.equal((await sync({ protocolType: 'connect' })).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    assert.equal((await sync({ protocolName: 'roundrobin' })).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    assert.equal((await sync({})).assignment.toString(), `a-${follower}`, 'a Stable group hands back the current assignment');
    const heartbeat = (overrides: object) => coordinator.heartbeat({ groupId: 'g', memberId: follower, groupInstanceId: null, generationId, ...overrides });
    assert.equal(heartbeat({}), ErrorCode.NONE);
    assert.equal(heartbeat({ memberId: 'ghost' }), ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal(heartbeat({ groupId: 'other' }), ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal(heartbeat({ generationId: 99 }), ErrorCode.ILLEGAL_GENERATION);
    // A third member joining starts a rebalance: the others learn it from their heartbeats.
    await coordinator.joinGroup(joinRequest({ clientId: 'late' }));
    const late = await coordinator.joinGroup(joinRequest({ clientId: 'late' }));
    assert.equal(late.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    joinAsync(coordinator, joinRequest({ memberId: late.memberId }));
    await settle();
    assert.equal(coordinator.groupState('g'), 'PreparingRebalance');
    assert.equal(heartbeat({}), ErrorCode.REBALANCE_IN_PROGRESS);
    assert.equal((await sync({})).errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
    assert.equal(heartbeat({ memberId: leader }), ErrorCode.REBALANCE_IN_PROGRESS);
  });

  test('a member that does not rejoin within the rebalance timeout is removed and the rest move on', async () => {
    const state = setup();
    const { coordinator, timers } = state;
    const { memberIds } = await stableGroup(state, 2);
    const [leader, follower] = memberIds as [string, string];
    const rejoin = joinAsync(coordinator, joinRequest({ memberId: leader }));
    await settle();
    assert.equal(coordinator.groupState('g'), 'PreparingRebalance');
    // The follower keeps heartbeating (so its session lives) but never rejoins.
    for (let elapsed = 0; elapsed < 30_000; elapsed += 5_000) {
      timers.advance(5_000);
      coordinator.heartbeat({ groupId: 'g', memberId: follower, groupInstanceId: null, generationId: 1 });
    }
    await settle();
    assert.equal(rejoin.result?.errorCode, ErrorCode.NONE);
    assert.equal(rejoin.result?.generationId, 2);
    assert.deepEqual(rejoin.result?.members.map((m) => m.memberId), [leader], 'the silent member is gone');
    assert.equal(coordinator.heartbeat({ groupId: 'g', memberId: follower, groupInstanceId: null, generationId: 2 }), ErrorCode.UNKNOWN_MEMBER_ID);
  });

  test('a member silent for its session timeout is removed and the group rebalances', async () => {
    const state = setup();
    const { coordinator, timers } = state;
    const { memberIds } = await stableGroup(state, 2);
    const [leader, follower] = memberIds as [string, string];
    for (let elapsed = 0; elapsed < 9_000; elapsed += 3_000) {
      timers.advance(3_000);
      assert.equal(coordinator.heartbeat({ groupId: 'g', memberId: leader, groupInstanceId: null, generationId: 1 }), ErrorCode.NONE);
    }
    timers.advance(1_000); // the follower's 10 s session has passed
    assert.equal(coordinator.groupState('g'), 'PreparingRebalance');
    assert.equal(coordinator.heartbeat({ groupId: 'g', memberId: follower, groupInstanceId: null, generationId: 1 }), ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal(coordinator.heartbeat({ groupId: 'g', memberId: leader, groupInstanceId: null, generationId: 1 }), ErrorCode.REBALANCE_IN_PROGRESS);
    const rejoin = joinAsync(coordinator, joinRequest({ memberId: leader }));
    await settle();
    assert.equal(rejoin.result?.generationId, 2, 'the only member rejoined: the join completes at once');
  });

  test('a follower that never syncs is removed after the rebalance timeout, not stalling the group', async () => {
    const { coordinator, timers } = setup();
    const a = await joinNew(coordinator, { clientId: 'a' });
    const b = await joinNew(coordinator, { clientId: 'b' });
    timers.advance(6_000);
    await settle();
    const leader = [a, b].find((join) => join.pending.result!.leaderId === join.memberId)!;
    const silent = leader === a ? b : a;
    const leaderSync = syncAsync(coordinator, { groupId: 'g', memberId: leader.memberId, groupInstanceId: null, generationId: 1, protocolType: null, protocolName: null, assignments: [{ memberId: leader.memberId, assignment: meta('x') }] });
    await settle();
    assert.equal(leaderSync.result?.errorCode, ErrorCode.NONE);
    // Stable, but the silent member never synced: after the rebalance timeout it is removed.
    for (let elapsed = 0; elapsed < 30_000; elapsed += 3_000) {
      timers.advance(3_000);
      coordinator.heartbeat({ groupId: 'g', memberId: leader.memberId, groupInstanceId: null, generationId: 1 });
      coordinator.heartbeat({ groupId: 'g', memberId: silent.memberId, groupInstanceId: null, generationId: 1 });
    }
    assert.equal(coordinator.describeGroup('g').members.length, 1);
    assert.equal(coordinator.groupState('g'), 'PreparingRebalance');
  });

  test('a failed group write fails the sync and starts a new rebalance', async () => {
    const state = setup({ groupInitialRebalanceDelayMs: 0 });
    const { coordinator, timers, persistence } = state;
    const a = await joinNew(coordinator);
    timers.advance(0);
    await settle();
    persistence.failWith = ErrorCode.MESSAGE_TOO_LARGE;
    const result = await coordinator.syncGroup({ groupId: 'g', memberId: a.memberId, groupInstanceId: null, generationId: 1, protocolType: null, protocolName: null, assignments: [{ memberId: a.memberId, assignment: Buffer.alloc(10) }] });
    assert.equal(result.errorCode, ErrorCode.UNKNOWN_SERVER_ERROR, 'MESSAGE_TOO_LARGE maps to UNKNOWN_SERVER_ERROR as in Kafka');
    assert.equal(coordinator.groupState('g'), 'PreparingRebalance');
  });
});

describe('LeaveGroup and static membership', () => {
  test('a member leaving rebalances at once; an unknown one gets UNKNOWN_MEMBER_ID', async () => {
    const state = setup();
    const { coordinator } = state;
    const { memberIds } = await stableGroup(state, 2);
    const [leader, follower] = memberIds as [string, string];
    const outcome = coordinator.leaveGroup('g', [{ memberId: follower, groupInstanceId: null }, { memberId: 'ghost', groupInstanceId: null }]);
    assert.deepEqual(outcome.members.map((m) => m.errorCode), [ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID]);
    assert.equal(coordinator.groupState('g'), 'PreparingRebalance');
    const rejoin = joinAsync(coordinator, joinRequest({ memberId: leader }));
    await settle();
    assert.equal(rejoin.result?.generationId, 2);
    assert.equal(coordinator.leaveGroup('nope', [{ memberId: 'x', groupInstanceId: null }]).members[0]?.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    // The last member leaving empties the group.
    coordinator.leaveGroup('g', [{ memberId: leader, groupInstanceId: null }]);
    assert.equal(coordinator.groupState('g'), 'PreparingRebalance');
  });

  test('a static member restarting with a new member id takes its place without a rebalance and fences the old id', async () => {
    const { coordinator, timers } = setup({ groupInitialRebalanceDelayMs: 0 });
    const first = joinAsync(coordinator, joinRequest({ groupInstanceId: 'instance-1' }));
    timers.advance(0);
    await settle();
    const oldId = first.result!.memberId;
    assert.ok(oldId.startsWith('instance-1-'), 'static member ids start with the instance id');
    await coordinator.syncGroup({ groupId: 'g', memberId: oldId, groupInstanceId: 'instance-1', generationId: 1, protocolType: null, protocolName: null, assignments: [{ memberId: oldId, assignment: meta('p0') }] });
    assert.equal(coordinator.groupState('g'), 'Stable');
    const restarted = await coordinator.joinGroup(joinRequest({ groupInstanceId: 'instance-1' }));
    assert.equal(restarted.errorCode, ErrorCode.NONE);
    assert.equal(restarted.generationId, 1, 'same generation: no rebalance');
    assert.notEqual(restarted.memberId, oldId);
    assert.equal(coordinator.groupState('g'), 'Stable');
    const sync = await coordinator.syncGroup({ groupId: 'g', memberId: restarted.memberId, groupInstanceId: 'instance-1', generationId: 1, protocolType: null, protocolName: null, assignments: [] });
    assert.equal(sync.assignment.toString(), 'p0', 'it keeps the assignment');
    assert.equal(coordinator.heartbeat({ groupId: 'g', memberId: oldId, groupInstanceId: 'instance-1', generationId: 1 }), ErrorCode.FENCED_INSTANCE_ID);
    assert.equal(coordinator.leaveGroup('g', [{ memberId: oldId, groupInstanceId: 'instance-1' }]).members[0]?.errorCode, ErrorCode.FENCED_INSTANCE_ID);
    assert.equal(coordinator.leaveGroup('g', [{ memberId: '', groupInstanceId: 'instance-2' }]).members[0]?.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    // Removal by instance id alone (AdminClient.removeMembersFromConsumerGroup).
    assert.equal(coordinator.leaveGroup('g', [{ memberId: '', groupInstanceId: 'instance-1' }]).members[0]?.errorCode, ErrorCode.NONE);
    assert.equal(coordinator.describeGroup('g').members.length, 0);
  });
});

describe('offsets', () => {
  const commit = (overrides: object = {}) => ({
    groupId: 'g',
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    requestVersion: 8,
    offsets: [{ topic: 't', partition: 0, offset: 42n, leaderEpoch: 0, metadata: 'meta' }],
    ...overrides,
  });

  test('a commit from outside a group creates it; fetch returns it and -1 for the rest', async () => {
    const { coordinator, persistence } = setup();
    assert.deepEqual(await coordinator.commitOffsets(commit()), [ErrorCode.NONE]);
    assert.equal(persistence.records.length, 1);
    const fetched = coordinator.fetchOffsets('g', [{ topic: 't', partitions: [0, 1] }]);
    assert.deepEqual(fetched.map((f) => [f.partition, f.offset, f.metadata]), [[0, 42n, 'meta'], [1, -1n, '']]);
    assert.equal(coordinator.fetchOffsets('g', null).length, 1);
    assert.deepEqual(coordinator.fetchOffsets('unknown', [{ topic: 't', partitions: [0] }]).map((f) => f.offset), [-1n]);
    assert.deepEqual(coordinator.listGroups([], []).map((g) => [g.groupId, g.state, g.protocolType]), [['g', 'Empty', '']]);
  });

  test('member commits check member and generation; an unknown group is ILLEGAL_GENERATION before v9, GROUP_ID_NOT_FOUND from v9', async () => {
    const state = setup();
    const { coordinator } = state;
    assert.deepEqual(await coordinator.commitOffsets(commit({ groupId: 'none', generationId: 1, memberId: 'm' })), [ErrorCode.ILLEGAL_GENERATION]);
    assert.deepEqual(await coordinator.commitOffsets(commit({ groupId: 'none', generationId: 1, memberId: 'm', requestVersion: 9 })), [ErrorCode.GROUP_ID_NOT_FOUND]);
    const { memberIds } = await stableGroup(state, 1);
    const member = memberIds[0]!;
    assert.deepEqual(await coordinator.commitOffsets(commit({ generationId: 1, memberId: member })), [ErrorCode.NONE]);
    assert.deepEqual(await coordinator.commitOffsets(commit({ generationId: 0, memberId: member })), [ErrorCode.ILLEGAL_GENERATION]);
    assert.deepEqual(await coordinator.commitOffsets(commit({ generationId: 1, memberId: 'ghost' })), [ErrorCode.UNKNOWN_MEMBER_ID]);
    assert.deepEqual(await coordinator.commitOffsets(commit()), [ErrorCode.UNKNOWN_MEMBER_ID], 'a simple commit to a group with members');
    assert.deepEqual(
      await coordinator.commitOffsets(commit({ generationId: 1, memberId: member, offsets: [{ topic: 't', partition: 1, offset: 1n, leaderEpoch: -1, metadata: 'x'.repeat(4097) }] })),
      [ErrorCode.OFFSET_METADATA_TOO_LARGE],
    );
  });

  test('DeleteGroups refuses a group with members and deletes an empty one with tombstones', async () => {
    const state = setup();
    const { coordinator, persistence } = state;
    await coordinator.commitOffsets(commit({ groupId: 'simple' }));
    const { memberIds } = await stableGroup(state, 1);
    assert.equal(await coordinator.deleteGroup('g'), ErrorCode.NON_EMPTY_GROUP);
    assert.equal(await coordinator.deleteGroup('missing'), ErrorCode.GROUP_ID_NOT_FOUND);
    assert.equal(await coordinator.deleteGroup('simple'), ErrorCode.NONE);
    assert.equal(coordinator.groupState('simple'), undefined);
    const tombstones = persistence.records.filter((r) => r.groupId === 'simple' && r.value === null);
    assert.deepEqual(tombstones.map((r) => r.kind), ['offset', 'group']);
    coordinator.leaveGroup('g', [{ memberId: memberIds[0]!, groupInstanceId: null }]);
    state.timers.advance(30_000);
    assert.equal(coordinator.groupState('g'), 'Empty');
    assert.equal(await coordinator.deleteGroup('g'), ErrorCode.NONE);
  });

  test('OffsetDelete: GROUP_SUBSCRIBED_TO_TOPIC for subscribed topics of a consumer group, deletes the others', async () => {
    const state = setup();
    const { coordinator } = state;
    // ConsumerProtocolSubscription v0: version, topics ["t"], user data null.
    const subscription = Buffer.from([0, 0, 0, 0, 0, 1, 0, 1, 0x74, 0xff, 0xff, 0xff, 0xff]);
    const join = await joinNew(coordinator, { protocols: [{ name: 'range', metadata: subscription }] });
    state.timers.advance(3_000);
    await settle();
    await coordinator.syncGroup({ groupId: 'g', memberId: join.memberId, groupInstanceId: null, generationId: 1, protocolType: null, protocolName: null, assignments: [] });
    await coordinator.commitOffsets(commit({ generationId: 1, memberId: join.memberId, offsets: [{ topic: 't', partition: 0, offset: 1n, leaderEpoch: -1, metadata: null }, { topic: 'u', partition: 0, offset: 2n, leaderEpoch: -1, metadata: null }] }));
    const outcome = await coordinator.deleteOffsets('g', [{ topic: 't', partition: 0 }, { topic: 'u', partition: 0 }]);
    assert.deepEqual(outcome, { errorCode: ErrorCode.NONE, partitions: [ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC, ErrorCode.NONE] });
    assert.deepEqual(coordinator.fetchOffsets('g', null).map((f) => f.topic), ['t']);
    assert.equal((await coordinator.deleteOffsets('missing', [])).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  });

  test('offsets of an empty group expire after offsets.retention.minutes, and the group goes', async () => {
    const { coordinator, timers } = setup({ offsetsRetentionMs: 60_000 });
    await coordinator.commitOffsets(commit());
    timers.advance(59_999);
    assert.equal(await coordinator.expireOffsets(), 0);
    timers.advance(1);
    assert.equal(await coordinator.expireOffsets(), 1);
    assert.equal(coordinator.groupState('g'), undefined);
  });
});

describe('state listing and description', () => {
  test('ListGroups filters by state and type, case-insensitively', async () => {
    const state = setup();
    await stableGroup(state, 1);
    await state.coordinator.commitOffsets({ groupId: 'simple', generationId: -1, memberId: '', groupInstanceId: null, requestVersion: 8, offsets: [{ topic: 't', partition: 0, offset: 1n, leaderEpoch: -1, metadata: null }] });
    const names = (states: string[], types: string[]) => state.coordinator.listGroups(states, types).map((g) => g.groupId).sort();
    assert.deepEqual(names([], []), ['g', 'simple']);
    assert.deepEqual(names(['stable'], []), ['g']);
    assert.deepEqual(names(['Empty'], ['CLASSIC']), ['simple']);
    assert.deepEqual(names([], ['consumer']), []);
  });

  test('DescribeGroups shows members without metadata while not Stable, and Dead with GROUP_ID_NOT_FOUND for unknown groups', async () => {
    const { coordinator } = setup();
    const join = await joinNew(coordinator);
    await settle();
    const described = coordinator.describeGroup('g');
    assert.equal(described.state, 'PreparingRebalance');
    assert.deepEqual(described.members.map((m) => [m.memberId, m.metadata.length, m.assignment.length]), [[join.memberId, 0, 0]]);
    assert.equal(described.protocolName, '');
    const unknown = coordinator.describeGroup('nope');
    assert.equal(unknown.state, 'Dead');
    assert.equal(unknown.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  });

  test('close answers waiting joins and leaves no timer set', async () => {
    const { coordinator, timers } = setup();
    const join = await joinNew(coordinator);
    coordinator.close();
    await settle();
    assert.equal(join.pending.result?.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    timers.advance(100_000);
    assert.equal(coordinator.heartbeat({ groupId: 'g', memberId: join.memberId, groupInstanceId: null, generationId: 0 }), ErrorCode.COORDINATOR_NOT_AVAILABLE);
  });
});
