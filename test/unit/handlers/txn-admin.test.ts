// The transaction administration APIs over the wire against an in-process broker:
// DescribeProducers (61), DescribeTransactions (65), ListTransactions (66) and WriteTxnMarkers (27),
// with transactions driven by real InitProducerId / AddPartitionsToTxn / Produce / EndTxn requests.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  addPartitionsToTxnRequest,
  addPartitionsToTxnResponse,
  apiDefinition,
  apiVersionsRequest,
  createTopicsRequest,
  describeProducersRequest,
  describeProducersResponse,
  describeTransactionsRequest,
  describeTransactionsResponse,
  endTxnRequest,
  endTxnResponse,
  ErrorCode,
  initProducerIdRequest,
  listOffsetsRequest,
  listTransactionsRequest,
  listTransactionsResponse,
  offsetCommitRequest,
  offsetCommitResponse,
  produceRequest,
  writeTxnMarkersRequest,
  writeTxnMarkersResponse,
  type InputOf,
  type MessageSchema,
  type ValueOf,
} from '../../../src/protocol/index.ts';
import type { KafkaTestClient } from '../../helpers/kafka-client.ts';
import { idempotentBatch, transactionalBatch } from '../../helpers/record-batches.ts';
import { startBroker, type BrokerFixture } from './fixture.ts';

/**
 * Sends a request whose response type the shared test client does not map (its request/response
 * pairs stop before the transaction APIs): the client decodes with the API's registered response
 * schema, which must be `response`.
 */
async function call<Req extends MessageSchema, Res extends MessageSchema>(client: KafkaTestClient, request: Req, response: Res, version: number, body: InputOf<Req>): Promise<ValueOf<Res>> {
  assert.equal(apiDefinition(request.apiKey)?.response, response, `${response.name} is API ${request.apiKey}'s response`);
  return (await client.send(request, version, body)) as unknown as ValueOf<Res>;
}

function produceBody(topic: string, partition: number, records: Buffer, transactionalId: string | null = null) {
  return { transactionalId, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] };
}

interface Producer {
  readonly transactionalId: string;
  readonly producerId: bigint;
  readonly producerEpoch: number;
}

async function initTransactions(client: KafkaTestClient, transactionalId: string): Promise<Producer> {
  const reply = await client.send(initProducerIdRequest, 4, { transactionalId, transactionTimeoutMs: 60_000 });
  assert.equal(reply.errorCode, ErrorCode.NONE, `InitProducerId for ${transactionalId}`);
  return { transactionalId, producerId: reply.producerId, producerEpoch: reply.producerEpoch };
}

/** AddPartitionsToTxn (client form, v3) then one transactional batch of `count` records; returns its base offset. */
async function produceInTransaction(client: KafkaTestClient, producer: Producer, topic: string, partition: number, baseSequence: number, count: number): Promise<bigint> {
  const added = await call(client, addPartitionsToTxnRequest, addPartitionsToTxnResponse, 3, {
    v3AndBelowTransactionalId: producer.transactionalId,
    v3AndBelowProducerId: producer.producerId,
    v3AndBelowProducerEpoch: producer.producerEpoch,
    v3AndBelowTopics: [{ name: topic, partitions: [partition] }],
  });
  assert.equal(added.resultsByTopicV3AndBelow[0]?.resultsByPartition[0]?.partitionErrorCode, ErrorCode.NONE, 'AddPartitionsToTxn');
  const reply = await client.send(produceRequest, 9, produceBody(topic, partition, transactionalBatch(producer.producerId, producer.producerEpoch, baseSequence, count), producer.transactionalId));
  const result = reply.responses[0]!.partitionResponses[0]!;
  assert.equal(result.errorCode, ErrorCode.NONE, 'transactional produce');
  return result.baseOffset;
}

async function describeProducers(client: KafkaTestClient, topic: string, partitions: number[]) {
  const reply = await call(client, describeProducersRequest, describeProducersResponse, 0, { topics: [{ name: topic, partitionIndexes: partitions }] });
  assert.equal(reply.topics.length, 1);
  assert.equal(reply.topics[0]!.name, topic);
  return reply.topics[0]!.partitions;
}

async function describeTransaction(client: KafkaTestClient, transactionalId: string) {
  const reply = await call(client, describeTransactionsRequest, describeTransactionsResponse, 0, { transactionalIds: [transactionalId] });
  assert.equal(reply.transactionStates.length, 1);
  return reply.transactionStates[0]!;
}

async function listedIds(client: KafkaTestClient, version: number, filters: InputOf<typeof listTransactionsRequest>) {
  const reply = await call(client, listTransactionsRequest, listTransactionsResponse, version, filters);
  return { errorCode: reply.errorCode, unknown: reply.unknownStateFilters, ids: reply.transactionStates.map((state) => state.transactionalId).sort() };
}

/** Waits until the coordinator has written the markers and the transaction is CompleteCommit/CompleteAbort. */
async function waitForState(client: KafkaTestClient, transactionalId: string, state: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const described = await describeTransaction(client, transactionalId);
    if (described.transactionState === state) return;
    if (Date.now() > deadline) assert.fail(`${transactionalId} is ${described.transactionState}, expected ${state}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function lastStableOffset(client: KafkaTestClient, topic: string, partition: number): Promise<bigint> {
  const reply = await client.send(listOffsetsRequest, 7, { replicaId: -1, isolationLevel: 1, topics: [{ name: topic, partitions: [{ partitionIndex: partition, timestamp: -1n }] }] });
  const result = reply.topics[0]!.partitions[0]!;
  assert.equal(result.errorCode, ErrorCode.NONE);
  return result.offset;
}

describe('transaction administration APIs', () => {
  let fixture: BrokerFixture;
  let client: KafkaTestClient;
  before(async () => {
    fixture = await startBroker();
    client = await fixture.connect();
    const created = await client.send(createTopicsRequest, 7, {
      topics: ['producers', 'txn-data', 'markers'].map((name) => ({ name, numPartitions: 2, replicationFactor: 1 })),
      timeoutMs: 5000,
    });
    assert.ok(created.topics.every((topic) => topic.errorCode === ErrorCode.NONE));
  });
  after(() => fixture?.stop());

  test("ApiVersions advertises Kafka 4.1's ranges: WriteTxnMarkers v1, DescribeProducers v0, DescribeTransactions v0, ListTransactions v0-2", async () => {
    const reply = await client.send(apiVersionsRequest, 3, { clientSoftwareName: 'fjord-test', clientSoftwareVersion: '1.0' });
    const ranges = new Map(reply.apiKeys.map((key) => [key.apiKey, [key.minVersion, key.maxVersion]]));
    assert.deepEqual([27, 61, 65, 66].map((key) => ranges.get(key)), [[1, 1], [0, 0], [0, 0], [0, 2]]);
  });

  describe('DescribeProducers', () => {
    test('an idempotent producer is listed with its epoch, last sequence and timestamp, and no open transaction', async () => {
      const init = await client.send(initProducerIdRequest, 4, { transactionalId: null, transactionTimeoutMs: 60_000 });
      const timestamp = Date.now() - 1000;
      const produced = await client.send(produceRequest, 9, produceBody('producers', 1, idempotentBatch(init.producerId, 0, 0, 3, timestamp)));
      assert.equal(produced.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);

      const [partition] = await describeProducers(client, 'producers', [1]);
      assert.equal(partition?.errorCode, ErrorCode.NONE);
      assert.equal(partition?.errorMessage, null);
      const producer = partition?.activeProducers.find((candidate) => candidate.producerId === init.producerId);
      assert.deepEqual(producer, {
        producerId: init.producerId,
        producerEpoch: 0,
        lastSequence: 2,
        lastTimestamp: BigInt(timestamp + 2),
        coordinatorEpoch: -1,
        currentTxnStartOffset: -1n,
      });
      const [empty] = await describeProducers(client, 'producers', [0]);
      assert.deepEqual([empty?.errorCode, empty?.activeProducers], [ErrorCode.NONE, []], 'the other partition has no producers');
    });

    test('unknown topics and partitions are UNKNOWN_TOPIC_OR_PARTITION; an invalid name INVALID_TOPIC_EXCEPTION with its reason', async () => {
      const reply = await call(client, describeProducersRequest, describeProducersResponse, 0, {
        topics: [
          { name: 'no-such-topic', partitionIndexes: [0, 1] },
          { name: 'producers', partitionIndexes: [7] },
          { name: 'bad/name', partitionIndexes: [0] },
        ],
      });
      const codes = reply.topics.map((topic) => topic.partitions.map((partition) => [partition.partitionIndex, partition.errorCode]));
      assert.deepEqual(codes, [
        [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], [1, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]],
        [[7, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]],
        [[0, ErrorCode.INVALID_TOPIC_EXCEPTION]],
      ]);
      assert.match(reply.topics[2]!.partitions[0]!.errorMessage ?? '', /illegal/);
    });
  });

  describe('DescribeTransactions and ListTransactions follow a transaction through its states', () => {
    let producer: Producer;
    let other: Producer;
    let firstOffset: bigint;

    before(async () => {
      producer = await initTransactions(client, 'admin-tx-a');
      other = await initTransactions(client, 'admin-tx-b');
    });

    test('after InitProducerId the id is Empty with its producer id, epoch and timeout, and no partitions', async () => {
      const described = await describeTransaction(client, 'admin-tx-a');
      assert.equal(described.errorCode, ErrorCode.NONE);
      assert.equal(described.transactionState, 'Empty');
      assert.deepEqual([described.producerId, described.producerEpoch, described.transactionTimeoutMs], [producer.producerId, producer.producerEpoch, 60_000]);
      assert.deepEqual(described.topics, []);
    });

    test('with partitions added and written the transaction is Ongoing, its partitions grouped by topic, and the producer has an open transaction', async () => {
      const startedAt = Date.now();
      firstOffset = await produceInTransaction(client, producer, 'txn-data', 0, 0, 2);
      await produceInTransaction(client, producer, 'txn-data', 1, 2, 1);
      await produceInTransaction(client, producer, 'producers', 0, 3, 1);
      const described = await describeTransaction(client, 'admin-tx-a');
      assert.equal(described.transactionState, 'Ongoing');
      assert.ok(described.transactionStartTimeMs >= BigInt(startedAt - 1000) && described.transactionStartTimeMs <= BigInt(Date.now()), `start time ${described.transactionStartTimeMs}`);
      const topics = described.topics.map((topic) => [topic.topic, [...topic.partitions].sort()]).sort();
      assert.deepEqual(topics, [['producers', [0]], ['txn-data', [0, 1]]]);

      const [partition] = await describeProducers(client, 'txn-data', [0]);
      const state = partition?.activeProducers.find((candidate) => candidate.producerId === producer.producerId);
      assert.deepEqual([state?.producerEpoch, state?.lastSequence, state?.currentTxnStartOffset], [producer.producerEpoch, 1, firstOffset]);
      assert.equal(await lastStableOffset(client, 'txn-data', 0), firstOffset, 'the open transaction holds the last stable offset');
    });

    test('ListTransactions filters by state (unknown names reported once), producer id and whole-id pattern', async () => {
      const all = await listedIds(client, 0, {});
      assert.deepEqual([all.errorCode, all.ids], [ErrorCode.NONE, ['admin-tx-a', 'admin-tx-b']]);
      const listed = await call(client, listTransactionsRequest, listTransactionsResponse, 0, { stateFilters: ['Ongoing'] });
      assert.deepEqual(listed.transactionStates, [{ transactionalId: 'admin-tx-a', producerId: producer.producerId, transactionState: 'Ongoing' }]);
      assert.deepEqual(await listedIds(client, 0, { stateFilters: ['Empty', 'Bogus', 'Bogus', 'ongoing'] }), { errorCode: ErrorCode.NONE, unknown: ['Bogus', 'ongoing'], ids: ['admin-tx-b'] });
      assert.deepEqual((await listedIds(client, 0, { stateFilters: ['Bogus'] })).ids, [], 'only unknown states match nothing');
      assert.deepEqual((await listedIds(client, 0, { producerIdFilters: [other.producerId, 999_999_999n] })).ids, ['admin-tx-b']);
      assert.deepEqual((await listedIds(client, 2, { transactionalIdPattern: 'admin-tx-[ab]' })).ids, ['admin-tx-a', 'admin-tx-b']);
      assert.deepEqual((await listedIds(client, 2, { transactionalIdPattern: '.*-b' })).ids, ['admin-tx-b']);
      assert.deepEqual((await listedIds(client, 2, { transactionalIdPattern: 'admin-tx' })).ids, [], 'the pattern must match the whole id');
      assert.deepEqual((await listedIds(client, 2, { transactionalIdPattern: '' })).ids, ['admin-tx-a', 'admin-tx-b'], 'empty: no filter');
      assert.deepEqual((await listedIds(client, 2, { transactionalIdPattern: null })).ids, ['admin-tx-a', 'admin-tx-b'], 'null: no filter');
      assert.deepEqual((await listedIds(client, 2, { stateFilters: ['Empty'], transactionalIdPattern: 'admin-.*' })).ids, ['admin-tx-b'], 'filters combine with AND');
    });

    test('a pattern that does not compile is INVALID_REGULAR_EXPRESSION with nothing listed, and runs in linear time', async () => {
      for (const pattern of ['admin-[', 'a)|(b', '(a)\\1']) {
        const reply = await call(client, listTransactionsRequest, listTransactionsResponse, 2, { transactionalIdPattern: pattern, stateFilters: ['Bogus'] });
        assert.deepEqual([reply.errorCode, reply.transactionStates, reply.unknownStateFilters], [ErrorCode.INVALID_REGULAR_EXPRESSION, [], []], pattern);
      }
      const longId = `${'a'.repeat(30_000)}!`;
      await initTransactions(client, longId);
      const startedAt = performance.now();
      const reply = await call(client, listTransactionsRequest, listTransactionsResponse, 2, { transactionalIdPattern: '(a+)+' });
      assert.equal(reply.errorCode, ErrorCode.NONE);
      assert.deepEqual(reply.transactionStates, []);
      assert.ok(performance.now() - startedAt < 2_000, 'a catastrophic-backtracking pattern answers at once');
    });

    test('ListTransactions v1 lists only transactions running longer than the duration filter', async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const ongoingOnly = { stateFilters: ['Ongoing'] };
      assert.deepEqual((await listedIds(client, 1, { ...ongoingOnly, durationFilter: -1n })).ids, ['admin-tx-a']);
      assert.deepEqual((await listedIds(client, 1, { ...ongoingOnly, durationFilter: 10n })).ids, ['admin-tx-a']);
      assert.deepEqual((await listedIds(client, 1, { ...ongoingOnly, durationFilter: 3_600_000n })).ids, []);
      assert.deepEqual((await listedIds(client, 0, { ...ongoingOnly, durationFilter: 3_600_000n })).ids, ['admin-tx-a'], 'v0 has no duration filter');
    });

    test('after EndTxn the transaction completes, and the producer has no open transaction and the coordinator epoch of its marker', async () => {
      const ended = await call(client, endTxnRequest, endTxnResponse, 3, { transactionalId: 'admin-tx-a', producerId: producer.producerId, producerEpoch: producer.producerEpoch, committed: true });
      assert.equal(ended.errorCode, ErrorCode.NONE);
      await waitForState(client, 'admin-tx-a', 'CompleteCommit');
      const [partition] = await describeProducers(client, 'txn-data', [0]);
      const state = partition?.activeProducers.find((candidate) => candidate.producerId === producer.producerId);
      assert.equal(state?.currentTxnStartOffset, -1n);
      assert.ok((state?.coordinatorEpoch ?? -1) >= 0, `coordinator epoch ${state?.coordinatorEpoch}`);
      assert.ok((await lastStableOffset(client, 'txn-data', 0)) > firstOffset);
      assert.deepEqual((await listedIds(client, 0, { stateFilters: ['CompleteCommit'] })).ids, ['admin-tx-a']);
    });

    test('unknown ids are TRANSACTIONAL_ID_NOT_FOUND and an empty id INVALID_REQUEST, answered in request order', async () => {
      const reply = await call(client, describeTransactionsRequest, describeTransactionsResponse, 0, { transactionalIds: ['no-such-id', '', 'admin-tx-b', 'no-such-id'] });
      assert.deepEqual(
        reply.transactionStates.map((state) => [state.transactionalId, state.errorCode]),
        [['no-such-id', ErrorCode.TRANSACTIONAL_ID_NOT_FOUND], ['', ErrorCode.INVALID_REQUEST], ['admin-tx-b', ErrorCode.NONE], ['no-such-id', ErrorCode.TRANSACTIONAL_ID_NOT_FOUND]],
      );
      assert.deepEqual([reply.transactionStates[0]!.transactionState, reply.transactionStates[0]!.producerId], ['', 0n], "an error entry keeps Kafka's defaults");
      const none = await call(client, describeTransactionsRequest, describeTransactionsResponse, 0, { transactionalIds: [] });
      assert.deepEqual(none.transactionStates, []);
    });
  });

  describe('WriteTxnMarkers', () => {
    test('an ABORT marker ends the producer\'s open transaction in the partition and frees the last stable offset', async () => {
      const producer = await initTransactions(client, 'admin-tx-markers');
      const firstOffset = await produceInTransaction(client, producer, 'markers', 0, 0, 3);
      assert.equal(await lastStableOffset(client, 'markers', 0), firstOffset);

      const reply = await call(client, writeTxnMarkersRequest, writeTxnMarkersResponse, 1, {
        markers: [{ producerId: producer.producerId, producerEpoch: producer.producerEpoch, transactionResult: false, coordinatorEpoch: 0, topics: [{ name: 'markers', partitionIndexes: [0] }] }],
      });
      assert.deepEqual(reply.markers, [{ producerId: producer.producerId, topics: [{ name: 'markers', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.NONE }] }] }]);
      assert.equal(await lastStableOffset(client, 'markers', 0), firstOffset + 4n, 'three records and the marker');
      const [partition] = await describeProducers(client, 'markers', [0]);
      const state = partition?.activeProducers.find((candidate) => candidate.producerId === producer.producerId);
      assert.equal(state?.currentTxnStartOffset, -1n);
    });

    test('per-partition errors: unknown topic or partition, and an epoch older than the producer\'s', async () => {
      const producer = await initTransactions(client, 'admin-tx-fenced');
      await produceInTransaction(client, producer, 'markers', 1, 0, 1);
      const reply = await call(client, writeTxnMarkersRequest, writeTxnMarkersResponse, 1, {
        markers: [
          { producerId: producer.producerId, producerEpoch: producer.producerEpoch - 1, transactionResult: true, coordinatorEpoch: 0, topics: [{ name: 'markers', partitionIndexes: [1, 9] }, { name: 'no-such-topic', partitionIndexes: [0] }] },
          { producerId: 123_456_789n, producerEpoch: 0, transactionResult: true, coordinatorEpoch: 0, topics: [{ name: 'no-such-topic', partitionIndexes: [3] }] },
        ],
      });
      assert.deepEqual(reply.markers, [
        {
          producerId: producer.producerId,
          topics: [
            { name: 'markers', partitions: [{ partitionIndex: 1, errorCode: ErrorCode.INVALID_PRODUCER_EPOCH }, { partitionIndex: 9, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }] },
            { name: 'no-such-topic', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }] },
          ],
        },
        { producerId: 123_456_789n, topics: [{ name: 'no-such-topic', partitions: [{ partitionIndex: 3, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }] }] },
      ]);
      const [partition] = await describeProducers(client, 'markers', [1]);
      assert.notEqual(partition?.activeProducers.find((candidate) => candidate.producerId === producer.producerId)?.currentTxnStartOffset, -1n, 'the refused marker ended nothing');
    });

    test('markers for one producer id in two entries are answered under that id once', async () => {
      const producer = await initTransactions(client, 'admin-tx-twice');
      const marker = { producerId: producer.producerId, producerEpoch: producer.producerEpoch, transactionResult: false, coordinatorEpoch: 0 };
      const reply = await call(client, writeTxnMarkersRequest, writeTxnMarkersResponse, 1, {
        markers: [
          { ...marker, topics: [{ name: 'markers', partitionIndexes: [0] }] },
          { ...marker, topics: [{ name: 'txn-data', partitionIndexes: [1] }] },
        ],
      });
      assert.deepEqual(reply.markers, [
        {
          producerId: producer.producerId,
          topics: [
            { name: 'markers', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.NONE }] },
            { name: 'txn-data', partitions: [{ partitionIndex: 1, errorCode: ErrorCode.NONE }] },
          ],
        },
      ]);
    });

    test('a marker on a __consumer_offsets partition goes through the group coordinator', async () => {
      const committed = await call(client, offsetCommitRequest, offsetCommitResponse, 2, {
        groupId: 'admin-markers-group',
        generationIdOrMemberEpoch: -1,
        memberId: '',
        retentionTimeMs: -1n,
        topics: [{ name: 'markers', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedMetadata: '' }] }],
      });
      assert.equal(committed.topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE, 'the commit creates __consumer_offsets');
      const producer = await initTransactions(client, 'admin-tx-offsets');
      const reply = await call(client, writeTxnMarkersRequest, writeTxnMarkersResponse, 1, {
        markers: [{ producerId: producer.producerId, producerEpoch: producer.producerEpoch, transactionResult: true, coordinatorEpoch: 0, topics: [{ name: '__consumer_offsets', partitionIndexes: [0, 100_000] }] }],
      });
      assert.deepEqual(reply.markers[0]!.topics[0]!.partitions, [
        { partitionIndex: 0, errorCode: ErrorCode.NONE },
        { partitionIndex: 100_000, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION },
      ]);
    });
  });
});
