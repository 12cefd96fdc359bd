/**
 * A well-behaved client for the fault tests, on its own connection: creates topics through
 * Metadata auto-creation, produces record batches with acks=1 checking every acknowledgement,
 * and reads a partition back with Fetch.
 */
import {
  decodeResponse,
  encodeRequest,
  ErrorCode,
  fetchRequest,
  fetchResponse,
  metadataRequest,
  metadataResponse,
  produceRequest,
  produceResponse,
  RecordBatchField,
  RECORD_BATCH_HEADER_BYTES,
  RECORD_BATCH_LOG_OVERHEAD_BYTES,
} from '../../../src/protocol/index.ts';
import { WireConnection } from './wire-connection.ts';

const CLIENT_ID = 'fjord-fault-good';
const METADATA_VERSION = 12;
const PRODUCE_VERSION = 9;
const FETCH_VERSION = 12;
/** Produce v9+, Fetch v12+, Metadata v9+ are flexible; fine for any broker of Kafka 2.4+. */

export interface AckedBatch {
  readonly baseOffset: bigint;
  /** The batch as produced (baseOffset 0, no leader epoch). */
  readonly batch: Buffer;
  readonly recordCount: number;
}

export class GoodClient {
  readonly #connection: WireConnection;
  readonly #timeoutMs: number;
  #correlationId = 1;

  private constructor(connection: WireConnection, timeoutMs: number) {
    this.#connection = connection;
    this.#timeoutMs = timeoutMs;
  }

  static async open(port: number, timeoutMs = 10_000): Promise<GoodClient> {
    return new GoodClient(await WireConnection.open(port), timeoutMs);
  }

  close(): void {
    this.#connection.destroy();
  }

  /** Creates the topic (auto-creation through Metadata) and returns its id once it has a leader. */
  async ensureTopic(name: string): Promise<string> {
    const deadline = Date.now() + this.#timeoutMs;
    for (;;) {
      const correlationId = this.#correlationId++;
      const frame = await this.#connection.request(
        encodeRequest(metadataRequest, METADATA_VERSION, correlationId, CLIENT_ID, { topics: [{ name }], allowAutoTopicCreation: true }),
        this.#timeoutMs,
      );
      const { body } = decodeResponse(metadataResponse, METADATA_VERSION, frame);
      const topic = body.topics.find((entry) => entry.name === name);
      if (topic !== undefined && topic.errorCode === ErrorCode.NONE && topic.partitions.length > 0 && topic.partitions.every((p) => p.errorCode === ErrorCode.NONE)) return topic.topicId;
      if (Date.now() > deadline) throw new Error(`topic ${name} not ready: ${JSON.stringify(topic, (_, value: unknown) => (typeof value === 'bigint' ? String(value) : value))}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Produces one batch with acks=1 and returns its base offset; throws unless acknowledged. */
  async produce(topic: string, partition: number, batch: Buffer): Promise<bigint> {
    const correlationId = this.#correlationId++;
    const frame = await this.#connection.request(
      encodeRequest(produceRequest, PRODUCE_VERSION, correlationId, CLIENT_ID, {
        transactionalId: null,
        acks: 1,
        timeoutMs: this.#timeoutMs,
        topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }],
      }),
      this.#timeoutMs,
    );
    const { correlationId: answered, body } = decodeResponse(produceResponse, PRODUCE_VERSION, frame);
    if (answered !== correlationId) throw new Error(`produce answered with correlation id ${answered}, expected ${correlationId}`);
    const reply = body.responses[0]?.partitionResponses[0];
    if (reply === undefined) throw new Error('produce response without the partition');
    if (reply.errorCode !== ErrorCode.NONE) throw new Error(`produce failed with error code ${reply.errorCode} (${reply.errorMessage})`);
    return reply.baseOffset;
  }

  /**
   * One Fetch from `offset`: the whole batches returned (a partial one at the end is dropped, as
   * clients do) and the high watermark. Waits up to `maxWaitMs` for at least one byte.
   */
  async fetchOnce(topic: string, partition: number, offset: bigint, maxWaitMs: number): Promise<{ batches: Buffer[]; highWatermark: bigint }> {
    const correlationId = this.#correlationId++;
    const frame = await this.#connection.request(
      encodeRequest(fetchRequest, FETCH_VERSION, correlationId, CLIENT_ID, {
        replicaId: -1,
        maxWaitMs,
        minBytes: 1,
        maxBytes: 4 * 1024 * 1024,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [{ topic, partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: 1024 * 1024 }] }],
        forgottenTopicsData: [],
        rackId: '',
      }),
      this.#timeoutMs + maxWaitMs,
    );
    const { correlationId: answered, body } = decodeResponse(fetchResponse, FETCH_VERSION, frame);
    if (answered !== correlationId) throw new Error(`fetch answered with correlation id ${answered}, expected ${correlationId}`);
    if (body.errorCode !== ErrorCode.NONE) throw new Error(`fetch failed with error code ${body.errorCode}`);
    const reply = body.responses[0]?.partitions[0];
    if (reply === undefined) throw new Error('fetch response without the partition');
    if (reply.errorCode !== ErrorCode.NONE) throw new Error(`fetch of offset ${offset} failed with error code ${reply.errorCode}`);
    const records = (reply.records as Buffer | null) ?? Buffer.alloc(0); // decoded records are Buffer views
    const batches: Buffer[] = [];
    let at = 0;
    while (records.length - at >= RECORD_BATCH_HEADER_BYTES) {
      const size = RECORD_BATCH_LOG_OVERHEAD_BYTES + records.readInt32BE(at + RecordBatchField.batchLength);
      if (records.length - at < size) break; // a partial batch at the end is allowed
      const batch = Buffer.from(records.subarray(at, at + size));
      at += size;
      const lastOffset = batch.readBigInt64BE(RecordBatchField.baseOffset) + BigInt(batch.readInt32BE(RecordBatchField.lastOffsetDelta));
      if (lastOffset >= offset) batches.push(batch);
    }
    return { batches, highWatermark: reply.highWatermark };
  }

  /** Every batch of the partition from `fromOffset` up to `endOffset` (exclusive), by Fetch. */
  async readAll(topic: string, partition: number, fromOffset: bigint, endOffset: bigint): Promise<Buffer[]> {
    const batches: Buffer[] = [];
    let next = fromOffset;
    while (next < endOffset) {
      const { batches: fetched, highWatermark } = await this.fetchOnce(topic, partition, next, 500);
      if (highWatermark < endOffset) throw new Error(`high watermark ${highWatermark} is below the ${endOffset} offsets acknowledged`);
      if (fetched.length === 0) throw new Error(`fetch at offset ${next} returned no whole batch`);
      for (const batch of fetched) {
        if (next >= endOffset) break;
        batches.push(batch);
        next = batch.readBigInt64BE(RecordBatchField.baseOffset) + BigInt(batch.readInt32BE(RecordBatchField.lastOffsetDelta)) + 1n;
      }
    }
    return batches;
  }
}

/**
 * Whether a batch read back is the batch acknowledged at `baseOffset`: the same bytes except the
 * base offset (assigned by the broker) and the partition leader epoch (set by the leader, outside
 * the CRC).
 */
export function sameBatch(read: Buffer, acked: AckedBatch): string | null {
  if (read.readBigInt64BE(RecordBatchField.baseOffset) !== acked.baseOffset) return `base offset ${read.readBigInt64BE(0)}, acknowledged ${acked.baseOffset}`;
  if (read.length !== acked.batch.length) return `${read.length} bytes, acknowledged ${acked.batch.length}`;
  if (!read.subarray(RecordBatchField.batchLength, RecordBatchField.partitionLeaderEpoch).equals(acked.batch.subarray(RecordBatchField.batchLength, RecordBatchField.partitionLeaderEpoch))) return 'batch length differs';
  if (!read.subarray(RecordBatchField.magic).equals(acked.batch.subarray(RecordBatchField.magic))) return 'contents differ';
  return null;
}
