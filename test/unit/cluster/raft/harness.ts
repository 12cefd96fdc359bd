// A tiny synchronous harness for unit tests of the Raft core: real RaftNodes, messages delivered
// in order, an optional filter to drop messages. No randomness except each node's seed.

import { makeConfig } from '../../../../src/cluster/raft/config.ts';
import type { PersistedState, RaftOptions } from '../../../../src/cluster/raft/raft-node.ts';
import { bootstrapState, RaftNode } from '../../../../src/cluster/raft/raft-node.ts';
import type { Entry, Message, NodeId, ReadState, Snapshot } from '../../../../src/cluster/raft/types.ts';
import { nodeId } from '../../../../src/cluster/raft/types.ts';

export interface HarnessNode {
  raft: RaftNode;
  applied: Entry[];
  installed: Snapshot[];
  readStates: ReadState[];
  persisted: PersistedState;
}

export type MessageFilter = (message: Message) => boolean;

export function ids(...values: number[]): NodeId[] {
  return values.map(nodeId);
}

export class Harness {
  readonly nodes = new Map<NodeId, HarnessNode>();
  /** Return false to drop a message. */
  filter: MessageFilter = () => true;
  readonly delivered: Message[] = [];
  readonly options: Partial<RaftOptions>;

  constructor(count: number, options: Partial<RaftOptions> = {}) {
    this.options = options;
    const state = bootstrapState(makeConfig(ids(...Array.from({ length: count }, (_, i) => i + 1))));
    for (let i = 1; i <= count; i++) this.add(nodeId(i), state);
  }

  add(id: NodeId, state: PersistedState): HarnessNode {
    const raft = new RaftNode({ id, electionTicks: 10, heartbeatTicks: 1, seed: id * 7919, ...this.options }, state);
    const node: HarnessNode = { raft, applied: [], installed: [], readStates: [], persisted: state };
    this.nodes.set(id, node);
    return node;
  }

  node(id: number): HarnessNode {
    const node = this.nodes.get(nodeId(id));
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  raft(id: number): RaftNode {
    return this.node(id).raft;
  }

  /** Processes readies and delivers messages until quiet (bounded). */
  settle(roundsMax = 200): void {
    for (let round = 0; round < roundsMax; round++) {
      const outbox: Message[] = [];
      for (const node of this.nodes.values()) {
        while (node.raft.hasReady()) {
          const ready = node.raft.ready();
          if (ready.snapshot !== null) node.installed.push(ready.snapshot);
          node.applied.push(...ready.committedEntries);
          node.readStates.push(...ready.readStates);
          outbox.push(...ready.messages);
          node.raft.advance();
        }
      }
      if (outbox.length === 0) return;
      for (const message of outbox) {
        if (!this.filter(message)) continue;
        const target = this.nodes.get(message.to);
        if (target === undefined) continue;
        this.delivered.push(message);
        target.raft.step(message);
      }
    }
  }

  tick(times = 1): void {
    for (let i = 0; i < times; i++) {
      for (const node of this.nodes.values()) node.raft.tick();
      this.settle();
    }
  }

  /** Ticks until some node leads; returns its id. */
  electLeader(ticksMax = 100): NodeId {
    for (let i = 0; i < ticksMax; i++) {
      const leader = this.leader();
      if (leader !== null) return leader;
      this.tick();
    }
    throw new Error(`no leader after ${ticksMax} ticks`);
  }

  leader(): NodeId | null {
    for (const [id, node] of this.nodes) if (node.raft.role === 'leader') return id;
    return null;
  }

  /** Cuts a node off in both directions. */
  isolate(id: number): void {
    const isolated = nodeId(id);
    this.filter = (message) => message.from !== isolated && message.to !== isolated;
  }

  heal(): void {
    this.filter = () => true;
  }
}

export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export function text(entry: Entry): string {
  return new TextDecoder().decode(entry.data);
}
