// Real controller processes on loopback, with real files, for the fault test and the benchmark.
// Every process is tracked and `close()` kills them all (SIGCONT first, in case one is stopped)
// and removes the temporary directory.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CONTROLLER_MAIN = fileURLToPath(new URL('../../../src/cluster/raft/controller-main.ts', import.meta.url));

export interface ClusterTiming {
  readonly tickMs: number;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
}

export interface ControllerStatus {
  readonly id: number;
  readonly role: string;
  readonly term: number;
  readonly leader: number | null;
  readonly commit: number;
  readonly applied: number;
}

export interface AppliedEntry {
  readonly index: number;
  readonly term: number;
  readonly data: string;
}

export type ProposeReply = { readonly ok: true; readonly index: number } | { readonly ok: false; readonly leader: number | null };

interface Member {
  readonly id: number;
  readonly raftPort: number;
  /** Chosen by the controller (it listens on port 0) and read from its ready line. */
  clientPort: number;
  readonly directory: string;
  process: ChildProcess | null;
  stopped: boolean;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export class ProcessCluster {
  readonly root: string;
  readonly #members = new Map<number, Member>();
  readonly #timing: ClusterTiming;
  readonly #stderr: string[] = [];

  private constructor(root: string, timing: ClusterTiming) {
    this.root = root;
    this.#timing = timing;
  }

  /**
   * Starts `count` controllers. Raft ports are probed free and then handed to every controller, so
   * another process can take one in between; a start that fails is retried with fresh ports.
   */
  static async start(count: number, timing: ClusterTiming, attempts = 3): Promise<ProcessCluster> {
    for (let attempt = 1; ; attempt++) {
      const cluster = new ProcessCluster(mkdtempSync(join(tmpdir(), 'fjord-raft-')), timing);
      for (let id = 1; id <= count; id++) {
        cluster.#members.set(id, {
          id,
          raftPort: await freePort(),
          clientPort: 0,
          directory: join(cluster.root, `controller-${id}`),
          process: null,
          stopped: false,
        });
      }
      try {
        await Promise.all([...cluster.#members.keys()].map((id) => cluster.launch(id)));
        return cluster;
      } catch (error) {
        await cluster.close();
        if (attempt >= attempts) throw error;
      }
    }
  }

  get ids(): number[] {
    return [...this.#members.keys()];
  }

  /** stderr lines of every controller, for failure messages. */
  get stderr(): string {
    return this.#stderr.slice(-40).join('');
  }

  isRunning(id: number): boolean {
    const member = this.#member(id);
    return member.process !== null && !member.stopped;
  }

  async launch(id: number): Promise<void> {
    const member = this.#member(id);
    const peers = [...this.#members.values()].map((peer) => `${peer.id}=127.0.0.1:${peer.raftPort}`).join(',');
    const child = spawn(
      process.execPath,
      [
        CONTROLLER_MAIN,
        '--id', String(id),
        '--dir', member.directory,
        '--raft', `127.0.0.1:${member.raftPort}`,
        '--client', '127.0.0.1:0',
        '--peers', peers,
        '--bootstrap',
        '--tick-ms', String(this.#timing.tickMs),
        '--election-ticks', String(this.#timing.electionTicks),
        '--heartbeat-ticks', String(this.#timing.heartbeatTicks),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    member.process = child;
    member.stopped = false;
    child.stderr?.on('data', (chunk: Buffer) => this.#stderr.push(`[${id}] ${chunk.toString()}`));
    child.on('exit', () => {
      if (member.process === child) member.process = null;
    });
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`controller ${id} did not start: ${this.stderr}`)), 15_000);
      let started = false;
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const line = /ready (\{.*\})\n/.exec(output);
        if (line?.[1] !== undefined && !started) {
          started = true;
          member.clientPort = (JSON.parse(line[1]) as { client: number }).client;
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        if (!started) reject(new Error(`controller ${id} exited with ${code} while starting: ${this.stderr}`));
      });
    });
  }

  /** kill -9, and wait until the process is gone. */
  async kill(id: number): Promise<void> {
    const member = this.#member(id);
    const child = member.process;
    if (child === null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
    member.process = null;
    member.stopped = false;
  }

  pause(id: number): void {
    const member = this.#member(id);
    member.process?.kill('SIGSTOP');
    member.stopped = true;
  }

  resume(id: number): void {
    const member = this.#member(id);
    member.process?.kill('SIGCONT');
    member.stopped = false;
  }

  async status(id: number, timeoutMs = 300): Promise<ControllerStatus | null> {
    const member = this.#member(id);
    if (member.process === null || member.stopped) return null;
    try {
      const response = await fetch(`http://127.0.0.1:${member.clientPort}/status`, { signal: AbortSignal.timeout(timeoutMs) });
      return (await response.json()) as ControllerStatus;
    } catch {
      return null;
    }
  }

  /** The leader of the highest term any running controller reports, or null. */
  async leader(): Promise<number | null> {
    const statuses = await Promise.all(this.ids.map((id) => this.status(id)));
    let best: ControllerStatus | null = null;
    for (const status of statuses) {
      if (status?.role === 'leader' && (best === null || status.term > best.term)) best = status;
    }
    return best?.id ?? null;
  }

  async waitForLeader(timeoutMs = 10_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const leader = await this.leader();
      if (leader !== null) return leader;
      await sleep(20);
    }
    throw new Error(`no leader within ${timeoutMs} ms: ${this.stderr}`);
  }

  async propose(id: number, data: string, timeoutMs = 3000): Promise<ProposeReply> {
    const member = this.#member(id);
    const response = await fetch(`http://127.0.0.1:${member.clientPort}/propose`, {
      method: 'POST',
      body: data,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await response.json()) as { index?: number; leader?: number | null };
    if (response.status === 200 && typeof body.index === 'number') return { ok: true, index: body.index };
    return { ok: false, leader: body.leader ?? null };
  }

  /** A linearizable read barrier on `id`: the applied index it guarantees, or null if not leader. */
  async read(id: number): Promise<number | null> {
    const member = this.#member(id);
    const response = await fetch(`http://127.0.0.1:${member.clientPort}/read`, { signal: AbortSignal.timeout(5000) });
    const body = (await response.json()) as { index?: number };
    return response.status === 200 && typeof body.index === 'number' ? body.index : null;
  }

  async entries(id: number): Promise<AppliedEntry[]> {
    const member = this.#member(id);
    const response = await fetch(`http://127.0.0.1:${member.clientPort}/entries`, { signal: AbortSignal.timeout(5000) });
    return (await response.json()) as AppliedEntry[];
  }

  async close(): Promise<void> {
    for (const member of this.#members.values()) {
      const child = member.process;
      if (child === null) continue;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await Promise.race([exited, sleep(3000)]);
      member.process = null;
    }
    rmSync(this.root, { recursive: true, force: true });
  }

  #member(id: number): Member {
    const member = this.#members.get(id);
    if (member === undefined) throw new Error(`no controller ${id}`);
    return member;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
