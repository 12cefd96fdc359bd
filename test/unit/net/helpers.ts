/** Real-socket helpers for the network server tests: a server on a free port and a framing client. */
import { connect } from 'node:net';
import type { Socket } from 'node:net';

import { KAFKA_NETWORK_DEFAULTS, Server } from '../../../src/net/index.ts';
import type { FrameHandler, LogLevel, ServerOptions } from '../../../src/net/index.ts';

export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A size-prefixed frame around `body`. */
export function frame(body: Buffer | string): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(bytes.length, 0);
  return Buffer.concat([prefix, bytes]);
}

export interface LogLine {
  level: LogLevel;
  message: string;
}

export interface TestServer {
  server: Server;
  port: number;
  logs: LogLine[];
}

export async function startServer(handler: FrameHandler, overrides: Partial<ServerOptions> = {}): Promise<TestServer> {
  const logs: LogLine[] = [];
  const options: ServerOptions = {
    host: '127.0.0.1',
    port: 0,
    maxRequestBytes: KAFKA_NETWORK_DEFAULTS.maxRequestBytes,
    maxConnections: 100,
    maxConnectionsPerIp: 100,
    idleTimeoutMs: 60_000,
    maxInFlightRequestsPerConnection: 100,
    maxQueuedResponseBytesPerConnection: 16 * 1024 * 1024,
    logger: (level, message) => logs.push({ level, message }),
    ...overrides,
  };
  const server = new Server(options, handler);
  const { port } = await server.listen();
  return { server, port, logs };
}

/** Polls `condition` every 5 ms until it holds, failing with `what` after `timeoutMs`. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(5);
  }
}

/** A client that collects response frames (size prefix stripped) and notices the server closing. */
export class TestClient {
  readonly socket: Socket;
  readonly frames: Buffer[] = [];
  closed = false;
  receivedBytes = 0;
  #pending = Buffer.alloc(0);
  readonly #connected: Promise<void>;
  readonly #closedPromise: Promise<void>;

  constructor(port: number, localAddress?: string) {
    this.socket = connect({ port, host: '127.0.0.1', ...(localAddress === undefined ? {} : { localAddress }), noDelay: true });
    this.#connected = new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('error', reject);
    });
    this.#closedPromise = new Promise((resolve) => this.socket.once('close', () => resolve()));
    this.socket.on('error', () => {}); // resets from the server are expected in some tests
    this.socket.on('close', () => {
      this.closed = true;
    });
    this.socket.on('data', (chunk: Buffer) => {
      this.receivedBytes += chunk.length;
      this.#pending = Buffer.concat([this.#pending, chunk]);
      while (this.#pending.length >= 4) {
        const size = this.#pending.readInt32BE(0);
        if (this.#pending.length < 4 + size) break;
        this.frames.push(this.#pending.subarray(4, 4 + size));
        this.#pending = this.#pending.subarray(4 + size);
      }
    });
  }

  static async open(port: number, localAddress?: string): Promise<TestClient> {
    const client = new TestClient(port, localAddress);
    await client.#connected;
    return client;
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  async waitForFrames(count: number, timeoutMs = 3000): Promise<Buffer[]> {
    await waitFor(`${count} response frames (have ${this.frames.length})`, () => this.frames.length >= count, timeoutMs);
    return this.frames.slice(0, count);
  }

  /** Resolves when the server closes the connection; fails after `timeoutMs`. */
  async waitForClose(timeoutMs = 3000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`connection still open after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.#closedPromise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** A handler answering each frame with the same bytes, framed. */
export const echoHandler: FrameHandler = {
  handle: (body) => [frame(Buffer.from(body))],
};
