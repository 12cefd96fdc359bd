import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { encodeConfig, makeConfig } from '../../../../src/cluster/raft/config.ts';
import { joiningState, RaftNode } from '../../../../src/cluster/raft/raft-node.ts';
import type { Entry, Message } from '../../../../src/cluster/raft/types.ts';
import { logIndex, nodeId, term } from '../../../../src/cluster/raft/types.ts';
import { bytes, Harness, ids, text } from './harness.ts';

function normalTexts(entries: readonly Entry[]): string[] {
  return entries.filter((entry) => entry.kind === 'normal').map(text);
}

describe('RaftNode elections', () => {
  it('elects exactly one leader in a 3-node cluster and every node follows it', () => {
    const harness = new Harness(3);
    const leader = harness.electLeader();
    const roles = [1, 2, 3].map((id) => harness.raft(id).role);
    assert.equal(roles.filter((role) => role === 'leader').length, 1, `roles: ${roles.join(',')}`);
    for (const id of [1, 2, 3]) assert.equal(harness.raft(id).leader, leader);
  });

  it('commits a proposal on every node and applies it in order', () => {
    const harness = new Harness(3);
    const leader = harness.raft(harness.electLeader());
    for (const value of ['a', 'b', 'c']) assert.equal(leader.propose(bytes(value)).ok, true);
    harness.settle();
    harness.tick(2);
    for (const id of [1, 2, 3]) assert.deepEqual(normalTexts(harness.node(id).applied), ['a', 'b', 'c'], `node ${id}`);
  });

  it('pre-vote: an isolated follower does not raise its term however long it waits', () => {
    const harness = new Harness(3);
    const leaderId = harness.electLeader();
    const followerId = [1, 2, 3].find((id) => id !== leaderId) ?? 0;
    const termBefore = harness.raft(followerId).term;
    harness.isolate(followerId);
    harness.tick(200);
    assert.equal(harness.raft(followerId).term, termBefore);
    assert.notEqual(harness.raft(followerId).role, 'leader');
    harness.heal();
    harness.tick(30);
    assert.equal(harness.raft(leaderId).role, 'leader', 'the rejoining follower must not depose the leader');
    assert.equal(harness.raft(leaderId).term, termBefore);
  });

  it('check-quorum: a leader cut off from the majority steps down within two election timeouts', () => {
    const harness = new Harness(3);
    const leaderId = harness.electLeader();
    harness.isolate(leaderId);
    harness.tick(40);
    assert.notEqual(harness.raft(leaderId).role, 'leader');
    const others = [1, 2, 3].filter((id) => id !== leaderId);
    assert.equal(others.filter((id) => harness.raft(id).role === 'leader').length, 1, 'the majority elects a new leader');
  });

  it('a node that hears from its leader ignores a vote request for a higher term (leader lease)', () => {
    const harness = new Harness(3);
    const leaderId = harness.electLeader();
    const follower = [1, 2, 3].find((id) => id !== leaderId) ?? 0;
    const raft = harness.raft(follower);
    const before = raft.term;
    raft.step({ type: 'vote', from: nodeId(99), to: nodeId(follower), term: term(before + 5), lastIndex: logIndex(100), lastTerm: term(before + 4), transfer: false });
    assert.equal(raft.term, before);
    assert.equal(raft.hasReady(), false, 'no response, no state change');
  });
});

describe('RaftNode replication', () => {
  it('never commits an entry of an earlier term by counting replicas (§5.4.2)', () => {
    // Node 1 holds entry 2 from term 2 that nobody else has; it wins term 3.
    const config = encodeConfig(makeConfig(ids(1, 2, 3)));
    const first: Entry = { term: term(1), index: logIndex(1), kind: 'config', data: config };
    const old: Entry = { term: term(2), index: logIndex(2), kind: 'normal', data: bytes('old') };
    const raft = new RaftNode(
      { id: nodeId(1), electionTicks: 10, heartbeatTicks: 1, seed: 1, preVote: false },
      { hardState: { term: term(2), vote: null, commit: logIndex(1) }, snapshot: null, entries: [first, old] },
    );
    raft.ready();
    raft.advance();
    for (let i = 0; i < 20 && raft.role !== 'candidate'; i++) raft.tick();
    assert.equal(raft.role, 'candidate');
    raft.step({ type: 'vote-response', from: nodeId(2), to: nodeId(1), term: raft.term, granted: true });
    assert.equal(raft.role, 'leader');
    const leaderTerm = raft.term;
    raft.ready();
    raft.advance();
    // Node 2 acknowledges the old entry only: a majority holds it, but it is from term 2.
    raft.step({ type: 'append-response', from: nodeId(2), to: nodeId(1), term: leaderTerm, success: true, index: logIndex(2), hint: logIndex(0) });
    assert.equal(raft.commitIndex, 1, 'entry 2 of term 2 must not commit on its own');
    // Once the leader's noop (index 3, this term) is on a majority, both commit.
    raft.step({ type: 'append-response', from: nodeId(2), to: nodeId(1), term: leaderTerm, success: true, index: logIndex(3), hint: logIndex(0) });
    assert.equal(raft.commitIndex, 3);
  });

  it('a follower drops an uncommitted conflicting suffix and takes the leader\'s entries', () => {
    const harness = new Harness(3);
    const leaderId = harness.electLeader();
    const follower = [1, 2, 3].find((id) => id !== leaderId) ?? 0;
    harness.isolate(leaderId);
    // The isolated leader accepts proposals it can never commit.
    harness.raft(leaderId).propose(bytes('lost-1'));
    harness.raft(leaderId).propose(bytes('lost-2'));
    harness.tick(40);
    const newLeader = harness.leader();
    assert.ok(newLeader !== null && newLeader !== leaderId);
    harness.raft(newLeader).propose(bytes('kept'));
    harness.settle();
    harness.heal();
    harness.tick(10);
    for (const id of [1, 2, 3]) {
      const applied = normalTexts(harness.node(id).applied);
      assert.deepEqual(applied, ['kept'], `node ${id} applied ${applied.join(',')}`);
    }
    assert.equal(harness.raft(follower).lastIndex, harness.raft(newLeader).lastIndex);
  });

  it('bounds appends in flight to a follower that does not answer', () => {
    const harness = new Harness(3, { inflightAppendsMax: 3, appendEntriesMax: 1 });
    const leaderId = harness.electLeader();
    const silent = [1, 2, 3].find((id) => id !== leaderId) ?? 0;
    harness.tick(3);
    harness.filter = (message) => message.to !== silent;
    const before = harness.delivered.length;
    const sent: Message[] = [];
    harness.filter = (message) => {
      if (message.to === silent && message.type === 'append') sent.push(message);
      return message.to !== silent && message.from !== silent;
    };
    for (let i = 0; i < 10; i++) harness.raft(leaderId).propose(bytes(`p${i}`));
    harness.settle();
    assert.ok(harness.delivered.length >= before);
    assert.equal(sent.filter((message) => message.type === 'append' && message.entries.length > 0).length, 3);
  });

  it('refuses proposals beyond the uncommitted bound and entries beyond the size bound', () => {
    const harness = new Harness(3, { uncommittedEntriesMax: 4, entryBytesMax: 8 });
    const leaderId = harness.electLeader();
    harness.isolate(leaderId);
    const leader = harness.raft(leaderId);
    assert.deepEqual(leader.propose(new Uint8Array(9)), { ok: false, reason: 'entry-too-large' });
    const results = Array.from({ length: 6 }, () => leader.propose(bytes('x')));
    assert.equal(results.filter((result) => result.ok).length, 4);
    assert.deepEqual(results.at(-1), { ok: false, reason: 'too-many-uncommitted' });
  });
});

describe('RaftNode snapshots', () => {
  it('sends a compacted log to a lagging follower as a snapshot in bounded chunks', () => {
    const harness = new Harness(3, { snapshotChunkBytes: 4 });
    const leaderId = harness.electLeader();
    const lagging = [1, 2, 3].find((id) => id !== leaderId) ?? 0;
    harness.isolate(lagging);
    const leader = harness.raft(leaderId);
    for (let i = 0; i < 5; i++) leader.propose(bytes(`v${i}`));
    harness.settle();
    harness.tick(2);
    const applied = leader.appliedIndex;
    const data = bytes('state-machine-image');
    leader.compact({ meta: { index: applied, term: leader.termAt(applied) ?? term(0), config: leader.config }, data });
    assert.equal(leader.firstIndex, applied + 1);
    const chunks: number[] = [];
    harness.filter = (message) => {
      if (message.type === 'snapshot-chunk') {
        chunks.push(message.data.byteLength);
        assert.ok(message.data.byteLength <= 4, 'chunk larger than the bound');
      }
      return true;
    };
    harness.tick(10);
    const installed = harness.node(lagging).installed;
    assert.equal(installed.length, 1);
    assert.deepEqual(installed[0]?.data, data);
    assert.equal(chunks.reduce((sum, size) => sum + size, 0) >= data.byteLength, true);
    assert.equal(harness.raft(lagging).commitIndex, leader.commitIndex);
    leader.propose(bytes('after'));
    harness.settle();
    harness.tick(2);
    assert.deepEqual(normalTexts(harness.node(lagging).applied), ['after']);
  });
});

describe('RaftNode leadership transfer and reads', () => {
  it('transfers leadership to a chosen voter', () => {
    const harness = new Harness(3);
    const leaderId = harness.electLeader();
    const target = [1, 2, 3].find((id) => id !== leaderId) ?? 0;
    assert.equal(harness.raft(leaderId).transferLeadership(nodeId(target)), true);
    harness.settle();
    harness.tick(3);
    assert.equal(harness.leader(), target);
  });

  it('read-index releases a read only after a majority confirms leadership', () => {
    const harness = new Harness(3);
    const leaderId = harness.electLeader();
    harness.tick(2);
    const leader = harness.raft(leaderId);
    assert.equal(harness.raft([1, 2, 3].find((id) => id !== leaderId) ?? 0).readIndex(1), false, 'followers refuse');
    harness.isolate(leaderId);
    assert.equal(leader.readIndex(7), true);
    harness.settle();
    assert.equal(harness.node(leaderId).readStates.length, 0, 'no read without a quorum');
    harness.heal();
    assert.equal(leader.readIndex(8), true);
    harness.settle();
    const released = harness.node(leaderId).readStates.map((state) => state.requestId);
    assert.deepEqual(released, [7, 8]);
    assert.equal(harness.node(leaderId).readStates[1]?.index, leader.commitIndex);
  });
});

describe('RaftNode membership', () => {
  it('adds an observer, promotes it, then removes the leader; the rest elect a new leader', () => {
    const harness = new Harness(3);
    const leaderId = harness.electLeader();
    harness.tick(2);
    const newcomer = nodeId(4);
    harness.add(newcomer, joiningState());
    const leader = harness.raft(leaderId);
    assert.equal(leader.proposeConfigChange({ type: 'add-observer', node: newcomer }).ok, true);
    assert.deepEqual(leader.proposeConfigChange({ type: 'remove', node: nodeId(2) }), { ok: false, reason: 'config-change-pending' });
    harness.settle();
    harness.tick(3);
    assert.deepEqual(harness.raft(4).config, makeConfig(ids(1, 2, 3), ids(4)));
    assert.equal(leader.proposeConfigChange({ type: 'promote-observer', node: newcomer }).ok, true);
    harness.settle();
    harness.tick(3);
    assert.deepEqual(leader.config.voters, ids(1, 2, 3, 4));
    assert.equal(leader.proposeConfigChange({ type: 'remove', node: leaderId }).ok, true);
    harness.settle();
    harness.tick(3);
    assert.notEqual(leader.role, 'leader', 'a removed leader steps down');
    harness.tick(60);
    const next = harness.leader();
    assert.ok(next !== null && next !== leaderId);
    assert.equal(harness.raft(next).config.voters.includes(leaderId), false);
    assert.equal(harness.raft(next).propose(bytes('after-removal')).ok, true);
    harness.settle();
    harness.tick(2);
    assert.deepEqual(normalTexts(harness.node(4).applied), ['after-removal']);
  });
});

describe('RaftNode ready contract', () => {
  it('hands a vote out only together with the hard state that records it', () => {
    const harness = new Harness(3, { preVote: false });
    const raft = harness.raft(2);
    raft.ready();
    raft.advance();
    raft.step({ type: 'vote', from: nodeId(1), to: nodeId(2), term: term(5), lastIndex: logIndex(1), lastTerm: term(1), transfer: false });
    const ready = raft.ready();
    const grant = ready.messages.find((message) => message.type === 'vote-response');
    assert.ok(grant !== undefined && grant.type === 'vote-response' && grant.granted);
    assert.deepEqual(ready.hardState, { term: 5, vote: 1, commit: 1 });
    assert.throws(() => raft.ready(), /advance/);
  });
});
