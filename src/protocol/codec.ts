// Message-level encode and decode, request/response headers and frames.
//
// Frames: decoders take the bytes AFTER the int32 size prefix (the network layer strips it when it
// frames); encoders return bytes WITH the size prefix, ready for the socket.
//
// Headers (Kafka 4.x):
// - request header v1: api_key int16, api_version int16, correlation_id int32, client_id nullable
//   string (int16 length). v2 adds a tagged-field section. client_id is never a compact string.
//   The version is 2 when the request body is flexible at that api_version, else 1 (header v0 was
//   only used by ControlledShutdown v0, removed in Kafka 4.0).
// - response header v0: correlation_id int32. v1 adds a tagged-field section; used when the body
//   is flexible, EXCEPT for ApiVersions, whose response header is always v0.

import { apiDefinition } from './apis.ts';
import { compileMessage, isFlexible, type SizeContext, type VersionCodec } from './compiler.ts';
import { ProtocolDecodeError, ProtocolEncodeError } from './errors.ts';
import { Reader } from './reader.ts';
import { inVersionRange, parseVersionRange, type InputOf, type MessageSchema, type ValueOf } from './schema.ts';
import { Writer, type EncodedPart } from './writer.ts';

const API_VERSIONS_KEY = 18;
const codecCache = new WeakMap<MessageSchema, Array<VersionCodec | undefined>>();

/** The compiled codec of a schema at a version, compiled on first use and cached. */
export function codecFor(schema: MessageSchema, version: number): VersionCodec {
  let versions = codecCache.get(schema);
  if (versions === undefined) {
    versions = [];
    codecCache.set(schema, versions);
  }
  let codec = versions[version];
  if (codec === undefined) {
    codec = compileMessage(schema, version);
    versions[version] = codec;
  }
  return codec;
}

export function supportsVersion(schema: MessageSchema, version: number): boolean {
  return Number.isInteger(version) && inVersionRange(schema.validVersions, version);
}

export function versionRangeOf(schema: MessageSchema): { min: number; max: number } {
  return parseVersionRange(schema.validVersions);
}

/**
 * Single-buffer encoding writes into one reused scratch Writer (growable) and copies the result
 * out into an exactly-sized Buffer: measured faster than a size pass + pre-sized Buffer and than a
 * fresh growable Buffer (bench/protocol-codec.bench.ts). Encoding is synchronous and never
 * re-entered, so one scratch per thread is safe. A scratch grown past SCRATCH_KEEP_BYTES by a large
 * response is dropped afterwards so it does not pin memory.
 */
const SCRATCH_INITIAL_BYTES = 64 * 1024;
const SCRATCH_KEEP_BYTES = 1024 * 1024;
let scratch = new Writer(SCRATCH_INITIAL_BYTES);

function startScratch(): Writer {
  scratch.offset = 0;
  return scratch;
}

function copyOutScratch(): Buffer {
  const bytes = Buffer.allocUnsafe(scratch.offset);
  scratch.buffer.copy(bytes, 0, 0, scratch.offset);
  if (scratch.buffer.length > SCRATCH_KEEP_BYTES) scratch = new Writer(SCRATCH_INITIAL_BYTES);
  return bytes;
}

/** Decodes a message body; `reader` is left after the body. */
export function decodeWith<S extends MessageSchema>(schema: S, version: number, reader: Reader): ValueOf<S> {
  return codecFor(schema, version).decode(reader) as ValueOf<S>;
}

/** Decodes a whole buffer as one message body. */
export function decodeMessage<S extends MessageSchema>(schema: S, version: number, buffer: Buffer): ValueOf<S> {
  return decodeWith(schema, version, new Reader(buffer));
}

/** Encodes a message body alone (no header, no size prefix) into one exactly-sized Buffer. */
export function encodeMessage<S extends MessageSchema>(schema: S, version: number, value: InputOf<S>): Buffer {
  const writer = startScratch();
  codecFor(schema, version).write(writer, value);
  return copyOutScratch();
}

// ---- headers ----

export function requestHeaderVersion(apiKey: number, apiVersion: number): 1 | 2 {
  const api = apiDefinition(apiKey);
  if (api === undefined) return 1;
  return isFlexible(api.request, apiVersion) ? 2 : 1;
}

export function responseHeaderVersion(apiKey: number, apiVersion: number): 0 | 1 {
  if (apiKey === API_VERSIONS_KEY) return 0;
  const api = apiDefinition(apiKey);
  if (api === undefined) return 0;
  return isFlexible(api.response, apiVersion) ? 1 : 0;
}

export interface RequestHeader {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  /** 1 or 2; null when the API or version is unknown (the tagged section was not read). */
  readonly headerVersion: 1 | 2 | null;
}

/**
 * Reads the request header. For an unknown API key or version it still returns the header (so the
 * network layer can answer ApiVersions in v0 format, or close the connection), with
 * headerVersion null; the reader then stands after client_id.
 */
export function readRequestHeader(reader: Reader): RequestHeader {
  const apiKey = reader.int16();
  const apiVersion = reader.int16();
  const correlationId = reader.int32();
  const clientId = reader.nullableString();
  const api = apiDefinition(apiKey);
  let headerVersion: 1 | 2 | null = null;
  if (api !== undefined && supportsVersion(api.request, apiVersion)) {
    headerVersion = isFlexible(api.request, apiVersion) ? 2 : 1;
    if (headerVersion === 2) reader.skipTaggedFields();
  }
  return { apiKey, apiVersion, correlationId, clientId, headerVersion };
}

export interface DecodedRequest {
  readonly header: RequestHeader;
  /** The decoded body; type it with ValueOf<typeof someRequest> after checking header.apiKey. */
  readonly body: unknown;
}

/**
 * Decodes a whole request frame (without its size prefix). Throws ProtocolDecodeError with reason
 * 'unknown-api' or 'unsupported-version', or a malformed-input reason. A network layer that must
 * answer an unknown ApiVersions version calls readRequestHeader itself first. Trailing bytes after
 * the body are ignored, as Kafka does.
 */
export function decodeRequest(frame: Buffer): DecodedRequest {
  const reader = new Reader(frame);
  const header = readRequestHeader(reader);
  const api = apiDefinition(header.apiKey);
  if (api === undefined) {
    throw new ProtocolDecodeError('unknown-api', `unknown API key ${header.apiKey}`);
  }
  if (header.headerVersion === null) {
    throw new ProtocolDecodeError('unsupported-version', `${api.name} has no version ${header.apiVersion}`);
  }
  const body = codecFor(api.request, header.apiVersion).decode(reader);
  return { header, body };
}

/** Encodes a request frame (size prefix, header v1/v2, body): for tests and future clients. */
export function encodeRequest<S extends MessageSchema>(
  schema: S,
  version: number,
  correlationId: number,
  clientId: string | null,
  body: InputOf<S>,
): Buffer {
  const codec = codecFor(schema, version);
  const flexible = isFlexible(schema, version);
  const writer = startScratch();
  writer.int32(0); // the size, set below
  writer.int16(schema.apiKey);
  writer.int16(version);
  writer.int32(correlationId);
  writer.nullableString(clientId);
  if (flexible) writer.uvarint(0);
  codec.write(writer, body);
  const frame = copyOutScratch();
  frame.writeInt32BE(frame.length - 4, 0);
  return frame;
}

function responseHeaderSize(schema: MessageSchema, version: number): number {
  return schema.apiKey !== API_VERSIONS_KEY && isFlexible(schema, version) ? 5 : 4;
}

function writeResponseHeader(writer: Writer, headerSize: number, correlationId: number): void {
  writer.int32(correlationId);
  if (headerSize === 5) writer.uvarint(0);
}

function checkResponse(schema: MessageSchema): void {
  if (schema.kind !== 'response') throw new ProtocolEncodeError(`${schema.name} is not a response schema`);
}

/** Encodes a response frame (size prefix, header v0/v1, body) into one exactly-sized Buffer. */
export function encodeResponse<S extends MessageSchema>(
  schema: S,
  version: number,
  correlationId: number,
  body: InputOf<S>,
): Buffer {
  checkResponse(schema);
  const codec = codecFor(schema, version);
  const writer = startScratch();
  writer.int32(0); // the size, set below
  writeResponseHeader(writer, responseHeaderSize(schema, version), correlationId);
  codec.write(writer, body);
  const frame = copyOutScratch();
  frame.writeInt32BE(frame.length - 4, 0);
  return frame;
}

/**
 * Encodes a response frame as parts (pre-sized: the size pass splits records bytes from the rest,
 * so the one header Buffer is allocated exactly and the size prefix is known first): Buffers for everything encoded, and each non-empty `records`
 * value (a Buffer or a RecordsRef, e.g. a file region) as its own part, uncopied. The size prefix
 * counts every part. The network layer writes the parts in order (sendfile for file regions).
 */
export function encodeResponseParts<S extends MessageSchema>(
  schema: S,
  version: number,
  correlationId: number,
  body: InputOf<S>,
): EncodedPart[] {
  checkResponse(schema);
  const codec = codecFor(schema, version);
  const headerSize = responseHeaderSize(schema, version);
  const context: SizeContext = { partsMode: true, externalBytes: 0 };
  const encodedSize = codec.size(body, context);
  const writer = new Writer(4 + headerSize + encodedSize, true);
  writer.int32(headerSize + encodedSize + context.externalBytes);
  writeResponseHeader(writer, headerSize, correlationId);
  codec.write(writer, body);
  return writer.finishParts();
}

export interface DecodedResponse {
  readonly correlationId: number;
  readonly body: unknown;
}

/** Decodes a response frame (without its size prefix): for tests and future clients. */
export function decodeResponse<S extends MessageSchema>(
  schema: S,
  version: number,
  frame: Buffer,
): { correlationId: number; body: ValueOf<S> } {
  const reader = new Reader(frame);
  const correlationId = reader.int32();
  if (responseHeaderSize(schema, version) === 5) reader.skipTaggedFields();
  const body = decodeWith(schema, version, reader);
  return { correlationId, body };
}
