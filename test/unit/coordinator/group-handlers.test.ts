// The group APIs over the wire against an in-process broker: versions old and new clients send,
// and bad input (unknown members, stale generations, wrong protocol types, oversized member
// metadata, unknown topics, unknown key types) answered with Kafka's errors.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  decodeResponse,
  describeGroupsRequest,
  describeGroupsResponse,
  encodeRequest,
  ErrorCode,
  findCoordinatorRequest,
  findCoordinatorResponse,
  heartbeatRequest,
  heartbeatResponse,
  joinGroupRequest,
  joinGroupResponse,
  leaveGroupRequest,
  leaveGroupResponse,
  listGroupsRequest,
  listGroupsResponse,
  offsetCommitRequest,
  offsetCommitResponse,
  offsetFetchRequest,
  offsetFetchResponse,
  syncGroupRequest,
  syncGroupResponse,
  type InputOf,
  type MessageSchema,
  type ValueOf,
} from '../../../src/protocol/index.ts';
import type { KafkaTestClient } from '../../helpers/kafka-client.ts';
import { startBroker, type BrokerFixture } from '../handlers/fixture.ts';

async function call<Req extends MessageSchema, Res extends MessageSchema>(client: KafkaTestClient, request: Req, response: Res, version: number, body: InputOf<Req>): Promise<ValueOf<Res>> {
  const frame = await client.sendFrame(encodeRequest(request, version, client.nextCorrelationId(), client.clientId, body));
  return decodeResponse(response, version, frame).body as ValueOf<Res>;
}

const protocols = (metadata = Buffer.from('meta')) => [{ name: 'range', metadata }];

describe('group APIs over the wire', () => {
  let fixture: BrokerFixture;
  let client: KafkaTestClient;
  before(async () => {
    fixture = await startBroker({ 'offsets.topic.num.partitions': '3', 'group.initial.rebalance.delay.ms': '0', 'num.partitions': '2' });
    client = await fixture.connect();
  });
  after(() => fixture?.stop());

  const join = (version: number, body: Partial<InputOf<typeof joinGroupRequest>>) =>
    call(client, joinGroupRequest, joinGroupResponse, version, { groupId: 'g', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', protocolType: 'consumer', protocols: protocols(), ...body });

  test('FindCoordinator names this node for groups (v0 and batched v4+) and transactions, refuses unknown key types', async () => {
    const v0 = await call(client, findCoordinatorRequest, findCoordinatorResponse, 0, { key: 'g' });
    assert.equal(v0.errorCode, ErrorCode.NONE);
    assert.equal(v0.port, fixture.port);
    const v4 = await call(client, findCoordinatorRequest, findCoordinatorResponse, 4, { keyType: 0, coordinatorKeys: ['a', 'b'] });
    assert.deepEqual(v4.coordinators.map((c) => [c.key, c.errorCode, c.port]), [['a', 0, fixture.port], ['b', 0, fixture.port]]);
    const transaction = await call(client, findCoordinatorRequest, findCoordinatorResponse, 3, { key: 'tx', keyType: 1 });
    assert.deepEqual([transaction.errorCode, transaction.port], [ErrorCode.NONE, fixture.port]);
    const share = await call(client, findCoordinatorRequest, findCoordinatorResponse, 6, { keyType: 2, coordinatorKeys: ['s'] });
    assert.equal(share.coordinators[0]?.errorCode, ErrorCode.INVALID_REQUEST);
  });

  test('JoinGroup v0 (no member id round, no rebalance timeout) through SyncGroup, Heartbeat and LeaveGroup v0', async () => {
    const joined = await join(0, { groupId: 'old' });
    assert.equal(joined.errorCode, ErrorCode.NONE);
    assert.equal(joined.generationId, 1);
    assert.equal(joined.leader, joined.memberId);
    assert.equal(joined.protocolName, 'range');
    const synced = await call(client, syncGroupRequest, syncGroupResponse, 0, { groupId: 'old', generationId: 1, memberId: joined.memberId, assignments: [{ memberId: joined.memberId, assignment: Buffer.from('mine') }] });
    assert.equal(synced.errorCode, ErrorCode.NONE);
    assert.equal(synced.assignment.toString(), 'mine');
    const beat = await call(client, heartbeatRequest, heartbeatResponse, 0, { groupId: 'old', generationId: 1, memberId: joined.memberId });
    assert.equal(beat.errorCode, ErrorCode.NONE);
    const left = await call(client, leaveGroupRequest, leaveGroupResponse, 0, { groupId: 'old', memberId: joined.memberId });
    assert.equal(left.errorCode, ErrorCode.NONE);
    const again = await call(client, leaveGroupRequest, leaveGroupResponse, 0, { groupId: 'old', memberId: joined.memberId });
    assert.equal(again.errorCode, ErrorCode.UNKNOWN_MEMBER_ID, 'before v3 the member error is the top-level error');
  });

  test('bad input gets Kafka errors: unknown member, stale generation, wrong protocol type, invalid group id', async () => {
    const required = await join(9, { groupId: 'strict' });
    assert.equal(required.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    assert.equal(required.protocolName, null, 'v7+: nullable protocol name');
    const joined = await join(9, { groupId: 'strict', memberId: required.memberId });
    assert.equal(joined.errorCode, ErrorCode.NONE);
    assert.equal(joined.protocolType, 'consumer');
    const synced = await call(client, syncGroupRequest, syncGroupResponse, 5, { groupId: 'strict', generationId: 1, memberId: joined.memberId, protocolType: 'consumer', protocolName: 'range', assignments: [] });
    assert.equal(synced.errorCode, ErrorCode.NONE);
    assert.equal(synced.protocolName, 'range');
    const heartbeat = (body: Partial<InputOf<typeof heartbeatRequest>>) => call(client, heartbeatRequest, heartbeatResponse, 4, { groupId: 'strict', generationId: 1, memberId: joined.memberId, ...body });
    assert.equal((await heartbeat({ memberId: 'intruder' })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal((await heartbeat({ generationId: 0 })).errorCode, ErrorCode.ILLEGAL_GENERATION);
    assert.equal((await heartbeat({ groupId: '' })).errorCode, ErrorCode.INVALID_GROUP_ID);
    assert.equal((await join(9, { groupId: 'strict', protocolType: 'connect' })).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    assert.equal((await join(9, { groupId: 'strict', memberId: 'intruder' })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal((await join(9, { groupId: 'strict', sessionTimeoutMs: 1 })).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
    const staleSync = await call(client, syncGroupRequest, syncGroupResponse, 5, { groupId: 'strict', generationId: 7, memberId: joined.memberId, assignments: [] });
    assert.equal(staleSync.errorCode, ErrorCode.ILLEGAL_GENERATION);
    const wrongProtocol = await call(client, syncGroupRequest, syncGroupResponse, 5, { groupId: 'strict', generationId: 1, memberId: joined.memberId, protocolType: 'consumer', protocolName: 'roundrobin', assignments: [] });
    assert.equal(wrongProtocol.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const staleCommit = await call(client, offsetCommitRequest, offsetCommitResponse, 9, {
      groupId: 'strict',
      generationIdOrMemberEpoch: 0,
      memberId: joined.memberId,
      topics: [{ name: 'topic-a', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedMetadata: null }] }],
    });
    assert.equal(staleCommit.topics[0]?.partitions[0]?.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'unknown topics are refused first');
    const left = await call(client, leaveGroupRequest, leaveGroupResponse, 5, { groupId: 'strict', members: [{ memberId: joined.memberId }, { memberId: 'intruder' }] });
    assert.deepEqual(left.members.map((m) => [m.memberId, m.errorCode]), [[joined.memberId, ErrorCode.NONE], ['intruder', ErrorCode.UNKNOWN_MEMBER_ID]]);
  });

  test('oversized member metadata: the group record cannot be written, SyncGroup gets UNKNOWN_SERVER_ERROR as in Kafka', async () => {
    const big = Buffer.alloc(1_200_000, 1); // beyond __consumer_offsets' 1 MiB max.message.bytes
    const joined = await join(5, { groupId: 'big', protocols: protocols(big) });
    assert.equal(joined.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    const member = await join(5, { groupId: 'big', memberId: joined.memberId, protocols: protocols(big) });
    assert.equal(member.errorCode, ErrorCode.NONE);
    assert.equal(member.members[0]?.metadata.length, big.length, 'metadata passes through untouched');
    const synced = await call(client, syncGroupRequest, syncGroupResponse, 3, { groupId: 'big', generationId: 1, memberId: member.memberId, assignments: [] });
    assert.equal(synced.errorCode, ErrorCode.UNKNOWN_SERVER_ERROR);
    const beat = await call(client, heartbeatRequest, heartbeatResponse, 3, { groupId: 'big', generationId: 1, memberId: member.memberId });
    assert.equal(beat.errorCode, ErrorCode.REBALANCE_IN_PROGRESS, 'the group rebalances');
  });

  test('OffsetCommit v2 and OffsetFetch v1, v7 (all topics) and v8 (several groups)', async () => {
    await fixture.broker.topics.createTopic({ name: 'committed', numPartitions: 2, replicationFactor: -1, configs: [], validateOnly: false });
    const committed = await call(client, offsetCommitRequest, offsetCommitResponse, 2, {
      groupId: 'simple',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      topics: [{ name: 'committed', partitions: [{ partitionIndex: 0, committedOffset: 5n, committedMetadata: 'five' }, { partitionIndex: 9, committedOffset: 1n, committedMetadata: null }] }],
    });
    assert.deepEqual(committed.topics[0]?.partitions.map((p) => p.errorCode), [ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    const v1 = await call(client, offsetFetchRequest, offsetFetchResponse, 1, { groupId: 'simple', topics: [{ name: 'committed', partitionIndexes: [0, 1] }] });
    assert.deepEqual(v1.topics[0]?.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.metadata]), [[0, 5n, 'five'], [1, -1n, '']]);
    const all = await call(client, offsetFetchRequest, offsetFetchResponse, 7, { groupId: 'simple', topics: null, requireStable: true });
    assert.deepEqual(all.topics.map((t) => [t.name, t.partitions.map((p) => p.committedOffset)]), [['committed', [5n]]]);
    const v8 = await call(client, offsetFetchRequest, offsetFetchResponse, 8, {
      groups: [
        { groupId: 'simple', topics: null },
        { groupId: 'nobody', topics: [{ name: 'committed', partitionIndexes: [0] }] },
      ],
    });
    assert.deepEqual(v8.groups.map((g) => [g.groupId, g.errorCode, g.topics.map((t) => t.partitions.map((p) => p.committedOffset))]), [['simple', 0, [[5n]]], ['nobody', 0, [[-1n]]]]);
  });

  test('a member that joins and then never syncs cannot stall the group past the rebalance timeout', async () => {
    const good = await fixture.connect();
    const bad = await fixture.connect();
    const joinAs = (connection: KafkaTestClient, memberId: string) =>
      call(connection, joinGroupRequest, joinGroupResponse, 5, { groupId: 'stall', sessionTimeoutMs: 6_000, rebalanceTimeoutMs: 1_000, memberId, protocolType: 'consumer', protocols: protocols() });
    const goodId = (await joinAs(good, '')).memberId;
    assert.equal((await joinAs(good, goodId)).generationId, 1);
    await call(good, syncGroupRequest, syncGroupResponse, 3, { groupId: 'stall', generationId: 1, memberId: goodId, assignments: [] });
    // The bad member joins (a rebalance starts), the good one rejoins: generation 2 with both.
    const badId = (await joinAs(bad, '')).memberId;
    const badJoin = joinAs(bad, badId);
    const goodRejoin = await joinAs(good, goodId);
    assert.equal(goodRejoin.generationId, 2);
    assert.equal((await badJoin).generationId, 2);
    const started = Date.now();
    // The good leader syncs; the bad member never does, and keeps no heartbeat either.
    const synced = await call(good, syncGroupRequest, syncGroupResponse, 3, { groupId: 'stall', generationId: 2, memberId: goodId, assignments: [{ memberId: goodId, assignment: Buffer.from('all') }] });
    assert.equal(synced.errorCode, ErrorCode.NONE);
    let beat = ErrorCode.NONE as number;
    while (beat === ErrorCode.NONE && Date.now() - started < 5_000) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      beat = (await call(good, heartbeatRequest, heartbeatResponse, 3, { groupId: 'stall', generationId: 2, memberId: goodId })).errorCode;
    }
    assert.equal(beat, ErrorCode.REBALANCE_IN_PROGRESS, 'the unsynced member was removed and the group rebalances');
    const alone = await joinAs(good, goodId);
    assert.equal(alone.generationId, 3);
    assert.deepEqual(alone.members.map((m) => m.memberId), [goodId]);
    const elapsedMs = Date.now() - started;
    assert.ok(elapsedMs < 3_000, `the group moved on within the 1 s rebalance timeout (took ${elapsedMs} ms)`);
  });

  test('DescribeGroups: unknown groups are Dead, with GROUP_ID_NOT_FOUND from v6; ListGroups filters by state (v4+)', async () => {
    const v5 = await call(client, describeGroupsRequest, describeGroupsResponse, 5, { groups: ['missing'], includeAuthorizedOperations: false });
    assert.deepEqual([v5.groups[0]?.errorCode, v5.groups[0]?.groupState], [ErrorCode.NONE, 'Dead']);
    const v6 = await call(client, describeGroupsRequest, describeGroupsResponse, 6, { groups: ['missing', 'simple'], includeAuthorizedOperations: true });
    assert.deepEqual(v6.groups.map((g) => [g.groupId, g.errorCode, g.groupState]), [['missing', ErrorCode.GROUP_ID_NOT_FOUND, 'Dead'], ['simple', ErrorCode.NONE, 'Empty']]);
    const empty = await call(client, listGroupsRequest, listGroupsResponse, 5, { statesFilter: ['empty'], typesFilter: ['classic'] });
    assert.ok(empty.groups.some((g) => g.groupId === 'simple' && g.groupState === 'Empty' && g.groupType === 'classic'));
    assert.ok(empty.groups.every((g) => g.groupState === 'Empty'));
    const v0 = await call(client, listGroupsRequest, listGroupsResponse, 0, {});
    assert.ok(v0.groups.some((g) => g.groupId === 'simple'));
  });
});
