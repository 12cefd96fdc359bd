import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createTopicsRequest, deleteRecordsRequest, ErrorCode, fetchRequest, listOffsetsRequest, offsetForLeaderEpochRequest, produceRequest } from '../../../src/protocol/index.ts';
import type { KafkaTestClient } from '../../helpers/kafka-client.ts';
import { simpleBatch } from '../../helpers/record-batches.ts';
import { startBroker, type BrokerFixture } from './fixture.ts';

describe('DeleteRecords and OffsetForLeaderEpoch', () => {
  let fixture: BrokerFixture;
  let client: KafkaTestClient;

  async function produce(topic: string, partition: number, count: number): Promise<void> {
    const reply = await client.send(produceRequest, 9, { acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: partition, records: simpleBatch(count, 20, Date.now()) }] }] });
    assert.equal(reply.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
  }

  async function deleteRecords(topic: string, partition: number, offset: bigint, version = 2) {
    const reply = await client.send(deleteRecordsRequest, version, { topics: [{ name: topic, partitions: [{ partitionIndex: partition, offset }] }], timeoutMs: 5000 });
    return reply.topics[0]!.partitions[0]!;
  }

  async function earliest(topic: string, partition: number): Promise<bigint> {
    const reply = await client.send(listOffsetsRequest, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: [{ partitionIndex: partition, timestamp: -2n }] }] });
    return reply.topics[0]!.partitions[0]!.offset;
  }

  async function epochEnd(topic: string, partition: number, leaderEpoch: number, currentLeaderEpoch = -1, version = 4) {
    const reply = await client.send(offsetForLeaderEpochRequest, version, { replicaId: -1, topics: [{ topic, partitions: [{ partition, currentLeaderEpoch, leaderEpoch }] }] });
    return reply.topics[0]!.partitions[0]!;
  }

  before(async () => {
    fixture = await startBroker();
    client = await fixture.connect();
    await client.send(createTopicsRequest, 7, { topics: [{ name: 'trim', numPartitions: 3, replicationFactor: 1 }], timeoutMs: 5000 });
    for (const partition of [0, 1, 2]) {
      await produce('trim', partition, 5);
      await produce('trim', partition, 5);
    }
  });
  after(() => fixture?.stop());

  test('deleting up to an offset moves the low watermark there; reads below it are OFFSET_OUT_OF_RANGE', async () => {
    const result = await deleteRecords('trim', 0, 5n);
    assert.deepEqual([result.errorCode, result.lowWatermark], [ErrorCode.NONE, 5n]);
    assert.equal(await earliest('trim', 0), 5n);
    const fetched = await client.send(fetchRequest, 11, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      topics: [{ topic: 'trim', partitions: [{ partition: 0, fetchOffset: 2n, partitionMaxBytes: 1 << 20 }] }],
    });
    assert.equal(fetched.responses[0]!.partitions[0]!.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
  });

  test('an offset inside a batch becomes the low watermark (v0)', async () => {
    const result = await deleteRecords('trim', 1, 3n, 0);
    assert.deepEqual([result.errorCode, result.lowWatermark], [ErrorCode.NONE, 3n]);
    assert.equal(await earliest('trim', 1), 3n);
  });

  test('-1 deletes up to the high watermark', async () => {
    const result = await deleteRecords('trim', 2, -1n, 1);
    assert.deepEqual([result.errorCode, result.lowWatermark], [ErrorCode.NONE, 10n]);
    assert.equal(await earliest('trim', 2), 10n);
  });

  test('offsets above the high watermark or negative are OFFSET_OUT_OF_RANGE; unknown partitions UNKNOWN_TOPIC_OR_PARTITION', async () => {
    assert.equal((await deleteRecords('trim', 0, 11n)).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
    assert.equal((await deleteRecords('trim', 0, -5n)).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
    assert.equal(await earliest('trim', 0), 5n);
    assert.equal((await deleteRecords('trim', 9, 0n)).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal((await deleteRecords('nope', 0, 0n)).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  test('OffsetForLeaderEpoch: epoch 0 ends at the log end offset, in v2 to v4', async () => {
    for (const version of [2, 3, 4]) {
      const result = await epochEnd('trim', 0, 0, -1, version);
      assert.deepEqual([result.errorCode, result.leaderEpoch, result.endOffset], [ErrorCode.NONE, 0, 10n], `v${version}`);
    }
  });

  test('OffsetForLeaderEpoch: unknown epochs (-1, above 0) answer -1/-1; an older epoch ends at the log start', async () => {
    for (const epoch of [-1, 1, 7]) {
      const result = await epochEnd('trim', 0, epoch);
      assert.deepEqual([result.errorCode, result.leaderEpoch, result.endOffset], [ErrorCode.NONE, -1, -1n], `epoch ${epoch}`);
    }
    const older = await epochEnd('trim', 0, -3);
    assert.deepEqual([older.errorCode, older.leaderEpoch, older.endOffset], [ErrorCode.NONE, -3, 5n]);
  });

  test('OffsetForLeaderEpoch: the current leader epoch is checked: ahead is UNKNOWN_LEADER_EPOCH, behind FENCED_LEADER_EPOCH', async () => {
    assert.equal((await epochEnd('trim', 0, 0, 1)).errorCode, ErrorCode.UNKNOWN_LEADER_EPOCH);
    assert.equal((await epochEnd('trim', 0, 0, -2)).errorCode, ErrorCode.FENCED_LEADER_EPOCH);
    const current = await epochEnd('trim', 0, 0, 0);
    assert.deepEqual([current.errorCode, current.endOffset], [ErrorCode.NONE, 10n]);
    assert.equal((await epochEnd('nope', 0, 0)).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });
});
