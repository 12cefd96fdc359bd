import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createTopicsRequest, ErrorCode, listOffsetsRequest, produceRequest } from '../../../src/protocol/index.ts';
import type { KafkaTestClient } from '../../helpers/kafka-client.ts';
import { recordBatch } from '../../helpers/record-batches.ts';
import { startBroker, type BrokerFixture } from './fixture.ts';

const LATEST = -1n;
const EARLIEST = -2n;
const MAX_TIMESTAMP = -3n;

function records(timestamps: readonly number[]): Buffer {
  return recordBatch(timestamps.map((timestamp) => ({ timestamp, value: Buffer.from(`at ${timestamp}`) })));
}

describe('ListOffsets', () => {
  let fixture: BrokerFixture;
  let client: KafkaTestClient;

  async function list(timestamp: bigint, options: { version?: number; partition?: number; currentLeaderEpoch?: number } = {}) {
    const reply = await client.send(listOffsetsRequest, options.version ?? 7, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [{ name: 'times', partitions: [{ partitionIndex: options.partition ?? 0, timestamp, currentLeaderEpoch: options.currentLeaderEpoch ?? -1 }] }],
    });
    return reply.topics[0]!.partitions[0]!;
  }

  before(async () => {
    fixture = await startBroker();
    client = await fixture.connect();
    await client.send(createTopicsRequest, 7, { topics: [{ name: 'times', numPartitions: 2, replicationFactor: 1 }], timeoutMs: 5000 });
    for (const batch of [records([1000, 1001, 1002]), records([5000, 5001]), records([3000])]) {
      const reply = await client.send(produceRequest, 9, { acks: -1, timeoutMs: 5000, topicData: [{ name: 'times', partitionData: [{ index: 0, records: batch }] }] });
      assert.equal(reply.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
    }
  });
  after(() => fixture?.stop());

  test('earliest is the log start offset and latest the high watermark, in v1 and v7', async () => {
    for (const version of [1, 7]) {
      const earliest = await list(EARLIEST, { version });
      const latest = await list(LATEST, { version });
      assert.deepEqual([earliest.errorCode, earliest.offset, latest.errorCode, latest.offset], [0, 0n, 0, 6n]);
    }
  });

  test('an empty partition answers 0 for both', async () => {
    assert.equal((await list(EARLIEST, { partition: 1 })).offset, 0n);
    assert.equal((await list(LATEST, { partition: 1 })).offset, 0n);
  });

  test('by timestamp: the first offset whose timestamp is at or after it, with that timestamp', async () => {
    const cases: Array<[bigint, bigint, bigint]> = [
      [0n, 0n, 1000n],
      [1001n, 1n, 1001n],
      [2000n, 3n, 5000n],
      [5001n, 4n, 5001n],
    ];
    for (const [timestamp, offset, found] of cases) {
      const result = await list(timestamp);
      assert.deepEqual([result.errorCode, result.offset, result.timestamp], [ErrorCode.NONE, offset, found], `timestamp ${timestamp}`);
    }
    const none = await list(6000n);
    assert.deepEqual([none.errorCode, none.offset, none.timestamp], [ErrorCode.NONE, -1n, -1n]);
  });

  test('max timestamp (v7+) is the offset of the record with the largest timestamp', async () => {
    const result = await list(MAX_TIMESTAMP);
    assert.deepEqual([result.errorCode, result.offset, result.timestamp, result.leaderEpoch], [ErrorCode.NONE, 4n, 5001n, 0]);
  });

  test('unknown partitions are UNKNOWN_TOPIC_OR_PARTITION; leader epochs ahead or behind are refused', async () => {
    assert.equal((await list(LATEST, { partition: 5 })).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal((await list(LATEST, { currentLeaderEpoch: 1 })).errorCode, ErrorCode.UNKNOWN_LEADER_EPOCH);
    assert.equal((await list(LATEST, { currentLeaderEpoch: -2 })).errorCode, ErrorCode.FENCED_LEADER_EPOCH);
    assert.equal((await list(LATEST, { currentLeaderEpoch: 0 })).errorCode, ErrorCode.NONE);
  });

  test('a partition listed twice is INVALID_REQUEST for every occurrence', async () => {
    const reply = await client.send(listOffsetsRequest, 7, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [
        { name: 'times', partitions: [{ partitionIndex: 0, timestamp: LATEST }, { partitionIndex: 1, timestamp: LATEST }] },
        { name: 'times', partitions: [{ partitionIndex: 0, timestamp: EARLIEST }] },
      ],
    });
    assert.deepEqual(reply.topics.map((t) => t.partitions.map((p) => p.errorCode)), [[ErrorCode.INVALID_REQUEST, ErrorCode.NONE], [ErrorCode.INVALID_REQUEST]]);
  });
});
