/**
 * A minimal Kafka client for handler tests: one TCP connection, requests encoded with the
 * protocol layer's schemas, sequential correlation ids, responses matched in order (a broker
 * answers a connection's requests in the order they were sent). Responses are bounded by
 * MAX_RESPONSE_BYTES; anything larger fails the client.
 */
import { connect, type Socket } from 'node:net';

import { apiDefinition, decodeResponse, encodeRequest, requestHeaderVersion, type InputOf, type MessageSchema, type ValueOf } from '../../src/protocol/index.ts';
import * as schemas from '../../src/protocol/index.ts';

/** The largest response frame the test client accepts. */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

type Pair<Req, Res> = readonly [Req, Res];
type Pairs =
  | Pair<typeof schemas.produceRequest, typeof schemas.produceResponse>
  | Pair<typeof schemas.fetchRequest, typeof schemas.fetchResponse>
  | Pair<typeof schemas.listOffsetsRequest, typeof schemas.listOffsetsResponse>
  | Pair<typeof schemas.metadataRequest, typeof schemas.metadataResponse>
  | Pair<typeof schemas.apiVersionsRequest, typeof schemas.apiVersionsResponse>
  | Pair<typeof schemas.createTopicsRequest, typeof schemas.createTopicsResponse>
  | Pair<typeof schemas.deleteTopicsRequest, typeof schemas.deleteTopicsResponse>
  | Pair<typeof schemas.deleteRecordsRequest, typeof schemas.deleteRecordsResponse>
  | Pair<typeof schemas.initProducerIdRequest, typeof schemas.initProducerIdResponse>
  | Pair<typeof schemas.offsetForLeaderEpochRequest, typeof schemas.offsetForLeaderEpochResponse>
  | Pair<typeof schemas.describeConfigsRequest, typeof schemas.describeConfigsResponse>
  | Pair<typeof schemas.alterConfigsRequest, typeof schemas.alterConfigsResponse>
  | Pair<typeof schemas.createPartitionsRequest, typeof schemas.createPartitionsResponse>
  | Pair<typeof schemas.incrementalAlterConfigsRequest, typeof schemas.incrementalAlterConfigsResponse>
  | Pair<typeof schemas.describeClusterRequest, typeof schemas.describeClusterResponse>
  | Pair<typeof schemas.describeTopicPartitionsRequest, typeof schemas.describeTopicPartitionsResponse>;

/** The response schema paired with a request schema. */
export type ResponseSchemaOf<Req> = Extract<Pairs, readonly [Req, unknown]>[1];
export type ResponseOf<Req> = ValueOf<ResponseSchemaOf<Req>>;

interface Pending {
  resolve(frame: Buffer): void;
  reject(error: Error): void;
}

export class KafkaTestClient {
  readonly #socket: Socket;
  readonly #pending: Pending[] = [];
  #buffered: Buffer = Buffer.alloc(0);
  #nextCorrelationId = 1;
  #closedError: Error | null = null;
  readonly clientId: string | null;
  /** Resolves when the broker (or this client) closes the connection. */
  readonly closed: Promise<void>;

  private constructor(socket: Socket, clientId: string | null) {
    this.#socket = socket;
    this.clientId = clientId;
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.#fail(new Error('connection closed'));
        resolve();
      });
    });
    socket.on('error', (error) => this.#fail(error));
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
  }

  static connect(port: number, options: { host?: string; clientId?: string | null } = {}): Promise<KafkaTestClient> {
    const host = options.host ?? '127.0.0.1';
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        socket.setNoDelay(true);
        resolve(new KafkaTestClient(socket, options.clientId === undefined ? 'fjord-test' : options.clientId));
      });
    });
  }

  /** Sends one request and decodes its response with the API's response schema. */
  async send<Req extends MessageSchema>(request: Req, version: number, body: InputOf<Req>): Promise<ResponseOf<Req>> {
    const definition = apiDefinition(request.apiKey);
    if (definition === undefined) throw new Error(`no schema for API key ${request.apiKey}`);
    const correlationId = this.#nextCorrelationId++;
    const frame = await this.sendFrame(encodeRequest(request, version, correlationId, this.clientId, body));
    const decoded = decodeResponse(definition.response, version, frame);
    if (decoded.correlationId !== correlationId) throw new Error(`correlation id ${decoded.correlationId}, expected ${correlationId}`);
    return decoded.body as ResponseOf<Req>;
  }

  /** Sends a request that gets no response (Produce with acks=0). */
  sendWithoutResponse<Req extends MessageSchema>(request: Req, version: number, body: InputOf<Req>): void {
    this.#socket.write(encodeRequest(request, version, this.#nextCorrelationId++, this.clientId, body));
  }

  /** Sends a complete frame (with its size prefix); resolves with the response frame without its size prefix. */
  sendFrame(frame: Buffer): Promise<Buffer> {
    if (this.#closedError !== null) return Promise.reject(this.#closedError);
    return new Promise((resolve, reject) => {
      this.#pending.push({ resolve, reject });
      this.#socket.write(frame);
    });
  }

  /** A raw request frame: header v1/v2 as the API implies, then `body` bytes. */
  static rawFrame(apiKey: number, apiVersion: number, correlationId: number, clientId: string | null, body: Buffer, headerVersion: 1 | 2 = requestHeaderVersion(apiKey, apiVersion)): Buffer {
    const client = clientId === null ? Buffer.from([0xff, 0xff]) : Buffer.concat([Buffer.alloc(2), Buffer.from(clientId)]);
    if (clientId !== null) client.writeInt16BE(Buffer.byteLength(clientId), 0);
    const header = Buffer.alloc(8);
    header.writeInt16BE(apiKey, 0);
    header.writeInt16BE(apiVersion, 2);
    header.writeInt32BE(correlationId, 4);
    const tags = headerVersion === 2 ? Buffer.from([0]) : Buffer.alloc(0);
    const payload = Buffer.concat([header, client, tags, body]);
    const size = Buffer.alloc(4);
    size.writeInt32BE(payload.length, 0);
    return Buffer.concat([size, payload]);
  }

  nextCorrelationId(): number {
    return this.#nextCorrelationId++;
  }

  close(): Promise<void> {
    this.#socket.end();
    this.#socket.destroySoon();
    return this.closed;
  }

  #onData(chunk: Buffer): void {
    this.#buffered = this.#buffered.length === 0 ? chunk : Buffer.concat([this.#buffered, chunk]);
    while (this.#buffered.length >= 4) {
      const size = this.#buffered.readInt32BE(0);
      if (size < 0 || size > MAX_RESPONSE_BYTES) {
        this.#fail(new Error(`response frame of ${size} bytes`));
        this.#socket.destroy();
        return;
      }
      if (this.#buffered.length < 4 + size) return;
      const frame = Buffer.from(this.#buffered.subarray(4, 4 + size));
      this.#buffered = this.#buffered.subarray(4 + size);
      const pending = this.#pending.shift();
      if (pending === undefined) {
        this.#fail(new Error('a response nobody asked for'));
        this.#socket.destroy();
        return;
      }
      pending.resolve(frame);
    }
  }

  #fail(error: Error): void {
    this.#closedError ??= error;
    for (const pending of this.#pending.splice(0)) pending.reject(error);
  }
}
