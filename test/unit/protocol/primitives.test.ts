import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { ProtocolDecodeError } from '../../../src/protocol/errors.ts';
import { Reader } from '../../../src/protocol/reader.ts';
import { uvarintSize, varintSize, Writer } from '../../../src/protocol/writer.ts';

function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}

function written(write: (writer: Writer) => void): string {
  const writer = new Writer(1);
  write(writer);
  return writer.finish().toString('hex');
}

function decodeError(read: () => unknown, reason: string): void {
  assert.throws(read, (error: unknown) => {
    assert.ok(error instanceof ProtocolDecodeError, `expected ProtocolDecodeError, got ${String(error)}`);
    assert.equal(error.reason, reason);
    return true;
  });
}

describe('fixed-width integers', () => {
  test('encode big-endian with golden bytes', () => {
    assert.equal(written((w) => w.int8(-1)), 'ff');
    assert.equal(written((w) => w.int16(-2)), 'fffe');
    assert.equal(written((w) => w.uint16(65535)), 'ffff');
    assert.equal(written((w) => w.int32(0x01020304)), '01020304');
    assert.equal(written((w) => w.int32(-1)), 'ffffffff');
    assert.equal(written((w) => w.uint32(0xfffffffe)), 'fffffffe');
    assert.equal(written((w) => w.int64(-2n)), 'fffffffffffffffe');
    assert.equal(written((w) => w.int64(9223372036854775807n)), '7fffffffffffffff');
    assert.equal(written((w) => w.float64(1.5)), '3ff8000000000000');
    assert.equal(written((w) => w.bool(true)), '01');
  });

  test('decode signed and unsigned values', () => {
    const reader = new Reader(hex('ff fffe ffff 80000000 fffffffe 8000000000000000 3ff8000000000000 02'));
    assert.equal(reader.int8(), -1);
    assert.equal(reader.int16(), -2);
    assert.equal(reader.uint16(), 65535);
    assert.equal(reader.int32(), -2147483648);
    assert.equal(reader.uint32(), 4294967294);
    assert.equal(reader.int64(), -9223372036854775808n);
    assert.equal(reader.float64(), 1.5);
    assert.equal(reader.bool(), true, 'any non-zero byte is true');
    assert.equal(reader.remaining(), 0);
  });

  test('a read past the end throws a typed truncated error', () => {
    decodeError(() => new Reader(hex('0001')).int32(), 'truncated');
    decodeError(() => new Reader(hex('00000000000000')).int64(), 'truncated');
    decodeError(() => new Reader(Buffer.alloc(0)).int8(), 'truncated');
    decodeError(() => new Reader(hex('01020304'), 0, 2).int32(), 'truncated');
  });
});

describe('varints', () => {
  const unsignedCases: Array<[number, string]> = [
    [0, '00'],
    [1, '01'],
    [127, '7f'],
    [128, '8001'],
    [300, 'ac02'],
    [16383, 'ff7f'],
    [16384, '808001'],
    [2097151, 'ffff7f'],
    [268435455, 'ffffff7f'],
    [268435456, '8080808001'],
    [4294967295, 'ffffffff0f'],
  ];
  for (const [value, bytes] of unsignedCases) {
    test(`unsigned varint ${value} is ${bytes}`, () => {
      assert.equal(written((w) => w.uvarint(value)), bytes);
      assert.equal(new Reader(hex(bytes)).uvarint(), value);
      assert.equal(uvarintSize(value), bytes.length / 2);
    });
  }

  const zigZagCases: Array<[number, string]> = [
    [0, '00'],
    [-1, '01'],
    [1, '02'],
    [-2, '03'],
    [63, '7e'],
    [-64, '7f'],
    [64, '8001'],
    [2147483647, 'feffffff0f'],
    [-2147483648, 'ffffffff0f'],
  ];
  for (const [value, bytes] of zigZagCases) {
    test(`zig-zag varint ${value} is ${bytes}`, () => {
      assert.equal(written((w) => w.varint(value)), bytes);
      assert.equal(new Reader(hex(bytes)).varint(), value);
      assert.equal(varintSize(value), bytes.length / 2);
    });
  }

  const varlongCases: Array<[bigint, string]> = [
    [0n, '00'],
    [-1n, '01'],
    [1n, '02'],
    [9223372036854775807n, 'feffffffffffffffff01'],
    [-9223372036854775808n, 'ffffffffffffffffff01'],
  ];
  for (const [value, bytes] of varlongCases) {
    test(`zig-zag varlong ${value} is ${bytes}`, () => {
      assert.equal(written((w) => w.varlong(value)), bytes);
      assert.equal(new Reader(hex(bytes)).varlong(), value);
    });
  }

  test('malformed varints throw typed errors', () => {
    decodeError(() => new Reader(hex('ffffffffff01')).uvarint(), 'invalid-length');
    decodeError(() => new Reader(hex('ffffffff1f')).uvarint(), 'invalid-length');
    decodeError(() => new Reader(hex('8080')).uvarint(), 'truncated');
    decodeError(() => new Reader(hex('ffffffffffffffffff7f')).varlong(), 'invalid-length');
    decodeError(() => new Reader(hex('ff')).varlong(), 'truncated');
  });
});

describe('strings and bytes', () => {
  test('string forms with golden bytes', () => {
    assert.equal(written((w) => w.string('abc')), '0003616263');
    assert.equal(written((w) => w.nullableString(null)), 'ffff');
    assert.equal(written((w) => w.compactString('abc')), '04616263');
    assert.equal(written((w) => w.compactNullableString(null)), '00');
    assert.equal(written((w) => w.compactString('')), '01');
    assert.equal(written((w) => w.string('é')), '0002c3a9', 'the length is in UTF-8 bytes');
  });

  test('string forms decode', () => {
    const reader = new Reader(hex('0003616263 ffff 04616263 00 01 0002c3a9'));
    assert.equal(reader.string(), 'abc');
    assert.equal(reader.nullableString(), null);
    assert.equal(reader.compactString(), 'abc');
    assert.equal(reader.compactNullableString(), null);
    assert.equal(reader.compactString(), '');
    assert.equal(reader.string(), 'é');
  });

  test('null where not allowed and negative lengths are rejected', () => {
    decodeError(() => new Reader(hex('ffff')).string(), 'unexpected-null');
    decodeError(() => new Reader(hex('fffe')).nullableString(), 'invalid-length');
    decodeError(() => new Reader(hex('00')).compactString(), 'unexpected-null');
    decodeError(() => new Reader(hex('ffffffff')).bytes(), 'unexpected-null');
    decodeError(() => new Reader(hex('fffffff0')).nullableBytes(), 'invalid-length');
  });

  test('a string longer than the frame throws before allocating', () => {
    decodeError(() => new Reader(hex('7fff 6162')).string(), 'truncated');
    decodeError(() => new Reader(hex('ffffffff0f 61')).compactString(), 'truncated');
    decodeError(() => new Reader(hex('7fffffff 00')).bytes(), 'truncated');
  });

  test('bytes forms round-trip; bytes are copied, records are views', () => {
    const frame = hex('00000002 aabb 03 ccdd 00000002 eeff');
    const reader = new Reader(frame);
    const copied = reader.bytes();
    assert.deepEqual(copied, hex('aabb'));
    assert.deepEqual(reader.compactBytes(), hex('ccdd'));
    const records = reader.records();
    assert.ok(records !== null);
    frame[frame.length - 1] = 0x11;
    frame[4] = 0x99;
    assert.equal(records[1], 0x11, 'records must be a view of the frame');
    assert.equal(copied[0], 0xaa, 'bytes must be a copy');
    assert.equal(written((w) => w.compactNullableBytes(null)), '00');
    assert.equal(written((w) => w.nullableBytes(null)), 'ffffffff');
    assert.equal(written((w) => w.bytes(hex('0102'))), '000000020102');
  });

  test('UUIDs are 16 bytes shown as base64url', () => {
    const bytes = hex('000102030405060708090a0b0c0d0e0f');
    const text = new Reader(bytes).uuid();
    assert.equal(text, 'AAECAwQFBgcICQoLDA0ODw');
    assert.equal(written((w) => w.uuid(text)), bytes.toString('hex'));
    assert.throws(() => written((w) => w.uuid('short')), /invalid UUID/);
  });
});

describe('array lengths and tagged sections', () => {
  test('an array length larger than the bytes left throws immediately', () => {
    const started = performance.now();
    decodeError(() => new Reader(hex('7fffffff 0000000000000000')).arrayLength(), 'invalid-length');
    decodeError(() => new Reader(hex('ffffffff07 00')).compactArrayLength(), 'invalid-length');
    decodeError(() => new Reader(hex('80000000')).arrayLength(), 'invalid-length');
    assert.ok(performance.now() - started < 50, 'must not allocate or loop');
  });

  test('null arrays are -1 (classic) and 0 (compact)', () => {
    assert.equal(new Reader(hex('ffffffff')).arrayLength(), -1);
    assert.equal(new Reader(hex('00')).compactArrayLength(), -1);
    assert.equal(new Reader(hex('03 0000')).compactArrayLength(), 2);
  });

  test('a tagged section is skipped field by field, and a lying size is rejected', () => {
    const reader = new Reader(hex('02 05 02 aabb 07 00 ff'));
    reader.skipTaggedFields();
    assert.equal(reader.remaining(), 1);
    decodeError(() => new Reader(hex('01 05 09 aabb')).skipTaggedFields(), 'invalid-length');
    decodeError(() => new Reader(hex('7f 00')).skipTaggedFields(), 'invalid-length');
  });
});

describe('writer', () => {
  test('grows on demand and keeps what was written', () => {
    const writer = new Writer(2);
    for (let index = 0; index < 100; index++) writer.int32(index);
    const bytes = writer.finish();
    assert.equal(bytes.length, 400);
    assert.equal(bytes.readInt32BE(396), 99);
  });
});

describe('writer range checks', () => {
  test('out-of-range, fractional and non-numeric integers are encode errors, not wrapped bytes', () => {
    const writer = new Writer(16);
    assert.throws(() => writer.int8(128), /not a valid int8/);
    assert.throws(() => writer.int16(40000), /not a valid int16/);
    assert.throws(() => writer.uint16(-1), /not a valid uint16/);
    assert.throws(() => writer.int32(2 ** 31), /not a valid int32/);
    assert.throws(() => writer.int32(1.5), /not a valid int32/);
    assert.throws(() => writer.int32(Number.NaN), /not a valid int32/);
    assert.throws(() => writer.uint32(2 ** 32), /not a valid uint32/);
    assert.throws(() => writer.int64(1 as unknown as bigint), /not a bigint/);
    assert.equal(writer.offset, 0, 'nothing was written');
  });
});
