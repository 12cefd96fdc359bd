// The codec compiler: turns one message schema at one version into straight-line JavaScript
// (a decode, a size and a write function per struct, no per-field branching on the version or the
// type at run time), compiled once with `new Function` the first time that (api, version) is used.
// bench/protocol-codec.bench.ts compares it with the interpreter in interpreter.ts.
//
// Rules the generated code follows (the interpreter follows the same ones):
// - A field absent from the version decodes to its default; on encode it is not written.
// - A field missing from an encoder's input (undefined) is written as its default.
// - null where the version does not allow it throws ProtocolEncodeError.
// - Tagged fields are written only when their value differs from the default (arrays: non-empty;
//   structs: some field differs from its default, as Kafka compares with the default struct). Unknown tags are skipped (dropped, not preserved: a broker never re-encodes
//   a request it received). A known tagged field must consume exactly its declared size.
// - Nullable structs are prefixed with an int8: -1 for null, 1 for present (Kafka's encoding).

import { ProtocolDecodeError, ProtocolEncodeError } from './errors.ts';
import type { Reader } from './reader.ts';
import { inVersionRange, type FieldSchema, type MessageSchema, type StructSchema } from './schema.ts';
import { isRecordsRef, uvarintSize, type RecordsRef, type Writer } from './writer.ts';

export interface SizeContext {
  /** True when records are emitted as separate parts: their bytes go to externalBytes. */
  readonly partsMode: boolean;
  /** In parts mode, the records bytes not counted in the returned size. */
  externalBytes: number;
}

export interface VersionCodec<Value = unknown, Input = unknown> {
  readonly decode: (reader: Reader) => Value;
  readonly size: (value: Input, context: SizeContext) => number;
  readonly write: (writer: Writer, value: Input) => void;
  /** The generated JavaScript, for debugging and the README. */
  readonly source: string;
}

export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';
const EMPTY_BYTES = Buffer.alloc(0);
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Helpers the generated code reaches through its single parameter `h`. */
const helpers = {
  uvarintSize,
  byteLength: (value: string): number => Buffer.byteLength(value),
  emptyBytes: EMPTY_BYTES,
  stringSize(value: string): number {
    return 2 + Buffer.byteLength(value);
  },
  compactStringSize(value: string | null): number {
    if (value === null) return 1;
    const length = Buffer.byteLength(value);
    return uvarintSize(length + 1) + length;
  },
  compactBytesSize(value: Buffer | null): number {
    if (value === null) return 1;
    return uvarintSize(value.length + 1) + value.length;
  },
  recordsSize(value: Buffer | RecordsRef | null, compact: boolean, context: SizeContext): number {
    if (value === null) return compact ? 1 : 4;
    const length = value.byteLength;
    const prefix = compact ? uvarintSize(length + 1) : 4;
    if (context.partsMode) {
      context.externalBytes += length;
      return prefix;
    }
    if (isRecordsRef(value)) {
      throw new ProtocolEncodeError('a RecordsRef can only be encoded in parts mode (encode*Parts)');
    }
    return prefix + length;
  },
  nullError(path: string): never {
    throw new ProtocolEncodeError(`${path} is null, which this version does not allow`);
  },
  notArray(path: string): never {
    throw new ProtocolEncodeError(`${path} must be an array`);
  },
  decodeNull(path: string): never {
    throw new ProtocolDecodeError('unexpected-null', `${path} is null, which this version does not allow`);
  },
};

export type CodecHelpers = typeof helpers;

interface FieldPlan {
  readonly field: FieldSchema;
  readonly nullable: boolean;
  readonly tagged: boolean;
}

/** Fixed sizes of fixed-width primitives. */
const FIXED_SIZE: Readonly<Record<string, number>> = {
  bool: 1,
  int8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  float64: 8,
  uuid: 16,
};

export function defaultLiteral(field: FieldSchema): string {
  const value = field.default;
  if (value === null) return 'null';
  if (value !== undefined) {
    if (field.type === 'int64') return `${BigInt(value as number | bigint | string)}n`;
    return JSON.stringify(value);
  }
  switch (field.type) {
    case 'bool':
      return 'false';
    case 'int64':
      return '0n';
    case 'string':
      return '""';
    case 'uuid':
      return JSON.stringify(ZERO_UUID);
    case 'bytes':
      return 'h.emptyBytes';
    case 'records':
      return 'null';
    case 'array':
      return '[]';
    case 'struct':
      return 'STRUCT_DEFAULT';
    default:
      return '0';
  }
}

class Generator {
  private readonly version: number;
  private readonly flexible: boolean;
  private readonly functions: string[] = [];
  private readonly structIds = new Map<StructSchema, number>();
  private nextVariable = 0;

  constructor(version: number, flexible: boolean) {
    this.version = version;
    this.flexible = flexible;
  }

  private variable(prefix: string): string {
    return `${prefix}${this.nextVariable++}`;
  }

  private plan(struct: StructSchema): FieldPlan[] {
    const plans: FieldPlan[] = [];
    for (const field of struct.fields) {
      if (!IDENTIFIER.test(field.name)) throw new Error(`field name '${field.name}' is not an identifier`);
      if (!inVersionRange(field.versions, this.version)) continue;
      plans.push({
        field,
        nullable: inVersionRange(field.nullableVersions, this.version),
        tagged: this.flexible && inVersionRange(field.taggedVersions, this.version),
      });
    }
    return plans;
  }

  /** Returns the id of the struct's functions, generating them the first time. */
  structId(struct: StructSchema): number {
    const known = this.structIds.get(struct);
    if (known !== undefined) return known;
    const id = this.structIds.size;
    this.structIds.set(struct, id);
    this.emitDefault(struct, id);
    this.emitIsDefault(struct, id);
    this.emitDecode(struct, id);
    this.emitSize(struct, id);
    this.emitWrite(struct, id);
    return id;
  }

  private fieldDefault(field: FieldSchema): string {
    const literal = defaultLiteral(field);
    if (literal === 'STRUCT_DEFAULT') return `default_${this.structId(field.struct!)}()`;
    return literal;
  }

  private emitDefault(struct: StructSchema, id: number): void {
    const properties = struct.fields.map((field) => `${field.name}: ${this.fieldDefault(field)}`);
    this.functions.push(`function default_${id}() { return { ${properties.join(', ')} }; }`);
  }

  /** Expression: does `variable` (possibly undefined) hold the field's default value? */
  private isDefaultExpression(field: FieldSchema, variable: string): string {
    const missing = `${variable} === undefined`;
    if (field.default === null || field.type === 'records') return `(${missing} || ${variable} === null)`;
    switch (field.type) {
      case 'array':
      case 'bytes':
        return `(${missing} || (${variable} !== null && ${variable}.length === 0))`;
      case 'struct':
        return `(${missing} || (${variable} !== null && isDefault_${this.structId(field.struct!)}(${variable})))`;
      default:
        return `(${missing} || ${variable} === ${this.fieldDefault(field)})`;
    }
  }

  /** Kafka writes a tagged struct only when it differs from the default struct: this decides. */
  private emitIsDefault(struct: StructSchema, id: number): void {
    const checks = this.plan(struct).map((plan) => this.isDefaultExpression(plan.field, `v.${plan.field.name}`));
    this.functions.push(`function isDefault_${id}(v) { return ${checks.length === 0 ? 'true' : checks.join(' && ')}; }`);
  }

  // ---- decode ----

  private primitiveRead(type: string, nullable: boolean): string {
    const flexible = this.flexible;
    switch (type) {
      case 'string':
        return flexible
          ? nullable ? 'r.compactNullableString()' : 'r.compactString()'
          : nullable ? 'r.nullableString()' : 'r.string()';
      case 'bytes':
        return flexible
          ? nullable ? 'r.compactNullableBytes()' : 'r.compactBytes()'
          : nullable ? 'r.nullableBytes()' : 'r.bytes()';
      case 'records':
        return flexible ? 'r.compactRecords()' : 'r.records()';
      default:
        return `r.${type}()`;
    }
  }

  private decodeInto(plan: FieldPlan, target: string, lines: string[], path: string): void {
    const { field, nullable } = plan;
    if (field.type === 'array') {
      const length = this.variable('n');
      const items = this.variable('a');
      const index = this.variable('i');
      const element =
        field.struct !== undefined
          ? `decode_${this.structId(field.struct)}(r)`
          : this.primitiveRead(field.items!, false);
      lines.push(
        `const ${length} = ${this.flexible ? 'r.compactArrayLength()' : 'r.arrayLength()'};`,
        `if (${length} < 0) { ${nullable ? `${target} = null;` : `h.decodeNull(${JSON.stringify(path)});`} } else {`,
        // Preallocate only small arrays: a claimed length is bounded by the frame, not by a budget.
        `  const ${items} = ${length} <= 1024 ? new Array(${length}) : [];`,
        `  for (let ${index} = 0; ${index} < ${length}; ${index}++) ${items}[${index}] = ${element};`,
        `  ${target} = ${items};`,
        `}`,
      );
      return;
    }
    if (field.type === 'struct') {
      const read = `decode_${this.structId(field.struct!)}(r)`;
      lines.push(nullable ? `${target} = r.int8() < 0 ? null : ${read};` : `${target} = ${read};`);
      return;
    }
    if (field.type === 'records' && !nullable) {
      lines.push(`${target} = ${this.primitiveRead('records', true)};`);
      lines.push(`if (${target} === null) h.decodeNull(${JSON.stringify(path)});`);
      return;
    }
    lines.push(`${target} = ${this.primitiveRead(field.type, nullable)};`);
  }

  private emitDecode(struct: StructSchema, id: number): void {
    const plans = this.plan(struct);
    const present = new Map(plans.map((plan) => [plan.field, plan]));
    const variables = new Map<FieldSchema, string>();
    const lines: string[] = [];
    for (const field of struct.fields) {
      const variable = this.variable('f');
      variables.set(field, variable);
      const plan = present.get(field);
      if (plan === undefined || plan.tagged) lines.push(`let ${variable} = ${this.fieldDefault(field)};`);
      else {
        lines.push(`let ${variable};`);
        this.decodeInto(plan, variable, lines, `${struct.name}.${field.name}`);
      }
    }
    if (this.flexible) {
      const tagged = plans.filter((plan) => plan.tagged);
      const count = this.variable('c');
      const index = this.variable('t');
      const tag = this.variable('tag');
      const end = this.variable('end');
      lines.push(`const ${count} = r.taggedFieldCount();`);
      lines.push(`for (let ${index} = 0; ${index} < ${count}; ${index}++) {`);
      lines.push(`  const ${tag} = r.uvarint(); const ${end} = r.taggedFieldEnd();`);
      lines.push(`  switch (${tag}) {`);
      for (const plan of tagged) {
        const caseLines: string[] = [];
        this.decodeInto(plan, variables.get(plan.field)!, caseLines, `${struct.name}.${plan.field.name}`);
        lines.push(`    case ${plan.field.tag}: {`, ...caseLines.map((line) => `      ${line}`));
        lines.push(`      r.expectTaggedFieldEnd(${end}, ${plan.field.tag}); break; }`);
      }
      lines.push(`    default: r.offset = ${end};`, `  }`, `}`);
    }
    const properties = struct.fields.map((field) => `${field.name}: ${variables.get(field)}`);
    lines.push(`return { ${properties.join(', ')} };`);
    this.functions.push(`function decode_${id}(r) {\n  ${lines.join('\n  ')}\n}`);
  }

  // ---- size and write ----

  /** Statements that bind `variable` to the field's value, default applied, null checked. */
  private bindValue(plan: FieldPlan, variable: string, path: string): string[] {
    const { field, nullable } = plan;
    const lines = [`let ${variable} = v.${field.name};`, `if (${variable} === undefined) ${variable} = ${this.fieldDefault(field)};`];
    const canBeNull = ['string', 'bytes', 'records', 'array', 'struct'].includes(field.type);
    if (canBeNull && !nullable) lines.push(`if (${variable} === null) h.nullError(${JSON.stringify(path)});`);
    return lines;
  }

  /** Expression: is a tagged field's value worth writing (not its default)? */
  private taggedPresent(field: FieldSchema, variable: string): string {
    if (field.type === 'array') return `(${variable} !== null && ${variable}.length > 0)`;
    if (field.type === 'struct') return `(${variable} !== null && !isDefault_${this.structId(field.struct!)}(${variable}))`;
    if (field.type === 'records') return `${variable} !== null`;
    if (field.type === 'bytes') return `(${variable} !== null && ${variable}.length > 0)`;
    return `${variable} !== ${this.fieldDefault(field)}`;
  }

  /** An expression for the encoded size of a value held in `variable`. */
  private sizeExpression(plan: FieldPlan, variable: string): string {
    const { field, nullable } = plan;
    const fixed = FIXED_SIZE[field.type];
    if (fixed !== undefined) return String(fixed);
    const flexible = this.flexible;
    switch (field.type) {
      case 'string':
        if (flexible) return `h.compactStringSize(${variable})`;
        return nullable ? `(${variable} === null ? 2 : h.stringSize(${variable}))` : `h.stringSize(${variable})`;
      case 'bytes':
        if (flexible) return `h.compactBytesSize(${variable})`;
        return nullable ? `(${variable} === null ? 4 : 4 + ${variable}.length)` : `(4 + ${variable}.length)`;
      case 'records':
        return `h.recordsSize(${variable}, ${flexible}, x)`;
      case 'struct': {
        const size = `size_${this.structId(field.struct!)}(${variable}, x)`;
        return nullable ? `(${variable} === null ? 1 : 1 + ${size})` : size;
      }
      case 'array':
        return `size_array_${this.arrayHelperId(plan)}(${variable}, x)`;
      default:
        throw new Error(`no size for type ${field.type}`);
    }
  }

  private readonly arrayHelpers = new Map<string, number>();

  /** Generates (once per element type) the size and write helpers for an array field. */
  private arrayHelperId(plan: FieldPlan): number {
    const { field } = plan;
    const element = field.struct !== undefined ? `struct${this.structId(field.struct)}` : field.items!;
    const key = `${element}`;
    const known = this.arrayHelpers.get(key);
    if (known !== undefined) return known;
    const id = this.arrayHelpers.size;
    this.arrayHelpers.set(key, id);
    const flexible = this.flexible;
    const prefix = flexible ? `h.uvarintSize(a.length + 1)` : '4';
    const nullPrefix = flexible ? '1' : '4';
    let elementSize: string;
    let elementWrite: string;
    if (field.struct !== undefined) {
      const structId = this.structId(field.struct);
      elementSize = `size_${structId}(a[i], x)`;
      elementWrite = `write_${structId}(w, a[i])`;
    } else {
      const itemPlan: FieldPlan = { field: { name: 'item', type: field.items!, versions: '0+' }, nullable: false, tagged: false };
      elementSize = this.sizeExpression(itemPlan, 'a[i]');
      elementWrite = this.writeStatement(itemPlan, 'a[i]');
    }
    const fixed = field.items !== undefined ? FIXED_SIZE[field.items] : undefined;
    const sizeBody =
      fixed !== undefined
        ? `return ${prefix} + a.length * ${fixed};`
        : `let n = ${prefix}; for (let i = 0; i < a.length; i++) n += ${elementSize}; return n;`;
    this.functions.push(
      `function size_array_${id}(a, x) { if (a === null) return ${nullPrefix}; if (!Array.isArray(a)) h.notArray('array'); ${sizeBody} }`,
      `function write_array_${id}(w, a) { if (a === null) { ${flexible ? 'w.uvarint(0)' : 'w.int32(-1)'}; return; } ${flexible ? 'w.compactArrayLength(a.length)' : 'w.arrayLength(a.length)'}; for (let i = 0; i < a.length; i++) ${elementWrite}; }`,
    );
    return id;
  }

  private writeStatement(plan: FieldPlan, variable: string): string {
    const { field, nullable } = plan;
    const flexible = this.flexible;
    switch (field.type) {
      case 'string':
        return flexible
          ? nullable ? `w.compactNullableString(${variable})` : `w.compactString(${variable})`
          : nullable ? `w.nullableString(${variable})` : `w.string(${variable})`;
      case 'bytes':
        return flexible
          ? nullable ? `w.compactNullableBytes(${variable})` : `w.compactBytes(${variable})`
          : nullable ? `w.nullableBytes(${variable})` : `w.bytes(${variable})`;
      case 'records':
        return `w.records(${variable}, ${flexible})`;
      case 'struct': {
        const write = `write_${this.structId(field.struct!)}(w, ${variable})`;
        return nullable ? `if (${variable} === null) w.int8(-1); else { w.int8(1); ${write}; }` : write;
      }
      case 'array':
        return `write_array_${this.arrayHelperId(plan)}(w, ${variable})`;
      default:
        return `w.${field.type}(${variable})`;
    }
  }

  private emitSize(struct: StructSchema, id: number): void {
    const plans = this.plan(struct);
    const lines = ['let n = 0;'];
    const tagged: Array<{ plan: FieldPlan; variable: string }> = [];
    for (const plan of plans) {
      const variable = this.variable('s');
      lines.push(...this.bindValue(plan, variable, `${struct.name}.${plan.field.name}`));
      if (plan.tagged) tagged.push({ plan, variable });
      else lines.push(`n += ${this.sizeExpression(plan, variable)};`);
    }
    if (this.flexible) {
      lines.push('let tagCount = 0;');
      for (const { plan, variable } of tagged) {
        const size = this.variable('z');
        lines.push(
          `if (${this.taggedPresent(plan.field, variable)}) { const ${size} = ${this.sizeExpression(plan, variable)}; tagCount++; n += ${uvarintSize(plan.field.tag!)} + h.uvarintSize(${size}) + ${size}; }`,
        );
      }
      lines.push('n += h.uvarintSize(tagCount);');
    }
    lines.push('return n;');
    this.functions.push(`function size_${id}(v, x) {\n  ${lines.join('\n  ')}\n}`);
  }

  private emitWrite(struct: StructSchema, id: number): void {
    const plans = this.plan(struct);
    const lines: string[] = [];
    const tagged: Array<{ plan: FieldPlan; variable: string }> = [];
    for (const plan of plans) {
      const variable = this.variable('w');
      lines.push(...this.bindValue(plan, variable, `${struct.name}.${plan.field.name}`));
      if (plan.tagged) tagged.push({ plan, variable });
      else lines.push(`${this.writeStatement(plan, variable)};`);
    }
    if (this.flexible) {
      if (tagged.length === 0) lines.push('w.uvarint(0);');
      else {
        const presence = tagged.map(({ plan, variable }) => `(${this.taggedPresent(plan.field, variable)} ? 1 : 0)`);
        lines.push(`w.uvarint(${presence.join(' + ')});`);
        // Tags are written in ascending order, as Kafka requires.
        const sorted = [...tagged].sort((left, right) => left.plan.field.tag! - right.plan.field.tag!);
        for (const { plan, variable } of sorted) {
          lines.push(
            `if (${this.taggedPresent(plan.field, variable)}) { w.uvarint(${plan.field.tag}); w.uvarint(${this.sizeExpression(plan, variable)}); ${this.writeStatement(plan, variable)}; }`,
          );
        }
      }
    }
    this.functions.push(`function write_${id}(w, v) {\n  ${lines.join('\n  ')}\n}`);
  }

  source(rootId: number): string {
    return `${this.functions.join('\n')}\nreturn { decode: decode_${rootId}, size: size_${rootId}, write: write_${rootId} };`;
  }
}

/** Tagged-field sizes in `write` are computed with a size context that counts everything. */
const FULL_SIZE_CONTEXT: SizeContext = { partsMode: false, externalBytes: 0 };

export function isFlexible(schema: MessageSchema, version: number): boolean {
  return inVersionRange(schema.flexibleVersions, version);
}

export function compileStruct(
  struct: StructSchema,
  version: number,
  flexible: boolean,
): VersionCodec {
  const generator = new Generator(version, flexible);
  const rootId = generator.structId(struct);
  const source = generator.source(rootId);
  // The generated write functions call size functions for tagged fields with `x` in scope.
  const wrapped = `'use strict';\nconst x = h.fullSizeContext;\n${source}`;
  const factory = new Function('h', wrapped) as (
    codecHelpers: CodecHelpers & { fullSizeContext: SizeContext },
  ) => Omit<VersionCodec, 'source'>;
  const codec = factory({ ...helpers, fullSizeContext: FULL_SIZE_CONTEXT });
  return { ...codec, source: wrapped };
}

export function compileMessage(schema: MessageSchema, version: number): VersionCodec {
  if (!inVersionRange(schema.validVersions, version)) {
    throw new ProtocolDecodeError('unsupported-version', `${schema.name} has no version ${version}`);
  }
  return compileStruct(schema, version, isFlexible(schema, version));
}
