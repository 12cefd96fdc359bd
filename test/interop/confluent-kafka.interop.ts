// confluent-kafka for Python (PyPI, current librdkafka) against a real broker: idempotent producers
// with every codec, an assign-only consumer (no groups yet), offsets_for_times, AdminClient
// list_topics / create_topics / describe_configs / list_offsets / create_partitions / delete_topics.
// The checks live in test/interop/python/confluent_kafka_check.py; each of its steps is reported
// here as a subtest.
import { join } from 'node:path';
import { test } from 'node:test';
import { pythonPath, reportProgramSteps, requireConfluentKafka } from './clients.ts';
import { repositoryRoot, runProgram, startBroker } from './harness.ts';

test('confluent-kafka (Python) produces with every codec and idempotence, consumes by assign and administers the broker', requireConfluentKafka(), async (t) => {
  const broker = await startBroker();
  const script = join(repositoryRoot, 'test/interop/python/confluent_kafka_check.py');
  const result = await runProgram(pythonPath, [script, broker.bootstrap], { timeoutMs: 180_000 });
  await reportProgramSteps(t, result);
});
