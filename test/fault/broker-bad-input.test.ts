/**
 * Bad input against a real broker process (issue 3): thousands of random and mutated frames on
 * fresh connections while a good client keeps producing with acks=1 on its own connection.
 *
 * Proves: the broker never crashes; its resident memory stays under RSS_BOUND_BYTES; every bad
 * connection gets Kafka's answer or is closed (never hangs past its timeout); the good client's
 * every produce is acknowledged, and a good consumer following the partition meanwhile reads
 * exactly what was acknowledged; everything acknowledged reads back exact, and again after a
 * SIGTERM (exit code 0) and a restart on the same data directory, where kcat (librdkafka), when
 * installed, also consumes every acknowledged record.
 *
 * Replay: the seed is printed; FJORD_FAULT_SEED=<seed> reruns the same cases.
 * Soak: FJORD_FAULT_CASES=<n> sets the number of random cases (default 2500; the sweeps add about
 * 3900 more); FJORD_FAULT_CONCURRENCY=<n> the attack connections open at once (default 16).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { attackCases, type AttackCase } from './helpers/attack-cases.ts';
import { runAttack, type CaseResult } from './helpers/attack-runner.ts';
import { BrokerProcess } from './helpers/broker-process.ts';
import { GoodClient, sameBatch, type AckedBatch } from './helpers/good-client.ts';
import { kcatConsume, kcatInstalled } from './helpers/kcat.ts';
import { SeededRandom, seedFromEnvironment } from './helpers/seeded-random.ts';
import { RecordBatchField } from '../../src/protocol/index.ts';
import { recordBatch } from '../helpers/record-batches.ts';

/** The broker's resident memory must stay below this for the whole attack (sampled every 50 ms). */
const RSS_BOUND_BYTES = 512 * 1024 * 1024;
/** socket.request.max.bytes for the attacked broker: 1 MiB, so frames above it are cheap to try. */
const MAX_REQUEST_BYTES = 1024 * 1024;
/** connections.max.idle.ms for the attacked broker: connections left mid-frame close after this. */
const IDLE_TIMEOUT_MS = 2_000;
/** A case that is neither answered nor closed within this is a hang. */
const CASE_TIMEOUT_MS = IDLE_TIMEOUT_MS + 10_000;
/** Attack connections open at once (FJORD_FAULT_CONCURRENCY overrides). */
const CONCURRENCY = positiveFromEnvironment('FJORD_FAULT_CONCURRENCY', 16);
const DEFAULT_RANDOM_CASES = 2_500;
/** At most this many failures are described in the assertion message. */
const FAILURES_SHOWN = 15;

const GOOD_TOPIC = 'fault-good-records';
const ATTACK_TOPIC = 'victim';

function randomCaseCount(): number {
  const fromEnvironment = process.env.FJORD_FAULT_CASES;
  if (fromEnvironment === undefined || fromEnvironment === '') return DEFAULT_RANDOM_CASES;
  const count = Number(fromEnvironment);
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`FJORD_FAULT_CASES must be a non-negative integer, got ${fromEnvironment}`);
  return count;
}

function positiveFromEnvironment(name: string, fallback: number): number {
  const fromEnvironment = process.env[name];
  if (fromEnvironment === undefined || fromEnvironment === '') return fallback;
  const value = Number(fromEnvironment);
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${fromEnvironment}`);
  return value;
}

function describeFailure(result: CaseResult): string {
  const hex = result.attack.bytes.subarray(0, 160).toString('hex');
  return `#${result.attack.index} ${result.attack.label}: ${result.problem} [${result.outcome}]\n    bytes ${hex}${result.attack.bytes.length > 160 ? '…' : ''} (${result.attack.bytes.length})`;
}

/** Handler failures in the broker's log other than unparseable requests and failed acks=0 produces. */
function unexpectedHandlerFailures(output: string): string[] {
  return output
    .split('\n')
    .filter((line) => /handler failed|uncaught|unhandled/i.test(line))
    .filter((line) => !/ProtocolDecodeError|acks=0 produce failed/.test(line));
}

async function verifyAcknowledged(port: number, acked: readonly AckedBatch[], endOffset: bigint, when: string): Promise<void> {
  const reader = await GoodClient.open(port);
  try {
    const batches = await reader.readAll(GOOD_TOPIC, 0, 0n, endOffset);
    assert.equal(batches.length, acked.length, `${when}: ${batches.length} batches read back, ${acked.length} acknowledged`);
    acked.forEach((batch, i) => {
      const difference = sameBatch(batches[i]!, batch);
      assert.equal(difference, null, `${when}: batch ${i} at offset ${batch.baseOffset}: ${difference}`);
    });
  } finally {
    reader.close();
  }
}

test('a broker attacked with random and mutated frames stays up and bounded, answers or closes each connection, and loses nothing it acknowledged', { timeout: 300_000 }, async (t) => {
  const seed = seedFromEnvironment();
  const replay = `seed ${seed} (replay with FJORD_FAULT_SEED=${seed})`;
  t.diagnostic(`fault ${replay}`);
  const random = new SeededRandom(seed);
  const overrides = { 'socket.request.max.bytes': String(MAX_REQUEST_BYTES), 'connections.max.idle.ms': String(IDLE_TIMEOUT_MS) };
  let broker = await BrokerProcess.start({ overrides });
  const dataDir = broker.dataDir;
  try {
    const setup = await GoodClient.open(broker.port);
    await setup.ensureTopic(GOOD_TOPIC);
    const attackTopicId = await setup.ensureTopic(ATTACK_TOPIC);
    setup.close();

    // The good client: one batch at a time with acks=1, every ack checked, until the attack ends.
    const acked: AckedBatch[] = [];
    /** Key and value lengths of every acknowledged record, in offset order (for the kcat check). */
    const ackedRecordLengths: { keyBytes: number; valueBytes: number }[] = [];
    let producing = true;
    let slowestAckMs = 0;
    const producer = (async () => {
      const client = await GoodClient.open(broker.port);
      const values = new SeededRandom(seed ^ 0x600d);
      try {
        let expectedOffset = 0n;
        while (producing) {
          const recordCount = values.between(1, 3);
          const records = [];
          for (let i = 0; i < recordCount; i++) records.push({ timestamp: Date.now() + i, key: values.bytes(4), value: values.bytes(values.between(0, 200)) });
          const lengths = records.map((record) => ({ keyBytes: record.key.length, valueBytes: record.value.length }));
          const batch = recordBatch(records);
          const started = Date.now();
          const baseOffset = await client.produce(GOOD_TOPIC, 0, batch);
          slowestAckMs = Math.max(slowestAckMs, Date.now() - started);
          assert.equal(baseOffset, expectedOffset, 'the good client is the only writer: offsets are contiguous');
          acked.push({ baseOffset, batch, recordCount });
          ackedRecordLengths.push(...lengths);
          expectedOffset += BigInt(recordCount);
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
        return expectedOffset;
      } finally {
        client.close();
      }
    })();
    // A good consumer on its own connection follows the partition with long polls meanwhile.
    const consumed: Buffer[] = [];
    const consumer = (async () => {
      const client = await GoodClient.open(broker.port);
      try {
        let next = 0n;
        while (producing) {
          const { batches } = await client.fetchOnce(GOOD_TOPIC, 0, next, 200);
          for (const batch of batches) {
            consumed.push(batch);
            next = batch.readBigInt64BE(RecordBatchField.baseOffset) + BigInt(batch.readInt32BE(RecordBatchField.lastOffsetDelta)) + 1n;
          }
        }
      } finally {
        client.close();
      }
    })();
    // If a good client fails mid-attack, stop attacking at once.
    let producerFailed = false;
    producer.catch(() => {
      producerFailed = true;
    });
    consumer.catch(() => {
      producerFailed = true;
    });

    const target = { topic: ATTACK_TOPIC, topicId: attackTopicId, maxRequestBytes: MAX_REQUEST_BYTES };
    const cases = attackCases(random, target, randomCaseCount());
    const failures: CaseResult[] = [];
    const outcomes = new Map<string, number>();
    const errorCodes = new Map<number, number>();
    let ran = 0;
    const started = Date.now();
    const worker = async (): Promise<void> => {
      for (;;) {
        if (producerFailed || !broker.isRunning) return;
        const next = cases.next();
        if (next.done === true) return;
        const attack: AttackCase = next.value;
        let result: CaseResult;
        try {
          result = await runAttack(broker.port, attack, CASE_TIMEOUT_MS);
        } catch (error) {
          if (!broker.isRunning) return; // reported below, with the broker's output
          result = { attack, outcome: 'connect-failed', problem: `could not run the case: ${error instanceof Error ? error.message : String(error)}`, errorCodes: [] };
        }
        ran++;
        outcomes.set(result.outcome, (outcomes.get(result.outcome) ?? 0) + 1);
        for (const code of result.errorCodes) errorCodes.set(code, (errorCodes.get(code) ?? 0) + 1);
        if (result.problem !== null) failures.push(result);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    producing = false;
    const endOffset = await producer.catch((error: unknown) => {
      throw new Error(`the good client failed during the attack (${replay}): ${error instanceof Error ? error.message : String(error)}${broker.isRunning ? '' : `\nthe broker died:\n${broker.output.slice(-4000)}`}`);
    });
    await consumer.catch((error: unknown) => {
      throw new Error(`the good consumer failed during the attack (${replay}): ${error instanceof Error ? error.message : String(error)}`);
    });
    const elapsedMs = Date.now() - started;

    t.diagnostic(`${ran} cases in ${elapsedMs} ms; outcomes ${JSON.stringify(Object.fromEntries(outcomes))}`);
    t.diagnostic(`error codes in answers ${JSON.stringify(Object.fromEntries(errorCodes))}`);
    t.diagnostic(`good client: ${acked.length} batches (${endOffset} records) acknowledged, slowest ack ${slowestAckMs} ms; good consumer read ${consumed.length} batches meanwhile; broker peak RSS ${(broker.peakResidentBytes / 1048576).toFixed(1)} MiB`);

    assert.ok(broker.isRunning, `the broker died during the attack (${replay}):\n${broker.output.slice(-4000)}`);
    assert.doesNotThrow(() => process.kill(broker.pid, 0), 'the broker pid is alive');
    assert.deepEqual(
      failures.slice(0, FAILURES_SHOWN).map(describeFailure),
      [],
      `${failures.length} of ${ran} cases broke the rules (${replay})`,
    );
    assert.ok(broker.peakResidentBytes < RSS_BOUND_BYTES, `broker RSS peaked at ${broker.peakResidentBytes} bytes, above ${RSS_BOUND_BYTES}`);
    assert.deepEqual(unexpectedHandlerFailures(broker.output).slice(0, FAILURES_SHOWN), [], `handler failures other than unparseable requests (${replay})`);
    assert.ok(acked.length > 0, 'the good client got acknowledgements during the attack');
    assert.ok(consumed.length > 0 && consumed.length <= acked.length, `the good consumer read ${consumed.length} batches, ${acked.length} acknowledged`);
    consumed.forEach((batch, i) => assert.equal(sameBatch(batch, acked[i]!), null, `batch ${i} as the consumer read it during the attack`));

    await verifyAcknowledged(broker.port, acked, endOffset, 'after the attack');

    assert.equal(await broker.stop(), 0, 'SIGTERM after the attack exits 0');
    broker = await BrokerProcess.start({ overrides, dataDir });
    await verifyAcknowledged(broker.port, acked, endOffset, 'after a restart');
    if (kcatInstalled()) {
      const read = await kcatConsume(`127.0.0.1:${broker.port}`, GOOD_TOPIC, 0, ackedRecordLengths.length);
      assert.deepEqual(
        read.map((record) => [record.offset, record.keyBytes, record.valueBytes]),
        ackedRecordLengths.map((lengths, offset) => [BigInt(offset), lengths.keyBytes, lengths.valueBytes]),
        'kcat (librdkafka) reads every acknowledged record after the restart',
      );
    } else {
      t.diagnostic('kcat is not installed: the librdkafka cross-check did not run (Fetch checked every byte)');
    }
    assert.equal(await broker.stop(), 0, 'SIGTERM after the restart exits 0');
  } finally {
    await broker.kill();
    broker.removeDataDir();
  }
});
