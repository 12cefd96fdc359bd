// The Java client 4.1 (kafka-clients from Maven Central) against a real broker: AdminClient
// (describeCluster, createTopics, describeTopics, describeConfigs, incrementalAlterConfigs,
// createPartitions, listOffsets, deleteRecords, deleteTopics), a default producer (idempotent,
// acks=all), producers with every codec and a consumer with assign/seek. The checks live in
// test/interop/java/JavaClientCheck.java and run in one JVM (JVM start-up is the slow part); each of
// its steps is reported here as a subtest.
import { test } from 'node:test';
import { reportProgramSteps, requireJavaClient, runJava } from './clients.ts';
import { startBroker } from './harness.ts';

test('the Java client 4.1 administers, produces to and consumes from the broker', requireJavaClient(), async (t) => {
  const broker = await startBroker();
  const result = await runJava('JavaClientCheck', [broker.bootstrap], 180_000);
  await reportProgramSteps(t, result);
});
