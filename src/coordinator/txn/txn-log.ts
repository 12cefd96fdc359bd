/**
 * Durable transaction state in the internal compacted topic `__transaction_state`, as Kafka keeps
 * it: each transactional id lives in partition abs(javaHashCode(transactionalId)) % partitionCount
 * (Kafka's TransactionStateManager.partitionFor), one record per state transition in Kafka's
 * TransactionLogKey/TransactionLogValue formats (txn-records.ts), appended through the log
 * manager as the broker's own (non-client) writes and replayed at start-up.
 *
 * The topic is created on first use (FindCoordinator for a transaction key, or the first
 * transactional InitProducerId), as Kafka does, with `transaction.state.log.num.partitions`
 * partitions and `transaction.state.log.segment.bytes` segments. Loading reads every partition
 * from its log start: the latest record per transactional id is the state (what compaction
 * would keep); a record that does not parse is skipped and reported.
 */
import type { TopicAdmin } from '../../broker/topic-admin.ts';
import type { LogManager } from '../../log/log-manager.ts';
import type { MetadataStore } from '../../metadata/metadata-store.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import { partitionForGroup } from '../group/group-records.ts';
import { buildRecordBatch, forEachRecord } from '../group/record-batch-builder.ts';
import { decodeTxnRecord, encodeTxnRecord } from './txn-records.ts';
import type { TxnStateRecord } from './txn-state.ts';

export const TRANSACTION_STATE_TOPIC_NAME = '__transaction_state';
/** Bytes read from the log per step while loading (Kafka's transaction.state.log.load.buffer.size default). */
const LOAD_READ_BYTES = 5 * 1024 * 1024;

export interface TransactionStateTopicOptions {
  readonly logs: LogManager;
  readonly topics: TopicAdmin;
  readonly metadata: MetadataStore;
  /** transaction.state.log.num.partitions, used when the topic is created. */
  readonly partitionCount: number;
  /** transaction.state.log.segment.bytes. */
  readonly segmentBytes: number;
  readonly now: () => number;
  readonly log: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export interface LoadOutcome {
  readonly replayed: number;
  readonly skipped: number;
  readonly partitions: number;
}

export class TransactionStateTopic {
  readonly #options: TransactionStateTopicOptions;
  #creating: Promise<number> | null = null;

  constructor(options: TransactionStateTopicOptions) {
    this.#options = options;
  }

  /** Partitions of the topic as it exists, or as it will be created. */
  get partitionCount(): number {
    return this.#options.metadata.topic(TRANSACTION_STATE_TOPIC_NAME)?.partitionCount ?? this.#options.partitionCount;
  }

  /** Kafka's Utils.abs(transactionalId.hashCode) % partitionCount. */
  partitionFor(transactionalId: string): number {
    return partitionForGroup(transactionalId, this.partitionCount);
  }

  exists(): boolean {
    return this.#options.metadata.topic(TRANSACTION_STATE_TOPIC_NAME) !== undefined;
  }

  /** Creates the internal topic on first use (as Kafka does); an error code. */
  ensureTopic(): Promise<number> {
    if (this.exists()) return Promise.resolve(ErrorCode.NONE);
    this.#creating ??= this.#options.topics
      .createTopic({
        name: TRANSACTION_STATE_TOPIC_NAME,
        numPartitions: this.#options.partitionCount,
        replicationFactor: 1,
        configs: [
          { name: 'cleanup.policy', value: 'compact' },
          { name: 'compression.type', value: 'uncompressed' },
          { name: 'segment.bytes', value: String(this.#options.segmentBytes) },
        ],
        validateOnly: false,
      })
      .then((outcome) => {
        this.#creating = null;
        if (outcome.errorCode === ErrorCode.NONE || outcome.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS) {
          this.#options.log('info', `created ${TRANSACTION_STATE_TOPIC_NAME} with ${this.partitionCount} partition(s)`);
          return ErrorCode.NONE;
        }
        this.#options.log('error', `could not create ${TRANSACTION_STATE_TOPIC_NAME}: ${outcome.errorMessage ?? outcome.errorCode}`);
        return ErrorCode.COORDINATOR_NOT_AVAILABLE;
      });
    return this.#creating;
  }

  /** Appends one state record to its partition (acks=all); resolves with an error code once written. */
  async write(record: TxnStateRecord): Promise<number> {
    const created = await this.ensureTopic();
    if (created !== ErrorCode.NONE) return created;
    let encoded: { key: Buffer; value: Buffer | null };
    try {
      encoded = encodeTxnRecord(record);
    } catch {
      return ErrorCode.INVALID_REQUEST;
    }
    const batch = buildRecordBatch([encoded], this.#options.now());
    const outcome = await this.#options.logs.append(TRANSACTION_STATE_TOPIC_NAME, this.partitionFor(record.transactionalId), batch, {
      requiredAcks: -1,
      isFromClient: false,
    });
    return outcome.errorCode;
  }

  /** Reads every partition from its log start and hands each record to `apply` in log order. */
  load(apply: (record: TxnStateRecord) => void): LoadOutcome {
    let replayed = 0;
    let skipped = 0;
    if (!this.exists()) return { replayed, skipped, partitions: 0 };
    const { logs } = this.#options;
    const count = this.partitionCount;
    for (let partition = 0; partition < count; partition++) {
      const state = logs.partitionState(TRANSACTION_STATE_TOPIC_NAME, partition);
      if (state === undefined) continue;
      let position = state.logStartOffset;
      while (position < state.logEndOffset) {
        const read = logs.read(TRANSACTION_STATE_TOPIC_NAME, partition, { fetchOffset: position, maxBytes: LOAD_READ_BYTES, minOneBatch: true, isolationLevel: 0 });
        if (read.errorCode !== ErrorCode.NONE || read.records === null) break;
        const from = position;
        const next = forEachRecord(read.records.copy(), (record) => {
          if (record.offset < from || record.key === null) return;
          let decoded: TxnStateRecord | null;
          try {
            decoded = decodeTxnRecord(record.key, record.value);
          } catch (error) {
            skipped++;
            this.#options.log('warn', `skipping the unreadable record at ${TRANSACTION_STATE_TOPIC_NAME}-${partition} offset ${record.offset}: ${error instanceof Error ? error.message : String(error)}`);
            return;
          }
          if (decoded === null) return;
          apply(decoded);
          replayed++;
        });
        if (next <= position) break;
        position = next;
      }
    }
    return { replayed, skipped, partitions: count };
  }
}
