// Parsing, validating and printing config values the way Kafka's ConfigDef does: values are
// trimmed, numbers parse as Java's Integer/Short/Long/Double.parseX would, lists split on commas
// with surrounding whitespace, and errors read "Invalid value V for configuration N: reason".

import type { ConfigDefinition, ConfigTypeName, ConfigValidator, ConfigValue } from './types.ts';

/** Java's Long.MAX_VALUE: Kafka's "no limit" for many LONG configs. */
export const LONG_MAX_VALUE = 9223372036854775807n;
/** Java's Long.MIN_VALUE. */
export const LONG_MIN_VALUE = -9223372036854775808n;
/** Java's Integer.MAX_VALUE. */
export const INT_MAX_VALUE = 2147483647;
const INT_MIN_VALUE = -2147483648;
/** Java's Double.MAX_VALUE. */
export const DOUBLE_MAX_VALUE = Number.MAX_VALUE;

export type ParseResult = { ok: true; value: ConfigValue } | { ok: false; message: string };

/** Kafka's ConfigException message. */
export function invalidValueMessage(name: string, value: string, reason: string): string {
  return `Invalid value ${value} for configuration ${name}: ${reason}`;
}

const INTEGER_PATTERN = /^[+-]?[0-9]+$/;
// Java's Double.parseDouble for decimal input: optional sign, digits with an optional point,
// optional exponent, optional float/double suffix; also NaN and Infinity.
const DOUBLE_PATTERN = /^[+-]?(NaN|Infinity|(([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?))[fFdD]?$/;

function parseJavaInteger(text: string, min: bigint, max: bigint): bigint | undefined {
  if (!INTEGER_PATTERN.test(text)) return undefined;
  const value = BigInt(text);
  return value < min || value > max ? undefined : value;
}

/**
 * Parses `raw` as a value of `type` (ConfigDef.parseType), without validators. `raw` null
 * stays null.
 */
export function parseValue(name: string, type: ConfigTypeName, raw: string | null): ParseResult {
  if (raw === null) return { ok: true, value: null };
  const trimmed = raw.trim();
  const notANumber: ParseResult = { ok: false, message: invalidValueMessage(name, raw, `Not a number of type ${type}`) };
  switch (type) {
    case 'BOOLEAN': {
      const lower = trimmed.toLowerCase();
      if (lower === 'true') return { ok: true, value: true };
      if (lower === 'false') return { ok: true, value: false };
      return { ok: false, message: invalidValueMessage(name, raw, 'Expected value to be either true or false') };
    }
    case 'STRING':
    case 'PASSWORD':
      return { ok: true, value: trimmed };
    case 'CLASS':
      // fjord loads no Java classes; a class name is kept as text.
      return { ok: true, value: trimmed };
    case 'INT': {
      const value = parseJavaInteger(trimmed, BigInt(INT_MIN_VALUE), BigInt(INT_MAX_VALUE));
      return value === undefined ? notANumber : { ok: true, value: Number(value) };
    }
    case 'SHORT': {
      const value = parseJavaInteger(trimmed, -32768n, 32767n);
      return value === undefined ? notANumber : { ok: true, value: Number(value) };
    }
    case 'LONG': {
      const value = parseJavaInteger(trimmed, LONG_MIN_VALUE, LONG_MAX_VALUE);
      return value === undefined ? notANumber : { ok: true, value };
    }
    case 'DOUBLE': {
      if (!DOUBLE_PATTERN.test(trimmed)) return notANumber;
      return { ok: true, value: Number(trimmed.replace(/[fFdD]$/, '')) };
    }
    case 'LIST':
      return { ok: true, value: trimmed === '' ? [] : trimmed.split(/\s*,\s*/) };
  }
}

/** Parses and validates `raw` for `definition`; the message is Kafka's ConfigException text. */
export function parseConfig(definition: ConfigDefinition, raw: string | null): ParseResult {
  const parsed = parseValue(definition.name, definition.type, raw);
  if (!parsed.ok || parsed.value === null || definition.validator === undefined) return parsed;
  const reason = definition.validator(parsed.value);
  if (reason === undefined) return parsed;
  if (typeof reason === 'string') return { ok: false, message: invalidValueMessage(definition.name, String(raw), reason) };
  return { ok: false, message: invalidValueMessage(definition.name, reason.shownValue, reason.reason) };
}

/** Java's Double.toString for the values configs use. */
export function formatJavaDouble(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e7)) {
    const [mantissa = '', exponent = ''] = value.toExponential().split('e');
    const withPoint = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
    return `${withPoint}E${exponent.replace('+', '')}`;
  }
  const text = String(value);
  return Number.isInteger(value) ? `${text}.0` : text;
}

/** The string Kafka prints for a parsed value (ConfigDef.convertToString); null stays null. */
export function formatValue(type: ConfigTypeName, value: ConfigValue): string | null {
  if (value === null) return null;
  if (type === 'DOUBLE' && typeof value === 'number') return formatJavaDouble(value);
  if (Array.isArray(value)) return value.join(',');
  return String(value);
}

/** Parses a value that is known to be valid (defaults, stored configs). */
export function parseKnownValid(definition: ConfigDefinition, raw: string | null): ConfigValue {
  const parsed = parseValue(definition.name, definition.type, raw);
  if (!parsed.ok) throw new Error(`invalid stored value for ${definition.name}: ${parsed.message}`);
  return parsed.value;
}

function numberText(bound: number | bigint): string {
  return String(bound);
}

function compare(value: number | bigint, bound: number | bigint): number {
  if (typeof value === 'bigint' && typeof bound === 'bigint') return value < bound ? -1 : value > bound ? 1 : 0;
  const left = Number(value);
  const right = Number(bound);
  return left < right ? -1 : left > right ? 1 : 0;
}

/** ConfigDef.Range: "Value must be at least min" / "Value must be no more than max". */
export function range(min: number | bigint | undefined, max?: number | bigint): ConfigValidator {
  return (value) => {
    if (typeof value !== 'number' && typeof value !== 'bigint') return undefined;
    if (min !== undefined && compare(value, min) < 0) return `Value must be at least ${numberText(min)}`;
    if (max !== undefined && compare(value, max) > 0) return `Value must be no more than ${numberText(max)}`;
    return undefined;
  };
}

export function atLeast(min: number | bigint): ConfigValidator {
  return range(min);
}

/** ConfigDef.ValidString.in. */
export function oneOf(...allowed: string[]): ConfigValidator {
  return (value) =>
    typeof value === 'string' && !allowed.includes(value) ? `String must be one of: ${allowed.join(', ')}` : undefined;
}

/** ConfigDef.ValidString.in, ignoring case (CaseInsensitiveValidString). */
export function oneOfIgnoringCase(...allowed: string[]): ConfigValidator {
  const lower = allowed.map((entry) => entry.toLowerCase());
  return (value) =>
    typeof value === 'string' && !lower.includes(value.toLowerCase())
      ? `String must be one of (case insensitive): ${allowed.join(', ')}`
      : undefined;
}

/**
 * ConfigDef.ValidList.in: each element must be one of `allowed`. The reason carries the
 * offending element, which Kafka names instead of the whole list.
 */
export function listOf(...allowed: string[]): ConfigValidator {
  return (value) => {
    if (!Array.isArray(value)) return undefined;
    for (const element of value as readonly string[]) {
      if (!allowed.includes(element)) return { shownValue: element, reason: `String must be one of: ${allowed.join(', ')}` };
    }
    return undefined;
  };
}

/** CompressionType.GZIP.levelValidator. */
export function gzipLevel(): ConfigValidator {
  return (value) => {
    const level = Number(value);
    return level > 9 || (level < 1 && level !== -1) ? 'Value must be between 1 and 9 or equal to -1' : undefined;
  };
}

/** ThrottledReplicaListValidator for the *.replication.throttled.replicas topic configs. */
export function throttledReplicaList(name: string): ConfigValidator {
  return (value) => {
    if (!Array.isArray(value)) return undefined;
    const entries = value as readonly string[];
    const allPairs = entries.every((entry) => /^([0-9]+:[0-9]+)?$/.test(entry));
    if (allPairs || entries.join('') === '*') return undefined;
    return `${name} must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...`;
  };
}

/** Combines validators; the first failure wins. */
export function allOf(...validators: ConfigValidator[]): ConfigValidator {
  return (value) => {
    for (const validator of validators) {
      const reason = validator(value);
      if (reason !== undefined) return reason;
    }
    return undefined;
  };
}
