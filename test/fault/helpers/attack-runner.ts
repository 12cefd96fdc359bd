/**
 * Runs one attack case against a live broker and judges what came back.
 *
 * Each case gets a fresh connection, writes its bytes (one frame, or several pipelined) and then
 * a probe (an ApiVersions v3 request), and reads until the probe is answered, the broker closes,
 * or the case times out. What is allowed follows from decoding each frame locally with the same
 * rules the broker uses (src/protocol, the handler registry and the dispatcher's element bound):
 * - the request cannot be parsed, its API is not served or its version is not advertised: the
 *   broker closes the connection without answering (ApiVersions of an unknown version excepted:
 *   a v0 answer with UNSUPPORTED_VERSION);
 * - the request parses: a well-formed response of that API and version with the same correlation
 *   id, whose error codes are all Kafka's (UNKNOWN_SERVER_ERROR counts as a failure: it means an
 *   unexpected exception), then the probe's answer; Produce with acks=0 answers nothing, or closes
 *   when it failed;
 * - the size prefix lies or the bytes are raw garbage: only well-framed responses, and a close
 *   within the idle timeout at the latest (`connections.max.idle.ms`, lowered in the test).
 * Pipelined frames are answered in order; a frame that must close the connection may take the
 * answers of the frames before it along (they are handled concurrently), but none may be wrong
 * or out of order. A case that is still open and silent after its timeout is a hang, except a
 * Fetch whose decoded min_bytes and max_wait_ms ask for a long poll, and JoinGroup and SyncGroup,
 * which wait for a rebalance.
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
/** JoinGroup and SyncGroup may wait for a rebalance as long as the request's timeouts say. */
const WAITING_KEYS: ReadonlySet<number> = new Set([11, 14]);
/** A Fetch that may wait longer than this is allowed to stay silent until the case times out. */
const LONG_POLL_MS = 1_000;

type Expectation =
  | { readonly kind: 'close'; readonly why: string }
  | { readonly kind: 'answer'; readonly schema: MessageSchema; readonly version: number; readonly correlationId: number; readonly mayBeSilent: boolean; readonly longPoll: boolean };

/** What the broker must do with one honest frame (its body, without the size prefix). */
function expectationOf(frame: Buffer): Expectation {
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
    const longPoll = (header.apiKey === FETCH_KEY && (request.minBytes as number) > 0 && (request.maxWaitMs as number) > LONG_POLL_MS) || WAITING_KEYS.has(header.apiKey);
    return { kind: 'answer', schema: handler.response, version: header.apiVersion, correlationId: header.correlationId, mayBeSilent, longPoll };
  } catch (error) {
    return { kind: 'close', why: `does not parse: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** The frames of a framed case (honest size prefixes, back to back), or null for an unframed one. */
function framesOf(attack: AttackCase): Buffer[] | null {
  if (!attack.framed) return null;
  const frames: Buffer[] = [];
  let at = 0;
  while (at + 4 <= attack.bytes.length) {
    const size = attack.bytes.readInt32BE(at);
    frames.push(attack.bytes.subarray(at + 4, at + 4 + size));
    at += 4 + size;
  }
  return frames;
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

/** An ApiVersions v3 request whose correlation id no frame of the case uses. */
function probeFor(frames: readonly Buffer[] | null): { frame: Buffer; correlationId: number } {
  const used = new Set((frames ?? []).filter((frame) => frame.length >= 8).map((frame) => frame.readInt32BE(4)));
  let correlationId = 0x5eed_0001;
  while (used.has(correlationId)) correlationId++;
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
  const frames = framesOf(attack);
  const expectations = frames?.map(expectationOf) ?? null;
  const probe = probeFor(frames);
  const connection = await WireConnection.open(port);
  const errorCodes: number[] = [];
  const result = (outcome: string, problem: string | null = null): CaseResult => ({ attack, outcome, problem, errorCodes });
  try {
    if (attack.inPieces === true) {
      for (let at = 0, piece = 1; at < attack.bytes.length; at += piece, piece = 1 + ((at + attack.index) % 7)) {
        connection.write(attack.bytes.subarray(at, at + piece));
        await new Promise((resolve) => setImmediate(resolve));
      }
    } else {
      connection.write(attack.bytes);
    }
    connection.write(probe.frame);
    const deadline = Date.now() + timeoutMs;
    const received: Buffer[] = [];
    let end: WireEvent;
    for (;;) {
      end = await connection.next(Math.max(0, deadline - Date.now()));
      if (end.kind !== 'frame') break;
      received.push(end.frame);
      if (end.frame.length >= 4 && end.frame.readInt32BE(0) === probe.correlationId) break;
    }
    if (end.kind === 'malformed') return result('malformed', describe(end));
    const probeAnswered = end.kind === 'frame';
    if (probeAnswered) {
      const checked = checkResponse(received.at(-1)!, apiVersionsResponse, 3, probe.correlationId);
      if (checked.problem !== null) return result('probe-answered', `probe: ${checked.problem}`);
    }
    const answers = probeAnswered ? received.slice(0, -1) : received;

    if (expectations === null) {
      if (end.kind === 'timeout') return result('hang', `no close within ${timeoutMs} ms after a lying size prefix or garbage (idle timeout not applied?)`);
      return result(probeAnswered ? 'answered' : 'closed');
    }

    // Match the answers, in order, against the frames that must be answered, up to the first
    // frame that must close the connection. Responses of requests before that frame may be lost
    // with the connection (they are handled concurrently), but never reordered or wrong.
    const closeAt = expectations.findIndex((expectation) => expectation.kind === 'close');
    const answerable = closeAt < 0 ? expectations : expectations.slice(0, closeAt);
    let matched = 0;
    let unanswered = 0;
    let longPoll = false;
    for (const expectation of answerable) {
      if (expectation.kind !== 'answer') continue;
      longPoll ||= expectation.longPoll;
      const next = answers[matched];
      const nextCorrelation = next !== undefined && next.length >= 4 ? next.readInt32BE(0) : undefined;
      if (nextCorrelation !== expectation.correlationId) {
        if (!expectation.mayBeSilent) unanswered++;
        if (next === undefined || expectation.mayBeSilent) continue;
        return result('answered', `response with correlation id ${nextCorrelation} where ${expectation.correlationId} (${expectation.schema.name} v${expectation.version}) was due`);
      }
      const checked = checkResponse(next!, expectation.schema, expectation.version, expectation.correlationId);
      errorCodes.push(...checked.errorCodes);
      if (checked.problem !== null) return result('answered', checked.problem);
      matched++;
    }
    if (matched < answers.length) return result('answered', `${answers.length - matched} response(s) to no request`);
    const single = expectations.length === 1;
    if (closeAt >= 0) {
      if (probeAnswered) return result('answered', `expected the connection closed (frame ${closeAt}: ${(expectations[closeAt] as { why: string }).why}), but the probe was answered`);
      if (end.kind === 'timeout') return result('hang', `expected a close (frame ${closeAt}: ${(expectations[closeAt] as { why: string }).why}), still open after ${timeoutMs} ms`);
      return result(single || matched === 0 ? 'closed' : 'answered-then-closed');
    }
    if (probeAnswered) {
      if (unanswered > 0) return result('answered', `${unanswered} request(s) that parse got no response before the probe's`);
      return result(matched === 0 ? 'silent' : 'answered');
    }
    if (end.kind === 'timeout') return longPoll ? result('long-poll') : result('hang', `no response within ${timeoutMs} ms (${matched} of ${answerable.length} answered)`);
    // Closed although every frame parses: only a failed acks=0 Produce may do that.
    if (answerable.some((expectation) => expectation.kind === 'answer' && expectation.mayBeSilent)) return result('closed');
    return result('closed-unanswered', 'closed without answering a request that parses (a handler threw?)');
  } finally {
    connection.destroy();
  }
}
