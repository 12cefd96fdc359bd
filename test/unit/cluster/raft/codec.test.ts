import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { CodecError, decodeMessage, encodeMessage } from '../../../../src/cluster/raft/codec.ts';
import { makeConfig } from '../../../../src/cluster/raft/config.ts';
import type { Message } from '../../../../src/cluster/raft/types.ts';
import { logIndex, nodeId, term } from '../../../../src/cluster/raft/types.ts';
import { ids } from './harness.ts';

const envelope = { from: nodeId(1), to: nodeId(2), term: term(2 ** 40 + 3) };
const meta = { index: logIndex(77), term: term(4), config: makeConfig(ids(1, 2, 3), ids(9)) };

const samples: Message[] = [
  { type: 'pre-vote', ...envelope, lastIndex: logIndex(10), lastTerm: term(3) },
  { type: 'vote', ...envelope, lastIndex: logIndex(10), lastTerm: term(3), transfer: true },
  { type: 'pre-vote-response', ...envelope, granted: true },
  { type: 'vote-response', ...envelope, granted: false },
  {
    type: 'append',
    ...envelope,
    prevIndex: logIndex(5),
    prevTerm: term(1),
    commit: logIndex(4),
    entries: [
      { term: term(2), index: logIndex(6), kind: 'normal', data: new Uint8Array([1, 2, 3]) },
      { term: term(2), index: logIndex(7), kind: 'noop', data: new Uint8Array(0) },
      { term: term(2), index: logIndex(8), kind: 'config', data: new Uint8Array([0, 1, 0, 0, 0, 0, 0, 1]) },
    ],
  },
  { type: 'append-response', ...envelope, success: false, index: logIndex(9), hint: logIndex(3) },
  { type: 'heartbeat', ...envelope, commit: logIndex(12), readRound: 5 },
  { type: 'heartbeat-response', ...envelope, readRound: 5 },
  { type: 'snapshot-chunk', ...envelope, meta, totalBytes: 100, offset: 64, data: new Uint8Array([7, 7]) },
  { type: 'snapshot-response', ...envelope, snapshotIndex: logIndex(77), nextOffset: 66 },
  { type: 'timeout-now', ...envelope },
];

describe('Raft message codec', () => {
  for (const message of samples) {
    it(`round-trips ${message.type}`, () => {
      assert.deepEqual(decodeMessage(encodeMessage(message)), message);
    });
  }

  it('rejects every truncation of every message with a CodecError', () => {
    for (const message of samples) {
      const encoded = encodeMessage(message);
      for (let length = 0; length < encoded.byteLength; length++) {
        assert.throws(() => decodeMessage(encoded.subarray(0, length)), CodecError, `${message.type} cut at ${length}`);
      }
    }
  });

  it('rejects trailing bytes, unknown versions and appends claiming too many entries', () => {
    const append = encodeMessage(samples[4] as Message);
    assert.throws(() => decodeMessage(new Uint8Array([...append, 0])), /trailing/);
    const wrongVersion = append.slice();
    wrongVersion[0] = 9;
    assert.throws(() => decodeMessage(wrongVersion), /version/);
    assert.throws(() => decodeMessage(append, 2), /claims 3 entries/);
  });
});
