// Transactions from the other clients against a real broker process:
//   - librdkafka through confluent-kafka for Python (test/interop/python/txn_check.py): commit and
//     abort across partitions read back with read_committed and read_uncommitted consumers, and
//     consume-transform-produce with send_offsets_to_transaction; and 300 random transactions
//     (test/interop/python/txn_restart_workload.py) through three broker restarts;
//   - kafkajs and @platformatic/kafka transactional producers: commit A, abort B, commit C over three
//     partitions, read back with kcat (librdkafka) under read_committed and read_uncommitted, and for
//     kafkajs also with its own consumer group under readUncommitted: false.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import kafkajs, { type EachMessagePayload } from 'kafkajs';
import { Admin, Producer, stringSerializers } from '@platformatic/kafka';
import {
  kcatConsume,
  pythonPath,
  reportProgramDiagnostics,
  reportProgramSteps,
  requireConfluentKafka,
  requireKcat,
  txnBrokerOverrides,
  type KcatRecord,
} from './clients.ts';
import { repositoryRoot, runProgram, startBroker, startProgram } from './harness.ts';

// kafkajs is CommonJS whose exports Node cannot all name statically: take them from the default export.
const { Kafka, logLevel } = kafkajs;

const partitionCount = 3;
const perPartition = 4;
/** How long the checks wait for markers to be written and records to become visible. */
const visibleTimeoutMs = 30_000;

test('librdkafka (confluent-kafka for Python) commits and aborts transactions and sends offsets to them; read_committed consumers see only committed records', requireConfluentKafka(), async (t) => {
  const broker = await startBroker({ overrides: txnBrokerOverrides });
  const script = join(repositoryRoot, 'test/interop/python/txn_check.py');
  const result = await runProgram(pythonPath, [script, broker.bootstrap], { timeoutMs: 150_000 });
  await reportProgramSteps(t, result);
});

function valuesOf(transaction: string, partition: number): string[] {
  return Array.from({ length: perPartition }, (_, index) => `${transaction}-p${partition}-r${index}`);
}

/**
 * What a partition holds after commit A, abort B, commit C of `perPartition` records each: offsets
 * and values, under read_committed (A and C) or read_uncommitted (all three); a control record
 * follows each transaction.
 */
function expectedRecords(partition: number, isolation: 'read_committed' | 'read_uncommitted'): Array<[number, string]> {
  const records: Array<[number, string]> = [];
  let base = 0;
  for (const transaction of ['A', 'B', 'C']) {
    if (isolation === 'read_uncommitted' || transaction !== 'B') {
      valuesOf(transaction, partition).forEach((value, index) => records.push([base + index, value]));
    }
    base += perPartition + 1;
  }
  return records;
}

/**
 * Reads each partition with kcat under the isolation level until it holds the expected records
 * (the commit markers may land just after the client's commit returns), then requires them exactly.
 */
async function assertKcatSees(bootstrap: string, topic: string, isolation: 'read_committed' | 'read_uncommitted'): Promise<void> {
  for (let partition = 0; partition < partitionCount; partition += 1) {
    const expected = expectedRecords(partition, isolation);
    const deadline = Date.now() + visibleTimeoutMs;
    let seen: Array<[number, string]> = [];
    while (true) {
      const records: KcatRecord[] = await kcatConsume(bootstrap, topic, partition, 'beginning', ['-X', `isolation.level=${isolation}`]);
      seen = records.map((record) => [record.offset, record.payload ?? '']);
      if (JSON.stringify(seen) === JSON.stringify(expected) || Date.now() > deadline) break;
      await sleep(200);
    }
    assert.deepEqual(seen, expected, `kcat ${isolation} records (offset, value) of ${topic}-${partition}`);
  }
}

test('a kafkajs transactional producer commits and aborts across partitions: read_committed consumers (kcat, kafkajs) see only the committed records', requireKcat(), async (t) => {
  const broker = await startBroker({ overrides: txnBrokerOverrides });
  const topic = 'kafkajs-txn';
  const kafka = new Kafka({ clientId: 'fjord-interop-kafkajs-txn', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  await admin.createTopics({ topics: [{ topic, numPartitions: partitionCount, replicationFactor: 1 }] });

  const producer = kafka.producer({ transactionalId: 'kafkajs-txn', idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  t.after(() => producer.disconnect());
  for (const transactionName of ['A', 'B', 'C']) {
    const transaction = await producer.transaction();
    for (let partition = 0; partition < partitionCount; partition += 1) {
      await transaction.send({ topic, messages: valuesOf(transactionName, partition).map((value) => ({ partition, key: `k-${value}`, value })) });
    }
    if (transactionName === 'B') await transaction.abort();
    else await transaction.commit();
  }

  await assertKcatSees(broker.bootstrap, topic, 'read_committed');
  await assertKcatSees(broker.bootstrap, topic, 'read_uncommitted');

  // kafkajs's own consumer, in a group, with readUncommitted: false (read_committed).
  const consumer = kafka.consumer({ groupId: 'kafkajs-txn-reader', readUncommitted: false, maxWaitTimeInMs: 200 });
  await consumer.connect();
  t.after(() => consumer.disconnect());
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen = new Map<number, Array<[number, string]>>();
  let total = 0;
  await consumer.run({
    eachMessage: async ({ partition, message }: EachMessagePayload) => {
      const list = seen.get(partition) ?? [];
      list.push([Number(message.offset), message.value?.toString() ?? '']);
      seen.set(partition, list);
      total += 1;
    },
  });
  const wanted = partitionCount * perPartition * 2;
  const deadline = Date.now() + visibleTimeoutMs;
  while (total < wanted && Date.now() < deadline) await sleep(100);
  await sleep(1000); // anything beyond the committed records (an aborted one) would arrive now
  await consumer.stop();
  for (let partition = 0; partition < partitionCount; partition += 1) {
    assert.deepEqual(seen.get(partition) ?? [], expectedRecords(partition, 'read_committed'), `kafkajs read_committed records of ${topic}-${partition}`);
  }
});

test('an @platformatic/kafka transactional producer commits and aborts across partitions: read_committed consumers (kcat) see only the committed records', requireKcat(), async (t) => {
  const broker = await startBroker({ overrides: txnBrokerOverrides });
  const topic = 'platformatic-txn';
  // Generous retries: the first InitProducerId waits for the broker to create and load __transaction_state.
  const clientOptions = { clientId: 'fjord-interop-platformatic-txn', bootstrapBrokers: [broker.bootstrap], timeout: 15_000, retries: 30, retryDelay: 500 };
  const admin = new Admin(clientOptions);
  t.after(() => admin.close());
  await admin.createTopics({ topics: [topic], partitions: partitionCount, replicas: 1 });

  const producer = new Producer({ ...clientOptions, idempotent: true, transactionalId: 'platformatic-txn', serializers: stringSerializers });
  t.after(() => producer.close());
  for (const transactionName of ['A', 'B', 'C']) {
    const transaction = await producer.beginTransaction();
    for (let partition = 0; partition < partitionCount; partition += 1) {
      await transaction.send({ messages: valuesOf(transactionName, partition).map((value) => ({ topic, partition, key: `k-${value}`, value })) });
    }
    if (transactionName === 'B') await transaction.abort();
    else await transaction.commit();
  }

  await assertKcatSees(broker.bootstrap, topic, 'read_committed');
  await assertKcatSees(broker.bootstrap, topic, 'read_uncommitted');
});

test('librdkafka (confluent-kafka) transactions through broker restarts (kill -9, SIGTERM, kill -9) end whole or not at all; read_committed shows exactly the committed ones', requireConfluentKafka(), async (t) => {
  const transactionCount = 300;
  const seed = Math.floor(Math.random() * 2 ** 31);
  t.diagnostic(`seed ${seed}`);
  const broker = await startBroker({ overrides: txnBrokerOverrides });
  const script = join(repositoryRoot, 'test/interop/python/txn_restart_workload.py');
  const program = startProgram(pythonPath, [script, broker.bootstrap, 'librdkafka-restarts', '6', String(transactionCount), String(seed)], { timeoutMs: 300_000 });
  const done = (): number => (program.stdout().match(/^DONE /gm) ?? []).length;
  for (const [share, signal] of [[0.25, 'SIGKILL'], [0.5, 'SIGTERM'], [0.75, 'SIGKILL']] as const) {
    while (done() < transactionCount * share) {
      assert.ok(program.child.exitCode === null, `the workload exited early:\n${program.stdout().slice(-3000)}\n${program.stderr().slice(-3000)}`);
      await sleep(20);
    }
    if (signal === 'SIGKILL') await broker.kill9();
    else assert.equal(await broker.stop('SIGTERM'), 0, `the broker's exit code after SIGTERM; its output:\n${broker.output().slice(-4000)}`);
    await broker.restart();
    t.diagnostic(`restarted the broker (${signal}) after ${done()} transactions`);
  }
  const result = await program.done;
  reportProgramDiagnostics(t, result);
  await reportProgramSteps(t, result);
});
