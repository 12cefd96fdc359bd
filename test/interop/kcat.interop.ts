// kcat (Debian 12: kcat 1.7.1 on librdkafka 2.0.2, the client with librdkafka's exact-version
// feature checks) against a real broker: produce and consume with keys, headers and timestamps,
// every codec, the idempotent producer, metadata listing and offsets by time.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { kcatConsume, kcatHeaders, kcatProduce, requireKcat, type KcatRecord, type RecordToProduce } from './clients.ts';
import { describeResult, runProgram, startBroker } from './harness.ts';

const needsKcat = requireKcat();

function makeRecords(prefix: string, count: number): RecordToProduce[] {
  return Array.from({ length: count }, (_, index) => ({ key: `${prefix}-key-${index}`, value: `${prefix}-value-${index} ${'x'.repeat(index % 7)}` }));
}

type Expected = {
  firstOffset: number;
  records: readonly RecordToProduce[];
  headers: ReadonlyArray<readonly [string, string]>;
  earliestMs: number;
  latestMs: number;
};

/** Checks each consumed record against what was produced: offset, key, value, headers and create time. */
function assertRecords(actual: readonly KcatRecord[], expected: Expected): void {
  assert.equal(actual.length, expected.records.length, `record count; got offsets ${actual.map((record) => record.offset).join(',')}`);
  expected.records.forEach((want, index) => {
    const got = actual[index];
    assert.ok(got !== undefined);
    const where = `record ${index} (offset ${got.offset})`;
    assert.equal(got.offset, expected.firstOffset + index, `${where}: offset`);
    assert.equal(got.key, want.key, `${where}: key`);
    assert.equal(got.payload, want.value, `${where}: value`);
    assert.deepEqual(kcatHeaders(got), expected.headers.map(([name, value]) => [name, value]), `${where}: headers`);
    assert.equal(got.tstype, 'create', `${where}: timestamp type`);
    assert.ok(
      got.ts >= expected.earliestMs && got.ts <= expected.latestMs,
      `${where}: timestamp ${got.ts} outside the produce window [${expected.earliestMs}, ${expected.latestMs}]`,
    );
  });
}

async function produceAndExpect(
  bootstrap: string,
  topic: string,
  records: readonly RecordToProduce[],
  firstOffset: number,
  options: Parameters<typeof kcatProduce>[3] = {},
): Promise<Expected> {
  const earliestMs = Date.now();
  await kcatProduce(bootstrap, topic, records, options);
  return { firstOffset, records, headers: options.headers ?? [], earliestMs, latestMs: Date.now() };
}

test('kcat produces and consumes records with keys, headers (repeated and empty) and create timestamps, offsets continuing across runs', needsKcat, async () => {
  const broker = await startBroker();
  const headers = [['trace', 'abc'], ['trace', 'def'], ['empty', ''], ['unicode', 'ßø→']] as const;
  const first = await produceAndExpect(broker.bootstrap, 'kcat-plain', makeRecords('a', 20), 0, { partition: 0, headers });
  const second = await produceAndExpect(broker.bootstrap, 'kcat-plain', makeRecords('b', 15), 20, { partition: 0 });
  const consumed = await kcatConsume(broker.bootstrap, 'kcat-plain', 0);
  assertRecords(consumed.slice(0, 20), first);
  assertRecords(consumed.slice(20), second);
  // A consumer starting in the middle gets exactly the tail.
  const tail = await kcatConsume(broker.bootstrap, 'kcat-plain', 0, '25');
  assertRecords(tail, { ...second, firstOffset: 25, records: second.records.slice(5) });
});

test('kcat produces and consumes with every codec (gzip, snappy, lz4, zstd), each read back record by record', needsKcat, async (t) => {
  const broker = await startBroker();
  for (const codec of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
    await t.test(codec, async () => {
      const topic = `kcat-codec-${codec}`;
      // Repetitive values so the batch really compresses; several batches per run (linger off).
      const records = makeRecords(codec.repeat(30), 300);
      const headers = [['codec', codec]] as const;
      const expected = await produceAndExpect(broker.bootstrap, topic, records, 0, { partition: 0, codec, headers });
      assertRecords(await kcatConsume(broker.bootstrap, topic, 0), expected);
    });
  }
});

test('kcat with enable.idempotence=true writes every record once with contiguous offsets, over several producer sessions and with compression', needsKcat, async () => {
  const broker = await startBroker();
  const topic = 'kcat-idempotent';
  const runs: Expected[] = [];
  let nextOffset = 0;
  for (const [index, codec] of [undefined, 'zstd', undefined].entries()) {
    const records = makeRecords(`run${index}`, 400);
    runs.push(
      await produceAndExpect(broker.bootstrap, topic, records, nextOffset, {
        partition: 0,
        idempotent: true,
        ...(codec === undefined ? {} : { codec: 'zstd' as const }),
        extraConfig: { 'linger.ms': '1', 'batch.num.messages': '50' },
      }),
    );
    nextOffset += records.length;
  }
  const consumed = await kcatConsume(broker.bootstrap, topic, 0);
  let start = 0;
  for (const run of runs) {
    assertRecords(consumed.slice(start, start + run.records.length), run);
    start += run.records.length;
  }
  assert.equal(consumed.length, nextOffset);
});

type KcatMetadata = {
  controllerid: number;
  brokers: Array<{ id: number; name: string }>;
  topics: Array<{ topic: string; error?: string; partitions: Array<{ partition: number; leader: number; replicas: Array<{ id: number }>; isrs: Array<{ id: number }> }> }>;
};

test('kcat -L and -J -L list the single broker as controller and auto-created topics with num.partitions partitions led by it', needsKcat, async () => {
  const broker = await startBroker({ overrides: { 'num.partitions': '3' } });
  for (const partition of [0, 1, 2]) {
    await kcatProduce(broker.bootstrap, 'kcat-listed', [{ key: 'k', value: `p${partition}` }], { partition });
  }
  const json = await runProgram('kcat', ['-L', '-J', '-b', broker.bootstrap, '-m', '15'], { timeoutMs: 30_000 });
  assert.equal(json.code, 0, describeResult(json));
  const metadata = JSON.parse(json.stdout) as KcatMetadata;
  assert.equal(metadata.brokers.length, 1, `one broker: ${json.stdout}`);
  const self = metadata.brokers[0];
  assert.ok(self !== undefined);
  assert.equal(self.name, broker.bootstrap, 'the advertised listener');
  assert.equal(metadata.controllerid, self.id, 'the broker is its own controller');
  const topic = metadata.topics.find((entry) => entry.topic === 'kcat-listed');
  assert.ok(topic !== undefined, `topic listed: ${json.stdout}`);
  assert.equal(topic.error, undefined);
  assert.deepEqual(topic.partitions.map((partition) => partition.partition).sort(), [0, 1, 2]);
  for (const partition of topic.partitions) {
    assert.equal(partition.leader, self.id);
    assert.deepEqual(partition.replicas, [{ id: self.id }]);
    assert.deepEqual(partition.isrs, [{ id: self.id }]);
  }

  const text = await runProgram('kcat', ['-L', '-b', broker.bootstrap, '-t', 'kcat-listed', '-m', '15'], { timeoutMs: 30_000 });
  assert.equal(text.code, 0, describeResult(text));
  assert.match(text.stdout, /^ 1 brokers:$/m);
  assert.match(text.stdout, new RegExp(`broker ${self.id} at ${broker.bootstrap.replaceAll('.', '\\.')} \\(controller\\)`));
  assert.match(text.stdout, /topic "kcat-listed" with 3 partitions:/);
  for (const partition of [0, 1, 2]) {
    assert.match(text.stdout, new RegExp(`partition ${partition}, leader ${self.id}, replicas: ${self.id}, isrs: ${self.id}`));
  }
});

test('kcat finds offsets by time: -o s@<ms> starts at the first record at or after the time, -Q answers the same offset, -o -N counts from the end', needsKcat, async () => {
  const broker = await startBroker();
  const topic = 'kcat-by-time';
  const runs: Expected[] = [];
  for (let index = 0; index < 3; index += 1) {
    if (index > 0) await sleep(30); // distinct create times between runs
    runs.push(await produceAndExpect(broker.bootstrap, topic, makeRecords(`t${index}`, 10), index * 10, { partition: 0 }));
  }
  const all = await kcatConsume(broker.bootstrap, topic, 0);
  assert.equal(all.length, 30);
  const firstOfSecondRun = all[10];
  assert.ok(firstOfSecondRun !== undefined);
  // The first record whose timestamp is >= the first timestamp of run 2 (run 1 ended strictly before).
  const timestamp = firstOfSecondRun.ts;
  const expectedOffset = all.findIndex((record) => record.ts >= timestamp);
  const fromTime = await kcatConsume(broker.bootstrap, topic, 0, `s@${timestamp}`);
  assert.equal(fromTime[0]?.offset, expectedOffset, `-o s@${timestamp}`);
  assert.equal(fromTime.length, 30 - expectedOffset);

  const query = await runProgram('kcat', ['-Q', '-b', broker.bootstrap, '-t', `${topic}:0:${timestamp}`, '-m', '15'], { timeoutMs: 30_000 });
  assert.equal(query.code, 0, describeResult(query));
  assert.match(query.stdout, new RegExp(`${topic} \\[0\\]\\s+offset ${expectedOffset}\\b`), describeResult(query));

  // After the last timestamp there is no offset: a query answers the end (-1).
  const lastTimestamp = Math.max(...all.map((record) => record.ts));
  const afterEnd = await runProgram('kcat', ['-Q', '-b', broker.bootstrap, '-t', `${topic}:0:${lastTimestamp + 60_000}`, '-m', '15'], { timeoutMs: 30_000 });
  assert.equal(afterEnd.code, 0, describeResult(afterEnd));
  assert.match(afterEnd.stdout, new RegExp(`${topic} \\[0\\]\\s+offset -1\\b`), describeResult(afterEnd));

  const lastFive = await kcatConsume(broker.bootstrap, topic, 0, '-5');
  assert.deepEqual(lastFive.map((record) => record.offset), [25, 26, 27, 28, 29]);
});
