/**
 * A cross-check with a real client: librdkafka's kcat consumes a partition and reports each
 * record's offset and key and value lengths (`-f '%o %K %S'`), which survive binary payloads.
 */
import { spawn, spawnSync } from 'node:child_process';

export interface KcatRecord {
  readonly offset: bigint;
  readonly keyBytes: number;
  readonly valueBytes: number;
}

/** Bound on what is kept of kcat's output. */
const OUTPUT_MAX_CHARS = 64 * 1024 * 1024;

export function kcatInstalled(): boolean {
  return spawnSync('kcat', ['-V'], { stdio: 'ignore' }).status === 0;
}

/** Consumes `count` records of the partition from the beginning; rejects if kcat fails or hangs. */
export function kcatConsume(bootstrap: string, topic: string, partition: number, count: number, timeoutMs = 60_000): Promise<KcatRecord[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', ['-C', '-b', bootstrap, '-t', topic, '-p', String(partition), '-o', 'beginning', '-c', String(count), '-e', '-q', '-f', '%o %K %S\\n'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (stdout.length < OUTPUT_MAX_CHARS) stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < 65_536) stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(new Error(`kcat exited with code ${code} signal ${signal}: ${stderr}`));
        return;
      }
      const records = stdout
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => {
          const [offset, keyBytes, valueBytes] = line.split(' ');
          return { offset: BigInt(offset!), keyBytes: Number(keyBytes), valueBytes: Number(valueBytes) };
        });
      resolve(records);
    });
  });
}
