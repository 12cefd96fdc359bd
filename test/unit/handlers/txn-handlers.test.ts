// The client-facing transaction APIs over the wire against an in-process broker: FindCoordinator
// for transaction keys, transactional InitProducerId (epochs, fencing), AddPartitionsToTxn in the
// client and broker (verify-only) forms, AddOffsetsToTxn, EndTxn with the COMMIT/ABORT markers it
// leaves in the logs, Produce's KIP-890 verification, and the state's durability in
// __transaction_state across restarts, the timeout abort and the expiry of idle ids.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { TRANSACTION_STATE_TOPIC_NAME } from '../../../src/coordinator/txn/txn-log.ts';
import { partitionForGroup } from '../../../src/coordinator/group/group-records.ts';
import { forEachRecord } from '../../../src/coordinator/group/record-batch-builder.ts';
import {
  addOffsetsToTxnRequest,
  addOffsetsToTxnResponse,
  addPartitionsToTxnRequest,
  addPartitionsToTxnResponse,
  createTopicsRequest,
  decodeResponse,
  encodeRequest,
  endTxnRequest,
  endTxnResponse,
  ErrorCode,
  findCoordinatorRequest,
  findCoordinatorResponse,
  initProducerIdRequest,
  produceRequest,
  type InputOf,
  type MessageSchema,
  type ValueOf,
} from '../../../src/protocol/index.ts';
import type { KafkaTestClient } from '../../helpers/kafka-client.ts';
import { transactionalBatch } from '../../helpers/record-batches.ts';
import { startBroker, type BrokerFixture } from './fixture.ts';

const TRANSACTIONAL = 0x10;
const CONTROL = 0x20;
const TIMEOUT_MS = 60_000;

async function call<Req extends MessageSchema, Res extends MessageSchema>(client: KafkaTestClient, request: Req, response: Res, version: number, body: InputOf<Req>): Promise<ValueOf<Res>> {
  const frame = await client.sendFrame(encodeRequest(request, version, client.nextCorrelationId(), client.clientId, body));
  return decodeResponse(response, version, frame).body as ValueOf<Res>;
}

interface StoredBatch {
  readonly baseOffset: bigint;
  readonly attributes: number;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  /** For a control batch: 0 ABORT, 1 COMMIT (the control record key's type). */
  readonly controlType: number | null;
}

function readVarint(buffer: Buffer, position: number): { value: number; next: number } {
  let unsigned = 0;
  let multiplier = 1;
  for (;;) {
    const byte = buffer[position++]!;
    unsigned += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) break;
    multiplier *= 128;
  }
  return { value: unsigned % 2 === 0 ? unsigned / 2 : -(unsigned + 1) / 2, next: position };
}

/** Every batch of a partition, read straight from the log (read_uncommitted). */
function storedBatches(fixture: BrokerFixture, topic: string, partition: number): StoredBatch[] {
  const read = fixture.broker.logs.read(topic, partition, { fetchOffset: 0n, maxBytes: 1 << 20, minOneBatch: true, isolationLevel: 0 });
  assert.equal(read.errorCode, ErrorCode.NONE);
  const data = read.records === null ? Buffer.alloc(0) : read.records.copy();
  const out: StoredBatch[] = [];
  let at = 0;
  while (at + 61 <= data.length) {
    const size = 12 + data.readInt32BE(at + 8);
    const attributes = data.readInt16BE(at + 21);
    let controlType: number | null = null;
    if ((attributes & CONTROL) !== 0) {
      let position = at + 61;
      position = readVarint(data, position).next; // record length
      position += 1; // attributes
      position = readVarint(data, position).next; // timestamp delta
      position = readVarint(data, position).next; // offset delta
      const keyLength = readVarint(data, position);
      assert.equal(keyLength.value, 4, 'a control record key is version int16 + type int16');
      controlType = data.readInt16BE(keyLength.next + 2);
    }
    out.push({ baseOffset: data.readBigInt64BE(at), attributes, producerId: data.readBigInt64BE(at + 43), producerEpoch: data.readInt16BE(at + 51), controlType });
    at += size;
  }
  return out;
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('transaction APIs over the wire', () => {
  let fixture: BrokerFixture;
  let client: KafkaTestClient;

  const init = async (transactionalId: string, version = 4, extra: { producerId?: bigint; producerEpoch?: number } = {}) =>
    client.send(initProducerIdRequest, version, { transactionalId, transactionTimeoutMs: TIMEOUT_MS, ...extra });
  const addPartitions = (transactionalId: string, producerId: bigint, producerEpoch: number, topics: { name: string; partitions: number[] }[], version = 3) =>
    call(client, addPartitionsToTxnRequest, addPartitionsToTxnResponse, version, {
      v3AndBelowTransactionalId: transactionalId,
      v3AndBelowProducerId: producerId,
      v3AndBelowProducerEpoch: producerEpoch,
      v3AndBelowTopics: topics,
    });
  const endTxn = (transactionalId: string, producerId: bigint, producerEpoch: number, committed: boolean, version = 3) =>
    call(client, endTxnRequest, endTxnResponse, version, { transactionalId, producerId, producerEpoch, committed });
  const produce = (transactionalId: string | null, topic: string, partition: number, records: Buffer, version = 9) =>
    client.send(produceRequest, version, { transactionalId, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] });
  const partitionCodes = (reply: ValueOf<typeof addPartitionsToTxnResponse>) =>
    reply.resultsByTopicV3AndBelow.flatMap((topic) => topic.resultsByPartition.map((result) => [topic.name, result.partitionIndex, result.partitionErrorCode]));

  before(async () => {
    fixture = await startBroker({ 'transaction.state.log.num.partitions': '5', 'offsets.topic.num.partitions': '3', 'num.partitions': '1' });
    client = await fixture.connect();
    const created = await client.send(createTopicsRequest, 7, {
      topics: [
        { name: 'orders', numPartitions: 3, replicationFactor: 1 },
        { name: 'audit', numPartitions: 1, replicationFactor: 1 },
        { name: 'commits', numPartitions: 2, replicationFactor: 1 },
        { name: 'aborts', numPartitions: 1, replicationFactor: 1 },
        { name: 'zombies', numPartitions: 1, replicationFactor: 1 },
        { name: 'durable', numPartitions: 1, replicationFactor: 1 },
      ],
      timeoutMs: 5000,
    });
    assert.ok(created.topics.every((topic) => topic.errorCode === ErrorCode.NONE));
  });
  after(() => fixture?.stop());

  test('FindCoordinator answers transaction keys with this node (v1 single key, v4 batched) and creates __transaction_state', async () => {
    const single = await call(client, findCoordinatorRequest, findCoordinatorResponse, 1, { key: 'orders-tx', keyType: 1 });
    assert.deepEqual([single.errorCode, single.nodeId, single.port], [ErrorCode.NONE, fixture.broker.metadata.nodeId, fixture.port]);
    const batched = await call(client, findCoordinatorRequest, findCoordinatorResponse, 4, { keyType: 1, coordinatorKeys: ['a', 'b'] });
    assert.deepEqual(
      batched.coordinators.map((c) => [c.key, c.errorCode, c.port]),
      [
        ['a', ErrorCode.NONE, fixture.port],
        ['b', ErrorCode.NONE, fixture.port],
      ],
    );
    const topic = fixture.broker.metadata.topic(TRANSACTION_STATE_TOPIC_NAME);
    assert.equal(topic?.partitionCount, 5);
    assert.equal(topic?.configs['cleanup.policy'], 'compact');
  });

  test('InitProducerId gives a transactional id a producer id at epoch 0, then bumps the epoch; its record lands in partition abs(hashCode) % 5', async () => {
    const first = await init('init-tx');
    assert.deepEqual([first.errorCode, first.producerEpoch], [ErrorCode.NONE, 0]);
    const second = await init('init-tx');
    assert.deepEqual([second.errorCode, second.producerId, second.producerEpoch], [ErrorCode.NONE, first.producerId, 1]);
    const partition = partitionForGroup('init-tx', 5);
    const state = fixture.broker.logs.partitionState(TRANSACTION_STATE_TOPIC_NAME, partition);
    assert.ok(state !== undefined && state.logEndOffset >= 2n, `two records in ${TRANSACTION_STATE_TOPIC_NAME}-${partition}`);
  });

  test('InitProducerId v3+ with a stale epoch is PRODUCER_FENCED (v4) / INVALID_PRODUCER_EPOCH (v3); a retry of the last bump gets the same answer', async () => {
    const first = await init('fence-tx');
    const bumped = await init('fence-tx', 4, { producerId: first.producerId, producerEpoch: first.producerEpoch });
    assert.deepEqual([bumped.errorCode, bumped.producerEpoch], [ErrorCode.NONE, 1]);
    const retried = await init('fence-tx', 4, { producerId: first.producerId, producerEpoch: first.producerEpoch });
    assert.deepEqual([retried.errorCode, retried.producerEpoch], [ErrorCode.NONE, 1]);
    const stale = await init('fence-tx', 4, { producerId: first.producerId + 1n, producerEpoch: 0 });
    assert.deepEqual([stale.errorCode, stale.producerId], [ErrorCode.PRODUCER_FENCED, -1n]);
    const staleOld = await init('fence-tx', 3, { producerId: first.producerId + 1n, producerEpoch: 0 });
    assert.equal(staleOld.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    const badTimeout = await client.send(initProducerIdRequest, 4, { transactionalId: 'fence-tx', transactionTimeoutMs: 900_001 });
    assert.equal(badTimeout.errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
  });

  test('AddPartitionsToTxn v3: an unknown partition fails the request (UNKNOWN_TOPIC_OR_PARTITION, the rest OPERATION_NOT_ATTEMPTED)', async () => {
    const { producerId, producerEpoch } = await init('unknown-tx');
    const reply = await addPartitions('unknown-tx', producerId, producerEpoch, [
      { name: 'orders', partitions: [0, 7] },
      { name: 'nowhere', partitions: [0] },
    ]);
    assert.deepEqual(partitionCodes(reply), [
      ['orders', 0, ErrorCode.OPERATION_NOT_ATTEMPTED],
      ['orders', 7, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ['nowhere', 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    const verified = fixture.broker.txns.coordinator.describe('unknown-tx');
    assert.equal(verified?.state, 'Empty', 'nothing was added');
  });

  test('AddPartitionsToTxn: unknown id INVALID_PRODUCER_ID_MAPPING, other epoch PRODUCER_FENCED (v2+) / INVALID_PRODUCER_EPOCH (v1)', async () => {
    const { producerId, producerEpoch } = await init('add-tx');
    const unknown = await addPartitions('no-such-tx', producerId, producerEpoch, [{ name: 'orders', partitions: [0] }]);
    assert.deepEqual(partitionCodes(unknown), [['orders', 0, ErrorCode.INVALID_PRODUCER_ID_MAPPING]]);
    const fenced = await addPartitions('add-tx', producerId, producerEpoch + 1, [{ name: 'orders', partitions: [0] }], 2);
    assert.deepEqual(partitionCodes(fenced), [['orders', 0, ErrorCode.PRODUCER_FENCED]]);
    const fencedOld = await addPartitions('add-tx', producerId, producerEpoch + 1, [{ name: 'orders', partitions: [0] }], 1);
    assert.deepEqual(partitionCodes(fencedOld), [['orders', 0, ErrorCode.INVALID_PRODUCER_EPOCH]]);
    const added = await addPartitions('add-tx', producerId, producerEpoch, [{ name: 'orders', partitions: [0, 1] }], 0);
    assert.deepEqual(partitionCodes(added), [
      ['orders', 0, ErrorCode.NONE],
      ['orders', 1, ErrorCode.NONE],
    ]);
    assert.equal(fixture.broker.txns.coordinator.describe('add-tx')?.state, 'Ongoing');
  });

  test('AddPartitionsToTxn v4+ (broker form): verifyOnly answers NONE / TRANSACTION_ABORTABLE per partition; a batch of transactions is answered by id', async () => {
    const a = await init('verify-a');
    const b = await init('verify-b');
    assert.deepEqual(partitionCodes(await addPartitions('verify-a', a.producerId, a.producerEpoch, [{ name: 'orders', partitions: [2] }])), [['orders', 2, ErrorCode.NONE]]);
    const reply = await call(client, addPartitionsToTxnRequest, addPartitionsToTxnResponse, 5, {
      transactions: [
        { transactionalId: 'verify-a', producerId: a.producerId, producerEpoch: a.producerEpoch, verifyOnly: true, topics: [{ name: 'orders', partitions: [2, 0] }] },
        { transactionalId: 'verify-b', producerId: b.producerId, producerEpoch: b.producerEpoch, verifyOnly: false, topics: [{ name: 'audit', partitions: [0] }] },
        { transactionalId: 'verify-c', producerId: 1n, producerEpoch: 0, verifyOnly: true, topics: [{ name: 'orders', partitions: [0] }] },
      ],
    });
    assert.equal(reply.errorCode, ErrorCode.NONE);
    const byId = Object.fromEntries(
      reply.resultsByTransaction.map((txn) => [txn.transactionalId, txn.topicResults.flatMap((topic) => topic.resultsByPartition.map((p) => [topic.name, p.partitionIndex, p.partitionErrorCode]))]),
    );
    assert.deepEqual(byId['verify-a'], [
      ['orders', 2, ErrorCode.NONE],
      ['orders', 0, ErrorCode.TRANSACTION_ABORTABLE],
    ]);
    assert.deepEqual(byId['verify-b'], [['audit', 0, ErrorCode.NONE]]);
    assert.deepEqual(byId['verify-c'], [['orders', 0, ErrorCode.INVALID_PRODUCER_ID_MAPPING]]);
    assert.deepEqual(fixture.broker.txns.coordinator.describe('verify-b')?.partitions, [{ topic: 'audit', partition: 0 }]);
  });

  test('Produce verifies a transactional write (KIP-890): partition not added, stale epoch, unknown producer, no transactional id', async () => {
    const { producerId, producerEpoch } = await init('produce-tx');
    assert.deepEqual(partitionCodes(await addPartitions('produce-tx', producerId, producerEpoch, [{ name: 'orders', partitions: [1] }])), [['orders', 1, ErrorCode.NONE]]);
    const codeOf = (reply: Awaited<ReturnType<typeof produce>>) => reply.responses[0]!.partitionResponses[0]!;
    const notAdded10 = codeOf(await produce('produce-tx', 'orders', 0, transactionalBatch(producerId, producerEpoch, 0, 1), 10));
    assert.deepEqual([notAdded10.errorCode, notAdded10.errorMessage], [ErrorCode.INVALID_TXN_STATE, 'Partition was not added to the transaction']);
    const notAdded11 = codeOf(await produce('produce-tx', 'orders', 0, transactionalBatch(producerId, producerEpoch, 0, 1), 11));
    assert.equal(notAdded11.errorCode, ErrorCode.TRANSACTION_ABORTABLE);
    const staleEpoch = codeOf(await produce('produce-tx', 'orders', 1, transactionalBatch(producerId, producerEpoch + 1, 0, 1)));
    assert.equal(staleEpoch.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    const otherProducer = codeOf(await produce('produce-tx', 'orders', 1, transactionalBatch(producerId + 100n, 0, 0, 1)));
    assert.equal(otherProducer.errorCode, ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    const noId = codeOf(await produce(null, 'orders', 1, transactionalBatch(producerId, producerEpoch, 0, 1)));
    assert.equal(noId.errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    assert.equal(fixture.broker.logs.partitionState('orders', 0)?.logEndOffset, 0n, 'nothing refused was appended');
  });

  test('EndTxn commit answers, then writes a COMMIT marker with the producer id and epoch to every partition and completes', async () => {
    const { producerId, producerEpoch } = await init('commit-tx');
    assert.deepEqual(
      partitionCodes(await addPartitions('commit-tx', producerId, producerEpoch, [{ name: 'commits', partitions: [0, 1] }])).map((entry) => entry[2]),
      [ErrorCode.NONE, ErrorCode.NONE],
    );
    for (const partition of [0, 1]) {
      const reply = await produce('commit-tx', 'commits', partition, transactionalBatch(producerId, producerEpoch, 0, 3));
      assert.equal(reply.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
    }
    assert.equal(fixture.broker.logs.lastStableOffset('commits', 0), 0n, 'the open transaction holds the last stable offset');
    const ended = await endTxn('commit-tx', producerId, producerEpoch, true);
    assert.equal(ended.errorCode, ErrorCode.NONE);
    await waitFor(() => fixture.broker.txns.coordinator.describe('commit-tx')?.state === 'CompleteCommit', 'CompleteCommit');
    for (const partition of [0, 1]) {
      const batches = storedBatches(fixture, 'commits', partition);
      assert.equal(batches.length, 2, `commits-${partition}: the data batch and its marker`);
      const marker = batches[1]!;
      assert.deepEqual([marker.attributes & (CONTROL | TRANSACTIONAL), marker.controlType, marker.producerId, marker.producerEpoch], [CONTROL | TRANSACTIONAL, 1, producerId, producerEpoch]);
      assert.equal(fixture.broker.logs.lastStableOffset('commits', partition), 4n, 'the commit moves the last stable offset past the marker');
    }
    assert.equal((await endTxn('commit-tx', producerId, producerEpoch, true)).errorCode, ErrorCode.NONE, 'a retried commit');
    assert.equal((await endTxn('commit-tx', producerId, producerEpoch, false)).errorCode, ErrorCode.INVALID_TXN_STATE, 'the other outcome');
    const v5 = await endTxn('commit-tx', producerId, producerEpoch, true, 5);
    assert.deepEqual([v5.errorCode, v5.producerId, v5.producerEpoch], [ErrorCode.NONE, producerId, producerEpoch]);
  });

  test('EndTxn abort writes an ABORT marker; the same producer then runs its next transaction', async () => {
    const { producerId, producerEpoch } = await init('abort-tx');
    await addPartitions('abort-tx', producerId, producerEpoch, [{ name: 'aborts', partitions: [0] }]);
    assert.equal((await produce('abort-tx', 'aborts', 0, transactionalBatch(producerId, producerEpoch, 0, 2))).responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
    assert.equal((await endTxn('abort-tx', producerId, producerEpoch, false, 1)).errorCode, ErrorCode.NONE);
    await waitFor(() => fixture.broker.txns.coordinator.describe('abort-tx')?.state === 'CompleteAbort', 'CompleteAbort');
    assert.deepEqual(storedBatches(fixture, 'aborts', 0).map((batch) => batch.controlType), [null, 0]);
    assert.equal((await endTxn('abort-tx', producerId, producerEpoch, false)).errorCode, ErrorCode.NONE, 'a retried abort');
    assert.equal((await endTxn('abort-tx', producerId, producerEpoch + 1, false, 2)).errorCode, ErrorCode.PRODUCER_FENCED);
    assert.equal((await endTxn('abort-tx', producerId, producerEpoch + 1, false, 1)).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    await addPartitions('abort-tx', producerId, producerEpoch, [{ name: 'aborts', partitions: [0] }]);
    assert.equal((await produce('abort-tx', 'aborts', 0, transactionalBatch(producerId, producerEpoch, 2, 1))).responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
    assert.equal((await endTxn('abort-tx', producerId, producerEpoch, true)).errorCode, ErrorCode.NONE);
    await waitFor(() => fixture.broker.txns.coordinator.describe('abort-tx')?.state === 'CompleteCommit', 'CompleteCommit');
    assert.deepEqual(storedBatches(fixture, 'aborts', 0).map((batch) => batch.controlType), [null, 0, null, 1]);
    assert.equal((await endTxn('no-such-tx', producerId, producerEpoch, true)).errorCode, ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  });

  test('AddOffsetsToTxn adds the group\'s __consumer_offsets partition, and the commit writes its marker there', async () => {
    const { producerId, producerEpoch } = await init('offsets-tx');
    const group = 'offsets-group';
    const offsetsPartition = partitionForGroup(group, 3);
    const fenced = await call(client, addOffsetsToTxnRequest, addOffsetsToTxnResponse, 2, { transactionalId: 'offsets-tx', producerId, producerEpoch: producerEpoch + 1, groupId: group });
    assert.equal(fenced.errorCode, ErrorCode.PRODUCER_FENCED);
    const fencedOld = await call(client, addOffsetsToTxnRequest, addOffsetsToTxnResponse, 1, { transactionalId: 'offsets-tx', producerId, producerEpoch: producerEpoch + 1, groupId: group });
    assert.equal(fencedOld.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    const added = await call(client, addOffsetsToTxnRequest, addOffsetsToTxnResponse, 3, { transactionalId: 'offsets-tx', producerId, producerEpoch, groupId: group });
    assert.equal(added.errorCode, ErrorCode.NONE);
    assert.deepEqual(fixture.broker.txns.coordinator.describe('offsets-tx')?.partitions, [{ topic: '__consumer_offsets', partition: offsetsPartition }]);
    const before = storedBatches(fixture, '__consumer_offsets', offsetsPartition).length;
    assert.equal((await endTxn('offsets-tx', producerId, producerEpoch, true)).errorCode, ErrorCode.NONE);
    await waitFor(() => fixture.broker.txns.coordinator.describe('offsets-tx')?.state === 'CompleteCommit', 'CompleteCommit');
    const batches = storedBatches(fixture, '__consumer_offsets', offsetsPartition);
    assert.equal(batches.length, before + 1);
    assert.deepEqual([batches.at(-1)!.controlType, batches.at(-1)!.producerId], [1, producerId]);
  });

  test('a second producer with the same transactional id fences the first: its open transaction is aborted with the bumped epoch', async () => {
    const zombie = await init('zombie-tx');
    await addPartitions('zombie-tx', zombie.producerId, zombie.producerEpoch, [{ name: 'zombies', partitions: [0] }]);
    assert.equal((await produce('zombie-tx', 'zombies', 0, transactionalBatch(zombie.producerId, zombie.producerEpoch, 0, 1))).responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
    const first = await init('zombie-tx');
    assert.equal(first.errorCode, ErrorCode.CONCURRENT_TRANSACTIONS, 'the in-doubt transaction is aborted first');
    await waitFor(() => fixture.broker.txns.coordinator.describe('zombie-tx')?.state === 'CompleteAbort', 'CompleteAbort');
    const successor = await init('zombie-tx');
    assert.deepEqual([successor.errorCode, successor.producerId, successor.producerEpoch], [ErrorCode.NONE, zombie.producerId, zombie.producerEpoch + 2]);
    const marker = storedBatches(fixture, 'zombies', 0).at(-1)!;
    assert.deepEqual([marker.controlType, marker.producerEpoch], [0, zombie.producerEpoch + 1], 'aborted with the fencing epoch');
    const late = await produce('zombie-tx', 'zombies', 0, transactionalBatch(zombie.producerId, zombie.producerEpoch, 1, 1));
    assert.equal(late.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    assert.equal((await endTxn('zombie-tx', zombie.producerId, zombie.producerEpoch, true)).errorCode, ErrorCode.PRODUCER_FENCED);
  });

  test('state survives a restart: epochs continue, an Ongoing transaction is still open, a PrepareCommit left behind is completed at start-up', async () => {
    const kept = await init('kept-tx');
    await init('kept-tx');
    const open = await init('open-tx');
    await addPartitions('open-tx', open.producerId, open.producerEpoch, [{ name: 'audit', partitions: [0] }]);
    const crashed = await init('crashed-tx');
    await addPartitions('crashed-tx', crashed.producerId, crashed.producerEpoch, [{ name: 'durable', partitions: [0] }]);
    assert.equal((await produce('crashed-tx', 'durable', 0, transactionalBatch(crashed.producerId, crashed.producerEpoch, 0, 2))).responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
    // What a crash right after EndTxn's PrepareCommit was made durable leaves in __transaction_state.
    const ongoing = fixture.broker.txns.coordinator.describe('crashed-tx')!;
    assert.equal(await fixture.broker.txns.stateTopic.write({ ...ongoing, state: 'PrepareCommit', lastUpdateTimeMs: Date.now() }), ErrorCode.NONE);

    await fixture.restart();
    client = await fixture.connect();
    const txns = fixture.broker.txns;
    await waitFor(() => txns.coordinator.describe('crashed-tx')?.state === 'CompleteCommit', 'the resumed commit');
    const batches = storedBatches(fixture, 'durable', 0);
    assert.deepEqual(batches.map((batch) => batch.controlType), [null, 1]);
    assert.equal(fixture.broker.logs.lastStableOffset('durable', 0), 3n);
    const reopened = txns.coordinator.describe('open-tx');
    assert.deepEqual([reopened?.state, reopened?.partitions], ['Ongoing', [{ topic: 'audit', partition: 0 }]]);
    const next = await init('kept-tx');
    assert.deepEqual([next.errorCode, next.producerId, next.producerEpoch], [ErrorCode.NONE, kept.producerId, 2]);
  });
});

describe('transaction timeouts', () => {
  let fixture: BrokerFixture;
  before(async () => {
    fixture = await startBroker({ 'transaction.abort.timed.out.transaction.cleanup.interval.ms': '50', 'transaction.max.timeout.ms': '5000' });
  });
  after(() => fixture?.stop());

  test('a transaction left open past its timeout is aborted with a bumped epoch, fencing its producer; above transaction.max.timeout.ms is refused', async () => {
    const client = await fixture.connect();
    await client.send(createTopicsRequest, 7, { topics: [{ name: 'slow', numPartitions: 1, replicationFactor: 1 }], timeoutMs: 5000 });
    const tooLong = await client.send(initProducerIdRequest, 4, { transactionalId: 'slow-tx', transactionTimeoutMs: 5001 });
    assert.equal(tooLong.errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    const { producerId, producerEpoch } = await client.send(initProducerIdRequest, 4, { transactionalId: 'slow-tx', transactionTimeoutMs: 100 });
    const added = await call(client, addPartitionsToTxnRequest, addPartitionsToTxnResponse, 3, {
      v3AndBelowTransactionalId: 'slow-tx',
      v3AndBelowProducerId: producerId,
      v3AndBelowProducerEpoch: producerEpoch,
      v3AndBelowTopics: [{ name: 'slow', partitions: [0] }],
    });
    assert.equal(added.resultsByTopicV3AndBelow[0]!.resultsByPartition[0]!.partitionErrorCode, ErrorCode.NONE);
    const batch = transactionalBatch(producerId, producerEpoch, 0, 1);
    await client.send(produceRequest, 9, { transactionalId: 'slow-tx', acks: -1, timeoutMs: 5000, topicData: [{ name: 'slow', partitionData: [{ index: 0, records: batch }] }] });
    await waitFor(() => fixture.broker.txns.coordinator.describe('slow-tx')?.state === 'CompleteAbort', 'the timeout abort');
    assert.equal(fixture.broker.txns.coordinator.describe('slow-tx')?.producerEpoch, producerEpoch + 1);
    const marker = storedBatches(fixture, 'slow', 0).at(-1)!;
    assert.deepEqual([marker.controlType, marker.producerEpoch], [0, producerEpoch + 1]);
    const commit = await call(client, endTxnRequest, endTxnResponse, 3, { transactionalId: 'slow-tx', producerId, producerEpoch, committed: true });
    assert.equal(commit.errorCode, ErrorCode.PRODUCER_FENCED);
  });
});

describe('transactional id expiry', () => {
  let fixture: BrokerFixture;
  before(async () => {
    fixture = await startBroker({ 'transactional.id.expiration.ms': '300', 'transaction.remove.expired.transaction.cleanup.interval.ms': '50' });
  });
  after(() => fixture?.stop());

  test('an id idle for transactional.id.expiration.ms is removed with a tombstone, stays removed across a restart, and starts over with a new producer id', async () => {
    let client = await fixture.connect();
    const first = await client.send(initProducerIdRequest, 4, { transactionalId: 'idle-tx', transactionTimeoutMs: TIMEOUT_MS });
    assert.equal(first.errorCode, ErrorCode.NONE);
    await waitFor(() => fixture.broker.txns.coordinator.describe('idle-tx') === undefined, 'the expiry');
    const partition = partitionForGroup('idle-tx', 50);
    const read = fixture.broker.logs.read(TRANSACTION_STATE_TOPIC_NAME, partition, { fetchOffset: 0n, maxBytes: 1 << 20, minOneBatch: true, isolationLevel: 0 });
    const values: Array<Buffer | null> = [];
    forEachRecord(read.records!.copy(), (record) => values.push(record.value));
    assert.equal(values.length, 2);
    assert.equal(values.at(-1), null, 'the last record of the id is a tombstone');
    await fixture.restart();
    assert.equal(fixture.broker.txns.coordinator.describe('idle-tx'), undefined);
    client = await fixture.connect();
    const again = await client.send(initProducerIdRequest, 4, { transactionalId: 'idle-tx', transactionTimeoutMs: TIMEOUT_MS });
    assert.equal(again.errorCode, ErrorCode.NONE);
    assert.notEqual(again.producerId, first.producerId);
    assert.equal(again.producerEpoch, 0);
  });
});
