// TCP transport between controllers, on the controllers' own listener (not the Kafka port).
//
// Framing: each message is  length:u32 (big-endian)  message bytes (codec.ts). A frame longer than
// `frameBytesMax` closes the connection before anything is buffered for it.
//
// Each node dials every peer once and keeps that connection for its own outbound messages; inbound
// connections only receive. Messages carry their sender, so no handshake is needed. Delivery is
// best effort, as Raft expects: a message for a peer that is not connected, or whose socket has
// more than `queuedBytesMax` waiting, is dropped, and Raft's retries cover it. Reconnects back off
// from 50 ms up to 1 s.
//
// Concurrency contract: one event loop; `onMessage` is called synchronously from socket reads.

import { createServer, connect } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';

import { decodeMessage, encodeMessage } from './codec.ts';
import type { Message, NodeId } from './types.ts';

export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

export interface TcpTransportOptions {
  readonly id: NodeId;
  readonly onMessage: (message: Message) => void;
  /** Bound on one frame; must exceed the largest append or snapshot chunk the core produces. */
  readonly frameBytesMax?: number;
  /** Bound on bytes waiting in one outbound socket before further messages are dropped. */
  readonly queuedBytesMax?: number;
  readonly onError?: (error: Error) => void;
}

interface Outbound {
  address: PeerAddress;
  socket: Socket | null;
  connected: boolean;
  retryMs: number;
  timer: NodeJS.Timeout | null;
}

const RETRY_MS_MIN = 50;
const RETRY_MS_MAX = 1000;

export class TcpTransport {
  readonly #id: NodeId;
  readonly #onMessage: (message: Message) => void;
  readonly #onError: (error: Error) => void;
  readonly #frameBytesMax: number;
  readonly #queuedBytesMax: number;
  readonly #peers = new Map<NodeId, Outbound>();
  readonly #inbound = new Set<Socket>();
  #server: Server | null = null;
  #closed = false;
  droppedMessages = 0;

  constructor(options: TcpTransportOptions) {
    this.#id = options.id;
    this.#onMessage = options.onMessage;
    this.#onError = options.onError ?? (() => {});
    this.#frameBytesMax = options.frameBytesMax ?? 8 * 1024 * 1024;
    this.#queuedBytesMax = options.queuedBytesMax ?? 16 * 1024 * 1024;
  }

  async listen(port: number, host = '127.0.0.1'): Promise<PeerAddress> {
    const server = createServer((socket) => this.#accept(socket));
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const address = server.address() as AddressInfo;
    return { host: address.address, port: address.port };
  }

  setPeer(id: NodeId, address: PeerAddress): void {
    if (id === this.#id) return;
    const existing = this.#peers.get(id);
    if (existing !== undefined && existing.address.host === address.host && existing.address.port === address.port) return;
    if (existing !== undefined) this.#dropPeer(existing);
    const outbound: Outbound = { address, socket: null, connected: false, retryMs: RETRY_MS_MIN, timer: null };
    this.#peers.set(id, outbound);
    this.#dial(id, outbound);
  }

  send(message: Message): void {
    const outbound = this.#peers.get(message.to);
    const socket = outbound?.socket;
    if (outbound === undefined || socket == null || !outbound.connected || socket.writableLength > this.#queuedBytesMax) {
      this.droppedMessages++;
      return;
    }
    const body = encodeMessage(message);
    if (body.byteLength > this.#frameBytesMax) throw new RangeError(`message of ${body.byteLength} bytes exceeds the frame bound`);
    const header = Buffer.allocUnsafe(4);
    header.writeUInt32BE(body.byteLength, 0);
    socket.write(header);
    socket.write(body);
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const outbound of this.#peers.values()) this.#dropPeer(outbound);
    this.#peers.clear();
    for (const socket of this.#inbound) socket.destroy();
    this.#inbound.clear();
    const server = this.#server;
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #dial(id: NodeId, outbound: Outbound): void {
    if (this.#closed) return;
    const socket = connect({ host: outbound.address.host, port: outbound.address.port, noDelay: true });
    outbound.socket = socket;
    socket.on('connect', () => {
      outbound.connected = true;
      outbound.retryMs = RETRY_MS_MIN;
    });
    socket.on('data', () => {
      // Outbound connections carry nothing back; a peer that writes here is misbehaving.
      socket.destroy();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      outbound.connected = false;
      if (outbound.socket !== socket || this.#closed) return;
      outbound.socket = null;
      outbound.timer = setTimeout(() => {
        outbound.timer = null;
        if (this.#peers.get(id) === outbound) this.#dial(id, outbound);
      }, outbound.retryMs);
      outbound.retryMs = Math.min(outbound.retryMs * 2, RETRY_MS_MAX);
    });
  }

  #dropPeer(outbound: Outbound): void {
    if (outbound.timer !== null) clearTimeout(outbound.timer);
    const socket = outbound.socket;
    outbound.socket = null;
    socket?.destroy();
  }

  #accept(socket: Socket): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    this.#inbound.add(socket);
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = pending.byteLength === 0 ? chunk : Buffer.concat([pending, chunk]);
      let offset = 0;
      while (pending.byteLength - offset >= 4) {
        const length = pending.readUInt32BE(offset);
        if (length > this.#frameBytesMax) {
          this.#onError(new RangeError(`inbound frame of ${length} bytes exceeds the bound; closing`));
          socket.destroy();
          return;
        }
        if (pending.byteLength - offset - 4 < length) break;
        const body = pending.subarray(offset + 4, offset + 4 + length);
        offset += 4 + length;
        let message: Message;
        try {
          message = decodeMessage(body);
        } catch (error) {
          this.#onError(error instanceof Error ? error : new Error(String(error)));
          socket.destroy();
          return;
        }
        this.#onMessage(message);
      }
      pending = offset === pending.byteLength ? Buffer.alloc(0) : pending.subarray(offset);
    });
    socket.on('error', () => {});
    socket.on('close', () => this.#inbound.delete(socket));
  }
}
