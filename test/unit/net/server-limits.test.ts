/** Size limits, bad input, failing handlers, connection limits, idle timeout and backpressure. */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';

import { FJORD_NETWORK_DEFAULTS, KAFKA_NETWORK_DEFAULTS, Server } from '../../../src/net/index.ts';
import type { ConnectionInfo, FrameHandler, ServerOptions } from '../../../src/net/index.ts';
import { TestClient, delay, echoHandler, frame, startServer, waitFor } from './helpers.ts';
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

async function client(port: number, localAddress?: string): Promise<TestClient> {
  const opened = await TestClient.open(port, localAddress);
  cleanups.push(() => opened.destroy());
  return opened;
}

function sizePrefix(size: number): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(size, 0);
  return prefix;
}

describe('net server request size limit (socket.request.max.bytes)', () => {
  it('answers a frame of exactly maxRequestBytes and closes the connection on one byte more', async () => {
    const { port, logs } = await serve(echoHandler, { maxRequestBytes: 1024 });
    const fits = await client(port);
    fits.write(frame(Buffer.alloc(1024, 1)));
    const [response] = await fits.waitForFrames(1);
    assert.equal(response!.length, 1024);

    const tooBig = await client(port);
    tooBig.write(sizePrefix(1025)); // the body never needs to come
    await tooBig.waitForClose();
    assert.ok(logs.some((line) => line.level === 'warn' && line.message.includes('invalid request size 1025')));
    fits.write(frame('still served'));
    assert.equal((await fits.waitForFrames(2))[1]!.toString(), 'still served');
  });

  it('closes the connection on a negative size', async () => {
    const { port } = await serve(echoHandler);
    const connection = await client(port);
    connection.write(Buffer.concat([sizePrefix(-1), Buffer.from('junk')]));
    await connection.waitForClose();
  });

  it('refuses a 2 GiB claimed size without allocating, and does not preallocate a large allowed one', async () => {
    const { port, server } = await serve(echoHandler); // 100 MiB default bound
    const before = process.memoryUsage().arrayBuffers;
    const huge = await client(port);
    huge.write(sizePrefix(0x7fffffff));
    await huge.waitForClose();
    // A 100 MiB frame is allowed, but only what arrives is held.
    const partial = await client(port);
    partial.write(Buffer.concat([sizePrefix(104_857_600), Buffer.alloc(100)]));
    await delay(50);
    const grownBytes = process.memoryUsage().arrayBuffers - before;
    assert.ok(grownBytes < 8 * 1024 * 1024, `array buffers grew by ${grownBytes} bytes`);
    partial.destroy(); // disconnect mid-frame: nothing of it stays
    await waitFor('both connections gone', () => server.connectionCount === 0);
  });

  it('survives garbage and clients that leave mid-frame, and keeps serving others', async () => {
    const closed: number[] = [];
    const { port, server } = await serve({ handle: echoHandler.handle, connectionClosed: (info) => closed.push(info.id) });
    const good = await client(port);
    for (let i = 0; i < 20; i++) {
      const noisy = await client(port);
      const garbage = Buffer.alloc(64 + i * 37);
      for (let j = 0; j < garbage.length; j++) garbage[j] = (j * 131 + i * 17) & 0xff;
      noisy.write(garbage);
      noisy.write(Buffer.concat([frame('request'), sizePrefix(1000), Buffer.alloc(10)]));
      await delay(1);
      noisy.destroy();
    }
    await waitFor('only the good connection left', () => server.connectionCount === 1);
    assert.equal(closed.length, 20, 'connectionClosed called once per closed connection');
    good.write(frame('fine'));
    assert.equal((await good.waitForFrames(1))[0]!.toString(), 'fine');
  });
});

describe('net server options', () => {
  it('rejects out-of-range settings by name', () => {
    const valid: ServerOptions = { host: '127.0.0.1', port: 0, ...KAFKA_NETWORK_DEFAULTS, ...FJORD_NETWORK_DEFAULTS };
    const cases: Array<[Partial<ServerOptions>, RegExp]> = [
      [{ maxRequestBytes: 0 }, /socket\.request\.max\.bytes/],
      [{ maxRequestBytes: 2 ** 31 }, /socket\.request\.max\.bytes/],
      [{ maxConnections: 0 }, /max\.connections/],
      [{ maxConnectionsPerIp: -1 }, /max\.connections\.per\.ip/],
      [{ idleTimeoutMs: 1.5 }, /connections\.max\.idle\.ms/],
      [{ maxInFlightRequestsPerConnection: 0 }, /maxInFlightRequestsPerConnection/],
      [{ maxQueuedResponseBytesPerConnection: Number.NaN }, /maxQueuedResponseBytesPerConnection/],
      [{ port: 70_000 }, /port/],
    ];
    for (const [override, message] of cases) {
      assert.throws(() => new Server({ ...valid, ...override }, echoHandler), message, JSON.stringify(override));
    }
  });
});

describe('net server failing handlers', () => {
  it('closes only the connection whose handler throws or rejects', async () => {
    const { port, logs } = await serve({
      handle: (body) => {
        const text = body.toString();
        if (text === 'throw') throw new Error('handler bug');
        if (text === 'reject') return Promise.reject(new Error('async handler bug'));
        if (text === 'bad value') return 42 as unknown as null;
        return [frame(text)];
      },
    });
    const bystander = await client(port);
    for (const poison of ['throw', 'reject', 'bad value']) {
      const victim = await client(port);
      victim.write(Buffer.concat([frame('before'), frame(poison), frame('after')]));
      await victim.waitForClose();
      bystander.write(frame(`alive after ${poison}`));
    }
    const frames = await bystander.waitForFrames(3);
    assert.deepEqual(
      frames.map((f) => f.toString()),
      ['alive after throw', 'alive after reject', 'alive after bad value'],
    );
    assert.equal(logs.filter((line) => line.level === 'error' && line.message.includes('request handler failed')).length, 3);
  });

  it('forgets a client that resets while large responses are being written', async () => {
    const { port, server } = await serve({
      handle: () => {
        const response = Buffer.alloc(4 + 4 * 1024 * 1024);
        response.writeInt32BE(4 * 1024 * 1024, 0);
        return [response];
      },
    });
    const bystander = await client(port);
    const leaver = await client(port);
    leaver.socket.pause();
    for (let i = 0; i < 8; i++) leaver.write(frame('big'));
    await delay(50);
    leaver.destroy();
    await waitFor('the leaver gone', () => server.connectionCount === 1);
    bystander.write(frame('x'));
    await bystander.waitForFrames(1);
  });

  it('does not leak an unhandled rejection when a handler rejects after its connection closed', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    cleanups.push(() => process.off('unhandledRejection', onUnhandled));
    let rejectLater: ((error: Error) => void) | undefined;
    const { port, server } = await serve({
      handle: () =>
        new Promise((_, reject) => {
          rejectLater = reject;
        }),
    });
    const connection = await client(port);
    connection.write(frame('never answered'));
    await waitFor('the request to reach the handler', () => rejectLater !== undefined);
    connection.destroy();
    await waitFor('the connection to close', () => server.connectionCount === 0);
    rejectLater!(new Error('too late'));
    await delay(20);
    assert.deepEqual(unhandled, []);
  });
});

describe('net server connection limits', () => {
  it('refuses connections past max.connections and accepts again once one closes', async () => {
    const { port, server, logs } = await serve(echoHandler, { maxConnections: 2 });
    const first = await client(port);
    const second = await client(port);
    await waitFor('two connections', () => server.connectionCount === 2);
    const third = await client(port);
    await third.waitForClose();
    assert.ok(logs.some((line) => line.message.includes('max.connections is 2')));
    first.destroy();
    await waitFor('one connection', () => server.connectionCount === 1);
    const fourth = await client(port);
    fourth.write(frame('welcome'));
    assert.equal((await fourth.waitForFrames(1))[0]!.toString(), 'welcome');
    assert.equal(second.closed, false);
  });

  it('refuses connections past max.connections.per.ip from one address only', async () => {
    const { port, server } = await serve(echoHandler, { maxConnectionsPerIp: 1 });
    const first = await client(port, '127.0.0.1');
    await waitFor('one connection', () => server.connectionCount === 1);
    const sameAddress = await client(port, '127.0.0.1');
    await sameAddress.waitForClose();
    const otherAddress = await client(port, '127.0.0.2');
    otherAddress.write(frame('other address'));
    assert.equal((await otherAddress.waitForFrames(1))[0]!.toString(), 'other address');
    first.write(frame('first'));
    assert.equal((await first.waitForFrames(1))[0]!.toString(), 'first');
  });
});

describe('net server idle timeout (connections.max.idle.ms)', () => {
  it('closes a silent connection, but not one whose request is still being handled', async () => {
    const infos: ConnectionInfo[] = [];
    const { port, server } = await serve(
      {
        handle: async (body) => {
          await delay(Number(body.toString()));
          return [frame('done')];
        },
        connectionClosed: (info) => infos.push(info),
      },
      { idleTimeoutMs: 100 },
    );
    const silent = await client(port);
    const busy = await client(port);
    const startedMs = Date.now();
    busy.write(frame('350')); // handled for 3.5 idle periods
    await silent.waitForClose(2000);
    const silentClosedMs = Date.now() - startedMs;
    assert.ok(silentClosedMs >= 90, `closed after ${silentClosedMs} ms`);
    assert.equal(busy.closed, false, 'the busy connection is still open');
    await busy.waitForFrames(1, 2000);
    assert.ok(Date.now() - startedMs >= 340);
    await busy.waitForClose(2000); // idle once answered
    await waitFor('no connections', () => server.connectionCount === 0);
    assert.equal(infos.length, 2);
  });
});

describe('net server backpressure', () => {
  it('stops reading at maxInFlightRequestsPerConnection and resumes when requests finish', async () => {
    const waiting: Array<() => void> = [];
    let calls = 0;
    const { port } = await serve(
      {
        handle: (body) => {
          calls++;
          return new Promise((resolve) => waiting.push(() => resolve([frame(body.subarray(0, 8))])));
        },
      },
      { maxInFlightRequestsPerConnection: 2, maxRequestBytes: 2 * 1024 * 1024 },
    );
    const connection = await client(port);
    const requestCount = 24; // 24 MiB: more than the kernel's socket buffers hold
    for (let i = 0; i < requestCount; i++) {
      const body = Buffer.alloc(1024 * 1024);
      body.writeInt32BE(i, 0);
      connection.write(frame(body));
    }
    await waitFor('two requests in the handler', () => calls === 2);
    await delay(200);
    assert.equal(calls, 2, 'no third request is handed over while two are in flight');
    assert.ok(connection.socket.writableLength > 0, 'the server stopped reading, so the client cannot send everything');
    let answered = 0;
    while (answered < requestCount) {
      await waitFor(`request ${answered} in the handler`, () => waiting.length > 0, 5000);
      waiting.shift()!();
      answered++;
      assert.ok(calls - answered <= 2, `${calls - answered} requests in flight`);
    }
    const frames = await connection.waitForFrames(requestCount, 5000);
    assert.deepEqual(
      frames.map((f) => f.readInt32BE(0)),
      Array.from({ length: requestCount }, (_, i) => i),
    );
  });

  it('stops reading while queued response bytes are over the bound, until the client reads', async () => {
    let calls = 0;
    const responseBytes = 1024 * 1024;
    const { port } = await serve(
      {
        handle: (body) => {
          calls++;
          const response = Buffer.alloc(4 + responseBytes, body[0]!);
          response.writeInt32BE(responseBytes, 0);
          return [response];
        },
      },
      { maxQueuedResponseBytesPerConnection: 256 * 1024 },
    );
    const connection = await client(port);
    connection.socket.pause(); // a client that does not read
    const requestCount = 32; // 32 MiB of responses: far beyond what socket buffers hold
    for (let i = 0; i < requestCount; i++) connection.write(frame(Buffer.from([i])));
    await delay(300);
    const callsWhileBlocked = calls;
    assert.ok(callsWhileBlocked < 20, `handled ${callsWhileBlocked} requests while the client read nothing`);
    connection.socket.resume();
    const frames = await connection.waitForFrames(requestCount, 10_000);
    assert.deepEqual(
      frames.map((f) => f[0]),
      Array.from({ length: requestCount }, (_, i) => i),
    );
  });
});
