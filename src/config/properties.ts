// A parser for Java .properties text, as java.util.Properties.load reads it: comment lines
// starting with # or !, keys ending at the first unescaped '=', ':' or whitespace, lines
// continued by an odd number of trailing backslashes, escapes (\t \n \r \f \uXXXX, and \x for
// any other x), and leading whitespace ignored. Text is taken as already decoded (fjord reads
// files as UTF-8, where Java's InputStream overload reads ISO-8859-1).
// Bounds: the caller bounds the text (loadBrokerConfig reads at most MAX_PROPERTIES_FILE_BYTES);
// work is linear in its length.

export interface PropertyEntry {
  key: string;
  value: string;
  /** 1-based line on which the entry starts. */
  line: number;
}

export interface PropertiesError {
  line: number;
  message: string;
}

export interface ParsedProperties {
  /** Entries in file order; a later duplicate key overrides an earlier one, as in Java. */
  entries: PropertyEntry[];
  errors: PropertiesError[];
}

const WHITESPACE = new Set([' ', '\t', '\f']);

/** Splits text into natural lines, with \n, \r or \r\n as terminators. */
function naturalLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

function endsWithContinuation(line: string): boolean {
  let backslashes = 0;
  for (let index = line.length - 1; index >= 0 && line[index] === '\\'; index -= 1) backslashes += 1;
  return backslashes % 2 === 1;
}

function skipWhitespace(text: string, from: number): number {
  let index = from;
  while (index < text.length && WHITESPACE.has(text[index] as string)) index += 1;
  return index;
}

type Unescaped = { ok: true; text: string } | { ok: false; message: string };

function unescape(raw: string): Unescaped {
  let out = '';
  for (let index = 0; index < raw.length; index += 1) {
    const char = raw[index] as string;
    if (char !== '\\') {
      out += char;
      continue;
    }
    index += 1;
    if (index >= raw.length) break; // a lone trailing backslash is dropped, as Java does
    const escaped = raw[index] as string;
    switch (escaped) {
      case 't': out += '\t'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 'f': out += '\f'; break;
      case 'u': {
        const hex = raw.slice(index + 1, index + 5);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) return { ok: false, message: 'Malformed \\uxxxx encoding.' };
        out += String.fromCharCode(Number.parseInt(hex, 16));
        index += 4;
        break;
      }
      default: out += escaped;
    }
  }
  return { ok: true, text: out };
}

/** Parses .properties text. Never throws; malformed entries are reported with their line. */
export function parseProperties(text: string): ParsedProperties {
  const lines = naturalLines(text);
  const entries: PropertyEntry[] = [];
  const errors: PropertiesError[] = [];
  let index = 0;
  while (index < lines.length) {
    const startLine = index + 1;
    const first = lines[index] as string;
    index += 1;
    const start = skipWhitespace(first, 0);
    if (start === first.length) continue; // blank line
    if (first[start] === '#' || first[start] === '!') continue; // comment lines are never continued
    // Join continuation lines: drop the trailing backslash and the next line's leading whitespace.
    let logical = first.slice(start);
    while (endsWithContinuation(logical) && index < lines.length) {
      const next = lines[index] as string;
      index += 1;
      logical = logical.slice(0, -1) + next.slice(skipWhitespace(next, 0));
    }
    if (endsWithContinuation(logical)) logical = logical.slice(0, -1);
    // The key ends at the first unescaped separator or whitespace.
    let keyEnd = 0;
    while (keyEnd < logical.length) {
      const char = logical[keyEnd] as string;
      if (char === '\\') {
        keyEnd += 2;
        continue;
      }
      if (char === '=' || char === ':' || WHITESPACE.has(char)) break;
      keyEnd += 1;
    }
    keyEnd = Math.min(keyEnd, logical.length);
    let valueStart = skipWhitespace(logical, keyEnd);
    if (valueStart < logical.length && (logical[valueStart] === '=' || logical[valueStart] === ':')) {
      valueStart = skipWhitespace(logical, valueStart + 1);
    }
    const key = unescape(logical.slice(0, keyEnd));
    const value = unescape(logical.slice(valueStart));
    if (!key.ok || !value.ok) {
      errors.push({ line: startLine, message: (key.ok ? (value as { message: string }).message : key.message) });
      continue;
    }
    entries.push({ key: key.text, value: value.text, line: startLine });
  }
  return { entries, errors };
}
