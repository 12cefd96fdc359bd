/**
 * Adapts a read of segment files to `FileRegion`. src/native's `ReadPlan` names its length
 * `bytes`, while `FileRegion` (like a Buffer) names it `byteLength`; this wrapper bridges the two
 * without net importing the native module.
 */
import type { FileRegion } from './types.ts';

/** What src/native `ReadPlan` offers (structurally). */
export interface SegmentRead {
  readonly bytes: number;
  sendTo(fd: number, sent: number): { sent: number; wouldBlock: boolean; done: boolean };
  copyRange(from: number, length: number): Buffer;
}

export function fileRegionOf(read: SegmentRead): FileRegion {
  return {
    byteLength: read.bytes,
    sendTo: (fd, sent) => read.sendTo(fd, sent),
    copyRange: (from, length) => read.copyRange(from, length),
  };
}
