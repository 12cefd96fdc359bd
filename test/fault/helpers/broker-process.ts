/**
 * A real fjord broker as a child process for the fault tests: its own temp data directory, a port
 * chosen by the kernel (`listeners=PLAINTEXT://127.0.0.1:0`, the port read back from the
 * `started` line), its output kept (bounded), its resident memory sampled from /proc.
 *
 * Every process started here is killed with SIGKILL if the test process exits first; tests call
 * `stop()` (graceful) or `kill()` in every path.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** How long a broker may take from spawn to its `started` line. */
const START_TIMEOUT_MS = 30_000;
/** How long a graceful stop may take before the process is killed and the stop called hung. */
const STOP_TIMEOUT_MS = 20_000;
/** Bound on the output kept per broker (the newest characters are kept). */
const OUTPUT_MAX_CHARS = 8 * 1024 * 1024;
/** How often the memory sampler reads /proc/<pid>/status. */
export const RSS_SAMPLE_INTERVAL_MS = 50;

const liveChildren = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});

export interface BrokerProcessOptions {
  /** Extra `--override key=value` settings. */
  readonly overrides?: Readonly<Record<string, string>>;
  /** Reuse a data directory (a restart); by default a new temp directory. */
  readonly dataDir?: string;
}

/** VmRSS of a process in bytes, or null when the process is gone. */
export function residentBytes(pid: number): number | null {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return match === null ? null : Number(match[1]) * 1024;
}

export class BrokerProcess {
  readonly dataDir: string;
  readonly port: number;
  readonly pid: number;
  readonly #child: ChildProcess;
  readonly #exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #output = '';
  #peakResidentBytes = 0;
  #sampler: NodeJS.Timeout | undefined;

  private constructor(child: ChildProcess, dataDir: string, port: number, output: string, exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>) {
    this.#child = child;
    this.dataDir = dataDir;
    this.port = port;
    this.pid = child.pid!;
    this.#output = output;
    this.#exited = exited;
    child.stdout?.on('data', (chunk: string) => this.#append(chunk));
    child.stderr?.on('data', (chunk: string) => this.#append(chunk));
    this.#sample();
    this.#sampler = setInterval(() => this.#sample(), RSS_SAMPLE_INTERVAL_MS);
    this.#sampler.unref();
    void exited.then(() => this.#stopSampling());
  }

  /** Spawns a broker and resolves once it prints `started`; rejects with its output otherwise. */
  static async start(options: BrokerProcessOptions = {}): Promise<BrokerProcess> {
    const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'fjord-fault-'));
    const settings: Record<string, string> = { listeners: 'PLAINTEXT://127.0.0.1:0', 'log.dirs': dataDir, ...options.overrides };
    const args = ['src/main.ts', 'start'];
    for (const [key, value] of Object.entries(settings)) args.push('--override', `${key}=${value}`);
    const child = spawn(join(repositoryRoot, 'node_modules/.bin/node'), args, { cwd: repositoryRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    liveChildren.add(child);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, signal) => {
        liveChildren.delete(child);
        resolve({ code, signal });
      });
    });
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    let output = '';
    const port = await new Promise<number>((resolve, reject) => {
      const onData = (chunk: string): void => {
        output += chunk;
        const match = /started: PLAINTEXT:\/\/127\.0\.0\.1:(\d+)/.exec(output);
        if (match !== null) {
          finish();
          resolve(Number(match[1]));
        }
      };
      const timer = setTimeout(() => {
        finish();
        child.kill('SIGKILL');
        reject(new Error(`broker did not start within ${START_TIMEOUT_MS} ms:\n${output}`));
      }, START_TIMEOUT_MS);
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
        finish();
        reject(new Error(`broker exited (code ${code}, signal ${signal}) before starting:\n${output}`));
      };
      const finish = (): void => {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        child.stderr!.off('data', onData);
        child.off('exit', onExit);
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', onExit);
    });
    return new BrokerProcess(child, dataDir, port, output, exited);
  }

  get isRunning(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** The highest VmRSS sampled so far, in bytes. */
  get peakResidentBytes(): number {
    return this.#peakResidentBytes;
  }

  /** Everything the broker printed (stdout and stderr interleaved, newest 8 Mi characters). */
  get output(): string {
    return this.#output;
  }

  /** Sends SIGTERM and resolves with the exit code; kills and rejects if it takes over 20 s. */
  async stop(): Promise<number | null> {
    if (!this.isRunning) throw new Error(`stop(): broker ${this.pid} is not running`);
    this.#sample();
    this.#child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<'hung'>((resolve) => {
      timer = setTimeout(() => resolve('hung'), STOP_TIMEOUT_MS);
    });
    const result = await Promise.race([this.#exited, hung]);
    clearTimeout(timer);
    if (result === 'hung') {
      await this.kill();
      throw new Error(`broker ${this.pid} did not exit within ${STOP_TIMEOUT_MS} ms of SIGTERM`);
    }
    return result.code;
  }

  /** SIGKILL (if still running) and wait until it is gone. */
  async kill(): Promise<void> {
    if (this.isRunning) this.#child.kill('SIGKILL');
    await this.#exited;
  }

  /** Removes the data directory (the broker must be stopped). */
  removeDataDir(): void {
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  #append(chunk: string): void {
    this.#output += chunk;
    if (this.#output.length > OUTPUT_MAX_CHARS) this.#output = this.#output.slice(-OUTPUT_MAX_CHARS);
  }

  #sample(): void {
    const bytes = residentBytes(this.pid);
    if (bytes !== null && bytes > this.#peakResidentBytes) this.#peakResidentBytes = bytes;
  }

  #stopSampling(): void {
    if (this.#sampler !== undefined) clearInterval(this.#sampler);
    this.#sampler = undefined;
  }
}
