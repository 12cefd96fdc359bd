// The schema format: how fjord declares a Kafka message once for all its versions.
//
// A message is a list of fields. Each field has a name (camelCase), a type, the versions it is
// present in, and optionally the versions where it may be null, the versions where it is a tagged
// field (with its tag), and a default. Version ranges use Kafka's notation: '3+', '0-7', '5' or
// 'none'. Types are primitives, `array` (of a primitive or of a struct) or `struct`.
//
// The builder functions below return plain objects (read by the codec compiler at load time) whose
// TypeScript types carry the decoded value type, so `ValueOf<typeof metadataResponse>` is the
// decoded object and `InputOf<typeof metadataResponse>` the object an encoder accepts (every field
// optional: a missing field is written as its default).

import type { RecordsRef } from './writer.ts';

export type PrimitiveType =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint16'
  | 'uint32'
  | 'float64'
  | 'string'
  | 'bytes'
  | 'uuid'
  | 'records';

export type FieldType = PrimitiveType | 'array' | 'struct';

/** A `records` field decodes to a view of the request frame; encoding also accepts a RecordsRef. */
export type RecordsValue = Buffer | RecordsRef | null;

export type PrimitiveValue<T extends PrimitiveType> = T extends 'bool'
  ? boolean
  : T extends 'int64'
    ? bigint
    : T extends 'string' | 'uuid'
      ? string
      : T extends 'bytes'
        ? Buffer
        : T extends 'records'
          ? RecordsValue
          : number;

export type DefaultValue = number | bigint | boolean | string | null;

export interface FieldOptions {
  readonly nullableVersions?: string;
  readonly taggedVersions?: string;
  readonly tag?: number;
  readonly default?: DefaultValue;
  /** Kafka's `ignorable`: a non-default value may be dropped silently in versions without it. */
  readonly ignorable?: boolean;
}

export interface StructSchema {
  /** Kafka's struct name (the `[]Name` type), kept for the conformance test and generated code. */
  readonly name: string;
  readonly fields: readonly FieldSchema[];
}

export interface FieldSchema extends FieldOptions {
  readonly name: string;
  readonly type: FieldType;
  readonly versions: string;
  /** For `array` of primitives. */
  readonly items?: PrimitiveType;
  /** For `struct` and `array` of structs. */
  readonly struct?: StructSchema;
}

/** Phantom types: never present at run time, they only carry the value types to TypeScript. */
export interface TypedField<Name extends string, Value, Input> extends FieldSchema {
  readonly name: Name;
  readonly valueType?: Value;
  readonly inputType?: Input;
}

export interface TypedStruct<Value, Input> extends StructSchema {
  readonly valueType?: Value;
  readonly inputType?: Input;
}

type FieldValueOf<F> = F extends { readonly valueType?: infer V } ? V : never;
type FieldInputOf<F> = F extends { readonly inputType?: infer I } ? I : never;

export type StructValue<Fields extends readonly FieldSchema[]> = {
  -readonly [F in Fields[number] as F['name']]: FieldValueOf<F>;
};

export type StructInput<Fields extends readonly FieldSchema[]> = {
  -readonly [F in Fields[number] as F['name']]?: FieldInputOf<F>;
};

type Nullable<V, O> = O extends { readonly nullableVersions: string } ? V | null : V;

type ItemValue<Item> = Item extends PrimitiveType
  ? PrimitiveValue<Item>
  : Item extends TypedStruct<infer V, infer _I>
    ? V
    : never;

type ItemInput<Item> = Item extends PrimitiveType
  ? PrimitiveValue<Item>
  : Item extends TypedStruct<infer _V, infer I>
    ? I
    : never;

function primitive<T extends PrimitiveType>(type: T) {
  return <const Name extends string, const O extends FieldOptions = Record<never, never>>(
    name: Name,
    versions: string,
    options?: O,
  ): TypedField<Name, Nullable<PrimitiveValue<T>, O>, Nullable<PrimitiveValue<T>, O>> => ({
    name,
    type,
    versions,
    ...options,
  });
}

export const bool = primitive('bool');
export const int8 = primitive('int8');
export const int16 = primitive('int16');
export const int32 = primitive('int32');
export const int64 = primitive('int64');
export const uint16 = primitive('uint16');
export const uint32 = primitive('uint32');
export const float64 = primitive('float64');
export const string = primitive('string');
export const bytes = primitive('bytes');
export const uuid = primitive('uuid');
export const records = primitive('records');

/** Declares a struct type (Kafka's `[]Name` element or a `Name` struct field). */
export function struct<const Fields extends readonly FieldSchema[]>(
  name: string,
  fields: Fields,
): TypedStruct<StructValue<Fields>, StructInput<Fields>> {
  return { name, fields };
}

/** An array of a primitive type or of a struct. */
export function array<
  const Name extends string,
  const Item extends PrimitiveType | TypedStruct<unknown, unknown>,
  const O extends FieldOptions = Record<never, never>,
>(
  name: Name,
  versions: string,
  item: Item,
  options?: O,
): TypedField<Name, Nullable<Array<ItemValue<Item>>, O>, Nullable<Array<ItemInput<Item>>, O>> {
  if (typeof item === 'string') {
    return { name, type: 'array', versions, items: item, ...options };
  }
  return { name, type: 'array', versions, struct: item as StructSchema, ...options };
}

/** A single nested struct (not an array). */
export function structField<
  const Name extends string,
  Value,
  Input,
  const O extends FieldOptions = Record<never, never>,
>(
  name: Name,
  versions: string,
  item: TypedStruct<Value, Input>,
  options?: O,
): TypedField<Name, Nullable<Value, O>, Nullable<Input, O>> {
  return { name, type: 'struct', versions, struct: item, ...options };
}

export type MessageKind = 'request' | 'response';

export interface MessageSchema extends StructSchema {
  readonly apiKey: number;
  readonly kind: MessageKind;
  readonly validVersions: string;
  readonly flexibleVersions: string;
}

export interface TypedMessage<Value, Input> extends MessageSchema {
  readonly valueType?: Value;
  readonly inputType?: Input;
}

export function message<const Fields extends readonly FieldSchema[]>(definition: {
  readonly apiKey: number;
  readonly kind: MessageKind;
  readonly name: string;
  readonly validVersions: string;
  readonly flexibleVersions: string;
  readonly fields: Fields;
}): TypedMessage<StructValue<Fields>, StructInput<Fields>> {
  return definition;
}

/** The decoded value of a message or struct schema. */
export type ValueOf<S> = S extends { readonly valueType?: infer V } ? V : never;
/** What an encoder accepts for a message or struct schema: any field may be left out. */
export type InputOf<S> = S extends { readonly inputType?: infer I } ? I : never;

// ---- version ranges ----

export interface VersionRange {
  readonly min: number;
  /** Inclusive; Infinity for an open range ('3+'). min > max means no version ('none'). */
  readonly max: number;
}

const NO_VERSIONS: VersionRange = { min: 1, max: 0 };
const parsedRanges = new Map<string, VersionRange>();

/** Parses Kafka's version-range notation: '3+', '0-7', '5', 'none'. */
export function parseVersionRange(text: string | undefined): VersionRange {
  if (text === undefined || text === 'none') return NO_VERSIONS;
  const cached = parsedRanges.get(text);
  if (cached !== undefined) return cached;
  let range: VersionRange;
  const open = /^(\d+)\+$/.exec(text);
  const closed = /^(\d+)-(\d+)$/.exec(text);
  const single = /^(\d+)$/.exec(text);
  if (open !== null) range = { min: Number(open[1]), max: Infinity };
  else if (closed !== null) range = { min: Number(closed[1]), max: Number(closed[2]) };
  else if (single !== null) range = { min: Number(single[1]), max: Number(single[1]) };
  else throw new Error(`invalid version range '${text}'`);
  parsedRanges.set(text, range);
  return range;
}

export function inVersionRange(text: string | undefined, version: number): boolean {
  const range = parseVersionRange(text);
  return version >= range.min && version <= range.max;
}
