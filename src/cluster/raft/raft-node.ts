// The Raft consensus core: one node's state machine, free of I/O.
//
// Inputs: `step(message)`, `tick()` (the caller's clock), `propose()`, `proposeConfigChange()`,
// `readIndex()`, `transferLeadership()`, `compact()`. Output: `ready()` hands over everything the
// caller must persist, send and apply (see the contract on `Ready` in types.ts); `advance()` says it
// was done. No sockets, timers or files here; randomness comes from the seed in the options.
//
// Design, in the style of etcd's raft library:
// - Elections use pre-vote (a node first asks whether it could win, without raising its term) and
//   check-quorum (a leader that has not heard from a majority within an election timeout steps
//   down; a node that has heard from a leader within one ignores vote requests).
// - Replication tracks each follower as probing (one append in flight until it matches), replicating
//   (up to `inflightAppendsMax` appends in flight), or receiving a snapshot (one chunk at a time).
// - A leader commits only entries of its own term by counting replicas (§5.4.2); earlier entries
//   commit with them. The leader's own replica counts only once the caller has persisted it.
// - Linearizable reads use read-index: the leader records its commit index, confirms it is still
//   leader with a round of heartbeats acknowledged by a majority, and only then releases the read.
//   We chose read-index over a leader lease because a lease relies on bounded clock drift between
//   processes, which a SIGSTOPped or starved controller breaks.
// - Membership changes one member at a time. A config entry holds the whole new configuration and
//   takes effect when it is applied (handed out as committed). A leader proposes a change only once
//   every earlier change is applied and its own first entry (a noop) is applied, which closes the
//   known single-server-change hole after a leader change.
//
// Concurrency contract: not thread-safe; one event loop owns a node.

import {
  applyConfigChange,
  decodeConfig,
  encodeConfig,
  EMPTY_CONFIG,
  isMember,
  isVoter,
  members,
  quorumSize,
} from './config.ts';
import { SeededRandom } from './random.ts';
import { RaftLog } from './raft-log.ts';
import type {
  AppendRequest,
  AppendResponse,
  ClusterConfig,
  ConfigChange,
  Entry,
  EntryKind,
  HardState,
  HeartbeatRequest,
  HeartbeatResponse,
  LogIndex,
  Message,
  NodeId,
  ProposalResult,
  Ready,
  ReadState,
  Role,
  Snapshot,
  SnapshotChunk,
  SnapshotResponse,
  Term,
  VoteRequest,
  PreVoteRequest,
  VoteResponse,
} from './types.ts';
import { logIndex, term as toTerm } from './types.ts';

export interface RaftOptions {
  readonly id: NodeId;
  /** Base election timeout; each node draws its own in [electionTicks, 2 × electionTicks). */
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly seed: number;
  readonly preVote?: boolean;
  readonly checkQuorum?: boolean;
  /** Bound on the entry data in one append message (at least one entry is always sent). */
  readonly appendBytesMax?: number;
  readonly appendEntriesMax?: number;
  /** Bound on unacknowledged appends per follower while replicating. */
  readonly inflightAppendsMax?: number;
  /** Bounds on what a leader holds beyond its commit index; proposals beyond them are refused. */
  readonly uncommittedEntriesMax?: number;
  readonly uncommittedBytesMax?: number;
  /** Bound on one proposal's data. */
  readonly entryBytesMax?: number;
  /** Bound on the data in one snapshot chunk message. */
  readonly snapshotChunkBytes?: number;
  /** Bound on a whole snapshot a follower will assemble. */
  readonly snapshotBytesMax?: number;
  /** Bound on committed entries handed out by one ready(). */
  readonly committedEntriesPerReadyMax?: number;
}

export interface PersistedState {
  readonly hardState: HardState;
  readonly snapshot: Snapshot | null;
  readonly entries: readonly Entry[];
}

/** The state every founding member of a new cluster starts from: one committed config entry at index 1. */
export function bootstrapState(config: ClusterConfig): PersistedState {
  const entry: Entry = { term: toTerm(1), index: logIndex(1), kind: 'config', data: encodeConfig(config) };
  return { hardState: { term: toTerm(1), vote: null, commit: logIndex(1) }, snapshot: null, entries: [entry] };
}

/** The state of a node joining an existing cluster: it learns the configuration from the leader. */
export function joiningState(): PersistedState {
  return { hardState: { term: toTerm(0), vote: null, commit: logIndex(0) }, snapshot: null, entries: [] };
}

type ProgressState = 'probe' | 'replicate' | 'snapshot';

interface Progress {
  match: LogIndex;
  next: LogIndex;
  state: ProgressState;
  /** Probe: an append is out and unanswered; wait for a response or a heartbeat response. */
  probeSent: boolean;
  /** Replicate: last index of each unacknowledged append, oldest first. Bounded by inflightAppendsMax. */
  inflight: LogIndex[];
  recentActive: boolean;
  /** Snapshot: the snapshot being sent and how many of its bytes the follower holds. */
  sendingSnapshot: Snapshot | null;
  snapshotOffset: number;
}

interface PendingRead {
  readonly requestId: number;
  readonly index: LogIndex;
  readonly round: number;
  readonly acks: Set<NodeId>;
}

interface IncomingSnapshot {
  readonly meta: Snapshot['meta'];
  readonly totalBytes: number;
  readonly chunks: Uint8Array[];
  received: number;
}

interface OutstandingReady {
  readonly lastIndex: LogIndex;
  readonly lastTerm: Term | undefined;
  readonly snapshotIndex: LogIndex | null;
  /** Lowest index below which this ready's entries were not replaced since it was taken. */
  floor: number;
}

const DEFAULTS = {
  preVote: true,
  checkQuorum: true,
  appendBytesMax: 256 * 1024,
  appendEntriesMax: 512,
  inflightAppendsMax: 8,
  uncommittedEntriesMax: 4096,
  uncommittedBytesMax: 8 * 1024 * 1024,
  entryBytesMax: 1024 * 1024,
  snapshotChunkBytes: 64 * 1024,
  snapshotBytesMax: 256 * 1024 * 1024,
  committedEntriesPerReadyMax: 4096,
} as const;

export class RaftNode {
  readonly id: NodeId;
  readonly #options: Required<RaftOptions>;
  readonly #random: SeededRandom;
  readonly #log: RaftLog;

  #term: Term;
  #vote: NodeId | null;
  #lead: NodeId | null = null;
  #role: Role = 'follower';
  #commit: LogIndex;
  /** Highest index handed out in committedEntries (or installed by snapshot). */
  #applied: LogIndex;
  /** Entries up to here are on disk as they are in #log. */
  #persistedUpTo: LogIndex;
  /** Entries up to here were handed out in a ready for persisting. */
  #handedUpTo: LogIndex;
  #config: ClusterConfig;
  #configIndex: LogIndex;
  #snapshot: Snapshot | null;
  #snapshotToInstall: Snapshot | null = null;
  #incomingSnapshot: IncomingSnapshot | null = null;
  #savedHardState: HardState;
  #outstanding: OutstandingReady | null = null;

  #messages: Message[] = [];
  #readStates: ReadState[] = [];

  #electionElapsed = 0;
  #heartbeatElapsed = 0;
  #randomizedElectionTicks = 0;
  #votes = new Map<NodeId, boolean>();

  // Leader state.
  #progress = new Map<NodeId, Progress>();
  #leadTransferee: NodeId | null = null;
  #pendingConfigIndex: LogIndex = logIndex(0);
  #leaderFirstIndex: LogIndex = logIndex(0);
  #uncommittedBytes = 0;
  #readRound = 0;
  #pendingReads: PendingRead[] = [];

  constructor(options: RaftOptions, state: PersistedState) {
    this.id = options.id;
    this.#options = { ...DEFAULTS, ...options };
    if (this.#options.heartbeatTicks >= this.#options.electionTicks) {
      throw new RangeError('heartbeatTicks must be below electionTicks');
    }
    this.#random = new SeededRandom(options.seed);
    const snapshot = state.snapshot;
    this.#snapshot = snapshot;
    this.#log = new RaftLog(
      snapshot?.meta.index ?? logIndex(0),
      snapshot?.meta.term ?? toTerm(0),
      state.entries,
    );
    this.#term = state.hardState.term;
    this.#vote = state.hardState.vote;
    this.#commit = logIndex(Math.min(Math.max(state.hardState.commit, this.#log.snapshotIndex), this.#log.lastIndex()));
    this.#applied = this.#log.snapshotIndex;
    this.#persistedUpTo = this.#log.lastIndex();
    this.#handedUpTo = this.#log.lastIndex();
    this.#config = snapshot?.meta.config ?? EMPTY_CONFIG;
    this.#configIndex = this.#log.snapshotIndex;
    // Committed config entries take effect now; they are handed out again for the state machine to replay.
    for (let index = this.#log.firstIndex(); index <= this.#commit; index++) {
      const entry = this.#log.entryAt(index);
      if (entry?.kind === 'config') {
        this.#config = decodeConfig(entry.data);
        this.#configIndex = entry.index;
      }
    }
    this.#savedHardState = { term: this.#term, vote: this.#vote, commit: this.#commit };
    this.#resetRandomizedElectionTicks();
  }

  // ---- observation -------------------------------------------------------------------------------

  get role(): Role {
    return this.#role;
  }
  get term(): Term {
    return this.#term;
  }
  get leader(): NodeId | null {
    return this.#lead;
  }
  get commitIndex(): LogIndex {
    return this.#commit;
  }
  get appliedIndex(): LogIndex {
    return this.#applied;
  }
  get config(): ClusterConfig {
    return this.#config;
  }
  get lastIndex(): LogIndex {
    return this.#log.lastIndex();
  }
  get firstIndex(): LogIndex {
    return this.#log.firstIndex();
  }
  get vote(): NodeId | null {
    return this.#vote;
  }
  termAt(index: number): Term | undefined {
    return this.#log.termAt(index);
  }
  entryAt(index: number): Entry | undefined {
    return this.#log.entryAt(index);
  }
  get snapshotMeta(): Snapshot['meta'] | null {
    return this.#snapshot?.meta ?? null;
  }
  get leadTransferee(): NodeId | null {
    return this.#leadTransferee;
  }

  // ---- inputs ------------------------------------------------------------------------------------

  tick(): void {
    if (this.#role === 'leader') this.#tickLeader();
    else this.#tickElection();
  }

  propose(data: Uint8Array): ProposalResult {
    return this.#proposeEntry('normal', data);
  }

  proposeConfigChange(change: ConfigChange): ProposalResult {
    if (this.#role !== 'leader') return { ok: false, reason: 'not-leader' };
    if (this.#pendingConfigIndex > this.#applied) return { ok: false, reason: 'config-change-pending' };
    const next = applyConfigChange(this.#config, change);
    if (next === null) return { ok: false, reason: 'invalid-config-change' };
    const result = this.#proposeEntry('config', encodeConfig(next));
    if (result.ok) this.#pendingConfigIndex = result.index;
    return result;
  }

  /**
   * Asks for a linearizable read point. Returns false when this node cannot serve one now (not the
   * leader, or it has not yet committed an entry of its own term); the caller retries elsewhere or later.
   * Otherwise a ReadState with `requestId` appears in a later ready, or never if leadership is lost.
   */
  readIndex(requestId: number): boolean {
    if (this.#role !== 'leader') return false;
    if (this.#log.termAt(this.#commit) !== this.#term) return false;
    if (this.#config.voters.length === 1 && isVoter(this.#config, this.id)) {
      this.#readStates.push({ requestId, index: this.#commit });
      return true;
    }
    this.#readRound++;
    this.#pendingReads.push({ requestId, index: this.#commit, round: this.#readRound, acks: new Set([this.id]) });
    this.#broadcastHeartbeat();
    return true;
  }

  transferLeadership(target: NodeId): boolean {
    if (this.#role !== 'leader' || target === this.id || !isVoter(this.#config, target)) return false;
    const progress = this.#progress.get(target);
    if (progress === undefined) return false;
    this.#leadTransferee = target;
    this.#electionElapsed = 0;
    if (progress.match === this.#log.lastIndex()) this.#send({ type: 'timeout-now', to: target });
    else this.#sendAppend(target, true);
    return true;
  }

  /**
   * The state machine has captured everything up to `snapshot.meta.index` (which must be applied) and
   * the caller has durably stored the snapshot; the log before it can go.
   */
  compact(snapshot: Snapshot): void {
    const { index } = snapshot.meta;
    if (index > this.#applied) throw new RangeError(`compact to ${index} beyond applied ${this.#applied}`);
    if (index <= this.#log.snapshotIndex) return;
    if (this.#log.termAt(index) !== snapshot.meta.term) throw new RangeError(`snapshot term mismatch at ${index}`);
    this.#log.compactTo(index);
    this.#snapshot = snapshot;
  }

  step(message: Message): void {
    if (message.to !== this.id) return;
    if (message.term > this.#term) {
      if (!this.#acceptHigherTerm(message)) return;
    } else if (message.term < this.#term) {
      this.#answerLowerTerm(message);
      return;
    }
    switch (message.type) {
      case 'pre-vote':
      case 'vote':
        this.#handleVoteRequest(message);
        return;
      case 'pre-vote-response':
        if (this.#role === 'pre-candidate') this.#poll(message);
        return;
      case 'vote-response':
        if (this.#role === 'candidate' && message.term === this.#term) this.#poll(message);
        return;
      case 'append':
      case 'heartbeat':
      case 'snapshot-chunk':
        this.#followLeader(message.from);
        if (message.type === 'append') this.#handleAppend(message);
        else if (message.type === 'heartbeat') this.#handleHeartbeat(message);
        else this.#handleSnapshotChunk(message);
        return;
      case 'timeout-now':
        if (this.#role === 'follower' && this.#lead === message.from) this.#campaign(true);
        return;
      case 'append-response':
        if (this.#role === 'leader') this.#handleAppendResponse(message);
        return;
      case 'heartbeat-response':
        if (this.#role === 'leader') this.#handleHeartbeatResponse(message);
        return;
      case 'snapshot-response':
        if (this.#role === 'leader') this.#handleSnapshotResponse(message);
        return;
    }
  }

  // ---- output ------------------------------------------------------------------------------------

  hasReady(): boolean {
    if (this.#outstanding !== null) return false;
    return (
      this.#messages.length > 0 ||
      this.#readStates.length > 0 ||
      this.#snapshotToInstall !== null ||
      this.#handedUpTo < this.#log.lastIndex() ||
      Math.min(this.#commit, this.#persistedUpTo) > this.#applied ||
      this.#hardStateChanged()
    );
  }

  ready(): Ready {
    if (this.#outstanding !== null) throw new Error('ready() called before advance() of the previous ready');
    const snapshot = this.#snapshotToInstall;
    this.#snapshotToInstall = null;
    const committedEntries = this.#handOutCommitted();
    const lastIndex = this.#log.lastIndex();
    const entries = this.#handedUpTo < lastIndex ? this.#log.slice(this.#handedUpTo + 1, lastIndex) : [];
    this.#handedUpTo = lastIndex;
    let hardState: HardState | null = null;
    if (this.#hardStateChanged()) {
      hardState = { term: this.#term, vote: this.#vote, commit: this.#commit };
      this.#savedHardState = hardState;
    }
    const messages = this.#messages;
    const readStates = this.#readStates;
    this.#messages = [];
    this.#readStates = [];
    this.#outstanding = {
      lastIndex,
      lastTerm: this.#log.termAt(lastIndex),
      snapshotIndex: snapshot?.meta.index ?? null,
      floor: Number.POSITIVE_INFINITY,
    };
    return { hardState, entries, snapshot, committedEntries, messages, readStates };
  }

  advance(): void {
    const outstanding = this.#outstanding;
    if (outstanding === null) throw new Error('advance() without an outstanding ready');
    this.#outstanding = null;
    if (outstanding.snapshotIndex !== null && outstanding.floor >= outstanding.snapshotIndex) {
      this.#persistedUpTo = logIndex(Math.max(this.#persistedUpTo, outstanding.snapshotIndex));
    }
    const unchanged = this.#log.termAt(outstanding.lastIndex) === outstanding.lastTerm;
    const durable = unchanged ? outstanding.lastIndex : Math.min(outstanding.lastIndex, outstanding.floor);
    this.#persistedUpTo = logIndex(Math.min(Math.max(this.#persistedUpTo, durable), this.#log.lastIndex()));
    if (this.#role === 'leader' && this.#maybeCommit()) this.#broadcastAppend(true);
  }

  // ---- elections ---------------------------------------------------------------------------------

  #tickElection(): void {
    this.#electionElapsed++;
    // A non-voter keeps counting, so that its leader lease runs out and it grants votes again.
    if (isVoter(this.#config, this.id) && this.#electionElapsed >= this.#randomizedElectionTicks) {
      this.#electionElapsed = 0;
      this.#campaign(false);
    }
  }

  #tickLeader(): void {
    this.#electionElapsed++;
    if (this.#electionElapsed >= this.#options.electionTicks) {
      this.#electionElapsed = 0;
      if (this.#options.checkQuorum && !this.#quorumActive()) {
        this.#becomeFollower(this.#term, null);
        return;
      }
      for (const [id, progress] of this.#progress) if (id !== this.id) progress.recentActive = false;
      this.#leadTransferee = null;
    }
    this.#heartbeatElapsed++;
    if (this.#heartbeatElapsed >= this.#options.heartbeatTicks) {
      this.#heartbeatElapsed = 0;
      this.#broadcastHeartbeat();
    }
  }

  #quorumActive(): boolean {
    let active = 0;
    for (const voter of this.#config.voters) {
      if (voter === this.id || this.#progress.get(voter)?.recentActive === true) active++;
    }
    return active >= quorumSize(this.#config);
  }

  #campaign(transfer: boolean): void {
    if (this.#role === 'leader' || !isVoter(this.#config, this.id)) return;
    // A committed but not yet applied config entry could change who votes; wait until it is applied.
    for (let index = this.#applied + 1; index <= this.#commit; index++) {
      if (this.#log.entryAt(index)?.kind === 'config') return;
    }
    const preVote = this.#options.preVote && !transfer;
    if (preVote) {
      this.#role = 'pre-candidate';
      this.#lead = null;
      this.#votes = new Map();
      this.#resetRandomizedElectionTicks();
    } else {
      this.#becomeCandidate();
    }
    const voteTerm = toTerm(this.#term + (preVote ? 1 : 0));
    this.#votes.set(this.id, true);
    if (this.#tally().granted >= quorumSize(this.#config)) {
      if (preVote) this.#campaignAfterPreVote();
      else this.#becomeLeader();
      return;
    }
    for (const voter of this.#config.voters) {
      if (voter === this.id) continue;
      const common = { to: voter, lastIndex: this.#log.lastIndex(), lastTerm: this.#log.lastTerm() };
      if (preVote) this.#sendWithTerm({ type: 'pre-vote', ...common }, voteTerm);
      else this.#send({ type: 'vote', ...common, transfer });
    }
  }

  #tally(): { granted: number; rejected: number } {
    let granted = 0;
    let rejected = 0;
    for (const [voter, vote] of this.#votes) {
      if (!isVoter(this.#config, voter)) continue;
      if (vote) granted++;
      else rejected++;
    }
    return { granted, rejected };
  }

  #poll(message: VoteResponse): void {
    this.#votes.set(message.from, message.granted);
    const { granted, rejected } = this.#tally();
    const quorum = quorumSize(this.#config);
    if (granted >= quorum) {
      // A pre-vote win becomes a real campaign; the transfer flag is not set, so leases are honoured.
      if (this.#role === 'pre-candidate') this.#campaignAfterPreVote();
      else this.#becomeLeader();
    } else if (rejected > this.#config.voters.length - quorum) {
      this.#becomeFollower(this.#term, null);
    }
  }

  #campaignAfterPreVote(): void {
    this.#becomeCandidate();
    this.#votes.set(this.id, true);
    if (this.#tally().granted >= quorumSize(this.#config)) {
      this.#becomeLeader();
      return;
    }
    for (const voter of this.#config.voters) {
      if (voter === this.id) continue;
      this.#send({ type: 'vote', to: voter, lastIndex: this.#log.lastIndex(), lastTerm: this.#log.lastTerm(), transfer: false });
    }
  }

  #handleVoteRequest(message: PreVoteRequest | VoteRequest): void {
    const isPreVote = message.type === 'pre-vote';
    const canVote =
      this.#vote === message.from ||
      (this.#vote === null && this.#lead === null) ||
      (isPreVote && message.term > this.#term);
    const responseType = isPreVote ? 'pre-vote-response' : 'vote-response';
    if (canVote && this.#log.isUpToDate(message.lastIndex, message.lastTerm)) {
      // A granted pre-vote answers in the asker's future term so the asker can count it.
      this.#sendWithTerm({ type: responseType, to: message.from, granted: true }, message.term);
      if (!isPreVote) {
        this.#vote = message.from;
        this.#electionElapsed = 0;
      }
    } else {
      this.#send({ type: responseType, to: message.from, granted: false });
    }
  }

  /** Returns false when the message must be dropped instead of moving to its term. */
  #acceptHigherTerm(message: Message): boolean {
    if (message.type === 'pre-vote' || message.type === 'vote') {
      const transfer = message.type === 'vote' && message.transfer;
      const inLease =
        this.#options.checkQuorum && this.#lead !== null && this.#electionElapsed < this.#options.electionTicks;
      if (inLease && !transfer) return false;
    }
    if (message.type === 'pre-vote') return true;
    if (message.type === 'pre-vote-response' && message.granted) return true;
    const fromLeader = message.type === 'append' || message.type === 'heartbeat' || message.type === 'snapshot-chunk';
    this.#becomeFollower(message.term, fromLeader ? message.from : null);
    return true;
  }

  #answerLowerTerm(message: Message): void {
    if (message.type === 'append' || message.type === 'heartbeat' || message.type === 'snapshot-chunk') {
      // A stale leader learns our term from this and steps down (it may be cut off from the others).
      this.#send({ type: 'append-response', to: message.from, success: false, index: logIndex(0), hint: logIndex(0) });
    } else if (message.type === 'pre-vote') {
      this.#send({ type: 'pre-vote-response', to: message.from, granted: false });
    }
  }

  #followLeader(leader: NodeId): void {
    if (this.#role !== 'follower') this.#becomeFollower(this.#term, leader);
    this.#lead = leader;
    this.#electionElapsed = 0;
  }

  #becomeFollower(newTerm: Term, lead: NodeId | null): void {
    if (newTerm !== this.#term) {
      this.#term = newTerm;
      this.#vote = null;
    }
    this.#role = 'follower';
    this.#lead = lead;
    this.#resetRoleState();
  }

  #becomeCandidate(): void {
    this.#term = toTerm(this.#term + 1);
    this.#vote = this.id;
    this.#role = 'candidate';
    this.#lead = null;
    this.#resetRoleState();
  }

  #becomeLeader(): void {
    this.#role = 'leader';
    this.#lead = this.id;
    this.#resetRoleState();
    const next = logIndex(this.#log.lastIndex() + 1);
    for (const member of members(this.#config)) {
      if (member !== this.id) this.#progress.set(member, this.#newProgress(next));
    }
    this.#leaderFirstIndex = next;
    this.#appendAsLeader('noop', new Uint8Array(0));
    // No config change until this leader's noop is applied (see the header).
    this.#pendingConfigIndex = this.#log.lastIndex();
    this.#broadcastAppend(true);
  }

  #resetRoleState(): void {
    this.#electionElapsed = 0;
    this.#heartbeatElapsed = 0;
    this.#resetRandomizedElectionTicks();
    this.#votes = new Map();
    this.#progress = new Map();
    this.#leadTransferee = null;
    this.#pendingReads = [];
    this.#uncommittedBytes = 0;
  }

  #resetRandomizedElectionTicks(): void {
    const base = this.#options.electionTicks;
    this.#randomizedElectionTicks = this.#random.intBetween(base, 2 * base);
  }

  // ---- replication: leader side ------------------------------------------------------------------

  #newProgress(next: LogIndex): Progress {
    return {
      match: logIndex(0),
      next,
      state: 'probe',
      probeSent: false,
      inflight: [],
      recentActive: true,
      sendingSnapshot: null,
      snapshotOffset: 0,
    };
  }

  #proposeEntry(kind: EntryKind, data: Uint8Array): ProposalResult {
    if (this.#role !== 'leader') return { ok: false, reason: 'not-leader' };
    if (this.#leadTransferee !== null) return { ok: false, reason: 'transferring-leadership' };
    if (data.byteLength > this.#options.entryBytesMax) return { ok: false, reason: 'entry-too-large' };
    const uncommittedEntries = this.#log.lastIndex() - this.#commit;
    const overBytes = this.#uncommittedBytes > 0 && this.#uncommittedBytes + data.byteLength > this.#options.uncommittedBytesMax;
    if (uncommittedEntries >= this.#options.uncommittedEntriesMax || overBytes) {
      return { ok: false, reason: 'too-many-uncommitted' };
    }
    const entry = this.#appendAsLeader(kind, data);
    this.#broadcastAppend(false);
    return { ok: true, index: entry.index, term: entry.term };
  }

  #appendAsLeader(kind: EntryKind, data: Uint8Array): Entry {
    const entry: Entry = { term: this.#term, index: logIndex(this.#log.lastIndex() + 1), kind, data };
    this.#log.append(entry);
    this.#uncommittedBytes += data.byteLength;
    return entry;
  }

  #broadcastAppend(sendIfEmpty: boolean): void {
    for (const id of this.#progress.keys()) this.#sendAppend(id, sendIfEmpty);
  }

  #broadcastHeartbeat(): void {
    const round = this.#pendingReads.length > 0 ? this.#readRound : 0;
    for (const [id, progress] of this.#progress) {
      const commit = logIndex(Math.min(progress.match, this.#commit));
      this.#send({ type: 'heartbeat', to: id, commit, readRound: round });
    }
  }

  #sendAppend(to: NodeId, sendIfEmpty: boolean): void {
    const progress = this.#progress.get(to);
    if (progress === undefined || progress.state === 'snapshot') return;
    if (progress.state === 'probe' && progress.probeSent) return;
    if (progress.state === 'replicate' && progress.inflight.length >= this.#options.inflightAppendsMax) return;
    const prevIndex = logIndex(progress.next - 1);
    const prevTerm = this.#log.termAt(prevIndex);
    if (prevTerm === undefined || prevIndex < this.#log.snapshotIndex) {
      this.#startSnapshot(to, progress);
      return;
    }
    const entries = this.#log.sliceBounded(progress.next, this.#options.appendBytesMax, this.#options.appendEntriesMax);
    if (entries.length === 0 && !sendIfEmpty) return;
    this.#send({ type: 'append', to, prevIndex, prevTerm, entries, commit: this.#commit });
    const last = entries.at(-1);
    if (progress.state === 'replicate' && last !== undefined) {
      progress.next = logIndex(last.index + 1);
      progress.inflight.push(last.index);
    } else if (progress.state === 'probe') {
      progress.probeSent = true;
    }
  }

  #startSnapshot(to: NodeId, progress: Progress): void {
    const snapshot = this.#snapshot;
    if (snapshot === null) throw new Error(`follower ${to} needs entries before ${this.#log.firstIndex()} but there is no snapshot`);
    progress.state = 'snapshot';
    progress.sendingSnapshot = snapshot;
    progress.snapshotOffset = 0;
    progress.inflight = [];
    this.#sendSnapshotChunk(to, progress);
  }

  #sendSnapshotChunk(to: NodeId, progress: Progress): void {
    const snapshot = progress.sendingSnapshot;
    if (snapshot === null) return;
    const offset = progress.snapshotOffset;
    const data = snapshot.data.subarray(offset, offset + this.#options.snapshotChunkBytes);
    this.#send({ type: 'snapshot-chunk', to, meta: snapshot.meta, totalBytes: snapshot.data.byteLength, offset, data });
  }

  #handleAppendResponse(message: AppendResponse): void {
    const progress = this.#progress.get(message.from);
    if (progress === undefined) return;
    progress.recentActive = true;
    if (message.success) {
      const advanced = message.index > progress.match;
      if (advanced) progress.match = message.index;
      if (progress.next <= message.index) progress.next = logIndex(message.index + 1);
      progress.inflight = progress.inflight.filter((last) => last > message.index);
      if (progress.state === 'probe' || (progress.state === 'snapshot' && progress.match >= (progress.sendingSnapshot?.meta.index ?? 0))) {
        this.#becomeReplicating(progress);
      }
      if (advanced && this.#maybeCommit()) this.#broadcastAppend(true);
      else this.#sendAppend(message.from, false);
      if (message.from === this.#leadTransferee && progress.match === this.#log.lastIndex()) {
        this.#send({ type: 'timeout-now', to: message.from });
      }
      return;
    }
    if (message.index === 0 && message.hint === 0 && message.term === this.#term) {
      // The answer a follower gives a stale leader; it cannot be meant for us at our own term.
      return;
    }
    if (progress.state === 'replicate') {
      if (message.index <= progress.match) return;
    } else if (progress.state === 'probe') {
      if (message.index !== progress.next - 1) return;
    } else {
      return;
    }
    progress.state = 'probe';
    progress.inflight = [];
    progress.probeSent = false;
    progress.next = logIndex(Math.max(progress.match + 1, Math.min(message.index, message.hint + 1)));
    this.#sendAppend(message.from, true);
  }

  #becomeReplicating(progress: Progress): void {
    progress.state = 'replicate';
    progress.inflight = [];
    progress.probeSent = false;
    progress.sendingSnapshot = null;
    progress.next = logIndex(Math.max(progress.next, progress.match + 1));
  }

  #handleHeartbeatResponse(message: HeartbeatResponse): void {
    const progress = this.#progress.get(message.from);
    if (progress === undefined) return;
    progress.recentActive = true;
    progress.probeSent = false;
    if (progress.state === 'replicate' && progress.inflight.length >= this.#options.inflightAppendsMax) {
      progress.inflight.shift();
    }
    if (progress.state === 'snapshot') this.#sendSnapshotChunk(message.from, progress);
    // Sent even when empty: if optimistic appends were lost, the follower's rejection restarts probing.
    else if (progress.match < this.#log.lastIndex()) this.#sendAppend(message.from, true);
    if (message.readRound > 0 && isVoter(this.#config, message.from)) this.#acknowledgeReads(message.from, message.readRound);
  }

  #acknowledgeReads(from: NodeId, round: number): void {
    for (const read of this.#pendingReads) if (read.round <= round) read.acks.add(from);
    const quorum = quorumSize(this.#config);
    while (this.#pendingReads.length > 0) {
      const first = this.#pendingReads[0];
      if (first === undefined) break;
      const voterAcks = [...first.acks].filter((id) => isVoter(this.#config, id)).length;
      if (voterAcks < quorum) break;
      this.#pendingReads.shift();
      this.#readStates.push({ requestId: first.requestId, index: first.index });
    }
  }

  #handleSnapshotResponse(message: SnapshotResponse): void {
    const progress = this.#progress.get(message.from);
    if (progress === undefined) return;
    progress.recentActive = true;
    const snapshot = progress.sendingSnapshot;
    if (progress.state !== 'snapshot' || snapshot === null || snapshot.meta.index !== message.snapshotIndex) return;
    if (message.nextOffset >= snapshot.data.byteLength) {
      progress.match = logIndex(Math.max(progress.match, snapshot.meta.index));
      progress.next = logIndex(progress.match + 1);
      progress.state = 'probe';
      progress.sendingSnapshot = null;
      progress.probeSent = false;
      this.#sendAppend(message.from, true);
      return;
    }
    progress.snapshotOffset = message.nextOffset;
    this.#sendSnapshotChunk(message.from, progress);
  }

  /** The current-term commit rule (§5.4.2): count replicas only for an entry of this term. */
  #maybeCommit(): boolean {
    const matches = this.#config.voters
      .map((voter) => (voter === this.id ? this.#persistedUpTo : (this.#progress.get(voter)?.match ?? 0)))
      .sort((a, b) => b - a);
    const quorumMatch = matches[quorumSize(this.#config) - 1];
    if (quorumMatch === undefined || quorumMatch <= this.#commit) return false;
    if (this.#log.termAt(quorumMatch) !== this.#term) return false;
    this.#releaseUncommittedBytes(this.#commit, quorumMatch);
    this.#commit = logIndex(quorumMatch);
    return true;
  }

  #releaseUncommittedBytes(from: LogIndex, to: number): void {
    for (let index = Math.max(from + 1, this.#leaderFirstIndex); index <= to; index++) {
      this.#uncommittedBytes -= this.#log.entryAt(index)?.data.byteLength ?? 0;
    }
    if (this.#uncommittedBytes < 0) this.#uncommittedBytes = 0;
  }

  // ---- replication: follower side ----------------------------------------------------------------

  #handleAppend(message: AppendRequest): void {
    if (message.prevIndex < this.#commit) {
      this.#send({ type: 'append-response', to: message.from, success: true, index: this.#commit, hint: logIndex(0) });
      return;
    }
    if (!this.#log.matchesTerm(message.prevIndex, message.prevTerm)) {
      const hint = this.#rejectHint(message.prevIndex, message.prevTerm);
      this.#send({ type: 'append-response', to: message.from, success: false, index: message.prevIndex, hint });
      return;
    }
    for (const [position, entry] of message.entries.entries()) {
      const existing = this.#log.termAt(entry.index);
      if (existing === entry.term) continue;
      if (existing !== undefined) {
        if (entry.index <= this.#commit) throw new Error(`conflict at committed index ${entry.index}`);
        this.#truncateFrom(entry.index);
      }
      for (const rest of message.entries.slice(position)) this.#log.append(rest);
      break;
    }
    const lastNew = logIndex(message.prevIndex + message.entries.length);
    this.#commitTo(Math.min(message.commit, lastNew));
    this.#send({ type: 'append-response', to: message.from, success: true, index: lastNew, hint: logIndex(0) });
  }

  /** The highest index at or below prevIndex - 1 whose term could still match the leader's. */
  #rejectHint(prevIndex: LogIndex, prevTerm: Term): LogIndex {
    let index = Math.min(prevIndex - 1, this.#log.lastIndex());
    while (index > this.#commit && (this.#log.termAt(index) ?? 0) > prevTerm) index--;
    return logIndex(Math.max(index, 0));
  }

  #truncateFrom(index: LogIndex): void {
    this.#log.truncateFrom(index);
    const kept = logIndex(index - 1);
    if (this.#handedUpTo > kept) this.#handedUpTo = kept;
    if (this.#persistedUpTo > kept) this.#persistedUpTo = kept;
    if (this.#outstanding !== null) this.#outstanding.floor = Math.min(this.#outstanding.floor, kept);
  }

  #commitTo(index: number): void {
    if (index <= this.#commit) return;
    this.#commit = logIndex(Math.min(index, this.#log.lastIndex()));
  }

  #handleHeartbeat(message: HeartbeatRequest): void {
    this.#commitTo(message.commit);
    this.#send({ type: 'heartbeat-response', to: message.from, readRound: message.readRound });
  }

  #handleSnapshotChunk(message: SnapshotChunk): void {
    const reply = (nextOffset: number): void => {
      this.#send({ type: 'snapshot-response', to: message.from, snapshotIndex: message.meta.index, nextOffset });
    };
    if (message.meta.index <= this.#commit) {
      reply(message.totalBytes);
      return;
    }
    if (message.totalBytes > this.#options.snapshotBytesMax) return;
    let incoming = this.#incomingSnapshot;
    if (incoming === null || incoming.meta.index !== message.meta.index || incoming.meta.term !== message.meta.term) {
      if (message.offset !== 0) {
        reply(0);
        return;
      }
      incoming = { meta: message.meta, totalBytes: message.totalBytes, chunks: [], received: 0 };
      this.#incomingSnapshot = incoming;
    }
    if (message.offset !== incoming.received) {
      reply(incoming.received);
      return;
    }
    incoming.chunks.push(message.data);
    incoming.received += message.data.byteLength;
    if (incoming.received < incoming.totalBytes) {
      reply(incoming.received);
      return;
    }
    this.#incomingSnapshot = null;
    const data = new Uint8Array(incoming.totalBytes);
    let offset = 0;
    for (const chunk of incoming.chunks) {
      data.set(chunk, offset);
      offset += chunk.byteLength;
    }
    this.#restore({ meta: incoming.meta, data });
    reply(incoming.totalBytes);
  }

  #restore(snapshot: Snapshot): void {
    const { meta } = snapshot;
    if (meta.index <= this.#commit) return;
    if (this.#log.matchesTerm(meta.index, meta.term)) {
      // Our log already holds the snapshot's last entry, so it holds everything before it too.
      this.#commitTo(meta.index);
      return;
    }
    this.#log.reset(meta.index, meta.term);
    this.#commit = meta.index;
    this.#applied = meta.index;
    this.#handedUpTo = meta.index;
    this.#persistedUpTo = logIndex(0);
    if (this.#outstanding !== null) this.#outstanding.floor = 0;
    this.#config = meta.config;
    this.#configIndex = meta.index;
    this.#snapshot = snapshot;
    this.#snapshotToInstall = snapshot;
  }

  // ---- handing out -------------------------------------------------------------------------------

  #handOutCommitted(): Entry[] {
    const upTo = Math.min(this.#commit, this.#persistedUpTo, this.#applied + this.#options.committedEntriesPerReadyMax);
    if (upTo <= this.#applied) return [];
    const entries = this.#log.slice(this.#applied + 1, upTo);
    this.#applied = logIndex(upTo);
    for (const entry of entries) {
      if (entry.kind === 'config' && entry.index > this.#configIndex) this.#applyConfig(decodeConfig(entry.data), entry.index);
    }
    return entries;
  }

  #applyConfig(config: ClusterConfig, index: LogIndex): void {
    this.#config = config;
    this.#configIndex = index;
    if (this.#role !== 'leader') return;
    const next = logIndex(this.#log.lastIndex() + 1);
    for (const member of members(config)) {
      if (member !== this.id && !this.#progress.has(member)) this.#progress.set(member, this.#newProgress(next));
    }
    for (const id of [...this.#progress.keys()]) if (!isMember(config, id)) this.#progress.delete(id);
    if (this.#leadTransferee !== null && !isVoter(config, this.#leadTransferee)) this.#leadTransferee = null;
    if (!isVoter(config, this.id)) {
      // Removed (or demoted): tell the others the latest commit index, then stand aside for good.
      this.#broadcastAppend(true);
      this.#becomeFollower(this.#term, null);
      return;
    }
    if (this.#maybeCommit()) this.#broadcastAppend(true);
  }

  // ---- plumbing ----------------------------------------------------------------------------------

  #hardStateChanged(): boolean {
    const saved = this.#savedHardState;
    return saved.term !== this.#term || saved.vote !== this.#vote || saved.commit !== this.#commit;
  }

  #send(message: DistributiveOmit<Message, 'from' | 'term'>): void {
    this.#sendWithTerm(message, this.#term);
  }

  #sendWithTerm(message: DistributiveOmit<Message, 'from' | 'term'>, messageTerm: Term): void {
    this.#messages.push({ ...message, from: this.id, term: messageTerm } as Message);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
