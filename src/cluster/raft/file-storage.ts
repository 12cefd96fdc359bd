// Durable storage of one Raft node: its hard state, log and latest snapshot, in one directory.
//
// Files:
//   wal        a write-ahead log of records, each  length:u32 crc32:u32 body  (crc32 over body):
//                body := 1 hardState  term:u64 vote:u32 (0 = none) commit:u64
//                      | 2 entries    count:u32 entry × count   (see codec.ts; the first entry's
//                                     index drops every stored entry at or after it)
//                      | 3 boundary   index:u64 term:u64  (first record of a WAL rewritten for the
//                                     snapshot with this last index and term)
//   snapshot   magic:u32 crc32:u32 length:u32 body, body := meta data  (written to snapshot.tmp,
//              fsynced, renamed, directory fsynced)
//   wal.tmp, snapshot.tmp  leftovers of an interrupted rewrite; ignored and removed on open
//
// Durability: save() writes one WAL record per part of a ready and fsyncs (fdatasync) once before
// returning, so the caller sends the ready's messages (vote grants, append acknowledgements) only
// after they are on disk. A torn or corrupt tail record (a crash mid-write) ends the log on open
// and is cut off. Installing a snapshot or compacting rewrites the WAL (to wal.tmp, fsync, rename).
// On open, entries after the snapshot are kept only if the WAL was rewritten for that snapshot (its
// boundary record matches) or holds the snapshot's last entry with the same term; otherwise they
// belong to a log the snapshot replaced (a crash between the snapshot's rename and the WAL's).
//
// Concurrency contract: one FileStorage per directory, used from one event loop; calls are
// synchronous (the Raft node waits for its fsync anyway, and messages arriving meanwhile are
// batched into the next ready, which is group commit for free).

import { closeSync, existsSync, fdatasyncSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

import { ByteReader, ByteWriter, CodecError, readEntry, readSnapshotMeta, writeEntry, writeSnapshotMeta } from './codec.ts';
import type { PersistedState } from './raft-node.ts';
import type { Entry, HardState, NodeId, Ready, Snapshot } from './types.ts';
import { logIndex, nodeId, term } from './types.ts';

const RECORD_HARD_STATE = 1;
const RECORD_ENTRIES = 2;
const RECORD_BOUNDARY = 3;
const SNAPSHOT_MAGIC = 0x52534e50; // "RSNP"
/** Bound on one WAL record; a larger length field is treated as corruption. */
const RECORD_BYTES_MAX = 64 * 1024 * 1024;

export class FileStorage {
  readonly #directory: string;
  #walFd: number;
  #hardState: HardState;
  #snapshot: Snapshot | null;
  /** A mirror of the stored log after the snapshot, so a rewrite needs no read-back. */
  #entries: Entry[];
  #fresh: boolean;

  private constructor(directory: string, state: PersistedState, fresh: boolean) {
    this.#directory = directory;
    this.#hardState = state.hardState;
    this.#snapshot = state.snapshot;
    this.#entries = [...state.entries];
    this.#fresh = fresh;
    this.#walFd = openSync(join(directory, 'wal'), 'a');
  }

  /** Opens (creating when absent) the storage in `directory`. */
  static open(directory: string): FileStorage {
    mkdirSync(directory, { recursive: true });
    for (const leftover of ['wal.tmp', 'snapshot.tmp']) rmSync(join(directory, leftover), { force: true });
    const snapshot = readSnapshotFile(join(directory, 'snapshot'));
    const walPath = join(directory, 'wal');
    const fresh = !existsSync(walPath) && snapshot === null;
    const { hardState, entries } = replayWal(walPath, snapshot);
    return new FileStorage(directory, { hardState: hardState ?? emptyHardState(), snapshot, entries }, fresh);
  }

  /** True when nothing was stored before: the caller bootstraps or joins. */
  get isFresh(): boolean {
    return this.#fresh;
  }

  state(): PersistedState {
    return { hardState: this.#hardState, snapshot: this.#snapshot, entries: [...this.#entries] };
  }

  /** Writes the state a new node starts from (see bootstrapState / joiningState) and fsyncs it. */
  initialize(state: PersistedState): void {
    this.#rewrite(state.hardState, state.snapshot, [...state.entries]);
    this.#fresh = false;
  }

  /** Persists a ready's snapshot, entries and hard state, and fsyncs before returning. */
  save(ready: Ready): void {
    if (ready.snapshot !== null) {
      this.#writeSnapshotFile(ready.snapshot);
      this.#rewrite(ready.hardState ?? this.#hardState, ready.snapshot, [...ready.entries]);
      return;
    }
    let wrote = false;
    if (ready.entries.length > 0) {
      const writer = new ByteWriter(4096);
      writer.u8(RECORD_ENTRIES).u32(ready.entries.length);
      for (const entry of ready.entries) writeEntry(writer, entry);
      this.#appendRecord(writer.finish());
      applyEntries(this.#entries, ready.entries, this.#snapshot?.meta.index ?? 0);
      wrote = true;
    }
    if (ready.hardState !== null) {
      this.#appendRecord(encodeHardState(ready.hardState));
      this.#hardState = ready.hardState;
      wrote = true;
    }
    if (wrote) fdatasyncSync(this.#walFd);
  }

  /** Stores a snapshot the state machine took and drops the log it covers. */
  compact(snapshot: Snapshot): void {
    this.#writeSnapshotFile(snapshot);
    this.#rewrite(this.#hardState, snapshot, this.#entries.filter((entry) => entry.index > snapshot.meta.index));
  }

  close(): void {
    closeSync(this.#walFd);
  }

  #appendRecord(body: Uint8Array): void {
    if (body.byteLength > RECORD_BYTES_MAX) throw new RangeError(`WAL record of ${body.byteLength} bytes exceeds the bound`);
    const header = new Uint8Array(8);
    const view = new DataView(header.buffer);
    view.setUint32(0, body.byteLength);
    view.setUint32(4, crc32(body));
    writeAll(this.#walFd, header);
    writeAll(this.#walFd, body);
  }

  #writeSnapshotFile(snapshot: Snapshot): void {
    const writer = new ByteWriter(snapshot.data.byteLength + 256);
    writeSnapshotMeta(writer, snapshot.meta);
    writer.bytes(snapshot.data);
    const body = writer.finish();
    const header = new Uint8Array(12);
    const view = new DataView(header.buffer);
    view.setUint32(0, SNAPSHOT_MAGIC);
    view.setUint32(4, crc32(body));
    view.setUint32(8, body.byteLength);
    const temporary = join(this.#directory, 'snapshot.tmp');
    const fd = openSync(temporary, 'w');
    try {
      writeAll(fd, header);
      writeAll(fd, body);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, join(this.#directory, 'snapshot'));
    this.#syncDirectory();
    this.#snapshot = snapshot;
  }

  /** Replaces the WAL by one holding just `hardState` and `entries`. */
  #rewrite(hardState: HardState, snapshot: Snapshot | null, entries: Entry[]): void {
    const temporary = join(this.#directory, 'wal.tmp');
    const fd = openSync(temporary, 'w');
    try {
      const records: Uint8Array[] = [];
      if (snapshot !== null) {
        records.push(new ByteWriter(24).u8(RECORD_BOUNDARY).u64(snapshot.meta.index).u64(snapshot.meta.term).finish().slice());
      }
      records.push(encodeHardState(hardState));
      if (entries.length > 0) {
        const writer = new ByteWriter(4096);
        writer.u8(RECORD_ENTRIES).u32(entries.length);
        for (const entry of entries) writeEntry(writer, entry);
        records.push(writer.finish().slice());
      }
      for (const body of records) {
        const header = new Uint8Array(8);
        const view = new DataView(header.buffer);
        view.setUint32(0, body.byteLength);
        view.setUint32(4, crc32(body));
        writeAll(fd, header);
        writeAll(fd, body);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    closeSync(this.#walFd);
    renameSync(temporary, join(this.#directory, 'wal'));
    this.#syncDirectory();
    this.#walFd = openSync(join(this.#directory, 'wal'), 'a');
    this.#hardState = hardState;
    this.#snapshot = snapshot;
    this.#entries = entries;
  }

  #syncDirectory(): void {
    const fd = openSync(this.#directory, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

function emptyHardState(): HardState {
  return { term: term(0), vote: null, commit: logIndex(0) };
}

function encodeHardState(hardState: HardState): Uint8Array {
  const writer = new ByteWriter(32);
  writer.u8(RECORD_HARD_STATE).u64(hardState.term).u32(hardState.vote ?? 0).u64(hardState.commit);
  return writer.finish().slice();
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.byteLength) offset += writeSync(fd, bytes, offset, bytes.byteLength - offset);
}

/** Drops stored entries at or after the first new one, then appends (skipping any the snapshot covers). */
function applyEntries(stored: Entry[], entries: readonly Entry[], snapshotIndex: number): void {
  const first = entries[0];
  if (first === undefined) return;
  const keep = stored.findIndex((entry) => entry.index >= first.index);
  if (keep >= 0) stored.length = keep;
  for (const entry of entries) {
    if (entry.index <= snapshotIndex) continue;
    const last = stored.at(-1);
    const expected = last === undefined ? Math.max(entry.index, snapshotIndex + 1) : last.index + 1;
    if (entry.index !== expected) throw new Error(`storage log gap: entry ${entry.index} after ${last?.index ?? snapshotIndex}`);
    stored.push(entry);
  }
}

function readSnapshotFile(path: string): Snapshot | null {
  if (!existsSync(path)) return null;
  const bytes = readFileSync(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 12 || view.getUint32(0) !== SNAPSHOT_MAGIC) throw new Error(`${path}: not a snapshot file`);
  const length = view.getUint32(8);
  const body = bytes.subarray(12, 12 + length);
  // The file was renamed into place only after an fsync, so damage here is real corruption.
  if (body.byteLength !== length || crc32(body) !== view.getUint32(4)) throw new Error(`${path}: corrupt snapshot`);
  const reader = new ByteReader(body);
  const meta = readSnapshotMeta(reader);
  return { meta, data: reader.bytes(reader.remaining) };
}

function replayWal(path: string, snapshot: Snapshot | null): { hardState: HardState | null; entries: Entry[] } {
  let hardState: HardState | null = null;
  let boundary: { index: number; term: number } | null = null;
  const all: Entry[] = [];
  if (!existsSync(path)) return { hardState, entries: [] };
  const bytes = readFileSync(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  while (offset + 8 <= bytes.byteLength) {
    const length = view.getUint32(offset);
    const checksum = view.getUint32(offset + 4);
    if (length > RECORD_BYTES_MAX || offset + 8 + length > bytes.byteLength) break;
    const body = bytes.subarray(offset + 8, offset + 8 + length);
    if (crc32(body) !== checksum) break;
    try {
      const reader = new ByteReader(body);
      const type = reader.u8();
      if (type === RECORD_HARD_STATE) {
        const hardTerm = term(reader.u64());
        const vote = reader.u32();
        hardState = { term: hardTerm, vote: vote === 0 ? null : (nodeId(vote) as NodeId), commit: logIndex(reader.u64()) };
      } else if (type === RECORD_BOUNDARY) {
        boundary = { index: reader.u64(), term: reader.u64() };
      } else if (type === RECORD_ENTRIES) {
        const count = reader.u32();
        const entries: Entry[] = [];
        for (let i = 0; i < count; i++) entries.push(readEntry(reader));
        applyEntries(all, entries, 0);
      } else {
        break;
      }
    } catch (error) {
      if (error instanceof CodecError) break;
      throw error;
    }
    offset += 8 + length;
  }
  // A torn tail: cut it so that later appends follow the last good record.
  if (offset < bytes.byteLength) truncateFile(path, offset);
  if (snapshot === null) return { hardState, entries: all };
  const { index, term: snapshotTerm } = snapshot.meta;
  const atSnapshot = all.find((entry) => entry.index === index);
  const rewrittenForSnapshot = boundary !== null && boundary.index === index && boundary.term === snapshotTerm;
  const holdsSnapshotEntry = atSnapshot !== undefined && atSnapshot.term === snapshotTerm;
  const entries = rewrittenForSnapshot || holdsSnapshotEntry ? all.filter((entry) => entry.index > index) : [];
  return { hardState, entries };
}

function truncateFile(path: string, length: number): void {
  const fd = openSync(path, 'r+');
  try {
    ftruncateSync(fd, length);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
