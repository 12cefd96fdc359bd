// Transactions with the Java client 4.1 against a real broker process.
//
// 1. test/interop/java/TxnJavaCheck.java in one JVM: commit and abort across partitions checked with
//    read_committed and read_uncommitted consumers (and the last stable offset of an open
//    transaction), consume-transform-produce with sendOffsetsToTransaction (group offsets move on
//    commit, not on abort), fencing of the older of two producers with one transactional.id, and
//    the broker aborting a transaction left open past transaction.timeout.ms; and the Admin client's
//    describeTransactions, listTransactions, describeProducers, abortTransaction, fenceProducers.
// 2. test/interop/java/TxnWorkload.java through kill -9 of the broker: once while a transaction is
//    open (its records written, the producer paused before committing) and twice as a commit of a
//    transaction over every partition starts (at once, and 5 ms in); after each restart the
//    program carries on, then checks with read_committed consumers that every transaction ended
//    all-or-nothing, never half.
// 3. test/interop/java/TxnOrphan.java: the producer dies with the broker (kill -9 of both) while its
//    transaction is open, and as it commits; after the restart the broker ends the open one by its
//    timeout (aborted) and the committing one whole, and the transactional.id commits again.
// 4. test/interop/java/TxnLimits.java: transaction.max.timeout.ms (INVALID_TRANSACTION_TIMEOUT) and
//    the expiry of an idle transactional id.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { javaArguments, reportProgramDiagnostics, reportProgramSteps, requireJavaClient, runJava, txnBrokerOverrides } from './clients.ts';
import { startBroker, startProgram, type RunningProgram } from './harness.ts';

test('the Java client 4.1 commits, aborts, fences and times out transactions and administers them (describe, list, describeProducers, abortTransaction, fenceProducers); read_committed and read_uncommitted consumers see what Kafka shows them', requireJavaClient(), async (t) => {
  const broker = await startBroker({ overrides: txnBrokerOverrides });
  const result = await runJava('TxnJavaCheck', [broker.bootstrap], 150_000);
  reportProgramDiagnostics(t, result);
  await reportProgramSteps(t, result);
});

/** Waits until the program printed a line equal to `line` (failing if it exits or 90 s pass first). */
async function awaitLine(program: RunningProgram, line: string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (!program.stdout().split('\n').includes(line)) {
    assert.ok(program.child.exitCode === null, `the program exited before printing "${line}":\n${program.stdout().slice(-3000)}\n${program.stderr().slice(-3000)}`);
    assert.ok(Date.now() < deadline, `the program did not print "${line}" within 90 s:\n${program.stdout().slice(-3000)}`);
    await sleep(5);
  }
}

test('transactions interrupted by kill -9 of the broker (one open, two committing) end committed or aborted, never half, after the restart', requireJavaClient(), async (t) => {
  const broker = await startBroker({ overrides: txnBrokerOverrides });
  const topic = 'txn-crash';
  // 12 transactions over 6 partitions; transaction 3 pauses after its records are acknowledged,
  // transactions 3, 8 and 10 commit and span every partition.
  const program = startProgram(
    'java',
    javaArguments('TxnWorkload', [broker.bootstrap, topic, '6', '12', '7', '--pause', '3', '--commit', '3,8,10']),
    { timeoutMs: 240_000 },
  );
  await awaitLine(program, 'PAUSED 3');
  await broker.kill9();
  await broker.restart();
  program.child.stdin?.write('resume\n');

  // Kill right as commitTransaction is called, and once more 5 ms into a later commit (EndTxn sent,
  // markers being written), to land inside the commit one way or the other.
  for (const [index, delayMs] of [[8, 0], [10, 5]] as const) {
    await awaitLine(program, `COMMITTING ${index}`);
    if (delayMs > 0) await sleep(delayMs);
    await broker.kill9();
    await sleep(200);
    await broker.restart();
  }

  const result = await program.done;
  reportProgramDiagnostics(t, result);
  for (const index of [3, 8, 10]) {
    const ended = result.stdout.split('\n').find((line) => line === `COMMITTED ${index}` || line.startsWith(`FAILED ${index} `));
    t.diagnostic(`transaction ${index}: ${ended ?? 'no outcome printed'}`);
  }
  await reportProgramSteps(t, result);
});

test('a transaction whose producer and broker are both killed -9 (while open, and as it commits) ends aborted or whole after the broker restarts, and its transactional.id commits again', requireJavaClient(), async (t) => {
  const broker = await startBroker({ overrides: txnBrokerOverrides });
  const topic = 'txn-orphan';
  for (const [tag, mode, expectation] of [
    ['open', 'leave', 'none'],
    ['committing', 'commit', 'all-or-nothing'],
  ] as const) {
    // A 5 s transaction timeout: the broker must abort the open one by itself after the restart.
    const program = startProgram('java', javaArguments('TxnOrphan', ['open', broker.bootstrap, topic, '4', '5', tag, '5000', mode]), { timeoutMs: 120_000 });
    await awaitLine(program, mode === 'commit' ? 'COMMITTING' : 'OPEN');
    await broker.kill9();
    program.child.kill('SIGKILL');
    await program.done;
    await broker.restart();
    const result = await runJava('TxnOrphan', ['check', broker.bootstrap, topic, '4', '5', tag, expectation], 150_000);
    reportProgramDiagnostics(t, result);
    await reportProgramSteps(t, result);
  }
});

test('the broker enforces transaction.max.timeout.ms and expires idle transactional ids (transactional.id.expiration.ms)', requireJavaClient(), async (t) => {
  const broker = await startBroker({
    overrides: {
      ...txnBrokerOverrides,
      'transaction.max.timeout.ms': '60000',
      'transactional.id.expiration.ms': '3000',
      'transaction.remove.expired.transaction.cleanup.interval.ms': '500',
    },
  });
  const result = await runJava('TxnLimits', [broker.bootstrap], 120_000);
  reportProgramDiagnostics(t, result);
  await reportProgramSteps(t, result);
});
