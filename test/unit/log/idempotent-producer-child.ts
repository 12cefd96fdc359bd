/**
 * A child process for the kill -9 test: opens a LogManager on argv[2] with the topic in argv[3]
 * (JSON TopicRecord) and appends idempotent batches of producer 7, epoch 0, three records each,
 * printing "<base sequence> <base offset>" for every acknowledged append, until it is killed.
 * Small segments make it roll (and write producer snapshots) while it runs.
 */
import { LogManager } from '../../../src/log/log-manager.ts';
import type { TopicRecord } from '../../../src/metadata/metadata-store.ts';
import { idempotentBatch } from '../../helpers/record-batches.ts';

const [dir, topicJson] = process.argv.slice(2);
if (dir === undefined || topicJson === undefined) throw new Error('usage: idempotent-producer-child.ts <log dir> <topic json>');
const topic = JSON.parse(topicJson) as TopicRecord;
const manager = await LogManager.open({
  logDirs: [dir],
  topics: [topic],
  settingsFor: () => ({ segmentBytes: 4096 }),
  retentionCheckIntervalMs: 300_000,
  flushCheckIntervalMs: 300_000,
  checkpointIntervalMs: 50,
});
for (let sequence = 0; sequence < 3_000_000; sequence += 3) {
  const outcome = await manager.append(topic.name, 0, idempotentBatch(7n, 0, sequence, 3), { requiredAcks: -1, isFromClient: true });
  if (outcome.errorCode !== 0) throw new Error(`append failed with ${outcome.errorCode}: ${outcome.errorMessage}`);
  process.stdout.write(`${sequence} ${outcome.baseOffset}\n`);
  if (sequence % 30 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
}
