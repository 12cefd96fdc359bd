/**
 * Topic administration shared by the handlers (CreateTopics, DeleteTopics, CreatePartitions,
 * AlterConfigs, IncrementalAlterConfigs, Metadata's auto-creation): validates with Kafka's rules
 * and messages, records the change durably in the metadata store first, then applies it to the
 * logs. A crash between the two is repaired at start-up (the log manager creates missing
 * partitions and deletes directories of topics the metadata no longer has).
 *
 * Dynamic broker configs (AlterConfigs on the broker) change the layers topic configs resolve
 * through, so every topic's log settings are re-applied when they change.
 */
import {
  brokerConfigFromLayers,
  createTopicConfigs,
  resolveTopicConfig,
  toLogSettings,
  type BrokerConfig,
  type BrokerConfigLayers,
  type ConfigEntryInput,
  type EffectiveTopicConfig,
} from '../config/index.ts';
import type { LogManager } from '../log/log-manager.ts';
import type { LogSettings } from '../native/index.ts';
import { MetadataError, topicNamesCollide, validateTopicName, type MetadataStore, type TopicRecord } from '../metadata/metadata-store.ts';
import { ErrorCode } from '../protocol/index.ts';

export interface TopicOutcome {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly topic?: TopicRecord;
}

export interface CreateTopicRequest {
  readonly name: string;
  /** -1: the broker's num.partitions. */
  readonly numPartitions: number;
  /** -1: the broker's default.replication.factor. */
  readonly replicationFactor: number;
  /** Manual replica assignment: one list of broker ids per partition. */
  readonly assignments?: ReadonlyArray<readonly number[]>;
  readonly configs: readonly ConfigEntryInput[];
  readonly validateOnly: boolean;
}

const ok = (topic?: TopicRecord): TopicOutcome => ({ errorCode: ErrorCode.NONE, errorMessage: null, ...(topic ? { topic } : {}) });
const fail = (errorCode: number, errorMessage: string): TopicOutcome => ({ errorCode, errorMessage });

function fromError(error: unknown): TopicOutcome {
  if (error instanceof MetadataError) return fail(error.errorCode, error.message);
  throw error;
}

/** The number of brokers a replication factor can use: this single node. */
const REGISTERED_BROKERS = 1;

/** What the owner of an internal topic asks for when it creates the topic on first use. */
export interface InternalTopicRequest {
  readonly name: string;
  readonly numPartitions: number;
  readonly configs: readonly ConfigEntryInput[];
  readonly log: (level: 'info' | 'error', message: string) => void;
}

export class TopicAdmin {
  #config: BrokerConfig;
  readonly #metadata: MetadataStore;
  readonly #logs: () => LogManager;
  /** Internal topic creations in progress, by name (one per internal topic at most). */
  readonly #creatingInternal = new Map<string, Promise<number>>();

  constructor(config: BrokerConfig, metadata: MetadataStore, logs: () => LogManager) {
    this.#config = config;
    this.#metadata = metadata;
    this.#logs = logs;
  }

  get config(): BrokerConfig {
    return this.#config;
  }

  get layers(): BrokerConfigLayers {
    return this.#config.layers;
  }

  effectiveConfig(topic: TopicRecord): EffectiveTopicConfig {
    return resolveTopicConfig(new Map(Object.entries(topic.configs)), this.#config.layers);
  }

  settingsFor(topic: TopicRecord): LogSettings {
    return toLogSettings(this.effectiveConfig(topic));
  }

  async createTopic(request: CreateTopicRequest): Promise<TopicOutcome> {
    const assignments = request.assignments ?? [];
    if (assignments.length > 0 && (request.numPartitions !== -1 || request.replicationFactor !== -1)) {
      return fail(ErrorCode.INVALID_REQUEST, 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.');
    }
    const numPartitions = assignments.length > 0 ? assignments.length : request.numPartitions === -1 ? this.#config.numPartitions : request.numPartitions;
    const replicationFactor =
      assignments.length > 0 ? (assignments[0]?.length ?? 0) : request.replicationFactor === -1 ? this.#config.defaultReplicationFactor : request.replicationFactor;
    if (numPartitions <= 0) return fail(ErrorCode.INVALID_PARTITIONS, 'Number of partitions was set to an invalid non-positive value.');
    if (replicationFactor <= 0) return fail(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0, or -1 to use the default value.');
    if (replicationFactor > REGISTERED_BROKERS) {
      return fail(
        ErrorCode.INVALID_REPLICATION_FACTOR,
        `Unable to replicate the partition ${replicationFactor} time(s): The target replication factor of ${replicationFactor} cannot be reached because only ${REGISTERED_BROKERS} broker(s) are registered.`,
      );
    }
    for (const [index, replicas] of assignments.entries()) {
      if (replicas.length !== replicationFactor) {
        return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `The manual partition assignment includes a partition with ${replicas.length} replica(s), but this is not consistent with previous partitions, which have ${replicationFactor} replica(s).`);
      }
      if (replicas.some((id) => id !== this.#metadata.nodeId)) {
        return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `The manual partition assignment includes broker ${replicas.find((id) => id !== this.#metadata.nodeId)}, but no such broker is registered (partition ${index}).`);
      }
    }
    const configs = createTopicConfigs(request.configs, this.#config.layers);
    if (configs.error !== null) return fail(configs.error.errorCode, configs.error.errorMessage);
    const existing = this.#metadata.topic(request.name);
    if (existing !== undefined) return fail(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${request.name}' already exists.`);
    if (request.validateOnly) {
      // Name checks (validity, collisions) without creating: the store's rules, dry.
      const invalid = validateTopicName(request.name);
      if (invalid !== null) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, invalid);
      const collision = this.#metadata.topics().find((topic) => topicNamesCollide(topic.name, request.name));
      if (collision !== undefined) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${request.name}' collides with existing topic: ${collision.name}`);
      return ok();
    }
    let topic: TopicRecord;
    try {
      topic = await this.#metadata.createTopic(request.name, numPartitions, Object.fromEntries(configs.configs));
    } catch (error) {
      return fromError(error);
    }
    this.#logs().createPartitions(topic, 0, topic.partitionCount, this.settingsFor(topic));
    return ok(topic);
  }

  /**
   * Creates an internal topic (`__consumer_offsets`, `__transaction_state`) on first use, as Kafka
   * does, with replication factor 1; concurrent callers share one creation. NONE when it exists or
   * was created (also by a racing creation), else COORDINATOR_NOT_AVAILABLE, which clients retry.
   */
  ensureInternalTopic(request: InternalTopicRequest): Promise<number> {
    if (this.#metadata.topic(request.name) !== undefined) return Promise.resolve(ErrorCode.NONE);
    let creating = this.#creatingInternal.get(request.name);
    if (creating === undefined) {
      creating = this.createTopic({ name: request.name, numPartitions: request.numPartitions, replicationFactor: 1, configs: request.configs, validateOnly: false }).then(
        (outcome) => {
          this.#creatingInternal.delete(request.name);
          if (outcome.errorCode === ErrorCode.NONE || outcome.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS) {
            const partitionCount = this.#metadata.topic(request.name)?.partitionCount ?? request.numPartitions;
            request.log('info', `created ${request.name} with ${partitionCount} partition(s)`);
            return ErrorCode.NONE;
          }
          request.log('error', `could not create ${request.name}: ${outcome.errorMessage ?? outcome.errorCode}`);
          return ErrorCode.COORDINATOR_NOT_AVAILABLE;
        },
      );
      this.#creatingInternal.set(request.name, creating);
    }
    return creating;
  }

  async deleteTopic(name: string): Promise<TopicOutcome> {
    if (!this.#config.deleteTopicEnable) return fail(ErrorCode.TOPIC_DELETION_DISABLED, 'Topic deletion is disabled.');
    const topic = this.#metadata.topic(name);
    if (topic === undefined) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.');
    try {
      await this.#metadata.deleteTopic(name);
    } catch (error) {
      return fromError(error);
    }
    this.#logs().deleteTopic(topic);
    return ok(topic);
  }

  async createPartitions(name: string, count: number, assignments: ReadonlyArray<readonly number[]> | null, validateOnly: boolean): Promise<TopicOutcome> {
    const topic = this.#metadata.topic(name);
    if (topic === undefined) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`);
    if (count < topic.partitionCount) {
      return fail(ErrorCode.INVALID_PARTITIONS, `The topic ${name} currently has ${topic.partitionCount} partition(s); ${count} would not be an increase.`);
    }
    if (count === topic.partitionCount) return fail(ErrorCode.INVALID_PARTITIONS, `Topic already has ${topic.partitionCount} partition(s).`);
    if (assignments !== null) {
      if (assignments.length !== count - topic.partitionCount) {
        return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Attempted to add ${count - topic.partitionCount} additional partition(s), but only ${assignments.length} assignment(s) were specified.`);
      }
      if (assignments.some((replicas) => replicas.length !== 1 || replicas[0] !== this.#metadata.nodeId)) {
        return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `The manual partition assignment names brokers other than ${this.#metadata.nodeId}, the only one registered.`);
      }
    }
    if (validateOnly) return ok(topic);
    let updated: TopicRecord;
    try {
      updated = await this.#metadata.createPartitions(name, count);
    } catch (error) {
      return fromError(error);
    }
    this.#logs().createPartitions(updated, topic.partitionCount, count, this.settingsFor(updated));
    return ok(updated);
  }

  /** Replaces a topic's overrides (already validated by the config module). */
  async setTopicConfigs(name: string, configs: ReadonlyMap<string, string>): Promise<TopicOutcome> {
    try {
      await this.#metadata.setTopicConfigs(name, Object.fromEntries(configs));
    } catch (error) {
      return fromError(error);
    }
    const topic = this.#metadata.topic(name);
    if (topic !== undefined) this.#logs().updateSettings(name, this.settingsFor(topic));
    return ok(topic);
  }

  /** Replaces the dynamic broker configs of a scope and re-applies every topic's settings. */
  async setDynamicBrokerConfigs(scope: 'cluster' | number, configs: ReadonlyMap<string, string>): Promise<void> {
    await this.#metadata.setDynamicBrokerConfigs(scope, Object.fromEntries(configs));
    this.refreshLayers();
  }

  /** Rebuilds the config layers from the metadata store's dynamic configs. */
  refreshLayers(): void {
    const layers: BrokerConfigLayers = {
      staticConfigs: this.#config.layers.staticConfigs,
      dynamicDefaultConfigs: new Map(Object.entries(this.#metadata.dynamicBrokerConfigs('cluster'))),
      dynamicBrokerConfigs: new Map(Object.entries(this.#metadata.dynamicBrokerConfigs(this.#metadata.nodeId))),
    };
    this.#config = brokerConfigFromLayers(layers);
    for (const topic of this.#metadata.topics()) this.#logs().updateSettings(topic.name, this.settingsFor(topic));
  }
}
