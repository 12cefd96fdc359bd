/**
 * The bad input of the broker fault test: a seeded, replayable sequence of attack cases, each the
 * bytes one fresh connection writes. Built from valid requests (encoded with src/protocol) that
 * are then mutated, well-encoded requests with edge-case values for every API the broker serves
 * (random-requests.ts), plus raw garbage, lying size prefixes, unknown API keys, unsupported
 * versions and Produce requests whose record batches are broken in every header field.
 *
 * Two parts:
 * - sweeps (the same shapes for every seed): for one template request per API and
 *   flexibility, the body truncated at every length, and every offset overwritten with a huge
 *   int32, a huge int16 and a huge uvarint (lying array counts, string and compact lengths);
 * - random cases, drawn from weighted families with the seeded generator, some of them several
 *   frames pipelined on one connection.
 */
import {
  apiVersionsRequest,
  createTopicsRequest,
  encodeRequest,
  fetchRequest,
  listOffsetsRequest,
  metadataRequest,
  produceRequest,
  RecordBatchField,
  type MessageSchema,
} from '../../../src/protocol/index.ts';
import { crc32c } from '../../../src/native/index.ts';
import { recordBatch } from '../../helpers/record-batches.ts';
import { randomServedRequest } from './random-requests.ts';
import type { SeededRandom } from './seeded-random.ts';

export interface AttackTarget {
  /** A topic the attacks may write to (never the good client's topic). */
  readonly topic: string;
  /** Its topic id (base64url), for Produce v13 and Fetch v13+. */
  readonly topicId: string;
  /** The broker's socket.request.max.bytes. */
  readonly maxRequestBytes: number;
}

export interface AttackCase {
  readonly index: number;
  /** What the case is, e.g. "produce v9 bit-flip x3" (printed on failure). */
  readonly label: string;
  /** The bytes written to the connection. */
  readonly bytes: Buffer;
  /**
   * True when `bytes` is one frame or several back to back, each with an honest size prefix, so a
   * request written after them is a frame of its own; false when a size prefix lies or the bytes
   * are raw garbage.
   */
  readonly framed: boolean;
  /** Write the bytes a few at a time (1 to 7 bytes per write), so frames arrive in many reads. */
  readonly inPieces?: boolean;
}

const CLIENT_ID = 'fjord-fault';
const SIZE_PREFIX_BYTES = 4;
const INT32_MAX = 0x7fff_ffff;

/** Values that lengths and counts are rewritten to. */
const HUGE_INT32 = [INT32_MAX, -1, -2, 0x4000_0000, -0x8000_0000, 0x0100_0000];
const HUGE_INT16 = [0x7fff, -1, -2, -0x8000, 0x4000];
/** Unsigned varints (compact lengths and counts) claiming huge or invalid values. */
const HUGE_UVARINTS: readonly Buffer[] = [
  Buffer.from([0xff, 0xff, 0xff, 0xff, 0x07]), // 2^31-1
  Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), // 2^32-1: compact length -> 2^32-2
  Buffer.from([0x80, 0x80, 0x80, 0x80, 0x08]), // 2^31
  Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), // 2^64-1, too long for 32 bits
  Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), // never terminates
  Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x00]), // overlong zero
];
const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff];

interface Template {
  readonly name: string;
  readonly schema: MessageSchema;
  readonly version: number;
  /** The frame, size prefix included. */
  readonly frame: Buffer;
}

/** A v2 batch of `count` small records, as a producer sends it. */
function goodBatch(random: SeededRandom, count: number): Buffer {
  const records = [];
  const timestamp = Date.now();
  for (let i = 0; i < count; i++) records.push({ timestamp: timestamp + i, key: random.chance(0.5) ? random.bytes(random.below(8)) : null, value: random.bytes(random.below(40)) });
  return recordBatch(records);
}

function recomputeCrc(batch: Buffer): void {
  if (batch.length >= RecordBatchField.attributes) batch.writeUInt32BE(crc32c(batch.subarray(RecordBatchField.attributes)), RecordBatchField.crc);
}

function produceFrame(version: number, target: AttackTarget, records: Buffer | null, acks: number, correlationId: number, partition = 0): Buffer {
  return encodeRequest(produceRequest, version, correlationId, CLIENT_ID, {
    transactionalId: null,
    acks,
    timeoutMs: 5_000,
    topicData: [{ name: target.topic, topicId: target.topicId, partitionData: [{ index: partition, records }] }],
  });
}

function fetchFrame(version: number, target: AttackTarget, correlationId: number, random: SeededRandom): Buffer {
  return encodeRequest(fetchRequest, version, correlationId, CLIENT_ID, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: random.pick([1024, 1_048_576, INT32_MAX]),
    isolationLevel: random.below(2),
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic: target.topic, topicId: target.topicId, partitions: [{ partition: random.pick([0, 0, 1, -1]), fetchOffset: BigInt(random.pick([0, 0, 1, -1, 1_000_000])), partitionMaxBytes: random.pick([1024, 65_536]) }] }],
    forgottenTopicsData: [],
    rackId: '',
  });
}

function metadataFrame(version: number, target: AttackTarget, correlationId: number, random: SeededRandom): Buffer {
  const topics = random.chance(0.2) ? null : [{ topicId: version >= 10 && random.chance(0.3) ? target.topicId : 'AAAAAAAAAAAAAAAAAAAAAA', name: target.topic }];
  return encodeRequest(metadataRequest, version, correlationId, CLIENT_ID, {
    topics: version >= 1 ? topics : [{ name: target.topic }],
    allowAutoTopicCreation: false,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: random.chance(0.5),
  });
}

function listOffsetsFrame(version: number, target: AttackTarget, correlationId: number, random: SeededRandom): Buffer {
  return encodeRequest(listOffsetsRequest, version, correlationId, CLIENT_ID, {
    replicaId: -1,
    isolationLevel: random.below(2),
    topics: [{ name: target.topic, partitions: [{ partitionIndex: random.pick([0, 0, 1]), timestamp: random.pick([-1n, -2n, -3n, 0n, BigInt(Date.now())]) }] }],
    timeoutMs: 1_000,
  });
}

function createTopicsFrame(version: number, correlationId: number, random: SeededRandom): Buffer {
  return encodeRequest(createTopicsRequest, version, correlationId, CLIENT_ID, {
    topics: [{ name: `fault-created-${random.below(4)}`, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'retention.ms', value: '60000' }] }],
    timeoutMs: 1_000,
    validateOnly: true,
  });
}

function apiVersionsFrame(version: number, correlationId: number): Buffer {
  return encodeRequest(apiVersionsRequest, version, correlationId, CLIENT_ID, { clientSoftwareName: 'fjord-fault', clientSoftwareVersion: '1.0' });
}

/** A valid request of a random API and version. */
function validRequest(random: SeededRandom, target: AttackTarget): Template {
  const correlationId = random.below(INT32_MAX);
  switch (random.below(8)) {
    case 6:
    case 7:
      return randomServedRequest(random, target);
    case 0: {
      const version = random.between(0, 4);
      return { name: 'api-versions', schema: apiVersionsRequest, version, frame: apiVersionsFrame(version, correlationId) };
    }
    case 1: {
      const version = random.between(0, 13);
      return { name: 'metadata', schema: metadataRequest, version, frame: metadataFrame(version, target, correlationId, random) };
    }
    case 2: {
      const version = random.between(3, 13);
      const batches = random.chance(0.2) ? Buffer.concat([goodBatch(random, 1), goodBatch(random, 2)]) : goodBatch(random, random.between(1, 4));
      return { name: 'produce', schema: produceRequest, version, frame: produceFrame(version, target, batches, random.pick([1, 1, -1, 0]), correlationId) };
    }
    case 3: {
      const version = random.between(4, 18);
      return { name: 'fetch', schema: fetchRequest, version, frame: fetchFrame(version, target, correlationId, random) };
    }
    case 4: {
      const version = random.between(1, 10);
      return { name: 'list-offsets', schema: listOffsetsRequest, version, frame: listOffsetsFrame(version, target, correlationId, random) };
    }
    default: {
      const version = random.between(2, 7);
      return { name: 'create-topics', schema: createTopicsRequest, version, frame: createTopicsFrame(version, correlationId, random) };
    }
  }
}

/** Replaces the size prefix with the real body length. */
function withHonestSize(frame: Buffer): Buffer {
  frame.writeInt32BE(frame.length - SIZE_PREFIX_BYTES, 0);
  return frame;
}

function body(frame: Buffer): Buffer {
  return frame.subarray(SIZE_PREFIX_BYTES);
}

/** A frame around `payload` with an honest size prefix. */
function frameOf(payload: Buffer): Buffer {
  const frame = Buffer.alloc(SIZE_PREFIX_BYTES + payload.length);
  payload.copy(frame, SIZE_PREFIX_BYTES);
  return withHonestSize(frame);
}

function truncated(frame: Buffer, bodyBytes: number): Buffer {
  return frameOf(body(frame).subarray(0, bodyBytes));
}

function int32At(frame: Buffer, bodyOffset: number, value: number): Buffer | null {
  const out = Buffer.from(frame);
  if (SIZE_PREFIX_BYTES + bodyOffset + 4 > out.length) return null;
  out.writeInt32BE(value, SIZE_PREFIX_BYTES + bodyOffset);
  return out;
}

function int16At(frame: Buffer, bodyOffset: number, value: number): Buffer | null {
  const out = Buffer.from(frame);
  if (SIZE_PREFIX_BYTES + bodyOffset + 2 > out.length) return null;
  out.writeInt16BE(value, SIZE_PREFIX_BYTES + bodyOffset);
  return out;
}

/** Replaces the byte at `bodyOffset` (a one-byte uvarint, if it is one) with a long uvarint. */
function uvarintAt(frame: Buffer, bodyOffset: number, uvarint: Buffer): Buffer {
  const payload = body(frame);
  return frameOf(Buffer.concat([payload.subarray(0, bodyOffset), uvarint, payload.subarray(bodyOffset + 1)]));
}

/** The deterministic sweeps: every truncation and every offset rewritten, per template. */
function sweepTemplates(target: AttackTarget, random: SeededRandom): Template[] {
  return [
    { name: 'api-versions', schema: apiVersionsRequest, version: 3, frame: apiVersionsFrame(3, 11) },
    { name: 'metadata', schema: metadataRequest, version: 12, frame: metadataFrame(12, target, 12, random) },
    { name: 'metadata', schema: metadataRequest, version: 8, frame: metadataFrame(8, target, 13, random) },
    { name: 'produce', schema: produceRequest, version: 9, frame: produceFrame(9, target, goodBatch(random, 2), 1, 14) },
    { name: 'produce', schema: produceRequest, version: 7, frame: produceFrame(7, target, goodBatch(random, 1), 1, 15) },
    { name: 'fetch', schema: fetchRequest, version: 12, frame: fetchFrame(12, target, 16, random) },
    { name: 'fetch', schema: fetchRequest, version: 11, frame: fetchFrame(11, target, 17, random) },
    { name: 'produce', schema: produceRequest, version: 13, frame: produceFrame(13, target, goodBatch(random, 1), -1, 20) },
    { name: 'fetch', schema: fetchRequest, version: 17, frame: fetchFrame(17, target, 21, random) },
    { name: 'list-offsets', schema: listOffsetsRequest, version: 7, frame: listOffsetsFrame(7, target, 18, random) },
    { name: 'create-topics', schema: createTopicsRequest, version: 7, frame: createTopicsFrame(7, 19, random) },
  ];
}

function* sweepCases(target: AttackTarget, random: SeededRandom): Generator<Omit<AttackCase, 'index'>> {
  for (const template of sweepTemplates(target, random)) {
    const name = `${template.name} v${template.version}`;
    const bodyBytes = template.frame.length - SIZE_PREFIX_BYTES;
    for (let length = 0; length < bodyBytes; length++) yield { label: `${name} truncated to ${length} bytes`, bytes: truncated(template.frame, length), framed: true };
    for (let offset = 0; offset < bodyBytes; offset++) {
      const int32Value = HUGE_INT32[offset % HUGE_INT32.length]!;
      const asInt32 = int32At(template.frame, offset, int32Value);
      if (asInt32 !== null) yield { label: `${name} int32 ${int32Value} at ${offset}`, bytes: asInt32, framed: true };
      const int16Value = HUGE_INT16[offset % HUGE_INT16.length]!;
      const asInt16 = int16At(template.frame, offset, int16Value);
      if (asInt16 !== null) yield { label: `${name} int16 ${int16Value} at ${offset}`, bytes: asInt16, framed: true };
      const uvarint = HUGE_UVARINTS[offset % HUGE_UVARINTS.length]!;
      yield { label: `${name} uvarint ${uvarint.toString('hex')} at ${offset}`, bytes: uvarintAt(template.frame, offset, uvarint), framed: true };
    }
  }
}

// ---- random families ----

type Family = (random: SeededRandom, target: AttackTarget) => Omit<AttackCase, 'index'>;

const bitFlips: Family = (random, target) => {
  const template = validRequest(random, target);
  const frame = Buffer.from(template.frame);
  const flips = random.between(1, 8);
  for (let i = 0; i < flips; i++) {
    const at = random.between(SIZE_PREFIX_BYTES, frame.length - 1);
    frame[at] = frame[at]! ^ (1 << random.below(8));
  }
  return { label: `${template.name} v${template.version} bit-flip x${flips}`, bytes: frame, framed: true };
};

const byteSets: Family = (random, target) => {
  const template = validRequest(random, target);
  const frame = Buffer.from(template.frame);
  const count = random.between(1, 4);
  for (let i = 0; i < count; i++) frame[random.between(SIZE_PREFIX_BYTES, frame.length - 1)] = random.pick(INTERESTING_BYTES);
  return { label: `${template.name} v${template.version} byte-set x${count}`, bytes: frame, framed: true };
};

const randomTruncation: Family = (random, target) => {
  const template = validRequest(random, target);
  const length = random.below(template.frame.length - SIZE_PREFIX_BYTES);
  return { label: `${template.name} v${template.version} truncated to ${length}`, bytes: truncated(template.frame, length), framed: true };
};

const hugeInt32: Family = (random, target) => {
  const template = validRequest(random, target);
  const offset = random.below(template.frame.length - SIZE_PREFIX_BYTES - 3);
  const value = random.pick(HUGE_INT32);
  return { label: `${template.name} v${template.version} int32 ${value} at ${offset}`, bytes: int32At(template.frame, offset, value)!, framed: true };
};

const hugeInt16: Family = (random, target) => {
  const template = validRequest(random, target);
  const offset = random.below(template.frame.length - SIZE_PREFIX_BYTES - 1);
  const value = random.pick(HUGE_INT16);
  return { label: `${template.name} v${template.version} int16 ${value} at ${offset}`, bytes: int16At(template.frame, offset, value)!, framed: true };
};

const hugeUvarint: Family = (random, target) => {
  const template = validRequest(random, target);
  const offset = random.below(template.frame.length - SIZE_PREFIX_BYTES);
  const uvarint = random.pick(HUGE_UVARINTS);
  return { label: `${template.name} v${template.version} uvarint ${uvarint.toString('hex')} at ${offset}`, bytes: uvarintAt(template.frame, offset, uvarint), framed: true };
};

const splices: Family = (random, target) => {
  const template = validRequest(random, target);
  const payload = body(template.frame);
  const at = random.below(payload.length);
  const kind = random.below(3);
  if (kind === 0) {
    const inserted = random.bytes(random.between(1, 16));
    return { label: `${template.name} v${template.version} ${inserted.length} random bytes inserted at ${at}`, bytes: frameOf(Buffer.concat([payload.subarray(0, at), inserted, payload.subarray(at)])), framed: true };
  }
  if (kind === 1) {
    const removed = random.between(1, Math.max(1, payload.length - at));
    return { label: `${template.name} v${template.version} ${removed} bytes removed at ${at}`, bytes: frameOf(Buffer.concat([payload.subarray(0, at), payload.subarray(at + removed)])), framed: true };
  }
  const repeated = payload.subarray(at, at + random.between(1, 32));
  return { label: `${template.name} v${template.version} ${repeated.length} bytes repeated at ${at}`, bytes: frameOf(Buffer.concat([payload.subarray(0, at), repeated, payload.subarray(at)])), framed: true };
};

const randomBody: Family = (random) => {
  const payload = random.bytes(random.between(0, 300));
  return { label: `random body of ${payload.length} bytes`, bytes: frameOf(payload), framed: true };
};

const randomBytes: Family = (random) => {
  const bytes = random.bytes(random.between(1, 300));
  return { label: `${bytes.length} random bytes (size prefix ${bytes.length >= 4 ? bytes.readInt32BE(0) : 'partial'})`, bytes, framed: false };
};

const unknownApiKey: Family = (random) => {
  const apiKey = random.pick([19, 20, 21, 22, 32, 37, 44, 60, 68, 75, 76, 99, 1000, 0x7fff, -1, -0x8000, random.between(-0x8000, 0x7fff)]);
  const header = Buffer.alloc(8);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(random.between(0, 12), 2);
  header.writeInt32BE(random.below(INT32_MAX), 4);
  const clientId = Buffer.alloc(2 + CLIENT_ID.length);
  clientId.writeInt16BE(CLIENT_ID.length, 0);
  clientId.write(CLIENT_ID, 2);
  return { label: `unknown or unserved API key ${apiKey}`, bytes: frameOf(Buffer.concat([header, clientId, random.bytes(random.below(64))])), framed: true };
};

const unsupportedVersion: Family = (random, target) => {
  const template = validRequest(random, target);
  const frame = Buffer.from(template.frame);
  const version = random.pick([-1, -0x8000, 0x7fff, 14, 19, 5, 100, random.between(-0x8000, 0x7fff)]);
  frame.writeInt16BE(version, SIZE_PREFIX_BYTES + 2);
  return { label: `${template.name} asking version ${version}`, bytes: frame, framed: true };
};

const lyingSize: Family = (random, target) => {
  const template = validRequest(random, target);
  const frame = Buffer.from(template.frame);
  const realSize = frame.length - SIZE_PREFIX_BYTES;
  const kind = random.below(6);
  let claimed: number;
  let label: string;
  if (kind === 0) {
    claimed = realSize + random.between(1, 4096);
    label = 'bigger than the data, then quiet';
  } else if (kind === 1) {
    claimed = random.pick([-1, -0x8000_0000, -realSize, random.between(-0x8000_0000, -1)]);
    label = 'negative';
  } else if (kind === 2) {
    claimed = random.pick([target.maxRequestBytes + 1, INT32_MAX, target.maxRequestBytes + random.between(1, 1_000_000)]);
    label = `above socket.request.max.bytes (${target.maxRequestBytes})`;
  } else if (kind === 3) {
    claimed = random.below(realSize);
    label = 'smaller than the data';
  } else if (kind === 4) {
    claimed = target.maxRequestBytes;
    label = 'exactly socket.request.max.bytes, data missing';
  } else {
    claimed = random.between(0, 3);
    label = 'shorter than a request header';
  }
  frame.writeInt32BE(claimed, 0);
  return { label: `${template.name} v${template.version} size prefix ${claimed}: ${label}`, bytes: frame, framed: false };
};

/** Produce with a broken record batch: every header field lied about, CRCs corrupted, cut short. */
const brokenBatch: Family = (random, target) => {
  const version = random.between(3, 13);
  const batch = goodBatch(random, random.between(1, 5));
  let records: Buffer | null = batch;
  let what: string;
  switch (random.below(14)) {
    case 0:
      batch.writeUInt32BE((batch.readUInt32BE(RecordBatchField.crc) ^ (1 << random.below(32))) >>> 0, RecordBatchField.crc);
      what = 'corrupt CRC';
      break;
    case 1: {
      const at = random.between(RecordBatchField.attributes, batch.length - 1);
      batch[at] = batch[at]! ^ (1 << random.below(8));
      what = `byte ${at} flipped under the CRC`;
      break;
    }
    case 2:
      records = batch.subarray(0, random.below(batch.length));
      what = `batch truncated to ${records.length} of ${batch.length} bytes`;
      break;
    case 3: {
      const length = random.pick([INT32_MAX, -1, 0, 1, 48, batch.length, batch.length - 13, batch.length + 1000, -0x8000_0000]);
      batch.writeInt32BE(length, RecordBatchField.batchLength);
      what = `batchLength ${length} (real ${batch.length - 12})`;
      break;
    }
    case 4: {
      const magic = random.pick([0, 1, 3, 127, -1]);
      batch.writeInt8(magic, RecordBatchField.magic);
      what = `magic ${magic}`;
      break;
    }
    case 5: {
      const count = random.pick([INT32_MAX, -1, 0, 1_000_000, -0x8000_0000]);
      batch.writeInt32BE(count, RecordBatchField.recordsCount);
      recomputeCrc(batch);
      what = `recordsCount ${count} (CRC recomputed)`;
      break;
    }
    case 6: {
      const delta = random.pick([INT32_MAX, -1, 1_000_000, -0x8000_0000]);
      batch.writeInt32BE(delta, RecordBatchField.lastOffsetDelta);
      recomputeCrc(batch);
      what = `lastOffsetDelta ${delta} (CRC recomputed)`;
      break;
    }
    case 7: {
      const compression = random.between(1, 7);
      batch.writeInt16BE(compression, RecordBatchField.attributes);
      recomputeCrc(batch);
      what = `compression ${compression} over uncompressed bytes (CRC recomputed)`;
      break;
    }
    case 8: {
      random.bytes(batch.length - 61).copy(batch, 61);
      recomputeCrc(batch);
      what = 'garbage records (CRC recomputed)';
      break;
    }
    case 9:
      records = Buffer.concat([goodBatch(random, 1), batch.subarray(0, random.between(1, batch.length - 1))]);
      what = 'a good batch then a cut one';
      break;
    case 10:
      records = random.chance(0.5) ? Buffer.alloc(0) : null;
      what = records === null ? 'null records' : 'empty records';
      break;
    case 11:
      records = random.bytes(random.between(1, 200));
      what = 'random bytes as records';
      break;
    case 12: {
      const producerId = random.pick([0n, 1n, 0x7fff_ffff_ffff_ffffn, -2n]);
      batch.writeBigInt64BE(producerId, RecordBatchField.producerId);
      batch.writeInt16BE(random.pick([0, -1, 0x7fff]), RecordBatchField.producerEpoch);
      batch.writeInt32BE(random.pick([0, -1, INT32_MAX]), RecordBatchField.baseSequence);
      batch.writeInt16BE(random.pick([0, 0x10, 0x20, 0x30]), RecordBatchField.attributes);
      recomputeCrc(batch);
      what = `producer id ${producerId}, odd epoch/sequence/attributes (CRC recomputed)`;
      break;
    }
    default: {
      const timestamp = random.pick([-1n, -0x8000_0000_0000_0000n, 0x7fff_ffff_ffff_ffffn]);
      batch.writeBigInt64BE(timestamp, RecordBatchField.baseTimestamp);
      batch.writeBigInt64BE(timestamp, RecordBatchField.maxTimestamp);
      recomputeCrc(batch);
      what = `timestamps ${timestamp} (CRC recomputed)`;
      break;
    }
  }
  const acks = random.pick([1, 1, -1, 0]);
  const partition = random.chance(0.9) ? 0 : random.pick([1, -1, INT32_MAX]);
  return { label: `produce v${version} acks=${acks} partition ${partition}: ${what}`, bytes: produceFrame(version, target, records, acks, random.below(INT32_MAX), partition), framed: true };
};

/** Several frames back to back on one connection, valid or mutated, answered in order or closed. */
const pipelined: Family = (random, target) => {
  const count = random.between(2, 6);
  const parts: Buffer[] = [];
  const labels: string[] = [];
  for (let i = 0; i < count; i++) {
    const part = random.chance(0.6) ? (() => {
      const template = validRequest(random, target);
      return { label: `${template.name} v${template.version}`, bytes: template.frame, framed: true };
    })() : random.pick([bitFlips, hugeInt32, brokenBatch, unsupportedVersion])(random, target);
    parts.push(part.bytes);
    labels.push(part.label);
  }
  const inPieces = random.chance(0.3);
  return { label: `pipelined${inPieces ? ' in pieces' : ''}: ${labels.join(' | ')}`, bytes: Buffer.concat(parts), framed: true, inPieces };
};

/** A well-encoded request with edge-case values for any API the broker serves. */
const servedRequest: Family = (random, target) => {
  const request = randomServedRequest(random, target);
  return { label: `${request.name} v${request.version} with random values`, bytes: request.frame, framed: true };
};

const FAMILIES: readonly (readonly [Family, number])[] = [
  [servedRequest, 12],
  [pipelined, 8],
  [bitFlips, 12],
  [byteSets, 5],
  [randomTruncation, 4],
  [hugeInt32, 5],
  [hugeInt16, 4],
  [hugeUvarint, 4],
  [splices, 4],
  [randomBody, 3],
  [randomBytes, 2],
  [unknownApiKey, 3],
  [unsupportedVersion, 3],
  [lyingSize, 3],
  [brokenBatch, 12],
];
const TOTAL_WEIGHT = FAMILIES.reduce((sum, [, weight]) => sum + weight, 0);

function randomCase(random: SeededRandom, target: AttackTarget): Omit<AttackCase, 'index'> {
  let roll = random.below(TOTAL_WEIGHT);
  for (const [family, weight] of FAMILIES) {
    if (roll < weight) return family(random, target);
    roll -= weight;
  }
  throw new Error('unreachable');
}

/** The sweeps, then `randomCount` random cases, numbered from 0. */
export function* attackCases(random: SeededRandom, target: AttackTarget, randomCount: number): Generator<AttackCase> {
  let index = 0;
  for (const sweep of sweepCases(target, random)) yield { index: index++, ...sweep };
  for (let i = 0; i < randomCount; i++) yield { index: index++, ...randomCase(random, target) };
}
