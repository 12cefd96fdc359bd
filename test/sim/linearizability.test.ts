import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { KvOperation } from './linearizability.ts';
import { checkLinearizable } from './linearizability.ts';

function op(kind: 'put' | 'get', value: string | null, start: number, end: number): KvOperation {
  return { kind, key: 'k', value, start, end, label: `${kind} ${value}` };
}

describe('linearizability checker', () => {
  it('accepts overlapping operations that have a valid order', () => {
    const history = [op('put', 'a', 1, 4), op('get', 'a', 2, 3), op('put', 'b', 5, 8), op('get', 'a', 6, 7)];
    assert.deepEqual(checkLinearizable(history), { ok: true });
  });

  it('rejects a stale read after a completed write', () => {
    const history = [op('put', 'a', 1, 2), op('put', 'b', 3, 4), op('get', 'a', 5, 6)];
    const result = checkLinearizable(history);
    assert.equal(result.ok, false);
  });

  it('lets a put without a response take effect late or never', () => {
    const late = [op('put', 'a', 1, Number.POSITIVE_INFINITY), op('get', null, 2, 3), op('get', 'a', 4, 5)];
    assert.deepEqual(checkLinearizable(late), { ok: true });
    const never = [op('put', 'a', 1, Number.POSITIVE_INFINITY), op('get', null, 2, 3)];
    assert.deepEqual(checkLinearizable(never), { ok: true });
  });

  it('rejects a read of a value that flips back', () => {
    const history = [op('put', 'a', 1, 2), op('put', 'b', 3, 10), op('get', 'b', 4, 5), op('get', 'a', 6, 7)];
    assert.equal(checkLinearizable(history).ok, false);
  });
});
