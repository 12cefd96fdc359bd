// The in-memory Raft log of one node: a snapshot boundary followed by a contiguous run of entries.
// Owned by one RaftNode; not shared. Entries at or below the snapshot index are gone; the term at the
// snapshot index is remembered so that appends right after it can still be checked.

import type { Entry, LogIndex, Term } from './types.ts';
import { logIndex } from './types.ts';

export class RaftLog {
  #snapshotIndex: LogIndex;
  #snapshotTerm: Term;
  #entries: Entry[] = [];

  constructor(snapshotIndex: LogIndex, snapshotTerm: Term, entries: readonly Entry[]) {
    this.#snapshotIndex = snapshotIndex;
    this.#snapshotTerm = snapshotTerm;
    for (const entry of entries) {
      if (entry.index <= snapshotIndex) continue;
      this.#append(entry);
    }
  }

  get snapshotIndex(): LogIndex {
    return this.#snapshotIndex;
  }

  get snapshotTerm(): Term {
    return this.#snapshotTerm;
  }

  firstIndex(): LogIndex {
    return logIndex(this.#snapshotIndex + 1);
  }

  lastIndex(): LogIndex {
    return logIndex(this.#snapshotIndex + this.#entries.length);
  }

  lastTerm(): Term {
    const last = this.#entries.at(-1);
    return last === undefined ? this.#snapshotTerm : last.term;
  }

  /** The term at `index`, or undefined when it was compacted away or is beyond the end. */
  termAt(index: number): Term | undefined {
    if (index === this.#snapshotIndex) return this.#snapshotTerm;
    return this.entryAt(index)?.term;
  }

  entryAt(index: number): Entry | undefined {
    if (index <= this.#snapshotIndex) return undefined;
    return this.#entries[index - this.#snapshotIndex - 1];
  }

  matchesTerm(index: number, expected: Term): boolean {
    return this.termAt(index) === expected;
  }

  /** Raft's "at least as up-to-date" comparison (§5.4.1). */
  isUpToDate(otherLastIndex: LogIndex, otherLastTerm: Term): boolean {
    const ownLastTerm = this.lastTerm();
    return otherLastTerm > ownLastTerm || (otherLastTerm === ownLastTerm && otherLastIndex >= this.lastIndex());
  }

  /** Entries in [from, to], inclusive; `from` must not be compacted. */
  slice(from: number, to: number): Entry[] {
    if (from <= this.#snapshotIndex) throw new RangeError(`slice from ${from} is compacted (snapshot ${this.#snapshotIndex})`);
    return this.#entries.slice(from - this.#snapshotIndex - 1, to - this.#snapshotIndex);
  }

  /** Entries from `from` onward whose total data stays within `bytesMax` (at least one entry). */
  sliceBounded(from: number, bytesMax: number, countMax: number): Entry[] {
    const result: Entry[] = [];
    let bytes = 0;
    for (let index = from; index <= this.lastIndex() && result.length < countMax; index++) {
      const entry = this.entryAt(index);
      if (entry === undefined) break;
      if (result.length > 0 && bytes + entry.data.byteLength > bytesMax) break;
      bytes += entry.data.byteLength;
      result.push(entry);
    }
    return result;
  }

  append(entry: Entry): void {
    this.#append(entry);
  }

  /** Drops every entry at or after `index`. Callers guarantee those entries are not committed. */
  truncateFrom(index: LogIndex): void {
    if (index <= this.#snapshotIndex) throw new RangeError(`cannot truncate at ${index}, inside the snapshot`);
    this.#entries.length = Math.max(0, index - this.#snapshotIndex - 1);
  }

  /** Forgets entries up to and including `index`, which must be in the log. */
  compactTo(index: LogIndex): void {
    if (index <= this.#snapshotIndex) return;
    const entryTerm = this.termAt(index);
    if (entryTerm === undefined) throw new RangeError(`cannot compact to ${index}: not in the log`);
    this.#entries = this.#entries.slice(index - this.#snapshotIndex);
    this.#snapshotIndex = index;
    this.#snapshotTerm = entryTerm;
  }

  /** Replaces the whole log by a snapshot boundary. */
  reset(snapshotIndex: LogIndex, snapshotTerm: Term): void {
    this.#entries = [];
    this.#snapshotIndex = snapshotIndex;
    this.#snapshotTerm = snapshotTerm;
  }

  #append(entry: Entry): void {
    const expected = this.lastIndex() + 1;
    if (entry.index !== expected) throw new RangeError(`append at ${entry.index}, expected ${expected}`);
    if (entry.term < this.lastTerm()) throw new RangeError(`append term ${entry.term} below last term ${this.lastTerm()}`);
    this.#entries.push(entry);
  }
}
