/**
 * The transaction coordinator as the broker runs it: the state machine (txn-coordinator.ts) over
 * `__transaction_state` (txn-log.ts), loaded at start-up, with producer ids from the durable
 * ProducerIdManager and COMMIT/ABORT markers written through the log manager (data partitions)
 * and the group service (`__consumer_offsets`, which also makes the transaction's offsets
 * visible or drops them). The broker starts it after the logs and the groups and stops it
 * before them.
 *
 * One coordinator serves every `__transaction_state` partition: a single node leads them all,
 * at coordinator (partition leader) epoch 0.
 */
import type { TopicAdmin } from '../../broker/topic-admin.ts';
import { effectiveBrokerValue, type BrokerConfig } from '../../config/index.ts';
import type { LogManager, TxnMarker } from '../../log/log-manager.ts';
import type { MetadataStore } from '../../metadata/metadata-store.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { GroupService } from '../group/group-service.ts';
import { EventLoopTimers } from '../group/timers.ts';
import { ProducerIdManager } from './producer-id-manager.ts';
import { CONSUMER_OFFSETS_TOPIC, TxnCoordinator, type MarkerRequest } from './txn-coordinator.ts';
import { TransactionStateTopic } from './txn-log.ts';
import { partitionKey } from './txn-state.ts';

/** The coordinator epoch of a single node: the leader epoch of every `__transaction_state` partition. */
export const COORDINATOR_EPOCH = 0;
/** Wait before retrying a failed marker write or Complete* persist. */
const MARKER_RETRY_BACKOFF_MS = 100;
/** How often the transaction state snapshot is rewritten when something changed. */
export const TXN_SNAPSHOT_INTERVAL_MS = 60_000;


export interface TxnServiceOptions {
  readonly config: BrokerConfig;
  readonly logs: LogManager;
  readonly topics: TopicAdmin;
  readonly metadata: MetadataStore;
  readonly groups: GroupService;
  /** Where the state snapshot lives (the first log dir). */
  readonly snapshotDir: string;
  readonly log: (level: 'info' | 'warn' | 'error', message: string) => void;
}

function numberConfig(config: BrokerConfig, name: string): number {
  const value = effectiveBrokerValue(name, config.layers);
  if (typeof value !== 'number') throw new Error(`${name} is not a number`);
  return value;
}

export class TxnService {
  readonly coordinator: TxnCoordinator;
  readonly stateTopic: TransactionStateTopic;
  /** Producer ids for idempotent producers (InitProducerId without a transactional id) and transactions. */
  readonly producerIds: ProducerIdManager;
  readonly #timers: EventLoopTimers;
  readonly #config: BrokerConfig;
  readonly #snapshotTimer: NodeJS.Timeout;
  readonly #log: TxnServiceOptions['log'];
  #stopping: Promise<void> | null = null;

  private constructor(parts: {
    coordinator: TxnCoordinator;
    stateTopic: TransactionStateTopic;
    producerIds: ProducerIdManager;
    timers: EventLoopTimers;
    config: BrokerConfig;
    log: TxnServiceOptions['log'];
  }) {
    this.coordinator = parts.coordinator;
    this.stateTopic = parts.stateTopic;
    this.producerIds = parts.producerIds;
    this.#timers = parts.timers;
    this.#config = parts.config;
    this.#log = parts.log;
    this.#snapshotTimer = setInterval(() => this.#snapshot(), TXN_SNAPSHOT_INTERVAL_MS);
    this.#snapshotTimer.unref();
  }

  static start(options: TxnServiceOptions): TxnService {
    const { config, logs, groups, log } = options;
    const timers = new EventLoopTimers();
    const producerIds = new ProducerIdManager(options.metadata);
    const stateTopic = new TransactionStateTopic({
      logs,
      topics: options.topics,
      metadata: options.metadata,
      partitionCount: config.transactionStateLogNumPartitions,
      segmentBytes: numberConfig(config, 'transaction.state.log.segment.bytes'),
      snapshotDir: options.snapshotDir,
      now: () => timers.now(),
      log,
    });
    // Partitions whose marker is written, per completion (retries skip them; the entry goes with the request).
    const written = new WeakMap<MarkerRequest, Set<string>>();
    // Completions whose failure was logged (once each, not every retry).
    const reported = new WeakSet<MarkerRequest>();
    const writeMarkers = async (request: MarkerRequest): Promise<void> => {
      let done = written.get(request);
      if (done === undefined) written.set(request, (done = new Set()));
      const marker: TxnMarker = { producerId: request.producerId, producerEpoch: request.producerEpoch, coordinatorEpoch: COORDINATOR_EPOCH, committed: request.committed };
      const failures: string[] = [];
      await Promise.all(
        request.partitions.map(async (topicPartition) => {
          const { topic, partition } = topicPartition;
          const name = partitionKey(topicPartition);
          if (done.has(name)) return;
          // Kafka skips a partition whose leader is unknown: its topic was deleted.
          if (!logs.hasPartition(topic, partition)) {
            done.add(name);
            return;
          }
          let outcome: { errorCode: number };
          try {
            outcome = topic === CONSUMER_OFFSETS_TOPIC ? await groups.writeTxnMarker(partition, marker) : await logs.writeTxnMarker(topic, partition, marker);
          } catch (error) {
            // Settled per partition, so that a retry never overlaps a write still in flight.
            failures.push(`${topic}-${partition}: ${error instanceof Error ? error.message : String(error)}`);
            return;
          }
          if (outcome.errorCode === ErrorCode.NONE) {
            done.add(name);
          } else if (outcome.errorCode === ErrorCode.INVALID_PRODUCER_EPOCH) {
            // The partition already has a newer epoch of this producer: no transaction of this one is open there.
            log('warn', `transaction ${request.transactionalId}: ${topic}-${partition} refused the marker of epoch ${request.producerEpoch} as stale; skipping it`);
            done.add(name);
          } else {
            failures.push(`${topic}-${partition}: error ${outcome.errorCode}`);
          }
        }),
      );
      if (failures.length > 0) {
        if (!reported.has(request)) {
          reported.add(request);
          log('warn', `transaction ${request.transactionalId}: markers not written yet (${failures.join(', ')}); retrying every ${MARKER_RETRY_BACKOFF_MS} ms`);
        }
        throw new Error(`transaction markers not written: ${failures.join(', ')}`);
      }
    };
    const coordinator = new TxnCoordinator(
      {
        timers,
        allocateProducerId: () => producerIds.generateProducerId(),
        persist: async (record) => {
          const errorCode = await stateTopic.write(record);
          if (errorCode !== ErrorCode.NONE) throw new Error(`could not write ${record.transactionalId}'s state to __transaction_state: error ${errorCode}`);
        },
        writeMarkers,
        partitionFor: (groupId) => groups.offsetsTopic.partitionFor(groupId),
      },
      {
        transactionMaxTimeoutMs: config.transactionMaxTimeoutMs,
        transactionalIdExpirationMs: config.transactionalIdExpirationMs,
        abortTimedOutTransactionCleanupIntervalMs: numberConfig(config, 'transaction.abort.timed.out.transaction.cleanup.interval.ms'),
        removeExpiredTransactionalIdCleanupIntervalMs: numberConfig(config, 'transaction.remove.expired.transaction.cleanup.interval.ms'),
        retryBackoffMs: MARKER_RETRY_BACKOFF_MS,
      },
    );
    const started = Date.now();
    const loaded = stateTopic.load((record) => coordinator.replay(record));
    coordinator.start();
    if (loaded.partitions > 0) {
      const pending = coordinator.list().filter((txn) => txn.state === 'PrepareCommit' || txn.state === 'PrepareAbort').length;
      log(
        'info',
        `transaction state loaded in ${Date.now() - started} ms: ${loaded.fromSnapshot} record(s) from the snapshot, ${loaded.replayed} replayed, ${coordinator.list().length} transactional id(s), ${pending} completion(s) resumed` +
          (loaded.skipped > 0 ? `, ${loaded.skipped} unreadable record(s) skipped` : ''),
      );
    }
    return new TxnService({ coordinator, stateTopic, producerIds, timers, config, log });
  }

  /** Whether Produce verifies transactional writes (transaction.partition.verification.enable, dynamic). */
  get verificationEnabled(): boolean {
    return effectiveBrokerValue('transaction.partition.verification.enable', this.#config.layers) === true;
  }

  /**
   * KIP-890 part 1 verification for Produce: NONE, or the coordinator's answer
   * (INVALID_PRODUCER_ID_MAPPING, PRODUCER_FENCED, CONCURRENT_TRANSACTIONS, TRANSACTION_ABORTABLE,
   * COORDINATOR_LOAD_IN_PROGRESS, NOT_COORDINATOR); the Produce handler maps them for its version.
   */
  verifyPartition(transactionalId: string, producerId: bigint, producerEpoch: number, topic: string, partition: number): number {
    return this.coordinator.verifyPartition({ transactionalId, producerId, producerEpoch, topic, partition });
  }

  #snapshot(): void {
    try {
      this.stateTopic.writeSnapshot();
    } catch (error) {
      this.#log('warn', `could not write the transaction state snapshot: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /**
   * Stops timers and background completions (a Prepare* left is completed at the next start),
   * then writes the snapshot. Idempotent.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      clearInterval(this.#snapshotTimer);
      await this.coordinator.close();
      this.#timers.cancelAll();
      this.#snapshot();
    })();
    return this.#stopping;
  }
}
