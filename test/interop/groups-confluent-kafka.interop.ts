// Consumer groups with confluent-kafka for Python (current librdkafka): classic subscribe and
// group.protocol=consumer (KIP-848, ConsumerGroupHeartbeat v1): two consumers share a topic, each record read once by its partition's owner,
// commits, a new consumer resumes after them, and AdminClient lists and describes the group and
// its offsets. The script is written to a temp directory and run in one Python process; its steps
// are subtests here. And in both protocols a running consumer keeps consuming across a broker
// restart, each record once.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { kcatProduce, pythonPath, reportProgramSteps, requireConfluentKafka, requireKcat } from './clients.ts';
import { runProgram, startBroker, startProgram } from './harness.ts';

const SCRIPT = String.raw`
import sys, time, traceback
from confluent_kafka import Consumer, Producer, TopicPartition, ConsumerGroupTopicPartitions
from confluent_kafka.admin import AdminClient, NewTopic

bootstrap = sys.argv[1]
failures = 0

def step(name, body):
    global failures
    try:
        body()
        print("PASS " + name, flush=True)
    except Exception as error:
        failures += 1
        print("FAIL %s: %s" % (name, str(error).replace("\n", " ")), flush=True)
        traceback.print_exc()

def check(ok, what):
    if not ok:
        raise AssertionError(what)

admin = AdminClient({"bootstrap.servers": bootstrap})
topic = "python-groups"
group = "python-group"

def consumer(protocol="classic", group_id=None):
    settings = {"bootstrap.servers": bootstrap, "group.id": group_id or group, "auto.offset.reset": "earliest", "enable.auto.commit": False}
    if protocol == "classic":
        settings.update({"session.timeout.ms": 10000, "heartbeat.interval.ms": 500})
    else:
        settings["group.protocol"] = "consumer"
    return Consumer(settings)

def produce(wave, per_partition, topic=topic):
    producer = Producer({"bootstrap.servers": bootstrap})
    values = []
    for partition in range(4):
        for index in range(per_partition):
            value = "%s-p%d-%d" % (wave, partition, index)
            producer.produce(topic, value=value.encode(), partition=partition)
            values.append(value)
    check(producer.flush(30) == 0, "produced")
    return values

def share(topic=topic, protocol="classic", group_id=None):
    admin.create_topics([NewTopic(topic, 4, 1)])[topic].result()
    first, second = consumer(protocol, group_id), consumer(protocol, group_id)
    first.subscribe([topic])
    second.subscribe([topic])
    deadline = time.time() + 60
    while not (len(first.assignment()) == 2 and len(second.assignment()) == 2):
        check(time.time() < deadline, "two members with two partitions each: %s %s" % (first.assignment(), second.assignment()))
        for each in (first, second):
            message = each.poll(0.1)
            check(message is None or message.error() is not None, "no records before they are produced")
    owners = {}
    for name, each in (("first", first), ("second", second)):
        for tp in each.assignment():
            check(tp.partition not in owners, "partition %d owned twice" % tp.partition)
            owners[tp.partition] = name
    check(sorted(owners) == [0, 1, 2, 3], "every partition owned: %s" % owners)
    values = produce("one", 10, topic)
    read = {}
    deadline = time.time() + 60
    while len(read) < len(values):
        check(time.time() < deadline, "all records read; have %d" % len(read))
        for name, each in (("first", first), ("second", second)):
            message = each.poll(0.1)
            if message is None or message.error() is not None:
                continue
            value = message.value().decode()
            check(value not in read, value + " read twice")
            check(owners[message.partition()] == name, value + " read by its owner")
            read[value] = name
    first.commit(asynchronous=False)
    second.commit(asynchronous=False)
    first.close()
    second.close()

def resume():
    values = produce("two", 3)
    resumed = consumer()
    resumed.subscribe([topic])
    read = []
    deadline = time.time() + 60
    while len(read) < len(values):
        check(time.time() < deadline, "the new records read; have %s" % read)
        message = resumed.poll(0.2)
        if message is not None and message.error() is None:
            read.append(message.value().decode())
    extra = resumed.poll(1.0)
    check(extra is None or extra.error() is not None, "nothing more")
    check(sorted(read) == sorted(values), "exactly the records after the commits: %s" % read)
    resumed.close()

def administer():
    listed = admin.list_consumer_groups().result()
    check(any(g.group_id == group for g in listed.valid), "listed: %s" % listed.valid)
    described = admin.describe_consumer_groups([group])[group].result()
    check(str(described.state).endswith("EMPTY"), "state: %s" % described.state)
    offsets = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)])[group].result()
    check(sorted((tp.partition, tp.offset) for tp in offsets.topic_partitions) == [(0, 10), (1, 10), (2, 10), (3, 10)], "offsets: %s" % offsets.topic_partitions)

step("classic subscribe: two consumers share four partitions, each record read once by its owner", share)
step("group.protocol=consumer (KIP-848): two consumers share four partitions, each record read once by its owner",
     lambda: share("python-848", "consumer", "python-848-group"))
step("a new consumer of the group resumes after the committed offsets", resume)
step("AdminClient lists and describes the group and its offsets", administer)
if failures == 0:
    print("ALL PASSED")
sys.exit(1 if failures else 0)
`;

test('confluent-kafka (Python) consumers subscribe, share partitions, commit and resume (classic and consumer protocols)', requireConfluentKafka(), async (t) => {
  const broker = await startBroker({ overrides: { 'offsets.topic.num.partitions': '5', 'group.initial.rebalance.delay.ms': '0', 'group.consumer.heartbeat.interval.ms': '500' } });
  const dir = mkdtempSync(join(tmpdir(), 'fjord-groups-python-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const script = join(dir, 'groups_check.py');
  writeFileSync(script, SCRIPT);
  const result = await runProgram(pythonPath, [script, broker.bootstrap], { timeoutMs: 180_000 });
  await reportProgramSteps(t, result);
});

/** A consumer that prints each value it reads (committing it first), until killed. */
const FOLLOWER = String.raw`
import sys
from confluent_kafka import Consumer
consumer = Consumer({"bootstrap.servers": sys.argv[1], "group.id": sys.argv[2], "group.protocol": sys.argv[3],
                     "auto.offset.reset": "earliest", "enable.auto.commit": False})
consumer.subscribe([sys.argv[4]])
while True:
    message = consumer.poll(0.2)
    if message is None or message.error() is not None:
        continue
    consumer.commit(message=message, asynchronous=False)
    print(message.value().decode(), flush=True)
`;

for (const protocol of ['classic', 'consumer'] as const) {
  test(`confluent-kafka (${protocol} protocol) keeps consuming across a broker restart, from its committed offsets`, { ...requireConfluentKafka(), ...requireKcat() }, async (t) => {
    const broker = await startBroker({ overrides: { 'num.partitions': '2', 'offsets.topic.num.partitions': '5', 'group.initial.rebalance.delay.ms': '0', 'group.consumer.heartbeat.interval.ms': '500' } });
    const dir = mkdtempSync(join(tmpdir(), 'fjord-groups-python-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const script = join(dir, 'follower.py');
    writeFileSync(script, FOLLOWER);
    const topic = `follow-${protocol}`;
    const wave = async (name: string) => {
      const records = Array.from({ length: 10 }, (_, index) => ({ key: `k${index}`, value: `${name}-${index}` }));
      for (const partition of [0, 1]) await kcatProduce(broker.bootstrap, topic, records.filter((_, index) => index % 2 === partition), { partition });
      return records.map((record) => record.value);
    };
    const read = (program: { stdout(): string }) => program.stdout().split('\n').filter((line) => line !== '');
    const waitForCount = async (program: { stdout(): string }, count: number) => {
      const started = Date.now();
      while (read(program).length < count) {
        if (Date.now() - started > 60_000) throw new Error(`read ${read(program).length} of ${count}: ${read(program).join(',')}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const first = await wave('one');
    const follower = startProgram(pythonPath, [script, broker.bootstrap, `follow-${protocol}-group`, protocol, topic], { timeoutMs: 120_000 });
    await waitForCount(follower, 10);
    await broker.restart();
    const second = await wave('two');
    await waitForCount(follower, 20);
    await new Promise((resolve) => setTimeout(resolve, 500));
    follower.child.kill('SIGKILL');
    await follower.done;
    const values = read(follower);
    assert.deepEqual([...values].sort(), [...first, ...second].sort(), `each record once, across the restart\n${follower.stderr()}`);
  });
}
