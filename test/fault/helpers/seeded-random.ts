/**
 * A small seeded pseudo-random generator (sfc32, 128-bit state) so that every fault run can be
 * replayed exactly from its printed seed.
 */

/** The seed from `FJORD_FAULT_SEED` (decimal or 0x-hex), else a fresh one. */
export function seedFromEnvironment(): number {
  const fromEnvironment = process.env.FJORD_FAULT_SEED;
  if (fromEnvironment !== undefined && fromEnvironment !== '') {
    const seed = Number(fromEnvironment);
    if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffff_ffff) throw new RangeError(`FJORD_FAULT_SEED must be an integer 0..2^32-1, got ${fromEnvironment}`);
    return seed;
  }
  return Math.floor(Math.random() * 0x1_0000_0000);
}

export class SeededRandom {
  readonly seed: number;
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    this.seed = seed >>> 0;
    this.#a = 0x9e37_79b9;
    this.#b = 0x243f_6a88;
    this.#c = 0xb7e1_5162;
    this.#d = this.seed;
    for (let i = 0; i < 16; i++) this.nextUint32();
  }

  /** Uniform in 0..2^32-1. */
  nextUint32(): number {
    const a = this.#a;
    const b = this.#b;
    const c = this.#c;
    const d = this.#d;
    const t = (((a + b) | 0) + d) | 0;
    this.#d = (d + 1) | 0;
    this.#a = b ^ (b >>> 9);
    this.#b = (c + (c << 3)) | 0;
    this.#c = (c << 21) | (c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** Uniform integer in [0, bound). */
  below(bound: number): number {
    if (!Number.isSafeInteger(bound) || bound < 1) throw new RangeError(`bound must be a positive integer, got ${bound}`);
    return Math.floor((this.nextUint32() / 0x1_0000_0000) * bound);
  }

  /** Uniform integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.below(max - min + 1);
  }

  chance(probability: number): boolean {
    return this.nextUint32() / 0x1_0000_0000 < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.below(items.length)]!;
  }

  bytes(count: number): Buffer {
    const out = Buffer.allocUnsafe(count);
    for (let i = 0; i < count; i++) out[i] = this.nextUint32() & 0xff;
    return out;
  }
}
