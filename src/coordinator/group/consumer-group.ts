/**
 * The consumer group protocol (KIP-848): membership and assignment driven by the coordinator
 * through ConsumerGroupHeartbeat, with server-side assignors (consumer-assignors.ts).
 *
 * - Group epoch: bumped when a member joins, leaves or is fenced, changes its subscription or
 *   assignor, or a subscribed topic appears or grows. The target assignment is recomputed for it
 *   (the assignment epoch catches up with the group epoch).
 * - Member epoch and reconciliation (Kafka's CurrentAssignmentBuilder): a member whose target
 *   dropped partitions is first told to revoke them (its epoch stays; state "unrevoked") and
 *   moves to the new epoch only once a heartbeat shows it no longer owns them; partitions still
 *   owned by another member are withheld until that member revoked them ("unreleased").
 * - Timeouts: a member silent for group.consumer.session.timeout.ms is removed; one that does not
 *   revoke within its rebalance timeout is fenced. A static member leaving with epoch -2 keeps its
 *   place for the session timeout, and its instance id rejoins into it.
 * - Durability: the group's whole state is one fjord record in __consumer_offsets, written when
 *   a heartbeat changed it (before the response) or a timer removed a member (group-records.ts).
 *   After a restart members carry on with their epochs; sessions restart at load.
 */
import { randomUUID } from 'node:crypto';

import { ErrorCode } from '../../protocol/error-codes.ts';
import { ASSIGNOR_NAMES, assign, type Assignment, type AssignorName } from './consumer-assignors.ts';
import type { StoredConsumerGroup } from './group-records.ts';
import type { CancelTimer, Timers } from './timers.ts';

export interface TopicLookup {
  byName(name: string): { topicId: string; partitionCount: number } | undefined;
  byId(topicId: string): { name: string; partitionCount: number } | undefined;
  names(): readonly string[];
}

export interface ConsumerHeartbeatRequest {
  readonly groupId: string;
  readonly memberId: string;
  readonly memberEpoch: number;
  readonly instanceId: string | null;
  readonly rackId: string | null;
  readonly rebalanceTimeoutMs: number;
  readonly subscribedTopicNames: readonly string[] | null;
  readonly subscribedTopicRegex: string | null;
  readonly serverAssignor: string | null;
  readonly topicPartitions: ReadonlyArray<{ topicId: string; partitions: readonly number[] }> | null;
  readonly clientId: string;
  readonly clientHost: string;
  /** v1+ (KIP-1082): the client chooses its member id. */
  readonly requestVersion: number;
}

export interface ConsumerHeartbeatResult {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly memberId: string | null;
  readonly memberEpoch: number;
  readonly heartbeatIntervalMs: number;
  /** null: unchanged since the last response. */
  readonly assignment: Array<{ topicId: string; partitions: number[] }> | null;
}

export interface ConsumerConfig {
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly maxSize: number;
  /** group.consumer.assignors: the first is the default. */
  readonly assignors: readonly AssignorName[];
}

export class ConsumerMember {
  memberId: string;
  readonly instanceId: string | null;
  rackId: string | null;
  clientId: string;
  clientHost: string;
  subscribedTopicNames: readonly string[] = [];
  subscribedTopicRegex: string | null = null;
  serverAssignor: string | null = null;
  rebalanceTimeoutMs: number;
  memberEpoch = 0;
  previousMemberEpoch = -1;
  state: 'stable' | 'unrevoked' | 'unreleased' = 'stable';
  /** What the member owns (or is told to own). */
  assigned: Assignment = new Map();
  /** Partitions it was told to give up and still holds. */
  revoking: Assignment = new Map();
  lastSent: string | null = null;
  sessionTimer: CancelTimer | null = null;
  revocationTimer: CancelTimer | null = null;
  /** A static member that left with epoch -2, waiting for its instance to come back. */
  temporarilyLeft = false;

  constructor(memberId: string, instanceId: string | null, rebalanceTimeoutMs: number, clientId: string, clientHost: string, rackId: string | null) {
    this.memberId = memberId;
    this.instanceId = instanceId;
    this.rebalanceTimeoutMs = rebalanceTimeoutMs;
    this.clientId = clientId;
    this.clientHost = clientHost;
    this.rackId = rackId;
  }
}

export class ConsumerGroupState {
  groupEpoch = 0;
  assignmentEpoch = 0;
  readonly members = new Map<string, ConsumerMember>();
  readonly staticMembers = new Map<string, string>();
  target = new Map<string, Assignment>();
  metadataSignature = '';
  assignorName: AssignorName;
  /** The state last written to __consumer_offsets (JSON), or null. */
  persisted: string | null = null;

  constructor(assignorName: AssignorName) {
    this.assignorName = assignorName;
  }

  /** Kafka's consumer group states. */
  state(): 'Empty' | 'Assigning' | 'Reconciling' | 'Stable' {
    if (this.members.size === 0) return 'Empty';
    if (this.groupEpoch > this.assignmentEpoch) return 'Assigning';
    for (const member of this.members.values()) if (member.memberEpoch !== this.assignmentEpoch || member.state !== 'stable') return 'Reconciling';
    return 'Stable';
  }
}

const clone = (assignment: Assignment): Assignment => new Map([...assignment].map(([topicId, partitions]) => [topicId, new Set(partitions)]));

function minus(a: Assignment, b: Assignment): Assignment {
  const out: Assignment = new Map();
  for (const [topicId, partitions] of a) {
    const other = b.get(topicId);
    const kept = [...partitions].filter((partition) => other?.has(partition) !== true);
    if (kept.length > 0) out.set(topicId, new Set(kept));
  }
  return out;
}

function intersect(a: Assignment, b: Assignment): Assignment {
  const out: Assignment = new Map();
  for (const [topicId, partitions] of a) {
    const other = b.get(topicId);
    if (other === undefined) continue;
    const kept = [...partitions].filter((partition) => other.has(partition));
    if (kept.length > 0) out.set(topicId, new Set(kept));
  }
  return out;
}

const isEmpty = (assignment: Assignment): boolean => [...assignment.values()].every((partitions) => partitions.size === 0);

export function toWire(assignment: Assignment): Array<{ topicId: string; partitions: number[] }> {
  return [...assignment]
    .filter(([, partitions]) => partitions.size > 0)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([topicId, partitions]) => ({ topicId, partitions: [...partitions].sort((x, y) => x - y) }));
}

const signature = (assignment: Assignment): string => JSON.stringify(toWire(assignment));

function fromWire(partitions: ReadonlyArray<{ topicId: string; partitions: readonly number[] }>): Assignment {
  const out: Assignment = new Map();
  for (const entry of partitions) out.set(entry.topicId, new Set(entry.partitions));
  return out;
}

/** Kafka compiles subscription regexes with RE2/J and requires a full match. */
function compileRegex(pattern: string): RegExp | null {
  try {
    return new RegExp(`^(?:${pattern})$`, 'u');
  } catch {
    return null;
  }
}

export class ConsumerProtocol {
  readonly #timers: Timers;
  readonly #config: ConsumerConfig;
  readonly #topics: TopicLookup;
  /** Called when a group loses its last member, so the owner can record the state change. */
  readonly #onEmpty: (groupId: string) => void;
  /** Called when a timer (session, revocation) changed a group, so the owner can persist it. */
  readonly #onTimerChange: (groupId: string) => void;

  constructor(timers: Timers, config: ConsumerConfig, topics: TopicLookup, onEmpty: (groupId: string) => void, onTimerChange: (groupId: string) => void) {
    this.#timers = timers;
    this.#config = config;
    this.#topics = topics;
    this.#onEmpty = onEmpty;
    this.#onTimerChange = onTimerChange;
  }

  snapshot(group: ConsumerGroupState): StoredConsumerGroup {
    const pairs = (assignment: Assignment) => [...assignment].map(([topicId, partitions]) => [topicId, [...partitions].sort((a, b) => a - b)] as const);
    return {
      groupEpoch: group.groupEpoch,
      assignmentEpoch: group.assignmentEpoch,
      assignorName: group.assignorName,
      metadataSignature: group.metadataSignature,
      members: [...group.members.values()].map((member) => ({
        memberId: member.memberId,
        instanceId: member.instanceId,
        rackId: member.rackId,
        clientId: member.clientId,
        clientHost: member.clientHost,
        subscribedTopicNames: [...member.subscribedTopicNames],
        subscribedTopicRegex: member.subscribedTopicRegex,
        serverAssignor: member.serverAssignor,
        rebalanceTimeoutMs: member.rebalanceTimeoutMs,
        memberEpoch: member.memberEpoch,
        previousMemberEpoch: member.previousMemberEpoch,
        state: member.state,
        assigned: pairs(member.assigned),
        revoking: pairs(member.revoking),
        target: pairs(group.target.get(member.memberId) ?? new Map()),
      })),
    };
  }

  restore(stored: StoredConsumerGroup): ConsumerGroupState {
    const group = new ConsumerGroupState(ASSIGNOR_NAMES.includes(stored.assignorName as AssignorName) ? (stored.assignorName as AssignorName) : (this.#config.assignors[0] ?? 'uniform'));
    group.groupEpoch = stored.groupEpoch;
    group.assignmentEpoch = stored.assignmentEpoch;
    group.metadataSignature = stored.metadataSignature;
    const toAssignment = (pairs: ReadonlyArray<readonly [string, readonly number[]]>): Assignment => new Map(pairs.map(([topicId, partitions]) => [topicId, new Set(partitions)]));
    for (const stored_ of stored.members) {
      const member = new ConsumerMember(stored_.memberId, stored_.instanceId, stored_.rebalanceTimeoutMs, stored_.clientId, stored_.clientHost, stored_.rackId);
      member.subscribedTopicNames = stored_.subscribedTopicNames;
      member.subscribedTopicRegex = stored_.subscribedTopicRegex;
      member.serverAssignor = stored_.serverAssignor;
      member.memberEpoch = stored_.memberEpoch;
      member.previousMemberEpoch = stored_.previousMemberEpoch;
      member.state = stored_.state;
      member.assigned = toAssignment(stored_.assigned);
      member.revoking = toAssignment(stored_.revoking);
      member.lastSent = signature(member.assigned);
      group.members.set(member.memberId, member);
      if (member.instanceId !== null) group.staticMembers.set(member.instanceId, member.memberId);
      group.target.set(member.memberId, toAssignment(stored_.target));
    }
    return group;
  }

  /** After loading: restored members must heartbeat within the session timeout. */
  startSessions(groupId: string, group: ConsumerGroupState): void {
    for (const member of group.members.values()) {
      this.#scheduleSession(groupId, group, member);
      if (member.state === 'unrevoked') this.#scheduleRevocation(groupId, group, member);
    }
  }

  newGroup(): ConsumerGroupState {
    return new ConsumerGroupState(this.#config.assignors[0] ?? 'uniform');
  }

  /** Validation that needs no group (Kafka's throwIfConsumerGroupHeartbeatRequestIsInvalid). */
  validate(request: ConsumerHeartbeatRequest): { errorCode: number; message: string } | null {
    const invalid = (message: string) => ({ errorCode: ErrorCode.INVALID_REQUEST, message });
    if (request.groupId === '') return invalid('GroupId can\'t be empty.');
    if (request.requestVersion >= 1 && request.memberId === '') return invalid('MemberId can\'t be empty.');
    if (request.memberEpoch < -2) return invalid(`MemberEpoch ${request.memberEpoch} is invalid.`);
    if (request.memberEpoch === 0) {
      if (request.rebalanceTimeoutMs === -1) return invalid('RebalanceTimeoutMs must be provided in first request.');
      if (request.topicPartitions === null || request.topicPartitions.length > 0) return invalid('TopicPartitions must be empty when (re-)joining.');
      if (request.subscribedTopicNames === null && request.subscribedTopicRegex === null) return invalid('SubscribedTopicNames or SubscribedTopicRegex must be set in first request.');
    }
    if (request.memberEpoch !== 0 && request.memberId === '') return invalid('MemberId can\'t be empty.');
    if (request.serverAssignor !== null && !ASSIGNOR_NAMES.includes(request.serverAssignor as AssignorName)) {
      return { errorCode: ErrorCode.UNSUPPORTED_ASSIGNOR, message: `ServerAssignor ${request.serverAssignor} is not supported. Supported assignors: ${ASSIGNOR_NAMES.join(', ')}.` };
    }
    if (request.subscribedTopicRegex !== null && compileRegex(request.subscribedTopicRegex) === null) {
      return { errorCode: ErrorCode.INVALID_REGULAR_EXPRESSION, message: `SubscribedTopicRegex ${request.subscribedTopicRegex} is not a valid regular expression.` };
    }
    return null;
  }

  heartbeat(groupId: string, group: ConsumerGroupState, request: ConsumerHeartbeatRequest): ConsumerHeartbeatResult {
    const fail = (errorCode: number, message: string | null = null): ConsumerHeartbeatResult => ({
      errorCode,
      errorMessage: message,
      memberId: request.memberId === '' ? null : request.memberId,
      memberEpoch: request.memberEpoch,
      heartbeatIntervalMs: 0,
      assignment: null,
    });
    if (request.memberEpoch === -1 || request.memberEpoch === -2) {
      const member = group.members.get(request.memberId);
      if (member === undefined) return fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${request.memberId} is not a member of group ${groupId}.`);
      if (request.memberEpoch === -2 && member.instanceId !== null) {
        member.temporarilyLeft = true;
        this.#scheduleSession(groupId, group, member);
      } else {
        this.#remove(groupId, group, member);
      }
      return { errorCode: ErrorCode.NONE, errorMessage: null, memberId: request.memberId, memberEpoch: request.memberEpoch, heartbeatIntervalMs: 0, assignment: null };
    }

    let member: ConsumerMember;
    let changed = false;
    if (request.memberEpoch === 0) {
      const joined = this.#join(groupId, group, request);
      if ('errorCode' in joined) return fail(joined.errorCode, joined.message);
      member = joined;
      changed = member.memberEpoch === 0;
    } else {
      const found = group.members.get(request.memberId);
      if (found === undefined) return fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${request.memberId} is not a member of group ${groupId}.`);
      if (request.instanceId !== null && found.instanceId !== request.instanceId) return fail(ErrorCode.FENCED_INSTANCE_ID, null);
      const owned = request.topicPartitions === null ? null : fromWire(request.topicPartitions);
      const acceptable =
        request.memberEpoch === found.memberEpoch ||
        (request.memberEpoch === found.previousMemberEpoch && (owned === null || isEmpty(minus(owned, found.assigned))));
      if (!acceptable) return fail(ErrorCode.FENCED_MEMBER_EPOCH, `The consumer group member has a greater member epoch (${found.memberEpoch}) than the one known by the client (${request.memberEpoch}).`);
      member = found;
      member.temporarilyLeft = false;
      member.clientId = request.clientId;
      member.clientHost = request.clientHost;
      if (request.rackId !== null) member.rackId = request.rackId;
      if (request.rebalanceTimeoutMs !== -1) member.rebalanceTimeoutMs = request.rebalanceTimeoutMs;
    }

    // Joins, subscription and assignor changes bump the group epoch.
    if (request.subscribedTopicNames !== null) {
      const names = [...new Set(request.subscribedTopicNames)].sort();
      if (names.join('\u0000') !== [...member.subscribedTopicNames].join('\u0000')) {
        member.subscribedTopicNames = names;
        changed = true;
      }
    }
    if (request.subscribedTopicRegex !== null && request.subscribedTopicRegex !== member.subscribedTopicRegex) {
      member.subscribedTopicRegex = request.subscribedTopicRegex === '' ? null : request.subscribedTopicRegex;
      changed = true;
    }
    if (request.serverAssignor !== null && request.serverAssignor !== member.serverAssignor) {
      member.serverAssignor = request.serverAssignor;
      changed = true;
    }
    if (changed) group.groupEpoch++;
    this.#refreshTarget(group);

    const owned = request.topicPartitions === null ? null : fromWire(request.topicPartitions);
    this.#reconcile(groupId, group, member, owned);
    this.#scheduleSession(groupId, group, member);

    const currentSignature = signature(member.assigned);
    const sendAssignment = request.memberEpoch === 0 || request.topicPartitions !== null || member.lastSent !== currentSignature;
    member.lastSent = currentSignature;
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      memberId: member.memberId,
      memberEpoch: member.memberEpoch,
      heartbeatIntervalMs: this.#config.heartbeatIntervalMs,
      assignment: sendAssignment ? toWire(member.assigned) : null,
    };
  }

  #join(groupId: string, group: ConsumerGroupState, request: ConsumerHeartbeatRequest): ConsumerMember | { errorCode: number; message: string } {
    const memberId = request.memberId === '' ? randomUUID() : request.memberId;
    const existing = group.members.get(memberId);
    if (request.instanceId !== null) {
      const holderId = group.staticMembers.get(request.instanceId);
      const holder = holderId === undefined ? undefined : group.members.get(holderId);
      if (holder !== undefined && holder !== existing) {
        if (!holder.temporarilyLeft) return { errorCode: ErrorCode.UNRELEASED_INSTANCE_ID, message: `Static member ${holder.memberId} with instance id ${request.instanceId} is not released yet.` };
        // The instance comes back under a new member id: it takes the old one's place and assignment.
        group.members.delete(holder.memberId);
        holder.memberId = memberId;
        holder.temporarilyLeft = false;
        holder.lastSent = null;
        group.members.set(memberId, holder);
        group.staticMembers.set(request.instanceId, memberId);
        const target = group.target.get(holderId!);
        if (target !== undefined) {
          group.target.delete(holderId!);
          group.target.set(memberId, target);
        }
        return holder;
      }
    }
    if (existing !== undefined) {
      // Rejoining with epoch 0: the member starts over.
      this.#remove(groupId, group, existing, false);
    } else if (group.members.size >= this.#config.maxSize) {
      return { errorCode: ErrorCode.GROUP_MAX_SIZE_REACHED, message: `The consumer group has reached its maximum capacity of ${this.#config.maxSize} members.` };
    }
    const member = new ConsumerMember(memberId, request.instanceId, request.rebalanceTimeoutMs, request.clientId, request.clientHost, request.rackId);
    group.members.set(memberId, member);
    if (request.instanceId !== null) group.staticMembers.set(request.instanceId, memberId);
    // The group epoch moves once for the join and its subscription (in heartbeat()).
    return member;
  }

  /** Recomputes the target assignment when the group epoch moved or subscribed topics changed. */
  #refreshTarget(group: ConsumerGroupState): void {
    const subscribed = new Map<ConsumerMember, Set<string>>();
    const topicIds = new Set<string>();
    const allNames = this.#topics.names();
    for (const member of group.members.values()) {
      const ids = new Set<string>();
      const regex = member.subscribedTopicRegex === null ? null : compileRegex(member.subscribedTopicRegex);
      const names = regex === null ? member.subscribedTopicNames : [...member.subscribedTopicNames, ...allNames.filter((name) => !name.startsWith('__') && regex.test(name))];
      for (const name of names) {
        const topic = this.#topics.byName(name);
        if (topic !== undefined) {
          ids.add(topic.topicId);
          topicIds.add(topic.topicId);
        }
      }
      subscribed.set(member, ids);
    }
    const topics = [...topicIds].sort().map((topicId) => ({ topicId, partitionCount: this.#topics.byId(topicId)?.partitionCount ?? 0 }));
    const metadataSignature = JSON.stringify(topics);
    if (metadataSignature !== group.metadataSignature) {
      group.metadataSignature = metadataSignature;
      if (group.assignmentEpoch === group.groupEpoch && group.members.size > 0) group.groupEpoch++;
    }
    if (group.assignmentEpoch === group.groupEpoch) return;
    // The assignor most members ask for, else the default.
    const votes = new Map<AssignorName, number>();
    for (const member of group.members.values()) {
      if (member.serverAssignor !== null) votes.set(member.serverAssignor as AssignorName, (votes.get(member.serverAssignor as AssignorName) ?? 0) + 1);
    }
    let assignor = this.#config.assignors[0] ?? 'uniform';
    let best = 0;
    for (const [name, count] of votes) {
      if (count > best) {
        assignor = name;
        best = count;
      }
    }
    group.assignorName = assignor;
    group.target = assign(
      assignor,
      [...group.members.values()].map((member) => ({ memberId: member.memberId, topics: subscribed.get(member)!, previous: group.target.get(member.memberId) ?? new Map() })),
      topics,
    );
    group.assignmentEpoch = group.groupEpoch;
  }

  /** Kafka's CurrentAssignmentBuilder, simplified: revoke first, then take what is free. */
  #reconcile(groupId: string, group: ConsumerGroupState, member: ConsumerMember, owned: Assignment | null): void {
    if (member.state === 'unrevoked') {
      const stillOwned = owned === null ? member.revoking : intersect(owned, member.revoking);
      if (!isEmpty(stillOwned)) return;
      member.revoking = new Map();
      member.revocationTimer?.();
      member.revocationTimer = null;
      member.state = 'stable';
      // Revoked: continue as a stable member behind the assignment epoch (the target may have
      // moved again meanwhile).
    }
    if (member.memberEpoch === group.assignmentEpoch && member.state === 'stable') return;
    const target = group.target.get(member.memberId) ?? new Map();
    const revoke = minus(member.assigned, target);
    if (!isEmpty(revoke)) {
      member.assigned = intersect(member.assigned, target);
      member.revoking = revoke;
      member.state = 'unrevoked';
      this.#scheduleRevocation(groupId, group, member);
      return;
    }
    this.#advance(group, member);
  }

  #scheduleRevocation(groupId: string, group: ConsumerGroupState, member: ConsumerMember): void {
    member.revocationTimer?.();
    member.revocationTimer = this.#timers.schedule(member.rebalanceTimeoutMs, () => {
      member.revocationTimer = null;
      if (group.members.get(member.memberId) === member && member.state === 'unrevoked') {
        this.#remove(groupId, group, member);
        this.#onTimerChange(groupId);
      }
    });
  }

  /** Moves a member with nothing left to revoke to the assignment epoch, taking free partitions. */
  #advance(group: ConsumerGroupState, member: ConsumerMember): void {
    const target = group.target.get(member.memberId) ?? new Map();
    const heldByOthers: Assignment = new Map();
    for (const other of group.members.values()) {
      if (other === member) continue;
      for (const source of [other.assigned, other.revoking]) {
        for (const [topicId, partitions] of source) for (const partition of partitions) {
          let set = heldByOthers.get(topicId);
          if (set === undefined) {
            set = new Set();
            heldByOthers.set(topicId, set);
          }
          set.add(partition);
        }
      }
    }
    const wanted = minus(target, member.assigned);
    const free = minus(wanted, heldByOthers);
    const next = clone(member.assigned);
    for (const [topicId, partitions] of free) {
      const set = next.get(topicId) ?? new Set<number>();
      for (const partition of partitions) set.add(partition);
      next.set(topicId, set);
    }
    member.assigned = next;
    if (member.memberEpoch !== group.assignmentEpoch) {
      member.previousMemberEpoch = member.memberEpoch;
      member.memberEpoch = group.assignmentEpoch;
    }
    member.state = isEmpty(minus(wanted, free)) ? 'stable' : 'unreleased';
  }

  #scheduleSession(groupId: string, group: ConsumerGroupState, member: ConsumerMember): void {
    member.sessionTimer?.();
    member.sessionTimer = this.#timers.schedule(this.#config.sessionTimeoutMs, () => {
      member.sessionTimer = null;
      if (group.members.get(member.memberId) === member) {
        this.#remove(groupId, group, member);
        this.#onTimerChange(groupId);
      }
    });
  }

  #remove(groupId: string, group: ConsumerGroupState, member: ConsumerMember, notify = true): void {
    member.sessionTimer?.();
    member.revocationTimer?.();
    member.sessionTimer = null;
    member.revocationTimer = null;
    group.members.delete(member.memberId);
    group.target.delete(member.memberId);
    if (member.instanceId !== null && group.staticMembers.get(member.instanceId) === member.memberId) group.staticMembers.delete(member.instanceId);
    group.groupEpoch++;
    if (notify && group.members.size === 0) this.#onEmpty(groupId);
  }

  /** Looks a member up for OffsetCommit / OffsetFetch checks. */
  member(group: ConsumerGroupState, memberId: string): ConsumerMember | undefined {
    return group.members.get(memberId);
  }

  topicName(topicId: string): string {
    return this.#topics.byId(topicId)?.name ?? '';
  }

  close(group: ConsumerGroupState): void {
    for (const member of group.members.values()) {
      member.sessionTimer?.();
      member.revocationTimer?.();
    }
  }
}
