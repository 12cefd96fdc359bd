// Child processes for the end-to-end benchmark: running a program to completion with a timeout and
// bounded output, stopping a long-running one, free ports, and resident-memory sampling from /proc.
//
// Every child started here is in `liveChildren` until it exits; `killAllChildren` (called on exit,
// on SIGINT/SIGTERM and on an uncaught error by run.ts) sends SIGKILL to whatever is left, so no
// broker or client outlives the benchmark.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Bytes kept from the start of a program's output (the first error is usually there). */
const outputHeadMaxBytes = 16 * 1024;
/** Bytes kept from the end of a program's output (the result line is there). */
const outputTailMaxBytes = 64 * 1024;

const liveChildren = new Set<ChildProcess>();

export function track(child: ChildProcess): void {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
}

export function killAllChildren(): void {
  for (const child of liveChildren) child.kill('SIGKILL');
}

/** Keeps the first `outputHeadMaxBytes` and the last `outputTailMaxBytes` characters of a stream. */
export class BoundedOutput {
  #head = '';
  #tail = '';
  #droppedCharacters = 0;

  append(chunk: string): void {
    if (this.#head.length < outputHeadMaxBytes) {
      const room = outputHeadMaxBytes - this.#head.length;
      this.#head += chunk.slice(0, room);
      chunk = chunk.slice(room);
    }
    this.#tail += chunk;
    if (this.#tail.length > outputTailMaxBytes) {
      this.#droppedCharacters += this.#tail.length - outputTailMaxBytes;
      this.#tail = this.#tail.slice(this.#tail.length - outputTailMaxBytes);
    }
  }

  toString(): string {
    if (this.#droppedCharacters === 0) return this.#head + this.#tail;
    return `${this.#head}\n[... ${this.#droppedCharacters} characters left out ...]\n${this.#tail}`;
  }
}

export type ProgramResult = {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  elapsedMs: number;
  stdout: string;
  stderr: string;
};

export type ProgramOptions = {
  timeoutMs: number;
  cwd?: string;
};

/** Runs a program to completion, killing it with SIGKILL after `timeoutMs`. Never rejects. */
export async function runProgram(command: string, argumentList: readonly string[], options: ProgramOptions): Promise<ProgramResult> {
  const startedAt = performance.now();
  const child = spawn(command, argumentList, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  const stdout = new BoundedOutput();
  const stderr = new BoundedOutput();
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => stdout.append(chunk));
  child.stderr.on('data', (chunk: string) => stderr.append(chunk));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs);
  return await new Promise((resolve) => {
    child.once('error', (error) => {
      clearTimeout(timer);
      stderr.append(`could not start ${command}: ${error.message}\n`);
      resolve({ code: null, signal: null, timedOut, elapsedMs: performance.now() - startedAt, stdout: stdout.toString(), stderr: stderr.toString() });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, timedOut, elapsedMs: performance.now() - startedAt, stdout: stdout.toString(), stderr: stderr.toString() });
    });
  });
}

/** Says how a program ended and what it printed, for error messages. */
export function describeProgramResult(result: ProgramResult): string {
  const ending = result.timedOut ? 'killed after its timeout' : `exit code ${result.code}, signal ${result.signal}`;
  return `${ending}\n--- stdout\n${result.stdout.trim()}\n--- stderr\n${result.stderr.trim()}`;
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

export async function waitForExit(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return;
  await new Promise<void>((resolve) => child.once('exit', () => resolve()));
}

/** SIGTERM, then SIGKILL if the process is still there after `graceMs`. */
export async function stopProcess(child: ChildProcess, graceMs: number): Promise<void> {
  if (hasExited(child)) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await waitForExit(child);
  clearTimeout(timer);
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
        reject(new Error('listen(0) gave no port'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

export function sleep(durationMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, durationMs));
}

/** VmRSS, RssAnon and VmHWM of one process in bytes, or undefined when it is gone. */
function readMemory(pid: number): { rssBytes: number; anonymousBytes: number; highWaterBytes: number } | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const rss = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  const anonymous = /^RssAnon:\s+(\d+) kB$/m.exec(status);
  const highWater = /^VmHWM:\s+(\d+) kB$/m.exec(status);
  if (rss?.[1] === undefined || highWater?.[1] === undefined) return undefined;
  return { rssBytes: Number(rss[1]) * 1024, anonymousBytes: Number(anonymous?.[1] ?? 0) * 1024, highWaterBytes: Number(highWater[1]) * 1024 };
}

/** The process and its descendants, through /proc/<pid>/task/<tid>/children. */
function processTree(rootPid: number): number[] {
  const pids = [rootPid];
  for (let index = 0; index < pids.length && pids.length < 1024; index++) {
    const pid = pids[index] ?? rootPid;
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      try {
        const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
        if (children !== '') pids.push(...children.split(/\s+/).map(Number));
      } catch {
        // The task ended between the listing and the read.
      }
    }
  }
  return pids;
}

/**
 * Samples a broker's resident memory (the sum of VmRSS over the process and its descendants) every
 * `intervalMs`, keeping the peak over the whole run and the peak within the current window (one
 * workload). The kernel's own high-water mark (VmHWM) of the root process is read at each sample
 * too, so a spike between samples is not missed. The anonymous part (RssAnon: heap, stacks, not
 * file pages such as memory-mapped log segments) is kept beside it.
 */
export class MemorySampler {
  readonly #pid: number;
  readonly #timer: NodeJS.Timeout;
  #peakRssBytes = 0;
  #windowPeakRssBytes = 0;
  #highWaterBytes = 0;
  #lastRssBytes = 0;
  #peakAnonymousBytes = 0;

  constructor(pid: number, intervalMs: number) {
    this.#pid = pid;
    this.sample();
    this.#timer = setInterval(() => this.sample(), intervalMs);
    this.#timer.unref();
  }

  sample(): void {
    let total = 0;
    let anonymous = 0;
    for (const pid of processTree(this.#pid)) {
      const memory = readMemory(pid);
      if (memory === undefined) continue;
      total += memory.rssBytes;
      anonymous += memory.anonymousBytes;
      if (pid === this.#pid) this.#highWaterBytes = Math.max(this.#highWaterBytes, memory.highWaterBytes);
    }
    if (total === 0) return;
    this.#lastRssBytes = total;
    this.#peakAnonymousBytes = Math.max(this.#peakAnonymousBytes, anonymous);
    this.#peakRssBytes = Math.max(this.#peakRssBytes, total);
    this.#windowPeakRssBytes = Math.max(this.#windowPeakRssBytes, total);
  }

  /** Starts a new window; returns the peak sampled RSS of the window that ends. */
  takeWindowPeakBytes(): number {
    this.sample();
    const peak = this.#windowPeakRssBytes;
    this.#windowPeakRssBytes = this.#lastRssBytes;
    return peak;
  }

  get currentRssBytes(): number {
    return this.#lastRssBytes;
  }

  /** The larger of the peak sampled RSS and the root process's VmHWM. */
  get peakBytes(): number {
    return Math.max(this.#peakRssBytes, this.#highWaterBytes);
  }

  /** The peak sampled anonymous RSS (RssAnon) of the process tree. */
  get peakAnonymousBytes(): number {
    return this.#peakAnonymousBytes;
  }

  stop(): void {
    this.sample();
    clearInterval(this.#timer);
  }
}
