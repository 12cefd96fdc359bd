/**
 * The classic group coordinator: Kafka's group state machine (GroupCoordinator.scala in 3.x,
 * ClassicGroup in 4.x) and committed offsets, on one event loop. Time comes from the `Timers`
 * passed in; durability from the `GroupPersistence` passed in (`__consumer_offsets`).
 *
 * States: Empty → PreparingRebalance (a member joins or leaves, a leader rejoins, a session
 * expires) → CompletingRebalance (every member rejoined, or the rebalance timeout removed those
 * that did not; generation + 1, protocol selected, leader elected, join responses sent) → Stable
 * (the leader's SyncGroup assignment was written and handed out). Dead: deleted.
 *
 * Bounded waits: a rebalance waits at most the members' largest rebalance timeout (the first
 * one of an empty group `group.initial.rebalance.delay.ms`, extended while members keep arriving,
 * up to the rebalance timeout); members that do not SyncGroup within the rebalance timeout after
 * the join phase are removed; a member silent for its session timeout is removed; a member id
 * handed out with MEMBER_ID_REQUIRED is forgotten after the session timeout. Members awaiting a
 * join or sync response are kept alive (their wait is bounded by the rebalance timeouts).
 *
 * Member metadata and assignments are opaque bytes passed through untouched, so client-side
 * assignors (range, roundrobin, sticky, cooperative-sticky) work as they do with Kafka.
 */
import { randomUUID } from 'node:crypto';

import { ErrorCode } from '../../protocol/error-codes.ts';
import { ClassicGroup, ClassicMember, GROUP_STATES, offsetKey, type GroupState, type JoinResult, type OffsetEntry, type Protocol, type SyncResult } from './classic-group.ts';
import type { AssignorName } from './consumer-assignors.ts';
import { ConsumerProtocol, toWire, type ConsumerHeartbeatRequest, type ConsumerHeartbeatResult, type TopicLookup } from './consumer-group.ts';
import type { CommittedOffset, GroupRecord, StoredGroup } from './group-records.ts';
import type { BatchProducer } from './record-batch-builder.ts';
import type { Timers } from './timers.ts';

export type { ConsumerHeartbeatRequest, ConsumerHeartbeatResult, TopicLookup } from './consumer-group.ts';

export type { GroupState, JoinResult, SyncResult, Protocol } from './classic-group.ts';

export interface GroupCoordinatorConfig {
  readonly groupMinSessionTimeoutMs: number;
  readonly groupMaxSessionTimeoutMs: number;
  readonly groupInitialRebalanceDelayMs: number;
  readonly groupMaxSize: number;
  /** offsets.retention.minutes in ms. */
  readonly offsetsRetentionMs: number;
  /** offsets.retention.check.interval.ms; 0 disables the timer. */
  readonly offsetsRetentionCheckIntervalMs: number;
  /** offset.metadata.max.bytes (Kafka's default 4096). */
  readonly offsetMetadataMaxBytes: number;
  /** group.consumer.session.timeout.ms. */
  readonly consumerSessionTimeoutMs: number;
  /** group.consumer.heartbeat.interval.ms. */
  readonly consumerHeartbeatIntervalMs: number;
  /** group.consumer.max.size. */
  readonly consumerMaxSize: number;
  /** group.consumer.assignors (uniform, range); the first is the default. */
  readonly consumerAssignors: readonly AssignorName[];
}

export interface ConsumerGroupDescription {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly groupId: string;
  readonly groupState: string;
  readonly groupEpoch: number;
  readonly assignmentEpoch: number;
  readonly assignorName: string;
  readonly members: ReadonlyArray<{
    memberId: string;
    instanceId: string | null;
    rackId: string | null;
    memberEpoch: number;
    clientId: string;
    clientHost: string;
    subscribedTopicNames: string[];
    subscribedTopicRegex: string | null;
    assignment: Array<{ topicId: string; topicName: string; partitions: number[] }>;
    targetAssignment: Array<{ topicId: string; topicName: string; partitions: number[] }>;
  }>;
}

/** The result of a write: a Kafka error code, and the log offset of the first record when written. */
export interface WriteOutcome {
  readonly errorCode: number;
  /** -1n when not written. */
  readonly baseOffset: bigint;
  /**
   * Transactional writes only: set when the transaction's marker, later in the log than this
   * write, completed before it (the two raced); the write's offsets are then already committed
   * or aborted rather than pending.
   */
  readonly transactionResult?: 'committed' | 'aborted';
}

/**
 * Writes records of one group durably, as one batch with consecutive offsets; transactional
 * (the producer's id and epoch, pending until its marker) when `producer` is given.
 */
export interface GroupPersistence {
  write(groupId: string, records: readonly GroupRecord[], producer?: BatchProducer | null): Promise<WriteOutcome>;
  /** The `__consumer_offsets` partition that holds a group. */
  partitionFor(groupId: string): number;
}

export interface JoinRequest {
  readonly groupId: string;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  /** JoinGroup v4+: a new dynamic member first gets MEMBER_ID_REQUIRED and a member id. */
  readonly requireKnownMemberId: boolean;
  readonly clientId: string;
  readonly clientHost: string;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly protocolType: string;
  readonly protocols: readonly Protocol[];
}

export interface SyncRequest {
  readonly groupId: string;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly generationId: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly assignments: ReadonlyArray<{ memberId: string; assignment: Buffer }>;
}

export interface MemberIdentity {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

export interface LeaveOutcome {
  readonly errorCode: number;
  readonly members: ReadonlyArray<MemberIdentity & { errorCode: number }>;
}

export interface OffsetCommitRequestData {
  readonly groupId: string;
  /** -1: a commit from outside the group (admin, assign-only consumer). */
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  /** OffsetCommit v9+: an unknown group is GROUP_ID_NOT_FOUND rather than ILLEGAL_GENERATION. */
  readonly requestVersion: number;
  readonly offsets: ReadonlyArray<{ topic: string; partition: number; offset: bigint; leaderEpoch: number; metadata: string | null }>;
}

/** TxnOffsetCommit's data (Kafka's TxnOffsetCommitRequestData), partitions already known to exist. */
export interface TxnOffsetCommitRequestData {
  readonly transactionalId: string;
  readonly groupId: string;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  /** v3+; -1 (and an empty member id) before, or from a producer outside group management. */
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly offsets: ReadonlyArray<{ topic: string; partition: number; offset: bigint; leaderEpoch: number; metadata: string | null }>;
}

export interface PartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly errorCode: number;
}

export interface GroupDescription {
  readonly errorCode: number;
  /** Set for a group that exists but runs the consumer protocol. */
  readonly notClassic?: boolean;
  readonly groupId: string;
  readonly state: GroupState;
  readonly protocolType: string;
  readonly protocolName: string;
  readonly members: ReadonlyArray<{ memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string; metadata: Buffer; assignment: Buffer }>;
}

export interface ListedGroup {
  readonly groupId: string;
  readonly protocolType: string;
  /** Classic states, or the consumer protocol's (Empty, Assigning, Reconciling, Stable). */
  readonly state: string;
  readonly type: 'classic' | 'consumer';
}

const EMPTY = Buffer.alloc(0);
/** Kafka's group id rules for JoinGroup and friends: non-empty (OffsetCommit allows any). */
const validGroupId = (groupId: string): boolean => groupId.length > 0;

/** How an error from writing __consumer_offsets is reported to clients (Kafka's mapping). */
function coordinatorWriteError(errorCode: number): number {
  switch (errorCode) {
    case ErrorCode.NONE:
      return ErrorCode.NONE;
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    default:
      return errorCode;
  }
}

export class GroupCoordinator {
  readonly #timers: Timers;
  readonly #persistence: GroupPersistence;
  readonly #config: GroupCoordinatorConfig;
  readonly #groups = new Map<string, ClassicGroup>();
  readonly #consumer: ConsumerProtocol;
  /** Producer id → the groups holding its pending transactional offsets. */
  readonly #pendingGroups = new Map<bigint, Set<string>>();
  #retentionTimer: (() => void) | null = null;
  #closed = false;

  constructor(options: { timers: Timers; persistence: GroupPersistence; config: GroupCoordinatorConfig; topics?: TopicLookup }) {
    this.#timers = options.timers;
    this.#persistence = options.persistence;
    this.#config = options.config;
    const topics: TopicLookup = options.topics ?? { byName: () => undefined, byId: () => undefined, names: () => [] };
    this.#consumer = new ConsumerProtocol(
      options.timers,
      {
        sessionTimeoutMs: options.config.consumerSessionTimeoutMs,
        heartbeatIntervalMs: options.config.consumerHeartbeatIntervalMs,
        maxSize: options.config.consumerMaxSize,
        assignors: options.config.consumerAssignors,
      },
      topics,
      (groupId) => this.#groups.get(groupId)?.transitionTo('Empty', this.#timers.now()),
      (groupId) => void this.#persistConsumerGroup(groupId),
    );
    this.#scheduleRetentionCheck();
  }

  // ---------------------------------------------------------------- ConsumerGroupHeartbeat (KIP-848)

  /**
   * A consumer-protocol heartbeat. When it changed the group, the group's state is written to
   * `__consumer_offsets` before the response (a failed write answers with the write's error).
   */
  async consumerGroupHeartbeat(request: ConsumerHeartbeatRequest): Promise<ConsumerHeartbeatResult> {
    const result = this.#consumerGroupHeartbeat(request);
    const written = await this.#persistConsumerGroup(request.groupId);
    if (written !== ErrorCode.NONE && result.errorCode === ErrorCode.NONE) return { ...result, errorCode: written, errorMessage: 'The group state could not be written.', assignment: null };
    return result;
  }

  /** Writes a consumer-protocol group's state when it differs from what was last written. */
  async #persistConsumerGroup(groupId: string): Promise<number> {
    const group = this.#groups.get(groupId);
    const consumer = group?.consumer ?? null;
    if (group === undefined || consumer === null) return ErrorCode.NONE;
    const value = this.#consumer.snapshot(consumer);
    const text = JSON.stringify(value);
    if (text === consumer.persisted) return ErrorCode.NONE;
    consumer.persisted = text;
    const written = (await this.#write(groupId, [{ kind: 'consumerGroup', groupId, value }])).errorCode;
    if (written !== ErrorCode.NONE && consumer.persisted === text) consumer.persisted = null;
    return written;
  }

  #consumerGroupHeartbeat(request: ConsumerHeartbeatRequest): ConsumerHeartbeatResult {
    const fail = (errorCode: number, errorMessage: string | null): ConsumerHeartbeatResult => ({ errorCode, errorMessage, memberId: null, memberEpoch: request.memberEpoch, heartbeatIntervalMs: 0, assignment: null });
    if (this.#closed) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE, null);
    const invalid = this.#consumer.validate(request);
    if (invalid !== null) return fail(invalid.errorCode, invalid.message);
    let group = this.#groups.get(request.groupId);
    if (group === undefined) {
      // Membership is not durable: after a restart a member's group may be unknown; it rejoins.
      if (request.memberEpoch !== 0) return fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${request.memberId} is not a member of group ${request.groupId}.`);
      group = new ClassicGroup(request.groupId, this.#timers.now());
      this.#groups.set(request.groupId, group);
    }
    if (group.consumer === null) {
      if (group.members.size > 0 || group.state !== 'Empty') return fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${request.groupId} is not a consumer group.`);
      group.consumer = this.#consumer.newGroup();
    }
    return this.#consumer.heartbeat(request.groupId, group.consumer, request);
  }

  consumerGroupDescribe(groupId: string): ConsumerGroupDescription {
    const group = this.#groups.get(groupId);
    const consumer = group?.consumer ?? null;
    if (group === undefined || consumer === null) {
      return {
        errorCode: ErrorCode.GROUP_ID_NOT_FOUND,
        errorMessage: group === undefined ? `Group ${groupId} not found.` : `Group ${groupId} is not a consumer group.`,
        groupId,
        groupState: 'Dead',
        groupEpoch: -1,
        assignmentEpoch: -1,
        assignorName: '',
        members: [],
      };
    }
    const named = (assignment: Map<string, Set<number>>) => toWire(assignment).map((entry) => ({ ...entry, topicName: this.#consumer.topicName(entry.topicId) }));
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      groupId,
      groupState: consumer.state(),
      groupEpoch: consumer.groupEpoch,
      assignmentEpoch: consumer.assignmentEpoch,
      assignorName: consumer.assignorName,
      members: [...consumer.members.values()].map((member) => ({
        memberId: member.memberId,
        instanceId: member.instanceId,
        rackId: member.rackId,
        memberEpoch: member.memberEpoch,
        clientId: member.clientId,
        clientHost: member.clientHost,
        subscribedTopicNames: [...member.subscribedTopicNames],
        subscribedTopicRegex: member.subscribedTopicRegex,
        assignment: named(member.assigned),
        targetAssignment: named(consumer.target.get(member.memberId) ?? new Map()),
      })),
    };
  }

  /**
   * OffsetFetch v9+ names the member: for a consumer-protocol group it must exist with that epoch
   * (UNKNOWN_MEMBER_ID, STALE_MEMBER_EPOCH). Classic groups are not checked, as in Kafka.
   */
  validateOffsetFetch(groupId: string, memberId: string | null, memberEpoch: number): number {
    const consumer = this.#groups.get(groupId)?.consumer ?? null;
    if (consumer === null || memberId === null) return ErrorCode.NONE;
    const member = this.#consumer.member(consumer, memberId);
    if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (memberEpoch !== member.memberEpoch) return ErrorCode.STALE_MEMBER_EPOCH;
    return ErrorCode.NONE;
  }

  // ---------------------------------------------------------------- JoinGroup

  joinGroup(request: JoinRequest): Promise<JoinResult> {
    const fail = (errorCode: number, memberId = request.memberId): Promise<JoinResult> => Promise.resolve(joinError(errorCode, memberId));
    if (this.#closed) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (!validGroupId(request.groupId)) return fail(ErrorCode.INVALID_GROUP_ID);
    if (request.sessionTimeoutMs < this.#config.groupMinSessionTimeoutMs || request.sessionTimeoutMs > this.#config.groupMaxSessionTimeoutMs) {
      return fail(ErrorCode.INVALID_SESSION_TIMEOUT);
    }
    const isUnknownMember = request.memberId === '';
    let group = this.#groups.get(request.groupId);
    if (group === undefined) {
      if (!isUnknownMember) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
      group = new ClassicGroup(request.groupId, this.#timers.now());
      this.#groups.set(request.groupId, group);
    }
    if (!this.#acceptJoiningMember(group, request.memberId)) {
      // Kafka removes a known member that cannot fit (it may have been in a bigger group before).
      const member = group.members.get(request.memberId);
      if (member !== undefined) this.#removeMemberAndUpdateGroup(group, member);
      return fail(ErrorCode.GROUP_MAX_SIZE_REACHED);
    }
    if (group.state === 'Dead') return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (group.consumer !== null) {
      // Classic members do not join a group running the consumer protocol (no upgrade path yet).
      if (group.consumer.members.size > 0) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
      this.#consumer.close(group.consumer);
      group.consumer = null;
    }
    if (!group.supportsProtocols(request.protocolType, request.protocols)) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    return new Promise<JoinResult>((respond) => {
      if (isUnknownMember) this.#newMemberJoin(group, request, respond);
      else this.#currentMemberJoin(group, request, respond);
    });
  }

  #acceptJoiningMember(group: ClassicGroup, memberId: string): boolean {
    const max = this.#config.groupMaxSize;
    switch (group.state) {
      case 'Empty':
      case 'Dead':
        return true;
      // Kafka counts members awaiting a join while preparing, so the last rejoining members are
      // the ones left out when the maximum was lowered; otherwise the members.
      case 'PreparingRebalance': {
        const member = group.members.get(memberId);
        return (member !== undefined && member.awaitingJoin !== null) || group.awaitingJoinCount() < max;
      }
      default:
        return group.members.has(memberId) || group.members.size < max;
    }
  }

  #generateMemberId(request: JoinRequest): string {
    return `${request.groupInstanceId ?? request.clientId}-${randomUUID()}`;
  }

  #newMemberJoin(group: ClassicGroup, request: JoinRequest, respond: (result: JoinResult) => void): void {
    const memberId = this.#generateMemberId(request);
    if (request.groupInstanceId !== null) {
      const oldMemberId = group.staticMembers.get(request.groupInstanceId);
      if (oldMemberId !== undefined && group.members.has(oldMemberId)) {
        this.#replaceStaticMember(group, group.members.get(oldMemberId)!, memberId, request, respond);
      } else {
        this.#addMemberAndRebalance(group, memberId, request, respond);
      }
      return;
    }
    if (request.requireKnownMemberId) {
      const cancel = this.#timers.schedule(request.sessionTimeoutMs, () => {
        if (group.pendingMembers.delete(memberId) && group.state === 'PreparingRebalance') this.#maybeCompleteJoin(group);
      });
      group.pendingMembers.set(memberId, cancel);
      respond(joinError(ErrorCode.MEMBER_ID_REQUIRED, memberId));
      return;
    }
    this.#addMemberAndRebalance(group, memberId, request, respond);
  }

  #currentMemberJoin(group: ClassicGroup, request: JoinRequest, respond: (result: JoinResult) => void): void {
    const pending = group.pendingMembers.get(request.memberId);
    if (pending !== undefined) {
      pending();
      group.pendingMembers.delete(request.memberId);
      this.#addMemberAndRebalance(group, request.memberId, request, respond);
      return;
    }
    const instanceNotFound = request.groupInstanceId !== null && !group.staticMembers.has(request.groupInstanceId);
    if (group.isStaticMemberFenced(request.groupInstanceId, request.memberId)) {
      respond(joinError(ErrorCode.FENCED_INSTANCE_ID, request.memberId));
      return;
    }
    const member = group.members.get(request.memberId);
    if (member === undefined || instanceNotFound) {
      respond(joinError(ErrorCode.UNKNOWN_MEMBER_ID, request.memberId));
      return;
    }
    switch (group.state) {
      case 'PreparingRebalance':
        this.#updateMemberAndRebalance(group, member, request, respond);
        return;
      case 'CompletingRebalance':
        if (member.matches(request.protocols)) {
          // It may have missed the join response: send this generation's again.
          respond(this.#joinResponse(group, member, false));
        } else {
          this.#updateMemberAndRebalance(group, member, request, respond);
        }
        return;
      case 'Stable':
        if (group.isLeader(member.memberId) || !member.matches(request.protocols)) {
          this.#updateMemberAndRebalance(group, member, request, respond);
        } else {
          respond({ ...this.#joinResponse(group, member, false), members: [] });
        }
        return;
      default:
        respond(joinError(ErrorCode.UNKNOWN_MEMBER_ID, request.memberId));
    }
  }

  #addMemberAndRebalance(group: ClassicGroup, memberId: string, request: JoinRequest, respond: (result: JoinResult) => void): void {
    const member = new ClassicMember({
      memberId,
      groupInstanceId: request.groupInstanceId,
      clientId: request.clientId,
      clientHost: request.clientHost,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs,
      sessionTimeoutMs: request.sessionTimeoutMs,
      protocolType: request.protocolType,
      protocols: request.protocols,
    });
    member.awaitingJoin = respond;
    group.add(member);
    // A new member of a group that has never completed a rebalance extends the initial delay.
    if (group.state === 'PreparingRebalance' && group.initialDelay) group.newMemberAdded = true;
    this.#maybePrepareRebalance(group);
    this.#maybeCompleteJoin(group);
  }

  #updateMemberAndRebalance(group: ClassicGroup, member: ClassicMember, request: JoinRequest, respond: (result: JoinResult) => void): void {
    member.protocols = request.protocols;
    member.rebalanceTimeoutMs = request.rebalanceTimeoutMs;
    member.sessionTimeoutMs = request.sessionTimeoutMs;
    member.clientId = request.clientId;
    member.clientHost = request.clientHost;
    // A second join from the same member replaces the first (Kafka answers the old one's callback).
    member.awaitingJoin?.(joinError(ErrorCode.UNKNOWN_MEMBER_ID, member.memberId));
    member.awaitingJoin = respond;
    this.#maybePrepareRebalance(group);
    this.#maybeCompleteJoin(group);
  }

  /** KIP-345: a static member rejoins with a new member id; no rebalance when nothing changed. */
  #replaceStaticMember(group: ClassicGroup, old: ClassicMember, newMemberId: string, request: JoinRequest, respond: (result: JoinResult) => void): void {
    const oldMemberId = old.memberId;
    // The old instance is fenced: its pending join gets FENCED_INSTANCE_ID.
    old.awaitingJoin?.(joinError(ErrorCode.FENCED_INSTANCE_ID, oldMemberId));
    old.awaitingJoin = null;
    old.awaitingSync?.({ errorCode: ErrorCode.FENCED_INSTANCE_ID, protocolType: null, protocolName: null, assignment: EMPTY });
    old.awaitingSync = null;
    group.members.delete(oldMemberId);
    old.memberId = newMemberId;
    old.protocols = request.protocols;
    old.rebalanceTimeoutMs = request.rebalanceTimeoutMs;
    old.sessionTimeoutMs = request.sessionTimeoutMs;
    old.clientId = request.clientId;
    old.clientHost = request.clientHost;
    group.members.set(newMemberId, old);
    group.staticMembers.set(request.groupInstanceId!, newMemberId);
    if (group.leaderId === oldMemberId) group.leaderId = newMemberId;
    if (group.pendingSyncMembers.delete(oldMemberId)) group.pendingSyncMembers.add(newMemberId);
    switch (group.state) {
      case 'Stable': {
        if (group.protocolName !== null && group.selectProtocol() === group.protocolName) {
          const generationId = group.generationId;
          void this.#persistGroup(group).then((errorCode) => {
            if (errorCode !== ErrorCode.NONE) {
              respond(joinError(errorCode, newMemberId));
              return;
            }
            if (group.members.get(newMemberId) !== old || group.generationId !== generationId) {
              respond(joinError(ErrorCode.REBALANCE_IN_PROGRESS, newMemberId));
              return;
            }
            this.#scheduleSession(group, old);
            respond(this.#joinResponse(group, old, group.isLeader(newMemberId)));
          });
        } else {
          old.awaitingJoin = respond;
          this.#maybePrepareRebalance(group);
          this.#maybeCompleteJoin(group);
        }
        return;
      }
      case 'CompletingRebalance':
        // Its predecessor may already hold an assignment of this generation: rebalance.
        old.awaitingJoin = respond;
        this.#prepareRebalance(group);
        this.#maybeCompleteJoin(group);
        return;
      default:
        old.awaitingJoin = respond;
        this.#maybePrepareRebalance(group);
        this.#maybeCompleteJoin(group);
    }
  }

  #joinResponse(group: ClassicGroup, member: ClassicMember, skipAssignment: boolean): JoinResult {
    const isLeader = group.isLeader(member.memberId);
    return {
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leaderId: group.leaderId ?? '',
      skipAssignment,
      memberId: member.memberId,
      members: isLeader
        ? [...group.members.values()].map((each) => ({ memberId: each.memberId, groupInstanceId: each.groupInstanceId, metadata: each.metadataFor(group.protocolName) }))
        : [],
    };
  }

  #maybePrepareRebalance(group: ClassicGroup): void {
    if (group.state === 'Stable' || group.state === 'CompletingRebalance' || group.state === 'Empty') this.#prepareRebalance(group);
  }

  #prepareRebalance(group: ClassicGroup): void {
    if (group.state === 'CompletingRebalance') this.#resetAssignments(group, ErrorCode.REBALANCE_IN_PROGRESS);
    group.syncTimer?.();
    group.syncTimer = null;
    group.pendingSyncMembers.clear();
    group.rebalanceTimer?.();
    const wasEmpty = group.state === 'Empty';
    group.transitionTo('PreparingRebalance', this.#timers.now());
    if (wasEmpty) {
      const delayMs = this.#config.groupInitialRebalanceDelayMs;
      this.#initialDelayedJoin(group, delayMs, Math.max(group.rebalanceTimeoutMs() - delayMs, 0));
    } else {
      group.rebalanceTimer = this.#timers.schedule(group.rebalanceTimeoutMs(), () => {
        group.rebalanceTimer = null;
        this.#completeJoin(group);
      });
    }
  }

  /** Kafka's InitialDelayedJoin: wait `delayMs`; while members keep arriving, wait again, up to the rebalance timeout. */
  #initialDelayedJoin(group: ClassicGroup, delayMs: number, remainingMs: number): void {
    group.newMemberAdded = false;
    group.initialDelay = true;
    group.rebalanceTimer = this.#timers.schedule(delayMs, () => {
      group.rebalanceTimer = null;
      if (group.state !== 'PreparingRebalance') return;
      if (group.newMemberAdded && remainingMs > 0) {
        const nextDelayMs = Math.min(this.#config.groupInitialRebalanceDelayMs, remainingMs);
        this.#initialDelayedJoin(group, nextDelayMs, Math.max(remainingMs - nextDelayMs, 0));
      } else {
        group.initialDelay = false;
        this.#completeJoin(group);
      }
    });
  }

  /** Completes the join phase early when every member has rejoined (not during the initial delay). */
  #maybeCompleteJoin(group: ClassicGroup): void {
    if (group.state !== 'PreparingRebalance' || group.initialDelay || !group.hasAllMembersJoined()) return;
    this.#completeJoin(group);
  }

  #completeJoin(group: ClassicGroup): void {
    if (group.state !== 'PreparingRebalance') return;
    group.rebalanceTimer?.();
    group.rebalanceTimer = null;
    group.initialDelay = false;
    // Dynamic members that did not rejoin in time are out; static ones wait for their session.
    for (const member of [...group.members.values()]) {
      if (member.awaitingJoin === null && member.groupInstanceId === null) group.remove(member.memberId);
    }
    if (group.members.size > 0 && !group.electJoinedLeader()) {
      // Nobody rejoined: wait another rebalance timeout for sessions to expire.
      group.rebalanceTimer = this.#timers.schedule(group.rebalanceTimeoutMs(), () => {
        group.rebalanceTimer = null;
        this.#completeJoin(group);
      });
      return;
    }
    group.generationId++;
    const nowMs = this.#timers.now();
    if (group.members.size === 0) {
      group.protocolName = null;
      group.leaderId = null;
      group.transitionTo('Empty', nowMs);
      void this.#persistGroup(group);
      return;
    }
    group.protocolName = group.selectProtocol();
    group.transitionTo('CompletingRebalance', nowMs);
    for (const member of group.members.values()) {
      const respond = member.awaitingJoin;
      member.awaitingJoin = null;
      member.isNew = false;
      if (respond !== null) respond(this.#joinResponse(group, member, false));
      this.#scheduleSession(group, member);
      group.pendingSyncMembers.add(member.memberId);
    }
    this.#schedulePendingSync(group);
  }

  /** Members that do not SyncGroup within the rebalance timeout are removed. */
  #schedulePendingSync(group: ClassicGroup): void {
    group.syncTimer?.();
    const generationId = group.generationId;
    group.syncTimer = this.#timers.schedule(group.rebalanceTimeoutMs(), () => {
      group.syncTimer = null;
      if (group.generationId !== generationId || (group.state !== 'CompletingRebalance' && group.state !== 'Stable')) return;
      if (group.pendingSyncMembers.size === 0) return;
      for (const memberId of [...group.pendingSyncMembers]) {
        const member = group.members.get(memberId);
        if (member !== undefined) this.#dropMember(group, member);
      }
      group.pendingSyncMembers.clear();
      if (group.members.size === 0) {
        this.#prepareRebalance(group);
        this.#completeJoin(group);
      } else {
        this.#prepareRebalance(group);
      }
    });
  }

  #resetAssignments(group: ClassicGroup, errorCode: number): void {
    for (const member of group.members.values()) {
      member.assignment = EMPTY;
      const respond = member.awaitingSync;
      member.awaitingSync = null;
      respond?.({ errorCode, protocolType: null, protocolName: null, assignment: EMPTY });
    }
  }

  // ---------------------------------------------------------------- sessions

  #scheduleSession(group: ClassicGroup, member: ClassicMember): void {
    member.sessionTimer?.();
    member.sessionTimer = this.#timers.schedule(member.sessionTimeoutMs, () => {
      member.sessionTimer = null;
      if (group.members.get(member.memberId) !== member) return;
      if (member.awaitingJoin !== null || member.awaitingSync !== null) {
        // Kafka's shouldKeepAlive: a member waiting on the coordinator is not silent.
        this.#scheduleSession(group, member);
        return;
      }
      this.#removeMemberAndUpdateGroup(group, member);
    });
  }

  /** Removes a member and answers any request it has waiting with UNKNOWN_MEMBER_ID. */
  #dropMember(group: ClassicGroup, member: ClassicMember): void {
    member.awaitingJoin?.(joinError(ErrorCode.UNKNOWN_MEMBER_ID, member.memberId));
    member.awaitingJoin = null;
    member.awaitingSync?.({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, protocolType: null, protocolName: null, assignment: EMPTY });
    member.awaitingSync = null;
    group.remove(member.memberId);
  }

  #removeMemberAndUpdateGroup(group: ClassicGroup, member: ClassicMember): void {
    this.#dropMember(group, member);
    switch (group.state) {
      case 'Stable':
      case 'CompletingRebalance':
        this.#prepareRebalance(group);
        break;
      case 'PreparingRebalance':
        this.#maybeCompleteJoin(group);
        break;
      default:
        break;
    }
  }

  // ---------------------------------------------------------------- SyncGroup

  syncGroup(request: SyncRequest): Promise<SyncResult> {
    const fail = (errorCode: number): Promise<SyncResult> => Promise.resolve({ errorCode, protocolType: null, protocolName: null, assignment: EMPTY });
    if (this.#closed) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (!validGroupId(request.groupId)) return fail(ErrorCode.INVALID_GROUP_ID);
    const group = this.#groups.get(request.groupId);
    if (group === undefined) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    if (group.state === 'Dead') return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (group.isStaticMemberFenced(request.groupInstanceId, request.memberId)) return fail(ErrorCode.FENCED_INSTANCE_ID);
    const member = group.members.get(request.memberId);
    if (member === undefined) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    if (request.generationId !== group.generationId) return fail(ErrorCode.ILLEGAL_GENERATION);
    if (request.protocolType !== null && request.protocolType !== group.protocolType) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    if (request.protocolName !== null && request.protocolName !== group.protocolName) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    switch (group.state) {
      case 'Empty':
        return fail(ErrorCode.UNKNOWN_MEMBER_ID);
      case 'PreparingRebalance':
        return fail(ErrorCode.REBALANCE_IN_PROGRESS);
      case 'Stable':
        group.pendingSyncMembers.delete(member.memberId);
        this.#scheduleSession(group, member);
        return Promise.resolve({ errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment });
      default:
        break;
    }
    return new Promise<SyncResult>((respond) => {
      member.awaitingSync?.({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, protocolType: null, protocolName: null, assignment: EMPTY });
      member.awaitingSync = respond;
      group.pendingSyncMembers.delete(member.memberId);
      if (!group.isLeader(member.memberId)) return;
      const assignments = new Map<string, Buffer>();
      for (const { memberId, assignment } of request.assignments) if (group.members.has(memberId)) assignments.set(memberId, assignment);
      const generationId = group.generationId;
      void this.#persistGroup(group, assignments).then((errorCode) => {
        if (group.state !== 'CompletingRebalance' || group.generationId !== generationId) return;
        if (errorCode !== ErrorCode.NONE) {
          this.#resetAssignments(group, errorCode);
          this.#prepareRebalance(group);
          return;
        }
        for (const each of group.members.values()) {
          each.assignment = assignments.get(each.memberId) ?? EMPTY;
          const reply = each.awaitingSync;
          each.awaitingSync = null;
          if (reply !== null) {
            reply({ errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: each.assignment });
            this.#scheduleSession(group, each);
          }
        }
        group.transitionTo('Stable', this.#timers.now());
      });
    });
  }

  // ---------------------------------------------------------------- Heartbeat

  heartbeat(request: { groupId: string; memberId: string; groupInstanceId: string | null; generationId: number }): number {
    if (this.#closed) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (!validGroupId(request.groupId)) return ErrorCode.INVALID_GROUP_ID;
    const group = this.#groups.get(request.groupId);
    if (group === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (group.isStaticMemberFenced(request.groupInstanceId, request.memberId)) return ErrorCode.FENCED_INSTANCE_ID;
    const member = group.members.get(request.memberId);
    if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (request.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    switch (group.state) {
      case 'Empty':
        return ErrorCode.UNKNOWN_MEMBER_ID;
      case 'PreparingRebalance':
        this.#scheduleSession(group, member);
        return ErrorCode.REBALANCE_IN_PROGRESS;
      default:
        this.#scheduleSession(group, member);
        return ErrorCode.NONE;
    }
  }

  // ---------------------------------------------------------------- LeaveGroup

  leaveGroup(groupId: string, leaving: readonly MemberIdentity[]): LeaveOutcome {
    if (this.#closed) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    if (!validGroupId(groupId)) return { errorCode: ErrorCode.INVALID_GROUP_ID, members: [] };
    const group = this.#groups.get(groupId);
    if (group === undefined) return { errorCode: ErrorCode.NONE, members: leaving.map((member) => ({ ...member, errorCode: ErrorCode.UNKNOWN_MEMBER_ID })) };
    if (group.state === 'Dead') return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    const results = leaving.map((identity) => ({ ...identity, errorCode: this.#leaveOne(group, identity) }));
    return { errorCode: ErrorCode.NONE, members: results };
  }

  #leaveOne(group: ClassicGroup, identity: MemberIdentity): number {
    if (identity.groupInstanceId !== null) {
      const memberId = group.staticMembers.get(identity.groupInstanceId);
      if (memberId === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      // An empty member id (admin removal by instance id) matches any holder of the instance id.
      if (identity.memberId !== '' && identity.memberId !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
      const member = group.members.get(memberId);
      if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      this.#removeMemberAndUpdateGroup(group, member);
      return ErrorCode.NONE;
    }
    const pending = group.pendingMembers.get(identity.memberId);
    if (pending !== undefined) {
      pending();
      group.pendingMembers.delete(identity.memberId);
      if (group.state === 'PreparingRebalance') this.#maybeCompleteJoin(group);
      return ErrorCode.NONE;
    }
    const member = group.members.get(identity.memberId);
    if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.#removeMemberAndUpdateGroup(group, member);
    return ErrorCode.NONE;
  }

  // ---------------------------------------------------------------- offsets

  async commitOffsets(request: OffsetCommitRequestData): Promise<number[]> {
    const all = (errorCode: number): number[] => request.offsets.map(() => errorCode);
    if (this.#closed) return all(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    let group = this.#groups.get(request.groupId);
    if (group === undefined) {
      if (request.generationId >= 0) return all(request.requestVersion >= 9 ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.ILLEGAL_GENERATION);
      group = new ClassicGroup(request.groupId, this.#timers.now());
      this.#groups.set(request.groupId, group);
    }
    const invalid = this.#validateCommit(group, request);
    if (invalid !== ErrorCode.NONE) return all(invalid);
    const nowMs = this.#timers.now();
    const { errors, records, accepted } = this.#offsetRecords(request.groupId, request.offsets, nowMs);
    if (records.length === 0) return errors;
    const written = await this.#write(request.groupId, records);
    if (written.errorCode !== ErrorCode.NONE) return errors.map((errorCode) => (errorCode === ErrorCode.NONE ? written.errorCode : errorCode));
    const target = this.#groups.get(request.groupId) ?? group;
    if (target.state !== 'Dead') {
      accepted.forEach((entry, index) => {
        const key = offsetKey(entry.topic, entry.partition);
        const recordOffset = written.baseOffset + BigInt(index);
        // Writes may complete out of log order: the record later in the log wins, as in a replay.
        const existing = target.offsets.get(key);
        if (existing === undefined || recordOffset > existing.recordOffset) target.offsets.set(key, { ...entry, recordOffset });
      });
    }
    return errors;
  }

  /** Per offset: NONE or OFFSET_METADATA_TOO_LARGE; the records and entries of the accepted ones. */
  #offsetRecords(
    groupId: string,
    offsets: OffsetCommitRequestData['offsets'],
    nowMs: number,
  ): { errors: number[]; records: GroupRecord[]; accepted: Array<{ topic: string; partition: number; value: CommittedOffset }> } {
    const errors: number[] = [];
    const records: GroupRecord[] = [];
    const accepted: Array<{ topic: string; partition: number; value: CommittedOffset }> = [];
    for (const commit of offsets) {
      const metadata = commit.metadata ?? '';
      if (Buffer.byteLength(metadata, 'utf8') > this.#config.offsetMetadataMaxBytes) {
        errors.push(ErrorCode.OFFSET_METADATA_TOO_LARGE);
        continue;
      }
      errors.push(ErrorCode.NONE);
      const value: CommittedOffset = { offset: commit.offset, leaderEpoch: commit.leaderEpoch, metadata, commitTimestampMs: nowMs };
      records.push({ kind: 'offset', groupId, topic: commit.topic, partition: commit.partition, value });
      accepted.push({ topic: commit.topic, partition: commit.partition, value });
    }
    return { errors, records, accepted };
  }

  /** Writes records; resolves with the error code clients see (Kafka's mapping) and the base offset. */
  async #write(groupId: string, records: readonly GroupRecord[], producer: BatchProducer | null = null): Promise<WriteOutcome> {
    try {
      const outcome = await this.#persistence.write(groupId, records, producer);
      return { ...outcome, errorCode: coordinatorWriteError(outcome.errorCode) };
    } catch {
      return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, baseOffset: -1n };
    }
  }

  // ---------------------------------------------------------------- transactional offsets

  /**
   * TxnOffsetCommit (Kafka's OffsetMetadataManager.commitTransactionalOffset): per offset, NONE
   * or an error. The offsets are written as a transactional batch of the producer and stay
   * pending, invisible to OffsetFetch, until `completeTransaction` for its marker.
   *
   * The group is validated as Kafka does for transactional commits: an unknown group is created
   * (a simple group) when generationId < 0, else ILLEGAL_GENERATION; a classic group checks the
   * member (UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID) and generation (ILLEGAL_GENERATION) when the
   * request names them (v3+), in any state (no REBALANCE_IN_PROGRESS); a consumer-protocol group
   * checks the member and its epoch (a mismatch is ILLEGAL_GENERATION, the API having no
   * STALE_MEMBER_EPOCH). Whether the offsets partition is in the producer's transaction is the
   * caller's check (the transaction coordinator's), made before this.
   */
  async txnOffsetCommit(request: TxnOffsetCommitRequestData): Promise<number[]> {
    const all = (errorCode: number): number[] => request.offsets.map(() => errorCode);
    if (this.#closed) return all(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (!validGroupId(request.groupId)) return all(ErrorCode.INVALID_GROUP_ID);
    let group = this.#groups.get(request.groupId);
    if (group === undefined) {
      if (request.generationId >= 0) return all(ErrorCode.ILLEGAL_GENERATION);
      group = new ClassicGroup(request.groupId, this.#timers.now());
      this.#groups.set(request.groupId, group);
    }
    const invalid = this.#validateTransactionalCommit(group, request);
    if (invalid !== ErrorCode.NONE) return all(invalid);
    const { errors, records, accepted } = this.#offsetRecords(request.groupId, request.offsets, this.#timers.now());
    if (records.length === 0) return errors;
    const { producerId } = request;
    const written = await this.#write(request.groupId, records, { producerId, producerEpoch: request.producerEpoch });
    if (written.errorCode !== ErrorCode.NONE) return errors.map((errorCode) => (errorCode === ErrorCode.NONE ? written.errorCode : errorCode));
    const target = this.#groups.get(request.groupId) ?? group;
    if (target.state === 'Dead' || written.transactionResult === 'aborted') return errors;
    accepted.forEach((offset, index) => {
      const entry: OffsetEntry = { ...offset, recordOffset: written.baseOffset + BigInt(index) };
      if (written.transactionResult === 'committed') this.#materialize(target, offsetKey(entry.topic, entry.partition), entry);
      else this.#addPending(target, producerId, entry);
    });
    return errors;
  }

  #validateTransactionalCommit(group: ClassicGroup, request: TxnOffsetCommitRequestData): number {
    if (group.consumer !== null) {
      const consumer = group.consumer;
      if (request.generationId < 0 && consumer.members.size === 0) return ErrorCode.NONE;
      // TxnOffsetCommit does not require the member fields (v0-2): checked only when given.
      if (request.generationId === -1 && request.memberId === '' && request.groupInstanceId === null) return ErrorCode.NONE;
      const member = this.#consumer.member(consumer, request.memberId);
      if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      return request.generationId === member.memberEpoch ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION;
    }
    if (group.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (request.generationId < 0 && group.state === 'Empty') return ErrorCode.NONE;
    if (request.generationId >= 0 || request.memberId !== '' || request.groupInstanceId !== null) {
      if (request.groupInstanceId !== null) {
        const holder = group.staticMembers.get(request.groupInstanceId);
        if (holder === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
        if (holder !== request.memberId) return ErrorCode.FENCED_INSTANCE_ID;
      }
      if (!group.members.has(request.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (request.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    }
    // Without member and generation (v0-2), a transactional commit is accepted in any state.
    return ErrorCode.NONE;
  }

  #addPending(group: ClassicGroup, producerId: bigint, entry: OffsetEntry): void {
    let pending = group.pendingOffsets.get(producerId);
    if (pending === undefined) {
      pending = new Map();
      group.pendingOffsets.set(producerId, pending);
    }
    pending.set(offsetKey(entry.topic, entry.partition), entry);
    let groups = this.#pendingGroups.get(producerId);
    if (groups === undefined) {
      groups = new Set();
      this.#pendingGroups.set(producerId, groups);
    }
    groups.add(group.groupId);
  }

  /**
   * A COMMIT or ABORT marker of `producerId` was written at `markerOffset` in `offsetsPartition`
   * (or replayed from it): its pending offsets in the groups of that partition, written before
   * the marker, are committed or dropped. A committed one replaces the group's committed offset
   * only if its record is later in the log (Kafka's replayEndTransactionMarker).
   */
  completeTransaction(offsetsPartition: number, producerId: bigint, committed: boolean, markerOffset: bigint): void {
    const groupIds = this.#pendingGroups.get(producerId);
    if (groupIds === undefined) return;
    for (const groupId of [...groupIds]) {
      if (this.#persistence.partitionFor(groupId) !== offsetsPartition) continue;
      const group = this.#groups.get(groupId);
      const pending = group?.pendingOffsets.get(producerId);
      if (group === undefined || pending === undefined) {
        groupIds.delete(groupId);
        continue;
      }
      for (const [key, entry] of pending) {
        if (entry.recordOffset >= markerOffset) continue;
        pending.delete(key);
        if (committed) this.#materialize(group, key, entry);
      }
      if (pending.size === 0) {
        group.pendingOffsets.delete(producerId);
        groupIds.delete(groupId);
      }
    }
    if (groupIds.size === 0) this.#pendingGroups.delete(producerId);
  }

  /** A committed transaction's offset becomes the committed one if its record is the later one (Kafka). */
  #materialize(group: ClassicGroup, key: string, entry: OffsetEntry): void {
    const existing = group.offsets.get(key);
    if (existing === undefined || entry.recordOffset > existing.recordOffset) group.offsets.set(key, entry);
  }

  /** Whether a transaction's offset for the partition is pending in the group. */
  #hasPendingOffset(group: ClassicGroup, key: string): boolean {
    for (const pending of group.pendingOffsets.values()) if (pending.has(key)) return true;
    return false;
  }

  /** Removes the key's pending transactional offsets (a tombstone was written or replayed). */
  #removePendingOffset(group: ClassicGroup, key: string): void {
    for (const pending of group.pendingOffsets.values()) pending.delete(key);
  }

  /**
   * Producer ids whose open transaction wrote offsets to the group (Kafka's
   * openTransactionsByGroup): kept until the transaction's marker, even when a tombstone removed
   * every offset it wrote.
   */
  pendingTransactions(groupId: string): bigint[] {
    return [...(this.#groups.get(groupId)?.pendingOffsets.keys() ?? [])];
  }

  #validateCommit(group: ClassicGroup, request: OffsetCommitRequestData): number {
    if (group.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (group.consumer !== null) {
      const consumer = group.consumer;
      if (request.generationId < 0 && request.memberId === '' && request.groupInstanceId === null) return consumer.members.size === 0 ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
      const member = this.#consumer.member(consumer, request.memberId);
      if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (request.requestVersion < 9) return ErrorCode.UNSUPPORTED_VERSION;
      if (request.generationId > member.memberEpoch) return ErrorCode.FENCED_MEMBER_EPOCH;
      if (request.generationId < member.memberEpoch) return ErrorCode.STALE_MEMBER_EPOCH;
      return ErrorCode.NONE;
    }
    if (request.generationId < 0 && group.state === 'Empty') return ErrorCode.NONE;
    if (request.generationId >= 0 || request.memberId !== '' || request.groupInstanceId !== null) {
      if (group.isStaticMemberFenced(request.groupInstanceId, request.memberId)) return ErrorCode.FENCED_INSTANCE_ID;
      const member = group.members.get(request.memberId);
      if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (request.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
      if (group.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
      // A commit from a member counts as a heartbeat.
      this.#scheduleSession(group, member);
      return ErrorCode.NONE;
    }
    return ErrorCode.UNKNOWN_MEMBER_ID;
  }

  /**
   * The committed offsets of a group: the listed partitions (-1 and no error where none is
   * committed), or every committed one when `topics` is null. With `requireStable` (OffsetFetch
   * v7+), a partition with a pending transactional offset answers UNSTABLE_OFFSET_COMMIT (offset
   * -1), as Kafka does per partition in every version; pending offsets are never returned.
   */
  fetchOffsets(groupId: string, topics: ReadonlyArray<{ topic: string; partitions: readonly number[] }> | null, requireStable = false): PartitionOffset[] {
    const group = this.#groups.get(groupId);
    const unstable = (topic: string, partition: number): PartitionOffset | null =>
      requireStable && group !== undefined && this.#hasPendingOffset(group, offsetKey(topic, partition))
        ? { topic, partition, offset: -1n, leaderEpoch: -1, metadata: '', errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT }
        : null;
    if (topics === null) {
      if (group === undefined) return [];
      return [...group.offsets.values()].map(
        ({ topic, partition, value }) => unstable(topic, partition) ?? { topic, partition, offset: value.offset, leaderEpoch: value.leaderEpoch, metadata: value.metadata, errorCode: ErrorCode.NONE },
      );
    }
    const out: PartitionOffset[] = [];
    for (const { topic, partitions } of topics) {
      for (const partition of partitions) {
        const found = group?.offsets.get(offsetKey(topic, partition));
        out.push(
          unstable(topic, partition) ??
            (found === undefined
              ? { topic, partition, offset: -1n, leaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE }
              : { topic, partition, offset: found.value.offset, leaderEpoch: found.value.leaderEpoch, metadata: found.value.metadata, errorCode: ErrorCode.NONE }),
        );
      }
    }
    return out;
  }

  /**
   * OffsetDelete: a top-level error (GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP for a non-consumer
   * group with members) or per partition NONE / GROUP_SUBSCRIBED_TO_TOPIC.
   */
  async deleteOffsets(groupId: string, partitions: ReadonlyArray<{ topic: string; partition: number }>): Promise<{ errorCode: number; partitions: number[] }> {
    if (this.#closed) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, partitions: [] };
    if (!validGroupId(groupId)) return { errorCode: ErrorCode.INVALID_GROUP_ID, partitions: [] };
    const group = this.#groups.get(groupId);
    if (group === undefined || group.state === 'Dead') return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, partitions: [] };
    let subscribed: Set<string> | null = null;
    if (group.consumer !== null && group.consumer.members.size > 0) {
      subscribed = new Set([...group.consumer.members.values()].flatMap((member) => member.subscribedTopicNames));
    } else if (group.state !== 'Empty') {
      if (group.protocolType !== 'consumer') return { errorCode: ErrorCode.NON_EMPTY_GROUP, partitions: [] };
      subscribed = subscribedTopics(group);
    }
    const errors: number[] = [];
    const records: GroupRecord[] = [];
    for (const { topic, partition } of partitions) {
      if (subscribed?.has(topic) === true) {
        errors.push(ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC);
        continue;
      }
      errors.push(ErrorCode.NONE);
      // Kafka writes the tombstone when an offset is committed or a transaction's is pending.
      const key = offsetKey(topic, partition);
      if (group.offsets.has(key) || this.#hasPendingOffset(group, key)) records.push({ kind: 'offset', groupId, topic, partition, value: null });
    }
    if (records.length > 0) {
      const written = (await this.#write(groupId, records)).errorCode;
      if (written !== ErrorCode.NONE) return { errorCode: written, partitions: [] };
      for (const record of records) {
        if (record.kind !== 'offset') continue;
        const key = offsetKey(record.topic, record.partition);
        group.offsets.delete(key);
        this.#removePendingOffset(group, key);
      }
    }
    return { errorCode: ErrorCode.NONE, partitions: errors };
  }

  // ---------------------------------------------------------------- administration

  describeGroup(groupId: string): GroupDescription {
    const group = this.#groups.get(groupId);
    if (group === undefined) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, groupId, state: 'Dead', protocolType: '', protocolName: '', members: [] };
    if (group.consumer !== null) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, groupId, state: 'Dead', protocolType: '', protocolName: '', members: [], notClassic: true };
    const stable = group.state === 'Stable';
    return {
      errorCode: ErrorCode.NONE,
      groupId,
      state: group.state,
      protocolType: group.protocolType ?? '',
      protocolName: stable ? (group.protocolName ?? '') : '',
      members: [...group.members.values()].map((member) => ({
        memberId: member.memberId,
        groupInstanceId: member.groupInstanceId,
        clientId: member.clientId,
        clientHost: member.clientHost,
        metadata: stable ? member.metadataFor(group.protocolName) : EMPTY,
        assignment: stable ? member.assignment : EMPTY,
      })),
    };
  }

  /** Groups whose state (case-insensitive) is in `states` and type in `types`; empty filters match all. */
  listGroups(states: readonly string[], types: readonly string[]): ListedGroup[] {
    const stateFilter = new Set(states.map((state) => state.toLowerCase()));
    const typeFilter = new Set(types.map((type) => type.toLowerCase()));
    const out: ListedGroup[] = [];
    for (const group of this.#groups.values()) {
      if (group.state === 'Dead') continue;
      const type = group.consumer !== null ? 'consumer' : 'classic';
      const state = group.consumer !== null ? group.consumer.state() : group.state;
      if (stateFilter.size > 0 && !stateFilter.has(state.toLowerCase())) continue;
      if (typeFilter.size > 0 && !typeFilter.has(type)) continue;
      out.push({ groupId: group.groupId, protocolType: type === 'consumer' ? 'consumer' : (group.protocolType ?? ''), state, type });
    }
    return out;
  }

  async deleteGroup(groupId: string): Promise<number> {
    if (this.#closed) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (!validGroupId(groupId)) return ErrorCode.INVALID_GROUP_ID;
    const group = this.#groups.get(groupId);
    if (group === undefined || group.state === 'Dead') return ErrorCode.GROUP_ID_NOT_FOUND;
    if (group.state !== 'Empty' || (group.consumer !== null && group.consumer.members.size > 0)) return ErrorCode.NON_EMPTY_GROUP;
    const written = (await this.#write(groupId, tombstones(group))).errorCode;
    if (written !== ErrorCode.NONE) return written;
    this.#forget(group);
    return ErrorCode.NONE;
  }

  #forget(group: ClassicGroup): void {
    group.transitionTo('Dead', this.#timers.now());
    if (group.consumer !== null) this.#consumer.close(group.consumer);
    group.rebalanceTimer?.();
    group.syncTimer?.();
    for (const cancel of group.pendingMembers.values()) cancel();
    this.#forgetPending(group);
    if (this.#groups.get(group.groupId) === group) this.#groups.delete(group.groupId);
  }

  /** Drops the group's pending transactional offsets (the group is deleted or replaced). */
  #forgetPending(group: ClassicGroup): void {
    for (const producerId of group.pendingOffsets.keys()) {
      const groupIds = this.#pendingGroups.get(producerId);
      groupIds?.delete(group.groupId);
      if (groupIds?.size === 0) this.#pendingGroups.delete(producerId);
    }
    group.pendingOffsets.clear();
  }

  groupState(groupId: string): GroupState | undefined {
    return this.#groups.get(groupId)?.state;
  }

  groupIds(): string[] {
    return [...this.#groups.keys()];
  }

  // ---------------------------------------------------------------- persistence

  #persistGroup(group: ClassicGroup, assignments?: ReadonlyMap<string, Buffer>): Promise<number> {
    const value: StoredGroup = {
      protocolType: group.protocolType ?? '',
      generationId: group.generationId,
      protocolName: group.protocolName,
      leaderId: group.leaderId,
      stateTimestampMs: this.#timers.now(),
      members: [...group.members.values()].map((member) => ({
        memberId: member.memberId,
        groupInstanceId: member.groupInstanceId,
        clientId: member.clientId,
        clientHost: member.clientHost,
        rebalanceTimeoutMs: member.rebalanceTimeoutMs,
        sessionTimeoutMs: member.sessionTimeoutMs,
        subscription: member.metadataFor(group.protocolName),
        assignment: assignments?.get(member.memberId) ?? member.assignment,
      })),
    };
    return this.#write(group.groupId, [{ kind: 'group', groupId: group.groupId, value }]).then((written) => written.errorCode);
  }

  /**
   * Applies a record read back from `__consumer_offsets` at start-up (in log order), at
   * `recordOffset` in the log; an offset of a transaction (`producerId` >= 0) is pending until
   * `completeTransaction` for its marker. Restored members get a fresh session timeout once
   * `startSessions` runs.
   */
  replay(record: GroupRecord, recordOffset: bigint, producerId: bigint): void {
    let group = this.#groups.get(record.groupId);
    if (record.kind === 'consumerGroup') {
      if (record.value === null) {
        if (group !== undefined) group.consumer = null;
        return;
      }
      if (group === undefined) {
        group = new ClassicGroup(record.groupId, this.#timers.now());
        this.#groups.set(record.groupId, group);
      }
      group.consumer = this.#consumer.restore(record.value);
      group.consumer.persisted = JSON.stringify(record.value);
      return;
    }
    if (record.kind === 'offset') {
      const key = offsetKey(record.topic, record.partition);
      if (record.value === null) {
        if (group === undefined) return;
        group.offsets.delete(key);
        // Kafka: a tombstone also removes the pending transactional offsets of the partition.
        this.#removePendingOffset(group, key);
        return;
      }
      if (group === undefined) {
        group = new ClassicGroup(record.groupId, record.value.commitTimestampMs);
        this.#groups.set(record.groupId, group);
      }
      const entry: OffsetEntry = { topic: record.topic, partition: record.partition, value: record.value, recordOffset };
      if (producerId >= 0n) this.#addPending(group, producerId, entry);
      else group.offsets.set(key, entry);
      return;
    }
    if (record.value === null) {
      if (group !== undefined) {
        this.#forgetPending(group);
        this.#groups.delete(record.groupId);
      }
      return;
    }
    const stored = record.value;
    const restored = new ClassicGroup(record.groupId, stored.stateTimestampMs);
    if (group !== undefined) {
      for (const [key, entry] of group.offsets) restored.offsets.set(key, entry);
      for (const [pendingProducerId, pending] of group.pendingOffsets) restored.pendingOffsets.set(pendingProducerId, pending);
    }
    restored.generationId = stored.generationId;
    restored.protocolType = stored.protocolType.length > 0 ? stored.protocolType : null;
    restored.protocolName = stored.protocolName;
    for (const member of stored.members) {
      const restoredMember = new ClassicMember({
        memberId: member.memberId,
        groupInstanceId: member.groupInstanceId,
        clientId: member.clientId,
        clientHost: member.clientHost,
        rebalanceTimeoutMs: member.rebalanceTimeoutMs,
        sessionTimeoutMs: member.sessionTimeoutMs,
        protocolType: stored.protocolType,
        protocols: [{ name: stored.protocolName ?? '', metadata: member.subscription }],
      });
      restoredMember.assignment = member.assignment;
      restoredMember.isNew = false;
      restored.add(restoredMember);
    }
    restored.leaderId = stored.leaderId !== null && restored.members.has(stored.leaderId) ? stored.leaderId : restored.leaderId;
    restored.state = restored.members.size > 0 ? 'Stable' : 'Empty';
    this.#groups.set(record.groupId, restored);
  }

  /** After loading: restored members must heartbeat within their session timeout. */
  startSessions(): void {
    for (const group of this.#groups.values()) {
      for (const member of group.members.values()) this.#scheduleSession(group, member);
      if (group.consumer !== null) this.#consumer.startSessions(group.groupId, group.consumer);
    }
  }

  // ---------------------------------------------------------------- retention

  #scheduleRetentionCheck(): void {
    if (this.#config.offsetsRetentionCheckIntervalMs <= 0 || this.#closed) return;
    this.#retentionTimer = this.#timers.schedule(this.#config.offsetsRetentionCheckIntervalMs, () => {
      void this.expireOffsets().finally(() => this.#scheduleRetentionCheck());
    });
  }

  /**
   * Kafka's offset expiration for classic groups: once a group has been Empty for
   * offsets.retention.minutes, its offsets are deleted; a group with no offsets and no members
   * is removed. Returns how many offsets expired.
   */
  async expireOffsets(): Promise<number> {
    const nowMs = this.#timers.now();
    let expired = 0;
    for (const group of [...this.#groups.values()]) {
      if (group.state !== 'Empty' || group.pendingMembers.size > 0 || (group.consumer !== null && group.consumer.members.size > 0)) continue;
      // A group that had members counts from when it became Empty; a simple group (offsets only)
      // from each commit.
      const hadMembers = group.protocolType !== null || group.consumer !== null;
      // Kafka keeps an offset while a transaction's offset for it is pending, and the group while
      // it has open transactions.
      const expiredOffsets = [...group.offsets.values()].filter(
        ({ topic, partition, value }) =>
          nowMs - (hadMembers ? group.stateTimestampMs : value.commitTimestampMs) >= this.#config.offsetsRetentionMs && !this.#hasPendingOffset(group, offsetKey(topic, partition)),
      );
      const removeGroup = expiredOffsets.length === group.offsets.size && group.pendingOffsets.size === 0;
      if (expiredOffsets.length === 0 && !removeGroup) continue;
      const records: GroupRecord[] = expiredOffsets.map(({ topic, partition }) => ({ kind: 'offset', groupId: group.groupId, topic, partition, value: null }));
      if (removeGroup) records.push({ kind: 'group', groupId: group.groupId, value: null });
      const written = (await this.#write(group.groupId, records)).errorCode;
      if (written !== ErrorCode.NONE || group.state !== 'Empty') continue;
      for (const { topic, partition } of expiredOffsets) group.offsets.delete(offsetKey(topic, partition));
      expired += expiredOffsets.length;
      if (removeGroup && group.offsets.size === 0 && group.pendingOffsets.size === 0) this.#forget(group);
    }
    return expired;
  }

  close(): void {
    this.#closed = true;
    this.#retentionTimer?.();
    for (const group of this.#groups.values()) {
      group.rebalanceTimer?.();
      group.syncTimer?.();
      if (group.consumer !== null) this.#consumer.close(group.consumer);
      for (const cancel of group.pendingMembers.values()) cancel();
      for (const member of group.members.values()) {
        member.sessionTimer?.();
        member.awaitingJoin?.(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, member.memberId));
        member.awaitingJoin = null;
        member.awaitingSync?.({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, protocolType: null, protocolName: null, assignment: EMPTY });
        member.awaitingSync = null;
      }
    }
  }
}

function joinError(errorCode: number, memberId: string): JoinResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leaderId: '', skipAssignment: false, memberId, members: [] };
}

/** DeleteGroups' records: a tombstone per committed or pending offset (Kafka's deleteAllOffsets), then the group's. */
function tombstones(group: ClassicGroup): GroupRecord[] {
  const records: GroupRecord[] = [...group.offsets.values()].map(({ topic, partition }) => ({ kind: 'offset', groupId: group.groupId, topic, partition, value: null }));
  const pendingOnly = new Map<string, OffsetEntry>();
  for (const pending of group.pendingOffsets.values()) for (const [key, entry] of pending) if (!group.offsets.has(key)) pendingOnly.set(key, entry);
  for (const { topic, partition } of pendingOnly.values()) records.push({ kind: 'offset', groupId: group.groupId, topic, partition, value: null });
  records.push({ kind: 'group', groupId: group.groupId, value: null });
  if (group.consumer !== null) records.push({ kind: 'consumerGroup', groupId: group.groupId, value: null });
  return records;
}

/**
 * Topics of the consumer protocol's subscriptions (ConsumerProtocolSubscription: version int16,
 * topics array of strings, ...). Undecodable metadata subscribes to nothing.
 */
function subscribedTopics(group: ClassicGroup): Set<string> {
  const topics = new Set<string>();
  for (const member of group.members.values()) {
    const metadata = member.metadataFor(group.protocolName);
    try {
      let position = 2;
      const count = metadata.readInt32BE(position);
      position += 4;
      for (let index = 0; index < count && index < 100_000; index++) {
        const length = metadata.readInt16BE(position);
        position += 2;
        if (length < 0 || position + length > metadata.length) break;
        topics.add(metadata.toString('utf8', position, position + length));
        position += length;
      }
    } catch {
      // Not the consumer protocol's layout.
    }
  }
  return topics;
}

export { GROUP_STATES };
