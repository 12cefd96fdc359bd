/**
 * Cuts a TCP byte stream into Kafka request frames: an int32 big-endian size, then that many
 * bytes. Sans-IO: the connection pushes socket chunks in and takes frames out.
 *
 * Copies: a frame wholly inside one chunk is returned as a view of it (no copy); a frame spread
 * over several chunks is copied once, into a buffer of its exact size. Small frames are copied
 * when their last byte arrives (chunks are kept in a list until then, so a frame split into many
 * chunks costs one copy, not one per chunk); once `GATHER_IN_PLACE_BYTES` of a larger frame have
 * arrived, its buffer is allocated, what arrived is moved in, and later chunks are copied straight
 * into it, so a large frame is not held twice (list and buffer) when it completes.
 *
 * Bound: the body of a frame is never allocated before its size is checked against
 * `maxFrameBytes`, nor before `GATHER_IN_PLACE_BYTES` of it (or all of it) have arrived, so a
 * size prefix that lies costs nothing; the bytes held are at most the frame being assembled plus
 * whatever else arrived in the same socket reads (the caller stops pushing by pausing the socket).
 */

export const INCOMPLETE = Symbol('incomplete frame');

/** A size prefix that is negative or above the bound: the connection must close. */
export interface RejectedFrame {
  readonly rejectedSize: number;
}

export type NextFrame = Buffer | typeof INCOMPLETE | RejectedFrame;

const SIZE_PREFIX_BYTES = 4;

/** Received bytes of an incomplete frame past which its buffer is allocated and filled in place: 1 MiB. */
export const GATHER_IN_PLACE_BYTES = 1024 * 1024;

export class FrameAssembler {
  readonly maxFrameBytes: number;
  /** Chunks not fully consumed; `#headOffset` bytes of the first one are already used. */
  #chunks: Buffer[] = [];
  #headOffset = 0;
  #bufferedBytes = 0;
  /** Size of the frame whose body is awaited, or -1 while its size prefix is awaited. */
  #frameBytes = -1;
  /** The body of a large frame being filled in place (then `#chunks` holds only later bytes). */
  #frameBuffer: Buffer | null = null;
  #frameFilled = 0;

  constructor(maxFrameBytes: number) {
    if (!Number.isSafeInteger(maxFrameBytes) || maxFrameBytes < 0) throw new RangeError(`maxFrameBytes must be a non-negative integer, got ${maxFrameBytes}`);
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Bytes held: received and not yet returned as frames (a consumed size prefix not counted). */
  get bufferedBytes(): number {
    return this.#bufferedBytes;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    let rest = chunk;
    const frameBuffer = this.#frameBuffer;
    if (frameBuffer !== null && this.#frameFilled < frameBuffer.length) {
      const used = Math.min(frameBuffer.length - this.#frameFilled, rest.length);
      rest.copy(frameBuffer, this.#frameFilled, 0, used);
      this.#frameFilled += used;
      this.#bufferedBytes += used;
      if (used === rest.length) return;
      rest = rest.subarray(used);
    }
    this.#chunks.push(rest);
    this.#bufferedBytes += rest.length;
  }

  /** The next whole frame (its body, without the size prefix), INCOMPLETE, or a rejected size. */
  next(): NextFrame {
    const frameBuffer = this.#frameBuffer;
    if (frameBuffer !== null) {
      if (this.#frameFilled < frameBuffer.length) return INCOMPLETE;
      this.#frameBuffer = null;
      this.#frameFilled = 0;
      this.#frameBytes = -1;
      this.#bufferedBytes -= frameBuffer.length;
      return frameBuffer;
    }
    if (this.#frameBytes < 0) {
      if (this.#bufferedBytes < SIZE_PREFIX_BYTES) return INCOMPLETE;
      const size = this.#readSizePrefix();
      if (size < 0 || size > this.maxFrameBytes) {
        this.clear();
        return { rejectedSize: size };
      }
      this.#frameBytes = size;
    }
    if (this.#bufferedBytes < this.#frameBytes) {
      if (this.#bufferedBytes >= GATHER_IN_PLACE_BYTES) this.#gatherInPlace();
      return INCOMPLETE;
    }
    const frame = this.#take(this.#frameBytes);
    this.#frameBytes = -1;
    return frame;
  }

  /** Drops everything buffered (the connection is closing). */
  clear(): void {
    this.#chunks = [];
    this.#headOffset = 0;
    this.#bufferedBytes = 0;
    this.#frameBytes = -1;
    this.#frameBuffer = null;
    this.#frameFilled = 0;
  }

  /**
   * Allocates the awaited frame's buffer and moves every buffered byte into it: they all belong to
   * it, since fewer than its size are buffered. Later chunks are copied in by `push`.
   */
  #gatherInPlace(): void {
    const buffer = Buffer.allocUnsafe(this.#frameBytes);
    let filled = 0;
    this.#chunks.forEach((chunk, index) => {
      const start = index === 0 ? this.#headOffset : 0;
      chunk.copy(buffer, filled, start);
      filled += chunk.length - start;
    });
    this.#chunks = [];
    this.#headOffset = 0;
    this.#frameBuffer = buffer;
    this.#frameFilled = filled;
  }

  #readSizePrefix(): number {
    const first = this.#chunks[0]!;
    if (first.length - this.#headOffset >= SIZE_PREFIX_BYTES) {
      const size = first.readInt32BE(this.#headOffset);
      this.#advance(SIZE_PREFIX_BYTES);
      return size;
    }
    const prefix = this.#take(SIZE_PREFIX_BYTES);
    return prefix.readInt32BE(0);
  }

  /** Removes and returns the next `length` bytes, which must be buffered. */
  #take(length: number): Buffer {
    const first = this.#chunks[0];
    if (first === undefined) return Buffer.alloc(0);
    const available = first.length - this.#headOffset;
    if (available >= length) {
      const view = first.subarray(this.#headOffset, this.#headOffset + length);
      this.#advance(length);
      return view;
    }
    const out = Buffer.allocUnsafe(length);
    let copied = 0;
    let used = 0; // chunks wholly consumed
    while (copied < length) {
      const chunk = this.#chunks[used]!;
      const start = used === 0 ? this.#headOffset : 0;
      const count = Math.min(chunk.length - start, length - copied);
      chunk.copy(out, copied, start, start + count);
      copied += count;
      if (start + count === chunk.length) {
        used++;
      } else {
        this.#chunks.splice(0, used);
        this.#headOffset = start + count;
        this.#bufferedBytes -= length;
        return out;
      }
    }
    this.#chunks.splice(0, used);
    this.#headOffset = 0;
    this.#bufferedBytes -= length;
    return out;
  }

  /** Consumes `length` bytes of the first chunk, which holds at least that many. */
  #advance(length: number): void {
    this.#headOffset += length;
    this.#bufferedBytes -= length;
    if (this.#headOffset === this.#chunks[0]!.length) {
      this.#chunks.shift();
      this.#headOffset = 0;
    }
  }
}
