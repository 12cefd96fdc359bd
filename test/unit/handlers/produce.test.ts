import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createTopicsRequest, ErrorCode, initProducerIdRequest, listOffsetsRequest, produceRequest } from '../../../src/protocol/index.ts';
import type { KafkaTestClient } from '../../helpers/kafka-client.ts';
import { idempotentBatch, recordBatch, simpleBatch } from '../../helpers/record-batches.ts';
import { startBroker, type BrokerFixture } from './fixture.ts';

const TRANSACTIONAL = 0x10;

function produceBody(topic: string, partition: number, records: Buffer, acks = -1) {
  return { transactionalId: null, acks, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] };
}

async function latestOffset(client: KafkaTestClient, topic: string, partition = 0): Promise<bigint> {
  const reply = await client.send(listOffsetsRequest, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: [{ partitionIndex: partition, timestamp: -1n }] }] });
  return reply.topics[0]!.partitions[0]!.offset;
}

describe('Produce', () => {
  let fixture: BrokerFixture;
  let client: KafkaTestClient;
  before(async () => {
    fixture = await startBroker();
    client = await fixture.connect();
    const created = await client.send(createTopicsRequest, 7, {
      topics: [
        { name: 'events', numPartitions: 2, replicationFactor: 1 },
        { name: 'small', numPartitions: 1, replicationFactor: 1, configs: [{ name: 'max.message.bytes', value: '200' }] },
        { name: 'acks0', numPartitions: 1, replicationFactor: 1 },
        { name: 'idem', numPartitions: 1, replicationFactor: 1 },
      ],
      timeoutMs: 5000,
    });
    assert.ok(created.topics.every((t) => t.errorCode === ErrorCode.NONE));
  });
  after(() => fixture?.stop());

  test('acks=1 and acks=-1 answer with consecutive base offsets and the log start offset', async () => {
    const first = await client.send(produceRequest, 9, produceBody('events', 0, simpleBatch(3, 10, Date.now()), 1));
    const second = await client.send(produceRequest, 9, produceBody('events', 0, simpleBatch(2, 10, Date.now()), -1));
    const a = first.responses[0]!.partitionResponses[0]!;
    const b = second.responses[0]!.partitionResponses[0]!;
    assert.deepEqual([a.errorCode, a.baseOffset, a.logStartOffset], [ErrorCode.NONE, 0n, 0n]);
    assert.deepEqual([b.errorCode, b.baseOffset], [ErrorCode.NONE, 3n]);
    assert.equal(await latestOffset(client, 'events'), 5n);
  });

  test('acks=0 gets no response and still appends', async () => {
    client.sendWithoutResponse(produceRequest, 9, produceBody('acks0', 0, simpleBatch(4, 10, Date.now()), 0));
    // The next response on the connection must belong to the next request (the client checks correlation ids).
    assert.equal(await latestOffset(client, 'acks0'), 4n);
  });

  test('acks=0 that fails closes the connection so the client refreshes its metadata', async () => {
    const other = await fixture.connect();
    other.sendWithoutResponse(produceRequest, 9, produceBody('no-such-topic', 0, simpleBatch(1, 10, Date.now()), 0));
    await other.closed;
  });

  test('an invalid acks value is INVALID_REQUIRED_ACKS', async () => {
    const reply = await client.send(produceRequest, 9, produceBody('events', 0, simpleBatch(1, 10, Date.now()), 2));
    assert.equal(reply.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.INVALID_REQUIRED_ACKS);
  });

  for (const version of [0, 1, 2]) {
    test(`v${version} is advertised but answered with UNSUPPORTED_VERSION per partition`, async () => {
      const reply = await client.send(produceRequest, version, produceBody('events', 1, simpleBatch(1, 10, Date.now()), 1));
      assert.equal(reply.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.UNSUPPORTED_VERSION);
      assert.equal(await latestOffset(client, 'events', 1), 0n);
    });
  }

  test('unknown topics and partitions are UNKNOWN_TOPIC_OR_PARTITION, and Produce does not create topics', async () => {
    const reply = await client.send(produceRequest, 9, {
      acks: -1,
      timeoutMs: 5000,
      topicData: [
        { name: 'nowhere', partitionData: [{ index: 0, records: simpleBatch(1, 10, Date.now()) }] },
        { name: 'events', partitionData: [{ index: 7, records: simpleBatch(1, 10, Date.now()) }] },
      ],
    });
    assert.deepEqual(reply.responses.map((r) => r.partitionResponses[0]!.errorCode), [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    assert.equal(fixture.broker.metadata.topic('nowhere'), undefined);
  });

  test('v13 names the topic by id; an unknown id is UNKNOWN_TOPIC_ID', async () => {
    const topicId = fixture.broker.metadata.topic('events')!.topicId;
    const reply = await client.send(produceRequest, 13, { acks: 1, timeoutMs: 5000, topicData: [{ topicId, partitionData: [{ index: 1, records: simpleBatch(2, 10, Date.now()) }] }] });
    assert.equal(reply.responses[0]!.topicId, topicId);
    assert.equal(reply.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
    const unknown = await client.send(produceRequest, 13, { acks: 1, timeoutMs: 5000, topicData: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitionData: [{ index: 0, records: simpleBatch(1, 10, Date.now()) }] }] });
    assert.equal(unknown.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_ID);
  });

  test('a batch with a bad CRC is CORRUPT_MESSAGE and nothing is appended', async () => {
    const batch = simpleBatch(2, 10, Date.now());
    batch[batch.length - 1]! ^= 0xff;
    const before = await latestOffset(client, 'events', 1);
    const reply = await client.send(produceRequest, 9, produceBody('events', 1, batch));
    assert.equal(reply.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.CORRUPT_MESSAGE);
    assert.equal(await latestOffset(client, 'events', 1), before);
  });

  test('a batch above the topic max.message.bytes is MESSAGE_TOO_LARGE', async () => {
    const reply = await client.send(produceRequest, 9, produceBody('small', 0, simpleBatch(1, 400, Date.now())));
    assert.equal(reply.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.MESSAGE_TOO_LARGE);
    const fits = await client.send(produceRequest, 9, produceBody('small', 0, simpleBatch(1, 20, Date.now())));
    assert.equal(fits.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
  });

  test('a transactional batch without a transactional id is TRANSACTIONAL_ID_AUTHORIZATION_FAILED; a plain batch with one is appended', async () => {
    const batch = recordBatch([{ timestamp: Date.now(), value: Buffer.from('tx') }], TRANSACTIONAL);
    const reply = await client.send(produceRequest, 9, produceBody('events', 1, batch));
    assert.equal(reply.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    const withId = await client.send(produceRequest, 9, { ...produceBody('events', 1, simpleBatch(1, 10, Date.now())), transactionalId: 'tx-1' });
    assert.equal(withId.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
  });

  test('an idempotent retry returns the original offset; a sequence gap is OUT_OF_ORDER_SEQUENCE_NUMBER', async () => {
    const init = await client.send(initProducerIdRequest, 4, { transactionalId: null, transactionTimeoutMs: 60000 });
    assert.equal(init.errorCode, ErrorCode.NONE);
    const { producerId, producerEpoch } = init;
    const first = idempotentBatch(producerId, producerEpoch, 0, 3);
    const a = (await client.send(produceRequest, 9, produceBody('idem', 0, Buffer.from(first)))).responses[0]!.partitionResponses[0]!;
    const b = (await client.send(produceRequest, 9, produceBody('idem', 0, idempotentBatch(producerId, producerEpoch, 3, 2)))).responses[0]!.partitionResponses[0]!;
    assert.deepEqual([a.errorCode, a.baseOffset, b.errorCode, b.baseOffset], [0, 0n, 0, 3n]);
    const retry = (await client.send(produceRequest, 9, produceBody('idem', 0, Buffer.from(first)))).responses[0]!.partitionResponses[0]!;
    assert.deepEqual([retry.errorCode, retry.baseOffset], [ErrorCode.NONE, 0n]);
    assert.equal(await latestOffset(client, 'idem'), 5n);
    const gap = (await client.send(produceRequest, 9, produceBody('idem', 0, idempotentBatch(producerId, producerEpoch, 9, 1)))).responses[0]!.partitionResponses[0]!;
    assert.equal(gap.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.equal(await latestOffset(client, 'idem'), 5n);
  });

  test('a bumped epoch starts again at sequence 0 and fences the older epoch', async () => {
    const { producerId } = await client.send(initProducerIdRequest, 4, { transactionalId: null, transactionTimeoutMs: 60000 });
    const send = async (epoch: number, sequence: number) =>
      (await client.send(produceRequest, 9, produceBody('idem', 0, idempotentBatch(producerId, epoch, sequence, 1)))).responses[0]!.partitionResponses[0]!.errorCode;
    assert.equal(await send(0, 0), ErrorCode.NONE);
    assert.equal(await send(1, 0), ErrorCode.NONE);
    assert.equal(await send(0, 1), ErrorCode.INVALID_PRODUCER_EPOCH);
  });
});
