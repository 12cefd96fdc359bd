// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) in plain TypeScript: the baseline the
// benchmarks compare the native addon against. Slice-by-8: eight 256-entry tables (8 KiB) let one
// step fold 8 bytes with eight independent lookups instead of eight dependent ones.

const POLYNOMIAL_REFLECTED = 0x82f63b78;
const TABLE_COUNT = 8;
const TABLE_ENTRIES = 256;

/** tables[k][v]: the state contribution of byte value v followed by k zero bytes. */
const tables: readonly Uint32Array[] = buildTables();
const [table0, table1, table2, table3, table4, table5, table6, table7] = tables as [
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
];

function buildTables(): Uint32Array[] {
  const storage = new Uint32Array(TABLE_COUNT * TABLE_ENTRIES);
  const result: Uint32Array[] = [];
  for (let table = 0; table < TABLE_COUNT; table++) {
    result.push(storage.subarray(table * TABLE_ENTRIES, (table + 1) * TABLE_ENTRIES));
  }
  for (let value = 0; value < TABLE_ENTRIES; value++) {
    let state = value;
    for (let bit = 0; bit < 8; bit++) {
      state = state & 1 ? (state >>> 1) ^ POLYNOMIAL_REFLECTED : state >>> 1;
    }
    storage[value] = state;
  }
  for (let index = TABLE_ENTRIES; index < storage.length; index++) {
    const previous = storage[index - TABLE_ENTRIES]!;
    storage[index] = (previous >>> 8) ^ storage[previous & 0xff]!;
  }
  return result;
}

/**
 * Extends `crc` (the value returned for the previous bytes, 0 to start) over `data`.
 * Returns an unsigned 32-bit number.
 */
export function crc32cJs(data: Uint8Array, crc = 0): number {
  let state = ~crc;
  const length = data.length;
  const wholeStepsEnd = length - (length % 8);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let index = 0;
  for (; index < wholeStepsEnd; index += 8) {
    const low = view.getUint32(index, true) ^ state;
    const high = view.getUint32(index + 4, true);
    // Byte i of the step is followed by 7 - i bytes, so it goes through table 7 - i.
    state =
      table7[low & 0xff]! ^
      table6[(low >>> 8) & 0xff]! ^
      table5[(low >>> 16) & 0xff]! ^
      table4[low >>> 24]! ^
      table3[high & 0xff]! ^
      table2[(high >>> 8) & 0xff]! ^
      table1[(high >>> 16) & 0xff]! ^
      table0[high >>> 24]!;
  }
  for (; index < length; index++) {
    state = table0[(state ^ data[index]!) & 0xff]! ^ (state >>> 8);
  }
  return ~state >>> 0;
}
