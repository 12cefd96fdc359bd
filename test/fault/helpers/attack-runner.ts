/**
 * Runs one attack case against a live broker and judges what came back.
 *
 * Each case gets a fresh connection, writes its bytes and then a probe (an ApiVersions v3
 * request), and reads until the probe is answered, the broker closes, or the case times out. What
 * is allowed follows from decoding the attack locally with the same rules the broker uses
 * (src/protocol and the handler registry):
 * - the request cannot be parsed, its API is not served or its version is not advertised: the
 *   broker closes the connection without answering (ApiVersions of an unknown version excepted:
 *   a v0 answer with UNSUPPORTED_VERSION);
 * - the request parses: a well-formed response of that API and version with the same correlation
 *   id, whose error codes are all Kafka's (UNKNOWN_SERVER_ERROR counts as a failure: it means an
 *   unexpected exception), then the probe's answer; Produce with acks=0 answers nothing, or closes
 *   when it failed;
 * - the size prefix lies or the bytes are raw garbage: only well-framed responses, and a close
 *   within the idle timeout at the latest (`connections.max.idle.ms`, lowered in the test).
 * A case that is still open and silent after its timeout is a hang, except a Fetch whose decoded
 * min_bytes and max_wait_ms ask for a long poll.
 */
import { MAX_ARRAY_ELEMENTS_PER_REQUEST } from '../../../src/handlers/dispatcher.ts';
import { HANDLERS_BY_KEY } from '../../../src/handlers/registry.ts';
import {
  apiVersionsRequest,
  apiVersionsResponse,
  codecFor,
  decodeResponse,
  encodeRequest,
  ErrorCode,
  errorName,
  Reader,
  readRequestHeader,
  type MessageSchema,
} from '../../../src/protocol/index.ts';
import type { AttackCase } from './attack-cases.ts';
import { WireConnection, type WireEvent } from './wire-connection.ts';

const API_VERSIONS_KEY = 18;
const PRODUCE_KEY = 0;
const FETCH_KEY = 1;
/** A Fetch that may wait longer than this is allowed to stay silent until the case times out. */
const LONG_POLL_MS = 1_000;

type Expectation =
  | { readonly kind: 'close'; readonly why: string }
  | { readonly kind: 'answer'; readonly schema: MessageSchema; readonly version: number; readonly correlationId: number; readonly mayBeSilent: boolean; readonly longPoll: boolean }
  | { readonly kind: 'unframed' };

function expectationOf(attack: AttackCase): Expectation {
  if (!attack.framed) return { kind: 'unframed' };
  const frame = attack.bytes.subarray(4);
  try {
    const reader = new Reader(frame, 0, frame.length, MAX_ARRAY_ELEMENTS_PER_REQUEST);
    const header = readRequestHeader(reader);
    const handler = HANDLERS_BY_KEY.get(header.apiKey);
    if (handler === undefined) return { kind: 'close', why: `API key ${header.apiKey} is not served` };
    const { min, max } = handler.advertised;
    if (header.apiVersion < min || header.apiVersion > max || header.headerVersion === null) {
      if (header.apiKey === API_VERSIONS_KEY) return { kind: 'answer', schema: apiVersionsResponse, version: 0, correlationId: header.correlationId, mayBeSilent: false, longPoll: false };
      return { kind: 'close', why: `${handler.name} v${header.apiVersion} is not advertised` };
    }
    const request = codecFor(handler.request, header.apiVersion).decode(reader) as Record<string, unknown>;
    const mayBeSilent = header.apiKey === PRODUCE_KEY && request.acks === 0;
    const longPoll = header.apiKey === FETCH_KEY && (request.minBytes as number) > 0 && (request.maxWaitMs as number) > LONG_POLL_MS;
    return { kind: 'answer', schema: handler.response, version: header.apiVersion, correlationId: header.correlationId, mayBeSilent, longPoll };
  } catch (error) {
    return { kind: 'close', why: `does not parse: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** Every `errorCode` in a decoded response, depth first. */
export function errorCodesIn(value: unknown, out: number[] = []): number[] {
  if (Array.isArray(value)) {
    for (const item of value) errorCodesIn(item, out);
  } else if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const [key, field] of Object.entries(value)) {
      if (key === 'errorCode' && typeof field === 'number') out.push(field);
      else errorCodesIn(field, out);
    }
  }
  return out;
}

export interface CaseResult {
  readonly attack: AttackCase;
  /** How it ended: answered, closed, closed-unanswered, silent (acks=0), long-poll, ... */
  readonly outcome: string;
  /** Set when the broker's behaviour broke the rules above. */
  readonly problem: string | null;
  /** Error codes seen in the attack's response. */
  readonly errorCodes: readonly number[];
}

function probeFor(attack: AttackCase): { frame: Buffer; correlationId: number } {
  const attackCorrelation = attack.framed && attack.bytes.length >= 12 ? attack.bytes.readInt32BE(8) : 0;
  const correlationId = attackCorrelation === 0x5eed_0001 ? 0x5eed_0002 : 0x5eed_0001;
  return { correlationId, frame: encodeRequest(apiVersionsRequest, 3, correlationId, 'fjord-fault-probe', { clientSoftwareName: 'fjord-fault', clientSoftwareVersion: '1.0' }) };
}

function checkResponse(frame: Buffer, schema: MessageSchema, version: number, correlationId: number): { problem: string | null; errorCodes: number[] } {
  let decoded: { correlationId: number; body: unknown };
  try {
    decoded = decodeResponse(schema, version, frame);
  } catch (error) {
    return { problem: `response does not decode as ${schema.name} v${version}: ${error instanceof Error ? error.message : String(error)}`, errorCodes: [] };
  }
  if (decoded.correlationId !== correlationId) return { problem: `response correlation id ${decoded.correlationId}, expected ${correlationId}`, errorCodes: [] };
  const errorCodes = errorCodesIn(decoded.body);
  for (const code of errorCodes) {
    if (errorName(code) === undefined) return { problem: `error code ${code} is not a Kafka error code`, errorCodes };
    if (code === ErrorCode.UNKNOWN_SERVER_ERROR) return { problem: 'UNKNOWN_SERVER_ERROR (an unexpected exception in the broker)', errorCodes };
  }
  return { problem: null, errorCodes };
}

function describe(event: WireEvent): string {
  return event.kind === 'malformed' ? `malformed response framing (${event.reason})` : event.kind;
}

/** Runs one case on a fresh connection; never throws for the broker's behaviour, only reports it. */
export async function runAttack(port: number, attack: AttackCase, timeoutMs: number): Promise<CaseResult> {
  const expectation = expectationOf(attack);
  const probe = probeFor(attack);
  const connection = await WireConnection.open(port);
  const result = (outcome: string, problem: string | null = null, errorCodes: readonly number[] = []): CaseResult => ({ attack, outcome, problem, errorCodes });
  try {
    connection.write(attack.bytes);
    connection.write(probe.frame);
    const deadline = Date.now() + timeoutMs;
    const frames: Buffer[] = [];
    let end: WireEvent;
    for (;;) {
      end = await connection.next(Math.max(0, deadline - Date.now()));
      if (end.kind !== 'frame') break;
      frames.push(end.frame);
      if (end.frame.length >= 4 && end.frame.readInt32BE(0) === probe.correlationId) break;
    }
    if (end.kind === 'malformed') return result('malformed', describe(end));
    const probeAnswered = end.kind === 'frame';
    if (probeAnswered) {
      const checked = checkResponse(frames.at(-1)!, apiVersionsResponse, 3, probe.correlationId);
      if (checked.problem !== null) return result('probe-answered', `probe: ${checked.problem}`);
    }
    const attackFrames = probeAnswered ? frames.slice(0, -1) : frames;

    if (expectation.kind === 'unframed') {
      if (end.kind === 'timeout') return result('hang', `no close within ${timeoutMs} ms after a lying size prefix or garbage (idle timeout not applied?)`);
      return result(probeAnswered ? 'answered' : 'closed');
    }
    if (expectation.kind === 'close') {
      if (attackFrames.length > 0 || probeAnswered) return result('answered', `expected the connection closed (${expectation.why}), got ${attackFrames.length} response(s)${probeAnswered ? ' and the probe answered' : ''}`);
      if (end.kind === 'timeout') return result('hang', `expected a close (${expectation.why}), still open after ${timeoutMs} ms`);
      return result('closed');
    }
    // A request that parses.
    if (attackFrames.length === 0) {
      if (end.kind === 'timeout') return expectation.longPoll ? result('long-poll') : result('hang', `no response within ${timeoutMs} ms`);
      if (expectation.mayBeSilent) return result(probeAnswered ? 'silent' : 'closed');
      return result('closed-unanswered', `closed without answering a request that parses (a handler threw?)`);
    }
    if (attackFrames.length > 1) return result('answered', `${attackFrames.length} responses to one request`);
    const checked = checkResponse(attackFrames[0]!, expectation.schema, expectation.version, expectation.correlationId);
    if (checked.problem !== null) return result('answered', checked.problem, checked.errorCodes);
    if (!probeAnswered) {
      if (end.kind === 'timeout') return result('hang', `probe after an answered request got nothing in ${timeoutMs} ms`, checked.errorCodes);
      return result('answered-then-closed', 'closed after answering, before the probe', checked.errorCodes);
    }
    return result('answered', null, checked.errorCodes);
  } finally {
    connection.destroy();
  }
}
