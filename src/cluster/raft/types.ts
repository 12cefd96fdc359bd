// Types shared by the Raft core, its adapters and the simulator.
//
// Terms, log indexes and node ids are all small integers; mixing them up is the classic Raft bug, so
// each is branded. Convert with `term()`, `logIndex()` and `nodeId()` at the edges (decoders,
// configuration, tests); arithmetic inside the core goes through the same helpers.

export type Term = number & { readonly __brand: 'Term' };
export type LogIndex = number & { readonly __brand: 'LogIndex' };
export type NodeId = number & { readonly __brand: 'NodeId' };

export function term(value: number): Term {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`invalid term ${value}`);
  return value as Term;
}

export function logIndex(value: number): LogIndex {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`invalid log index ${value}`);
  return value as LogIndex;
}

export function nodeId(value: number): NodeId {
  if (!Number.isSafeInteger(value) || value <= 0 || value > 0xffff_ffff) {
    throw new RangeError(`invalid node id ${value}`);
  }
  return value as NodeId;
}

/**
 * `normal` carries application data; `config` carries a whole cluster configuration (see
 * config.ts); `noop` is the empty entry a new leader appends to commit something in its own term.
 */
export type EntryKind = 'normal' | 'config' | 'noop';

export interface Entry {
  readonly term: Term;
  readonly index: LogIndex;
  readonly kind: EntryKind;
  readonly data: Uint8Array;
}

/** Voters elect and count toward commit; observers only replicate (KIP-853's observers, etcd's learners). */
export interface ClusterConfig {
  readonly voters: readonly NodeId[];
  readonly observers: readonly NodeId[];
}

/** What must be on disk before any message produced alongside it is sent. */
export interface HardState {
  readonly term: Term;
  readonly vote: NodeId | null;
  readonly commit: LogIndex;
}

export interface SnapshotMeta {
  readonly index: LogIndex;
  readonly term: Term;
  readonly config: ClusterConfig;
}

export interface Snapshot {
  readonly meta: SnapshotMeta;
  readonly data: Uint8Array;
}

interface Envelope {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: Term;
}

export interface PreVoteRequest extends Envelope {
  readonly type: 'pre-vote';
  readonly lastIndex: LogIndex;
  readonly lastTerm: Term;
}

export interface VoteRequest extends Envelope {
  readonly type: 'vote';
  readonly lastIndex: LogIndex;
  readonly lastTerm: Term;
  /** Set by a leadership-transfer target: voters grant even while they still hear from a leader. */
  readonly transfer: boolean;
}

export interface VoteResponse extends Envelope {
  readonly type: 'pre-vote-response' | 'vote-response';
  readonly granted: boolean;
}

export interface AppendRequest extends Envelope {
  readonly type: 'append';
  readonly prevIndex: LogIndex;
  readonly prevTerm: Term;
  readonly entries: readonly Entry[];
  readonly commit: LogIndex;
}

export interface AppendResponse extends Envelope {
  readonly type: 'append-response';
  readonly success: boolean;
  /** On success, the follower's log matches the leader's up to here. On rejection, the prevIndex rejected. */
  readonly index: LogIndex;
  /** On rejection, the highest index the follower might still match (a hint to skip back faster). */
  readonly hint: LogIndex;
}

export interface HeartbeatRequest extends Envelope {
  readonly type: 'heartbeat';
  readonly commit: LogIndex;
  /** Read-index round this heartbeat confirms leadership for; 0 when none. */
  readonly readRound: number;
}

export interface HeartbeatResponse extends Envelope {
  readonly type: 'heartbeat-response';
  readonly readRound: number;
}

export interface SnapshotChunk extends Envelope {
  readonly type: 'snapshot-chunk';
  readonly meta: SnapshotMeta;
  readonly totalBytes: number;
  readonly offset: number;
  readonly data: Uint8Array;
}

export interface SnapshotResponse extends Envelope {
  readonly type: 'snapshot-response';
  readonly snapshotIndex: LogIndex;
  /** Bytes of the snapshot the follower holds contiguously; equals totalBytes once installed. */
  readonly nextOffset: number;
}

export interface TimeoutNow extends Envelope {
  readonly type: 'timeout-now';
}

export type Message =
  | PreVoteRequest
  | VoteRequest
  | VoteResponse
  | AppendRequest
  | AppendResponse
  | HeartbeatRequest
  | HeartbeatResponse
  | SnapshotChunk
  | SnapshotResponse
  | TimeoutNow;

export type MessageType = Message['type'];

export interface ReadState {
  readonly requestId: number;
  /** The read is linearizable once the state machine has applied up to this index. */
  readonly index: LogIndex;
}

/**
 * One batch of work for the caller. Contract, in this order:
 *   1. persist `snapshot` (replacing the whole log), then `entries` (dropping any stored entry at or
 *      after entries[0].index first), then `hardState`, and fsync;
 *   2. send `messages`;
 *   3. install `snapshot` into the state machine, then apply `committedEntries` in order;
 *   4. call `advance(ready)`.
 */
export interface Ready {
  readonly hardState: HardState | null;
  readonly entries: readonly Entry[];
  readonly snapshot: Snapshot | null;
  readonly committedEntries: readonly Entry[];
  readonly messages: readonly Message[];
  readonly readStates: readonly ReadState[];
}

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

export type ProposalResult =
  | { readonly ok: true; readonly index: LogIndex; readonly term: Term }
  | {
      readonly ok: false;
      readonly reason:
        | 'not-leader'
        | 'transferring-leadership'
        | 'too-many-uncommitted'
        | 'entry-too-large'
        | 'config-change-pending'
        | 'invalid-config-change';
    };

export type ConfigChange =
  | { readonly type: 'add-voter'; readonly node: NodeId }
  | { readonly type: 'add-observer'; readonly node: NodeId }
  | { readonly type: 'promote-observer'; readonly node: NodeId }
  | { readonly type: 'remove'; readonly node: NodeId };
