/**
 * The bridge between the network server and the handlers: decodes each request frame, finds the
 * handler for its API key and version, and encodes the reply in the response header version the
 * request implies. Implements the network layer's FrameHandler.
 *
 * Unknown API keys, versions outside what a handler advertises, and malformed requests close the
 * connection, as Kafka does (a request that cannot be parsed cannot be answered); so do requests
 * with more than MAX_ARRAY_ELEMENTS_PER_REQUEST array elements, which would cost the broker far
 * more memory than their frame. The exception
 * is ApiVersions, which answers any version it does not know with a v0 body carrying
 * UNSUPPORTED_VERSION and its own range, so that clients can retry (KIP-511).
 */
import type { BrokerServices } from '../broker/services.ts';
import type { ConnectionInfo, FrameHandler, ResponseParts } from '../net/index.ts';
import {
  apiVersionsResponse,
  codecFor,
  encodeResponse,
  encodeResponseParts,
  ErrorCode,
  ProtocolDecodeError,
  Reader,
  readRequestHeader,
} from '../protocol/index.ts';
import { HANDLERS_BY_KEY, advertisedApiKeys } from './registry.ts';
import type { RequestContext } from './types.ts';

const API_VERSIONS_KEY = 18;

/**
 * The most array elements (topics, partitions, ids, ... summed over every array) one request may
 * decode; a request with more closes its connection like any unparseable request. Kafka has no
 * such bound, but an element costs the decoder and the handler hundreds of bytes from as little
 * as one byte of frame: a 96 MB Produce of 12 million empty partitions (under the 100 MiB
 * socket.request.max.bytes) grew the broker past 3.5 GiB and blocked its event loop for minutes.
 * With this bound that frame is refused in under 2 s; a Produce at the bound (200 000 empty
 * partitions, 1.6 MB) is answered with the broker peaking near 300 MiB of RSS. 200 000 is far
 * above what clients send: a request names at most the partitions it touches on this broker.
 */
export const MAX_ARRAY_ELEMENTS_PER_REQUEST = 200_000;

export class RequestDispatcher implements FrameHandler {
  readonly #broker: BrokerServices;

  constructor(broker: BrokerServices) {
    this.#broker = broker;
  }

  handle(frame: Buffer, connection: ConnectionInfo): ResponseParts | null | Promise<ResponseParts | null> {
    const reader = new Reader(frame, 0, frame.length, MAX_ARRAY_ELEMENTS_PER_REQUEST);
    const header = readRequestHeader(reader);
    const handler = HANDLERS_BY_KEY.get(header.apiKey);
    if (handler === undefined) {
      throw new ProtocolDecodeError('unknown-api', `unknown API key ${header.apiKey} from client ${header.clientId ?? '-'}`);
    }
    const { min, max } = handler.advertised;
    if (header.apiVersion < min || header.apiVersion > max || header.headerVersion === null) {
      if (header.apiKey === API_VERSIONS_KEY) {
        return [encodeResponse(apiVersionsResponse, 0, header.correlationId, { errorCode: ErrorCode.UNSUPPORTED_VERSION, apiKeys: advertisedApiKeys() })];
      }
      throw new ProtocolDecodeError('unsupported-version', `${handler.name} v${header.apiVersion} is outside ${min}-${max}`);
    }
    const request = codecFor(handler.request, header.apiVersion).decode(reader);
    const context: RequestContext = { header, connection, broker: this.#broker };
    const reply = handler.handle(request as never, context);
    const encode = (body: unknown): ResponseParts | null => {
      if (body === null) return null;
      if (handler.responseAsParts === true) {
        return encodeResponseParts(handler.response, header.apiVersion, header.correlationId, body as never) as ResponseParts;
      }
      return [encodeResponse(handler.response, header.apiVersion, header.correlationId, body as never)];
    };
    return reply instanceof Promise ? reply.then(encode) : encode(reply);
  }
}
