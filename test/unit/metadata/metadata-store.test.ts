import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';

import { uuidFromString } from '../../../src/metadata/kafka-uuid.ts';
import { MetadataError, MetadataStore, topicNamesCollide, validateTopicName } from '../../../src/metadata/metadata-store.ts';
import { ErrorCode } from '../../../src/protocol/error-codes.ts';

const directories: string[] = [];
async function temporaryDirectory(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fjord-metadata-'));
  directories.push(dir);
  return dir;
}
afterEach(async () => {
  for (const dir of directories.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function rejectsWithCode(promise: Promise<unknown>, errorCode: number): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof MetadataError, `expected a MetadataError, saw ${String(error)}`);
    assert.equal(error.errorCode, errorCode, `expected error code ${errorCode}, saw ${error.errorCode}: ${error.message}`);
    return true;
  });
}

describe('MetadataStore', () => {
  it('creates a cluster id on first start and keeps it across reopen', async () => {
    const dir = await temporaryDirectory();
    const first = await MetadataStore.open(dir, { nodeId: 1 });
    assert.match(first.clusterId, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(first.nodeId, 1);
    await first.close();
    const second = await MetadataStore.open(dir, { nodeId: 1 });
    assert.equal(second.clusterId, first.clusterId);
    await second.close();
  });

  it('keeps every mutation across reopen: topics, partitions, configs, deletes, broker configs, producer ids', async () => {
    const dir = await temporaryDirectory();
    const store = await MetadataStore.open(dir, { nodeId: 0 });
    const orders = await store.createTopic('orders', 3, { 'retention.ms': '1000' });
    assert.match(orders.topicId, /^[A-Za-z0-9_-]{22}$/);
    assert.notEqual(orders.topicId, 'AAAAAAAAAAAAAAAAAAAAAA');
    assert.ok(!orders.topicId.startsWith('-'));
    assert.equal(uuidFromString(orders.topicId)!.length, 16);
    await store.createTopic('gone', 1, {});
    await store.createTopic('__consumer_offsets', 50, {});
    await store.createPartitions('orders', 5);
    await store.setTopicConfigs('orders', { 'cleanup.policy': 'delete' });
    await store.deleteTopic('gone');
    await store.setDynamicBrokerConfigs('cluster', { 'log.retention.ms': '5' });
    await store.setDynamicBrokerConfigs(0, { 'num.io.threads': '4' });
    const ids = await store.allocateProducerIds(1000);
    assert.deepEqual(ids, { firstProducerId: 0n, count: 1000 });
    await store.close();

    const reopened = await MetadataStore.open(dir, { nodeId: 0 });
    assert.deepEqual(reopened.topic('orders'), { name: 'orders', topicId: orders.topicId, partitionCount: 5, configs: { 'cleanup.policy': 'delete' }, internal: false });
    assert.equal(reopened.topicById(orders.topicId)?.name, 'orders');
    assert.equal(reopened.topic('gone'), undefined);
    assert.equal(reopened.topic('__consumer_offsets')?.internal, true);
    assert.deepEqual(reopened.topics().map((topic) => topic.name).sort(), ['__consumer_offsets', 'orders']);
    assert.deepEqual(reopened.dynamicBrokerConfigs('cluster'), { 'log.retention.ms': '5' });
    assert.deepEqual(reopened.dynamicBrokerConfigs(0), { 'num.io.threads': '4' });
    assert.deepEqual(reopened.dynamicBrokerConfigs(7), {});
    assert.deepEqual(await reopened.allocateProducerIds(10), { firstProducerId: 1000n, count: 10 });
    await reopened.close();
  });

  it('drops a torn tail after a crash and keeps every whole record before it', async () => {
    const dir = await temporaryDirectory();
    const store = await MetadataStore.open(dir, { nodeId: 0 });
    await store.createTopic('kept', 1, {});
    const sizeBeforeLast = store.logSizeBytes;
    await store.createTopic('torn', 1, {});
    const fullSize = store.logSizeBytes;
    await store.close();
    const path = join(dir, 'metadata.log');
    // Cut inside the last record at every byte: the last topic is dropped, the first survives.
    const whole = await readFile(path);
    for (let cut = sizeBeforeLast + 1; cut < fullSize; cut++) {
      await writeFile(path, whole.subarray(0, cut));
      const reopened = await MetadataStore.open(dir, { nodeId: 0 });
      assert.ok(reopened.topic('kept'), `the first topic survives a cut at ${cut}`);
      assert.equal(reopened.topic('torn'), undefined, `the torn record is dropped at cut ${cut}`);
      assert.equal((await stat(path)).size, sizeBeforeLast, `the file is cut back to the last whole record (cut ${cut})`);
      await reopened.close();
    }
    // A zero-filled tail (blocks allocated but never written) is also cut off.
    await appendFile(path, Buffer.alloc(64));
    const zeroTail = await MetadataStore.open(dir, { nodeId: 0 });
    assert.equal((await stat(path)).size, sizeBeforeLast);
    await zeroTail.createTopic('after', 2, {});
    await zeroTail.close();
    const again = await MetadataStore.open(dir, { nodeId: 0 });
    assert.deepEqual(again.topics().map((topic) => topic.name).sort(), ['after', 'kept']);
    await again.close();
  });

  it('drops a record whose CRC does not match', async () => {
    const dir = await temporaryDirectory();
    const store = await MetadataStore.open(dir, { nodeId: 0 });
    await store.createTopic('kept', 1, {});
    const sizeBeforeLast = store.logSizeBytes;
    await store.createTopic('flipped', 1, {});
    await store.close();
    const path = join(dir, 'metadata.log');
    const bytes = await readFile(path);
    bytes[bytes.length - 3]! ^= 0xff;
    await writeFile(path, bytes);
    const reopened = await MetadataStore.open(dir, { nodeId: 0 });
    assert.ok(reopened.topic('kept'));
    assert.equal(reopened.topic('flipped'), undefined);
    assert.equal((await stat(path)).size, sizeBeforeLast);
    await reopened.close();
  });

  it('compacts the log into a snapshot of the state and keeps that state across reopen', async () => {
    const dir = await temporaryDirectory();
    const store = await MetadataStore.open(dir, { nodeId: 0, compactAfterBytes: 2048 });
    await store.createTopic('a', 2, {});
    await store.createTopic('b', 1, {});
    for (let i = 0; i < 200; i++) await store.setTopicConfigs('a', { 'retention.ms': String(i) });
    await store.deleteTopic('b');
    await store.allocateProducerIds(5);
    assert.ok(store.compactions > 0, 'the log was compacted');
    assert.ok(store.logSizeBytes < 4096, `the log stays small (${store.logSizeBytes} bytes)`);
    const topicA = store.topic('a');
    await store.close();
    // A crash during a compaction leaves a temporary file, which the next open ignores.
    await writeFile(join(dir, 'metadata.log.tmp'), Buffer.from('half a snapshot'));
    const reopened = await MetadataStore.open(dir, { nodeId: 0, compactAfterBytes: 2048 });
    assert.deepEqual(reopened.topic('a'), topicA);
    assert.deepEqual(reopened.topic('a')?.configs, { 'retention.ms': '199' });
    assert.equal(reopened.topic('b'), undefined);
    assert.equal(reopened.clusterId, store.clusterId);
    assert.deepEqual(await reopened.allocateProducerIds(1), { firstProducerId: 5n, count: 1 });
    await reopened.close();
  });

  it('never hands out a producer id twice, across reopen and a torn tail', async () => {
    const dir = await temporaryDirectory();
    const store = await MetadataStore.open(dir, { nodeId: 0 });
    const seen = new Set<bigint>();
    for (let i = 0; i < 5; i++) {
      const { firstProducerId, count } = await store.allocateProducerIds(3);
      for (let id = firstProducerId; id < firstProducerId + BigInt(count); id++) seen.add(id);
    }
    await store.close();
    const path = join(dir, 'metadata.log');
    await truncate(path, (await stat(path)).size - 1);
    const reopened = await MetadataStore.open(dir, { nodeId: 0 });
    const { firstProducerId } = await reopened.allocateProducerIds(1);
    // The torn last allocation was never acknowledged; ids from the ones before it are not reused.
    assert.ok(firstProducerId >= 12n, `next id ${firstProducerId} follows every acknowledged allocation`);
    await reopened.close();
  });

  it('answers Kafka error codes for invalid mutations, in call order', async () => {
    const dir = await temporaryDirectory();
    const store = await MetadataStore.open(dir, { nodeId: 0 });
    const first = store.createTopic('same', 1, {});
    const second = store.createTopic('same', 1, {});
    await first;
    await rejectsWithCode(second, ErrorCode.TOPIC_ALREADY_EXISTS);
    await store.createTopic('with.dot', 1, {});
    await rejectsWithCode(store.createTopic('with_dot', 1, {}), ErrorCode.INVALID_TOPIC_EXCEPTION);
    await rejectsWithCode(store.createTopic('bad name', 1, {}), ErrorCode.INVALID_TOPIC_EXCEPTION);
    await rejectsWithCode(store.createTopic('zero', 0, {}), ErrorCode.INVALID_PARTITIONS);
    await rejectsWithCode(store.createTopic('huge', 10_001, {}), ErrorCode.POLICY_VIOLATION);
    await rejectsWithCode(store.createPartitions('same', 1), ErrorCode.INVALID_PARTITIONS);
    await rejectsWithCode(store.createPartitions('missing', 3), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    await rejectsWithCode(store.deleteTopic('missing'), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    await rejectsWithCode(store.setTopicConfigs('missing', {}), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    await rejectsWithCode(store.allocateProducerIds(0), ErrorCode.INVALID_REQUEST);
    assert.deepEqual(store.topics().map((topic) => topic.name).sort(), ['same', 'with.dot']);
    await store.close();
  });

  it('a deleted then recreated name gets a new topic id', async () => {
    const dir = await temporaryDirectory();
    const store = await MetadataStore.open(dir, { nodeId: 0 });
    const before = await store.createTopic('t', 1, {});
    await store.deleteTopic('t');
    const after = await store.createTopic('t', 1, {});
    assert.notEqual(after.topicId, before.topicId);
    assert.equal(store.topicById(before.topicId), undefined);
    await store.close();
  });
});

describe('topic names', () => {
  it("follows Kafka's rules", () => {
    assert.equal(validateTopicName('orders-1.v2_x'), null);
    assert.equal(validateTopicName('a'.repeat(249)), null);
    assert.notEqual(validateTopicName('a'.repeat(250)), null);
    assert.notEqual(validateTopicName(''), null);
    assert.notEqual(validateTopicName('.'), null);
    assert.notEqual(validateTopicName('..'), null);
    assert.equal(validateTopicName('...'), null);
    assert.notEqual(validateTopicName('a/b'), null);
    assert.notEqual(validateTopicName('é'), null);
  });

  it("treats '.' and '_' as colliding", () => {
    assert.equal(topicNamesCollide('a.b_c', 'a_b.c'), true);
    assert.equal(topicNamesCollide('a.b', 'a.b'), true);
    assert.equal(topicNamesCollide('a.b', 'a-b'), false);
  });
});
