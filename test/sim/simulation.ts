// A deterministic simulator for the Raft core: 3 or 5 real RaftNodes in one process on a seeded
// clock and network. Everything random (delays, loss, duplication, reordering, partitions, crashes,
// slow disks, membership changes, client operations) comes from one SeededRandom, so a seed replays
// exactly. Every message crosses the real binary codec.
//
// Each tick: deliver due messages, tick every running node, let clients act, process readies
// (persist → send → apply → advance, with per-node disk latency), inject faults, check safety.
// A run has a chaos phase and then a heal phase in which liveness is checked.
//
// Safety checked at every step:
//   - at most one leader per term;
//   - log matching: every entry ever written anywhere is identified by (index, term), and each
//     (index, term) always has the same data and the same predecessor term (which by induction means
//     two logs with the same (index, term) agree on everything before it);
//   - leader completeness: a new leader's log holds every entry known to be committed;
//   - state machine safety: no two nodes apply different entries at the same index, and no node's
//     commit index ever covers an entry different from one committed before (committed is never lost);
//   - the commitment rule: a leader's commit index only ever advances onto an entry of its own term;
//   - durability: when a leader's commit index advances, the entry there is fsynced (on the simulated
//     disk, which a crash keeps) on a quorum of its voters;
//   - after the heal phase, every member has applied every committed entry, in the same order.
// The KV history the clients saw is checked for linearizability at the end.

import { EMPTY_CONFIG, isMember, quorumSize } from '../../src/cluster/raft/config.ts';
import { decodeMessage, encodeMessage } from '../../src/cluster/raft/codec.ts';
import { SeededRandom } from '../../src/cluster/raft/random.ts';
import type { PersistedState, RaftOptions } from '../../src/cluster/raft/raft-node.ts';
import { bootstrapState, joiningState, RaftNode } from '../../src/cluster/raft/raft-node.ts';
import type { ClusterConfig, ConfigChange, Entry, HardState, Message, NodeId, Ready, Snapshot } from '../../src/cluster/raft/types.ts';
import { makeConfig } from '../../src/cluster/raft/config.ts';
import { logIndex, nodeId, term } from '../../src/cluster/raft/types.ts';
import { decodePut, encodePut, KvStateMachine } from './kv.ts';
import type { KvOperation } from './linearizability.ts';
import { checkLinearizable } from './linearizability.ts';

export interface SimulationOptions {
  readonly seed: number;
  readonly nodeCount: 3 | 5;
  readonly chaosTicks: number;
  /** Ticks allowed after healing for a leader to be elected. */
  readonly electionBoundTicks: number;
  /** Ticks allowed after healing for a fresh proposal to commit. */
  readonly commitBoundTicks: number;
  /** Ticks allowed after healing for every member to apply that proposal (lagging members catch up). */
  readonly catchUpBoundTicks: number;
  /** Receives a line per delivered message when replaying a seed to debug it. */
  readonly trace?: (line: string) => void;
}

export interface SimulationResult {
  readonly seed: number;
  readonly ticks: number;
  readonly traceHash: string;
  readonly committed: number;
  readonly operations: number;
  readonly elections: number;
  readonly crashes: number;
  readonly snapshotsInstalled: number;
  readonly configChanges: number;
  readonly keptDownAtHeal: number;
}

export class SafetyViolation extends Error {
  override name = 'SafetyViolation';
}

interface Disk {
  hardState: HardState;
  snapshot: Snapshot | null;
  entries: Entry[];
}

interface SimNode {
  readonly id: NodeId;
  raft: RaftNode | null;
  incarnation: number;
  disk: Disk;
  pending: { ready: Ready; doneAt: number } | null;
  kv: KvStateMachine;
  diskLatencyTicks: number;
  restartAt: number;
  crashAt: number;
  pausedUntil: number;
  /** Commit index up to which this incarnation's committed entries were recorded. */
  recordedCommit: number;
  /** This node's configuration at the previous commit check. */
  configSeen: ClusterConfig;
  /** The term this node led in at the previous commit check, if it led. */
  leaderTermSeen: number | null;
}

interface InFlight {
  readonly deliverAt: number;
  readonly sequence: number;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly bytes: Uint8Array;
}

interface ClientOp {
  readonly id: number;
  readonly client: number;
  readonly kind: 'put' | 'get';
  readonly key: string;
  value: string | null;
  readonly start: number;
  end: number;
  readonly deadline: number;
  node: NodeId;
  incarnation: number;
  readIndex: number | null;
  status: 'pending' | 'done' | 'abandoned';
}

const ELECTION_TICKS = 10;
const HEARTBEAT_TICKS = 2;
const KEYS = ['a', 'b', 'c'];
const CLIENTS = 3;
const OP_TIMEOUT_TICKS = 60;

export function defaultSimulationOptions(seed: number): SimulationOptions {
  return {
    seed,
    nodeCount: seed % 3 === 0 ? 5 : 3,
    chaosTicks: 1500,
    electionBoundTicks: 20 * ELECTION_TICKS,
    commitBoundTicks: 40 * ELECTION_TICKS,
    catchUpBoundTicks: 300 * ELECTION_TICKS,
  };
}

export function runSimulation(options: SimulationOptions): SimulationResult {
  return new Simulation(options).run();
}

class Simulation {
  readonly #options: SimulationOptions;
  readonly #random: SeededRandom;
  readonly #nodes = new Map<NodeId, SimNode>();
  readonly #spareIds: NodeId[] = [];
  #network: InFlight[] = [];
  #sequence = 0;
  #now = 0;
  /** A strictly increasing clock for client history, finer than ticks. */
  #eventClock = 0;
  #trace = 0x811c9dc5;

  // Fault state.
  readonly #blocked = new Set<string>();
  #partitionHealAt = -1;
  #lossRate: number;
  #duplicateRate: number;
  #reorderRate: number;
  readonly #crashRate: number;
  readonly #partitionRate: number;
  readonly #configChangeRate: number;
  readonly #transferRate: number;
  /** Chance that a newly elected leader crashes a few ticks later: short reigns leave entries on few nodes. */
  readonly #leaderCrashRate: number;
  /** Chance that a leader crashes a tick or three after it advances its commit index. */
  readonly #commitCrashRate: number;
  /** Chance per tick that a node is paused (as by SIGSTOP): no ticks, no messages, memory kept. */
  readonly #pauseRate: number;
  /** Chance per tick that one node's disk changes speed (fsync taking 0 to 8 ticks). */
  readonly #slowDiskRate: number;
  readonly #compactEvery: number;
  readonly #appendEntriesMax: number;
  readonly #inflightAppendsMax: number;
  #healing = false;
  readonly #keptDown = new Set<NodeId>();

  // Safety registries.
  readonly #leaderOfTerm = new Map<number, NodeId>();
  readonly #entryIdentity = new Map<string, { data: string; prevTerm: number }>();
  readonly #committedTerm = new Map<number, number>();
  /** The lowest term of any node that saw each index committed: the entry was committed by then. */
  readonly #committedByTerm = new Map<number, number>();
  #committedMax = 0;
  readonly #appliedIdentity = new Map<number, string>();
  readonly #checkedLeaders = new Set<string>();

  // Clients.
  readonly #operations: ClientOp[] = [];
  readonly #clientBusy = new Map<number, ClientOp>();
  readonly #opsById = new Map<number, ClientOp>();
  #nextOpId = 1;

  // Statistics.
  #elections = 0;
  #crashes = 0;
  #snapshotsInstalled = 0;
  #configChanges = 0;

  constructor(options: SimulationOptions) {
    this.#options = options;
    this.#random = new SeededRandom(options.seed);
    const random = this.#random;
    this.#lossRate = random.pick([0, 0.01, 0.05, 0.15]);
    this.#duplicateRate = random.pick([0, 0.02, 0.1]);
    this.#reorderRate = random.pick([0, 0.05, 0.2]);
    this.#crashRate = random.pick([0, 0.002, 0.006, 0.02]);
    this.#partitionRate = random.pick([0, 0.003, 0.01, 0.03]);
    this.#configChangeRate = random.pick([0, 0.004, 0.01]);
    this.#transferRate = random.pick([0, 0.002]);
    this.#leaderCrashRate = random.pick([0, 0, 0.2, 0.5]);
    this.#commitCrashRate = random.pick([0, 0, 0.02, 0.1]);
    this.#pauseRate = random.pick([0, 0.002, 0.006]);
    this.#slowDiskRate = random.pick([0.003, 0.01, 0.03]);
    this.#compactEvery = random.pick([8, 25, 1000]);
    this.#appendEntriesMax = random.pick([1, 3, 16]);
    this.#inflightAppendsMax = random.pick([1, 4]);
    const founders: NodeId[] = [];
    for (let i = 1; i <= options.nodeCount; i++) founders.push(nodeId(i));
    this.#spareIds.push(nodeId(options.nodeCount + 1), nodeId(options.nodeCount + 2));
    const initial = bootstrapState(makeConfig(founders));
    for (const id of founders) this.#createNode(id, initial);
  }

  run(): SimulationResult {
    for (let i = 0; i < this.#options.chaosTicks; i++) this.#step();
    this.#heal();
    this.#checkLiveness();
    this.#checkConvergence();
    this.#checkHistory();
    return {
      seed: this.#options.seed,
      ticks: this.#now,
      traceHash: (this.#trace >>> 0).toString(16).padStart(8, '0'),
      committed: this.#committedMax,
      operations: this.#operations.filter((op) => op.status === 'done').length,
      elections: this.#elections,
      crashes: this.#crashes,
      snapshotsInstalled: this.#snapshotsInstalled,
      configChanges: this.#configChanges,
      keptDownAtHeal: this.#keptDown.size,
    };
  }

  // ---- the loop ----------------------------------------------------------------------------------

  #step(): void {
    this.#now++;
    this.#deliverMessages();
    for (const node of this.#nodes.values()) if (node.pausedUntil <= this.#now) node.raft?.tick();
    if (!this.#healing) this.#clientsAct();
    this.#processReadies();
    this.#completeReads();
    if (!this.#healing) this.#injectFaults();
    this.#restartDue();
    this.#checkSafety();
  }

  #deliverMessages(): void {
    // Messages for a paused node wait in the network until it resumes.
    const deliverable = (message: InFlight): boolean =>
      message.deliverAt <= this.#now && (this.#nodes.get(message.to)?.pausedUntil ?? 0) <= this.#now;
    const due = this.#network.filter(deliverable);
    if (due.length === 0) return;
    this.#network = this.#network.filter((message) => !deliverable(message));
    due.sort((a, b) => a.deliverAt - b.deliverAt || a.sequence - b.sequence);
    for (const inFlight of due) {
      const target = this.#nodes.get(inFlight.to);
      if (target?.raft == null || this.#blocked.has(`${inFlight.from}>${inFlight.to}`)) continue;
      const message = decodeMessage(inFlight.bytes);
      this.#options.trace?.(`${this.#now} deliver ${describeMessage(message)}`);
      this.#mix(inFlight.from * 31 + inFlight.to, message.term, inFlight.bytes.byteLength);
      target.raft.step(message);
    }
  }

  #send(from: NodeId, to: NodeId, bytes: Uint8Array): void {
    if (this.#blocked.has(`${from}>${to}`)) return;
    if (this.#random.chance(this.#lossRate)) return;
    const copies = this.#random.chance(this.#duplicateRate) ? 2 : 1;
    for (let copy = 0; copy < copies; copy++) {
      let delay = this.#random.intBetween(1, 3);
      if (this.#random.chance(this.#reorderRate)) delay += this.#random.intBetween(1, 15);
      this.#network.push({ deliverAt: this.#now + delay, sequence: this.#sequence++, from, to, bytes });
    }
  }

  #processReadies(): void {
    for (let round = 0; round < 2; round++) {
      for (const node of this.#nodes.values()) {
        const raft = node.raft;
        if (raft === null || node.pausedUntil > this.#now) continue;
        if (node.pending !== null && node.pending.doneAt <= this.#now) {
          const { ready } = node.pending;
          node.pending = null;
          this.#completeReady(node, raft, ready);
        }
        if (node.pending === null && raft.hasReady()) {
          const ready = raft.ready();
          this.#checkNewEntries(node, raft, ready);
          if (node.diskLatencyTicks === 0) this.#completeReady(node, raft, ready);
          else node.pending = { ready, doneAt: this.#now + node.diskLatencyTicks };
        }
      }
    }
  }

  #completeReady(node: SimNode, raft: RaftNode, ready: Ready): void {
    persist(node.disk, ready, ready.entries.length);
    for (const message of ready.messages) this.#send(message.from, message.to, encodeMessage(message));
    if (ready.snapshot !== null) {
      node.kv.restore(ready.snapshot.data, ready.snapshot.meta);
      this.#snapshotsInstalled++;
      this.#checkApplied(node, ready.snapshot.meta.index, `${ready.snapshot.meta.term}:${ready.snapshot.meta.index}`, true);
    }
    for (const entry of ready.committedEntries) {
      const put = node.kv.apply(entry);
      this.#checkApplied(node, entry.index, identity(entry), false);
      if (put !== null) this.#putApplied(put.op);
    }
    for (const readState of ready.readStates) {
      const op = this.#opsById.get(readState.requestId);
      if (op !== undefined && op.status === 'pending' && op.node === node.id && op.incarnation === node.incarnation) {
        op.readIndex = readState.index;
      }
    }
    raft.advance();
    // Record what is committed before compaction can make those entries unreadable.
    this.#recordCommitted(node, raft);
    this.#maybeCompact(node, raft);
  }

  #maybeCompact(node: SimNode, raft: RaftNode): void {
    // The state machine's own view (index, term, config as applied) is what a snapshot records.
    const applied = node.kv.appliedIndex;
    const snapshotIndex = node.disk.snapshot?.meta.index ?? 0;
    if (applied - snapshotIndex < this.#compactEvery || node.pending !== null) return;
    if (raft.termAt(applied) !== node.kv.appliedTerm) return;
    const meta = { index: logIndex(applied), term: term(node.kv.appliedTerm), config: node.kv.config };
    const snapshot: Snapshot = { meta, data: node.kv.snapshot() };
    // A snapshot is written to a temporary file, fsynced and renamed: durable at once.
    node.disk.snapshot = snapshot;
    node.disk.entries = node.disk.entries.filter((entry) => entry.index > applied);
    raft.compact(snapshot);
  }

  // ---- clients -----------------------------------------------------------------------------------

  #clientsAct(): void {
    for (let client = 0; client < CLIENTS; client++) {
      const busy = this.#clientBusy.get(client);
      if (busy !== undefined) {
        if (busy.status === 'pending' && this.#now < busy.deadline) continue;
        if (busy.status === 'pending') this.#abandon(busy);
        this.#clientBusy.delete(client);
      }
      if (!this.#random.chance(0.3)) continue;
      const node = this.#pickClientNode();
      if (node?.raft == null) continue;
      const key = this.#random.pick(KEYS);
      const id = this.#nextOpId++;
      const kind = this.#random.chance(0.5) ? 'put' : 'get';
      const op: ClientOp = {
        id,
        client,
        kind,
        key,
        value: kind === 'put' ? `v${id}` : null,
        start: ++this.#eventClock,
        end: Number.POSITIVE_INFINITY,
        deadline: this.#now + OP_TIMEOUT_TICKS,
        node: node.id,
        incarnation: node.incarnation,
        readIndex: null,
        status: 'pending',
      };
      const accepted =
        kind === 'put'
          ? node.raft.propose(encodePut({ client, op: id, key, value: op.value ?? '' })).ok
          : node.raft.readIndex(id);
      if (!accepted) continue;
      this.#operations.push(op);
      this.#opsById.set(id, op);
      this.#clientBusy.set(client, op);
    }
  }

  #pickClientNode(): SimNode | undefined {
    const running = [...this.#nodes.values()].filter((node) => node.raft !== null);
    const leaders = running.filter((node) => node.raft?.role === 'leader');
    if (leaders.length > 0 && this.#random.chance(0.9)) return this.#random.pick(leaders);
    return running.length > 0 ? this.#random.pick(running) : undefined;
  }

  #putApplied(opId: number): void {
    const op = this.#opsById.get(opId);
    if (op === undefined || op.end !== Number.POSITIVE_INFINITY || op.status === 'abandoned') return;
    op.end = ++this.#eventClock;
    op.status = 'done';
  }

  #completeReads(): void {
    for (const op of this.#clientBusy.values()) {
      if (op.kind !== 'get' || op.status !== 'pending' || op.readIndex === null) continue;
      const node = this.#nodes.get(op.node);
      if (node?.raft == null || node.incarnation !== op.incarnation) {
        this.#abandon(op);
        continue;
      }
      if (node.kv.appliedIndex < op.readIndex) continue;
      op.value = node.kv.get(op.key);
      op.end = ++this.#eventClock;
      op.status = 'done';
    }
  }

  /** A put without a response stays in the history as "may have happened"; a get without one is dropped. */
  #abandon(op: ClientOp): void {
    op.status = 'abandoned';
  }

  // ---- faults ------------------------------------------------------------------------------------

  #injectFaults(): void {
    const random = this.#random;
    const running = [...this.#nodes.values()].filter((node) => node.raft !== null);
    if (random.chance(this.#crashRate) && running.length > 0) this.#crash(random.pick(running));
    for (const node of running) if (node.crashAt <= this.#now && node.raft !== null) this.#crash(node);
    if (this.#partitionHealAt >= 0 && this.#now >= this.#partitionHealAt) {
      this.#blocked.clear();
      this.#partitionHealAt = -1;
    }
    if (this.#partitionHealAt < 0 && random.chance(this.#partitionRate)) this.#partition();
    if (random.chance(this.#pauseRate) && running.length > 0) {
      const paused = random.pick(running);
      paused.pausedUntil = this.#now + random.intBetween(5, 80);
      this.#mix(0x5709, paused.id, paused.pausedUntil);
    }
    if (random.chance(this.#slowDiskRate) && running.length > 0) {
      random.pick(running).diskLatencyTicks = random.pick([0, 0, 1, 3, 8]);
    }
    const leaders = running.filter((node) => node.raft?.role === 'leader');
    for (const leader of leaders) {
      const raft = leader.raft;
      if (raft === null) continue;
      if (random.chance(this.#configChangeRate)) this.#proposeConfigChange(raft);
      if (random.chance(this.#transferRate)) {
        const others = raft.config.voters.filter((id) => id !== leader.id);
        if (others.length > 0) raft.transferLeadership(random.pick(others));
      }
    }
  }

  #crash(node: SimNode): void {
    this.#crashes++;
    const pending = node.pending;
    // Writes not yet fsynced are lost, except that a prefix of the appended entries may have reached
    // the disk (the log is written in order). No message of that ready was sent.
    if (pending !== null && this.#random.chance(0.5)) {
      persistPrefix(node.disk, pending.ready, this.#random.intBetween(0, pending.ready.entries.length + 1));
    }
    node.raft = null;
    node.pending = null;
    node.crashAt = Number.POSITIVE_INFINITY;
    node.restartAt = this.#now + this.#random.intBetween(5, 150);
    this.#mix(0xdead, node.id, this.#now);
  }

  #restartDue(): void {
    for (const node of this.#nodes.values()) {
      if (node.raft === null && node.restartAt <= this.#now) this.#start(node);
    }
  }

  #partition(): void {
    const random = this.#random;
    const ids = [...this.#nodes.keys()];
    const kind = random.intBetween(0, 3);
    if (kind === 0) {
      // Symmetric split into two groups.
      const groupA = ids.filter(() => random.chance(0.5));
      for (const a of ids) {
        for (const b of ids) if (groupA.includes(a) !== groupA.includes(b)) this.#blocked.add(`${a}>${b}`);
      }
    } else if (kind === 1) {
      // One node isolated both ways.
      const isolated = random.pick(ids);
      for (const other of ids) {
        if (other === isolated) continue;
        this.#blocked.add(`${isolated}>${other}`);
        this.#blocked.add(`${other}>${isolated}`);
      }
    } else {
      // One-way: a node can send but not receive (or the reverse).
      const node = random.pick(ids);
      const outbound = random.chance(0.5);
      for (const other of ids) {
        if (other !== node) this.#blocked.add(outbound ? `${node}>${other}` : `${other}>${node}`);
      }
    }
    this.#partitionHealAt = this.#now + random.intBetween(10, random.pick([60, 300]));
    this.#mix(0xb10c, kind, this.#now);
  }

  #proposeConfigChange(raft: RaftNode): void {
    const random = this.#random;
    const config = raft.config;
    const founders = this.#options.nodeCount;
    let change: ConfigChange | null = null;
    const outsiders = [...this.#nodes.keys(), ...this.#spareIds].filter((id) => !isMember(config, id));
    if (config.observers.length > 0 && random.chance(0.6)) {
      change = { type: 'promote-observer', node: random.pick(config.observers) };
    } else if (config.voters.length > founders - 1 && random.chance(0.5)) {
      change = { type: 'remove', node: random.pick(config.voters) };
    } else if (config.voters.length < founders + 1 && outsiders.length > 0) {
      const node = random.pick(outsiders);
      change = random.chance(0.7) ? { type: 'add-observer', node } : { type: 'add-voter', node };
    }
    if (change === null) return;
    if (change.type === 'add-observer' || change.type === 'add-voter') this.#ensureNodeExists(change.node);
    if (raft.proposeConfigChange(change).ok) this.#configChanges++;
  }

  #ensureNodeExists(id: NodeId): void {
    if (this.#nodes.has(id)) return;
    const spareIndex = this.#spareIds.indexOf(id);
    if (spareIndex >= 0) this.#spareIds.splice(spareIndex, 1);
    this.#createNode(id, joiningState());
  }

  /**
   * Ends the chaos. Every node comes back, except that in runs without membership changes an odd seed
   * keeps a minority of the voters crashed: liveness must hold with just a healthy majority.
   */
  #heal(): void {
    this.#healing = true;
    this.#lossRate = 0;
    this.#duplicateRate = 0;
    this.#reorderRate = 0;
    this.#blocked.clear();
    this.#partitionHealAt = -1;
    const keepDown = this.#configChangeRate === 0 && this.#options.seed % 2 === 1 ? Math.floor((this.#options.nodeCount - 1) / 2) : 0;
    const down: NodeId[] = [];
    for (let i = 0; i < keepDown; i++) {
      const candidates = [...this.#nodes.keys()].filter((id) => !down.includes(id));
      down.push(this.#random.pick(candidates));
    }
    for (const node of this.#nodes.values()) {
      node.diskLatencyTicks = 0;
      node.pausedUntil = 0;
      if (down.includes(node.id)) {
        if (node.raft !== null) this.#crash(node);
        node.restartAt = Number.POSITIVE_INFINITY;
        this.#keptDown.add(node.id);
      } else if (node.raft === null) {
        this.#start(node);
      }
    }
  }

  // ---- nodes -------------------------------------------------------------------------------------

  #createNode(id: NodeId, state: PersistedState): void {
    const node: SimNode = {
      id,
      raft: null,
      incarnation: 0,
      disk: { hardState: state.hardState, snapshot: state.snapshot, entries: [...state.entries] },
      pending: null,
      kv: new KvStateMachine(),
      diskLatencyTicks: 0,
      restartAt: 0,
      crashAt: Number.POSITIVE_INFINITY,
      pausedUntil: 0,
      recordedCommit: 0,
      configSeen: EMPTY_CONFIG,
      leaderTermSeen: null,
    };
    this.#nodes.set(id, node);
    this.#start(node);
  }

  #start(node: SimNode): void {
    const options: RaftOptions = {
      id: node.id,
      electionTicks: ELECTION_TICKS,
      heartbeatTicks: HEARTBEAT_TICKS,
      seed: this.#random.nextUint32(),
      appendEntriesMax: this.#appendEntriesMax,
      appendBytesMax: 1024,
      inflightAppendsMax: this.#inflightAppendsMax,
      uncommittedEntriesMax: 64,
      snapshotChunkBytes: 64,
    };
    node.incarnation++;
    node.pending = null;
    node.raft = new RaftNode(options, { hardState: node.disk.hardState, snapshot: node.disk.snapshot, entries: node.disk.entries });
    node.kv = new KvStateMachine();
    if (node.disk.snapshot !== null) node.kv.restore(node.disk.snapshot.data, node.disk.snapshot.meta);
    node.recordedCommit = node.disk.snapshot?.meta.index ?? 0;
    node.configSeen = node.raft.config;
    node.leaderTermSeen = null;
  }

  // ---- safety ------------------------------------------------------------------------------------

  #fail(message: string): never {
    throw new SafetyViolation(`seed ${this.#options.seed} tick ${this.#now}: ${message}`);
  }

  #checkNewEntries(node: SimNode, raft: RaftNode, ready: Ready): void {
    let prevTerm = ready.entries.length > 0 ? raft.termAt((ready.entries[0]?.index ?? 1) - 1) : undefined;
    for (const entry of ready.entries) {
      if (prevTerm === undefined) this.#fail(`node ${node.id} persists entry ${entry.index} without a known predecessor`);
      const key = `${entry.index}:${entry.term}`;
      const seen = this.#entryIdentity.get(key);
      const data = identity(entry);
      if (seen === undefined) this.#entryIdentity.set(key, { data, prevTerm });
      else if (seen.data !== data || seen.prevTerm !== prevTerm) {
        this.#fail(`log matching: entry ${key} on node ${node.id} differs from one seen before`);
      }
      prevTerm = entry.term;
    }
  }

  #checkApplied(node: SimNode, index: number, id: string, snapshot: boolean): void {
    if (snapshot) {
      const committed = this.#committedTerm.get(index);
      if (committed !== undefined && `${committed}:${index}` !== id) this.#fail(`node ${node.id} installs snapshot ${id}, committed term ${committed}`);
      return;
    }
    const seen = this.#appliedIdentity.get(index);
    if (seen === undefined) this.#appliedIdentity.set(index, id);
    else if (seen !== id) this.#fail(`state machine safety: node ${node.id} applies ${id} at ${index}, another applied ${seen}`);
  }

  #checkSafety(): void {
    for (const node of this.#nodes.values()) {
      const raft = node.raft;
      if (raft === null) continue;
      this.#recordCommitted(node, raft);
      if (raft.role === 'leader') this.#checkLeader(node, raft);
    }
  }

  #recordCommitted(node: SimNode, raft: RaftNode): void {
    const commit = raft.commitIndex;
    for (let index = Math.max(node.recordedCommit + 1, raft.firstIndex); index <= commit; index++) {
      const entryTerm = raft.termAt(index);
      if (entryTerm === undefined) this.#fail(`node ${node.id} commit ${commit} but no entry at ${index}`);
      const known = this.#committedTerm.get(index);
      const seenBy = this.#committedByTerm.get(index);
      if (seenBy === undefined || raft.term < seenBy) this.#committedByTerm.set(index, raft.term);
      if (known === undefined) this.#committedTerm.set(index, entryTerm);
      else if (known !== entryTerm) this.#fail(`committed entry lost: index ${index} committed in term ${known}, node ${node.id} commits term ${entryTerm}`);
    }
    if (commit > node.recordedCommit) {
      if (raft.role === 'leader') this.#checkDurableOnQuorum(node, raft, commit);
      // The commitment rule (§5.4.2): a leader moves its commit index only onto an entry of its term.
      if (raft.role === 'leader' && node.leaderTermSeen === raft.term && raft.termAt(commit) !== raft.term) {
        this.#fail(`commitment rule: leader ${node.id} of term ${raft.term} advanced its commit index to ${commit}, an entry of term ${raft.termAt(commit)}`);
      }
      node.recordedCommit = commit;
      if (!this.#healing && raft.role === 'leader' && node.crashAt === Number.POSITIVE_INFINITY && this.#random.chance(this.#commitCrashRate)) {
        node.crashAt = this.#now + this.#random.intBetween(1, 4);
      }
    }
    if (commit > this.#committedMax) this.#committedMax = commit;
    node.configSeen = raft.config;
    node.leaderTermSeen = raft.role === 'leader' ? raft.term : null;
  }

  /**
   * A leader commits an entry only once it is fsynced on a quorum of its voters (itself included).
   * The commit may have been counted under the configuration seen at the previous check or under
   * the current one (a config entry applied since); one of them must hold a durable quorum.
   */
  #checkDurableOnQuorum(leader: SimNode, raft: RaftNode, index: number): void {
    const entryTerm = raft.termAt(index);
    const durableIn = (config: ClusterConfig): number => {
      let durable = 0;
      for (const voter of config.voters) {
        const disk = this.#nodes.get(voter)?.disk;
        if (disk === undefined) continue;
        const onDisk = disk.entries.find((entry) => entry.index === index);
        if ((disk.snapshot?.meta.index ?? 0) >= index || (onDisk !== undefined && onDisk.term === entryTerm)) durable++;
      }
      return durable;
    };
    const configs = [raft.config, leader.configSeen];
    if (configs.some((config) => durableIn(config) >= quorumSize(config))) return;
    this.#fail(
      `durability: leader ${leader.id} commits ${index} (term ${entryTerm}) but it is on disk on only ` +
        configs.map((config) => `${durableIn(config)} of [${config.voters.join(',')}]`).join(' / '),
    );
  }

  #checkLeader(node: SimNode, raft: RaftNode): void {
    const leaderTerm = raft.term;
    const existing = this.#leaderOfTerm.get(leaderTerm);
    if (existing !== undefined && existing !== node.id) this.#fail(`two leaders in term ${leaderTerm}: ${existing} and ${node.id}`);
    const key = `${leaderTerm}:${node.id}`;
    if (this.#checkedLeaders.has(key)) return;
    this.#checkedLeaders.add(key);
    this.#leaderOfTerm.set(leaderTerm, node.id);
    this.#elections++;
    this.#mix(0x1ead, node.id, leaderTerm);
    if (!this.#healing && this.#random.chance(this.#leaderCrashRate)) node.crashAt = this.#now + this.#random.intBetween(1, 12);
    // Leader completeness (§5.4): an entry committed in term T is in the log of every leader of a
    // term after T. A leader of an older term may still be elected late (its votes were delayed).
    for (let index = raft.firstIndex; index <= this.#committedMax; index++) {
      const committed = this.#committedTerm.get(index);
      const committedBy = this.#committedByTerm.get(index);
      if (committed === undefined || committedBy === undefined || committedBy >= leaderTerm) continue;
      if (raft.termAt(index) !== committed) {
        this.#fail(`leader completeness: leader ${node.id} of term ${leaderTerm} lacks committed entry ${index} (term ${committed}), has ${raft.termAt(index)}`);
      }
    }
  }

  // ---- liveness and final checks -----------------------------------------------------------------

  #checkLiveness(): void {
    const healedAt = this.#now;
    let leader: SimNode | undefined;
    while (this.#now - healedAt < this.#options.electionBoundTicks) {
      this.#step();
      leader = [...this.#nodes.values()].find((node) => node.raft?.role === 'leader');
      if (leader !== undefined) break;
    }
    if (leader?.raft == null) this.#fail(`liveness: no leader within ${this.#options.electionBoundTicks} ticks of healing\n${this.#describe()}`);
    const marker = encodePut({ client: -1, op: 0, key: 'marker', value: `heal@${this.#now}` });
    let proposed: { index: number; term: number; proposer: SimNode } | null = null;
    let committed = false;
    while (this.#now - healedAt < this.#options.catchUpBoundTicks) {
      const current = [...this.#nodes.values()].find((node) => node.raft?.role === 'leader');
      if (proposed === null && current?.raft != null) {
        const result = current.raft.propose(marker);
        if (result.ok) proposed = { index: result.index, term: result.term, proposer: current };
      }
      this.#step();
      if (proposed !== null && this.#committedTerm.get(proposed.index) === proposed.term) committed = true;
      if (!committed && this.#now - healedAt >= this.#options.commitBoundTicks) {
        this.#fail(`liveness: no proposal committed within ${this.#options.commitBoundTicks} ticks of healing\n${this.#describe()}`);
      }
      // Done when every member applied the marker and anything committed after it (a new leader's noop).
      if (committed && proposed !== null && this.#allMembersApplied(Math.max(proposed.index, this.#committedMax))) return;
      // The proposer lost leadership before committing: its entry may never commit, so propose again.
      const proposerRaft = proposed?.proposer.raft;
      if (!committed && proposed !== null && (proposerRaft == null || proposerRaft.role !== 'leader' || proposerRaft.term !== proposed.term)) {
        proposed = null;
      }
    }
    this.#fail(`liveness: members did not all apply the post-heal proposal within ${this.#options.catchUpBoundTicks} ticks\n${this.#describe()}`);
  }

  #describe(): string {
    const lines: string[] = [];
    for (const node of this.#nodes.values()) {
      const raft = node.raft;
      if (raft === null) {
        lines.push(`  node ${node.id}: down`);
        continue;
      }
      lines.push(
        `  node ${node.id}: ${raft.role} term ${raft.term} leader ${raft.leader} commit ${raft.commitIndex} applied ${raft.appliedIndex} ` +
          `log ${raft.firstIndex}..${raft.lastIndex} voters [${raft.config.voters.join(',')}] observers [${raft.config.observers.join(',')}] kv ${node.kv.appliedIndex}`,
      );
    }
    return lines.join('\n');
  }

  #allMembersApplied(index: number): boolean {
    const leader = [...this.#nodes.values()].find((node) => node.raft?.role === 'leader');
    if (leader?.raft == null) return false;
    const config = leader.raft.config;
    for (const node of this.#nodes.values()) {
      if (!isMember(config, node.id) || this.#keptDown.has(node.id)) continue;
      if (node.raft === null || node.kv.appliedIndex < index) return false;
    }
    return this.#appliedIdentity.get(index) !== undefined;
  }

  /**
   * After the liveness check every member applied the post-heal marker, which sits above every entry
   * ever committed; with the apply registry that means each holds all committed entries, in order.
   */
  #checkConvergence(): void {
    const leader = [...this.#nodes.values()].find((node) => node.raft?.role === 'leader');
    if (leader?.raft == null) this.#fail('convergence: no leader at the end');
    const config = leader.raft.config;
    for (const node of this.#nodes.values()) {
      if (!isMember(config, node.id) || this.#keptDown.has(node.id)) continue;
      if (node.raft === null || node.kv.appliedIndex < this.#committedMax) {
        this.#fail(`convergence: member ${node.id} applied ${node.kv.appliedIndex}, committed ${this.#committedMax}`);
      }
      for (const key of KEYS) {
        if (node.kv.appliedIndex === leader.kv.appliedIndex && node.kv.get(key) !== leader.kv.get(key)) {
          this.#fail(`convergence: member ${node.id} has ${key}=${node.kv.get(key)}, leader has ${leader.kv.get(key)}`);
        }
      }
    }
  }

  #checkHistory(): void {
    const history: KvOperation[] = [];
    for (const op of this.#operations) {
      if (op.kind === 'get' && op.status !== 'done') continue;
      history.push({
        kind: op.kind,
        key: op.key,
        value: op.value,
        start: op.start,
        end: op.status === 'done' ? op.end : Number.POSITIVE_INFINITY,
        label: `client ${op.client} op ${op.id} on node ${op.node}`,
      });
    }
    const result = checkLinearizable(history);
    if (!result.ok) this.#fail(`linearizability of key ${result.key}: ${result.detail}`);
  }

  #mix(...values: number[]): void {
    for (const value of values) {
      this.#trace = Math.imul(this.#trace ^ (value >>> 0), 0x01000193) >>> 0;
    }
  }
}

function describeMessage(message: Message): string {
  return JSON.stringify(message, (key, value: unknown) =>
    key === 'entries' && Array.isArray(value) ? value.map((entry: Entry) => `${entry.index}@${entry.term}`) : key === 'data' ? '…' : value,
  );
}

function identity(entry: Entry): string {
  return `${entry.term}:${entry.index}:${entry.kind}:${Buffer.from(entry.data).toString('base64')}`;
}

/** The storage contract of a ready: snapshot replaces the log; entries replace any suffix from their first index. */
function persist(disk: Disk, ready: Ready, entryCount: number): void {
  if (ready.snapshot !== null) {
    disk.snapshot = ready.snapshot;
    disk.entries = [];
  }
  appendEntries(disk, ready.entries.slice(0, entryCount));
  if (ready.hardState !== null) disk.hardState = ready.hardState;
}

function persistPrefix(disk: Disk, ready: Ready, entryCount: number): void {
  if (ready.snapshot !== null) return;
  appendEntries(disk, ready.entries.slice(0, entryCount));
}

function appendEntries(disk: Disk, entries: readonly Entry[]): void {
  const first = entries[0];
  if (first === undefined) return;
  const snapshotIndex = disk.snapshot?.meta.index ?? 0;
  disk.entries = disk.entries.filter((entry) => entry.index < first.index);
  for (const entry of entries) if (entry.index > snapshotIndex) disk.entries.push(entry);
  const lastDisk = disk.entries.at(-1);
  const firstDisk = disk.entries[0];
  if (firstDisk !== undefined && lastDisk !== undefined && lastDisk.index - firstDisk.index + 1 !== disk.entries.length) {
    throw new Error(`simulated disk log has a gap: ${firstDisk.index}..${lastDisk.index} in ${disk.entries.length} entries`);
  }
}

