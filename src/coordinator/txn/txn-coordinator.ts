/**
 * The transaction coordinator's state machine (Kafka's TransactionCoordinator +
 * TransactionStateManager, transaction protocol version 0/1, i.e. before KIP-890 part 2): I/O-free,
 * driven by calls and a `Timers`. Producer ids come from an injected allocator, state is made
 * durable through an injected `persist`, COMMIT/ABORT markers are written by an injected
 * `writeMarkers`, and a group's `__consumer_offsets` partition comes from `partitionFor`.
 *
 * Every transition is persisted before it takes effect; while it is being persisted the id has a
 * `pendingState` and other requests on it get CONCURRENT_TRANSACTIONS. Errors Kafka has codes for
 * are returned as codes. PRODUCER_FENCED is returned at every version; the handler maps it for old
 * request versions with `fencedErrorCode`.
 */
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { CancelTimer, Timers } from '../group/timers.ts';
import {
  isEpochExhausted,
  MAX_PRODUCER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  partitionKey,
  TxnMetadata,
  type TopicPartition,
  type TxnState,
  type TxnStateRecord,
} from './txn-state.ts';

export const CONSUMER_OFFSETS_TOPIC = '__consumer_offsets';

export interface TxnCoordinatorConfig {
  /** transaction.max.timeout.ms (Kafka default 900000). */
  readonly transactionMaxTimeoutMs: number;
  /** transactional.id.expiration.ms (Kafka default 604800000, 7 days). */
  readonly transactionalIdExpirationMs: number;
  /** transaction.abort.timed.out.transaction.cleanup.interval.ms (Kafka default 10000). */
  readonly abortTimedOutTransactionCleanupIntervalMs: number;
  /** transaction.remove.expired.transaction.cleanup.interval.ms (Kafka default 3600000). */
  readonly removeExpiredTransactionalIdCleanupIntervalMs: number;
  /** fjord's: wait before retrying a failed marker write or Complete* persist (Kafka retries forever too). */
  readonly retryBackoffMs: number;
}

export const DEFAULT_TXN_COORDINATOR_CONFIG: TxnCoordinatorConfig = {
  transactionMaxTimeoutMs: 900_000,
  transactionalIdExpirationMs: 604_800_000,
  abortTimedOutTransactionCleanupIntervalMs: 10_000,
  removeExpiredTransactionalIdCleanupIntervalMs: 3_600_000,
  retryBackoffMs: 100,
};

/** What the caller must write to every partition of a transaction being completed. */
export interface MarkerRequest {
  readonly transactionalId: string;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly committed: boolean;
  readonly partitions: readonly TopicPartition[];
}

/** The machine's ports, implemented by the caller. */
export interface TxnCoordinatorPorts {
  readonly timers: Timers;
  /** Allocates a fresh producer id (unique cluster-wide, never reused). Rejection = COORDINATOR_NOT_AVAILABLE. */
  allocateProducerId(): Promise<bigint>;
  /** Makes a record durable in `__transaction_state` (state 'Dead' as a tombstone). Rejection = not durable. */
  persist(record: TxnStateRecord): Promise<void>;
  /** Writes COMMIT/ABORT markers (and, for a commit, the transaction's offsets) to every partition; retried on rejection. */
  writeMarkers(request: MarkerRequest): Promise<void>;
  /** The `__consumer_offsets` partition of a group. */
  partitionFor(groupId: string): number;
}

export interface InitProducerIdRequest {
  readonly transactionalId: string;
  readonly transactionTimeoutMs: number;
  /** v3+: the producer's current id and epoch (-1/-1 when it has none). */
  readonly producerId?: bigint;
  readonly producerEpoch?: number;
}

export interface InitProducerIdResult {
  readonly errorCode: number;
  readonly producerId: bigint;
  readonly producerEpoch: number;
}

export interface TxnRequest {
  readonly transactionalId: string;
  readonly producerId: bigint;
  readonly producerEpoch: number;
}

export interface PartitionResult {
  readonly topic: string;
  readonly partition: number;
  readonly errorCode: number;
}

/** A transactional id's state for DescribeTransactions / ListTransactions. */
export interface TxnDescription extends TxnStateRecord {
  readonly pendingState: TxnState | null;
}

/**
 * Kafka answers PRODUCER_FENCED only from InitProducerId v4, AddPartitionsToTxn v2,
 * AddOffsetsToTxn v2 and EndTxn v2 (KIP-588, Kafka 2.7); older versions get INVALID_PRODUCER_EPOCH.
 * Other APIs are passed through unchanged.
 */
export function fencedErrorCode(errorCode: number, apiKey: number, apiVersion: number): number {
  if (errorCode !== ErrorCode.PRODUCER_FENCED) return errorCode;
  const firstVersion = apiKey === 22 ? 4 : apiKey === 24 || apiKey === 25 || apiKey === 26 ? 2 : 0;
  return apiVersion < firstVersion ? ErrorCode.INVALID_PRODUCER_EPOCH : errorCode;
}

const isCompleteOrEmpty = (state: TxnState) => state === 'Empty' || state === 'CompleteCommit' || state === 'CompleteAbort';
const isPrepare = (state: TxnState) => state === 'PrepareCommit' || state === 'PrepareAbort';

/**
 * Bounds: one entry per transactional id, removed by `transactional.id.expiration.ms`; a
 * transaction's partitions are bounded by the partitions that exist (the handler rejects unknown
 * ones); two periodic timers plus at most one retry timer per completing transaction.
 */
export class TxnCoordinator {
  readonly #ports: TxnCoordinatorPorts;
  readonly #config: TxnCoordinatorConfig;
  readonly #transactions = new Map<string, TxnMetadata>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #sleeps = new Set<{ cancel: CancelTimer; resolve: () => void }>();
  #loading = true;
  #closed = false;
  #abortScan: CancelTimer | null = null;
  #expiryScan: CancelTimer | null = null;

  constructor(ports: TxnCoordinatorPorts, config: Partial<TxnCoordinatorConfig> = {}) {
    this.#ports = ports;
    this.#config = { ...DEFAULT_TXN_COORDINATOR_CONFIG, ...config };
  }

  // ---- loading ------------------------------------------------------------------------------

  /** Applies one `__transaction_state` record at load (latest per id wins; 'Dead' deletes). Only before `start`. */
  replay(record: TxnStateRecord): void {
    if (!this.#loading) throw new Error('replay after start');
    if (record.state === 'Dead') this.#transactions.delete(record.transactionalId);
    else this.#transactions.set(record.transactionalId, new TxnMetadata(record));
  }

  /** Ends loading: completes transactions left in Prepare*, starts the timeout and expiry scans. */
  start(): void {
    if (!this.#loading || this.#closed) return;
    this.#loading = false;
    for (const metadata of this.#transactions.values()) {
      if (isPrepare(metadata.state)) this.#completeInBackground(metadata);
    }
    this.#scheduleAbortScan();
    this.#scheduleExpiryScan();
  }

  /** Stops timers and retries; resolves when background work has stopped. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#abortScan?.();
    this.#expiryScan?.();
    for (const sleep of this.#sleeps) {
      sleep.cancel();
      sleep.resolve();
    }
    this.#sleeps.clear();
    await this.settled();
  }

  /** Resolves when every background completion (markers + Complete*) and abort started so far has finished. */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  // ---- requests -----------------------------------------------------------------------------

  async initProducerId(request: InitProducerIdRequest): Promise<InitProducerIdResult> {
    const fail = (errorCode: number): InitProducerIdResult => ({ errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH });
    const gate = this.#gate();
    if (gate !== ErrorCode.NONE) return fail(gate);
    if (request.transactionalId === '') return fail(ErrorCode.INVALID_REQUEST);
    if (request.transactionTimeoutMs <= 0 || request.transactionTimeoutMs > this.#config.transactionMaxTimeoutMs) {
      return fail(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    }
    const expectedProducerId = request.producerId ?? NO_PRODUCER_ID;
    const expectedEpoch = request.producerEpoch ?? NO_PRODUCER_EPOCH;
    let metadata = this.#transactions.get(request.transactionalId);
    if (metadata === undefined) {
      let producerId: bigint;
      try {
        producerId = await this.#ports.allocateProducerId();
      } catch {
        return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      }
      if (this.#closed) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      metadata = this.#transactions.get(request.transactionalId);
      if (metadata === undefined) {
        metadata = new TxnMetadata({
          transactionalId: request.transactionalId,
          producerId,
          previousProducerId: NO_PRODUCER_ID,
          producerEpoch: NO_PRODUCER_EPOCH,
          lastProducerEpoch: NO_PRODUCER_EPOCH,
          transactionTimeoutMs: request.transactionTimeoutMs,
          state: 'Empty',
          partitions: [],
          transactionStartTimeMs: -1,
          lastUpdateTimeMs: this.#ports.timers.now(),
        });
        this.#transactions.set(request.transactionalId, metadata);
      }
    }
    if (metadata.pendingState !== null) return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
    const hasExpected = expectedProducerId !== NO_PRODUCER_ID;
    // Kafka's isValidProducerId: a producer id given (v3+, KIP-360) is accepted when this id has no
    // epoch yet (just created: a producer recovering from UNKNOWN_PRODUCER_ID, or a client such as
    // @platformatic/kafka sending 0/0 on its first call), when it is the current producer id (the
    // epoch is checked below), or when it is the previous producer id with an exhausted epoch (a
    // retry of a rotation whose answer was lost). Anything else is fenced.
    if (hasExpected) {
      const valid =
        metadata.producerEpoch === NO_PRODUCER_EPOCH ||
        expectedProducerId === metadata.producerId ||
        (expectedProducerId === metadata.previousProducerId && isEpochExhausted(expectedEpoch));
      if (!valid) return fail(ErrorCode.PRODUCER_FENCED);
    }
    if (isPrepare(metadata.state)) return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
    if (metadata.state === 'Ongoing') {
      // An in-doubt transaction: fence its producer (epoch bump) and abort it; the client retries.
      const errorCode = await this.#fenceAndAbort(metadata);
      return fail(errorCode === ErrorCode.NONE ? ErrorCode.CONCURRENT_TRANSACTIONS : errorCode);
    }
    if (!isCompleteOrEmpty(metadata.state)) return fail(ErrorCode.CONCURRENT_TRANSACTIONS);

    let producerId = metadata.producerId;
    let previousProducerId = metadata.previousProducerId;
    let producerEpoch: number;
    let lastProducerEpoch: number;
    if (isEpochExhausted(metadata.producerEpoch) && (!hasExpected || expectedEpoch === metadata.producerEpoch)) {
      // Kafka's prepareProducerIdRotation: a new producer id at epoch 0; the exhausted epoch is kept
      // as the last epoch when the producer named it, so a retry of this call is recognised.
      metadata.pendingState = 'Empty';
      try {
        producerId = await this.#ports.allocateProducerId();
      } catch {
        metadata.pendingState = null;
        return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      }
      metadata.pendingState = null;
      previousProducerId = metadata.producerId;
      producerEpoch = 0;
      lastProducerEpoch = hasExpected ? metadata.producerEpoch : NO_PRODUCER_EPOCH;
    } else if (!hasExpected) {
      // Kafka's prepareIncrementProducerEpoch without an expected epoch: bump, forget the last epoch.
      producerEpoch = metadata.producerEpoch + 1;
      lastProducerEpoch = NO_PRODUCER_EPOCH;
    } else if (metadata.producerEpoch === NO_PRODUCER_EPOCH || expectedEpoch === metadata.producerEpoch) {
      // The producer continues after an error and nobody else initialized since: bump, remember.
      producerEpoch = metadata.producerEpoch + 1;
      lastProducerEpoch = metadata.producerEpoch;
    } else if (expectedEpoch === metadata.lastProducerEpoch) {
      // A retry of a bump that already happened: answer the current epoch again.
      producerEpoch = metadata.producerEpoch;
      lastProducerEpoch = metadata.lastProducerEpoch;
    } else {
      return fail(ErrorCode.PRODUCER_FENCED);
    }
    const errorCode = await this.#transition(metadata, {
      ...metadata.toRecord(),
      producerId,
      previousProducerId,
      producerEpoch,
      lastProducerEpoch,
      transactionTimeoutMs: request.transactionTimeoutMs,
      state: 'Empty',
      partitions: [],
      transactionStartTimeMs: -1,
      lastUpdateTimeMs: this.#ports.timers.now(),
    });
    if (errorCode !== ErrorCode.NONE) return fail(errorCode);
    return { errorCode: ErrorCode.NONE, producerId, producerEpoch };
  }

  /** AddPartitionsToTxn, client form (v0-v3): every partition gets the one outcome. */
  async addPartitions(request: TxnRequest & { readonly partitions: readonly TopicPartition[] }): Promise<PartitionResult[]> {
    const errorCode = await this.#addPartitions(request, request.partitions);
    return request.partitions.map(({ topic, partition }) => ({ topic, partition, errorCode }));
  }

  /** AddOffsetsToTxn: adds the group's `__consumer_offsets` partition to the transaction. */
  async addOffsets(request: TxnRequest & { readonly groupId: string }): Promise<number> {
    const gate = this.#gate();
    if (gate !== ErrorCode.NONE) return gate;
    return this.#addPartitions(request, [{ topic: CONSUMER_OFFSETS_TOPIC, partition: this.#ports.partitionFor(request.groupId) }]);
  }

  /**
   * EndTxn: persists PrepareCommit / PrepareAbort and answers; the markers are then written in the
   * background through `writeMarkers`, and Complete* is persisted when they are.
   */
  async endTransaction(request: TxnRequest & { readonly committed: boolean }): Promise<number> {
    const metadata = this.#lookup(request);
    if (typeof metadata === 'number') return metadata;
    const { committed } = request;
    switch (metadata.state) {
      case 'Ongoing': {
        const errorCode = await this.#transition(metadata, {
          ...metadata.toRecord(),
          state: committed ? 'PrepareCommit' : 'PrepareAbort',
          lastUpdateTimeMs: this.#ports.timers.now(),
        });
        if (errorCode === ErrorCode.NONE) this.#completeInBackground(metadata);
        return errorCode;
      }
      case 'CompleteCommit':
        return committed ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE;
      case 'CompleteAbort':
        return committed ? ErrorCode.INVALID_TXN_STATE : ErrorCode.NONE;
      case 'PrepareCommit':
        return committed ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE;
      case 'PrepareAbort':
        return committed ? ErrorCode.INVALID_TXN_STATE : ErrorCode.CONCURRENT_TRANSACTIONS;
      default:
        return ErrorCode.INVALID_TXN_STATE;
    }
  }

  /**
   * KIP-890 part 1 verification of one transactional write (Kafka's
   * handleVerifyPartitionsInTransaction, the AddPartitionsToTxn verify-only form): NONE when the
   * partition is in the producer's ongoing transaction; INVALID_PRODUCER_ID_MAPPING for an unknown
   * id or another producer id; PRODUCER_FENCED for another epoch; CONCURRENT_TRANSACTIONS while
   * the transaction is being completed; TRANSACTION_ABORTABLE for a partition not added. Pending
   * transitions are not checked (Kafka's rule: the log append makes the final check).
   */
  verifyPartition(request: TxnRequest & TopicPartition): number {
    const metadata = this.#producerOf(request);
    if (typeof metadata === 'number') return metadata;
    if (isPrepare(metadata.state)) return ErrorCode.CONCURRENT_TRANSACTIONS;
    return metadata.partitions.has(partitionKey(request)) ? ErrorCode.NONE : ErrorCode.TRANSACTION_ABORTABLE;
  }

  // ---- administration -----------------------------------------------------------------------

  describe(transactionalId: string): TxnDescription | undefined {
    const metadata = this.#transactions.get(transactionalId);
    return metadata === undefined ? undefined : { ...metadata.toRecord(), pendingState: metadata.pendingState };
  }

  list(): TxnDescription[] {
    return [...this.#transactions.values()].map((metadata) => ({ ...metadata.toRecord(), pendingState: metadata.pendingState }));
  }

  // ---- internals ----------------------------------------------------------------------------

  #gate(): number {
    if (this.#closed) return ErrorCode.NOT_COORDINATOR;
    if (this.#loading) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    return ErrorCode.NONE;
  }

  /** The id's state when the request's producer id and epoch are its current ones, else the error code. */
  #producerOf(request: TxnRequest): TxnMetadata | number {
    const gate = this.#gate();
    if (gate !== ErrorCode.NONE) return gate;
    if (request.transactionalId === '') return ErrorCode.INVALID_REQUEST;
    const metadata = this.#transactions.get(request.transactionalId);
    if (metadata === undefined || metadata.producerId !== request.producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (metadata.producerEpoch !== request.producerEpoch) return ErrorCode.PRODUCER_FENCED;
    return metadata;
  }

  /** Kafka's checks shared by AddPartitionsToTxn, AddOffsetsToTxn and EndTxn. */
  #lookup(request: TxnRequest): TxnMetadata | number {
    const metadata = this.#producerOf(request);
    if (typeof metadata !== 'number' && metadata.pendingState !== null) return ErrorCode.CONCURRENT_TRANSACTIONS;
    return metadata;
  }

  async #addPartitions(request: TxnRequest, partitions: readonly TopicPartition[]): Promise<number> {
    const metadata = this.#lookup(request);
    if (typeof metadata === 'number') return metadata;
    if (isPrepare(metadata.state)) return ErrorCode.CONCURRENT_TRANSACTIONS;
    if (metadata.state === 'Ongoing' && partitions.every((partition) => metadata.partitions.has(partitionKey(partition)))) {
      return ErrorCode.NONE;
    }
    if (metadata.state !== 'Ongoing' && !isCompleteOrEmpty(metadata.state)) return ErrorCode.INVALID_TXN_STATE;
    const merged = new Map(metadata.partitions);
    for (const partition of partitions) merged.set(partitionKey(partition), { topic: partition.topic, partition: partition.partition });
    const nowMs = this.#ports.timers.now();
    return this.#transition(metadata, {
      ...metadata.toRecord(),
      state: 'Ongoing',
      partitions: [...merged.values()],
      transactionStartTimeMs: metadata.state === 'Ongoing' ? metadata.transactionStartTimeMs : nowMs,
      lastUpdateTimeMs: nowMs,
    });
  }

  /** Persists `target`, then applies it; `pendingState` guards the id meanwhile. */
  async #transition(metadata: TxnMetadata, target: TxnStateRecord, pendingState: TxnState = target.state): Promise<number> {
    metadata.pendingState = pendingState;
    try {
      await this.#ports.persist(target);
    } catch {
      metadata.pendingState = null;
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
    metadata.pendingState = null;
    metadata.apply(target);
    return ErrorCode.NONE;
  }

  /**
   * Kafka's epoch fence (PrepareEpochFence, never persisted itself): bumps the epoch so the
   * producer of an Ongoing transaction is fenced, and aborts the transaction with the new epoch.
   */
  async #fenceAndAbort(metadata: TxnMetadata): Promise<number> {
    const errorCode = await this.#transition(
      metadata,
      {
        ...metadata.toRecord(),
        producerEpoch: Math.min(metadata.producerEpoch + 1, MAX_PRODUCER_EPOCH),
        lastProducerEpoch: NO_PRODUCER_EPOCH,
        state: 'PrepareAbort',
        lastUpdateTimeMs: this.#ports.timers.now(),
      },
      'PrepareEpochFence',
    );
    if (errorCode === ErrorCode.NONE) this.#completeInBackground(metadata);
    return errorCode;
  }

  #track(work: Promise<void>): void {
    this.#inFlight.add(work);
    void work.finally(() => this.#inFlight.delete(work));
  }

  /** Writes the markers of a Prepare* transaction, then persists Complete*; both retried until done or closed. */
  #completeInBackground(metadata: TxnMetadata): void {
    const committed = metadata.state === 'PrepareCommit';
    const request: MarkerRequest = {
      transactionalId: metadata.transactionalId,
      producerId: metadata.producerId,
      producerEpoch: metadata.producerEpoch,
      committed,
      partitions: [...metadata.partitions.values()],
    };
    const work = async (): Promise<void> => {
      for (;;) {
        if (this.#closed) return;
        try {
          await this.#ports.writeMarkers(request);
          break;
        } catch {
          await this.#sleep(this.#config.retryBackoffMs);
        }
      }
      for (;;) {
        if (this.#closed) return;
        const errorCode = await this.#transition(metadata, {
          ...metadata.toRecord(),
          state: committed ? 'CompleteCommit' : 'CompleteAbort',
          partitions: [],
          lastUpdateTimeMs: this.#ports.timers.now(),
        });
        if (errorCode === ErrorCode.NONE) return;
        await this.#sleep(this.#config.retryBackoffMs);
      }
    };
    this.#track(work());
  }

  #sleep(delayMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const entry = { cancel: (): void => {}, resolve };
      entry.cancel = this.#ports.timers.schedule(delayMs, () => {
        this.#sleeps.delete(entry);
        resolve();
      });
      this.#sleeps.add(entry);
    });
  }

  #scheduleAbortScan(): void {
    if (this.#closed) return;
    this.#abortScan = this.#ports.timers.schedule(this.#config.abortTimedOutTransactionCleanupIntervalMs, () => {
      this.abortTimedOutTransactions();
      this.#scheduleAbortScan();
    });
  }

  #scheduleExpiryScan(): void {
    if (this.#closed) return;
    this.#expiryScan = this.#ports.timers.schedule(this.#config.removeExpiredTransactionalIdCleanupIntervalMs, () => {
      this.expireTransactionalIds();
      this.#scheduleExpiryScan();
    });
  }

  /** Fences and aborts every Ongoing transaction past its `transaction.timeout.ms` (run by the periodic scan). */
  abortTimedOutTransactions(): void {
    if (this.#loading || this.#closed) return;
    const nowMs = this.#ports.timers.now();
    for (const metadata of this.#transactions.values()) {
      if (metadata.state === 'Ongoing' && metadata.pendingState === null && metadata.transactionStartTimeMs + metadata.transactionTimeoutMs < nowMs) {
        this.#track(this.#fenceAndAbort(metadata).then(() => undefined));
      }
    }
  }

  /** Removes ids idle (Empty / Complete*) for `transactional.id.expiration.ms`, persisting 'Dead' (run by the periodic scan). */
  expireTransactionalIds(): void {
    if (this.#loading || this.#closed) return;
    const nowMs = this.#ports.timers.now();
    for (const metadata of this.#transactions.values()) {
      if (
        isCompleteOrEmpty(metadata.state) &&
        metadata.pendingState === null &&
        metadata.lastUpdateTimeMs <= nowMs - this.#config.transactionalIdExpirationMs
      ) {
        const target: TxnStateRecord = { ...metadata.toRecord(), state: 'Dead', partitions: [], lastUpdateTimeMs: nowMs };
        const work = this.#transition(metadata, target).then((errorCode) => {
          if (errorCode === ErrorCode.NONE && this.#transactions.get(metadata.transactionalId) === metadata) {
            this.#transactions.delete(metadata.transactionalId);
          }
        });
        this.#track(work);
      }
    }
  }
}
