// A schema interpreter: walks the schema at run time instead of compiling it. It follows the same
// rules as compiler.ts and exists as the baseline of bench/protocol-codec.bench.ts (which decided
// for the compiler) and as an independent implementation the unit tests compare the compiler with.

import { defaultLiteral, ZERO_UUID, type SizeContext } from './compiler.ts';
import { ProtocolDecodeError, ProtocolEncodeError } from './errors.ts';
import type { Reader } from './reader.ts';
import { inVersionRange, type FieldSchema, type MessageSchema, type StructSchema } from './schema.ts';
import { uvarintSize, type Writer } from './writer.ts';

type Value = Record<string, unknown>;

function defaultOf(field: FieldSchema, version: number, flexible: boolean): unknown {
  const literal = defaultLiteral(field);
  switch (literal) {
    case 'null':
      return null;
    case 'h.emptyBytes':
      return Buffer.alloc(0);
    case '[]':
      return [];
    case 'STRUCT_DEFAULT':
      return defaultStruct(field.struct!, version, flexible);
    default:
      if (field.type === 'int64') return BigInt(literal.slice(0, -1));
      if (field.type === 'uuid' && field.default === undefined) return ZERO_UUID;
      return JSON.parse(literal) as unknown;
  }
}

function defaultStruct(struct: StructSchema, version: number, flexible: boolean): Value {
  const value: Value = {};
  for (const field of struct.fields) value[field.name] = defaultOf(field, version, flexible);
  return value;
}

function readPrimitive(reader: Reader, type: string, nullable: boolean, flexible: boolean): unknown {
  switch (type) {
    case 'bool':
      return reader.bool();
    case 'int8':
      return reader.int8();
    case 'int16':
      return reader.int16();
    case 'uint16':
      return reader.uint16();
    case 'int32':
      return reader.int32();
    case 'uint32':
      return reader.uint32();
    case 'int64':
      return reader.int64();
    case 'float64':
      return reader.float64();
    case 'uuid':
      return reader.uuid();
    case 'string':
      if (flexible) return nullable ? reader.compactNullableString() : reader.compactString();
      return nullable ? reader.nullableString() : reader.string();
    case 'bytes':
      if (flexible) return nullable ? reader.compactNullableBytes() : reader.compactBytes();
      return nullable ? reader.nullableBytes() : reader.bytes();
    case 'records': {
      const records = flexible ? reader.compactRecords() : reader.records();
      if (records === null && !nullable) throw new ProtocolDecodeError('unexpected-null', 'null records');
      return records;
    }
    default:
      throw new Error(`unknown type ${type}`);
  }
}

function readField(reader: Reader, field: FieldSchema, version: number, flexible: boolean): unknown {
  const nullable = inVersionRange(field.nullableVersions, version);
  if (field.type === 'array') {
    const length = flexible ? reader.compactArrayLength() : reader.arrayLength();
    if (length < 0) {
      if (!nullable) throw new ProtocolDecodeError('unexpected-null', `null array ${field.name}`);
      return null;
    }
    const items: unknown[] = length <= 1024 ? new Array<unknown>(length) : [];
    for (let index = 0; index < length; index++) {
      items[index] =
        field.struct !== undefined
          ? decodeStruct(reader, field.struct, version, flexible)
          : readPrimitive(reader, field.items!, false, flexible);
    }
    return items;
  }
  if (field.type === 'struct') {
    if (nullable && reader.int8() < 0) return null;
    return decodeStruct(reader, field.struct!, version, flexible);
  }
  return readPrimitive(reader, field.type, nullable, flexible);
}

export function decodeStruct(reader: Reader, struct: StructSchema, version: number, flexible: boolean): Value {
  const value: Value = {};
  const tagged = new Map<number, FieldSchema>();
  for (const field of struct.fields) {
    const present = inVersionRange(field.versions, version);
    if (present && flexible && inVersionRange(field.taggedVersions, version)) {
      tagged.set(field.tag!, field);
      value[field.name] = defaultOf(field, version, flexible);
    } else if (present) {
      value[field.name] = readField(reader, field, version, flexible);
    } else {
      value[field.name] = defaultOf(field, version, flexible);
    }
  }
  if (flexible) {
    const count = reader.taggedFieldCount();
    for (let index = 0; index < count; index++) {
      const tag = reader.uvarint();
      const end = reader.taggedFieldEnd();
      const field = tagged.get(tag);
      if (field === undefined) {
        reader.offset = end;
        continue;
      }
      value[field.name] = readField(reader, field, version, flexible);
      reader.expectTaggedFieldEnd(end, tag);
    }
  }
  return value;
}

function fieldValue(field: FieldSchema, value: Value, version: number, flexible: boolean): unknown {
  let fieldData = value[field.name];
  if (fieldData === undefined) fieldData = defaultOf(field, version, flexible);
  if (fieldData === null && !inVersionRange(field.nullableVersions, version)) {
    if (['string', 'bytes', 'records', 'array', 'struct'].includes(field.type)) {
      throw new ProtocolEncodeError(`${field.name} is null, which this version does not allow`);
    }
  }
  return fieldData;
}

function isDefaultValue(field: FieldSchema, fieldData: unknown, version: number, flexible: boolean): boolean {
  if (fieldData === undefined) return true;
  if (field.default === null || field.type === 'records') return fieldData === null;
  if (fieldData === null) return false;
  if (field.type === 'array' || field.type === 'bytes') return (fieldData as { length: number }).length === 0;
  if (field.type === 'struct') return isDefaultStruct(fieldData as Value, field.struct!, version, flexible);
  return fieldData === defaultOf(field, version, flexible);
}

function isDefaultStruct(value: Value, struct: StructSchema, version: number, flexible: boolean): boolean {
  return struct.fields.every(
    (field) => !inVersionRange(field.versions, version) || isDefaultValue(field, value[field.name], version, flexible),
  );
}

function taggedPresent(field: FieldSchema, fieldData: unknown, version: number, flexible: boolean): boolean {
  if (fieldData === null) return false;
  if (field.type === 'array' || field.type === 'bytes') return (fieldData as { length: number }).length > 0;
  if (field.type === 'records') return true;
  return !isDefaultValue(field, fieldData, version, flexible);
}

const FIXED: Readonly<Record<string, number>> = {
  bool: 1, int8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, float64: 8, uuid: 16,
};

function primitiveSize(type: string, fieldData: unknown, flexible: boolean, context: SizeContext): number {
  const fixed = FIXED[type];
  if (fixed !== undefined) return fixed;
  if (type === 'string') {
    if (fieldData === null) return flexible ? 1 : 2;
    const length = Buffer.byteLength(fieldData as string);
    return (flexible ? uvarintSize(length + 1) : 2) + length;
  }
  const data = fieldData as Buffer | null;
  if (data === null) return flexible ? 1 : 4;
  const prefix = flexible ? uvarintSize(data.byteLength + 1) : 4;
  if (type === 'records' && context.partsMode) {
    context.externalBytes += data.byteLength;
    return prefix;
  }
  return prefix + data.byteLength;
}

function fieldSize(field: FieldSchema, fieldData: unknown, version: number, flexible: boolean, context: SizeContext): number {
  if (field.type === 'array') {
    if (fieldData === null) return flexible ? 1 : 4;
    const items = fieldData as unknown[];
    let size = flexible ? uvarintSize(items.length + 1) : 4;
    for (const item of items) {
      size +=
        field.struct !== undefined
          ? sizeStruct(item as Value, field.struct, version, flexible, context)
          : primitiveSize(field.items!, item, flexible, context);
    }
    return size;
  }
  if (field.type === 'struct') {
    const nullable = inVersionRange(field.nullableVersions, version);
    if (fieldData === null) return 1;
    return (nullable ? 1 : 0) + sizeStruct(fieldData as Value, field.struct!, version, flexible, context);
  }
  return primitiveSize(field.type, fieldData, flexible, context);
}

export function sizeStruct(value: Value, struct: StructSchema, version: number, flexible: boolean, context: SizeContext): number {
  let size = 0;
  let tagCount = 0;
  for (const field of struct.fields) {
    if (!inVersionRange(field.versions, version)) continue;
    const fieldData = fieldValue(field, value, version, flexible);
    if (flexible && inVersionRange(field.taggedVersions, version)) {
      if (!taggedPresent(field, fieldData, version, flexible)) continue;
      const dataSize = fieldSize(field, fieldData, version, flexible, context);
      tagCount++;
      size += uvarintSize(field.tag!) + uvarintSize(dataSize) + dataSize;
    } else {
      size += fieldSize(field, fieldData, version, flexible, context);
    }
  }
  if (flexible) size += uvarintSize(tagCount);
  return size;
}

function writePrimitive(writer: Writer, type: string, fieldData: unknown, nullable: boolean, flexible: boolean): void {
  switch (type) {
    case 'bool':
      return writer.bool(fieldData as boolean);
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
    case 'float64':
      return writer[type](fieldData as number);
    case 'int64':
      return writer.int64(fieldData as bigint);
    case 'uuid':
      return writer.uuid(fieldData as string);
    case 'string': {
      const text = fieldData as string | null;
      if (flexible) return nullable ? writer.compactNullableString(text) : writer.compactString(text!);
      return nullable ? writer.nullableString(text) : writer.string(text!);
    }
    case 'bytes': {
      const data = fieldData as Buffer | null;
      if (flexible) return nullable ? writer.compactNullableBytes(data) : writer.compactBytes(data!);
      return nullable ? writer.nullableBytes(data) : writer.bytes(data!);
    }
    case 'records':
      return writer.records(fieldData as Buffer | null, flexible);
    default:
      throw new Error(`unknown type ${type}`);
  }
}

function writeField(writer: Writer, field: FieldSchema, fieldData: unknown, version: number, flexible: boolean): void {
  const nullable = inVersionRange(field.nullableVersions, version);
  if (field.type === 'array') {
    if (fieldData === null) {
      if (flexible) writer.uvarint(0);
      else writer.int32(-1);
      return;
    }
    const items = fieldData as unknown[];
    if (flexible) writer.compactArrayLength(items.length);
    else writer.arrayLength(items.length);
    for (const item of items) {
      if (field.struct !== undefined) writeStruct(writer, item as Value, field.struct, version, flexible);
      else writePrimitive(writer, field.items!, item, false, flexible);
    }
    return;
  }
  if (field.type === 'struct') {
    if (nullable) {
      if (fieldData === null) {
        writer.int8(-1);
        return;
      }
      writer.int8(1);
    }
    writeStruct(writer, fieldData as Value, field.struct!, version, flexible);
    return;
  }
  writePrimitive(writer, field.type, fieldData, nullable, flexible);
}

const FULL: SizeContext = { partsMode: false, externalBytes: 0 };

export function writeStruct(writer: Writer, value: Value, struct: StructSchema, version: number, flexible: boolean): void {
  const tagged: Array<{ field: FieldSchema; fieldData: unknown }> = [];
  for (const field of struct.fields) {
    if (!inVersionRange(field.versions, version)) continue;
    const fieldData = fieldValue(field, value, version, flexible);
    if (flexible && inVersionRange(field.taggedVersions, version)) {
      if (taggedPresent(field, fieldData, version, flexible)) tagged.push({ field, fieldData });
    } else {
      writeField(writer, field, fieldData, version, flexible);
    }
  }
  if (flexible) {
    writer.uvarint(tagged.length);
    tagged.sort((left, right) => left.field.tag! - right.field.tag!);
    for (const { field, fieldData } of tagged) {
      writer.uvarint(field.tag!);
      writer.uvarint(fieldSize(field, fieldData, version, flexible, FULL));
      writeField(writer, field, fieldData, version, flexible);
    }
  }
}

/** Interpreted codec of a message at a version, with the same shape as a compiled one. */
export function interpretMessage(schema: MessageSchema, version: number) {
  const flexible = inVersionRange(schema.flexibleVersions, version);
  return {
    decode: (reader: Reader): Value => decodeStruct(reader, schema, version, flexible),
    size: (value: Value, context: SizeContext): number => sizeStruct(value, schema, version, flexible, context),
    write: (writer: Writer, value: Value): void => writeStruct(writer, value, schema, version, flexible),
  };
}
