/**
 * File regions in responses, with a real native ReadPlan: sendfile(2) when the socket's queue is
 * empty, copy otherwise and for the rest of a send the socket could not take (EAGAIN). The client
 * must receive exactly the header, the log's bytes and the trailer, in order, either way.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';

import { PartitionLog } from '../../../src/native/index.ts';
import { fileRegionOf } from '../../../src/net/index.ts';
import type { FileRegion, FrameHandler, ResponseParts } from '../../../src/net/index.ts';
import { simpleBatch } from '../../helpers/record-batches.ts';
import { TestClient, delay, startServer, waitFor } from './helpers.ts';

/** Delegates to a real region and records how the server used it. */
class RecordingRegion implements FileRegion {
  readonly byteLength: number;
  readonly inner: FileRegion;
  sendToCalls = 0;
  wouldBlocks = 0;
  bytesSentByFile = 0;
  readonly copies: Array<{ from: number; length: number }> = [];

  constructor(inner: FileRegion) {
    this.inner = inner;
    this.byteLength = inner.byteLength;
  }

  sendTo(fd: number, sent: number): { sent: number; wouldBlock: boolean; done: boolean } {
    this.sendToCalls++;
    const progress = this.inner.sendTo(fd, sent);
    this.bytesSentByFile += progress.sent - sent;
    if (progress.wouldBlock) this.wouldBlocks++;
    return progress;
  }

  copyRange(from: number, length: number): Buffer {
    this.copies.push({ from, length });
    return this.inner.copyRange(from, length);
  }
}

let directory = '';
let log: PartitionLog;

before(() => {
  directory = mkdtempSync(join(tmpdir(), 'fjord-net-zero-copy-'));
  log = PartitionLog.open(directory, { segmentBytes: 1024 * 1024 });
  const nowMs = Date.now();
  for (let i = 0; i < 2100; i++) log.append(simpleBatch(4, 1000, nowMs + i), 0, nowMs); // ~8.5 MB over 9 segments
});

after(() => {
  log.close();
  rmSync(directory, { recursive: true, force: true });
});

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const TRAILER = Buffer.from('trailer');

/** A fetch-like response: size prefix and header bytes, the log's bytes, a trailer. */
function fetchResponse(correlation: number, region: FileRegion): ResponseParts {
  const header = Buffer.alloc(8);
  header.writeInt32BE(4 + region.byteLength + TRAILER.length, 0);
  header.writeInt32BE(correlation, 4);
  return [header, region, TRAILER];
}

/** The response frame a client should receive (without its size prefix). */
function expectedFrame(correlation: number, region: FileRegion): Buffer {
  const header = Buffer.alloc(4);
  header.writeInt32BE(correlation, 0);
  return Buffer.concat([header, region.copyRange(0, region.byteLength), TRAILER]);
}

interface Served {
  regions: RecordingRegion[];
  expected: Buffer[];
  port: number;
}

/** Answers request i with log bytes from offset 0 up to `maxBytes[i]` (whole batches). */
async function serveLog(zeroCopy: boolean, maxBytes: number[]): Promise<Served> {
  const served: Served = { regions: [], expected: [], port: 0 };
  for (const [index, bytes] of maxBytes.entries()) {
    const plan = log.read(0, bytes, log.logEndOffset, true);
    served.regions.push(new RecordingRegion(fileRegionOf(plan)));
    served.expected.push(expectedFrame(index, fileRegionOf(plan)));
  }
  let next = 0;
  const handler: FrameHandler = {
    handle: () => {
      const index = next++;
      const region = served.regions[index]!;
      return fetchResponse(index, region);
    },
  };
  const { server, port } = await startServer(handler, { zeroCopy });
  cleanups.push(() => server.close(1000));
  served.port = port;
  return served;
}

function request(): Buffer {
  return Buffer.from([0, 0, 0, 1, 0]);
}

describe('net server file regions', () => {
  it('sends a region by sendfile when the socket queue is empty, byte-exact', async () => {
    const served = await serveLog(true, [200 * 1024]);
    const client = await TestClient.open(served.port);
    cleanups.push(() => client.destroy());
    client.write(request());
    const [frame] = await client.waitForFrames(1);
    assert.ok(frame!.equals(served.expected[0]!), 'received bytes equal header + log bytes + trailer');
    const region = served.regions[0]!;
    assert.ok(region.sendToCalls >= 1 && region.bytesSentByFile > 0, `sendfile sent ${region.bytesSentByFile} bytes`);
    // Whatever sendfile did not send (EAGAIN) was copied from where it stopped, not from 0.
    for (const copy of region.copies) assert.equal(copy.from + copy.length, region.byteLength);
    assert.equal(region.bytesSentByFile + region.copies.reduce((sum, copy) => sum + copy.length, 0), region.byteLength);
  });

  it('copies regions when zero copy is off, byte-exact', async () => {
    const served = await serveLog(false, [3 * 1024 * 1024, 10_000]);
    const client = await TestClient.open(served.port);
    cleanups.push(() => client.destroy());
    client.write(Buffer.concat([request(), request()]));
    const frames = await client.waitForFrames(2);
    frames.forEach((frame, i) => assert.ok(frame.equals(served.expected[i]!), `response ${i} is exact`));
    for (const region of served.regions) {
      assert.equal(region.sendToCalls, 0);
      assert.deepEqual(region.copies, [{ from: 0, length: region.byteLength }]);
    }
  });

  it('finishes by copy when a slow reader fills the socket (EAGAIN), and copies a region queued behind it', async () => {
    const served = await serveLog(true, [8 * 1024 * 1024, 2 * 1024 * 1024]);
    const client = await TestClient.open(served.port);
    cleanups.push(() => client.destroy());
    client.socket.pause(); // reads nothing until the server has tried to send everything
    client.write(Buffer.concat([request(), request()]));
    const [first, second] = served.regions;
    await waitFor('both responses handed to the socket', () => second!.copies.length > 0);
    await delay(20);
    assert.equal(client.receivedBytes, 0);
    assert.ok(first!.wouldBlocks >= 1, 'sendfile hit EAGAIN');
    assert.ok(first!.bytesSentByFile > 0 && first!.bytesSentByFile < first!.byteLength, `sendfile sent ${first!.bytesSentByFile} of ${first!.byteLength}`);
    assert.deepEqual(first!.copies, [{ from: first!.bytesSentByFile, length: first!.byteLength - first!.bytesSentByFile }]);
    assert.equal(second!.sendToCalls, 0, 'the second region found the socket queue busy');
    assert.deepEqual(second!.copies, [{ from: 0, length: second!.byteLength }]);
    client.socket.resume();
    const frames = await client.waitForFrames(2, 10_000);
    frames.forEach((frame, i) => assert.ok(frame.equals(served.expected[i]!), `response ${i} is exact (${frame.length} bytes)`));
  });
});
