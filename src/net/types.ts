/**
 * The boundary between the network server and whoever answers requests (the dispatcher that
 * decodes Kafka requests implements `FrameHandler`). Nothing here knows the Kafka protocol beyond
 * its framing: an int32 big-endian size, then that many bytes.
 */

export interface ConnectionInfo {
  readonly id: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly listenerName: string;
}

/** A part of a response that lives in segment files: satisfied by src/native ReadPlan (see `fileRegionOf`). */
export interface FileRegion {
  readonly byteLength: number;
  /** sendfile(2) to fd from byte `sent`; returns progress. */
  sendTo(fd: number, sent: number): { sent: number; wouldBlock: boolean; done: boolean };
  /** Copy of `length` bytes from byte `from`. */
  copyRange(from: number, length: number): Buffer;
}

/**
 * A whole response frame INCLUDING its 4-byte size prefix, as parts written in order. Buffers are
 * queued on the socket without copying: do not change them after returning them.
 */
export type ResponseParts = ReadonlyArray<Buffer | FileRegion>;

export interface FrameHandler {
  /**
   * One call per request frame (the bytes after the size prefix), in arrival order per
   * connection. Returns the response, or null when there is none (Produce acks=0). May return a
   * promise; responses are still written in request order. A throw or rejection closes that
   * connection (logged), other connections carry on.
   *
   * `frame` may be a view into a larger socket chunk (no copy was made): keep a slice of it only
   * as long as needed, or copy what must outlive the request.
   *
   * Calls happen in arrival order, so state changed synchronously in `handle` (sequence numbers,
   * appends) is changed in request order, as in Kafka, which handles one request per connection
   * at a time. Work done after an `await` may interleave with later requests of the connection.
   */
  handle(frame: Buffer, connection: ConnectionInfo): ResponseParts | null | Promise<ResponseParts | null>;
  /** Called when a connection closes (to release per-connection state). */
  connectionClosed?(connection: ConnectionInfo): void;
}

export type LogLevel = 'info' | 'warn' | 'error';
export type Logger = (level: LogLevel, message: string) => void;

export interface ServerOptions {
  host: string;
  /** 0 picks a free port; `listen()` returns the one bound. */
  port: number;
  /** Named in logs and in `ConnectionInfo` ("PLAINTEXT" when omitted). */
  listenerName?: string;
  /** `socket.request.max.bytes`: a request frame's size above this (or below 0) closes the connection. */
  maxRequestBytes: number;
  /** `max.connections`: connections past this are closed at once. */
  maxConnections: number;
  /** `max.connections.per.ip`: connections from one address past this are closed at once. */
  maxConnectionsPerIp: number;
  /** `connections.max.idle.ms`: a connection with nothing in flight and no traffic this long is closed; negative disables. */
  idleTimeoutMs: number;
  /** Requests handled concurrently on one connection; reading stops at this many. */
  maxInFlightRequestsPerConnection: number;
  /** Response bytes waiting for order or for the socket; reading stops at this many. */
  maxQueuedResponseBytesPerConnection: number;
  /** Send file regions with sendfile(2) when the socket's queue is empty (default true). */
  zeroCopy?: boolean;
  /** Where the server's own events go (default: one line each to stderr). */
  logger?: Logger;
}
