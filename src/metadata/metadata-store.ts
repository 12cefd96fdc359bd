/**
 * The durable metadata of a single node: cluster id, topics (with topic ids), partition counts,
 * topic config overrides, dynamic broker configs and the producer-id allocator.
 *
 * It is a metadata log (the single-node precursor of the Raft log a later issue replicates):
 * every mutation is one or more records (metadata-records.ts) appended to `metadata.log`
 * (metadata-log-file.ts) and fdatasync'ed before the mutation resolves; the in-memory state is
 * the replay of the log, and changes only after the records are durable, by the same function
 * that replays them at start-up. When the file outgrows `compactAfterBytes` (and twice its last
 * compacted size) it is rewritten as the minimal records that rebuild the current state.
 *
 * Concurrency: used from the event loop. Mutations run one at a time in call order; each sees
 * the state left by the ones before it. Reads see the state of the mutations resolved so far.
 *
 * Errors Kafka has codes for (TOPIC_ALREADY_EXISTS, UNKNOWN_TOPIC_OR_PARTITION, INVALID_TOPIC_EXCEPTION,
 * INVALID_PARTITIONS, POLICY_VIOLATION, INVALID_REQUEST) reject with a MetadataError carrying the
 * code; handlers check first (topic(), validateTopicName) and map it, so it signals a race.
 * An I/O failure rejects with the I/O error and fails the store: every later mutation rejects
 * with KAFKA_STORAGE_ERROR until a restart replays the file.
 */
import { mkdir } from 'node:fs/promises';

import { ErrorCode } from '../protocol/error-codes.ts';
import { randomUuid, uuidFromString, uuidToString } from './kafka-uuid.ts';
import { MetadataLogFile } from './metadata-log-file.ts';
import { decodeMetadataRecord, encodeMetadataRecord, type MetadataRecord } from './metadata-records.ts';

export interface TopicRecord {
  readonly name: string;
  /** Kafka Uuid as 22-char base64url, never the zero or sentinel UUIDs. */
  readonly topicId: string;
  readonly partitionCount: number;
  /** Topic overrides only. */
  readonly configs: Readonly<Record<string, string>>;
  readonly internal: boolean;
}

export class MetadataError extends Error {
  readonly errorCode: number;

  constructor(errorCode: number, message: string) {
    super(message);
    this.name = 'MetadataError';
    this.errorCode = errorCode;
  }
}

/** Kafka's Topic.MAX_NAME_LENGTH. */
export const MAX_TOPIC_NAME_LENGTH = 249;
/**
 * Bound on partitions one createTopic / createPartitions adds: Kafka's controller refuses more
 * than 10 000 per request (ReplicationControlManager.MAX_PARTITIONS_PER_BATCH) with POLICY_VIOLATION.
 */
export const MAX_PARTITIONS_PER_OPERATION = 10_000;
/** Bound on one allocateProducerIds (Kafka hands out blocks of 1000). */
export const MAX_PRODUCER_IDS_PER_ALLOCATION = 1_000_000;
/** Kafka's internal topics (Topic.isInternal). */
export const INTERNAL_TOPIC_NAMES: ReadonlySet<string> = new Set(['__consumer_offsets', '__transaction_state', '__share_group_state']);

const METADATA_LOG_FILE_NAME = 'metadata.log';
const DEFAULT_COMPACT_AFTER_BYTES = 1024 * 1024;
const MAX_PRODUCER_ID = 0x7fff_ffff_ffff_ffffn;

/** Kafka's topic name rules (org.apache.kafka.common.internals.Topic.validate); a message on failure. */
export function validateTopicName(name: string): string | null {
  if (name.length === 0) return "Topic name is illegal, it can't be empty";
  if (name === '.' || name === '..') return 'Topic name cannot be "." or ".."';
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    return `Topic name is illegal, it can't be longer than ${MAX_TOPIC_NAME_LENGTH} characters, topic name: ${name}`;
  }
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) {
    return `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`;
  }
  return null;
}

/** Kafka: metric names replace '.' with '_', so names differing only there collide. */
export function topicNamesCollide(a: string, b: string): boolean {
  return a.replaceAll('.', '_') === b.replaceAll('.', '_');
}

type BrokerConfigScope = 'cluster' | number;

function scopeKey(scope: BrokerConfigScope): string {
  if (scope !== 'cluster' && !(Number.isInteger(scope) && scope >= 0 && scope <= 0x7fff_ffff)) {
    throw new MetadataError(ErrorCode.INVALID_REQUEST, `invalid broker config scope ${String(scope)}`);
  }
  return String(scope);
}

function frozenConfigs(configs: Record<string, string>): Readonly<Record<string, string>> {
  const copy: Record<string, string> = {};
  for (const [name, value] of Object.entries(configs)) {
    if (typeof value !== 'string') throw new MetadataError(ErrorCode.INVALID_CONFIG, `config ${name} must be a string`);
    copy[name] = value;
  }
  return Object.freeze(copy);
}

export interface MetadataStoreOptions {
  nodeId: number;
  /** Compact the log once it reaches this size (and twice its last compacted size). Default 1 MiB. */
  compactAfterBytes?: number;
}

export class MetadataStore {
  readonly clusterId: string;
  readonly nodeId: number;
  readonly #file: MetadataLogFile;
  readonly #compactAfterBytes: number;
  readonly #topicsByName = new Map<string, TopicRecord>();
  readonly #topicsById = new Map<string, TopicRecord>();
  readonly #brokerConfigs = new Map<string, Readonly<Record<string, string>>>();
  #nextProducerId = 0n;
  #compactedBytes = 0;
  #queue: Promise<unknown> = Promise.resolve();
  #failure: Error | null = null;
  #closed = false;
  #compactions = 0;

  private constructor(file: MetadataLogFile, clusterId: string, nodeId: number, compactAfterBytes: number) {
    this.#file = file;
    this.clusterId = clusterId;
    this.nodeId = nodeId;
    this.#compactAfterBytes = compactAfterBytes;
    this.#compactedBytes = file.sizeBytes;
  }

  /** Opens the store in `dir`, replaying its log; creates the cluster id on first start. */
  static async open(dir: string, options: MetadataStoreOptions): Promise<MetadataStore> {
    if (!Number.isInteger(options.nodeId) || options.nodeId < 0) throw new RangeError(`invalid node id ${options.nodeId}`);
    await mkdir(dir, { recursive: true });
    const { file, records } = await MetadataLogFile.open(dir, METADATA_LOG_FILE_NAME);
    let decoded: MetadataRecord[];
    try {
      // A record that passes its CRC but does not decode is no torn write: refuse to start.
      decoded = records.map((payload) => decodeMetadataRecord(payload));
    } catch (error) {
      await file.close();
      throw error;
    }
    const clusterRecord = decoded.find((record) => record.kind === 'clusterCreated');
    let clusterId: string;
    if (clusterRecord === undefined) {
      clusterId = randomUuid();
      const record: MetadataRecord = { kind: 'clusterCreated', clusterId: uuidFromString(clusterId)! };
      await file.append([encodeMetadataRecord(record)]);
    } else {
      clusterId = uuidToString(clusterRecord.clusterId);
    }
    const store = new MetadataStore(file, clusterId, options.nodeId, options.compactAfterBytes ?? DEFAULT_COMPACT_AFTER_BYTES);
    for (const record of decoded) store.#apply(record);
    return store;
  }

  /** How many times the log was compacted since open (for tests and metrics). */
  get compactions(): number {
    return this.#compactions;
  }

  /** Bytes of the metadata log file now. */
  get logSizeBytes(): number {
    return this.#file.sizeBytes;
  }

  topics(): readonly TopicRecord[] {
    return [...this.#topicsByName.values()];
  }

  topic(name: string): TopicRecord | undefined {
    return this.#topicsByName.get(name);
  }

  topicById(topicId: string): TopicRecord | undefined {
    return this.#topicsById.get(topicId);
  }

  /** Durable (fdatasync'ed) before it resolves. */
  createTopic(name: string, partitionCount: number, configs: Record<string, string>): Promise<TopicRecord> {
    return this.#mutate(() => {
      const invalid = validateTopicName(name);
      if (invalid !== null) throw new MetadataError(ErrorCode.INVALID_TOPIC_EXCEPTION, invalid);
      if (this.#topicsByName.has(name)) throw new MetadataError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' already exists.`);
      for (const existing of this.#topicsByName.keys()) {
        if (topicNamesCollide(existing, name)) {
          throw new MetadataError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${name}' collides with existing topic: ${existing}`);
        }
      }
      MetadataStore.#checkPartitionsAdded(partitionCount);
      let topicId = randomUuid();
      while (this.#topicsById.has(topicId)) topicId = randomUuid();
      const record: MetadataRecord = {
        kind: 'topicCreated',
        name,
        topicId: uuidFromString(topicId)!,
        partitionCount,
        configs: { ...frozenConfigs(configs) },
        internal: INTERNAL_TOPIC_NAMES.has(name),
      };
      return { records: [record], result: () => this.#topicsByName.get(name)! };
    });
  }

  deleteTopic(name: string): Promise<void> {
    return this.#mutate(() => {
      const topic = this.#requireTopic(name);
      return { records: [{ kind: 'topicRemoved', topicId: uuidFromString(topic.topicId)! }], result: () => undefined };
    });
  }

  createPartitions(name: string, newPartitionCount: number): Promise<TopicRecord> {
    return this.#mutate(() => {
      const topic = this.#requireTopic(name);
      if (!Number.isInteger(newPartitionCount) || newPartitionCount <= topic.partitionCount) {
        const message =
          newPartitionCount === topic.partitionCount
            ? `Topic already has ${topic.partitionCount} partitions.`
            : `Topic currently has ${topic.partitionCount} partitions, which is higher than the requested ${newPartitionCount}.`;
        throw new MetadataError(ErrorCode.INVALID_PARTITIONS, message);
      }
      MetadataStore.#checkPartitionsAdded(newPartitionCount - topic.partitionCount);
      const record: MetadataRecord = { kind: 'partitionsCreated', topicId: uuidFromString(topic.topicId)!, partitionCount: newPartitionCount };
      return { records: [record], result: () => this.#topicsByName.get(name)! };
    });
  }

  /** Replaces the topic's overrides with `configs`. */
  setTopicConfigs(name: string, configs: Record<string, string>): Promise<void> {
    return this.#mutate(() => {
      const topic = this.#requireTopic(name);
      const record: MetadataRecord = { kind: 'topicConfigsSet', topicId: uuidFromString(topic.topicId)!, configs: { ...frozenConfigs(configs) } };
      return { records: [record], result: () => undefined };
    });
  }

  dynamicBrokerConfigs(scope: BrokerConfigScope): Readonly<Record<string, string>> {
    return this.#brokerConfigs.get(scopeKey(scope)) ?? Object.freeze({});
  }

  /** Replaces the dynamic configs of the cluster-wide default or of one node. */
  setDynamicBrokerConfigs(scope: BrokerConfigScope, configs: Record<string, string>): Promise<void> {
    return this.#mutate(() => {
      scopeKey(scope);
      const record: MetadataRecord = {
        kind: 'brokerConfigsSet',
        cluster: scope === 'cluster',
        nodeId: scope === 'cluster' ? 0 : scope,
        configs: { ...frozenConfigs(configs) },
      };
      return { records: [record], result: () => undefined };
    });
  }

  /**
   * Durable before it resolves: the next id is on disk, so no id is handed out twice, even
   * across crashes (ids allocated but unused before a crash are skipped, as in Kafka).
   */
  allocateProducerIds(count: number): Promise<{ firstProducerId: bigint; count: number }> {
    return this.#mutate(() => {
      if (!Number.isInteger(count) || count < 1 || count > MAX_PRODUCER_IDS_PER_ALLOCATION) {
        throw new MetadataError(ErrorCode.INVALID_REQUEST, `cannot allocate ${count} producer ids (1 to ${MAX_PRODUCER_IDS_PER_ALLOCATION})`);
      }
      const firstProducerId = this.#nextProducerId;
      const next = firstProducerId + BigInt(count);
      if (next > MAX_PRODUCER_ID) throw new MetadataError(ErrorCode.UNKNOWN_SERVER_ERROR, 'producer ids are exhausted');
      return { records: [{ kind: 'producerIdsAllocated', nextProducerId: next }], result: () => ({ firstProducerId, count }) };
    });
  }

  /** Waits for queued mutations, then closes the file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue.catch(() => undefined);
    await this.#file.close();
  }

  static #checkPartitionsAdded(count: number): void {
    if (!Number.isInteger(count) || count < 1) {
      throw new MetadataError(ErrorCode.INVALID_PARTITIONS, `Number of partitions must be larger than 0, not ${count}.`);
    }
    if (count > MAX_PARTITIONS_PER_OPERATION) {
      throw new MetadataError(ErrorCode.POLICY_VIOLATION, `Excessively large number of partitions per request: ${count} (at most ${MAX_PARTITIONS_PER_OPERATION}).`);
    }
  }

  #requireTopic(name: string): TopicRecord {
    const topic = this.#topicsByName.get(name);
    if (topic === undefined) throw new MetadataError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `This server does not host this topic: ${name}`);
    return topic;
  }

  /**
   * Runs `plan` after every earlier mutation: it validates against the current state and names
   * the records to write; they are made durable, then applied, then `result` is read.
   */
  #mutate<T>(plan: () => { records: MetadataRecord[]; result: () => T }): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.#closed) throw new MetadataError(ErrorCode.UNKNOWN_SERVER_ERROR, 'the metadata store is closed');
      if (this.#failure !== null) {
        throw new MetadataError(ErrorCode.KAFKA_STORAGE_ERROR, `the metadata log failed earlier: ${this.#failure.message}`);
      }
      const { records, result } = plan();
      try {
        await this.#file.append(records.map((record) => encodeMetadataRecord(record)));
      } catch (error) {
        this.#failure = error as Error;
        throw error;
      }
      for (const record of records) this.#apply(record);
      await this.#maybeCompact();
      return result();
    };
    const outcome = this.#queue.then(run, run);
    this.#queue = outcome.catch(() => undefined);
    return outcome;
  }

  async #maybeCompact(): Promise<void> {
    const size = this.#file.sizeBytes;
    if (size < this.#compactAfterBytes || size < 2 * this.#compactedBytes) return;
    try {
      await this.#file.rewrite(this.#image().map((record) => encodeMetadataRecord(record)));
      this.#compactedBytes = this.#file.sizeBytes;
      this.#compactions++;
    } catch (error) {
      // The mutation itself is durable; a failed rewrite left the old file in place.
      this.#failure = error as Error;
    }
  }

  /** The fewest records that rebuild the current state. */
  #image(): MetadataRecord[] {
    const records: MetadataRecord[] = [{ kind: 'clusterCreated', clusterId: uuidFromString(this.clusterId)! }];
    if (this.#nextProducerId > 0n) records.push({ kind: 'producerIdsAllocated', nextProducerId: this.#nextProducerId });
    for (const [key, configs] of this.#brokerConfigs) {
      const cluster = key === 'cluster';
      records.push({ kind: 'brokerConfigsSet', cluster, nodeId: cluster ? 0 : Number(key), configs: { ...configs } });
    }
    for (const topic of this.#topicsByName.values()) {
      records.push({
        kind: 'topicCreated',
        name: topic.name,
        topicId: uuidFromString(topic.topicId)!,
        partitionCount: topic.partitionCount,
        configs: { ...topic.configs },
        internal: topic.internal,
      });
    }
    return records;
  }

  /** The one state transition, for replay and for live mutations alike. */
  #apply(record: MetadataRecord): void {
    switch (record.kind) {
      case 'clusterCreated':
        return;
      case 'topicCreated': {
        const topic: TopicRecord = Object.freeze({
          name: record.name,
          topicId: uuidToString(record.topicId),
          partitionCount: record.partitionCount,
          configs: frozenConfigs(record.configs),
          internal: record.internal,
        });
        this.#topicsByName.set(topic.name, topic);
        this.#topicsById.set(topic.topicId, topic);
        return;
      }
      case 'topicRemoved': {
        const topic = this.#topicsById.get(uuidToString(record.topicId));
        if (topic === undefined) return;
        this.#topicsById.delete(topic.topicId);
        this.#topicsByName.delete(topic.name);
        return;
      }
      case 'partitionsCreated':
        this.#replaceTopic(record.topicId, (topic) => ({ ...topic, partitionCount: record.partitionCount }));
        return;
      case 'topicConfigsSet':
        this.#replaceTopic(record.topicId, (topic) => ({ ...topic, configs: frozenConfigs(record.configs) }));
        return;
      case 'brokerConfigsSet':
        this.#brokerConfigs.set(record.cluster ? 'cluster' : String(record.nodeId), frozenConfigs(record.configs));
        return;
      case 'producerIdsAllocated':
        if (record.nextProducerId > this.#nextProducerId) this.#nextProducerId = record.nextProducerId;
        return;
    }
  }

  #replaceTopic(topicId: Uint8Array, change: (topic: TopicRecord) => TopicRecord): void {
    const current = this.#topicsById.get(uuidToString(topicId));
    if (current === undefined) return;
    const next = Object.freeze(change(current));
    this.#topicsById.set(next.topicId, next);
    this.#topicsByName.set(next.name, next);
  }
}
