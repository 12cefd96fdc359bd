/**
 * The records of `__transaction_state`, in Apache Kafka's own formats (TransactionLogKey /
 * TransactionLogValue, so that Kafka's tools and a replicated copy read them unchanged).
 * Big-endian; strings int16-length prefixed.
 *
 *   TransactionLogKey   v0: version int16 = 0, transactionalId string
 *   TransactionLogValue v0: version int16 = 0, producerId int64, producerEpoch int16,
 *                           transactionTimeoutMs int32, transactionStatus int8,
 *                           transactionPartitions nullable array (int32 count, -1 = null) of
 *                             { topic string, partitionIds array (int32 count) of int32 },
 *                           transactionLastUpdateTimestampMs int64, transactionStartTimestampMs int64
 *                           (partitions null for Empty, as Kafka writes them)
 *   TransactionLogValue v1: the same fields in the flexible encoding (compact strings and arrays,
 *                           unsigned-varint lengths + 1, tagged fields: 0 PreviousProducerId int64,
 *                           1 NextProducerId int64, 2 ClientTransactionVersion int16)
 * A null value is a tombstone: the transactional id is deleted (state Dead).
 *
 * fjord writes value version 0, as Kafka 4.1 does at transaction.version 0 (which is what fjord
 * offers: `TransactionVersion.transactionLogValueVersion()` is 1 only from level 1). Version 0 does
 * not carry the previous producer id; a reload sets it to -1, as Kafka's does. Both versions are read.
 *
 * transactionStatus ids (Kafka's TransactionState): Empty 0, Ongoing 1, PrepareCommit 2,
 * PrepareAbort 3, CompleteCommit 4, CompleteAbort 5, Dead 6, PrepareEpochFence 7.
 */
import { NO_PRODUCER_EPOCH, NO_PRODUCER_ID, TXN_STATES, type TopicPartition, type TxnState, type TxnStateRecord } from './txn-state.ts';

const KEY_VERSION = 0;
const VALUE_VERSION = 0;
/** Bound on partition ids of one topic entry when decoding (a record is at most a batch anyway). */
const MAX_DECODED_ENTRIES = 1_000_000;

class Out {
  readonly parts: Buffer[] = [];
  int8(value: number): void {
    const buffer = Buffer.alloc(1);
    buffer.writeInt8(value);
    this.parts.push(buffer);
  }
  int16(value: number): void {
    const buffer = Buffer.alloc(2);
    buffer.writeInt16BE(value);
    this.parts.push(buffer);
  }
  int32(value: number): void {
    const buffer = Buffer.alloc(4);
    buffer.writeInt32BE(value);
    this.parts.push(buffer);
  }
  int64(value: bigint): void {
    const buffer = Buffer.alloc(8);
    buffer.writeBigInt64BE(value);
    this.parts.push(buffer);
  }
  string(value: string): void {
    const bytes = Buffer.from(value, 'utf8');
    if (bytes.length > 32_767) throw new RangeError('string longer than 32767 bytes');
    this.int16(bytes.length);
    this.parts.push(bytes);
  }
  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

class In {
  readonly buffer: Buffer;
  position = 0;
  constructor(buffer: Buffer) {
    this.buffer = buffer;
  }
  #need(bytes: number): void {
    if (bytes < 0 || this.position + bytes > this.buffer.length) throw new RangeError('transaction log record truncated');
  }
  int8(): number {
    this.#need(1);
    return this.buffer.readInt8(this.position++);
  }
  int16(): number {
    this.#need(2);
    const value = this.buffer.readInt16BE(this.position);
    this.position += 2;
    return value;
  }
  int32(): number {
    this.#need(4);
    const value = this.buffer.readInt32BE(this.position);
    this.position += 4;
    return value;
  }
  int64(): bigint {
    this.#need(8);
    const value = this.buffer.readBigInt64BE(this.position);
    this.position += 8;
    return value;
  }
  unsignedVarint(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      this.#need(1);
      const byte = this.buffer[this.position++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
    throw new RangeError('varint too long');
  }
  utf8(length: number): string {
    this.#need(length);
    const value = this.buffer.toString('utf8', this.position, this.position + length);
    this.position += length;
    return value;
  }
  string(flexible: boolean): string {
    const length = flexible ? this.unsignedVarint() - 1 : this.int16();
    if (length < 0) throw new RangeError('unexpected null string in a transaction log record');
    return this.utf8(length);
  }
  /** An array length; -1 for null. */
  arrayLength(flexible: boolean): number {
    const length = flexible ? this.unsignedVarint() - 1 : this.int32();
    if (length > MAX_DECODED_ENTRIES) throw new RangeError(`array of ${length} entries in a transaction log record`);
    return length;
  }
  skip(bytes: number): void {
    this.#need(bytes);
    this.position += bytes;
  }
}

export function encodeTxnLogKey(transactionalId: string): Buffer {
  const key = new Out();
  key.int16(KEY_VERSION);
  key.string(transactionalId);
  return key.finish();
}

/** Key and value of one state record; a 'Dead' record is a tombstone (null value). */
export function encodeTxnRecord(record: TxnStateRecord): { key: Buffer; value: Buffer | null } {
  const key = encodeTxnLogKey(record.transactionalId);
  if (record.state === 'Dead') return { key, value: null };
  const value = new Out();
  value.int16(VALUE_VERSION);
  value.int64(record.producerId);
  value.int16(record.producerEpoch);
  value.int32(record.transactionTimeoutMs);
  value.int8(TXN_STATES.indexOf(record.state));
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of record.partitions) {
    let partitions = byTopic.get(topic);
    if (partitions === undefined) byTopic.set(topic, (partitions = []));
    partitions.push(partition);
  }
  // Kafka writes null partitions for Empty (TransactionLog.valueToBytes).
  if (record.state === 'Empty') value.int32(-1);
  else value.int32(byTopic.size);
  if (record.state !== 'Empty') for (const [topic, partitions] of byTopic) {
    value.string(topic);
    value.int32(partitions.length);
    for (const partition of partitions) value.int32(partition);
  }
  value.int64(BigInt(record.lastUpdateTimeMs));
  value.int64(BigInt(record.transactionStartTimeMs));
  return { key, value: value.finish() };
}

/**
 * Decodes one record of `__transaction_state`: null for a key version that is not a transaction
 * log key. A tombstone decodes to a 'Dead' record with no producer. Throws RangeError on bytes
 * that do not parse (the loader skips them and says so).
 */
export function decodeTxnRecord(keyBytes: Buffer, valueBytes: Buffer | null): TxnStateRecord | null {
  const key = new In(keyBytes);
  if (key.int16() !== KEY_VERSION) return null;
  const transactionalId = key.string(false);
  if (valueBytes === null) {
    return {
      transactionalId,
      producerId: NO_PRODUCER_ID,
      previousProducerId: NO_PRODUCER_ID,
      producerEpoch: NO_PRODUCER_EPOCH,
      lastProducerEpoch: NO_PRODUCER_EPOCH,
      transactionTimeoutMs: 0,
      state: 'Dead',
      partitions: [],
      transactionStartTimeMs: -1,
      lastUpdateTimeMs: -1,
    };
  }
  const value = new In(valueBytes);
  const version = value.int16();
  if (version !== 0 && version !== 1) throw new RangeError(`unknown TransactionLogValue version ${version}`);
  const flexible = version >= 1;
  const producerId = value.int64();
  const producerEpoch = value.int16();
  const transactionTimeoutMs = value.int32();
  const status = value.int8();
  const state: TxnState | undefined = TXN_STATES[status];
  if (state === undefined) throw new RangeError(`unknown transaction status ${status}`);
  const partitions: TopicPartition[] = [];
  const topicCount = value.arrayLength(flexible);
  for (let topicIndex = 0; topicIndex < topicCount; topicIndex++) {
    const topic = value.string(flexible);
    const partitionCount = value.arrayLength(flexible);
    for (let index = 0; index < partitionCount; index++) partitions.push({ topic, partition: value.int32() });
    if (flexible) skipTaggedFields(value);
  }
  const lastUpdateTimeMs = Number(value.int64());
  const transactionStartTimeMs = Number(value.int64());
  let previousProducerId = NO_PRODUCER_ID;
  if (flexible) {
    const tagCount = value.unsignedVarint();
    for (let index = 0; index < tagCount; index++) {
      const tag = value.unsignedVarint();
      const size = value.unsignedVarint();
      if (tag === 0 && size === 8) previousProducerId = value.int64();
      else value.skip(size);
    }
  }
  return {
    transactionalId,
    producerId,
    previousProducerId,
    producerEpoch,
    lastProducerEpoch: NO_PRODUCER_EPOCH,
    transactionTimeoutMs,
    state,
    partitions,
    transactionStartTimeMs,
    lastUpdateTimeMs,
  };
}

function skipTaggedFields(input: In): void {
  const count = input.unsignedVarint();
  for (let index = 0; index < count; index++) {
    input.unsignedVarint();
    input.skip(input.unsignedVarint());
  }
}
