/**
 * ListTransactions (key 66), v0-2 (Kafka 4.1's range: v1 adds durationFilter, KIP-994; v2
 * transactionalIdPattern, KIP-1152). Every transactional id the coordinator holds, with its
 * producer id and state name, filtered as Kafka's TransactionStateManager.listTransactionStates
 * does; the filters combine with AND:
 *
 * - stateFilters: names of Kafka's states; unknown names are answered in unknownStateFilters (each
 *   once) and match nothing, the known ones filter. Empty: every state. Ids in state Dead (being
 *   expired) are never listed.
 * - producerIdFilters: empty, every producer id.
 * - durationFilter (v1+): when >= 0, only transactions running longer than it, i.e. now minus the
 *   transaction's start time > durationFilter. Like Kafka this compares against the recorded start
 *   time whatever the state, so ids with no start time (-1) are always kept.
 * - transactionalIdPattern (v2+): null or empty, every id; else the whole id must match (Kafka's
 *   `matcher(id).matches()`). Kafka compiles it with RE2/J; fjord uses a JavaScript RegExp on V8's
 *   linear-time engine (the `l` flag, enabled here through the V8 flag
 *   --enable-experimental-regexp-engine), which like RE2 runs in time linear in the id and has no
 *   backreferences or lookaround, so a hostile pattern cannot stall the event loop. Syntax is
 *   JavaScript's, which agrees with RE2 on the usual constructs (classes, `\d \w \s`,
 *   quantifiers, groups, alternation); a leading inline `(?s)` is honoured as RE2 does, while
 *   `(?i)` is refused because the linear engine has no case-insensitive mode. A pattern that does
 *   not compile is INVALID_REGULAR_EXPRESSION with nothing listed. If the linear engine cannot be
 *   enabled, V8's backtracking engine is used (then `(?i)` works).
 *
 * Listed in the coordinator's order (Kafka's is its cache's hash order). There are no ACLs yet
 * (Kafka drops ids the caller may not DESCRIBE). The answer is bounded by the number of
 * transactional ids, which `transactional.id.expiration.ms` bounds.
 */
import { setFlagsFromString } from 'node:v8';

import { TXN_STATES, type TxnState } from '../coordinator/txn/txn-state.ts';
import { ErrorCode, listTransactionsRequest, listTransactionsResponse } from '../protocol/index.ts';
import { defineHandler } from './types.ts';

const KNOWN_STATES: ReadonlySet<string> = new Set(TXN_STATES);

let linearEngineFlag: 'l' | '' | undefined;

/** 'l' once V8's linear-time regular expression engine is available, else ''. */
function linearEngine(): 'l' | '' {
  if (linearEngineFlag === undefined) {
    try {
      setFlagsFromString('--enable-experimental-regexp-engine');
      new RegExp('', 'l');
      linearEngineFlag = 'l';
    } catch {
      linearEngineFlag = '';
    }
  }
  return linearEngineFlag;
}

/** A whole-id matcher for a transactionalIdPattern, or null if it does not compile. */
export function compileTransactionalIdPattern(pattern: string): RegExp | null {
  const inlineFlags = /^\(\?([is]+)\)/.exec(pattern);
  const flags = [...new Set(inlineFlags?.[1] ?? '')].join('');
  const body = inlineFlags === null ? pattern : pattern.slice(inlineFlags[0].length);
  try {
    // Compiled alone first, so that a body such as `a)|(b` cannot escape the anchoring group.
    new RegExp(body, flags + linearEngine());
    return new RegExp(`^(?:${body})$`, flags + linearEngine());
  } catch {
    return null;
  }
}

export const listTransactionsHandler = defineHandler({
  name: 'ListTransactions',
  request: listTransactionsRequest,
  response: listTransactionsResponse,
  advertised: { min: 0, max: 2 },
  handle(request, context) {
    const noneListed = { throttleTimeMs: 0, unknownStateFilters: [], transactionStates: [] };
    const pattern = request.transactionalIdPattern;
    const matcher = pattern === null || pattern === '' ? null : compileTransactionalIdPattern(pattern);
    if (matcher === null && pattern !== null && pattern !== '') return { ...noneListed, errorCode: ErrorCode.INVALID_REGULAR_EXPRESSION };

    const stateFilters = new Set(request.stateFilters);
    const states = new Set<TxnState>();
    const unknownStateFilters: string[] = [];
    for (const name of stateFilters) {
      if (KNOWN_STATES.has(name)) states.add(name as TxnState);
      else unknownStateFilters.push(name);
    }
    const producerIds = new Set(request.producerIdFilters);
    const now = BigInt(context.broker.now());

    const transactionStates = context.broker.txns.coordinator
      .list()
      .filter(
        (transaction) =>
          transaction.state !== 'Dead' &&
          (producerIds.size === 0 || producerIds.has(transaction.producerId)) &&
          (stateFilters.size === 0 || states.has(transaction.state)) &&
          (request.durationFilter < 0n || now - BigInt(transaction.transactionStartTimeMs) > request.durationFilter) &&
          (matcher === null || matcher.test(transaction.transactionalId)),
      )
      .map((transaction) => ({ transactionalId: transaction.transactionalId, producerId: transaction.producerId, transactionState: transaction.state }));
    return { ...noneListed, errorCode: ErrorCode.NONE, unknownStateFilters, transactionStates };
  },
});
