import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { FrameAssembler, INCOMPLETE } from '../../../src/net/frame-assembler.ts';
import type { NextFrame } from '../../../src/net/frame-assembler.ts';
import { frame } from './helpers.ts';

function drain(assembler: FrameAssembler): Buffer[] {
  const out: Buffer[] = [];
  for (;;) {
    const next: NextFrame = assembler.next();
    if (next === INCOMPLETE) return out;
    if (!Buffer.isBuffer(next)) throw new Error(`rejected size ${next.rejectedSize}`);
    out.push(next);
  }
}

const bodies = [Buffer.from('first request'), Buffer.alloc(0), Buffer.from([0, 1, 2, 3, 4, 5, 6, 7]), Buffer.alloc(300, 7)];
const stream = Buffer.concat(bodies.map((body) => frame(body)));

describe('FrameAssembler', () => {
  it('cuts many frames out of one chunk as views of it, without copying', () => {
    const assembler = new FrameAssembler(1024);
    assembler.push(stream);
    const frames = drain(assembler);
    assert.deepEqual(frames, bodies);
    for (const body of frames) if (body.length > 0) assert.equal(body.buffer, stream.buffer, 'frame is a view of the chunk');
    assert.equal(assembler.bufferedBytes, 0);
  });

  it('gives the same frames for the stream split in two at every byte boundary', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const assembler = new FrameAssembler(1024);
      assembler.push(stream.subarray(0, cut));
      const frames = drain(assembler);
      assembler.push(stream.subarray(cut));
      frames.push(...drain(assembler));
      assert.deepEqual(frames, bodies, `split at byte ${cut}`);
    }
  });

  it('assembles frames fed one byte at a time', () => {
    const assembler = new FrameAssembler(1024);
    const frames: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) {
      assembler.push(stream.subarray(i, i + 1));
      frames.push(...drain(assembler));
    }
    assert.deepEqual(frames, bodies);
    assert.equal(assembler.bufferedBytes, 0);
  });

  it('copies a frame spread over many chunks once, into a buffer of its own size', () => {
    const body = Buffer.alloc(1_000_000);
    for (let i = 0; i < body.length; i++) body[i] = i % 253;
    const bytes = Buffer.concat([frame(body), frame('next')]);
    const assembler = new FrameAssembler(2_000_000);
    const frames: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += 1000) {
      assembler.push(bytes.subarray(at, at + 1000));
      frames.push(...drain(assembler));
    }
    assert.equal(frames.length, 2);
    assert.ok(frames[0]!.equals(body));
    assert.equal(frames[0]!.buffer.byteLength, body.length, 'one exact-size allocation');
    assert.equal(frames[1]!.toString(), 'next');
  });

  it('accepts a frame of exactly the bound and rejects one byte more, or a negative size, before its body arrives', () => {
    const atBound = new FrameAssembler(16);
    atBound.push(frame(Buffer.alloc(16)));
    assert.equal(drain(atBound).length, 1);

    const over = new FrameAssembler(16);
    over.push(Buffer.from([0, 0, 0, 17])); // only the size prefix: rejected at once
    assert.deepEqual(over.next(), { rejectedSize: 17 });
    assert.equal(over.bufferedBytes, 0, 'nothing kept after a rejection');

    const negative = new FrameAssembler(16);
    negative.push(Buffer.from([0xff, 0xff, 0xff, 0xfe, 1, 2]));
    assert.deepEqual(negative.next(), { rejectedSize: -2 });

    const huge = new FrameAssembler(104_857_600);
    huge.push(Buffer.from([0x7f, 0xff, 0xff, 0xff]));
    assert.deepEqual(huge.next(), { rejectedSize: 2_147_483_647 });
  });

  it('keeps a size prefix split over chunks until its last byte comes', () => {
    const assembler = new FrameAssembler(1024);
    assembler.push(Buffer.from([0, 0]));
    assert.equal(assembler.next(), INCOMPLETE);
    assembler.push(Buffer.from([0]));
    assert.equal(assembler.next(), INCOMPLETE);
    assembler.push(Buffer.from([3, 0x61]));
    assert.equal(assembler.next(), INCOMPLETE);
    assembler.push(Buffer.from([0x62, 0x63]));
    const next = assembler.next();
    assert.ok(Buffer.isBuffer(next) && next.toString() === 'abc', `got ${String(next)}`);
  });
});
