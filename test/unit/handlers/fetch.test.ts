import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createTopicsRequest, ErrorCode, fetchRequest, produceRequest } from '../../../src/protocol/index.ts';
import type { KafkaTestClient } from '../../helpers/kafka-client.ts';
import { simpleBatch, splitBatches } from '../../helpers/record-batches.ts';
import { startBroker, type BrokerFixture } from './fixture.ts';

interface Wanted {
  topic: string;
  partition: number;
  fetchOffset: bigint;
  partitionMaxBytes?: number;
}

function fetchBody(wanted: readonly Wanted[], options: { maxWaitMs?: number; minBytes?: number; maxBytes?: number; sessionId?: number } = {}) {
  return {
    replicaId: -1,
    maxWaitMs: options.maxWaitMs ?? 0,
    minBytes: options.minBytes ?? 0,
    maxBytes: options.maxBytes ?? 50 * 1024 * 1024,
    isolationLevel: 0,
    sessionId: options.sessionId ?? 0,
    sessionEpoch: -1,
    topics: wanted.map((w) => ({ topic: w.topic, partitions: [{ partition: w.partition, fetchOffset: w.fetchOffset, partitionMaxBytes: w.partitionMaxBytes ?? 1024 * 1024 }] })),
    forgottenTopicsData: [],
  };
}

/** What the log stores for a produced batch: the same bytes with the assigned base offset and leader epoch 0. */
function stored(batch: Buffer, baseOffset: bigint): Buffer {
  const copy = Buffer.from(batch);
  copy.writeBigInt64BE(baseOffset, 0);
  copy.writeInt32BE(0, 12);
  return copy;
}

describe('Fetch', () => {
  let fixture: BrokerFixture;
  let client: KafkaTestClient;
  const produced: Buffer[] = [];

  async function produce(topic: string, partition: number, batch: Buffer): Promise<bigint> {
    const reply = await client.send(produceRequest, 9, { acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }] });
    const result = reply.responses[0]!.partitionResponses[0]!;
    assert.equal(result.errorCode, ErrorCode.NONE);
    return result.baseOffset;
  }

  before(async () => {
    fixture = await startBroker();
    client = await fixture.connect();
    await client.send(createTopicsRequest, 7, {
      topics: [
        { name: 'data', numPartitions: 2, replicationFactor: 1 },
        { name: 'quiet', numPartitions: 1, replicationFactor: 1 },
      ],
      timeoutMs: 5000,
    });
    for (let i = 0; i < 3; i++) {
      const batch = simpleBatch(5, 200, Date.now() + i);
      produced.push(stored(batch, await produce('data', 0, batch)));
    }
    await produce('data', 1, simpleBatch(5, 200, Date.now()));
  });
  after(() => fixture?.stop());

  test('reads back exactly the batches produced, with the high watermark and log start offset', async () => {
    const reply = await client.send(fetchRequest, 11, fetchBody([{ topic: 'data', partition: 0, fetchOffset: 0n }]));
    const partition = reply.responses[0]!.partitions[0]!;
    assert.equal(partition.errorCode, ErrorCode.NONE);
    assert.equal(partition.highWatermark, 15n);
    assert.equal(partition.lastStableOffset, 15n);
    assert.equal(partition.logStartOffset, 0n);
    assert.deepEqual(partition.records, Buffer.concat(produced));
  });

  test('reading from the middle of a batch returns that whole batch', async () => {
    const reply = await client.send(fetchRequest, 11, fetchBody([{ topic: 'data', partition: 0, fetchOffset: 7n }]));
    const batches = splitBatches(reply.responses[0]!.partitions[0]!.records as Buffer);
    assert.deepEqual(batches.map((b) => b.baseOffset), [5, 10]);
  });

  test('an offset beyond the high watermark is OFFSET_OUT_OF_RANGE; at the high watermark it is empty', async () => {
    const beyond = await client.send(fetchRequest, 11, fetchBody([{ topic: 'data', partition: 0, fetchOffset: 16n }]));
    assert.equal(beyond.responses[0]!.partitions[0]!.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
    const atEnd = await client.send(fetchRequest, 11, fetchBody([{ topic: 'data', partition: 0, fetchOffset: 15n }]));
    assert.equal(atEnd.responses[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
    assert.equal((atEnd.responses[0]!.partitions[0]!.records as Buffer).length, 0);
  });

  test('unknown topics and partitions are UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const reply = await client.send(fetchRequest, 11, fetchBody([{ topic: 'nope', partition: 0, fetchOffset: 0n }, { topic: 'data', partition: 9, fetchOffset: 0n }]));
    assert.deepEqual(reply.responses.map((r) => r.partitions[0]!.errorCode), [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  });

  test('partitionMaxBytes bounds the batches returned, but the first batch always comes whole', async () => {
    const batchBytes = produced[0]!.length;
    const two = await client.send(fetchRequest, 11, fetchBody([{ topic: 'data', partition: 0, fetchOffset: 0n, partitionMaxBytes: batchBytes * 2 + 10 }]));
    assert.deepEqual(two.responses[0]!.partitions[0]!.records, Buffer.concat(produced.slice(0, 2)));
    const tiny = await client.send(fetchRequest, 11, fetchBody([{ topic: 'data', partition: 0, fetchOffset: 0n, partitionMaxBytes: 10 }]));
    assert.deepEqual(tiny.responses[0]!.partitions[0]!.records, produced[0]);
  });

  test('maxBytes bounds the whole response across partitions after the first batch', async () => {
    const reply = await client.send(
      fetchRequest,
      11,
      fetchBody([{ topic: 'data', partition: 0, fetchOffset: 0n }, { topic: 'data', partition: 1, fetchOffset: 0n }], { maxBytes: 10 }),
    );
    const [first, second] = reply.responses.map((r) => r.partitions[0]!.records as Buffer);
    assert.deepEqual(first, produced[0]);
    assert.equal(second!.length, 0);
  });

  test('v13+ names topics by id; an unknown id is UNKNOWN_TOPIC_ID', async () => {
    const topicId = fixture.broker.metadata.topic('data')!.topicId;
    const body = fetchBody([]);
    const reply = await client.send(fetchRequest, 16, {
      ...body,
      topics: [
        { topicId, partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1024 * 1024 }] },
        { topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1024 * 1024 }] },
      ],
    });
    assert.equal(reply.responses[0]!.topicId, topicId);
    assert.deepEqual(reply.responses[0]!.partitions[0]!.records, Buffer.concat(produced));
    assert.equal(reply.responses[1]!.partitions[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_ID);
  });

  test('a current leader epoch ahead of the broker is UNKNOWN_LEADER_EPOCH, behind it FENCED_LEADER_EPOCH', async () => {
    const withEpoch = (currentLeaderEpoch: number) => ({
      ...fetchBody([]),
      topics: [{ topic: 'data', partitions: [{ partition: 0, currentLeaderEpoch, fetchOffset: 0n, partitionMaxBytes: 1024 * 1024 }] }],
    });
    const codes = [];
    for (const epoch of [1, -2, 0, -1]) codes.push((await client.send(fetchRequest, 11, withEpoch(epoch))).responses[0]!.partitions[0]!.errorCode);
    assert.deepEqual(codes, [ErrorCode.UNKNOWN_LEADER_EPOCH, ErrorCode.FENCED_LEADER_EPOCH, ErrorCode.NONE, ErrorCode.NONE]);
  });

  test('an incremental fetch session is FETCH_SESSION_ID_NOT_FOUND; full fetches get session id 0', async () => {
    const reply = await client.send(fetchRequest, 11, fetchBody([{ topic: 'data', partition: 0, fetchOffset: 0n }], { sessionId: 42 }));
    assert.equal(reply.errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
    const full = await client.send(fetchRequest, 11, fetchBody([{ topic: 'data', partition: 0, fetchOffset: 0n }]));
    assert.equal(full.sessionId, 0);
  });

  test('a long poll with nothing to read waits maxWaitMs and answers empty', async () => {
    const started = Date.now();
    const reply = await client.send(fetchRequest, 11, fetchBody([{ topic: 'quiet', partition: 0, fetchOffset: 0n }], { maxWaitMs: 300, minBytes: 1 }));
    const waited = Date.now() - started;
    assert.ok(waited >= 250, `answered after ${waited} ms`);
    assert.equal((reply.responses[0]!.partitions[0]!.records as Buffer).length, 0);
  });

  test('a long poll is woken by a produce to its partition', async () => {
    const poller = await fixture.connect();
    const started = Date.now();
    const polled = poller.send(fetchRequest, 11, fetchBody([{ topic: 'quiet', partition: 0, fetchOffset: 0n }], { maxWaitMs: 10_000, minBytes: 1 }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const batch = simpleBatch(1, 30, Date.now());
    await produce('quiet', 0, batch);
    const reply = await polled;
    assert.ok(Date.now() - started < 5_000);
    assert.deepEqual(reply.responses[0]!.partitions[0]!.records, stored(batch, 0n));
    assert.equal(fixture.broker.logs.waitingFetches, 0);
  });
});
