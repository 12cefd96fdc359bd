/**
 * The group coordinator as the broker runs it: the state machine (group-coordinator.ts) over
 * `__consumer_offsets` (offsets-topic.ts), loaded at start-up, snapshotted periodically and at
 * stop. The broker starts it after the logs open and stops it before they close. The transaction
 * coordinator's marker writer ends transactions in `__consumer_offsets` through `writeTxnMarker`.
 */
import type { TopicAdmin } from '../../broker/topic-admin.ts';
import type { BrokerConfig } from '../../config/index.ts';
import type { TxnMarker } from '../../log/control-batch.ts';
import type { LogManager } from '../../log/log-manager.ts';
import type { MetadataStore } from '../../metadata/metadata-store.ts';
import { GroupCoordinator } from './group-coordinator.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import { OffsetsTopic } from './offsets-topic.ts';
import { EventLoopTimers } from './timers.ts';

/** Kafka's offsets.retention.check.interval.ms default. */
const OFFSETS_RETENTION_CHECK_INTERVAL_MS = 600_000;
/** Kafka's offset.metadata.max.bytes default. */
const OFFSET_METADATA_MAX_BYTES = 4096;
/** Kafka's offsets.topic.segment.bytes default. */
const OFFSETS_TOPIC_SEGMENT_BYTES = 104_857_600;
/** Kafka's group.consumer.max.size default (Integer.MAX_VALUE). */
const CONSUMER_GROUP_MAX_SIZE = 2_147_483_647;
/** How often the group state snapshot is rewritten when something changed. */
export const GROUP_SNAPSHOT_INTERVAL_MS = 60_000;

export interface GroupServiceOptions {
  readonly config: BrokerConfig;
  readonly logs: LogManager;
  readonly topics: TopicAdmin;
  readonly metadata: MetadataStore;
  readonly snapshotDir: string;
  readonly log: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export class GroupService {
  readonly coordinator: GroupCoordinator;
  readonly offsetsTopic: OffsetsTopic;
  readonly #timers: EventLoopTimers;
  readonly #snapshotTimer: NodeJS.Timeout;
  readonly #log: GroupServiceOptions['log'];
  #stopped = false;

  private constructor(coordinator: GroupCoordinator, offsetsTopic: OffsetsTopic, timers: EventLoopTimers, log: GroupServiceOptions['log']) {
    this.coordinator = coordinator;
    this.offsetsTopic = offsetsTopic;
    this.#timers = timers;
    this.#log = log;
    this.#snapshotTimer = setInterval(() => this.#snapshot(), GROUP_SNAPSHOT_INTERVAL_MS);
    this.#snapshotTimer.unref();
  }

  static start(options: GroupServiceOptions): GroupService {
    const { config } = options;
    const timers = new EventLoopTimers();
    const offsetsTopic = new OffsetsTopic({
      logs: options.logs,
      topics: options.topics,
      metadata: options.metadata,
      partitionCount: config.offsetsTopicNumPartitions,
      segmentBytes: OFFSETS_TOPIC_SEGMENT_BYTES,
      snapshotDir: options.snapshotDir,
      now: () => timers.now(),
      log: options.log,
    });
    const coordinator = new GroupCoordinator({
      timers,
      persistence: offsetsTopic,
      config: {
        groupMinSessionTimeoutMs: config.groupMinSessionTimeoutMs,
        groupMaxSessionTimeoutMs: config.groupMaxSessionTimeoutMs,
        groupInitialRebalanceDelayMs: config.groupInitialRebalanceDelayMs,
        groupMaxSize: config.groupMaxSize,
        offsetsRetentionMs: config.offsetsRetentionMinutes * 60_000,
        offsetsRetentionCheckIntervalMs: OFFSETS_RETENTION_CHECK_INTERVAL_MS,
        offsetMetadataMaxBytes: OFFSET_METADATA_MAX_BYTES,
        consumerSessionTimeoutMs: config.groupConsumerSessionTimeoutMs,
        consumerHeartbeatIntervalMs: config.groupConsumerHeartbeatIntervalMs,
        consumerMaxSize: CONSUMER_GROUP_MAX_SIZE,
        consumerAssignors: ['uniform', 'range'],
      },
      topics: {
        byName: (name) => {
          const topic = options.metadata.topic(name);
          return topic === undefined ? undefined : { topicId: topic.topicId, partitionCount: topic.partitionCount };
        },
        byId: (topicId) => {
          const topic = options.metadata.topicById(topicId);
          return topic === undefined ? undefined : { name: topic.name, partitionCount: topic.partitionCount };
        },
        names: () => options.metadata.topics().map((topic) => topic.name),
      },
    });
    const started = Date.now();
    const loaded = offsetsTopic.load(coordinator);
    coordinator.startSessions();
    if (loaded.partitions > 0) {
      options.log('info', `group state loaded in ${Date.now() - started} ms: ${loaded.fromSnapshot} record(s) from the snapshot, ${loaded.replayed} replayed, ${coordinator.groupIds().length} group(s)`);
    }
    return new GroupService(coordinator, offsetsTopic, timers, options.log);
  }

  /**
   * Ends a transaction in `__consumer_offsets`-`offsetsPartition`: appends the COMMIT or ABORT
   * marker (through the log manager, which fences an older producer epoch with
   * INVALID_PRODUCER_EPOCH), then commits or drops that producer's offsets pending in the
   * partition's groups that precede the marker in the log (a TxnOffsetCommit write still in flight
   * that precedes it is completed as it lands). NONE once the marker is written; an error code
   * (nothing changed) otherwise, for the caller to retry.
   */
  async writeTxnMarker(offsetsPartition: number, marker: TxnMarker): Promise<{ errorCode: number }> {
    if (this.#stopped) return { errorCode: ErrorCode.NOT_COORDINATOR };
    if (!Number.isInteger(offsetsPartition) || offsetsPartition < 0 || offsetsPartition >= this.offsetsTopic.partitionCount) {
      return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
    }
    const written = await this.offsetsTopic.writeTxnMarker(offsetsPartition, marker);
    if (written.errorCode !== ErrorCode.NONE) return { errorCode: written.errorCode };
    this.coordinator.completeTransaction(offsetsPartition, marker.producerId, marker.committed, written.offset);
    return { errorCode: ErrorCode.NONE };
  }

  #snapshot(): void {
    try {
      this.offsetsTopic.writeSnapshot();
    } catch (error) {
      this.#log('warn', `could not write the group state snapshot: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Answers waiting requests, cancels every timer and writes the snapshot. Idempotent. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#snapshotTimer);
    this.coordinator.close();
    this.#timers.cancelAll();
    this.#snapshot();
  }
}
