import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';

import { LogManager, type LogManagerOptions } from '../../../src/log/log-manager.ts';
import { randomUuid } from '../../../src/metadata/kafka-uuid.ts';
import type { TopicRecord } from '../../../src/metadata/metadata-store.ts';
import type { LogSettings } from '../../../src/native/index.ts';
import { ErrorCode } from '../../../src/protocol/error-codes.ts';
import { recordBatch, simpleBatch, splitBatches } from '../../helpers/record-batches.ts';

const directories: string[] = [];
const managers: LogManager[] = [];
async function temporaryDirectory(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fjord-log-'));
  directories.push(dir);
  return dir;
}
afterEach(async () => {
  for (const manager of managers.splice(0)) await manager.close();
  for (const dir of directories.splice(0)) await rm(dir, { recursive: true, force: true });
});

function topicRecord(name: string, partitionCount: number, internal = false): TopicRecord {
  return { name, topicId: randomUuid(), partitionCount, configs: {}, internal };
}

async function openManager(logDirs: string[], topics: TopicRecord[], settings: LogSettings = {}, extra: Partial<LogManagerOptions> = {}): Promise<LogManager> {
  const manager = await LogManager.open({
    logDirs,
    topics,
    settingsFor: () => settings,
    retentionCheckIntervalMs: 300_000,
    flushCheckIntervalMs: 300_000,
    checkpointIntervalMs: 60_000,
    ...extra,
  });
  managers.push(manager);
  return manager;
}

const client = { requiredAcks: 1, isFromClient: true };

describe('LogManager: produce and fetch', () => {
  it('appends, assigns offsets, and reads back whole batches up to the high watermark', async () => {
    const dir = await temporaryDirectory();
    const topic = topicRecord('orders', 2);
    const manager = await openManager([dir], [topic]);
    const first = await manager.append('orders', 1, simpleBatch(3, 20, 1000), client);
    assert.deepEqual(first, { errorCode: 0, errorMessage: null, baseOffset: 0n, logAppendTimeMs: -1n, logStartOffset: 0n });
    const second = await manager.append('orders', 1, Buffer.concat([simpleBatch(2, 20, 2000), simpleBatch(1, 20, 3000)]), client);
    assert.equal(second.baseOffset, 3n);
    const read = manager.read('orders', 1, { fetchOffset: 0n, maxBytes: 1 << 20, minOneBatch: true, isolationLevel: 0 });
    assert.equal(read.errorCode, 0);
    assert.equal(read.highWatermark, 6n);
    assert.equal(read.lastStableOffset, 6n);
    assert.equal(read.logStartOffset, 0n);
    assert.deepEqual(splitBatches(read.records!.copy()).map((batch) => batch.baseOffset), [0, 3, 5]);
    const atEnd = manager.read('orders', 1, { fetchOffset: 6n, maxBytes: 1 << 20, minOneBatch: true, isolationLevel: 1 });
    assert.equal(atEnd.errorCode, 0);
    assert.equal(atEnd.records, null, 'a fetch at the high watermark has nothing to send');
    assert.equal(manager.read('orders', 1, { fetchOffset: 7n, maxBytes: 100, minOneBatch: true, isolationLevel: 0 }).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
    assert.equal(manager.read('orders', 2, { fetchOffset: 0n, maxBytes: 100, minOneBatch: true, isolationLevel: 0 }).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal(manager.highWatermark('orders', 0), 0n);
  });

  it('returns native and routing errors as Kafka codes, writing nothing', async () => {
    const dir = await temporaryDirectory();
    const manager = await openManager([dir], [topicRecord('t', 1), topicRecord('__consumer_offsets', 1, true)], { maxMessageBytes: 500 });
    const corrupt = simpleBatch(2, 10, 1000);
    corrupt[corrupt.length - 1]! ^= 0xff;
    assert.equal((await manager.append('t', 0, corrupt, client)).errorCode, ErrorCode.CORRUPT_MESSAGE);
    assert.equal((await manager.append('t', 0, simpleBatch(1, 1000, 1000), client)).errorCode, ErrorCode.MESSAGE_TOO_LARGE);
    assert.equal((await manager.append('missing', 0, simpleBatch(1, 10, 1000), client)).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal((await manager.append('t', 0, simpleBatch(1, 10, 1000), { requiredAcks: 2, isFromClient: true })).errorCode, ErrorCode.INVALID_REQUIRED_ACKS);
    assert.equal((await manager.append('__consumer_offsets', 0, simpleBatch(1, 10, 1000), client)).errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
    assert.equal((await manager.append('__consumer_offsets', 0, simpleBatch(1, 10, 1000), { requiredAcks: -1, isFromClient: false })).errorCode, 0);
    assert.equal(manager.highWatermark('t', 0), 0n);
    manager.updateSettings('t', { maxMessageBytes: 1_000_000 });
    assert.equal((await manager.append('t', 0, simpleBatch(1, 1000, 1000), client)).errorCode, 0, 'new settings apply without reopen');
  });

  it('with flush.messages=1 resolves an append only after it is fsynced; by default right after the write', async () => {
    const dir = await temporaryDirectory();
    const durable = topicRecord('durable', 1);
    const lazy = topicRecord('lazy', 1);
    const manager = await LogManager.open({
      logDirs: [dir],
      topics: [durable, lazy],
      settingsFor: (topic) => (topic.name === 'durable' ? { flushMessages: 1 } : {}),
      retentionCheckIntervalMs: 300_000,
      flushCheckIntervalMs: 300_000,
      checkpointIntervalMs: 300_000,
    });
    managers.push(manager);
    for (let i = 0; i < 5; i++) {
      const outcome = await manager.append('durable', 0, simpleBatch(2, 10, 1000), { requiredAcks: -1, isFromClient: true });
      assert.equal(outcome.errorCode, 0);
      const state = manager.partitionState('durable', 0)!;
      assert.equal(state.recoveryPoint, state.logEndOffset, `append ${i} was durable when acknowledged`);
    }
    await manager.append('lazy', 0, simpleBatch(2, 10, 1000), client);
    assert.equal(manager.partitionState('lazy', 0)!.recoveryPoint, 0n, 'the default policy acknowledges before any fsync');
  });

  it('answers a durable append whose topic is deleted before its fsync completes with UNKNOWN_TOPIC_OR_PARTITION, and close waits for one in flight', async () => {
    const dir = await temporaryDirectory();
    const doomed = topicRecord('doomed', 1);
    const kept = topicRecord('kept', 1);
    const manager = await openManager([dir], [doomed, kept], { flushMessages: 1 });
    const pending = manager.append('doomed', 0, simpleBatch(2, 10, 1000), client);
    manager.deleteTopic(doomed);
    assert.equal((await pending).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const inFlight = manager.append('kept', 0, simpleBatch(2, 10, 1000), client);
    await manager.close();
    assert.equal((await inFlight).errorCode, 0, 'close let the in-flight group commit finish');
  });

  it('enforces flush.ms from the periodic flush check', async () => {
    const dir = await temporaryDirectory();
    let nowMs = 1_000_000;
    const manager = await openManager([dir], [topicRecord('t', 1)], { flushMs: 1000 }, { now: () => nowMs });
    await manager.append('t', 0, simpleBatch(2, 10, 1000), client);
    assert.equal(manager.partitionState('t', 0)!.recoveryPoint, 0n);
    nowMs += 5000;
    manager.runMaintenance();
    for (let i = 0; i < 100 && manager.partitionState('t', 0)!.recoveryPoint === 0n; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(manager.partitionState('t', 0)!.recoveryPoint, 2n, 'the flush timer fsynced the overdue data');
  });
});

describe('LogManager: fetch purgatory', () => {
  it('wakes a waiting fetch on an append to one of its partitions, and leaves no watcher behind', async () => {
    const dir = await temporaryDirectory();
    const manager = await openManager([dir], [topicRecord('a', 2), topicRecord('b', 1)]);
    const started = Date.now();
    const waiting = manager.waitForAppend([{ topicName: 'a', partition: 1 }, { topicName: 'b', partition: 0 }], 10_000);
    assert.equal(manager.waitingFetches, 1);
    await manager.append('a', 0, simpleBatch(1, 10, 1000), client);
    assert.equal(manager.waitingFetches, 1, 'an append to another partition does not wake it');
    await manager.append('b', 0, simpleBatch(1, 10, 1000), client);
    await waiting;
    assert.ok(Date.now() - started < 5000);
    assert.equal(manager.waitingFetches, 0);
  });

  it('resolves on timeout, on abort and on topic deletion, removing the watcher each time', async () => {
    const dir = await temporaryDirectory();
    const topic = topicRecord('a', 1);
    const manager = await openManager([dir], [topic]);
    const started = Date.now();
    await manager.waitForAppend([{ topicName: 'a', partition: 0 }], 30);
    assert.ok(Date.now() - started >= 25, 'waited for the timeout');
    assert.equal(manager.waitingFetches, 0);

    const controller = new AbortController();
    const aborted = manager.waitForAppend([{ topicName: 'a', partition: 0 }], 10_000, controller.signal);
    controller.abort();
    await aborted;
    assert.equal(manager.waitingFetches, 0);

    const deleted = manager.waitForAppend([{ topicName: 'a', partition: 0 }], 10_000);
    manager.deleteTopic(topic);
    await deleted;
    assert.equal(manager.waitingFetches, 0);

    const closing = manager.waitForAppend([{ topicName: 'x', partition: 0 }], 10_000);
    await manager.close();
    await closing;
  });
});

describe('LogManager: layout', () => {
  it('writes partition.metadata, balances new partitions over log dirs, and finds them again', async () => {
    const dirA = await temporaryDirectory();
    const dirB = await temporaryDirectory();
    const topic = topicRecord('spread', 4);
    const manager = await openManager([dirA, dirB], [topic]);
    const logDirs = [0, 1, 2, 3].map((partition) => manager.partitionState('spread', partition)!.logDir);
    assert.equal(logDirs.filter((dir) => dir === dirA).length, 2);
    assert.equal(logDirs.filter((dir) => dir === dirB).length, 2);
    const metadataPath = join(manager.partitionDirectory('spread', 0)!, 'partition.metadata');
    assert.equal(readFileSync(metadataPath, 'utf8'), `version: 0\ntopic_id: ${topic.topicId}\n`);
    await manager.append('spread', 3, simpleBatch(4, 10, 1000), client);
    await manager.close();

    const grown = { ...topic, partitionCount: 5 };
    const reopened = await openManager([dirA, dirB], [grown]);
    assert.equal(reopened.partitionState('spread', 3)!.logDir, logDirs[3]);
    assert.equal(reopened.highWatermark('spread', 3), 4n, 'data survives a reopen');
    assert.ok(reopened.hasPartition('spread', 4), 'a partition the metadata lists but no dir holds is created');
  });

  it('deletes stray partition directories and leftovers of an interrupted delete at open', async () => {
    const dir = await temporaryDirectory();
    const topic = topicRecord('t', 1);
    const first = await openManager([dir], [topic]);
    await first.append('t', 0, simpleBatch(1, 10, 1000), client);
    await first.close();
    // The same name recreated with a new topic id: the old directory is stray.
    const recreated = topicRecord('t', 1);
    mkdirSync(join(dir, 'gone-0.0123456789abcdef0123456789abcdef-delete'));
    mkdirSync(join(dir, 'unknown-0'));
    mkdirSync(join(dir, '__cluster_metadata-0'));
    writeFileSync(join(dir, '__cluster_metadata-0', 'keep'), 'metadata');
    const manager = await openManager([dir], [recreated]);
    assert.equal(manager.highWatermark('t', 0), 0n, 'the recreated topic starts empty');
    assert.equal(readFileSync(join(dir, 't-0', 'partition.metadata'), 'utf8'), `version: 0\ntopic_id: ${recreated.topicId}\n`);
    await manager.close();
    assert.deepEqual(readdirSync(dir).sort(), ['__cluster_metadata-0', 't-0']);
  });

  it('deleteTopic renames the partition directories to -delete and removes them', async () => {
    const dir = await temporaryDirectory();
    const topic = topicRecord('doomed', 2);
    const manager = await openManager([dir], [topic]);
    await manager.append('doomed', 0, simpleBatch(1, 10, 1000), client);
    manager.deleteTopic(topic);
    assert.equal(manager.hasPartition('doomed', 0), false);
    assert.ok(!existsSync(join(dir, 'doomed-0')), 'the directory was renamed at once');
    assert.equal((await manager.append('doomed', 0, simpleBatch(1, 10, 1000), client)).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    await manager.close();
    assert.deepEqual(readdirSync(dir), [], 'close waited for the removal');
  });
});

describe('LogManager: offsets', () => {
  it("answers ListOffsets as Kafka does without tiered storage", async () => {
    const dir = await temporaryDirectory();
    const manager = await openManager([dir], [topicRecord('t', 1)]);
    assert.deepEqual(manager.listOffset('t', 0, -3n), { errorCode: 0, offset: -1n, timestamp: -1n, leaderEpoch: -1 }, 'max timestamp of an empty log');
    await manager.append('t', 0, recordBatch([{ timestamp: 1000, value: Buffer.from('a') }, { timestamp: 5000, value: Buffer.from('b') }]), client);
    await manager.append('t', 0, recordBatch([{ timestamp: 3000, value: Buffer.from('c') }]), client);
    assert.deepEqual(manager.listOffset('t', 0, -1n), { errorCode: 0, offset: 3n, timestamp: -1n, leaderEpoch: 0 });
    assert.deepEqual(manager.listOffset('t', 0, -2n), { errorCode: 0, offset: 0n, timestamp: -1n, leaderEpoch: 0 });
    assert.deepEqual(manager.listOffset('t', 0, -4n), { errorCode: 0, offset: 0n, timestamp: -1n, leaderEpoch: 0 });
    assert.deepEqual(manager.listOffset('t', 0, -5n), { errorCode: 0, offset: -1n, timestamp: -1n, leaderEpoch: -1 });
    assert.deepEqual(manager.listOffset('t', 0, -3n), { errorCode: 0, offset: 1n, timestamp: 5000n, leaderEpoch: 0 });
    assert.equal(manager.listOffset('t', 0, 2000n).offset, 1n);
    assert.equal(manager.listOffset('t', 0, 900n).offset, 0n);
    assert.deepEqual(manager.listOffset('t', 0, 6000n), { errorCode: 0, offset: -1n, timestamp: -1n, leaderEpoch: -1 });
    assert.equal(manager.listOffset('t', 1, -1n).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('DeleteRecords moves the log start offset (-1 = high watermark) and fetches below it are out of range', async () => {
    const dir = await temporaryDirectory();
    const manager = await openManager([dir], [topicRecord('t', 1)]);
    for (let i = 0; i < 3; i++) await manager.append('t', 0, simpleBatch(2, 10, 1000), client);
    assert.deepEqual(manager.deleteRecords('t', 0, 7n), { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, lowWatermark: -1n });
    assert.deepEqual(manager.deleteRecords('t', 0, 2n), { errorCode: 0, lowWatermark: 2n });
    assert.equal(manager.read('t', 0, { fetchOffset: 1n, maxBytes: 1000, minOneBatch: true, isolationLevel: 0 }).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
    assert.equal(manager.read('t', 0, { fetchOffset: 2n, maxBytes: 1000, minOneBatch: true, isolationLevel: 0 }).logStartOffset, 2n);
    assert.deepEqual(manager.deleteRecords('t', 0, 1n), { errorCode: 0, lowWatermark: 2n }, 'the log start offset never moves back');
    assert.deepEqual(manager.deleteRecords('t', 0, -1n), { errorCode: 0, lowWatermark: 6n });
    assert.equal(manager.listOffset('t', 0, -2n).offset, 6n);
  });

  it('answers OffsetForLeaderEpoch for the single epoch 0', async () => {
    const dir = await temporaryDirectory();
    const manager = await openManager([dir], [topicRecord('t', 1)]);
    await manager.append('t', 0, simpleBatch(4, 10, 1000), client);
    assert.deepEqual(manager.endOffsetForLeaderEpoch('t', 0, 0), { errorCode: 0, leaderEpoch: 0, endOffset: 4n });
    assert.deepEqual(manager.endOffsetForLeaderEpoch('t', 0, 3), { errorCode: 0, leaderEpoch: -1, endOffset: -1n });
    assert.deepEqual(manager.endOffsetForLeaderEpoch('t', 0, -1), { errorCode: 0, leaderEpoch: -1, endOffset: -1n });
    assert.equal(manager.endOffsetForLeaderEpoch('t', 5, 0).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('applies retention from the retention check', async () => {
    const dir = await temporaryDirectory();
    let nowMs = Date.now();
    const manager = await openManager([dir], [topicRecord('t', 1)], { retentionMs: 60_000, segmentBytes: 1024 }, { now: () => nowMs });
    for (let i = 0; i < 10; i++) await manager.append('t', 0, simpleBatch(2, 200, nowMs), client);
    assert.ok(manager.partitionState('t', 0)!.segmentCount > 2);
    nowMs += 120_000;
    manager.runMaintenance();
    const state = manager.partitionState('t', 0)!;
    assert.ok(state.logStartOffset > 0n, `retention moved the log start offset (${state.logStartOffset})`);
  });
});
