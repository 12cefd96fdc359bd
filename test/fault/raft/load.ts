// A closed-loop proposal load against a ProcessCluster: `workers` concurrent proposers, each with
// one request in flight, following the leader. Every acknowledgement is recorded with its latency.

import type { ProcessCluster } from './process-cluster.ts';
import { sleep } from './process-cluster.ts';

export interface Acknowledgement {
  readonly index: number;
  readonly data: string;
  /** performance.now() when the acknowledgement arrived. */
  readonly at: number;
  readonly latencyMs: number;
}

export class ProposalLoad {
  readonly acknowledgements: Acknowledgement[] = [];
  failures = 0;
  readonly #cluster: ProcessCluster;
  readonly #workers: number;
  readonly #prefix: string;
  #running = false;
  #leaderHint: number | null = null;
  #loops: Promise<void>[] = [];
  readonly #timeoutMs: number;

  constructor(cluster: ProcessCluster, workers: number, prefix: string, timeoutMs = 1000) {
    this.#timeoutMs = timeoutMs;
    this.#cluster = cluster;
    this.#workers = workers;
    this.#prefix = prefix;
  }

  start(): void {
    this.#running = true;
    this.#loops = Array.from({ length: this.#workers }, (_, worker) => this.#loop(worker));
  }

  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops);
  }

  acknowledgedBetween(from: number, to: number): number {
    return this.acknowledgements.filter((ack) => ack.at >= from && ack.at < to).length;
  }

  async #loop(worker: number): Promise<void> {
    let sequence = 0;
    while (this.#running) {
      const target = this.#leaderHint ?? (await this.#cluster.leader());
      if (target === null || !this.#cluster.isRunning(target)) {
        this.#leaderHint = null;
        await sleep(10);
        continue;
      }
      const data = `${this.#prefix}-${worker}-${sequence++}`;
      const started = performance.now();
      try {
        const reply = await this.#cluster.propose(target, data, this.#timeoutMs);
        if (reply.ok) {
          const now = performance.now();
          this.acknowledgements.push({ index: reply.index, data, at: now, latencyMs: now - started });
          this.#leaderHint = target;
          continue;
        }
        this.failures++;
        this.#leaderHint = reply.leader !== null && reply.leader !== target ? reply.leader : null;
      } catch {
        this.failures++;
        this.#leaderHint = null;
      }
      await sleep(10);
    }
  }
}
