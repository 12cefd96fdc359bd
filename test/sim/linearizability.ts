// A linearizability checker for a key-value register history (Wing & Gong's search with the
// memoisation of Lowe / Horn & Kroening). Keys are independent objects, so each key's history is
// checked alone (linearizability is local).
//
// An operation with no response (`end` = Infinity) may have taken effect at any point after its
// start, or never; only puts can be like that (a get without a response is left out of the history).

export interface KvOperation {
  readonly kind: 'put' | 'get';
  readonly key: string;
  /** For a put, the value written (unique per put); for a get, the value read (null for absent). */
  readonly value: string | null;
  readonly start: number;
  readonly end: number;
  readonly label: string;
}

export type LinearizabilityResult = { readonly ok: true } | { readonly ok: false; readonly key: string; readonly detail: string };

/** Bound on search states per key before the checker gives up and reports it (never silently passes). */
const SEARCH_STATES_MAX = 2_000_000;

export function checkLinearizable(history: readonly KvOperation[]): LinearizabilityResult {
  const byKey = new Map<string, KvOperation[]>();
  for (const operation of history) {
    const list = byKey.get(operation.key) ?? [];
    list.push(operation);
    byKey.set(operation.key, list);
  }
  for (const [key, operations] of byKey) {
    const result = checkRegister(operations);
    if (result !== null) return { ok: false, key, detail: result };
  }
  return { ok: true };
}

/** Returns null when linearizable, otherwise a description. */
function checkRegister(operations: readonly KvOperation[]): string | null {
  const ops = [...operations].sort((a, b) => a.start - b.start || a.end - b.end);
  const count = ops.length;
  const mustLinearize = ops.filter((op) => op.end !== Number.POSITIVE_INFINITY).length;
  const done = new Uint8Array(count);
  const visited = new Set<string>();
  let states = 0;
  let best = 0;

  const search = (value: string | null, linearized: number, completedLinearized: number): boolean => {
    if (completedLinearized === mustLinearize) return true;
    const stateKey = `${value ?? '\u0000'}|${done.join('')}`;
    if (visited.has(stateKey)) return false;
    visited.add(stateKey);
    if (++states > SEARCH_STATES_MAX) throw new Error(`linearizability search exceeded ${SEARCH_STATES_MAX} states`);
    best = Math.max(best, completedLinearized);
    // Any op may go next if it started before every pending op with a response has ended.
    let minimumEnd = Number.POSITIVE_INFINITY;
    for (let i = 0; i < count; i++) {
      const op = ops[i];
      if (op !== undefined && done[i] === 0 && op.end < minimumEnd) minimumEnd = op.end;
    }
    for (let i = 0; i < count; i++) {
      const op = ops[i];
      if (op === undefined || done[i] === 1) continue;
      if (op.start > minimumEnd) break;
      if (op.kind === 'get' && op.value !== value) continue;
      done[i] = 1;
      const nextValue = op.kind === 'put' ? op.value : value;
      const completed = completedLinearized + (op.end === Number.POSITIVE_INFINITY ? 0 : 1);
      if (search(nextValue, linearized + 1, completed)) return true;
      done[i] = 0;
    }
    return false;
  };

  if (search(null, 0, 0)) return null;
  const described = ops
    .map((op) => `${op.label} ${op.kind}=${op.value ?? 'null'} [${op.start}, ${op.end === Number.POSITIVE_INFINITY ? '∞' : op.end}]`)
    .join('\n  ');
  return `no linearization (best prefix ${best} of ${mustLinearize} completed ops):\n  ${described}`;
}
