/** Framing, request order and null responses over real TCP sockets. */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';

import type { FrameHandler, ResponseParts } from '../../../src/net/index.ts';
import { TestClient, delay, echoHandler, frame, startServer } from './helpers.ts';
import type { TestServer } from './helpers.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function serve(handler: FrameHandler, overrides: Parameters<typeof startServer>[1] = {}): Promise<TestServer> {
  const started = await startServer(handler, overrides);
  cleanups.push(() => started.server.close(1000));
  return started;
}

async function client(port: number): Promise<TestClient> {
  const opened = await TestClient.open(port);
  cleanups.push(() => opened.destroy());
  return opened;
}

describe('net server framing and order', () => {
  it('answers the same frames whatever byte boundary the stream is split at', async () => {
    const seen: string[] = [];
    const { port } = await serve({
      handle: (body) => {
        seen.push(body.toString());
        return [frame(Buffer.from(body))];
      },
    });
    const bodies = ['alpha', '', 'a longer third request body'];
    const stream = Buffer.concat(bodies.map((body) => frame(body)));
    const connection = await client(port);
    for (let cut = 0; cut <= stream.length; cut++) {
      const before = connection.frames.length;
      connection.write(stream.subarray(0, cut));
      await delay(2); // lets the first piece arrive as its own read
      connection.write(stream.subarray(cut));
      const frames = await connection.waitForFrames(before + bodies.length);
      assert.deepEqual(
        frames.slice(before).map((f) => f.toString()),
        bodies,
        `split at byte ${cut}`,
      );
    }
    assert.equal(seen.length, bodies.length * (stream.length + 1));
  });

  it('answers frames sent one byte per write', async () => {
    const { port } = await serve(echoHandler);
    const connection = await client(port);
    const stream = Buffer.concat([frame('one'), frame('two')]);
    for (let i = 0; i < stream.length; i++) {
      connection.write(stream.subarray(i, i + 1));
      await delay(1);
    }
    const frames = await connection.waitForFrames(2);
    assert.deepEqual(
      frames.map((f) => f.toString()),
      ['one', 'two'],
    );
  });

  it('writes responses in request order when pipelined requests complete out of order', async () => {
    const count = 20;
    let concurrent = 0;
    let maxConcurrent = 0;
    const { port } = await serve({
      handle: async (body) => {
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        const index = body.readInt32BE(0);
        await delay((count - index) * 3); // the first request finishes last
        concurrent--;
        return [frame(Buffer.from(body))];
      },
    });
    const connection = await client(port);
    const requests: Buffer[] = [];
    for (let i = 0; i < count; i++) {
      const body = Buffer.alloc(4);
      body.writeInt32BE(i, 0);
      requests.push(frame(body));
    }
    connection.write(Buffer.concat(requests)); // all pipelined in one write
    const frames = await connection.waitForFrames(count);
    assert.deepEqual(
      frames.map((f) => f.readInt32BE(0)),
      Array.from({ length: count }, (_, i) => i),
    );
    assert.ok(maxConcurrent > 1, `requests were handled concurrently (at most ${maxConcurrent} at once)`);
  });

  it('sends nothing for a null response (acks=0) and keeps the order of the others', async () => {
    const { port } = await serve({
      handle: async (body) => {
        const text = body.toString();
        if (text.startsWith('acks0')) {
          await delay(text.endsWith('slow') ? 30 : 0);
          return null;
        }
        if (text === 'sync-null') return null;
        await delay(text === 'a' ? 20 : 0);
        return [frame(text.toUpperCase())];
      },
    });
    const connection = await client(port);
    connection.write(Buffer.concat(['a', 'acks0-slow', 'sync-null', 'b', 'acks0', 'c'].map((text) => frame(text))));
    const frames = await connection.waitForFrames(3);
    await delay(50);
    assert.deepEqual(
      connection.frames.map((f) => f.toString()),
      ['A', 'B', 'C'],
    );
    assert.deepEqual(frames.length, 3);
  });

  it('writes a response given as several parts as one frame', async () => {
    const { port } = await serve({
      handle: (): ResponseParts => {
        const body = [Buffer.from('head-'), Buffer.alloc(0), Buffer.from('middle-'), Buffer.from('tail')];
        const prefix = Buffer.alloc(4);
        prefix.writeInt32BE(body.reduce((sum, part) => sum + part.length, 0), 0);
        return [prefix, ...body];
      },
    });
    const connection = await client(port);
    connection.write(frame('x'));
    const [response] = await connection.waitForFrames(1);
    assert.equal(response!.toString(), 'head-middle-tail');
  });
});
