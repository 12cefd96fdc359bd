/**
 * InitProducerId (key 22), v0-5 (Kafka 4.1's range; kafkajs 2.2.4 sends v1, librdkafka up to v4,
 * the Java 4.x producer v5). Gives idempotent producers (transactionalId null) their producer id.
 *
 * - transactionalId null: a new producer id with epoch 0, always, as Kafka's
 *   TransactionCoordinator.handleInitProducerId does ("blindly accept the request and return a
 *   new producerId"). A producerId/epoch given in v3+ (KIP-360) is not bumped: Kafka ignores it
 *   for idempotent producers too (the Java client bumps an idempotent producer's epoch locally
 *   and only asks the broker when it needs a new id), and a fresh id with epoch 0 is always a
 *   valid answer. Giving only one of producerId and producerEpoch is INVALID_REQUEST (KafkaApis).
 * - Ids come from the metadata store in blocks of PRODUCER_ID_BLOCK_SIZE, as Kafka's
 *   ProducerIdManager takes blocks from the controller: the block's end is durable before any of
 *   its ids is handed out, so no id is reused across restarts (the unused rest of a block is
 *   skipped). The next block is fetched when 90% of the current one is used. A failure to
 *   allocate (metadata storage failure) is the metadata store's error code, else
 *   UNKNOWN_SERVER_ERROR, as Kafka answers.
 * - transactionalId "": INVALID_REQUEST (Kafka's rule).
 * - transactionalId non-null: transactions are not implemented yet (issue 5). The answer is
 *   UNSUPPORTED_VERSION, chosen because every client treats it as non-retriable and says the
 *   broker does not support what was asked (the Java producer fails with "Unexpected error in
 *   InitProducerIdResponse; The version of API is not supported."). COORDINATOR_NOT_AVAILABLE or
 *   NOT_COORDINATOR would make clients look up a coordinator and retry until their timeout, and
 *   TRANSACTIONAL_ID_AUTHORIZATION_FAILED would blame ACLs that do not exist. Clients that follow
 *   the protocol ask FindCoordinator for a transaction coordinator first, which answers
 *   COORDINATOR_NOT_AVAILABLE until transactions exist (10-find-coordinator.ts), so this answer
 *   is for clients that send InitProducerId with a transactional id straight away.
 */
import type { MetadataStore } from '../metadata/metadata-store.ts';
import { MetadataError } from '../metadata/metadata-store.ts';
import { ErrorCode, initProducerIdRequest, initProducerIdResponse } from '../protocol/index.ts';
import { defineHandler } from './types.ts';

/** Ids taken from the metadata store at once (Kafka's ProducerIdsBlock size). */
export const PRODUCER_ID_BLOCK_SIZE = 1000;
/** Fraction of a block used before the next one is fetched (Kafka's PID_PREFETCH_THRESHOLD). */
const PREFETCH_THRESHOLD = 0.9;

interface Block {
  next: bigint;
  readonly first: bigint;
  readonly end: bigint;
}

/** Hands out producer ids from durable blocks; concurrent callers share one allocation. */
export class ProducerIdManager {
  readonly #metadata: MetadataStore;
  readonly #blockSize: number;
  #current: Block | null = null;
  #prefetch: Promise<Block> | null = null;

  constructor(metadata: MetadataStore, blockSize = PRODUCER_ID_BLOCK_SIZE) {
    this.#metadata = metadata;
    this.#blockSize = blockSize;
  }

  async generateProducerId(): Promise<bigint> {
    for (;;) {
      const block = this.#current;
      if (block !== null && block.next < block.end) {
        const id = block.next;
        block.next += 1n;
        if (this.#prefetch === null && Number(block.next - block.first) >= this.#blockSize * PREFETCH_THRESHOLD) this.#prefetch = this.#allocate();
        return id;
      }
      const pending = (this.#prefetch ??= this.#allocate());
      const fetched = await pending;
      if (this.#prefetch === pending) {
        this.#prefetch = null;
        this.#current = fetched;
      }
    }
  }

  #allocate(): Promise<Block> {
    const allocation = this.#metadata.allocateProducerIds(this.#blockSize).then(({ firstProducerId, count }) => ({
      next: firstProducerId,
      first: firstProducerId,
      end: firstProducerId + BigInt(count),
    }));
    // A failed allocation is not kept: the next caller tries again.
    allocation.catch(() => {
      if (this.#prefetch === allocation) this.#prefetch = null;
    });
    return allocation;
  }
}

const managers = new WeakMap<MetadataStore, ProducerIdManager>();

/** The producer id manager of a broker (one per metadata store). */
export function producerIdManagerFor(metadata: MetadataStore): ProducerIdManager {
  let manager = managers.get(metadata);
  if (manager === undefined) {
    manager = new ProducerIdManager(metadata);
    managers.set(metadata, manager);
  }
  return manager;
}

export const initProducerIdHandler = defineHandler({
  name: 'InitProducerId',
  request: initProducerIdRequest,
  response: initProducerIdResponse,
  advertised: { min: 0, max: 5 },
  async handle(request, context) {
    const failed = (errorCode: number) => ({ throttleTimeMs: 0, errorCode, producerId: -1n, producerEpoch: -1 });
    const noId = request.producerId === -1n;
    const noEpoch = request.producerEpoch === -1;
    if (noId !== noEpoch) return failed(ErrorCode.INVALID_REQUEST);
    if (request.transactionalId === '') return failed(ErrorCode.INVALID_REQUEST);
    if (request.transactionalId !== null) return failed(ErrorCode.UNSUPPORTED_VERSION);
    try {
      const producerId = await producerIdManagerFor(context.broker.metadata).generateProducerId();
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 };
    } catch (error) {
      return failed(error instanceof MetadataError ? error.errorCode : ErrorCode.UNKNOWN_SERVER_ERROR);
    }
  },
});
