/**
 * The TCP listener: accepts connections within the connection limits, gives each a `Connection`
 * (framing, ordering, backpressure, idle timeout), and shuts down gracefully.
 *
 * Signals are not handled here: the entry point installs SIGTERM/SIGINT handlers that call
 * `close()`, which stops accepting, lets in-flight requests be answered and flushed (bounded by
 * its timeout), then closes every socket; the entry point closes the logs after it resolves.
 */
import { createServer } from 'node:net';
import type { Server as NetServer, Socket } from 'node:net';

import { Connection } from './connection.ts';
import type { ConnectionLimits } from './connection.ts';
import type { FrameHandler, Logger, ServerOptions } from './types.ts';

/** Kafka's defaults for the settings the server takes (the names are Kafka's broker configs). */
export const KAFKA_NETWORK_DEFAULTS = {
  /** socket.request.max.bytes: 100 MiB. */
  maxRequestBytes: 104_857_600,
  /** max.connections: unlimited (Int.MaxValue). */
  maxConnections: 2_147_483_647,
  /** max.connections.per.ip: unlimited (Int.MaxValue). */
  maxConnectionsPerIp: 2_147_483_647,
  /** connections.max.idle.ms: 10 minutes. */
  idleTimeoutMs: 600_000,
} as const;

/**
 * fjord's own bounds (Kafka has no such settings: its broker reads one request per connection at
 * a time). Clients pipeline: the Java client up to 5 requests, librdkafka many more.
 */
export const FJORD_NETWORK_DEFAULTS = {
  /** Requests handled concurrently per connection before reading pauses. */
  maxInFlightRequestsPerConnection: 64,
  /** Response bytes queued per connection before reading pauses: 16 MiB. */
  maxQueuedResponseBytesPerConnection: 16 * 1024 * 1024,
} as const;

const MAX_TIMER_MS = 2_147_483_647;

/** How long `close()` waits for in-flight requests before closing sockets anyway. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 30_000;

export const DEFAULT_LISTENER_NAME = 'PLAINTEXT';

function stderrLogger(level: string, message: string): void {
  process.stderr.write(`${new Date().toISOString()} ${level.toUpperCase()} [net] ${message}\n`);
}

function requirePositiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
}

export class Server {
  readonly #options: ServerOptions;
  readonly #handler: FrameHandler;
  readonly #log: Logger;
  readonly #limits: ConnectionLimits;
  readonly #listenerName: string;
  readonly #netServer: NetServer;
  /** Live connections; bounded by `maxConnections`. */
  readonly #connections = new Set<Connection>();
  /** Live connections per remote address; entries removed at zero. */
  readonly #connectionsPerIp = new Map<string, number>();
  #nextConnectionId = 1;
  #closing: Promise<void> | null = null;

  constructor(options: ServerOptions, handler: FrameHandler) {
    if (!Number.isSafeInteger(options.port) || options.port < 0 || options.port > 65_535) throw new RangeError(`port must be 0..65535, got ${options.port}`);
    if (!Number.isSafeInteger(options.maxRequestBytes) || options.maxRequestBytes < 1 || options.maxRequestBytes > 2_147_483_647) {
      throw new RangeError(`maxRequestBytes (socket.request.max.bytes) must be 1..2147483647, got ${options.maxRequestBytes}`);
    }
    requirePositiveInteger('maxConnections (max.connections)', options.maxConnections);
    requirePositiveInteger('maxConnectionsPerIp (max.connections.per.ip)', options.maxConnectionsPerIp);
    requirePositiveInteger('maxInFlightRequestsPerConnection', options.maxInFlightRequestsPerConnection);
    requirePositiveInteger('maxQueuedResponseBytesPerConnection', options.maxQueuedResponseBytesPerConnection);
    if (!Number.isSafeInteger(options.idleTimeoutMs)) throw new RangeError(`idleTimeoutMs (connections.max.idle.ms) must be an integer, got ${options.idleTimeoutMs}`);
    this.#options = options;
    this.#handler = handler;
    this.#log = options.logger ?? stderrLogger;
    this.#listenerName = options.listenerName ?? DEFAULT_LISTENER_NAME;
    this.#limits = {
      maxRequestBytes: options.maxRequestBytes,
      // Negative disables, as in Kafka; 0 would close every connection at once, so it is 1 ms;
      // Node's timers hold at most 2^31-1 ms (about 24.8 days).
      idleTimeoutMs: options.idleTimeoutMs < 0 ? -1 : Math.min(MAX_TIMER_MS, Math.max(1, options.idleTimeoutMs)),
      maxInFlightRequestsPerConnection: options.maxInFlightRequestsPerConnection,
      maxQueuedResponseBytesPerConnection: options.maxQueuedResponseBytesPerConnection,
      zeroCopy: options.zeroCopy ?? true,
    };
    // Kafka's SocketServer sets TCP_NODELAY and SO_KEEPALIVE on accepted sockets.
    this.#netServer = createServer({ noDelay: true, keepAlive: true }, (socket) => this.#accept(socket));
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  listen(): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.#netServer.once('error', onError);
      this.#netServer.listen({ host: this.#options.host, port: this.#options.port }, () => {
        this.#netServer.off('error', onError);
        // Later errors (accept failures such as EMFILE) are logged, not thrown.
        this.#netServer.on('error', (error) => this.#log('error', `listener ${this.#listenerName}: ${error.message}`));
        const address = this.#netServer.address();
        if (address === null || typeof address === 'string') {
          reject(new Error(`listener ${this.#listenerName} has no TCP address`));
          return;
        }
        this.#log('info', `listening on ${address.address}:${address.port} (${this.#listenerName})`);
        resolve({ host: address.address, port: address.port });
      });
    });
  }

  /** Stops accepting; lets in-flight requests finish and their responses flush (up to timeoutMs), then closes every socket. */
  close(timeoutMs: number = DEFAULT_CLOSE_TIMEOUT_MS): Promise<void> {
    this.#closing ??= this.#shutDown(timeoutMs);
    return this.#closing;
  }

  async #shutDown(timeoutMs: number): Promise<void> {
    const listenerClosed = new Promise<void>((resolve) => {
      // Called once every connection has closed; with an error if the server was not listening.
      this.#netServer.close(() => resolve());
    });
    const connections = [...this.#connections];
    this.#log('info', `shutting down listener ${this.#listenerName}: ${connections.length} connection(s) finishing`);
    for (const connection of connections) connection.beginClose();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), Math.max(0, timeoutMs));
    });
    const drained = Promise.all(connections.map((connection) => connection.closed)).then(() => false);
    const expired = await Promise.race([drained, timedOut]);
    clearTimeout(timer);
    if (expired) {
      for (const connection of this.#connections) connection.destroy(`still busy after the ${timeoutMs} ms shutdown timeout`, 'warn');
    }
    await Promise.all(connections.map((connection) => connection.closed));
    await listenerClosed;
  }

  #accept(socket: Socket): void {
    const remoteAddress = socket.remoteAddress;
    const remotePort = socket.remotePort;
    if (this.#closing !== null || remoteAddress === undefined || remotePort === undefined) {
      socket.destroy();
      return;
    }
    if (this.#connections.size >= this.#options.maxConnections) {
      this.#log('warn', `refusing a connection from ${remoteAddress}:${remotePort}: ${this.#connections.size} connections open (max.connections is ${this.#options.maxConnections})`);
      socket.destroy();
      return;
    }
    const fromAddress = this.#connectionsPerIp.get(remoteAddress) ?? 0;
    if (fromAddress >= this.#options.maxConnectionsPerIp) {
      this.#log('info', `refusing a connection from ${remoteAddress}:${remotePort}: ${fromAddress} connections from that address (max.connections.per.ip is ${this.#options.maxConnectionsPerIp})`);
      socket.destroy();
      return;
    }
    const info = { id: this.#nextConnectionId++, remoteAddress, remotePort, listenerName: this.#listenerName };
    const connection = new Connection(socket, info, this.#handler, this.#limits, this.#log);
    this.#connections.add(connection);
    this.#connectionsPerIp.set(remoteAddress, fromAddress + 1);
    void connection.closed.then(() => {
      this.#connections.delete(connection);
      const left = (this.#connectionsPerIp.get(remoteAddress) ?? 1) - 1;
      if (left > 0) this.#connectionsPerIp.set(remoteAddress, left);
      else this.#connectionsPerIp.delete(remoteAddress);
    });
  }
}
