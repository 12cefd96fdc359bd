/**
 * A child process for the transactional kill -9 test: opens a LogManager on argv[2] with the
 * topic in argv[3] (JSON TopicRecord) and, until it is killed, runs transactions of four
 * producers (epoch 0) chosen by a seeded generator: transactional batches of two records, plain
 * batches between them, and COMMIT or ABORT markers. Prints "<kind> <offset>" (kind: data,
 * plain, commit, abort) for every acknowledged write. Small segments and a fast checkpoint timer
 * make it roll and write producer snapshots while it runs.
 */
import { LogManager } from '../../../src/log/log-manager.ts';
import type { TopicRecord } from '../../../src/metadata/metadata-store.ts';
import { simpleBatch, transactionalBatch } from '../../helpers/record-batches.ts';

const [dir, topicJson] = process.argv.slice(2);
if (dir === undefined || topicJson === undefined) throw new Error('usage: txn-producer-child.ts <log dir> <topic json>');
const topic = JSON.parse(topicJson) as TopicRecord;
const manager = await LogManager.open({
  logDirs: [dir],
  topics: [topic],
  settingsFor: () => ({ segmentBytes: 2048 }),
  retentionCheckIntervalMs: 300_000,
  flushCheckIntervalMs: 300_000,
  checkpointIntervalMs: 20,
});

let seed = 12345;
function random(): number {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
}

const sequences = new Map<bigint, number>();
const open = new Set<bigint>();
const write = (kind: string, offset: bigint): void => {
  process.stdout.write(`${kind} ${offset}\n`);
};
for (let step = 0; step < 1_000_000; step++) {
  const producerId = BigInt(1 + Math.floor(random() * 4));
  if (open.has(producerId) && random() < 0.35) {
    const committed = random() < 0.5;
    const outcome = await manager.writeTxnMarker(topic.name, 0, { producerId, producerEpoch: 0, coordinatorEpoch: 0, committed });
    if (outcome.errorCode !== 0) throw new Error(`marker failed with ${outcome.errorCode}`);
    open.delete(producerId);
    write(committed ? 'commit' : 'abort', outcome.offset);
  } else {
    const sequence = sequences.get(producerId) ?? 0;
    const batch = transactionalBatch(producerId, 0, sequence, 2);
    const outcome = await manager.append(topic.name, 0, batch, { requiredAcks: -1, isFromClient: true });
    if (outcome.errorCode !== 0) throw new Error(`append failed with ${outcome.errorCode}: ${outcome.errorMessage}`);
    sequences.set(producerId, sequence + 2);
    open.add(producerId);
    write('data', outcome.baseOffset);
  }
  if (random() < 0.3) {
    const outcome = await manager.append(topic.name, 0, simpleBatch(1, 30, Date.now()), { requiredAcks: -1, isFromClient: true });
    if (outcome.errorCode !== 0) throw new Error(`append failed with ${outcome.errorCode}`);
    write('plain', outcome.baseOffset);
  }
  if (step % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
}
