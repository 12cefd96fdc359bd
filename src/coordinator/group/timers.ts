/**
 * Time for the group coordinator, passed in: the real one runs timers on the event loop; tests
 * pass a manual clock and advance it. Every timer the coordinator sets is bounded by a Kafka
 * timeout (session, rebalance, initial delay, retention check), and all are cancelled at close.
 */

export type CancelTimer = () => void;

export interface Timers {
  now(): number;
  /** Runs `task` once, `delayMs` from now (clamped to 0..2^31-1); returns its cancel function. */
  schedule(delayMs: number, task: () => void): CancelTimer;
}

/** setTimeout's largest delay. */
const MAX_DELAY_MS = 2_147_483_647;

/** Event-loop timers that do not keep the process alive and can all be cancelled at once. */
export class EventLoopTimers implements Timers {
  readonly #pending = new Set<NodeJS.Timeout>();

  now(): number {
    return Date.now();
  }

  schedule(delayMs: number, task: () => void): CancelTimer {
    const handle = setTimeout(
      () => {
        this.#pending.delete(handle);
        task();
      },
      Math.min(Math.max(0, delayMs), MAX_DELAY_MS),
    );
    handle.unref();
    this.#pending.add(handle);
    return () => {
      clearTimeout(handle);
      this.#pending.delete(handle);
    };
  }

  cancelAll(): void {
    for (const handle of this.#pending) clearTimeout(handle);
    this.#pending.clear();
  }
}

/** A clock that moves only when told to: `advance(ms)` runs due timers in deadline order. */
export class ManualTimers implements Timers {
  #nowMs: number;
  #sequence = 0;
  readonly #tasks = new Map<number, { dueMs: number; task: () => void }>();

  constructor(startMs = 1_000_000) {
    this.#nowMs = startMs;
  }

  now(): number {
    return this.#nowMs;
  }

  schedule(delayMs: number, task: () => void): CancelTimer {
    const id = this.#sequence++;
    this.#tasks.set(id, { dueMs: this.#nowMs + Math.max(0, delayMs), task });
    return () => {
      this.#tasks.delete(id);
    };
  }

  /** Timers still set. */
  get pendingCount(): number {
    return this.#tasks.size;
  }

  advance(ms: number): void {
    const targetMs = this.#nowMs + ms;
    for (;;) {
      let nextId = -1;
      let nextDue = Infinity;
      for (const [id, { dueMs }] of this.#tasks) {
        if (dueMs <= targetMs && dueMs < nextDue) {
          nextDue = dueMs;
          nextId = id;
        }
      }
      if (nextId < 0) break;
      const entry = this.#tasks.get(nextId)!;
      this.#tasks.delete(nextId);
      this.#nowMs = Math.max(this.#nowMs, entry.dueMs);
      entry.task();
    }
    this.#nowMs = targetMs;
  }
}
