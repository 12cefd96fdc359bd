import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';

import { makeConfig } from '../../../../src/cluster/raft/config.ts';
import { FileStorage } from '../../../../src/cluster/raft/file-storage.ts';
import { bootstrapState } from '../../../../src/cluster/raft/raft-node.ts';
import type { Entry, Ready, Snapshot } from '../../../../src/cluster/raft/types.ts';
import { logIndex, nodeId, term } from '../../../../src/cluster/raft/types.ts';
import { bytes, ids } from './harness.ts';

function entry(index: number, entryTerm: number, value = `e${index}`): Entry {
  return { index: logIndex(index), term: term(entryTerm), kind: 'normal', data: bytes(value) };
}

function ready(parts: Partial<Ready>): Ready {
  return { hardState: null, entries: [], snapshot: null, committedEntries: [], messages: [], readStates: [], ...parts };
}

describe('FileStorage', () => {
  let directory = '';
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'fjord-raft-storage-'));
  });
  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('reopens with the hard state and log it saved, truncating on a conflicting append', () => {
    const storage = FileStorage.open(directory);
    assert.equal(storage.isFresh, true);
    storage.initialize(bootstrapState(makeConfig(ids(1, 2, 3))));
    storage.save(ready({ entries: [entry(2, 1), entry(3, 1), entry(4, 1)], hardState: { term: term(1), vote: nodeId(2), commit: logIndex(2) } }));
    storage.save(ready({ entries: [entry(3, 2, 'replaced')], hardState: { term: term(2), vote: null, commit: logIndex(3) } }));
    storage.close();
    const reopened = FileStorage.open(directory);
    assert.equal(reopened.isFresh, false);
    const state = reopened.state();
    assert.deepEqual(state.hardState, { term: 2, vote: null, commit: 3 });
    assert.deepEqual(state.entries.map((e) => `${e.index}@${e.term}`), ['1@1', '2@1', '3@2']);
    assert.deepEqual(state.entries[2]?.data, bytes('replaced'));
    reopened.close();
  });

  it('cuts a torn tail record and keeps appending after the last good one', () => {
    const storage = FileStorage.open(directory);
    storage.initialize(bootstrapState(makeConfig(ids(1))));
    storage.save(ready({ entries: [entry(2, 1)] }));
    storage.close();
    const walPath = join(directory, 'wal');
    const goodSize = statSync(walPath).size;
    appendFileSync(walPath, Buffer.from([0, 0, 0, 40, 1, 2, 3, 4, 2, 0, 0]));
    const reopened = FileStorage.open(directory);
    assert.equal(statSync(walPath).size, goodSize, 'the torn record is cut off');
    assert.deepEqual(reopened.state().entries.map((e) => e.index), [1, 2]);
    reopened.save(ready({ entries: [entry(3, 1)] }));
    reopened.close();
    assert.deepEqual(FileStorage.open(directory).state().entries.map((e) => e.index), [1, 2, 3]);
  });

  it('stops at a record whose checksum does not match', () => {
    const storage = FileStorage.open(directory);
    storage.initialize(bootstrapState(makeConfig(ids(1))));
    storage.save(ready({ entries: [entry(2, 1, 'abc')] }));
    storage.close();
    const walPath = join(directory, 'wal');
    const size = statSync(walPath).size;
    const contents = readFileSync(walPath);
    contents[size - 1] = (contents[size - 1] ?? 0) ^ 0xff;
    writeFileSync(walPath, contents);
    assert.deepEqual(FileStorage.open(directory).state().entries.map((e) => e.index), [1]);
  });

  it('compacts into a snapshot and keeps the entries after it', () => {
    const storage = FileStorage.open(directory);
    storage.initialize(bootstrapState(makeConfig(ids(1))));
    storage.save(ready({ entries: [entry(2, 1), entry(3, 1), entry(4, 1)] }));
    const snapshot: Snapshot = { meta: { index: logIndex(3), term: term(1), config: makeConfig(ids(1)) }, data: bytes('image') };
    storage.compact(snapshot);
    storage.close();
    const state = FileStorage.open(directory).state();
    assert.deepEqual(state.snapshot, snapshot);
    assert.deepEqual(state.entries.map((e) => e.index), [4]);
  });

  it('drops entries a newer snapshot replaced, even if the WAL rewrite did not happen', () => {
    const storage = FileStorage.open(directory);
    storage.initialize(bootstrapState(makeConfig(ids(1))));
    storage.save(ready({ entries: [entry(2, 1), entry(3, 1)] }));
    copyFileSync(join(directory, 'wal'), join(directory, 'wal.before'));
    const snapshot: Snapshot = { meta: { index: logIndex(3), term: term(5), config: makeConfig(ids(1)) }, data: bytes('x') };
    storage.save(ready({ snapshot, hardState: { term: term(5), vote: null, commit: logIndex(3) } }));
    storage.close();
    // A crash between the snapshot rename and the WAL rename leaves the old WAL beside the new snapshot.
    copyFileSync(join(directory, 'wal.before'), join(directory, 'wal'));
    const state = FileStorage.open(directory).state();
    assert.equal(state.snapshot?.meta.index, 3);
    assert.deepEqual(state.entries, [], 'entry 3 of term 1 does not match the snapshot (term 5), so nothing is kept');
  });
});
