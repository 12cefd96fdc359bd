// A checker over a few thousand random transactions with random broker restarts.
//
// test/interop/java/TxnWorkload.java runs 2000 transactions with the Java client 4.1 from four
// concurrent transactional producers (uncompressed, lz4, zstd and gzip), so open, committed and
// aborted transactions of different producers interleave in each partition (each transaction over 1-3 random partitions of 8, 1-4
// records per partition, 60 % committed, the rest aborted) while a read_committed consumer tails
// every partition. Meanwhile this test restarts the broker six times,
// at random points spread over the run, three times with SIGTERM and three with kill -9 in random
// order. Afterwards the program checks that read_committed consumers (the one that tailed across the
// restarts and a fresh one) saw exactly the committed records, each once, in offset order, every
// transaction whole or not at all, and no record of an aborted transaction.
//
// Then test/interop/java/TxnPipeline.java, an exactly-once consume-transform-produce pipeline (a
// read_committed consumer in a group, a transactional producer, sendOffsetsToTransaction, abort and
// rewind to the committed offsets on failure), copies 3000 records while the broker is restarted
// three times; its output must hold every input record exactly once, in order.
//
// The seed is random per run and printed; FJORD_TXN_CHECKER_SEED=<n> repeats a run's transactions
// and restart plan.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { javaArguments, reportProgramDiagnostics, reportProgramSteps, requireJavaClient, txnBrokerOverrides } from './clients.ts';
import { startBroker, startProgram } from './harness.ts';

const transactionCount = 2000;
const partitionCount = 8;
const restartCount = 6;
/** Concurrent transactional producers, so transactions (committed and aborted) interleave in a partition. */
const producerCount = 4;

/** A small seeded generator (mulberry32), so a failing run can be repeated. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

test(`read_committed consumers see exactly the committed records of ${transactionCount} random transactions from ${producerCount} concurrent producers, each once, in offset order, across ${restartCount} random broker restarts (SIGTERM and kill -9)`, requireJavaClient(), async (t) => {
  const seed = Number(process.env.FJORD_TXN_CHECKER_SEED ?? Math.floor(Math.random() * 2 ** 31));
  t.diagnostic(`seed ${seed} (FJORD_TXN_CHECKER_SEED=${seed} repeats this run)`);
  const random = seededRandom(seed);
  const broker = await startBroker({ overrides: txnBrokerOverrides });
  const topic = 'txn-checker';
  const program = startProgram('java', javaArguments('TxnWorkload', [broker.bootstrap, topic, String(partitionCount), String(transactionCount), String(seed), '--producers', String(producerCount)]), {
    timeoutMs: 420_000,
  });

  // The restart plan: after which finished transaction, with which signal, after what extra delay.
  const signals: Array<'SIGTERM' | 'SIGKILL'> = ['SIGTERM', 'SIGTERM', 'SIGTERM', 'SIGKILL', 'SIGKILL', 'SIGKILL'];
  for (let index = signals.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [signals[index], signals[other]] = [signals[other] ?? 'SIGTERM', signals[index] ?? 'SIGTERM'];
  }
  const plan = signals.slice(0, restartCount).map((signal, index) => ({
    // spread over 5 %..90 % of the run, each at a random point of its slice
    afterTransactions: Math.floor(transactionCount * (0.05 + (0.85 * (index + random())) / restartCount)),
    signal,
    delayMs: Math.floor(random() * 300),
  }));

  let scanned = 0;
  let finished = 0;
  const finishedTransactions = (): number => {
    const text = program.stdout();
    // Count "COMMITTED i", "ABORTED i" and "FAILED i" lines printed since the last look.
    const fresh = text.slice(scanned);
    const lastNewline = fresh.lastIndexOf('\n');
    if (lastNewline >= 0) {
      for (const line of fresh.slice(0, lastNewline).split('\n')) if (/^(COMMITTED|ABORTED|FAILED) \d+/.test(line)) finished += 1;
      scanned += lastNewline + 1;
    }
    return finished;
  };

  for (const restart of plan) {
    while (finishedTransactions() < restart.afterTransactions) {
      assert.ok(program.child.exitCode === null, `the workload exited early:\n${program.stdout().slice(-3000)}\n${program.stderr().slice(-3000)}`);
      await sleep(20);
    }
    await sleep(restart.delayMs);
    if (restart.signal === 'SIGKILL') await broker.kill9();
    else assert.equal(await broker.stop('SIGTERM'), 0, `the broker's exit code after SIGTERM; its output:\n${broker.output().slice(-4000)}`);
    await broker.restart();
    t.diagnostic(`restarted the broker (${restart.signal}) after ${restart.afterTransactions} transactions`);
  }

  const result = await program.done;
  reportProgramDiagnostics(t, result);
  await reportProgramSteps(t, result);
});

test('an exactly-once consume-transform-produce pipeline (Java client, sendOffsetsToTransaction) copies every record exactly once across broker restarts (kill -9, SIGTERM, kill -9)', requireJavaClient(), async (t) => {
  const recordCount = 3000;
  const broker = await startBroker({ overrides: txnBrokerOverrides });
  const program = startProgram('java', javaArguments('TxnPipeline', [broker.bootstrap, 'pipeline-in', 'pipeline-out', '4', String(recordCount)]), { timeoutMs: 300_000 });
  const committedSoFar = (): number => {
    const matches = [...program.stdout().matchAll(/^COMMITTED (\d+)$/gm)];
    return Number(matches.at(-1)?.[1] ?? 0);
  };
  for (const [share, signal] of [[0.2, 'SIGKILL'], [0.45, 'SIGTERM'], [0.7, 'SIGKILL']] as const) {
    while (committedSoFar() < recordCount * share) {
      assert.ok(program.child.exitCode === null, `the pipeline exited early:\n${program.stdout().slice(-3000)}\n${program.stderr().slice(-3000)}`);
      await sleep(20);
    }
    if (signal === 'SIGKILL') await broker.kill9();
    else assert.equal(await broker.stop('SIGTERM'), 0, `the broker's exit code after SIGTERM; its output:\n${broker.output().slice(-4000)}`);
    await broker.restart();
    t.diagnostic(`restarted the broker (${signal}) after ${committedSoFar()} records were committed`);
  }
  const result = await program.done;
  reportProgramDiagnostics(t, result);
  await reportProgramSteps(t, result);
});
