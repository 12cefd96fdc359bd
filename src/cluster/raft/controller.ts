// One controller: a RaftNode driven by a real clock, with FileStorage and TcpTransport, and a
// replicated state machine that is the ordered list of applied entries (the metadata log, later).
//
// The drive loop: every input (tick, message, proposal) marks the node dirty; a setImmediate then
// drains ready() → storage.save (fsync) → transport.send → apply → advance. While an fsync runs,
// incoming messages queue in the sockets and land in the next ready: group commit.
//
// Concurrency contract: one event loop owns a controller.

import { decodeConfig, EMPTY_CONFIG } from './config.ts';
import { FileStorage } from './file-storage.ts';
import type { RaftOptions } from './raft-node.ts';
import { bootstrapState, joiningState, RaftNode } from './raft-node.ts';
import { TcpTransport } from './tcp-transport.ts';
import type { PeerAddress } from './tcp-transport.ts';
import type { ClusterConfig, Entry, LogIndex, NodeId, Snapshot, Term } from './types.ts';
import { logIndex, term } from './types.ts';

export interface ControllerOptions {
  readonly id: NodeId;
  readonly directory: string;
  readonly listen: PeerAddress;
  readonly peers: ReadonlyMap<NodeId, PeerAddress>;
  /** Founding voters when the directory is fresh; absent means join an existing cluster. */
  readonly bootstrapVoters: readonly NodeId[] | null;
  readonly tickMs: number;
  readonly raft?: Partial<Omit<RaftOptions, 'id'>>;
  /** Take a snapshot once this many entries were applied since the last one. */
  readonly snapshotEveryEntries?: number;
}

export interface AppliedRecord {
  readonly index: LogIndex;
  readonly term: Term;
  readonly data: Uint8Array;
}

export type ProposeOutcome =
  | { readonly ok: true; readonly index: LogIndex; readonly term: Term }
  | { readonly ok: false; readonly reason: string; readonly leader: NodeId | null };

interface Waiter {
  readonly term: Term;
  readonly resolve: (outcome: ProposeOutcome) => void;
  readonly timer: NodeJS.Timeout;
}

const PROPOSAL_TIMEOUT_MS = 5000;

export class Controller {
  readonly id: NodeId;
  readonly raft: RaftNode;
  readonly #storage: FileStorage;
  readonly #transport: TcpTransport;
  readonly #options: ControllerOptions;
  readonly #waiters = new Map<number, Waiter>();
  readonly #readWaiters = new Map<number, (index: LogIndex | null) => void>();
  #readSequence = 0;
  /** The state machine: applied normal entries, in order, since the beginning of the log. */
  readonly applied: AppliedRecord[] = [];
  #appliedIndex = 0;
  #appliedTerm = 0;
  #appliedConfig: ClusterConfig = EMPTY_CONFIG;
  #snapshotIndex = 0;
  #ticker: NodeJS.Timeout | null = null;
  #scheduled = false;
  #stopped = false;

  private constructor(options: ControllerOptions, storage: FileStorage, transport: TcpTransport, raft: RaftNode) {
    this.id = options.id;
    this.#options = options;
    this.#storage = storage;
    this.#transport = transport;
    this.raft = raft;
  }

  static async start(options: ControllerOptions): Promise<Controller> {
    const storage = FileStorage.open(options.directory);
    if (storage.isFresh) {
      storage.initialize(options.bootstrapVoters === null ? joiningState() : bootstrapState({ voters: options.bootstrapVoters, observers: [] }));
    }
    const state = storage.state();
    const raft = new RaftNode(
      { electionTicks: 10, heartbeatTicks: 2, seed: (Date.now() ^ (options.id * 2654435761)) >>> 0, ...options.raft, id: options.id },
      state,
    );
    let controller: Controller | null = null;
    const transport = new TcpTransport({
      id: options.id,
      onMessage: (message) => {
        if (controller === null) return;
        controller.raft.step(message);
        controller.#schedule();
      },
    });
    const created = new Controller(options, storage, transport, raft);
    controller = created;
    if (state.snapshot !== null) created.#restore(state.snapshot);
    await transport.listen(options.listen.port, options.listen.host);
    for (const [id, address] of options.peers) transport.setPeer(id, address);
    created.#ticker = setInterval(() => {
      raft.tick();
      created.#schedule();
    }, options.tickMs);
    created.#schedule();
    return created;
  }

  get appliedIndex(): number {
    return this.#appliedIndex;
  }

  /** Proposes `data`; resolves once it is applied here (so committed), or with the reason it was not. */
  propose(data: Uint8Array): Promise<ProposeOutcome> {
    const result = this.raft.propose(data);
    if (!result.ok) return Promise.resolve({ ok: false, reason: result.reason, leader: this.raft.leader });
    this.#schedule();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(result.index);
        resolve({ ok: false, reason: 'timeout', leader: this.raft.leader });
      }, PROPOSAL_TIMEOUT_MS);
      this.#waiters.set(result.index, { term: result.term, resolve, timer });
    });
  }

  /** A linearizable read point: resolves with an index this node has applied, or null if not leader. */
  linearizableRead(): Promise<LogIndex | null> {
    const requestId = ++this.#readSequence;
    if (!this.raft.readIndex(requestId)) return Promise.resolve(null);
    this.#schedule();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#readWaiters.delete(requestId);
        resolve(null);
      }, PROPOSAL_TIMEOUT_MS);
      this.#readWaiters.set(requestId, (index) => {
        clearTimeout(timer);
        resolve(index);
      });
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#ticker !== null) clearInterval(this.#ticker);
    await this.#transport.close();
    this.#storage.close();
    for (const [index, waiter] of this.#waiters) {
      clearTimeout(waiter.timer);
      waiter.resolve({ ok: false, reason: 'stopped', leader: null });
      this.#waiters.delete(index);
    }
  }

  #schedule(): void {
    if (this.#scheduled || this.#stopped) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      if (!this.#stopped) this.#drain();
    });
  }

  #drain(): void {
    const pendingReads: { requestId: number; index: LogIndex }[] = [];
    while (this.raft.hasReady()) {
      const ready = this.raft.ready();
      this.#storage.save(ready);
      for (const message of ready.messages) this.#transport.send(message);
      if (ready.snapshot !== null) this.#restore(ready.snapshot);
      for (const entry of ready.committedEntries) this.#apply(entry);
      pendingReads.push(...ready.readStates);
      this.raft.advance();
    }
    for (const read of pendingReads) this.#releaseRead(read.requestId, read.index);
    this.#maybeSnapshot();
  }

  #releaseRead(requestId: number, index: LogIndex): void {
    const waiter = this.#readWaiters.get(requestId);
    if (waiter === undefined) return;
    if (this.#appliedIndex >= index) {
      this.#readWaiters.delete(requestId);
      waiter(index);
      return;
    }
    // Not applied that far yet: check again after the next drain.
    setImmediate(() => this.#releaseRead(requestId, index));
  }

  #apply(entry: Entry): void {
    this.#appliedIndex = entry.index;
    this.#appliedTerm = entry.term;
    if (entry.kind === 'config') this.#appliedConfig = decodeConfig(entry.data);
    if (entry.kind === 'normal') this.applied.push({ index: entry.index, term: entry.term, data: entry.data });
    const waiter = this.#waiters.get(entry.index);
    if (waiter === undefined) return;
    this.#waiters.delete(entry.index);
    clearTimeout(waiter.timer);
    waiter.resolve(
      entry.term === waiter.term
        ? { ok: true, index: entry.index, term: entry.term }
        : { ok: false, reason: 'overwritten by a later leader', leader: this.raft.leader },
    );
  }

  #maybeSnapshot(): void {
    const every = this.#options.snapshotEveryEntries ?? 50_000;
    if (this.#appliedIndex - this.#snapshotIndex < every) return;
    const snapshot: Snapshot = {
      meta: { index: logIndex(this.#appliedIndex), term: term(this.#appliedTerm), config: this.#appliedConfig },
      data: encodeApplied(this.applied),
    };
    this.#storage.compact(snapshot);
    this.raft.compact(snapshot);
    this.#snapshotIndex = this.#appliedIndex;
  }

  #restore(snapshot: Snapshot): void {
    this.applied.length = 0;
    this.applied.push(...decodeApplied(snapshot.data));
    this.#appliedIndex = snapshot.meta.index;
    this.#appliedTerm = snapshot.meta.term;
    this.#appliedConfig = snapshot.meta.config;
    this.#snapshotIndex = snapshot.meta.index;
  }
}

// Snapshot data: count:u32, then per record index:u64 term:u64 length:u32 bytes. Written here
// rather than in codec.ts because it is this state machine's format, not Raft's.
function encodeApplied(records: readonly AppliedRecord[]): Uint8Array {
  let size = 4;
  for (const record of records) size += 20 + record.data.byteLength;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, records.length);
  let offset = 4;
  for (const record of records) {
    view.setUint32(offset, Math.floor(record.index / 0x1_0000_0000));
    view.setUint32(offset + 4, record.index >>> 0);
    view.setUint32(offset + 8, Math.floor(record.term / 0x1_0000_0000));
    view.setUint32(offset + 12, record.term >>> 0);
    view.setUint32(offset + 16, record.data.byteLength);
    bytes.set(record.data, offset + 20);
    offset += 20 + record.data.byteLength;
  }
  return bytes;
}

function decodeApplied(bytes: Uint8Array): AppliedRecord[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(0);
  const records: AppliedRecord[] = [];
  let offset = 4;
  for (let i = 0; i < count; i++) {
    const index = logIndex(view.getUint32(offset) * 0x1_0000_0000 + view.getUint32(offset + 4));
    const recordTerm = term(view.getUint32(offset + 8) * 0x1_0000_0000 + view.getUint32(offset + 12));
    const length = view.getUint32(offset + 16);
    records.push({ index, term: recordTerm, data: bytes.slice(offset + 20, offset + 20 + length) });
    offset += 20 + length;
  }
  return records;
}
