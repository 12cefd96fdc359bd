// Binary encoding of Raft messages and entries, shared by the TCP transport and the file storage.
//
// Why our own compact framing rather than Kafka's KRaft RPC schemas or protobufjs: the peers are
// always fjord controllers of the same build, the message set is ten fixed shapes, and the hot
// message (append) is mostly opaque entry bytes. A hand-written codec needs no dependency, no schema
// compilation at startup, copies entry data once, and checks every length against a bound before
// allocating. A version byte leads each message so the format can evolve.
//
// All integers are big-endian. u64 values are JavaScript safe integers (< 2^53).
//
//   message  := version:u8(=1) type:u8 from:u32 to:u32 term:u64 body
//   body by type:
//     1 pre-vote            lastIndex:u64 lastTerm:u64
//     2 vote                lastIndex:u64 lastTerm:u64 transfer:u8
//     3 pre-vote-response   granted:u8
//     4 vote-response       granted:u8
//     5 append              prevIndex:u64 prevTerm:u64 commit:u64 count:u32 entry × count
//     6 append-response     success:u8 index:u64 hint:u64
//     7 heartbeat           commit:u64 readRound:u64
//     8 heartbeat-response  readRound:u64
//     9 snapshot-chunk      meta totalBytes:u64 offset:u64 length:u32 bytes
//    10 snapshot-response   snapshotIndex:u64 nextOffset:u64
//    11 timeout-now
//   entry    := term:u64 index:u64 kind:u8 (0 normal, 1 config, 2 noop) length:u32 bytes
//   meta     := index:u64 term:u64 configLength:u32 configBytes (see config.ts)

import { decodeConfig, encodeConfig } from './config.ts';
import type { Entry, EntryKind, Message, MessageType, SnapshotMeta } from './types.ts';
import { logIndex, nodeId, term } from './types.ts';

export const CODEC_VERSION = 1;

export class CodecError extends Error {
  override name = 'CodecError';
}

const TYPE_CODES: Record<MessageType, number> = {
  'pre-vote': 1,
  vote: 2,
  'pre-vote-response': 3,
  'vote-response': 4,
  append: 5,
  'append-response': 6,
  heartbeat: 7,
  'heartbeat-response': 8,
  'snapshot-chunk': 9,
  'snapshot-response': 10,
  'timeout-now': 11,
};
const TYPES_BY_CODE = new Map<number, MessageType>(
  Object.entries(TYPE_CODES).map(([type, code]) => [code, type as MessageType]),
);
const KIND_CODES: Record<EntryKind, number> = { normal: 0, config: 1, noop: 2 };
const KINDS_BY_CODE: readonly EntryKind[] = ['normal', 'config', 'noop'];

export class ByteWriter {
  #bytes: Uint8Array;
  #view: DataView;
  #length = 0;

  constructor(initialBytes = 256) {
    this.#bytes = new Uint8Array(initialBytes);
    this.#view = new DataView(this.#bytes.buffer);
  }

  get length(): number {
    return this.#length;
  }

  u8(value: number): this {
    this.#reserve(1);
    this.#view.setUint8(this.#length, value);
    this.#length += 1;
    return this;
  }

  u32(value: number): this {
    this.#reserve(4);
    this.#view.setUint32(this.#length, value);
    this.#length += 4;
    return this;
  }

  u64(value: number): this {
    if (!Number.isSafeInteger(value) || value < 0) throw new CodecError(`not a u64 safe integer: ${value}`);
    this.#reserve(8);
    this.#view.setUint32(this.#length, Math.floor(value / 0x1_0000_0000));
    this.#view.setUint32(this.#length + 4, value >>> 0);
    this.#length += 8;
    return this;
  }

  bytes(value: Uint8Array): this {
    this.#reserve(value.byteLength);
    this.#bytes.set(value, this.#length);
    this.#length += value.byteLength;
    return this;
  }

  /** A view of what was written; valid until the next write. */
  finish(): Uint8Array {
    return this.#bytes.subarray(0, this.#length);
  }

  #reserve(extra: number): void {
    if (this.#length + extra <= this.#bytes.byteLength) return;
    let capacity = this.#bytes.byteLength * 2;
    while (capacity < this.#length + extra) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.#bytes.subarray(0, this.#length));
    this.#bytes = grown;
    this.#view = new DataView(grown.buffer);
  }
}

export class ByteReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #offset = 0;

  constructor(bytes: Uint8Array) {
    // A plain Uint8Array view even for a Buffer, whose slice() would alias instead of copy.
    this.#bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.#bytes.byteLength - this.#offset;
  }

  u8(): number {
    this.#need(1);
    const value = this.#view.getUint8(this.#offset);
    this.#offset += 1;
    return value;
  }

  u32(): number {
    this.#need(4);
    const value = this.#view.getUint32(this.#offset);
    this.#offset += 4;
    return value;
  }

  u64(): number {
    this.#need(8);
    const high = this.#view.getUint32(this.#offset);
    const low = this.#view.getUint32(this.#offset + 4);
    this.#offset += 8;
    const value = high * 0x1_0000_0000 + low;
    if (!Number.isSafeInteger(value)) throw new CodecError('u64 beyond the safe integer range');
    return value;
  }

  /** A copy, so that decoded messages never alias a reused network or file buffer. */
  bytes(length: number): Uint8Array {
    this.#need(length);
    const value = this.#bytes.slice(this.#offset, this.#offset + length);
    this.#offset += length;
    return value;
  }

  #need(length: number): void {
    if (this.#offset + length > this.#bytes.byteLength) {
      throw new CodecError(`truncated: need ${length} bytes at ${this.#offset} of ${this.#bytes.byteLength}`);
    }
  }
}

export function writeEntry(writer: ByteWriter, entry: Entry): void {
  writer.u64(entry.term).u64(entry.index).u8(KIND_CODES[entry.kind]).u32(entry.data.byteLength).bytes(entry.data);
}

export function readEntry(reader: ByteReader): Entry {
  const entryTerm = term(reader.u64());
  const index = logIndex(reader.u64());
  const kind = KINDS_BY_CODE[reader.u8()];
  if (kind === undefined) throw new CodecError('unknown entry kind');
  const data = reader.bytes(reader.u32());
  return { term: entryTerm, index, kind, data };
}

export function writeSnapshotMeta(writer: ByteWriter, meta: SnapshotMeta): void {
  const config = encodeConfig(meta.config);
  writer.u64(meta.index).u64(meta.term).u32(config.byteLength).bytes(config);
}

export function readSnapshotMeta(reader: ByteReader): SnapshotMeta {
  const index = logIndex(reader.u64());
  const metaTerm = term(reader.u64());
  const config = decodeConfig(reader.bytes(reader.u32()));
  return { index, term: metaTerm, config };
}

export function encodeMessage(message: Message): Uint8Array {
  const writer = new ByteWriter(message.type === 'append' || message.type === 'snapshot-chunk' ? 4096 : 64);
  writer.u8(CODEC_VERSION).u8(TYPE_CODES[message.type]).u32(message.from).u32(message.to).u64(message.term);
  switch (message.type) {
    case 'pre-vote':
      writer.u64(message.lastIndex).u64(message.lastTerm);
      break;
    case 'vote':
      writer.u64(message.lastIndex).u64(message.lastTerm).u8(message.transfer ? 1 : 0);
      break;
    case 'pre-vote-response':
    case 'vote-response':
      writer.u8(message.granted ? 1 : 0);
      break;
    case 'append':
      writer.u64(message.prevIndex).u64(message.prevTerm).u64(message.commit).u32(message.entries.length);
      for (const entry of message.entries) writeEntry(writer, entry);
      break;
    case 'append-response':
      writer.u8(message.success ? 1 : 0).u64(message.index).u64(message.hint);
      break;
    case 'heartbeat':
      writer.u64(message.commit).u64(message.readRound);
      break;
    case 'heartbeat-response':
      writer.u64(message.readRound);
      break;
    case 'snapshot-chunk':
      writeSnapshotMeta(writer, message.meta);
      writer.u64(message.totalBytes).u64(message.offset).u32(message.data.byteLength).bytes(message.data);
      break;
    case 'snapshot-response':
      writer.u64(message.snapshotIndex).u64(message.nextOffset);
      break;
    case 'timeout-now':
      break;
  }
  return writer.finish().slice();
}

/** Decodes one message; `entriesMax` bounds the entry count an append may claim before anything is allocated. */
export function decodeMessage(bytes: Uint8Array, entriesMax = 65_536): Message {
  const reader = new ByteReader(bytes);
  const version = reader.u8();
  if (version !== CODEC_VERSION) throw new CodecError(`unsupported message version ${version}`);
  const type = TYPES_BY_CODE.get(reader.u8());
  if (type === undefined) throw new CodecError('unknown message type');
  const from = nodeId(reader.u32());
  const to = nodeId(reader.u32());
  const messageTerm = term(reader.u64());
  const envelope = { from, to, term: messageTerm };
  let message: Message;
  switch (type) {
    case 'pre-vote':
      message = { type, ...envelope, lastIndex: logIndex(reader.u64()), lastTerm: term(reader.u64()) };
      break;
    case 'vote':
      message = {
        type,
        ...envelope,
        lastIndex: logIndex(reader.u64()),
        lastTerm: term(reader.u64()),
        transfer: reader.u8() === 1,
      };
      break;
    case 'pre-vote-response':
    case 'vote-response':
      message = { type, ...envelope, granted: reader.u8() === 1 };
      break;
    case 'append': {
      const prevIndex = logIndex(reader.u64());
      const prevTerm = term(reader.u64());
      const commit = logIndex(reader.u64());
      const count = reader.u32();
      if (count > entriesMax) throw new CodecError(`append claims ${count} entries, bound is ${entriesMax}`);
      const entries: Entry[] = [];
      for (let i = 0; i < count; i++) entries.push(readEntry(reader));
      message = { type, ...envelope, prevIndex, prevTerm, commit, entries };
      break;
    }
    case 'append-response':
      message = {
        type,
        ...envelope,
        success: reader.u8() === 1,
        index: logIndex(reader.u64()),
        hint: logIndex(reader.u64()),
      };
      break;
    case 'heartbeat':
      message = { type, ...envelope, commit: logIndex(reader.u64()), readRound: reader.u64() };
      break;
    case 'heartbeat-response':
      message = { type, ...envelope, readRound: reader.u64() };
      break;
    case 'snapshot-chunk': {
      const meta = readSnapshotMeta(reader);
      const totalBytes = reader.u64();
      const offset = reader.u64();
      const data = reader.bytes(reader.u32());
      message = { type, ...envelope, meta, totalBytes, offset, data };
      break;
    }
    case 'snapshot-response':
      message = { type, ...envelope, snapshotIndex: logIndex(reader.u64()), nextOffset: reader.u64() };
      break;
    case 'timeout-now':
      message = { type, ...envelope };
      break;
  }
  if (reader.remaining !== 0) throw new CodecError(`${reader.remaining} trailing bytes after ${type}`);
  return message;
}
