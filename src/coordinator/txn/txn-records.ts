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
import { ProtocolDecodeError } from '../../protocol/errors.ts';
import { Reader } from '../../protocol/reader.ts';
import { Writer } from '../../protocol/writer.ts';
import { NO_PRODUCER_EPOCH, NO_PRODUCER_ID, TXN_STATES, type TopicPartition, type TxnState, type TxnStateRecord } from './txn-state.ts';

const KEY_VERSION = 0;
const VALUE_VERSION = 0;
/** Initial encode buffer; the writer grows as needed. */
const INITIAL_RECORD_BYTES = 128;

export function encodeTxnLogKey(transactionalId: string): Buffer {
  const key = new Writer(INITIAL_RECORD_BYTES);
  key.int16(KEY_VERSION);
  key.string(transactionalId);
  return key.finish();
}

/** Key and value of one state record; a 'Dead' record is a tombstone (null value). */
export function encodeTxnRecord(record: TxnStateRecord): { key: Buffer; value: Buffer | null } {
  const key = encodeTxnLogKey(record.transactionalId);
  if (record.state === 'Dead') return { key, value: null };
  const value = new Writer(INITIAL_RECORD_BYTES);
  value.int16(VALUE_VERSION);
  value.int64(record.producerId);
  value.int16(record.producerEpoch);
  value.int32(record.transactionTimeoutMs);
  value.int8(TXN_STATES.indexOf(record.state));
  if (record.state === 'Empty') {
    // Kafka writes null partitions for Empty (TransactionLog.valueToBytes).
    value.arrayLength(-1);
  } else {
    const byTopic = new Map<string, number[]>();
    for (const { topic, partition } of record.partitions) {
      let partitions = byTopic.get(topic);
      if (partitions === undefined) byTopic.set(topic, (partitions = []));
      partitions.push(partition);
    }
    value.arrayLength(byTopic.size);
    for (const [topic, partitions] of byTopic) {
      value.string(topic);
      value.arrayLength(partitions.length);
      for (const partition of partitions) value.int32(partition);
    }
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
  try {
    return decode(keyBytes, valueBytes);
  } catch (error) {
    if (error instanceof ProtocolDecodeError) throw new RangeError(`transaction log record does not parse: ${error.message}`);
    throw error;
  }
}

function decode(keyBytes: Buffer, valueBytes: Buffer | null): TxnStateRecord | null {
  const key = new Reader(keyBytes);
  if (key.int16() !== KEY_VERSION) return null;
  const transactionalId = key.string();
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
  const value = new Reader(valueBytes);
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
  const topicCount = flexible ? value.compactArrayLength() : value.arrayLength();
  for (let topicIndex = 0; topicIndex < topicCount; topicIndex++) {
    const topic = flexible ? value.compactString() : value.string();
    const partitionCount = flexible ? value.compactArrayLength() : value.arrayLength();
    for (let index = 0; index < partitionCount; index++) partitions.push({ topic, partition: value.int32() });
    if (flexible) value.skipTaggedFields();
  }
  const lastUpdateTimeMs = Number(value.int64());
  const transactionStartTimeMs = Number(value.int64());
  let previousProducerId = NO_PRODUCER_ID;
  if (flexible) {
    const tagCount = value.taggedFieldCount();
    for (let index = 0; index < tagCount; index++) {
      const tag = value.uvarint();
      const end = value.taggedFieldEnd();
      if (tag === 0 && end - value.offset === 8) previousProducerId = value.int64();
      value.offset = end;
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
