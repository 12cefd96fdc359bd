/**
 * A child process for crash tests: appends 3-record batches to the partition in argv[2] and
 * prints each acknowledged log end offset, until it is killed.
 */
import { PartitionLog } from '../../src/native/index.ts';
import { simpleBatch } from './record-batches.ts';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: append-forever.ts <partition dir>');
const log = PartitionLog.open(dir, { segmentBytes: 256 * 1024 });
for (let i = 0; i < 1_000_000; i++) {
  const { logEndOffset } = log.append(simpleBatch(3, 100, Date.now()), 0);
  process.stdout.write(`${logEndOffset}\n`);
  if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
}
