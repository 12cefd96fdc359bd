// Consumer groups with @platformatic/kafka (current release), in both protocols: a consumer of a
// group reads every record, commits, and a new consumer of the group resumes after the commits
// with exactly the records produced since. Classic: JoinGroup/SyncGroup with the client's
// assignor; consumer: ConsumerGroupHeartbeat with the broker's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers, type MessagesStream } from '@platformatic/kafka';

import { startBroker } from './harness.ts';

async function readUntil(stream: MessagesStream<string, string, string, string>, count: number, timeoutMs: number): Promise<string[]> {
  const values: string[] = [];
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${values.length} of ${count} records in ${timeoutMs} ms: ${values.join(',')}`)), timeoutMs);
    stream.on('data', (message) => {
      values.push(message.value);
      void message.commit();
      if (values.length >= count) {
        clearTimeout(timer);
        resolve(values);
      }
    });
    stream.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

for (const protocol of ['classic', 'consumer'] as const) {
  test(`@platformatic/kafka (${protocol} protocol) consumes, commits and resumes after its commits`, async (t) => {
    const broker = await startBroker({ overrides: { 'offsets.topic.num.partitions': '5', 'group.initial.rebalance.delay.ms': '0', 'group.consumer.heartbeat.interval.ms': '500' } });
    const topic = `platformatic-${protocol}`;
    const groupId = `platformatic-${protocol}-group`;
    const admin = new Admin({ clientId: 'fjord-groups-admin', bootstrapBrokers: [broker.bootstrap] });
    const producer = new Producer({ clientId: 'fjord-groups-producer', bootstrapBrokers: [broker.bootstrap], serializers: stringSerializers });
    t.after(async () => {
      await producer.close().catch(() => {});
      await admin.close().catch(() => {});
    });
    await admin.createTopics({ topics: [topic], partitions: 2, replicas: 1 });
    const produce = async (wave: string, count: number): Promise<string[]> => {
      const values = Array.from({ length: count }, (_, index) => `${wave}-${index}`);
      await producer.send({ messages: values.map((value, index) => ({ topic, partition: index % 2, key: `k${index}`, value })) });
      return values;
    };
    const consumerOf = () =>
      protocol === 'classic'
        ? new Consumer({ groupId, clientId: 'fjord-groups-consumer', bootstrapBrokers: [broker.bootstrap], deserializers: stringDeserializers, sessionTimeout: 10_000, heartbeatInterval: 500 })
        : new Consumer({ groupId, clientId: 'fjord-groups-consumer', bootstrapBrokers: [broker.bootstrap], deserializers: stringDeserializers, groupProtocol: 'consumer' });

    const first = await produce('one', 20);
    const consumer = consumerOf();
    try {
      const stream = await consumer.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest', autocommit: false });
      assert.deepEqual((await readUntil(stream, 20, 30_000)).sort(), [...first].sort());
      await new Promise((resolve) => setTimeout(resolve, 300)); // commits in flight
    } finally {
      await consumer.close(true);
    }

    const second = await produce('two', 10);
    const resumed = consumerOf();
    try {
      const stream = await resumed.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest', autocommit: false });
      const values = await readUntil(stream, 10, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.deepEqual(values.sort(), [...second].sort(), 'exactly the records after the commits');
    } finally {
      await resumed.close(true);
    }
  });
}
