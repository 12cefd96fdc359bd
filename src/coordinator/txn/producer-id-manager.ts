/**
 * Hands out producer ids (Kafka's ProducerIdManager) to idempotent producers and to the
 * transaction coordinator. Ids come from the metadata store in blocks of PRODUCER_ID_BLOCK_SIZE,
 * as Kafka's ProducerIdManager takes blocks from the controller: the block's end is durable
 * before any of its ids is handed out, so no id is reused across restarts (the unused rest of a
 * block is skipped). The next block is fetched when 90% of the current one is used. A failed
 * allocation rejects with the metadata store's error (a MetadataError carries its error code).
 */
import type { MetadataStore } from '../../metadata/metadata-store.ts';

/** Ids taken from the metadata store at once (Kafka's ProducerIdsBlock size). */
export const PRODUCER_ID_BLOCK_SIZE = 1000;
/** Fraction of a block used before the next one is fetched (Kafka's PID_PREFETCH_THRESHOLD). */
const PREFETCH_THRESHOLD = 0.9;

interface Block {
  next: bigint;
  readonly first: bigint;
  readonly end: bigint;
}

/** Hands out producer ids from durable blocks; concurrent callers share one allocation (at most one in flight). */
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
