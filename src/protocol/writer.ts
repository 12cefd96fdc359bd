// Writes Kafka's wire primitives into a Buffer, big-endian.
//
// Two ways to use it (both measured in bench/protocol-codec.bench.ts):
// - pre-sized: the compiled `size` function computes the exact length first, the Writer is created
//   with that capacity and never grows (one allocation, no copy). This is what `encode*` uses.
// - growable: start small and double on demand (`ensure`).
//
// Parts mode (for Fetch responses): when created with `collectParts`, a `records` value that is a
// RecordsRef (a file region the network layer will send with sendfile or pread) or a Buffer is not
// copied: the writer writes its length prefix, closes the current chunk of its buffer, and appends
// the value itself to `parts`. The result is Array<Buffer | RecordsRef> in wire order.

import { ProtocolEncodeError } from './errors.ts';

/**
 * A placeholder for record data that is not in memory: the encoder writes its length prefix and
 * emits the object itself as a part. The network layer defines what else it carries (e.g. a file
 * descriptor, position). `byteLength` must be exact: it is what the length prefix says.
 */
export interface RecordsRef {
  readonly kind: 'records-ref';
  readonly byteLength: number;
}

export type EncodedPart = Buffer | RecordsRef;

export function isRecordsRef(value: unknown): value is RecordsRef {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'records-ref';
}

/** Bytes an unsigned varint takes. */
export function uvarintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

export function varintSize(value: number): number {
  return uvarintSize(value >= 0 ? value * 2 : -value * 2 - 1);
}

const INT16_MAX = 0x7fff;

function checkInteger(value: number, min: number, max: number, type: string): void {
  // Written so that NaN, undefined and fractions fail too: a wrapped value would be silent corruption.
  if (!(value >= min && value <= max && Math.floor(value) === value)) {
    throw new ProtocolEncodeError(`${String(value)} is not a valid ${type}`);
  }
}

export class Writer {
  buffer: Buffer;
  offset: number;
  /** Non-null in parts mode. */
  readonly parts: EncodedPart[] | null;
  private partStart: number;

  constructor(capacity: number, collectParts = false) {
    this.buffer = Buffer.allocUnsafe(capacity);
    this.offset = 0;
    this.parts = collectParts ? [] : null;
    this.partStart = 0;
  }

  ensure(byteCount: number): void {
    if (this.offset + byteCount > this.buffer.length) this.grow(byteCount);
  }

  private grow(byteCount: number): void {
    const capacity = Math.max(this.buffer.length * 2, this.offset + byteCount);
    const next = Buffer.allocUnsafe(capacity);
    // Chunks already emitted in parts mode keep pointing at the old buffer, which is not reused.
    this.buffer.copy(next, 0, 0, this.offset);
    this.buffer = next;
  }

  /** The bytes written so far (single-buffer mode). */
  finish(): Buffer {
    return this.buffer.subarray(0, this.offset);
  }

  /** All parts in wire order (parts mode). */
  finishParts(): EncodedPart[] {
    const parts = this.parts;
    if (parts === null) return [this.finish()];
    if (this.offset > this.partStart) parts.push(this.buffer.subarray(this.partStart, this.offset));
    this.partStart = this.offset;
    return parts;
  }

  bool(value: boolean): void {
    this.ensure(1);
    this.buffer[this.offset++] = value ? 1 : 0;
  }

  int8(value: number): void {
    checkInteger(value, -0x80, 0x7f, 'int8');
    this.ensure(1);
    this.buffer[this.offset++] = value & 0xff;
  }

  int16(value: number): void {
    checkInteger(value, -0x8000, 0x7fff, 'int16');
    this.writeInt16Unchecked(value);
  }

  private writeInt16Unchecked(value: number): void {
    this.ensure(2);
    const buffer = this.buffer;
    const offset = this.offset;
    buffer[offset] = (value >>> 8) & 0xff;
    buffer[offset + 1] = value & 0xff;
    this.offset = offset + 2;
  }

  uint16(value: number): void {
    checkInteger(value, 0, 0xffff, 'uint16');
    this.writeInt16Unchecked(value);
  }

  int32(value: number): void {
    checkInteger(value, -0x80000000, 0x7fffffff, 'int32');
    this.writeInt32Unchecked(value);
  }

  private writeInt32Unchecked(value: number): void {
    this.ensure(4);
    const buffer = this.buffer;
    const offset = this.offset;
    buffer[offset] = (value >>> 24) & 0xff;
    buffer[offset + 1] = (value >>> 16) & 0xff;
    buffer[offset + 2] = (value >>> 8) & 0xff;
    buffer[offset + 3] = value & 0xff;
    this.offset = offset + 4;
  }

  uint32(value: number): void {
    checkInteger(value, 0, 0xffffffff, 'uint32');
    this.writeInt32Unchecked(value);
  }

  int64(value: bigint): void {
    if (typeof value !== 'bigint') throw new ProtocolEncodeError(`${String(value)} is not a bigint (int64)`);
    this.ensure(8);
    this.buffer.writeBigInt64BE(value, this.offset);
    this.offset += 8;
  }

  float64(value: number): void {
    this.ensure(8);
    this.buffer.writeDoubleBE(value, this.offset);
    this.offset += 8;
  }

  uvarint(value: number): void {
    checkInteger(value, 0, 0xffffffff, 'unsigned varint');
    this.ensure(5);
    const buffer = this.buffer;
    let rest = value >>> 0;
    while (rest >= 0x80) {
      buffer[this.offset++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    buffer[this.offset++] = rest;
  }

  varint(value: number): void {
    checkInteger(value, -0x80000000, 0x7fffffff, 'varint');
    this.uvarint(((value << 1) ^ (value >> 31)) >>> 0);
  }

  varlong(value: bigint): void {
    this.ensure(10);
    let rest = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
    while (rest >= 0x80n) {
      this.buffer[this.offset++] = Number(rest & 0x7fn) | 0x80;
      rest >>= 7n;
    }
    this.buffer[this.offset++] = Number(rest);
  }

  uuid(value: string): void {
    this.ensure(16);
    const written = this.buffer.write(value, this.offset, 16, 'base64url');
    if (written !== 16 || value.length !== 22) {
      throw new ProtocolEncodeError(`invalid UUID '${value}': expected 22 base64url characters`);
    }
    this.offset += 16;
  }

  private utf8(value: string, byteLength: number): void {
    this.ensure(byteLength);
    this.offset += this.buffer.write(value, this.offset, byteLength, 'utf8');
  }

  string(value: string): void {
    const byteLength = Buffer.byteLength(value);
    if (byteLength > INT16_MAX) throw new ProtocolEncodeError(`string of ${byteLength} bytes is too long`);
    this.int16(byteLength);
    this.utf8(value, byteLength);
  }

  nullableString(value: string | null): void {
    if (value === null) this.int16(-1);
    else this.string(value);
  }

  compactString(value: string): void {
    const byteLength = Buffer.byteLength(value);
    this.uvarint(byteLength + 1);
    this.utf8(value, byteLength);
  }

  compactNullableString(value: string | null): void {
    if (value === null) this.uvarint(0);
    else this.compactString(value);
  }

  private raw(value: Buffer): void {
    this.ensure(value.length);
    value.copy(this.buffer, this.offset);
    this.offset += value.length;
  }

  bytes(value: Buffer): void {
    this.int32(value.length);
    this.raw(value);
  }

  nullableBytes(value: Buffer | null): void {
    if (value === null) this.int32(-1);
    else this.bytes(value);
  }

  compactBytes(value: Buffer): void {
    this.uvarint(value.length + 1);
    this.raw(value);
  }

  compactNullableBytes(value: Buffer | null): void {
    if (value === null) this.uvarint(0);
    else this.compactBytes(value);
  }

  /** A `records` field: length prefix, then the bytes (copied) or, in parts mode, a part. */
  records(value: Buffer | RecordsRef | null, compact: boolean): void {
    if (value === null) {
      if (compact) this.uvarint(0);
      else this.int32(-1);
      return;
    }
    const byteLength = value.byteLength;
    if (compact) this.uvarint(byteLength + 1);
    else this.int32(byteLength);
    if (this.parts !== null) {
      if (byteLength === 0) return;
      if (this.offset > this.partStart) this.parts.push(this.buffer.subarray(this.partStart, this.offset));
      this.parts.push(value);
      this.partStart = this.offset;
      return;
    }
    if (isRecordsRef(value)) {
      throw new ProtocolEncodeError('a RecordsRef can only be encoded in parts mode (encode*Parts)');
    }
    this.raw(value);
  }

  arrayLength(length: number): void {
    this.int32(length);
  }

  compactArrayLength(length: number): void {
    this.uvarint(length + 1);
  }
}
