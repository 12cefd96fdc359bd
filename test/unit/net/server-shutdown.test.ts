/** Graceful shutdown: stop accepting, answer what is in flight, then close, within a timeout. */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { afterEach, describe, it } from 'node:test';

import { TestClient, delay, echoHandler, frame, startServer, waitFor } from './helpers.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function client(port: number): Promise<TestClient> {
  const opened = await TestClient.open(port);
  cleanups.push(() => opened.destroy());
  return opened;
}

function connectError(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe('net server graceful close', () => {
  it('stops accepting, answers in-flight requests, flushes them, then closes', async () => {
    const handled: string[] = [];
    const closedIds: number[] = [];
    const { server, port } = await startServer({
      handle: async (body) => {
        handled.push(body.toString());
        await delay(150);
        return [frame(`answer to ${body.toString()}`), Buffer.alloc(0)];
      },
      connectionClosed: (info) => closedIds.push(info.id),
    });
    cleanups.push(() => server.close(1000));
    const busy = await client(port);
    const idle = await client(port);
    busy.write(Buffer.concat([frame('one'), frame('two'), frame('three')]));
    await waitFor('three requests in flight', () => handled.length === 3);
    const startedMs = Date.now();
    const closing = server.close(5000);
    assert.equal(await connectError(port), 'ECONNREFUSED', 'no longer accepting');
    busy.write(frame('sent after close began')); // not read any more
    await idle.waitForClose(1000);
    await closing;
    const elapsedMs = Date.now() - startedMs;
    assert.deepEqual(
      busy.frames.map((f) => f.toString()),
      ['answer to one', 'answer to two', 'answer to three'],
    );
    assert.deepEqual(handled, ['one', 'two', 'three']);
    await busy.waitForClose(1000);
    assert.ok(elapsedMs >= 100 && elapsedMs < 2000, `close took ${elapsedMs} ms`);
    assert.equal(server.connectionCount, 0);
    assert.deepEqual(closedIds.sort(), [1, 2]);
    assert.equal(server.close(), closing, 'a second close returns the same promise');
  });

  it('closes connections still busy when the timeout expires', async () => {
    const { server, port, logs } = await startServer({ handle: () => new Promise(() => {}) });
    cleanups.push(() => server.close(1000));
    const stuck = await client(port);
    stuck.write(frame('never answered'));
    await delay(20);
    const startedMs = Date.now();
    await server.close(200);
    const elapsedMs = Date.now() - startedMs;
    assert.ok(elapsedMs >= 190 && elapsedMs < 1500, `close took ${elapsedMs} ms`);
    await stuck.waitForClose(1000);
    assert.ok(logs.some((line) => line.level === 'warn' && line.message.includes('shutdown timeout')));
  });

  it('closes at once when nothing is in flight', async () => {
    const { server, port } = await startServer(echoHandler);
    cleanups.push(() => server.close(1000));
    const clients = await Promise.all([client(port), client(port), client(port)]);
    clients[0]!.write(frame('answered before close'));
    await clients[0]!.waitForFrames(1);
    const startedMs = Date.now();
    await server.close(10_000);
    assert.ok(Date.now() - startedMs < 1000);
    for (const each of clients) await each.waitForClose(1000);
  });

  it('closes a server that never listened', async () => {
    const { Server, KAFKA_NETWORK_DEFAULTS } = await import('../../../src/net/index.ts');
    const server = new Server(
      {
        host: '127.0.0.1',
        port: 0,
        maxInFlightRequestsPerConnection: 1,
        maxQueuedResponseBytesPerConnection: 1,
        ...KAFKA_NETWORK_DEFAULTS,
        logger: () => {},
      },
      echoHandler,
    );
    await server.close(100);
  });
});
