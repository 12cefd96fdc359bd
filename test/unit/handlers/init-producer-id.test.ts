import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { PRODUCER_ID_BLOCK_SIZE, ProducerIdManager } from '../../../src/handlers/22-init-producer-id.ts';
import { ErrorCode, initProducerIdRequest } from '../../../src/protocol/index.ts';
import { startBroker, type BrokerFixture } from './fixture.ts';

describe('InitProducerId', () => {
  let fixture: BrokerFixture;
  before(async () => {
    fixture = await startBroker();
  });
  after(() => fixture?.stop());

  test('every version gives an idempotent producer a new id with epoch 0', async () => {
    const client = await fixture.connect();
    const ids: bigint[] = [];
    for (const version of [0, 1, 2, 3, 4, 5]) {
      const reply = await client.send(initProducerIdRequest, version, { transactionalId: null, transactionTimeoutMs: 60000 });
      assert.deepEqual([reply.errorCode, reply.producerEpoch], [ErrorCode.NONE, 0], `v${version}`);
      assert.ok(reply.producerId >= 0n);
      ids.push(reply.producerId);
    }
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual(ids, [...ids].sort((a, b) => (a < b ? -1 : 1)));
  });

  test('an id and epoch given (v3+) get a new id with epoch 0, as Kafka answers idempotent producers', async () => {
    const client = await fixture.connect();
    const first = await client.send(initProducerIdRequest, 4, { transactionalId: null, transactionTimeoutMs: 60000 });
    const again = await client.send(initProducerIdRequest, 4, { transactionalId: null, transactionTimeoutMs: 60000, producerId: first.producerId, producerEpoch: first.producerEpoch });
    assert.equal(again.errorCode, ErrorCode.NONE);
    assert.notEqual(again.producerId, first.producerId);
    assert.equal(again.producerEpoch, 0);
  });

  test('only one of producerId and producerEpoch, or an empty transactional id, is INVALID_REQUEST', async () => {
    const client = await fixture.connect();
    const idOnly = await client.send(initProducerIdRequest, 3, { transactionalId: null, transactionTimeoutMs: 60000, producerId: 5n, producerEpoch: -1 });
    assert.deepEqual([idOnly.errorCode, idOnly.producerId], [ErrorCode.INVALID_REQUEST, -1n]);
    const epochOnly = await client.send(initProducerIdRequest, 5, { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: 3 });
    assert.equal(epochOnly.errorCode, ErrorCode.INVALID_REQUEST);
    const empty = await client.send(initProducerIdRequest, 1, { transactionalId: '', transactionTimeoutMs: 60000 });
    assert.equal(empty.errorCode, ErrorCode.INVALID_REQUEST);
  });

  test('concurrent requests all get distinct ids', async () => {
    const clients = await Promise.all([fixture.connect(), fixture.connect(), fixture.connect()]);
    const replies = await Promise.all(
      Array.from({ length: 60 }, (_, i) => clients[i % 3]!.send(initProducerIdRequest, 2, { transactionalId: null, transactionTimeoutMs: 60000 })),
    );
    assert.ok(replies.every((reply) => reply.errorCode === ErrorCode.NONE));
    assert.equal(new Set(replies.map((reply) => reply.producerId)).size, 60);
  });

  test('ids are never reused across a restart: the new broker starts past the durable block', async () => {
    let client = await fixture.connect();
    const before = await client.send(initProducerIdRequest, 1, { transactionalId: null, transactionTimeoutMs: 60000 });
    await fixture.restart();
    client = await fixture.connect();
    const after = await client.send(initProducerIdRequest, 1, { transactionalId: null, transactionTimeoutMs: 60000 });
    assert.equal(after.errorCode, ErrorCode.NONE);
    assert.ok(after.producerId > before.producerId);
    assert.ok(after.producerId - before.producerId <= BigInt(PRODUCER_ID_BLOCK_SIZE), 'the next durable block follows the last one');
  });

  test('the manager moves from block to block without gaps or repeats, fetching the next block ahead', async () => {
    const manager = new ProducerIdManager(fixture.broker.metadata, 10);
    const ids: bigint[] = [];
    for (let i = 0; i < 35; i++) ids.push(await manager.generateProducerId());
    assert.equal(new Set(ids).size, 35);
    const blocks = new Set(ids.map((id) => (id - ids[0]!) / 10n));
    assert.equal(blocks.size, 4, 'four consecutive blocks of ten');
    const concurrent = await Promise.all(Array.from({ length: 25 }, () => manager.generateProducerId()));
    assert.equal(new Set([...ids, ...concurrent]).size, 60);
  });
});
