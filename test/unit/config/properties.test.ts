import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseProperties } from '../../../src/config/properties.ts';

function entries(text: string): Array<[string, string]> {
  const parsed = parseProperties(text);
  assert.deepEqual(parsed.errors, [], 'expected no parse errors');
  return parsed.entries.map((entry) => [entry.key, entry.value]);
}

describe('properties parser', () => {
  it('skips # and ! comments and blank lines, including indented ones', () => {
    assert.deepEqual(entries('# one\n! two\n   # three\n\n \t \na=1\n'), [['a', '1']]);
  });

  it('accepts =, : and whitespace as separators, with whitespace around them', () => {
    assert.deepEqual(entries('a=1\nb:2\nc 3\nd = 4\ne\t:\t5\nf    =six seven\n'), [
      ['a', '1'], ['b', '2'], ['c', '3'], ['d', '4'], ['e', '5'], ['f', 'six seven'],
    ]);
  });

  it('keeps only the first separator: later = and : belong to the value', () => {
    assert.deepEqual(entries('listeners=PLAINTEXT://127.0.0.1:9092\nx = = y\n'), [
      ['listeners', 'PLAINTEXT://127.0.0.1:9092'], ['x', '= y'],
    ]);
  });

  it('gives a key without a value the empty string, and keeps trailing whitespace of values', () => {
    assert.deepEqual(entries('lonely\nempty=\ntrail=v  \n'), [['lonely', ''], ['empty', ''], ['trail', 'v  ']]);
  });

  it('joins continuation lines and drops the leading whitespace of each continued line', () => {
    assert.deepEqual(entries('log.dirs=/a,\\\n    /b,\\\n\t/c\nnext=1\n'), [['log.dirs', '/a,/b,/c'], ['next', '1']]);
  });

  it('does not continue a line that ends in an even number of backslashes', () => {
    assert.deepEqual(entries('path=C:\\\\\nnext=1\n'), [['path', 'C:\\'], ['next', '1']]);
  });

  it('does not continue comment lines', () => {
    assert.deepEqual(entries('# comment \\\na=1\n'), [['a', '1']]);
  });

  it('decodes \\t \\n \\r \\f \\uXXXX and escaped separators in keys and values', () => {
    assert.deepEqual(entries('k\\=ey\\:x\\ y=a\\tb\\nc\\rd\\fe\\u00e9\\u0041\\\\z\\q\n'), [
      ['k=ey:x y', 'a\tb\nc\rd\fe\u00e9A\\zq'],
    ]);
  });

  it('reads \\r\\n and \\r line endings', () => {
    assert.deepEqual(entries('a=1\r\nb=2\rc=3'), [['a', '1'], ['b', '2'], ['c', '3']]);
  });

  it('lets a later duplicate come after the earlier one, in file order', () => {
    assert.deepEqual(entries('a=1\na=2\n'), [['a', '1'], ['a', '2']]);
  });

  it('reports a malformed \\u escape with its line number and keeps parsing', () => {
    const parsed = parseProperties('a=1\n# c\nbad=\\u12G4\nc=3\n');
    assert.deepEqual(parsed.errors, [{ line: 3, message: 'Malformed \\uxxxx encoding.' }]);
    assert.deepEqual(parsed.entries.map((entry) => [entry.key, entry.line]), [['a', 1], ['c', 4]]);
  });

  it('numbers an entry by the line it starts on', () => {
    const parsed = parseProperties('\n\na=1\\\n  2\nb=3\n');
    assert.deepEqual(parsed.entries, [{ key: 'a', value: '12', line: 3 }, { key: 'b', value: '3', line: 5 }]);
  });
});
