/**
 * Bad input against a real broker process, case by case with exact expectations: the frames the
 * seeded attack (broker-bad-input.test.ts) draws at random, written out, plus the regressions for
 * the bugs it found and the attacks that need big frames or many requests.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';

import { MAX_ARRAY_ELEMENTS_PER_REQUEST } from '../../src/handlers/dispatcher.ts';
import {
  apiVersionsRequest,
  apiVersionsResponse,
  decodeResponse,
  encodeRequest,
  ErrorCode,
  fetchRequest,
  listOffsetsRequest,
  metadataRequest,
  metadataResponse,
  produceRequest,
  produceResponse,
  RecordBatchField,
} from '../../src/protocol/index.ts';
import { crc32c } from '../../src/native/index.ts';
import { recordBatch } from '../helpers/record-batches.ts';
import { BrokerProcess } from './helpers/broker-process.ts';
import { GoodClient, sameBatch, type AckedBatch } from './helpers/good-client.ts';
import { WireConnection, type WireEvent } from './helpers/wire-connection.ts';

/** The broker's resident memory must stay below this in every case. */
const RSS_BOUND_BYTES = 512 * 1024 * 1024;
const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
const IDLE_TIMEOUT_MS = 3_000;
/** How long the broker may take to close a connection it must close at once. */
const PROMPT_MS = 2_500;
const TOPIC = 'cases';
const UUID_ZERO = 'AAAAAAAAAAAAAAAAAAAAAA';

function frameOf(body: Buffer): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(body.length, 0);
  return Buffer.concat([prefix, body]);
}

/** A request header v1 (non-flexible) for any key and version, client id "fault". */
function headerV1(apiKey: number, apiVersion: number, correlationId: number): Buffer {
  const header = Buffer.alloc(8 + 2 + 5);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(apiVersion, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(5, 8);
  header.write('fault', 10);
  return header;
}

/** Writes `bytes` on a fresh connection and returns the first event within `timeoutMs`. */
async function sendOnce(port: number, bytes: Buffer, timeoutMs = PROMPT_MS): Promise<WireEvent> {
  const connection = await WireConnection.open(port);
  try {
    connection.write(bytes);
    return await connection.next(timeoutMs);
  } finally {
    connection.destroy();
  }
}

function batchOf(...values: string[]): Buffer {
  return recordBatch(values.map((value, i) => ({ timestamp: 1_700_000_000_000 + i, value: Buffer.from(value) })));
}

function withCrc(batch: Buffer): Buffer {
  batch.writeUInt32BE(crc32c(batch.subarray(RecordBatchField.attributes)), RecordBatchField.crc);
  return batch;
}

describe('a broker given bad input, case by case', () => {
  let broker: BrokerProcess;
  let topicId: string;

  before(async () => {
    broker = await BrokerProcess.start({ overrides: { 'socket.request.max.bytes': String(MAX_REQUEST_BYTES), 'connections.max.idle.ms': String(IDLE_TIMEOUT_MS) } });
    const client = await GoodClient.open(broker.port);
    topicId = await client.ensureTopic(TOPIC);
    client.close();
  });

  after(async () => {
    try {
      assert.ok(broker.isRunning, `the broker died:\n${broker.output.slice(-4000)}`);
      assert.ok(broker.peakResidentBytes < RSS_BOUND_BYTES, `broker RSS peaked at ${broker.peakResidentBytes} bytes`);
      assert.equal(await broker.stop(), 0, 'SIGTERM exits 0 after the bad input');
    } finally {
      await broker.kill();
      broker.removeDataDir();
    }
  });

  test('Metadata v10 and v11 naming a topic by id get INVALID_REQUEST per topic, not a closed connection (regression)', async () => {
    for (const version of [10, 11]) {
      for (const id of [topicId, 'AAAAAAAAAAAAAAB0AAIAAA']) {
        const event = await sendOnce(broker.port, encodeRequest(metadataRequest, version, 41, 'fault', { topics: [{ topicId: id, name: null }], allowAutoTopicCreation: false }));
        assert.equal(event.kind, 'frame', `v${version} id ${id}`);
        const { correlationId, body } = decodeResponse(metadataResponse, version, (event as { frame: Buffer }).frame);
        assert.equal(correlationId, 41);
        assert.deepEqual(body.topics.map((topic) => [topic.errorCode, topic.name, topic.topicId]), [[ErrorCode.INVALID_REQUEST, '', id]]);
      }
      const named = await sendOnce(broker.port, encodeRequest(metadataRequest, version, 42, 'fault', { topics: [{ topicId: topicId, name: TOPIC }], allowAutoTopicCreation: false }));
      assert.equal(named.kind, 'frame');
      assert.equal(decodeResponse(metadataResponse, version, (named as { frame: Buffer }).frame).body.topics[0]?.errorCode, ErrorCode.INVALID_REQUEST, 'a non-zero id before v12 is refused too');
    }
  });

  test('a size prefix above socket.request.max.bytes closes the connection before the body is sent', async () => {
    for (const size of [MAX_REQUEST_BYTES + 1, 0x7fff_ffff]) {
      const prefix = Buffer.alloc(12);
      prefix.writeInt32BE(size, 0);
      const started = Date.now();
      assert.equal((await sendOnce(broker.port, prefix)).kind, 'closed', `size ${size}`);
      assert.ok(Date.now() - started < PROMPT_MS);
    }
  });

  test('a negative or too-short size prefix closes the connection at once', async () => {
    for (const size of [-1, -0x8000_0000, -4]) {
      const prefix = Buffer.alloc(4);
      prefix.writeInt32BE(size, 0);
      assert.equal((await sendOnce(broker.port, prefix)).kind, 'closed', `size ${size}`);
    }
    for (const size of [0, 1, 3]) {
      const bytes = Buffer.alloc(4 + size);
      bytes.writeInt32BE(size, 0);
      assert.equal((await sendOnce(broker.port, bytes)).kind, 'closed', `size ${size}`);
    }
  });

  test('a frame whose size promises more than is sent is closed after connections.max.idle.ms, and other clients are served meanwhile', async () => {
    const quiet = await WireConnection.open(broker.port);
    try {
      const request = encodeRequest(apiVersionsRequest, 3, 1, 'fault', { clientSoftwareName: 'a', clientSoftwareVersion: '1' });
      request.writeInt32BE(request.length + 1000, 0);
      const started = Date.now();
      quiet.write(request);
      const other = await GoodClient.open(broker.port);
      try {
        await other.ensureTopic(TOPIC);
        assert.ok(Date.now() - started < IDLE_TIMEOUT_MS - 500, 'another client is answered long before the quiet one is closed');
      } finally {
        other.close();
      }
      const event = await quiet.next(IDLE_TIMEOUT_MS + 5_000);
      const elapsedMs = Date.now() - started;
      assert.equal(event.kind, 'closed');
      assert.ok(elapsedMs >= IDLE_TIMEOUT_MS - 500 && elapsedMs < IDLE_TIMEOUT_MS + 5_000, `closed after ${elapsedMs} ms`);
    } finally {
      quiet.destroy();
    }
  });

  test('unknown API keys and versions outside the advertised ranges close the connection', async () => {
    for (const apiKey of [-1, 1000, 0x7fff, 99]) assert.equal((await sendOnce(broker.port, frameOf(headerV1(apiKey, 0, 7)))).kind, 'closed', `API key ${apiKey}`);
    const produceV14 = encodeRequest(produceRequest, 13, 7, 'fault', { acks: 1, timeoutMs: 1000, topicData: [] });
    produceV14.writeInt16BE(14, 6);
    assert.equal((await sendOnce(broker.port, produceV14)).kind, 'closed', 'Produce v14');
    const listOffsetsV0 = encodeRequest(listOffsetsRequest, 1, 7, 'fault', { replicaId: -1, topics: [] });
    listOffsetsV0.writeInt16BE(0, 6);
    assert.equal((await sendOnce(broker.port, listOffsetsV0)).kind, 'closed', 'ListOffsets v0 (not advertised)');
  });

  test('ApiVersions of a version the broker does not know is answered in v0 with UNSUPPORTED_VERSION and the supported ranges', async () => {
    for (const version of [5, 0x7fff, -1]) {
      const event = await sendOnce(broker.port, frameOf(Buffer.concat([headerV1(18, version, 77), Buffer.from([0, 0, 0])])));
      assert.equal(event.kind, 'frame', `ApiVersions v${version}`);
      const { correlationId, body } = decodeResponse(apiVersionsResponse, 0, (event as { frame: Buffer }).frame);
      assert.equal(correlationId, 77);
      assert.equal(body.errorCode, ErrorCode.UNSUPPORTED_VERSION);
      assert.ok(body.apiKeys.some((key) => key.apiKey === 18 && key.minVersion === 0), 'the reply lists ApiVersions itself');
    }
  });

  test('lying array counts, string lengths and compact lengths close the connection without allocating', async () => {
    const before = broker.peakResidentBytes;
    // Metadata v1: topics array count 2^31-1 with nothing after it.
    const hugeArray = frameOf(Buffer.concat([headerV1(3, 1, 1), Buffer.from([0x7f, 0xff, 0xff, 0xff])]));
    // Metadata v1: one topic whose name claims 32767 bytes.
    const hugeString = frameOf(Buffer.concat([headerV1(3, 1, 2), Buffer.from([0, 0, 0, 1, 0x7f, 0xff, 0x41])]));
    // A client id claiming 32767 bytes.
    const hugeClientId = headerV1(18, 0, 3);
    hugeClientId.writeInt16BE(0x7fff, 8);
    // Metadata v12 (flexible): compact topics array of 2^32-2 elements, then a varint that never ends.
    const flexible = encodeRequest(metadataRequest, 12, 4, 'fault', { topics: [], allowAutoTopicCreation: false });
    // The body ends with topics (1 byte: empty), allowAutoTopicCreation, includeTopicAuthorizedOperations, tags.
    const topicsAt = flexible.length - 4;
    const hugeCompact = frameOf(Buffer.concat([flexible.subarray(4, topicsAt), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), flexible.subarray(topicsAt + 1)]));
    const endlessVarint = frameOf(Buffer.concat([flexible.subarray(4, topicsAt), Buffer.alloc(20, 0xff)]));
    for (const [name, bytes] of Object.entries({ hugeArray, hugeString, hugeClientId: frameOf(hugeClientId), hugeCompact, endlessVarint })) {
      assert.equal((await sendOnce(broker.port, bytes)).kind, 'closed', name);
    }
    assert.ok(broker.peakResidentBytes - before < 64 * 1024 * 1024, `RSS grew by ${broker.peakResidentBytes - before} bytes`);
  });

  test('Produce with broken record batches is refused per partition with Kafka error codes, and nothing is appended', async () => {
    const cases: [string, Buffer | null, number][] = [];
    const corruptCrc = batchOf('a', 'b');
    corruptCrc[RecordBatchField.crc] = corruptCrc[RecordBatchField.crc]! ^ 0x01;
    cases.push(['corrupt CRC', corruptCrc, ErrorCode.CORRUPT_MESSAGE]);
    const flipped = batchOf('a', 'b');
    flipped[70] = flipped[70]! ^ 0x10;
    cases.push(['a record byte flipped under the CRC', flipped, ErrorCode.CORRUPT_MESSAGE]);
    cases.push(['batch cut inside its records', batchOf('a', 'b').subarray(0, 70), ErrorCode.CORRUPT_MESSAGE]);
    cases.push(['batch cut inside its header', batchOf('a').subarray(0, 30), ErrorCode.CORRUPT_MESSAGE]);
    for (const length of [0x7fff_ffff, 10_000, -1, 0]) {
      const lying = batchOf('a', 'b');
      lying.writeInt32BE(length, RecordBatchField.batchLength);
      cases.push([`batchLength ${length}`, lying, ErrorCode.CORRUPT_MESSAGE]);
    }
    for (const magic of [0, 1, 3, -1]) {
      const wrongMagic = batchOf('a');
      wrongMagic.writeInt8(magic, RecordBatchField.magic);
      cases.push([`magic ${magic}`, wrongMagic, ErrorCode.INVALID_RECORD]);
    }
    for (const count of [0x7fff_ffff, -1, 0]) {
      const hugeCount = batchOf('a', 'b');
      hugeCount.writeInt32BE(count, RecordBatchField.recordsCount);
      cases.push([`recordsCount ${count}`, withCrc(hugeCount), ErrorCode.INVALID_RECORD]);
    }
    const unknownCodec = batchOf('a');
    unknownCodec.writeInt16BE(7, RecordBatchField.attributes);
    cases.push(['compression codec 7', withCrc(unknownCodec), ErrorCode.INVALID_RECORD]);
    cases.push(['empty records', Buffer.alloc(0), ErrorCode.INVALID_RECORD]);
    cases.push(['null records', null, ErrorCode.INVALID_RECORD]);
    cases.push(['a good batch then a cut one', Buffer.concat([batchOf('a'), batchOf('b').subarray(0, 40)]), ErrorCode.CORRUPT_MESSAGE]);

    for (const [name, records, expected] of cases) {
      const event = await sendOnce(broker.port, encodeRequest(produceRequest, 9, 5, 'fault', { acks: 1, timeoutMs: 1_000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }] }));
      assert.equal(event.kind, 'frame', name);
      const reply = decodeResponse(produceResponse, 9, (event as { frame: Buffer }).frame).body.responses[0]?.partitionResponses[0];
      assert.equal(reply?.errorCode, expected, `${name}: ${reply?.errorMessage}`);
      assert.equal(reply?.baseOffset, -1n, name);
    }
    const reader = await GoodClient.open(broker.port);
    try {
      const stored = await reader.produce(TOPIC, 0, batchOf('after the bad batches'));
      assert.equal(stored, 0n, 'no broken batch reached the log: the first good batch gets offset 0');
    } finally {
      reader.close();
    }
  });

  test('with acks=0, a broken batch closes the connection (Kafka\'s way to make the client refresh) and the next connection works', async () => {
    const broken = batchOf('x');
    broken[RecordBatchField.crc] = broken[RecordBatchField.crc]! ^ 0xff;
    assert.equal((await sendOnce(broker.port, encodeRequest(produceRequest, 9, 6, 'fault', { acks: 0, timeoutMs: 1_000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: broken }] }] }))).kind, 'closed');
    const client = await GoodClient.open(broker.port);
    try {
      await client.ensureTopic(TOPIC);
    } finally {
      client.close();
    }
  });

  test(`a request with more than ${MAX_ARRAY_ELEMENTS_PER_REQUEST} array elements closes its connection; one just under is answered`, async () => {
    const produceWith = (partitions: number): Buffer =>
      encodeRequest(produceRequest, 7, 9, 'fault', { acks: 1, timeoutMs: 1_000, topicData: [{ name: 'no-such-topic', partitionData: Array.from({ length: partitions }, (_, index) => ({ index, records: null })) }] });
    // The topicData array takes one element of the budget.
    const under = await sendOnce(broker.port, produceWith(MAX_ARRAY_ELEMENTS_PER_REQUEST - 1), 20_000);
    assert.equal(under.kind, 'frame');
    const replies = decodeResponse(produceResponse, 7, (under as { frame: Buffer }).frame).body.responses[0]?.partitionResponses ?? [];
    assert.equal(replies.length, MAX_ARRAY_ELEMENTS_PER_REQUEST - 1);
    assert.ok(replies.every((reply) => reply.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
    assert.equal((await sendOnce(broker.port, produceWith(MAX_ARRAY_ELEMENTS_PER_REQUEST), 20_000)).kind, 'closed');
  });

  test('a client that pipelines thousands of fetches and never reads is paused, not buffered without bound', async (t) => {
    const writer = await GoodClient.open(broker.port);
    try {
      for (let i = 0; i < 16; i++) await writer.produce(TOPIC, 0, recordBatch([{ timestamp: Date.now(), value: Buffer.alloc(4096, i) }]));
    } finally {
      writer.close();
    }
    const before = broker.peakResidentBytes;
    const flood = connect({ host: '127.0.0.1', port: broker.port });
    flood.on('error', () => {});
    await once(flood, 'connect');
    flood.pause(); // never reads a response
    try {
      const one = encodeRequest(fetchRequest, 12, 1, 'fault', {
        replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1_048_576, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
        topics: [{ topic: TOPIC, partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1_048_576 }] }], forgottenTopicsData: [], rackId: '',
      });
      // 20 000 fetches of the ~66 KB written above: over 1.3 GB of answers if the broker kept
      // reading while nobody reads them.
      const burst = Buffer.concat(Array.from({ length: 1_000 }, () => one));
      for (let i = 0; i < 20; i++) flood.write(burst);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const other = await GoodClient.open(broker.port);
      try {
        const started = Date.now();
        await other.ensureTopic(TOPIC);
        assert.ok(Date.now() - started < 3_000, 'another client is served while one floods');
      } finally {
        other.close();
      }
    } finally {
      flood.destroy();
    }
    t.diagnostic(`broker RSS grew by ${((broker.peakResidentBytes - before) / 1048576).toFixed(1)} MiB under the flood`);
    assert.ok(broker.peakResidentBytes - before < 200 * 1024 * 1024, `RSS grew by ${broker.peakResidentBytes - before} bytes`);
    assert.ok(broker.isRunning);
  });
});

test('records acknowledged while garbage arrives survive a kill -9 and a restart', { timeout: 120_000 }, async () => {
  let broker = await BrokerProcess.start();
  const dataDir = broker.dataDir;
  try {
    const client = await GoodClient.open(broker.port);
    await client.ensureTopic(TOPIC);
    const acked: AckedBatch[] = [];
    const attacks: Promise<WireEvent>[] = [];
    let offset = 0n;
    for (let i = 0; i < 200; i++) {
      if (i % 10 === 0) {
        const garbage = batchOf('garbage');
        garbage[RecordBatchField.crc] = garbage[RecordBatchField.crc]! ^ 0x80;
        attacks.push(sendOnce(broker.port, encodeRequest(produceRequest, 9, 1, 'fault', { acks: 1, timeoutMs: 1_000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: garbage }] }] })));
        attacks.push(sendOnce(broker.port, frameOf(Buffer.from('not a kafka request at all'))));
      }
      const batch = batchOf(`record ${i}`, `and ${i}`);
      const baseOffset = await client.produce(TOPIC, 0, batch);
      assert.equal(baseOffset, offset);
      acked.push({ baseOffset, batch, recordCount: 2 });
      offset += 2n;
    }
    client.close();
    const answers = await Promise.all(attacks);
    assert.ok(answers.every((event) => event.kind === 'closed' || event.kind === 'frame'), 'every attack was answered or closed');
    await broker.kill();
    broker = await BrokerProcess.start({ dataDir });
    const reader = await GoodClient.open(broker.port);
    try {
      const batches = await reader.readAll(TOPIC, 0, 0n, offset);
      assert.equal(batches.length, acked.length);
      acked.forEach((batch, i) => assert.equal(sameBatch(batches[i]!, batch), null, `batch ${i}`));
    } finally {
      reader.close();
    }
    assert.equal(await broker.stop(), 0);
  } finally {
    await broker.kill();
    broker.removeDataDir();
  }
});

describe('a broker with the default socket.request.max.bytes (100 MiB)', () => {
  let broker: BrokerProcess;

  before(async () => {
    broker = await BrokerProcess.start();
  });

  after(async () => {
    try {
      assert.ok(broker.peakResidentBytes < RSS_BOUND_BYTES, `broker RSS peaked at ${broker.peakResidentBytes} bytes`);
      assert.equal(await broker.stop(), 0);
    } finally {
      await broker.kill();
      broker.removeDataDir();
    }
  });

  test('a garbage frame of exactly socket.request.max.bytes is read, refused, and its memory bounded', { timeout: 60_000 }, async (t) => {
    const size = 100 * 1024 * 1024;
    const frame = Buffer.alloc(4 + size, 0x41);
    frame.writeInt32BE(size, 0);
    assert.equal((await sendOnce(broker.port, frame, 30_000)).kind, 'closed');
    t.diagnostic(`broker RSS peaked at ${(broker.peakResidentBytes / 1048576).toFixed(1)} MiB`);
    assert.ok(broker.peakResidentBytes < RSS_BOUND_BYTES, `broker RSS peaked at ${broker.peakResidentBytes} bytes`);
  });

  test('a 96 MB Produce of 12 million empty partitions is refused in seconds with memory bounded (regression)', { timeout: 120_000 }, async (t) => {
    const partitions = 12_000_000;
    const topicHeader = encodeRequest(produceRequest, 7, 3, 'fault', { acks: 1, timeoutMs: 1_000, topicData: [{ name: 'huge', partitionData: [] }] });
    // Build the frame directly: the partition count, then 12 million (index, null records) pairs.
    const body = Buffer.alloc(partitions * 8, 0xff);
    for (let i = 0; i < partitions; i++) body.writeInt32BE(i, i * 8);
    const head = Buffer.from(topicHeader.subarray(0, topicHeader.length - 4));
    const count = Buffer.alloc(4);
    count.writeInt32BE(partitions, 0);
    const frame = Buffer.concat([head, count, body]);
    frame.writeInt32BE(frame.length - 4, 0);
    const started = Date.now();
    const event = await sendOnce(broker.port, frame, 60_000);
    assert.equal(event.kind, 'closed');
    assert.ok(Date.now() - started < 30_000, `closed after ${Date.now() - started} ms`);
    const client = await GoodClient.open(broker.port);
    try {
      await client.ensureTopic('after-huge');
    } finally {
      client.close();
    }
    t.diagnostic(`broker RSS peaked at ${(broker.peakResidentBytes / 1048576).toFixed(1)} MiB`);
    assert.ok(broker.peakResidentBytes < RSS_BOUND_BYTES, `broker RSS peaked at ${broker.peakResidentBytes} bytes`);
  });
});
