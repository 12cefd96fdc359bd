/**
 * Large frames arriving in many pieces: the frame assembler gathers a frame past
 * GATHER_IN_PLACE_BYTES straight into its own buffer instead of holding it twice (the fault test
 * measured a 100 MiB garbage frame at ~290 MiB of broker RSS before, ~240 after). Checked sans-IO
 * against random splits of random streams, and end to end against a real broker.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { FrameAssembler, GATHER_IN_PLACE_BYTES, INCOMPLETE } from '../../src/net/frame-assembler.ts';
import { apiVersionsRequest, apiVersionsResponse, decodeResponse, encodeRequest, ErrorCode, produceRequest, produceResponse } from '../../src/protocol/index.ts';
import { recordBatch } from '../helpers/record-batches.ts';
import { BrokerProcess } from './helpers/broker-process.ts';
import { GoodClient, sameBatch } from './helpers/good-client.ts';
import { SeededRandom, seedFromEnvironment } from './helpers/seeded-random.ts';
import { WireConnection } from './helpers/wire-connection.ts';

function framed(body: Buffer): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(body.length, 0);
  return Buffer.concat([prefix, body]);
}

test('the frame assembler returns the same frames for any split of a stream mixing small frames and frames past the gather-in-place size', () => {
  const seed = seedFromEnvironment();
  const random = new SeededRandom(seed);
  for (let round = 0; round < 12; round++) {
    const bodies: Buffer[] = [];
    for (let i = random.between(1, 6); i > 0; i--) {
      const size = random.pick([0, 1, 100, 70_000, GATHER_IN_PLACE_BYTES - 1, GATHER_IN_PLACE_BYTES, GATHER_IN_PLACE_BYTES + 1, random.between(1, 3 * GATHER_IN_PLACE_BYTES)]);
      // A 251-byte random pattern (prime length): a piece copied to the wrong place shows.
      bodies.push(size === 0 ? Buffer.alloc(0) : Buffer.alloc(size, random.bytes(251)));
    }
    const stream = Buffer.concat(bodies.map(framed));
    const assembler = new FrameAssembler(4 * GATHER_IN_PLACE_BYTES);
    const frames: Buffer[] = [];
    for (let at = 0; at < stream.length; ) {
      const piece = random.pick([1, 3, 4096, 65_536, 200_000, random.between(1, 1_500_000)]);
      assembler.push(stream.subarray(at, at + piece));
      at += piece;
      for (;;) {
        const next = assembler.next();
        if (next === INCOMPLETE) break;
        assert.ok(Buffer.isBuffer(next), `round ${round}: rejected size (seed ${seed})`);
        frames.push(Buffer.from(next));
      }
    }
    assert.equal(frames.length, bodies.length, `round ${round} (seed ${seed})`);
    frames.forEach((frame, i) => assert.ok(frame.equals(bodies[i]!), `round ${round}, frame ${i} of ${bodies[i]!.length} bytes differs (seed ${seed})`));
    assert.equal(assembler.bufferedBytes, 0);
  }
});

test('a 3 MB Produce written a few KiB at a time, with a request pipelined behind it, is answered in order and stored exact', { timeout: 60_000 }, async () => {
  const broker = await BrokerProcess.start();
  try {
    const setup = await GoodClient.open(broker.port);
    await setup.ensureTopic('large');
    setup.close();
    const batches = [0, 1, 2].map((i) => recordBatch([{ timestamp: 1_700_000_000_000 + i, value: Buffer.alloc(900_000, 0x30 + i) }]));
    const produce = encodeRequest(produceRequest, 9, 1, 'fault', { acks: 1, timeoutMs: 5_000, topicData: [{ name: 'large', partitionData: [{ index: 0, records: Buffer.concat(batches) }] }] });
    const probe = encodeRequest(apiVersionsRequest, 3, 2, 'fault', { clientSoftwareName: 'fault', clientSoftwareVersion: '1' });
    const bytes = Buffer.concat([produce, probe]);
    const connection = await WireConnection.open(broker.port);
    try {
      for (let at = 0; at < bytes.length; at += 7_000) {
        connection.write(bytes.subarray(at, at + 7_000));
        if (at % 70_000 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      const first = await connection.next(20_000);
      assert.equal(first.kind, 'frame');
      const produced = decodeResponse(produceResponse, 9, (first as { frame: Buffer }).frame);
      assert.equal(produced.correlationId, 1);
      assert.equal(produced.body.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.NONE);
      const second = await connection.next(20_000);
      assert.equal(second.kind, 'frame');
      const answered = decodeResponse(apiVersionsResponse, 3, (second as { frame: Buffer }).frame);
      assert.equal(answered.correlationId, 2);
      assert.equal(answered.body.errorCode, ErrorCode.NONE);
    } finally {
      connection.destroy();
    }
    const reader = await GoodClient.open(broker.port);
    try {
      const read = await reader.readAll('large', 0, 0n, 3n);
      assert.equal(read.length, 3);
      read.forEach((batch, i) => assert.equal(sameBatch(batch, { baseOffset: BigInt(i), batch: batches[i]!, recordCount: 1 }), null, `batch ${i}`));
    } finally {
      reader.close();
    }
    assert.equal(await broker.stop(), 0);
  } finally {
    await broker.kill();
    broker.removeDataDir();
  }
});
