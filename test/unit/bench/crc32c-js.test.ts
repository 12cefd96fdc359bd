import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32cJs } from '../../../bench/lib/crc32c-js.ts';

/** Bit-at-a-time CRC-32C from the definition; shares no tables with the code under test. */
function crc32cBitwise(data: Uint8Array): number {
  let state = ~0;
  for (const byte of data) {
    state ^= byte;
    for (let bit = 0; bit < 8; bit++) {
      state = state & 1 ? (state >>> 1) ^ 0x82f63b78 : state >>> 1;
    }
  }
  return ~state >>> 0;
}

/** xorshift32: deterministic test data without a dependency. */
function randomBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed >>> 0;
  for (let index = 0; index < length; index++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[index] = state & 0xff;
  }
  return bytes;
}

const hex = (value: number): string => `0x${value.toString(16).toUpperCase().padStart(8, '0')}`;

const iscsiReadPdu = Uint8Array.from([
  0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18,
  0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
]);

const knownVectors: ReadonlyArray<readonly [string, Uint8Array, number]> = [
  ['empty', new Uint8Array(0), 0x00000000],
  ['"a"', new TextEncoder().encode('a'), 0xc1d04330],
  ['"123456789"', new TextEncoder().encode('123456789'), 0xe3069283],
  ['32 zero bytes (RFC 3720)', new Uint8Array(32), 0x8a9136aa],
  ['32 0xFF bytes (RFC 3720)', new Uint8Array(32).fill(0xff), 0x62a8ab43],
  ['0..31 ascending (RFC 3720)', Uint8Array.from({ length: 32 }, (_, index) => index), 0x46dd794e],
  ['31..0 descending (RFC 3720)', Uint8Array.from({ length: 32 }, (_, index) => 31 - index), 0x113fdb5c],
  ['iSCSI read PDU (RFC 3720)', iscsiReadPdu, 0xd9963a56],
];

test('crc32cJs matches the known vectors', () => {
  for (const [name, data, expected] of knownVectors) {
    const seen = crc32cJs(data);
    assert.equal(seen, expected, `crc32cJs(${name}): expected ${hex(expected)}, saw ${hex(seen)}`);
  }
});

test('crc32cJs returns an unsigned 32-bit number', () => {
  const seen = crc32cJs(new Uint8Array(32).fill(0xff));
  assert.ok(Number.isInteger(seen) && seen >= 0 && seen <= 0xffffffff, `expected an unsigned 32-bit value, saw ${seen}`);
});

test('crc32cJs matches a bitwise reference at every length to 1024 and every offset to 8', () => {
  const buffer = randomBytes(1024 + 8, 0x9e3779b9);
  for (let offset = 0; offset < 8; offset++) {
    for (let length = 0; length <= 1024; length++) {
      // A view with a nonzero byteOffset checks that the DataView honours it.
      const data = buffer.subarray(offset, offset + length);
      const expected = crc32cBitwise(data);
      const seen = crc32cJs(data);
      assert.equal(seen, expected, `offset ${offset} length ${length}: expected ${hex(expected)}, saw ${hex(seen)}`);
    }
  }
});

test('crc32cJs appended in pieces equals one shot', () => {
  const data = randomBytes(10_000, 12345);
  const expected = crc32cBitwise(data);
  for (const cuts of [[0], [1], [7, 8, 9], [4999], [3, 1000, 1001, 9999], [10_000]]) {
    const points = [0, ...cuts, data.length];
    let crc = 0;
    for (let piece = 0; piece + 1 < points.length; piece++) {
      crc = crc32cJs(data.subarray(points[piece], points[piece + 1]), crc);
    }
    assert.equal(crc, expected, `cuts ${cuts.join(',')}: expected ${hex(expected)}, saw ${hex(crc)}`);
  }
});
