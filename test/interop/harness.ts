// The interop harness: runs the real broker as a child process on a free port with its own data
// directory, and runs real client programs against it.
//
// The broker is started by the command-line contract of `src/main.ts`:
//   node_modules/.bin/node src/main.ts start --override listeners=PLAINTEXT://127.0.0.1:<port>
//     --override advertised.listeners=PLAINTEXT://127.0.0.1:<port> --override log.dirs=<dir> ...
// It prints a line containing `started` once it serves, and exits 0 after a graceful shutdown on
// SIGTERM or SIGINT. FJORD_INTEROP_BROKER_COMMAND (a JSON array of strings) replaces the
// `node_modules/.bin/node src/main.ts` prefix, to run the same suites against another broker that
// follows the contract (test/interop/reference-kafka, a wrapper around Apache Kafka, is one).
//
// Every broker and client process started here is stopped when the test that started it ends
// (node:test `after`), and killed with SIGKILL if the test process exits first.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test, type TestOptions } from 'node:test';

export const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

/** How long a broker may take from spawn to its `started` line, unless the caller says otherwise. */
const defaultStartTimeoutMs = 60_000;
/** How long a graceful shutdown may take before the harness calls it hung and kills the process. */
const stopTimeoutMs = 30_000;
/** Bound on the output kept per process (the newest bytes are kept). */
const outputMaxBytes = 4 * 1024 * 1024;

export type StopSignal = 'SIGTERM' | 'SIGINT';

export type Broker = {
  port: number;
  /** "127.0.0.1:port" */
  bootstrap: string;
  dataDir: string;
  /** Sends the signal, waits for the process to exit and returns its exit code (null if a signal ended it). */
  stop(signal?: StopSignal): Promise<number | null>;
  /** Kills the process with SIGKILL and waits for it to be gone. */
  kill9(): Promise<void>;
  /** Starts the broker again on the same port and data directory (stopping it with SIGTERM first if it runs). */
  restart(): Promise<void>;
  /** Everything the broker printed (stdout and stderr, interleaved), over all its runs. */
  output(): string;
};

export type StartBrokerOptions = {
  /** Extra `--override key=value` settings, after the listener and data-directory ones. */
  overrides?: Record<string, string>;
  /** A data directory to use (kept afterwards); by default a new temp directory, removed afterwards. */
  dataDir?: string;
  /** Replaces the broker command prefix (for testing the harness itself). */
  command?: readonly string[];
  /** How long the broker may take to print `started` (60 s by default). */
  startTimeoutMs?: number;
};

/** Keeps the newest `outputMaxBytes` of a process's output. */
class OutputBuffer {
  #text = '';
  append(chunk: string): void {
    this.#text += chunk;
    if (this.#text.length > outputMaxBytes) this.#text = this.#text.slice(this.#text.length - outputMaxBytes);
  }
  toString(): string {
    return this.#text;
  }
}

const liveProcesses = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of liveProcesses) signalGroup(child, 'SIGKILL');
});

/**
 * Brokers run in their own process group (spawned detached), and signals go to the whole group, so
 * a broker that is a wrapper around other processes (a script starting a JVM) dies with them: a
 * kill -9 must not leave an orphan serving the port or writing the data directory.
 */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

function track(child: ChildProcess): void {
  liveProcesses.add(child);
  child.once('exit', () => liveProcesses.delete(child));
}

/** A free TCP port on 127.0.0.1, found by binding port 0 and closing the socket. */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('no port from listen(0)'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

function brokerCommandPrefix(): readonly string[] {
  const fromEnvironment = process.env.FJORD_INTEROP_BROKER_COMMAND;
  if (fromEnvironment !== undefined && fromEnvironment !== '') {
    const parsed: unknown = JSON.parse(fromEnvironment);
    if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((part) => typeof part === 'string')) {
      throw new Error('FJORD_INTEROP_BROKER_COMMAND must be a JSON array of strings');
    }
    return parsed as string[];
  }
  return [join(repositoryRoot, 'node_modules/.bin/node'), 'src/main.ts'];
}

function waitForExit(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/**
 * Starts a broker and waits until it prints `started`. Rejects with the broker's output if it exits
 * first or does not start within a minute. The broker is stopped and its temp data directory removed
 * when the calling test ends.
 */
export async function startBroker(options: StartBrokerOptions = {}): Promise<Broker> {
  const port = await freePort();
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'fjord-interop-'));
  const prefix = options.command ?? brokerCommandPrefix();
  const settings: Record<string, string> = {
    listeners: `PLAINTEXT://127.0.0.1:${port}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
    'log.dirs': dataDir,
    ...options.overrides,
  };
  const argumentList = [...prefix.slice(1), 'start'];
  for (const [key, value] of Object.entries(settings)) argumentList.push('--override', `${key}=${value}`);
  const output = new OutputBuffer();
  const startTimeoutMs = options.startTimeoutMs ?? defaultStartTimeoutMs;
  let child: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    const executable = prefix[0];
    if (executable === undefined) throw new Error('empty broker command');
    const process_ = spawn(executable, argumentList, {
      cwd: repositoryRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_ENV: 'test' },
      detached: true,
    });
    child = process_;
    track(process_);
    output.append(`--- ${[executable, ...argumentList].join(' ')}\n`);
    await new Promise<void>((resolve, reject) => {
      let stdoutLine = '';
      let settled = false;
      const settle = (error?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error === undefined) resolve();
        else reject(error);
      };
      const timer = setTimeout(() => {
        signalGroup(process_, 'SIGKILL');
        settle(new Error(`broker did not print "started" within ${startTimeoutMs} ms; its output:\n${output}`));
      }, startTimeoutMs);
      process_.stdout?.setEncoding('utf8');
      process_.stderr?.setEncoding('utf8');
      process_.stdout?.on('data', (chunk: string) => {
        output.append(chunk);
        stdoutLine += chunk;
        const lines = stdoutLine.split('\n');
        stdoutLine = lines.pop() ?? '';
        if (lines.some((line) => line.includes('started'))) settle();
        if (stdoutLine.length > 65_536) stdoutLine = stdoutLine.slice(-65_536);
      });
      process_.stderr?.on('data', (chunk: string) => output.append(chunk));
      process_.once('error', (error) => settle(new Error(`broker could not be spawned: ${error.message}\n${output}`)));
      process_.once('exit', (code, signal) => {
        output.append(`--- exited with code ${code} signal ${signal}\n`);
        settle(new Error(`broker exited (code ${code}, signal ${signal}) before printing "started"; its output:\n${output}`));
      });
    });
  };

  const stop = async (signal: StopSignal = 'SIGTERM'): Promise<number | null> => {
    const running = child;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) {
      throw new Error('stop(): the broker is not running');
    }
    signalGroup(running, signal);
    const timer = setTimeout(() => signalGroup(running, 'SIGKILL'), stopTimeoutMs);
    const code = await waitForExit(running);
    clearTimeout(timer);
    if (running.signalCode === 'SIGKILL') {
      throw new Error(`broker did not exit within ${stopTimeoutMs} ms of ${signal}; killed. Its output:\n${output}`);
    }
    return code;
  };

  const kill9 = async (): Promise<void> => {
    const running = child;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    signalGroup(running, 'SIGKILL');
    await waitForExit(running);
  };

  const isRunning = (): boolean => child !== undefined && child.exitCode === null && child.signalCode === null;

  after(async () => {
    if (isRunning()) {
      try {
        await stop('SIGTERM');
      } catch {
        await kill9();
      }
    }
    if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true, maxRetries: 5 });
  });

  await launch();
  return {
    port,
    bootstrap: `127.0.0.1:${port}`,
    dataDir,
    stop,
    kill9,
    restart: async () => {
      if (isRunning()) await stop('SIGTERM');
      await launch();
    },
    output: () => output.toString(),
  };
}

export type ProcessResult = {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
};

export type RunOptions = {
  input?: string;
  timeoutMs?: number;
  env?: Record<string, string>;
  cwd?: string;
};

/** Runs a program to completion (killing it after `timeoutMs`, 60 s by default) and collects its output. */
export async function runProgram(command: string, argumentList: readonly string[], options: RunOptions = {}): Promise<ProcessResult> {
  const running = startProgram(command, argumentList, options);
  if (options.input !== undefined) running.child.stdin?.end(options.input);
  else running.child.stdin?.end();
  return await running.done;
}

export type RunningProgram = {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  done: Promise<ProcessResult>;
};

/**
 * Starts a program without waiting for it; it is killed after `timeoutMs` (60 s by default) and when
 * the calling test ends.
 */
export function startProgram(command: string, argumentList: readonly string[], options: RunOptions = {}): RunningProgram {
  const child = spawn(command, argumentList, {
    cwd: options.cwd ?? repositoryRoot,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  track(child);
  const stdout = new OutputBuffer();
  const stderr = new OutputBuffer();
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => stdout.append(chunk));
  child.stderr?.on('data', (chunk: string) => stderr.append(chunk));
  const timeoutMs = options.timeoutMs ?? 60_000;
  const timer = setTimeout(() => {
    stderr.append(`\n[harness] killed after ${timeoutMs} ms\n`);
    child.kill('SIGKILL');
  }, timeoutMs);
  const done = new Promise<ProcessResult>((resolve) => {
    child.once('error', (error) => {
      clearTimeout(timer);
      stderr.append(`[harness] could not start ${command}: ${error.message}\n`);
      resolve({ code: null, signal: null, stdout: stdout.toString(), stderr: stderr.toString() });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: stdout.toString(), stderr: stderr.toString() });
    });
  });
  after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, stdout: () => stdout.toString(), stderr: () => stderr.toString(), done };
}

/** Says what a program printed, for assertion messages. */
export function describeResult(result: ProcessResult): string {
  return `exit code ${result.code}, signal ${result.signal}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

const probeResults = new Map<string, boolean>();

/**
 * Test options for tests that need an installed client. When the client is present: no options.
 * When it is missing: the tests are skipped with a printed reason, and under CI=true a test named
 * "<name> is installed" is added that fails with the install hint, so CI never passes without it.
 */
export function requireClient(name: string, probe: () => boolean, installHint: string): TestOptions {
  let present = probeResults.get(name);
  if (present === undefined) {
    present = probe();
    probeResults.set(name, present);
    if (!present) {
      const reason = `${name} is not installed (${installHint})`;
      if (process.env.CI === 'true') {
        test(`${name} is installed`, () => {
          throw new Error(`${name} is missing and CI=true: ${installHint}`);
        });
      } else {
        console.log(`# skipping tests that need ${reason}`);
      }
    }
  }
  return present ? {} : { skip: `${name} is not installed (${installHint})` };
}

/** True when `command args` runs and exits 0 (used by client probes). */
export function commandSucceeds(command: string, argumentList: readonly string[]): boolean {
  const result = spawnSync(command, argumentList, { stdio: 'ignore', timeout: 30_000 });
  return result.status === 0;
}
