// Reads Kafka's wire primitives from a Buffer, big-endian, with a bounds check before every read.
//
// Bounds: every length (string, bytes, array, tagged field) is compared with the bytes remaining in
// the frame BEFORE anything is allocated, so a lying length costs nothing and throws a
// ProtocolDecodeError. An array of N elements needs at least N bytes (every element type we decode
// takes one byte or more). Decoders preallocate only arrays of up to 1024 elements and grow larger
// ones as elements actually decode, so memory follows the bytes present, not the lengths claimed.
// A reader can also be given a budget of array elements over the whole frame (see the
// constructor): the network side uses it to bound what one request may cost once decoded.
//
// int64 policy: int64 fields decode to `bigint` (exact over the whole range; Kafka's sentinels such
// as Long.MAX_VALUE survive). See README.md for the reasoning and the cost measured.
//
// Ownership: `bytes` fields are copied out of the frame (they may be kept long after the request,
// e.g. group member metadata, and a view would pin the whole frame); `records` fields are views
// (zero copy, consumed while the request is handled).

import { ProtocolDecodeError } from './errors.ts';

const textDecoderFallback = new TextDecoder('utf-8', { fatal: false });

export class Reader {
  readonly buffer: Buffer;
  offset: number;
  readonly end: number;
  /**
   * Array elements this reader may still decode, over all the arrays it reads. Each element
   * becomes at least one object (tens of bytes) from as little as one byte of frame, so the bytes
   * check alone lets a frame within socket.request.max.bytes cost gigabytes; a server passes a
   * budget per request (unlimited by default).
   */
  private arrayElementsLeft: number;

  constructor(buffer: Buffer, offset = 0, end = buffer.length, maxArrayElements = Number.POSITIVE_INFINITY) {
    this.buffer = buffer;
    this.offset = offset;
    this.end = end;
    this.arrayElementsLeft = maxArrayElements;
  }

  remaining(): number {
    return this.end - this.offset;
  }

  private need(byteCount: number): void {
    if (this.end - this.offset < byteCount) {
      throw new ProtocolDecodeError(
        'truncated',
        `need ${byteCount} bytes at offset ${this.offset}, ${this.end - this.offset} left`,
      );
    }
  }

  skip(byteCount: number): void {
    this.need(byteCount);
    this.offset += byteCount;
  }

  bool(): boolean {
    this.need(1);
    return this.buffer[this.offset++] !== 0;
  }

  int8(): number {
    this.need(1);
    const value = this.buffer[this.offset++]!;
    return (value << 24) >> 24;
  }

  int16(): number {
    this.need(2);
    const buffer = this.buffer;
    const offset = this.offset;
    this.offset = offset + 2;
    return ((buffer[offset]! << 24) | (buffer[offset + 1]! << 16)) >> 16;
  }

  uint16(): number {
    this.need(2);
    const buffer = this.buffer;
    const offset = this.offset;
    this.offset = offset + 2;
    return (buffer[offset]! << 8) | buffer[offset + 1]!;
  }

  int32(): number {
    this.need(4);
    const buffer = this.buffer;
    const offset = this.offset;
    this.offset = offset + 4;
    return (
      (buffer[offset]! << 24) |
      (buffer[offset + 1]! << 16) |
      (buffer[offset + 2]! << 8) |
      buffer[offset + 3]!
    );
  }

  uint32(): number {
    return this.int32() >>> 0;
  }

  int64(): bigint {
    this.need(8);
    const value = this.buffer.readBigInt64BE(this.offset);
    this.offset += 8;
    return value;
  }

  float64(): number {
    this.need(8);
    const value = this.buffer.readDoubleBE(this.offset);
    this.offset += 8;
    return value;
  }

  /** Unsigned varint of at most 32 bits (5 bytes), as in KIP-482 lengths and tags. */
  uvarint(): number {
    const buffer = this.buffer;
    let value = 0;
    let shift = 0;
    for (let index = 0; index < 5; index++) {
      if (this.offset >= this.end) {
        throw new ProtocolDecodeError('truncated', `varint runs past the end at ${this.offset}`);
      }
      const byte = buffer[this.offset++]!;
      if (index === 4 && byte > 0x0f) {
        throw new ProtocolDecodeError('invalid-length', 'unsigned varint exceeds 32 bits');
      }
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
      shift += 7;
    }
    throw new ProtocolDecodeError('invalid-length', 'unsigned varint longer than 5 bytes');
  }

  /** Zig-zag signed varint (int32), as inside records. */
  varint(): number {
    const raw = this.uvarint();
    return (raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2) | 0;
  }

  /** Zig-zag signed varlong (int64, up to 10 bytes), as inside records. */
  varlong(): bigint {
    const buffer = this.buffer;
    let raw = 0n;
    let shift = 0n;
    for (let index = 0; index < 10; index++) {
      if (this.offset >= this.end) {
        throw new ProtocolDecodeError('truncated', `varlong runs past the end at ${this.offset}`);
      }
      const byte = buffer[this.offset++]!;
      if (index === 9 && byte > 0x01) {
        throw new ProtocolDecodeError('invalid-length', 'varlong exceeds 64 bits');
      }
      raw |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return (raw >> 1n) ^ -(raw & 1n);
      shift += 7n;
    }
    throw new ProtocolDecodeError('invalid-length', 'varlong longer than 10 bytes');
  }

  uuid(): string {
    this.need(16);
    const offset = this.offset;
    this.offset = offset + 16;
    return this.buffer.toString('base64url', offset, offset + 16);
  }

  private utf8(length: number): string {
    this.need(length);
    const offset = this.offset;
    this.offset = offset + length;
    if (length === 0) return '';
    return length < 4096
      ? this.buffer.toString('utf8', offset, offset + length)
      : textDecoderFallback.decode(this.buffer.subarray(offset, offset + length));
  }

  private lengthError(kind: string, length: number): ProtocolDecodeError {
    return new ProtocolDecodeError('invalid-length', `invalid ${kind} length ${length} at ${this.offset}`);
  }

  private nullError(kind: string): ProtocolDecodeError {
    return new ProtocolDecodeError('unexpected-null', `null ${kind} at ${this.offset} where not allowed`);
  }

  string(): string {
    const length = this.int16();
    if (length < 0) throw length === -1 ? this.nullError('string') : this.lengthError('string', length);
    return this.utf8(length);
  }

  nullableString(): string | null {
    const length = this.int16();
    if (length === -1) return null;
    if (length < 0) throw this.lengthError('string', length);
    return this.utf8(length);
  }

  compactString(): string {
    const lengthPlusOne = this.uvarint();
    if (lengthPlusOne === 0) throw this.nullError('compact string');
    return this.utf8(lengthPlusOne - 1);
  }

  compactNullableString(): string | null {
    const lengthPlusOne = this.uvarint();
    if (lengthPlusOne === 0) return null;
    return this.utf8(lengthPlusOne - 1);
  }

  private view(length: number): Buffer {
    this.need(length);
    const offset = this.offset;
    this.offset = offset + length;
    return this.buffer.subarray(offset, offset + length);
  }

  private copy(length: number): Buffer {
    return Buffer.from(this.view(length));
  }

  bytes(): Buffer {
    const length = this.int32();
    if (length < 0) throw length === -1 ? this.nullError('bytes') : this.lengthError('bytes', length);
    return this.copy(length);
  }

  nullableBytes(): Buffer | null {
    const length = this.int32();
    if (length === -1) return null;
    if (length < 0) throw this.lengthError('bytes', length);
    return this.copy(length);
  }

  compactBytes(): Buffer {
    const lengthPlusOne = this.uvarint();
    if (lengthPlusOne === 0) throw this.nullError('compact bytes');
    return this.copy(lengthPlusOne - 1);
  }

  compactNullableBytes(): Buffer | null {
    const lengthPlusOne = this.uvarint();
    if (lengthPlusOne === 0) return null;
    return this.copy(lengthPlusOne - 1);
  }

  /** A `records` field: a view into the frame, never copied, never decoded. */
  records(): Buffer | null {
    const length = this.int32();
    if (length === -1) return null;
    if (length < 0) throw this.lengthError('records', length);
    return this.view(length);
  }

  compactRecords(): Buffer | null {
    const lengthPlusOne = this.uvarint();
    if (lengthPlusOne === 0) return null;
    return this.view(lengthPlusOne - 1);
  }

  /** Array length; -1 means null. Bounded by the bytes remaining before any allocation. */
  arrayLength(): number {
    const length = this.int32();
    if (length === -1) return -1;
    if (length < 0 || length > this.end - this.offset) throw this.lengthError('array', length);
    this.takeArrayElements(length);
    return length;
  }

  /** Compact array length (uvarint N+1, 0 = null); -1 means null. */
  compactArrayLength(): number {
    const lengthPlusOne = this.uvarint();
    if (lengthPlusOne === 0) return -1;
    const length = lengthPlusOne - 1;
    if (length > this.end - this.offset) throw this.lengthError('compact array', length);
    this.takeArrayElements(length);
    return length;
  }

  private takeArrayElements(length: number): void {
    if (length > this.arrayElementsLeft) {
      throw new ProtocolDecodeError('invalid-length', `array of ${length} elements at ${this.offset} is over the budget of array elements left for this frame (${this.arrayElementsLeft})`);
    }
    this.arrayElementsLeft -= length;
  }

  /** Number of fields in a tagged-field section; each takes at least two bytes. */
  taggedFieldCount(): number {
    const count = this.uvarint();
    if (count * 2 > this.end - this.offset) throw this.lengthError('tagged field count', count);
    return count;
  }

  /** Size of one tagged field, checked against the bytes remaining; returns where it ends. */
  taggedFieldEnd(): number {
    const size = this.uvarint();
    if (size > this.end - this.offset) throw this.lengthError('tagged field', size);
    return this.offset + size;
  }

  /** Checks that a known tagged field consumed exactly its declared size. */
  expectTaggedFieldEnd(end: number, tag: number): void {
    if (this.offset !== end) {
      throw new ProtocolDecodeError(
        'invalid-tagged-field',
        `tagged field ${tag} ends at ${this.offset}, its size says ${end}`,
      );
    }
  }

  /** Skips a whole tagged-field section (all fields unknown). */
  skipTaggedFields(): void {
    const count = this.taggedFieldCount();
    for (let index = 0; index < count; index++) {
      this.uvarint();
      this.offset = this.taggedFieldEnd();
    }
  }
}
