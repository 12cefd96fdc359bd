// The replicated key-value state machine the simulator drives: puts go through the Raft log, gets
// use read-index. Commands are small JSON documents; that is fine for a test state machine.

import { decodeConfig, EMPTY_CONFIG } from '../../src/cluster/raft/config.ts';
import type { ClusterConfig, Entry, SnapshotMeta } from '../../src/cluster/raft/types.ts';

export interface PutCommand {
  readonly client: number;
  readonly op: number;
  readonly key: string;
  readonly value: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodePut(command: PutCommand): Uint8Array {
  return encoder.encode(JSON.stringify(command));
}

export function decodePut(data: Uint8Array): PutCommand {
  return JSON.parse(decoder.decode(data)) as PutCommand;
}

export class KvStateMachine {
  #values = new Map<string, string>();
  #appliedIndex = 0;
  #appliedTerm = 0;
  #config: ClusterConfig = EMPTY_CONFIG;

  get appliedIndex(): number {
    return this.#appliedIndex;
  }

  /** The configuration as of the applied index: what a snapshot taken now must record. */
  get config(): ClusterConfig {
    return this.#config;
  }

  get appliedTerm(): number {
    return this.#appliedTerm;
  }

  get(key: string): string | null {
    return this.#values.get(key) ?? null;
  }

  /** Applies one committed entry; returns the put it carried, if any. */
  apply(entry: Entry): PutCommand | null {
    if (entry.index !== this.#appliedIndex + 1) {
      throw new Error(`state machine applied ${this.#appliedIndex}, handed ${entry.index}`);
    }
    this.#appliedIndex = entry.index;
    this.#appliedTerm = entry.term;
    if (entry.kind === 'config') this.#config = decodeConfig(entry.data);
    if (entry.kind !== 'normal') return null;
    const put = decodePut(entry.data);
    this.#values.set(put.key, put.value);
    return put;
  }

  snapshot(): Uint8Array {
    return encoder.encode(JSON.stringify({ index: this.#appliedIndex, values: [...this.#values] }));
  }

  restore(data: Uint8Array, meta: SnapshotMeta): void {
    const parsed = JSON.parse(decoder.decode(data)) as { index: number; values: [string, string][] };
    if (parsed.index !== meta.index) throw new Error(`snapshot data at ${parsed.index}, meta says ${meta.index}`);
    this.#values = new Map(parsed.values);
    this.#appliedIndex = meta.index;
    this.#appliedTerm = meta.term;
    this.#config = meta.config;
  }
}
