import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import type { LogManager } from '../../../src/log/log-manager.ts';
import { createTopicsRequest, ErrorCode, fetchRequest, listOffsetsRequest } from '../../../src/protocol/index.ts';
import type { KafkaTestClient } from '../../helpers/kafka-client.ts';
import { simpleBatch, splitBatches, transactionalBatch } from '../../helpers/record-batches.ts';
import { startBroker, type BrokerFixture } from '../handlers/fixture.ts';

function fetchBody(fetchOffset: bigint, isolationLevel: number) {
  return {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 50 * 1024 * 1024,
    isolationLevel,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic: 'txn', partitions: [{ partition: 0, fetchOffset, partitionMaxBytes: 1024 * 1024 }] }],
    forgottenTopicsData: [],
  };
}

describe('Fetch and ListOffsets with transactions (in-process broker)', () => {
  let fixture: BrokerFixture;
  let client: KafkaTestClient;
  let logs: LogManager;

  async function append(batch: Buffer): Promise<bigint> {
    const outcome = await logs.append('txn', 0, batch, { requiredAcks: -1, isFromClient: true });
    assert.equal(outcome.errorCode, ErrorCode.NONE);
    return outcome.baseOffset;
  }

  async function fetchPartition(fetchOffset: bigint, isolationLevel: number) {
    const reply = await client.send(fetchRequest, 11, fetchBody(fetchOffset, isolationLevel));
    const partition = reply.responses[0]!.partitions[0]!;
    assert.equal(partition.errorCode, ErrorCode.NONE);
    return { partition, offsets: splitBatches(partition.records as Buffer).map((batch) => batch.baseOffset) };
  }

  async function latest(isolationLevel: number): Promise<bigint> {
    const reply = await client.send(listOffsetsRequest, 7, {
      replicaId: -1,
      isolationLevel,
      topics: [{ name: 'txn', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }],
    });
    return reply.topics[0]!.partitions[0]!.offset;
  }

  before(async () => {
    fixture = await startBroker();
    client = await fixture.connect();
    logs = fixture.broker.logs;
    await client.send(createTopicsRequest, 7, { topics: [{ name: 'txn', numPartitions: 1, replicationFactor: 1 }], timeoutMs: 5000 });
    assert.equal(await append(transactionalBatch(1n, 0, 0, 2)), 0n); // 0-1
    assert.equal(await append(transactionalBatch(2n, 0, 0, 1)), 2n); // 2
    assert.deepEqual(await logs.writeTxnMarker('txn', 0, { producerId: 1n, producerEpoch: 0, coordinatorEpoch: 0, committed: false }), { errorCode: 0, offset: 3n });
    assert.equal(await append(simpleBatch(1, 10, Date.now())), 4n);
  });
  after(() => fixture?.stop());

  test('read_committed stops at the open transaction and lists the aborted one; read_uncommitted gets null', async () => {
    const committed = await fetchPartition(0n, 1);
    assert.equal(committed.partition.highWatermark, 5n);
    assert.equal(committed.partition.lastStableOffset, 2n);
    assert.deepEqual(committed.offsets, [0]);
    assert.deepEqual(committed.partition.abortedTransactions, [{ producerId: 1n, firstOffset: 0n }]);
    const uncommitted = await fetchPartition(0n, 0);
    assert.deepEqual(uncommitted.offsets, [0, 2, 3, 4]);
    assert.equal(uncommitted.partition.lastStableOffset, 2n);
    assert.equal(uncommitted.partition.abortedTransactions, null);
    assert.equal(await latest(1), 2n, 'ListOffsets latest, read_committed');
    assert.equal(await latest(0), 5n, 'ListOffsets latest, read_uncommitted');
  });

  test('after the commit, read_committed reads everything with the abort listed only where it overlaps', async () => {
    assert.equal((await logs.writeTxnMarker('txn', 0, { producerId: 2n, producerEpoch: 0, coordinatorEpoch: 0, committed: true })).offset, 5n);
    const all = await fetchPartition(0n, 1);
    assert.equal(all.partition.lastStableOffset, 6n);
    assert.deepEqual(all.offsets, [0, 2, 3, 4, 5]);
    assert.deepEqual(all.partition.abortedTransactions, [{ producerId: 1n, firstOffset: 0n }]);
    const after = await fetchPartition(4n, 1);
    assert.deepEqual(after.offsets, [4, 5]);
    assert.deepEqual(after.partition.abortedTransactions, [], 'the abort marker is below the fetch offset');
    const atEnd = await fetchPartition(6n, 1);
    assert.deepEqual(atEnd.partition.abortedTransactions, [], 'nothing read, an empty list');
    assert.equal(await latest(1), 6n);
  });
});
