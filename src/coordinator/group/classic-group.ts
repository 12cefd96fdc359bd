/**
 * The data of one group: Kafka's classic group state (members, generation, selected protocol,
 * leader) and the group's committed offsets. Behaviour lives in the coordinator; this file holds
 * the state and the small rules that only read it (protocol support and selection, Kafka's
 * state names).
 */
import type { CancelTimer } from './timers.ts';
import type { CommittedOffset } from './group-records.ts';
import type { ConsumerGroupState } from './consumer-group.ts';

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export const GROUP_STATES: readonly GroupState[] = ['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead'];

export interface Protocol {
  readonly name: string;
  readonly metadata: Buffer;
}

export interface JoinResult {
  readonly errorCode: number;
  readonly generationId: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly leaderId: string;
  readonly skipAssignment: boolean;
  readonly memberId: string;
  /** Only the leader gets the members and their metadata for the selected protocol. */
  readonly members: ReadonlyArray<{ memberId: string; groupInstanceId: string | null; metadata: Buffer }>;
}

export interface SyncResult {
  readonly errorCode: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly assignment: Buffer;
}

/**
 * A committed (or pending transactional) offset and the log offset of the record that carries it
 * in `__consumer_offsets`. When a transaction commits, its offset replaces the committed one only
 * if its record is later in the log, as Kafka decides.
 */
export interface OffsetEntry {
  readonly topic: string;
  readonly partition: number;
  readonly value: CommittedOffset;
  readonly recordOffset: bigint;
}

export class ClassicMember {
  memberId: string;
  readonly groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  protocolType: string;
  protocols: readonly Protocol[];
  assignment: Buffer = Buffer.alloc(0);
  awaitingJoin: ((result: JoinResult) => void) | null = null;
  awaitingSync: ((result: SyncResult) => void) | null = null;
  /** Joined but not yet through a completed join (Kafka's isNew). */
  isNew = true;
  sessionTimer: CancelTimer | null = null;

  constructor(init: {
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    rebalanceTimeoutMs: number;
    sessionTimeoutMs: number;
    protocolType: string;
    protocols: readonly Protocol[];
  }) {
    this.memberId = init.memberId;
    this.groupInstanceId = init.groupInstanceId;
    this.clientId = init.clientId;
    this.clientHost = init.clientHost;
    this.rebalanceTimeoutMs = init.rebalanceTimeoutMs;
    this.sessionTimeoutMs = init.sessionTimeoutMs;
    this.protocolType = init.protocolType;
    this.protocols = init.protocols;
  }

  metadataFor(protocolName: string | null): Buffer {
    return this.protocols.find((protocol) => protocol.name === protocolName)?.metadata ?? Buffer.alloc(0);
  }

  /** Same protocols with the same metadata, in the same order. */
  matches(protocols: readonly Protocol[]): boolean {
    return protocols.length === this.protocols.length && protocols.every((protocol, index) => protocol.name === this.protocols[index]!.name && protocol.metadata.equals(this.protocols[index]!.metadata));
  }
}

export function offsetKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

export class ClassicGroup {
  readonly groupId: string;
  state: GroupState = 'Empty';
  stateTimestampMs: number;
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, ClassicMember>();
  /** Member ids handed out with MEMBER_ID_REQUIRED, awaiting their second join. */
  readonly pendingMembers = new Map<string, CancelTimer>();
  /** group.instance.id → member id. */
  readonly staticMembers = new Map<string, string>();
  /** Members sent a join response of this generation that have not synced yet. */
  readonly pendingSyncMembers = new Set<string>();
  rebalanceTimer: CancelTimer | null = null;
  syncTimer: CancelTimer | null = null;
  /** Set while an initial delayed join runs: a member joined during the current delay. */
  newMemberAdded = false;
  /** The first rebalance of an empty group is waiting out group.initial.rebalance.delay.ms. */
  initialDelay = false;
  /** Committed offsets by `offsetKey`. */
  readonly offsets = new Map<string, OffsetEntry>();
  /**
   * Transactional offsets not yet committed or aborted (TxnOffsetCommit), by producer id then
   * `offsetKey`. Invisible to OffsetFetch until their producer's COMMIT marker moves them into
   * `offsets` (Kafka's pendingTransactionalOffsets, per group).
   */
  readonly pendingOffsets = new Map<bigint, Map<string, OffsetEntry>>();
  /** Set while the group uses the consumer protocol (KIP-848); classic members are then none. */
  consumer: ConsumerGroupState | null = null;

  constructor(groupId: string, nowMs: number) {
    this.groupId = groupId;
    this.stateTimestampMs = nowMs;
  }

  transitionTo(state: GroupState, nowMs: number): void {
    this.state = state;
    this.stateTimestampMs = nowMs;
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  /** A static member whose instance id is now held by another member id. */
  isStaticMemberFenced(groupInstanceId: string | null, memberId: string): boolean {
    if (groupInstanceId === null) return false;
    const current = this.staticMembers.get(groupInstanceId);
    return current !== undefined && current !== memberId;
  }

  /** Largest rebalance timeout of the members: how long a rebalance waits for them. */
  rebalanceTimeoutMs(): number {
    let timeoutMs = 0;
    for (const member of this.members.values()) timeoutMs = Math.max(timeoutMs, member.rebalanceTimeoutMs);
    return timeoutMs;
  }

  awaitingJoinCount(): number {
    let count = 0;
    for (const member of this.members.values()) if (member.awaitingJoin !== null) count++;
    return count;
  }

  hasAllMembersJoined(): boolean {
    return this.members.size === this.awaitingJoinCount() && this.pendingMembers.size === 0;
  }

  /** Protocols every member supports (Kafka's candidate protocols). */
  candidateProtocols(): string[] {
    const members = [...this.members.values()];
    const first = members[0];
    if (first === undefined) return [];
    return first.protocols.map((protocol) => protocol.name).filter((name) => members.every((member) => member.protocols.some((protocol) => protocol.name === name)));
  }

  /**
   * Whether a member with this protocol type and these protocols may join: an empty group takes
   * any non-empty set; otherwise the type must match and one protocol must be common to all.
   */
  supportsProtocols(protocolType: string, protocols: readonly Protocol[]): boolean {
    if (this.members.size === 0) return protocolType.length > 0 && protocols.length > 0;
    if (this.protocolType !== protocolType) return false;
    const candidates = new Set(this.candidateProtocols());
    return protocols.some((protocol) => candidates.has(protocol.name));
  }

  /**
   * Kafka's selectProtocol: each member votes for the first of its protocols that all members
   * support; the most votes wins (ties go to the protocol earliest in the first member's list).
   */
  selectProtocol(): string | null {
    const candidates = this.candidateProtocols();
    if (candidates.length === 0) return null;
    const votes = new Map<string, number>(candidates.map((name) => [name, 0]));
    for (const member of this.members.values()) {
      const vote = member.protocols.find((protocol) => votes.has(protocol.name));
      if (vote !== undefined) votes.set(vote.name, votes.get(vote.name)! + 1);
    }
    let best: string | null = null;
    let bestVotes = -1;
    for (const name of candidates) {
      const count = votes.get(name)!;
      if (count > bestVotes) {
        best = name;
        bestVotes = count;
      }
    }
    return best;
  }

  add(member: ClassicMember): void {
    if (this.members.size === 0) this.protocolType = member.protocolType;
    this.members.set(member.memberId, member);
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
    this.leaderId ??= member.memberId;
  }

  remove(memberId: string): ClassicMember | undefined {
    const member = this.members.get(memberId);
    if (member === undefined) return undefined;
    member.sessionTimer?.();
    member.sessionTimer = null;
    this.members.delete(memberId);
    this.pendingSyncMembers.delete(memberId);
    if (member.groupInstanceId !== null && this.staticMembers.get(member.groupInstanceId) === memberId) this.staticMembers.delete(member.groupInstanceId);
    if (this.leaderId === memberId) {
      const next = this.members.keys().next();
      this.leaderId = next.done === true ? null : next.value;
    }
    return member;
  }

  /**
   * Kafka's maybeElectNewJoinedLeader: keep a leader that rejoined; otherwise hand leadership to
   * a member that did. False when no member rejoined.
   */
  electJoinedLeader(): boolean {
    const leader = this.leaderId === null ? undefined : this.members.get(this.leaderId);
    if (leader !== undefined && leader.awaitingJoin !== null) return true;
    for (const member of this.members.values()) {
      if (member.awaitingJoin !== null) {
        this.leaderId = member.memberId;
        return true;
      }
    }
    return false;
  }
}
