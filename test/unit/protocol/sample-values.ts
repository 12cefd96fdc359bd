// Builds sample values for any schema at any version: every field present in the version gets a
// non-default value derived from a seed, every absent field its default. Encoding then decoding
// such a value must give it back unchanged.

import { inVersionRange, type FieldSchema, type StructSchema } from '../../../src/protocol/schema.ts';

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

export function defaultValue(field: FieldSchema, version: number, flexible: boolean): unknown {
  if (field.default !== undefined) {
    if (field.default === null) return null;
    if (field.type === 'int64') return BigInt(field.default);
    return field.default;
  }
  switch (field.type) {
    case 'bool':
      return false;
    case 'int64':
      return 0n;
    case 'string':
      return '';
    case 'uuid':
      return ZERO_UUID;
    case 'bytes':
      return Buffer.alloc(0);
    case 'records':
      return null;
    case 'array':
      return [];
    case 'struct':
      return sampleStruct(field.struct!, version, flexible, 0, true);
    default:
      return 0;
  }
}

function samplePrimitive(type: string, seed: number): unknown {
  switch (type) {
    case 'bool':
      return true;
    case 'int8':
      return (seed % 100) - 50 || 7;
    case 'int16':
      return 1000 + seed;
    case 'uint16':
      return 60000 + (seed % 1000);
    case 'int32':
      return -123456 + seed * 7919;
    case 'uint32':
      return 4000000000 + seed;
    case 'int64':
      return 9007199254740993n * BigInt(seed + 1);
    case 'float64':
      return 1.5 + seed;
    case 'string':
      return `name-${seed}-ünïcödé`;
    case 'uuid': {
      const bytes = Buffer.alloc(16);
      for (let index = 0; index < 16; index++) bytes[index] = (seed * 31 + index * 17) & 0xff;
      return bytes.toString('base64url');
    }
    case 'bytes':
      return Buffer.from([seed & 0xff, 1, 2, 3]);
    case 'records':
      return Buffer.from(`records-${seed}`);
    default:
      throw new Error(`no sample for ${type}`);
  }
}

/**
 * `useDefaults` builds the default struct (all defaults). `nullEvery` makes every nullable field
 * null when seed is odd, to cover both forms.
 */
export function sampleStruct(
  struct: StructSchema,
  version: number,
  flexible: boolean,
  seed: number,
  useDefaults = false,
): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  let fieldSeed = seed;
  for (const field of struct.fields) {
    fieldSeed++;
    const present = inVersionRange(field.versions, version);
    if (useDefaults || !present) {
      value[field.name] = defaultValue(field, version, flexible);
      continue;
    }
    const nullable = inVersionRange(field.nullableVersions, version);
    if (nullable && seed % 2 === 1 && field.type !== 'struct') {
      value[field.name] = null;
      continue;
    }
    if (field.type === 'array') {
      const items: unknown[] = [];
      for (let index = 0; index < 2; index++) {
        items.push(
          field.struct !== undefined
            ? sampleStruct(field.struct, version, flexible, fieldSeed * 3 + index * 2)
            : samplePrimitive(field.items!, fieldSeed + index),
        );
      }
      value[field.name] = items;
    } else if (field.type === 'struct') {
      value[field.name] = sampleStruct(field.struct!, version, flexible, fieldSeed * 5);
    } else {
      value[field.name] = samplePrimitive(field.type, fieldSeed);
    }
  }
  return value;
}
