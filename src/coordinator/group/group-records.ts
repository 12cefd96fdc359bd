/**
 * The records of `__consumer_offsets`, in Apache Kafka's own formats (so that Kafka's tools and a
 * replicated copy read them unchanged). Keys and values are big-endian, strings int16-length
 * prefixed, nullable strings -1 for null, bytes int32-length prefixed.
 *
 *   OffsetCommitKey    v1: version int16 = 1, group string, topic string, partition int32
 *   OffsetCommitValue  v3: version int16 = 3, offset int64, leaderEpoch int32, metadata string,
 *                          commitTimestamp int64
 *   GroupMetadataKey   v2: version int16 = 2, group string
 *   GroupMetadataValue v3: version int16 = 3, protocolType string, generation int32,
 *                          protocol nullable string, leader nullable string,
 *                          currentStateTimestamp int64, members int32 count of
 *                          { memberId string, groupInstanceId nullable string, clientId string,
 *                            clientHost string, rebalanceTimeout int32, sessionTimeout int32,
 *                            subscription bytes, assignment bytes }
 * A null value is a tombstone: the offset, or the whole group, is deleted.
 *
 * Consumer-protocol (KIP-848) groups are fjord's own record, not Kafka's six record types:
 *   ConsumerGroupKey (fjord) v32512: version int16 = 32512, group string
 *   ConsumerGroupValue (fjord) v0:   version int16 = 0, then the group's state as UTF-8 JSON
 *                                    (epochs, assignor, members with subscriptions, epochs,
 *                                    current, pending-revocation and target assignments)
 * Kafka's loaders do not read this key version; fjord reads only its own topic.
 */

export interface CommittedOffset {
  readonly offset: bigint;
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly commitTimestampMs: number;
}

export interface StoredMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly rebalanceTimeoutMs: number;
  readonly sessionTimeoutMs: number;
  readonly subscription: Buffer;
  readonly assignment: Buffer;
}

export interface StoredGroup {
  readonly protocolType: string;
  readonly generationId: number;
  readonly protocolName: string | null;
  readonly leaderId: string | null;
  readonly stateTimestampMs: number;
  readonly members: readonly StoredMember[];
}

/** A consumer-protocol group's state, as ConsumerProtocol.snapshot produces it. */
export interface StoredConsumerGroup {
  readonly groupEpoch: number;
  readonly assignmentEpoch: number;
  readonly assignorName: string;
  /** The subscribed topics' ids and sizes the target was computed for. */
  readonly metadataSignature: string;
  readonly members: ReadonlyArray<{
    readonly memberId: string;
    readonly instanceId: string | null;
    readonly rackId: string | null;
    readonly clientId: string;
    readonly clientHost: string;
    readonly subscribedTopicNames: readonly string[];
    readonly subscribedTopicRegex: string | null;
    readonly serverAssignor: string | null;
    readonly rebalanceTimeoutMs: number;
    readonly memberEpoch: number;
    readonly previousMemberEpoch: number;
    readonly state: 'stable' | 'unrevoked' | 'unreleased';
    readonly assigned: ReadonlyArray<readonly [string, readonly number[]]>;
    readonly revoking: ReadonlyArray<readonly [string, readonly number[]]>;
    readonly target: ReadonlyArray<readonly [string, readonly number[]]>;
  }>;
}

export type GroupRecord =
  | { readonly kind: 'offset'; readonly groupId: string; readonly topic: string; readonly partition: number; readonly value: CommittedOffset | null }
  | { readonly kind: 'group'; readonly groupId: string; readonly value: StoredGroup | null }
  | { readonly kind: 'consumerGroup'; readonly groupId: string; readonly value: StoredConsumerGroup | null };

/** fjord's key version for consumer-protocol group state (outside Kafka's 0-20 range). */
export const CONSUMER_GROUP_KEY_VERSION = 32512;

class Out {
  readonly parts: Buffer[] = [];
  int16(value: number): void {
    const b = Buffer.allocUnsafe(2);
    b.writeInt16BE(value);
    this.parts.push(b);
  }
  int32(value: number): void {
    const b = Buffer.allocUnsafe(4);
    b.writeInt32BE(value);
    this.parts.push(b);
  }
  int64(value: bigint): void {
    const b = Buffer.allocUnsafe(8);
    b.writeBigInt64BE(value);
    this.parts.push(b);
  }
  string(value: string | null): void {
    if (value === null) {
      this.int16(-1);
      return;
    }
    const bytes = Buffer.from(value, 'utf8');
    if (bytes.length > 32767) throw new RangeError('string longer than 32767 bytes');
    this.int16(bytes.length);
    this.parts.push(bytes);
  }
  bytes(value: Buffer): void {
    this.int32(value.length);
    this.parts.push(value);
  }
  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

class In {
  readonly buffer: Buffer;
  position = 0;
  constructor(buffer: Buffer) {
    this.buffer = buffer;
  }
  #need(count: number): void {
    if (this.position + count > this.buffer.length) throw new RangeError('group record truncated');
  }
  int16(): number {
    this.#need(2);
    const value = this.buffer.readInt16BE(this.position);
    this.position += 2;
    return value;
  }
  int32(): number {
    this.#need(4);
    const value = this.buffer.readInt32BE(this.position);
    this.position += 4;
    return value;
  }
  int64(): bigint {
    this.#need(8);
    const value = this.buffer.readBigInt64BE(this.position);
    this.position += 8;
    return value;
  }
  nullableString(): string | null {
    const length = this.int16();
    if (length < 0) return null;
    this.#need(length);
    const value = this.buffer.toString('utf8', this.position, this.position + length);
    this.position += length;
    return value;
  }
  string(): string {
    const value = this.nullableString();
    if (value === null) throw new RangeError('unexpected null string in a group record');
    return value;
  }
  bytes(): Buffer {
    const length = this.int32();
    if (length < 0) return Buffer.alloc(0);
    this.#need(length);
    const value = Buffer.from(this.buffer.subarray(this.position, this.position + length));
    this.position += length;
    return value;
  }
}

export function encodeGroupRecord(record: GroupRecord): { key: Buffer; value: Buffer | null } {
  const key = new Out();
  if (record.kind === 'consumerGroup') {
    key.int16(CONSUMER_GROUP_KEY_VERSION);
    key.string(record.groupId);
    if (record.value === null) return { key: key.finish(), value: null };
    const value = new Out();
    value.int16(0);
    value.parts.push(Buffer.from(JSON.stringify(record.value), 'utf8'));
    return { key: key.finish(), value: value.finish() };
  }
  if (record.kind === 'offset') {
    key.int16(1);
    key.string(record.groupId);
    key.string(record.topic);
    key.int32(record.partition);
    if (record.value === null) return { key: key.finish(), value: null };
    const value = new Out();
    value.int16(3);
    value.int64(record.value.offset);
    value.int32(record.value.leaderEpoch);
    value.string(record.value.metadata);
    value.int64(BigInt(record.value.commitTimestampMs));
    return { key: key.finish(), value: value.finish() };
  }
  key.int16(2);
  key.string(record.groupId);
  if (record.value === null) return { key: key.finish(), value: null };
  const group = record.value;
  const value = new Out();
  value.int16(3);
  value.string(group.protocolType);
  value.int32(group.generationId);
  value.string(group.protocolName);
  value.string(group.leaderId);
  value.int64(BigInt(group.stateTimestampMs));
  value.int32(group.members.length);
  for (const member of group.members) {
    value.string(member.memberId);
    value.string(member.groupInstanceId);
    value.string(member.clientId);
    value.string(member.clientHost);
    value.int32(member.rebalanceTimeoutMs);
    value.int32(member.sessionTimeoutMs);
    value.bytes(member.subscription);
    value.bytes(member.assignment);
  }
  return { key: key.finish(), value: value.finish() };
}

/**
 * Decodes a record of `__consumer_offsets`; null for key versions fjord does not use (Kafka's
 * newer consumer-protocol records), which a loader skips.
 */
export function decodeGroupRecord(keyBytes: Buffer, valueBytes: Buffer | null): GroupRecord | null {
  const key = new In(keyBytes);
  const keyVersion = key.int16();
  if (keyVersion === 0 || keyVersion === 1) {
    const groupId = key.string();
    const topic = key.string();
    const partition = key.int32();
    if (valueBytes === null) return { kind: 'offset', groupId, topic, partition, value: null };
    const value = new In(valueBytes);
    const version = value.int16();
    const offset = value.int64();
    const leaderEpoch = version >= 3 ? value.int32() : -1;
    const metadata = value.string();
    const commitTimestampMs = Number(value.int64());
    return { kind: 'offset', groupId, topic, partition, value: { offset, leaderEpoch, metadata, commitTimestampMs } };
  }
  if (keyVersion === 2) {
    const groupId = key.string();
    if (valueBytes === null) return { kind: 'group', groupId, value: null };
    const value = new In(valueBytes);
    const version = value.int16();
    const protocolType = value.string();
    const generationId = value.int32();
    const protocolName = value.nullableString();
    const leaderId = value.nullableString();
    const stateTimestampMs = version >= 2 ? Number(value.int64()) : -1;
    const count = value.int32();
    const members: StoredMember[] = [];
    for (let index = 0; index < count; index++) {
      const memberId = value.string();
      const groupInstanceId = version >= 3 ? value.nullableString() : null;
      const clientId = value.string();
      const clientHost = value.string();
      const rebalanceTimeoutMs = version >= 1 ? value.int32() : 0;
      const sessionTimeoutMs = value.int32();
      if (version === 0) members.push({ memberId, groupInstanceId, clientId, clientHost, rebalanceTimeoutMs: sessionTimeoutMs, sessionTimeoutMs, subscription: value.bytes(), assignment: value.bytes() });
      else members.push({ memberId, groupInstanceId, clientId, clientHost, rebalanceTimeoutMs, sessionTimeoutMs, subscription: value.bytes(), assignment: value.bytes() });
    }
    return { kind: 'group', groupId, value: { protocolType, generationId, protocolName, leaderId, stateTimestampMs, members } };
  }
  if (keyVersion === CONSUMER_GROUP_KEY_VERSION) {
    const groupId = key.string();
    if (valueBytes === null) return { kind: 'consumerGroup', groupId, value: null };
    const value = new In(valueBytes);
    if (value.int16() !== 0) return null;
    return { kind: 'consumerGroup', groupId, value: JSON.parse(valueBytes.toString('utf8', 2)) as StoredConsumerGroup };
  }
  return null;
}

/** Java's String.hashCode over UTF-16 code units, as a signed 32-bit integer. */
export function javaStringHashCode(text: string): number {
  let hash = 0;
  for (let index = 0; index < text.length; index++) hash = (Math.imul(hash, 31) + text.charCodeAt(index)) | 0;
  return hash;
}

/**
 * The `__consumer_offsets` partition of a group: Kafka's Utils.abs(groupId.hashCode) % N, where
 * Utils.abs(Integer.MIN_VALUE) is 0 (not the producer partitioner's sign-bit mask).
 */
export function partitionForGroup(groupId: string, partitionCount: number): number {
  const hash = javaStringHashCode(groupId);
  return (hash === -2147483648 ? 0 : Math.abs(hash)) % partitionCount;
}
