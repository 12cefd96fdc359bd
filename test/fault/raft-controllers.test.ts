// Three controller processes on loopback with real files and real TCP. Proposals keep committing
// while the leader is killed with kill -9, and while a controller (the leader, the harder case) is
// stopped with SIGSTOP and later resumed. Afterwards every acknowledged entry is on every live
// controller at the index it was acknowledged at, and all controllers hold the same log.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { ProposalLoad } from './raft/load.ts';
import { ProcessCluster, sleep } from './raft/process-cluster.ts';

describe('Raft controllers under kill -9 and SIGSTOP', () => {
  let cluster: ProcessCluster | null = null;
  let load: ProposalLoad | null = null;

  before(async () => {
    cluster = await ProcessCluster.start(3, { tickMs: 10, electionTicks: 10, heartbeatTicks: 2 });
  });

  after(async () => {
    await load?.stop();
    await cluster?.close();
  });

  it('keeps committing through faults and loses no acknowledged entry', async () => {
    if (cluster === null) throw new Error('cluster did not start');
    const processes = cluster;
    await processes.waitForLeader();
    load = new ProposalLoad(processes, 4, 'fault');
    load.start();
    await sleep(800);

    // 1. kill -9 the leader; the other two must elect a leader and keep committing.
    const killed = await processes.waitForLeader();
    const killedAt = performance.now();
    await processes.kill(killed);
    await sleep(1500);
    const afterKill = load.acknowledgedBetween(killedAt + 1, performance.now());
    assert.ok(afterKill > 0, `no commit in the 1.5 s after killing leader ${killed}`);
    await processes.launch(killed);
    await sleep(800);

    // 2. SIGSTOP the current leader, keep going, then resume it.
    const paused = await processes.waitForLeader();
    const pausedAt = performance.now();
    processes.pause(paused);
    await sleep(2500);
    const whilePaused = load.acknowledgedBetween(pausedAt + 1, performance.now());
    assert.ok(whilePaused > 0, `no commit in the 2.5 s leader ${paused} was stopped`);
    processes.resume(paused);
    await sleep(800);
    await load.stop();

    // 3. Every controller catches up; every acknowledgement is on every controller, in order.
    const acknowledged = [...load.acknowledgements].sort((a, b) => a.index - b.index);
    assert.ok(acknowledged.length > 20, `only ${acknowledged.length} acknowledgements`);
    const highest = acknowledged.at(-1)?.index ?? 0;
    const deadline = Date.now() + 10_000;
    for (const id of processes.ids) {
      while (((await processes.status(id, 1000))?.applied ?? 0) < highest) {
        if (Date.now() > deadline) assert.fail(`controller ${id} did not apply up to ${highest}`);
        await sleep(50);
      }
    }
    const leader = await processes.waitForLeader();
    const readIndex = await processes.read(leader);
    assert.ok(readIndex !== null && readIndex >= highest, `read-index on leader ${leader} gave ${readIndex}, below acknowledged ${highest}`);
    const follower = processes.ids.find((id) => id !== leader) ?? 0;
    assert.equal(await processes.read(follower), null, 'a follower refuses a linearizable read');
    const logs = await Promise.all(processes.ids.map((id) => processes.entries(id)));
    for (const [position, log] of logs.entries()) {
      const id = processes.ids[position];
      const byIndex = new Map(log.map((entry) => [entry.index, entry.data]));
      for (const ack of acknowledged) {
        assert.equal(byIndex.get(ack.index), ack.data, `controller ${id}: acknowledged entry ${ack.index} (${ack.data}) is missing or different`);
      }
      const indexes = log.map((entry) => entry.index);
      assert.deepEqual(indexes, [...indexes].sort((a, b) => a - b), `controller ${id} applied out of order`);
    }
    const shortest = Math.min(...logs.map((log) => log.length));
    for (const log of logs.slice(1)) assert.deepEqual(log.slice(0, shortest), logs[0]?.slice(0, shortest), 'controllers disagree on the log');
  });
});
