/**
 * One transactional id's state (Kafka's TransactionMetadata), its durable record form for
 * `__transaction_state`, and the legal transitions between Kafka's transaction states. Pure data
 * and rules; behaviour lives in `txn-coordinator.ts`.
 */

export type TxnState =
  | 'Empty'
  | 'Ongoing'
  | 'PrepareCommit'
  | 'PrepareAbort'
  | 'CompleteCommit'
  | 'CompleteAbort'
  | 'Dead'
  | 'PrepareEpochFence';

export const TXN_STATES: readonly TxnState[] = [
  'Empty',
  'Ongoing',
  'PrepareCommit',
  'PrepareAbort',
  'CompleteCommit',
  'CompleteAbort',
  'Dead',
  'PrepareEpochFence',
];

/** Kafka's TransactionState.validPreviousStates: the states each state may be entered from. */
const VALID_PREVIOUS_STATES: Readonly<Record<TxnState, readonly TxnState[]>> = {
  Empty: ['Empty', 'CompleteCommit', 'CompleteAbort'],
  Ongoing: ['Ongoing', 'Empty', 'CompleteCommit', 'CompleteAbort'],
  PrepareCommit: ['Ongoing'],
  PrepareAbort: ['Ongoing', 'PrepareEpochFence'],
  CompleteCommit: ['PrepareCommit'],
  CompleteAbort: ['PrepareAbort'],
  Dead: ['Empty', 'CompleteCommit', 'CompleteAbort'],
  PrepareEpochFence: ['Ongoing'],
};

export function canTransition(from: TxnState, to: TxnState): boolean {
  return VALID_PREVIOUS_STATES[to].includes(from);
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** No producer id / no epoch (Kafka's RecordBatch.NO_PRODUCER_ID / NO_PRODUCER_EPOCH). */
export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
/** Largest int16 epoch. */
export const MAX_PRODUCER_EPOCH = 32_767;

/** Kafka's ProducerIdAndEpoch.isEpochExhausted: the next bump needs a new producer id. */
export function isEpochExhausted(epoch: number): boolean {
  return epoch >= MAX_PRODUCER_EPOCH - 1;
}

/**
 * The durable form of one transactional id's state, one record per transition, keyed by
 * `transactionalId` in the compacted `__transaction_state` topic: the latest record per key is the
 * state. `state: 'Dead'` is the deletion (the caller writes it as a tombstone). The byte encoding is
 * the caller's (Kafka's TransactionLogKey / TransactionLogValue).
 */
export interface TxnStateRecord {
  readonly transactionalId: string;
  readonly producerId: bigint;
  /** The producer id before the last epoch overflow, else -1. */
  readonly previousProducerId: bigint;
  readonly producerEpoch: number;
  /** The epoch before the last bump, for recognizing a retried InitProducerId; -1 if none. */
  readonly lastProducerEpoch: number;
  readonly transactionTimeoutMs: number;
  readonly state: TxnState;
  readonly partitions: readonly TopicPartition[];
  /** When the current transaction began (first partition added), -1 if none. */
  readonly transactionStartTimeMs: number;
  readonly lastUpdateTimeMs: number;
}

/** The in-memory state of one transactional id. `pendingState` is set while a transition is being persisted. */
export class TxnMetadata {
  readonly transactionalId: string;
  producerId: bigint;
  previousProducerId: bigint;
  producerEpoch: number;
  lastProducerEpoch: number;
  transactionTimeoutMs: number;
  state: TxnState;
  /** Keyed by `partitionKey`. */
  readonly partitions = new Map<string, TopicPartition>();
  transactionStartTimeMs: number;
  lastUpdateTimeMs: number;
  pendingState: TxnState | null = null;

  constructor(record: TxnStateRecord) {
    this.transactionalId = record.transactionalId;
    this.producerId = record.producerId;
    this.previousProducerId = record.previousProducerId;
    this.producerEpoch = record.producerEpoch;
    this.lastProducerEpoch = record.lastProducerEpoch;
    this.transactionTimeoutMs = record.transactionTimeoutMs;
    this.state = record.state;
    for (const partition of record.partitions) this.partitions.set(partitionKey(partition), partition);
    this.transactionStartTimeMs = record.transactionStartTimeMs;
    this.lastUpdateTimeMs = record.lastUpdateTimeMs;
  }

  toRecord(): TxnStateRecord {
    return {
      transactionalId: this.transactionalId,
      producerId: this.producerId,
      previousProducerId: this.previousProducerId,
      producerEpoch: this.producerEpoch,
      lastProducerEpoch: this.lastProducerEpoch,
      transactionTimeoutMs: this.transactionTimeoutMs,
      state: this.state,
      partitions: [...this.partitions.values()],
      transactionStartTimeMs: this.transactionStartTimeMs,
      lastUpdateTimeMs: this.lastUpdateTimeMs,
    };
  }

  /** Replaces this state with a transition's target record (after it was persisted). */
  apply(record: TxnStateRecord): void {
    if (record.state !== this.state && !canTransition(this.state, record.state)) {
      throw new Error(`illegal transaction state transition ${this.state} -> ${record.state} for ${this.transactionalId}`);
    }
    this.producerId = record.producerId;
    this.previousProducerId = record.previousProducerId;
    this.producerEpoch = record.producerEpoch;
    this.lastProducerEpoch = record.lastProducerEpoch;
    this.transactionTimeoutMs = record.transactionTimeoutMs;
    this.state = record.state;
    this.partitions.clear();
    for (const partition of record.partitions) this.partitions.set(partitionKey(partition), partition);
    this.transactionStartTimeMs = record.transactionStartTimeMs;
    this.lastUpdateTimeMs = record.lastUpdateTimeMs;
  }
}

export function partitionKey(partition: TopicPartition): string {
  return `${partition.topic}\u0000${partition.partition}`;
}
