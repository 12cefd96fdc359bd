// TxnOffsetCommit over the wire against an in-process broker, with the transaction coordinator
// driving it as a transactional producer does: InitProducerId, AddOffsetsToTxn, TxnOffsetCommit,
// OffsetFetch with requireStable, EndTxn commit and abort (the markers reach __consumer_offsets),
// and the errors Kafka answers (offsets partition not in the transaction, fenced epoch, unknown
// partitions, unknown group with a generation).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  addOffsetsToTxnRequest,
  addOffsetsToTxnResponse,
  decodeResponse,
  encodeRequest,
  endTxnRequest,
  endTxnResponse,
  ErrorCode,
  initProducerIdRequest,
  initProducerIdResponse,
  offsetFetchRequest,
  offsetFetchResponse,
  txnOffsetCommitRequest,
  txnOffsetCommitResponse,
  type InputOf,
  type MessageSchema,
  type ValueOf,
} from '../../../src/protocol/index.ts';
import type { KafkaTestClient } from '../../helpers/kafka-client.ts';
import { startBroker, type BrokerFixture } from '../handlers/fixture.ts';

async function call<Req extends MessageSchema, Res extends MessageSchema>(client: KafkaTestClient, request: Req, response: Res, version: number, body: InputOf<Req>): Promise<ValueOf<Res>> {
  const frame = await client.sendFrame(encodeRequest(request, version, client.nextCorrelationId(), client.clientId, body));
  return decodeResponse(response, version, frame).body as ValueOf<Res>;
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('TxnOffsetCommit over the wire', () => {
  let fixture: BrokerFixture;
  let client: KafkaTestClient;

  before(async () => {
    fixture = await startBroker({ 'offsets.topic.num.partitions': '3', 'transaction.state.log.num.partitions': '3', 'num.partitions': '2' });
    client = await fixture.connect();
    const created = await fixture.broker.topics.createTopic({ name: 'input', numPartitions: 2, replicationFactor: -1, configs: [], validateOnly: false });
    assert.equal(created.errorCode, ErrorCode.NONE);
  });
  after(() => fixture?.stop());

  /** InitProducerId, retried while an earlier transaction of the id is being aborted (as clients do). */
  const init = async (transactionalId: string) => {
    for (let attempt = 0; ; attempt++) {
      const reply = await call(client, initProducerIdRequest, initProducerIdResponse, 4, { transactionalId, transactionTimeoutMs: 60_000 });
      if (reply.errorCode === ErrorCode.CONCURRENT_TRANSACTIONS && attempt < 100) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      assert.equal(reply.errorCode, ErrorCode.NONE);
      return { producerId: reply.producerId, producerEpoch: reply.producerEpoch };
    }
  };
  const addOffsets = (transactionalId: string, producer: { producerId: bigint; producerEpoch: number }, groupId: string) =>
    call(client, addOffsetsToTxnRequest, addOffsetsToTxnResponse, 3, { transactionalId, ...producer, groupId });
  const endTxn = async (transactionalId: string, producer: { producerId: bigint; producerEpoch: number }, committed: boolean) => {
    const reply = await call(client, endTxnRequest, endTxnResponse, 3, { transactionalId, ...producer, committed });
    assert.equal(reply.errorCode, ErrorCode.NONE);
    const done = committed ? 'CompleteCommit' : 'CompleteAbort';
    await waitFor(() => fixture.broker.txns.coordinator.describe(transactionalId)?.state === done, done);
  };
  const commit = async (version: number, body: Partial<InputOf<typeof txnOffsetCommitRequest>> & { transactionalId: string; groupId: string; producerId: bigint; producerEpoch: number }, partitions: Array<[string, number, bigint]>) => {
    const topics = new Map<string, Array<{ partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; committedMetadata: string | null }>>();
    for (const [name, partitionIndex, committedOffset] of partitions) {
      let list = topics.get(name);
      if (list === undefined) topics.set(name, (list = []));
      list.push({ partitionIndex, committedOffset, committedLeaderEpoch: 3, committedMetadata: `at ${committedOffset}` });
    }
    const reply = await call(client, txnOffsetCommitRequest, txnOffsetCommitResponse, version, { ...body, topics: [...topics].map(([name, list]) => ({ name, partitions: list })) });
    return reply.topics.flatMap((topic) => topic.partitions.map((partition) => [topic.name, partition.partitionIndex, partition.errorCode]));
  };
  const fetchStable = async (groupId: string, version: number, requireStable: boolean) => {
    const body =
      version >= 8
        ? { groups: [{ groupId, memberId: null, memberEpoch: -1, topics: [{ name: 'input', partitionIndexes: [0, 1] }] }], requireStable }
        : { groupId, topics: [{ name: 'input', partitionIndexes: [0, 1] }], requireStable };
    const reply = await call(client, offsetFetchRequest, offsetFetchResponse, version, body);
    const topics = version >= 8 ? reply.groups[0]!.topics : reply.topics;
    return topics.flatMap((topic) => topic.partitions.map((partition) => [partition.partitionIndex, partition.committedOffset, partition.errorCode]));
  };

  test('sendOffsetsToTransaction: pending until EndTxn commits, UNSTABLE_OFFSET_COMMIT meanwhile, then the group offsets', async () => {
    const producer = await init('eos-commit');
    assert.equal((await addOffsets('eos-commit', producer, 'eos-group')).errorCode, ErrorCode.NONE);
    const base = { transactionalId: 'eos-commit', groupId: 'eos-group', ...producer };
    assert.deepEqual(await commit(3, base, [['input', 0, 42n], ['input', 1, 7n], ['missing', 0, 1n], ['input', 9, 1n]]), [
      ['input', 0, ErrorCode.NONE],
      ['input', 1, ErrorCode.NONE],
      ['input', 9, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ['missing', 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    for (const version of [7, 8, 9]) {
      assert.deepEqual(await fetchStable('eos-group', version, true), [[0, -1n, ErrorCode.UNSTABLE_OFFSET_COMMIT], [1, -1n, ErrorCode.UNSTABLE_OFFSET_COMMIT]], `v${version} requireStable`);
      assert.deepEqual(await fetchStable('eos-group', version, false), [[0, -1n, ErrorCode.NONE], [1, -1n, ErrorCode.NONE]], `v${version} without requireStable`);
    }
    await endTxn('eos-commit', producer, true);
    assert.deepEqual(await fetchStable('eos-group', 7, true), [[0, 42n, ErrorCode.NONE], [1, 7n, ErrorCode.NONE]]);
    assert.equal(fixture.broker.groups.coordinator.fetchOffsets('eos-group', [{ topic: 'input', partitions: [0] }])[0]?.leaderEpoch, 3);

    // The next transaction of the same producer, aborted: the offsets stay.
    assert.equal((await addOffsets('eos-commit', producer, 'eos-group')).errorCode, ErrorCode.NONE);
    assert.deepEqual(await commit(4, base, [['input', 0, 50n]]), [['input', 0, ErrorCode.NONE]]);
    await endTxn('eos-commit', producer, false);
    assert.deepEqual(await fetchStable('eos-group', 9, true), [[0, 42n, ErrorCode.NONE], [1, 7n, ErrorCode.NONE]]);
  });

  test('the offsets partition must be in the transaction: INVALID_TXN_STATE before v4, TRANSACTION_ABORTABLE from v4; nothing is written', async () => {
    const producer = await init('no-add-offsets');
    const base = { transactionalId: 'no-add-offsets', groupId: 'not-added', ...producer };
    for (const version of [0, 2, 3]) assert.deepEqual(await commit(version, base, [['input', 0, 1n]]), [['input', 0, ErrorCode.INVALID_TXN_STATE]], `v${version}`);
    for (const version of [4, 5]) assert.deepEqual(await commit(version, base, [['input', 0, 1n]]), [['input', 0, ErrorCode.TRANSACTION_ABORTABLE]], `v${version}`);
    assert.equal(fixture.broker.groups.coordinator.groupState('not-added'), undefined, 'the group was not created');
    assert.deepEqual(await fetchStable('not-added', 7, true), [[0, -1n, ErrorCode.NONE], [1, -1n, ErrorCode.NONE]]);
  });

  test('a fenced producer gets INVALID_PRODUCER_EPOCH; an unknown group with a generation ILLEGAL_GENERATION; an empty group id INVALID_GROUP_ID', async () => {
    const old = await init('fenced-offsets');
    assert.equal((await addOffsets('fenced-offsets', old, 'fenced-group')).errorCode, ErrorCode.NONE);
    const current = await init('fenced-offsets');
    assert.ok(current.producerEpoch > old.producerEpoch, `a newer epoch (${current.producerEpoch} after ${old.producerEpoch})`);
    assert.deepEqual(await commit(3, { transactionalId: 'fenced-offsets', groupId: 'fenced-group', ...old }, [['input', 0, 1n]]), [['input', 0, ErrorCode.INVALID_PRODUCER_EPOCH]]);

    assert.equal((await addOffsets('fenced-offsets', current, 'fenced-group')).errorCode, ErrorCode.NONE);
    const withGeneration = { transactionalId: 'fenced-offsets', groupId: 'fenced-group', ...current, generationId: 4, memberId: 'member-1', groupInstanceId: null };
    assert.deepEqual(await commit(3, withGeneration, [['input', 0, 1n]]), [['input', 0, ErrorCode.ILLEGAL_GENERATION]]);
    assert.deepEqual(await commit(3, { ...withGeneration, groupId: '' }, [['input', 0, 1n]]), [['input', 0, ErrorCode.INVALID_GROUP_ID]]);
    assert.deepEqual(await commit(3, { ...withGeneration, generationId: -1, memberId: '' }, [['input', 1, 9n]]), [['input', 1, ErrorCode.NONE]]);
    await endTxn('fenced-offsets', current, true);
    assert.deepEqual(await fetchStable('fenced-group', 8, true), [[0, -1n, ErrorCode.NONE], [1, 9n, ErrorCode.NONE]]);
  });

  test('committed transactional offsets survive a restart', async () => {
    await fixture.restart();
    client = await fixture.connect();
    assert.deepEqual(await fetchStable('eos-group', 7, true), [[0, 42n, ErrorCode.NONE], [1, 7n, ErrorCode.NONE]]);
    assert.deepEqual(await fetchStable('fenced-group', 7, true), [[0, -1n, ErrorCode.NONE], [1, 9n, ErrorCode.NONE]]);
  });
});
