/**
 * A raw Kafka-framed TCP connection for the fault tests: writes any bytes, reads the broker's
 * response frames (int32 size, then the body) and reports when the broker closes. It trusts
 * nothing: a response size that is negative or above `RESPONSE_MAX_BYTES` is reported as
 * malformed instead of being buffered.
 */
import { connect, type Socket } from 'node:net';

/** The largest response frame accepted from the broker (its fetch cap is 55 MiB). */
export const RESPONSE_MAX_BYTES = 64 * 1024 * 1024;

export type WireEvent =
  | { readonly kind: 'frame'; readonly frame: Buffer }
  | { readonly kind: 'closed' }
  | { readonly kind: 'malformed'; readonly reason: string }
  | { readonly kind: 'timeout' };

export class WireConnection {
  readonly #socket: Socket;
  /** Received bytes not yet cut into frames; bounded by one response frame. */
  #pending: Buffer = Buffer.alloc(0);
  readonly #frames: Buffer[] = [];
  #closed = false;
  #malformed: string | null = null;
  #wake: (() => void) | null = null;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => {
      // A reset is a close; the 'close' event follows.
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#notify();
    });
  }

  static open(port: number, timeoutMs = 5_000): Promise<WireConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to 127.0.0.1:${port} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new WireConnection(socket));
      });
    });
  }

  /** True once the socket has closed (by the broker, or by `destroy`). */
  get closed(): boolean {
    return this.#closed;
  }

  write(bytes: Buffer): void {
    if (!this.#closed && !this.#socket.destroyed) this.#socket.write(bytes);
  }

  /** The next response frame (without its size prefix), a close, malformed framing, or a timeout. */
  async next(timeoutMs: number): Promise<WireEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = this.#frames.shift();
      if (frame !== undefined) return { kind: 'frame', frame };
      if (this.#malformed !== null) return { kind: 'malformed', reason: this.#malformed };
      if (this.#closed) return { kind: 'closed' };
      const left = deadline - Date.now();
      if (left <= 0) return { kind: 'timeout' };
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.#wake = null;
          resolve();
        }, left);
        this.#wake = () => {
          clearTimeout(timer);
          this.#wake = null;
          resolve();
        };
      });
    }
  }

  /** Sends one request frame and returns the next response frame; throws on anything else. */
  async request(frame: Buffer, timeoutMs: number): Promise<Buffer> {
    this.write(frame);
    const event = await this.next(timeoutMs);
    if (event.kind !== 'frame') throw new Error(`expected a response, got ${event.kind}${event.kind === 'malformed' ? `: ${event.reason}` : ''}`);
    return event.frame;
  }

  destroy(): void {
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    if (this.#malformed !== null) return;
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    while (this.#pending.length >= 4) {
      const size = this.#pending.readInt32BE(0);
      if (size < 4 || size > RESPONSE_MAX_BYTES) {
        this.#malformed = `response size prefix ${size}`;
        this.#pending = Buffer.alloc(0);
        this.#socket.destroy();
        break;
      }
      if (this.#pending.length < 4 + size) break;
      this.#frames.push(Buffer.from(this.#pending.subarray(4, 4 + size)));
      this.#pending = this.#pending.subarray(4 + size);
    }
    this.#notify();
  }

  #notify(): void {
    this.#wake?.();
  }
}
