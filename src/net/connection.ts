/**
 * One client connection: framing, request order, backpressure, idle timeout, zero-copy sends
 * and graceful close.
 *
 * Concurrency contract: everything runs on the event loop thread. Requests of one connection are
 * handed to the handler in arrival order and may complete in any order (promises); their
 * responses are written strictly in request order. A slot is taken per request when it is handed
 * to the handler and freed when its response (or its null: acks=0) has been given to the socket.
 *
 * Bounds, per connection:
 * - requests in flight (slots): at most `maxInFlightRequestsPerConnection`; at that many, no
 *   further frame is cut and the socket is paused;
 * - response bytes queued (ready responses waiting for an earlier one, plus the socket's write
 *   queue): reading pauses at `maxQueuedResponseBytesPerConnection`. A single response is not
 *   split, so the queue can exceed the bound by the responses of the requests already in flight;
 * - received bytes: a frame's size is checked against `maxRequestBytes` before its body is
 *   gathered, so at most one frame plus the socket's read-ahead (its readable high-water mark and
 *   one read) is held.
 */
import type { Socket } from 'node:net';

import { FrameAssembler, INCOMPLETE } from './frame-assembler.ts';
import type { ConnectionInfo, FileRegion, FrameHandler, Logger, ResponseParts } from './types.ts';

export interface ConnectionLimits {
  readonly maxRequestBytes: number;
  readonly idleTimeoutMs: number;
  readonly maxInFlightRequestsPerConnection: number;
  readonly maxQueuedResponseBytesPerConnection: number;
  readonly zeroCopy: boolean;
}

/** A request handed to the handler, until its response is given to the socket. */
interface Slot {
  ready: boolean;
  parts: ResponseParts | null;
  bytes: number;
}

/** open: serving; draining: answering what is in flight, reading nothing; ending: FIN sent; closed. */
type State = 'open' | 'draining' | 'ending' | 'closed';

/** Read-only view of the libuv handle, private to Node: `fd` is the socket's descriptor on Unix. */
interface HandleWithFd {
  readonly fd?: unknown;
}

function isResponseParts(value: unknown): value is ResponseParts {
  return Array.isArray(value);
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export class Connection {
  readonly info: ConnectionInfo;
  /** Resolves once the socket has closed and the handler has been told. */
  readonly closed: Promise<void>;
  readonly #socket: Socket;
  readonly #handler: FrameHandler;
  readonly #limits: ConnectionLimits;
  readonly #log: Logger;
  readonly #assembler: FrameAssembler;
  /** In request order; bounded by `maxInFlightRequestsPerConnection`. */
  readonly #slots: Slot[] = [];
  /** Bytes of ready responses waiting behind an unfinished earlier one. */
  #readyBytes = 0;
  #state: State = 'open';
  #paused = false;
  #parsing = false;
  #resolveClosed!: () => void;

  constructor(socket: Socket, info: ConnectionInfo, handler: FrameHandler, limits: ConnectionLimits, log: Logger) {
    this.#socket = socket;
    this.info = info;
    this.#handler = handler;
    this.#limits = limits;
    this.#log = log;
    this.#assembler = new FrameAssembler(limits.maxRequestBytes);
    this.closed = new Promise<void>((resolve) => {
      this.#resolveClosed = resolve;
    });
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => this.#onSocketError(error));
    socket.on('close', () => this.#onClose());
    if (limits.idleTimeoutMs >= 0) {
      socket.setTimeout(limits.idleTimeoutMs);
      socket.on('timeout', () => this.#onIdle());
    }
  }

  /** Requests handed to the handler whose responses are not yet given to the socket. */
  get inFlightRequests(): number {
    return this.#slots.length;
  }

  /** Response bytes waiting for order plus bytes in the socket's write queue. */
  get queuedResponseBytes(): number {
    return this.#readyBytes + this.#socket.writableLength;
  }

  /** Graceful close: read nothing more, answer what is in flight, flush, then send FIN. */
  beginClose(): void {
    if (this.#state !== 'open') return;
    this.#state = 'draining';
    this.#assembler.clear();
    this.#socket.pause();
    this.#paused = true;
    this.#finishDrainIfDone();
  }

  /** Closes at once, dropping whatever is queued. */
  destroy(reason: string, level: 'info' | 'warn' | 'error' = 'info'): void {
    if (this.#state === 'closed') return;
    this.#log(level, `closing connection ${this.#describe()}: ${reason}`);
    this.#state = 'closed';
    this.#releaseState();
    this.#socket.destroy();
  }

  #describe(): string {
    const { id, remoteAddress, remotePort, listenerName } = this.info;
    return `${id} from ${remoteAddress}:${remotePort} on ${listenerName}`;
  }

  #onData(chunk: Buffer): void {
    // While draining or ending, incoming bytes are read only to see the peer's FIN, then dropped.
    if (this.#state !== 'open') return;
    this.#assembler.push(chunk);
    this.#cutFrames();
  }

  /** Hands buffered whole frames to the handler while the connection has room for them. */
  #cutFrames(): void {
    if (this.#parsing) return; // a handler that answered synchronously; the loop below goes on
    this.#parsing = true;
    // Responses of synchronous handlers to frames of one read leave together when uncorked.
    this.#socket.cork();
    try {
      while (this.#state === 'open' && !this.#isFull()) {
        const next = this.#assembler.next();
        if (next === INCOMPLETE) break;
        if (!Buffer.isBuffer(next)) {
          this.destroy(`invalid request size ${next.rejectedSize} (socket.request.max.bytes is ${this.#limits.maxRequestBytes})`, 'warn');
          return;
        }
        this.#dispatch(next);
      }
    } finally {
      this.#parsing = false;
      this.#socket.uncork();
    }
    this.#updateReading();
  }

  #isFull(): boolean {
    return this.#slots.length >= this.#limits.maxInFlightRequestsPerConnection || this.queuedResponseBytes >= this.#limits.maxQueuedResponseBytesPerConnection;
  }

  /** Pauses the socket while the connection is full; resumes it when there is room again. */
  #updateReading(): void {
    if (this.#state !== 'open') return;
    if (this.#isFull()) {
      if (!this.#paused) {
        this.#paused = true;
        this.#socket.pause();
      }
    } else if (this.#paused) {
      this.#paused = false;
      this.#socket.resume();
    }
  }

  #dispatch(frame: Buffer): void {
    const slot: Slot = { ready: false, parts: null, bytes: 0 };
    this.#slots.push(slot);
    let result: ResponseParts | null | Promise<ResponseParts | null>;
    try {
      result = this.#handler.handle(frame, this.info);
    } catch (error) {
      this.#handlerFailed(error);
      return;
    }
    if (result === null || isResponseParts(result)) {
      this.#complete(slot, result);
    } else {
      Promise.resolve(result).then(
        (parts) => this.#complete(slot, parts),
        (error: unknown) => this.#handlerFailed(error),
      );
    }
  }

  #handlerFailed(error: unknown): void {
    this.destroy(`request handler failed: ${describeError(error)}`, 'error');
  }

  #complete(slot: Slot, parts: unknown): void {
    if (this.#state === 'closed') return;
    if (parts !== null && !isResponseParts(parts)) {
      this.#handlerFailed(new TypeError(`handler returned ${typeof parts}, not response parts or null`));
      return;
    }
    let bytes = 0;
    if (parts !== null) for (const part of parts) bytes += Buffer.isBuffer(part) ? part.length : part.byteLength;
    slot.ready = true;
    slot.parts = parts;
    slot.bytes = bytes;
    this.#readyBytes += bytes;
    this.#writeReadyResponses();
  }

  /**
   * Writes, in request order, every response whose predecessors are all written. The socket is
   * corked meanwhile, so that the buffers of several responses leave in one writev.
   */
  #writeReadyResponses(): void {
    const socket = this.#socket;
    socket.cork();
    try {
      while (this.#slots.length > 0 && this.#slots[0]!.ready) {
        const slot = this.#slots.shift()!;
        this.#readyBytes -= slot.bytes;
        if (slot.parts !== null) this.#write(slot.parts);
        if (this.#state === 'closed') return;
      }
    } catch (error) {
      this.destroy(`sending a response failed: ${describeError(error)}`, 'warn');
      return;
    } finally {
      socket.uncork();
    }
    this.#onProgress();
  }

  /** A slot was freed or queued bytes were flushed: take more requests, or finish a drain. */
  #onProgress(): void {
    if (this.#state === 'open') this.#cutFrames();
    else this.#finishDrainIfDone();
  }

  #write(parts: ResponseParts): void {
    const socket = this.#socket;
    const onFlushed = (error?: Error | null): void => {
      if (error == null) this.#onProgress();
    };
    for (const part of parts) {
      if (this.#state === 'closed') return;
      if (Buffer.isBuffer(part)) {
        if (part.length > 0) socket.write(part, onFlushed);
      } else {
        this.#writeRegion(part, onFlushed);
      }
    }
  }

  /**
   * Sends a file region by sendfile(2) when zero copy is on and the socket's queue is empty (so
   * that no queued byte could be overtaken); if the socket fills (EAGAIN), the rest is copied and
   * queued with socket.write, behind which later parts keep their order. Otherwise copies.
   */
  #writeRegion(region: FileRegion, onFlushed: (error?: Error | null) => void): void {
    const length = region.byteLength;
    if (length === 0) return;
    if (this.#limits.zeroCopy) {
      // Flush all corked buffers before it (the callers' uncorks then do nothing): they may
      // leave at once, emptying the queue.
      while (this.#socket.writableCorked > 0) this.#socket.uncork();
    }
    let sent = 0;
    const fd = this.#limits.zeroCopy && this.#socket.writableLength === 0 ? this.#socketFd() : -1;
    if (fd >= 0) {
      for (;;) {
        const progress = region.sendTo(fd, sent);
        if (progress.sent < sent || progress.sent > length) throw new RangeError(`sendfile reported ${progress.sent} of ${length} bytes sent, after ${sent}`);
        const advanced = progress.sent > sent;
        sent = progress.sent;
        if (progress.done || sent === length) return;
        if (progress.wouldBlock || !advanced) break;
      }
    }
    this.#socket.write(region.copyRange(sent, length - sent), onFlushed);
  }

  /**
   * The socket's file descriptor, or -1. Node offers no public way to get it: this reads the
   * private `_handle.fd` of the libuv TCP handle (set on Unix; absent for TLS sockets, on
   * Windows, or once closed), and falls back to copying when it is not a valid descriptor.
   */
  #socketFd(): number {
    const handle = (this.#socket as unknown as { _handle?: HandleWithFd | null })._handle;
    const fd = handle?.fd;
    return typeof fd === 'number' && Number.isInteger(fd) && fd >= 0 ? fd : -1;
  }

  #finishDrainIfDone(): void {
    if (this.#state !== 'draining' || this.#slots.length > 0 || this.#socket.writableLength > 0) return;
    this.#state = 'ending';
    // Send FIN after what is queued, then read (and drop) until the peer closes too, so that
    // unread input does not turn our close into a reset that could lose the last responses.
    this.#socket.end();
    this.#socket.resume();
  }

  #onIdle(): void {
    if (this.#state === 'closed') return;
    if (this.#slots.length === 0 && this.#socket.writableLength === 0) {
      this.destroy(`idle for ${this.#limits.idleTimeoutMs} ms (connections.max.idle.ms)`);
      return;
    }
    // Busy: Node does not re-arm the timer by itself after 'timeout'.
    this.#socket.setTimeout(this.#limits.idleTimeoutMs);
  }

  #onSocketError(error: NodeJS.ErrnoException): void {
    // A peer that resets or leaves while responses are being written is routine.
    const routine = error.code === 'ECONNRESET' || error.code === 'EPIPE' || error.code === 'ERR_STREAM_WRITE_AFTER_END' || error.code === 'ERR_STREAM_DESTROYED';
    this.#log(routine ? 'info' : 'warn', `connection ${this.#describe()}: ${describeError(error)}`);
  }

  #releaseState(): void {
    this.#slots.length = 0;
    this.#readyBytes = 0;
    this.#assembler.clear();
  }

  #onClose(): void {
    this.#state = 'closed';
    this.#releaseState();
    try {
      this.#handler.connectionClosed?.(this.info);
    } catch (error) {
      this.#log('error', `connectionClosed handler failed for connection ${this.#describe()}: ${describeError(error)}`);
    }
    this.#resolveClosed();
  }
}
