/**
 * A key's word stream, and the exact maps from words to numbers that every
 * sampler is built on: pure integer and float arithmetic with no tensors, so
 * the backends' random kernels use them as they are.
 *
 * The stream of key `(k0, k1)` is Threefry of the key at counters `(0, 0)`,
 * `(0, 1)`, …: block `b` gives words `2b` and `2b + 1`.
 *
 * @module
 */
import { threefry2x32Into } from "./threefry.ts";

/**
 * @internal Writes the first `count` words of the stream of key `(k0, k1)`
 * to `out[at …]`: the loop every sampler kernel starts from.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { key } from "./key.ts";
 * import { bitsU32 } from "./bits.ts";
 * import { streamInto } from "./words.ts";
 * const out = new Uint32Array(4);
 * streamInto(0, 0, out, 1, 3);
 * assert.deepEqual([...out.subarray(1)], [...bitsU32(key(0), 3)]);
 * ```
 */
export const streamInto = (k0: number, k1: number, out: Uint32Array, at: number, count: number): void => {
  const whole = count >>> 1; // count ≤ 2^32, so >>> is exact
  for (let b = 0; b < whole; b++) threefry2x32Into(k0, k1, 0, b, out, at + 2 * b);
  if (count % 2 === 1) {
    const last = new Uint32Array(2);
    threefry2x32Into(k0, k1, 0, whole, last, 0);
    out[at + count - 1] = last[0];
  }
};

/**
 * @internal `key`'s word stream, read one word at a time: word `i` of a
 * stream equals `bitsU32(key, i + 1)[i]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { key } from "./key.ts";
 * import { bitsU32 } from "./bits.ts";
 * import { WordStream } from "./words.ts";
 * const s = new WordStream(...key(3).words);
 * const first = [s.next(), s.next(), s.next()];
 * assert.deepEqual(first, [...bitsU32(key(3), 3)]);
 * ```
 */
export class WordStream {
  readonly #k0: number;
  readonly #k1: number;
  readonly #block = new Uint32Array(2);
  #next = 0; // the next block's index
  #used = 2; // words of #block already handed out

  /** The stream of the key with words `(k0, k1)`. */
  constructor(k0: number, k1: number) {
    this.#k0 = k0;
    this.#k1 = k1;
  }

  /** The next uint32 word. */
  next(): number {
    if (this.#used === 2) {
      // Counter (hi, lo) of the block index; hi stays far below the 0x40000000 tags.
      const b = this.#next++;
      threefry2x32Into(
        this.#k0,
        this.#k1,
        Math.floor(b / 2 ** 32),
        b >>> 0,
        this.#block,
        0,
      );
      this.#used = 0;
    }
    return this.#block[this.#used++];
  }

  /**
   * A uniform integer in `[0, n)` for an integer `1 ≤ n ≤ 2^32`, without bias:
   * words at or above the largest multiple of `n` that fits in 32 bits are
   * rejected and redrawn (fewer than half are, whatever `n`).
   */
  below(n: number): number {
    const limit = 2 ** 32 - (2 ** 32 % n);
    let w = this.next();
    while (w >= limit) w = this.next();
    return w % n;
  }
}

/** 2^-24: the spacing of 24-bit fractions. */
const TWO_M24 = 2 ** -24;
/** 2^-52: the spacing of 52-bit fractions. */
const TWO_M52 = 2 ** -52;
/** 2^-53: the spacing of 53-bit fractions. */
const TWO_M53 = 2 ** -53;

/**
 * @internal A uniform float in `[0, 1)` from the top 24 bits of one word:
 * every float32 multiple of 2^-24 in [0, 1), equally likely. Exact in
 * float32 and float64.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unit24 } from "./words.ts";
 * assert.equal(unit24(0), 0);
 * assert.equal(unit24(0xffffffff), 1 - 2 ** -24);
 * ```
 */
export const unit24 = (w: number): number => (w >>> 8) * TWO_M24;

/**
 * @internal A uniform float64 in `[0, 1)` from 53 bits of two words (the top
 * 27 of `w0`, the top 26 of `w1`): every multiple of 2^-53, equally likely.
 * Exact.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unit53 } from "./words.ts";
 * assert.equal(unit53(0, 0), 0);
 * assert.equal(unit53(0xffffffff, 0xffffffff), 1 - 2 ** -53);
 * ```
 */
export const unit53 = (w0: number, w1: number): number => ((w0 >>> 5) * 67108864 + (w1 >>> 6)) * TWO_M53;

/**
 * @internal A uniform float64 in the open interval `(0, 1)` from 52 bits of
 * two words: `(k + ½)·2^-52` for `k ∈ [0, 2^52)`, so the values are symmetric
 * about ½ (`u ↦ 1 − u` maps them onto themselves) and never 0 or 1, as the
 * inverse-CDF and Gumbel samplers need. Exact.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openUnit52 } from "./words.ts";
 * assert.equal(openUnit52(0, 0), 2 ** -53);
 * assert.equal(openUnit52(0xffffffff, 0xffffffff), 1 - 2 ** -53);
 * ```
 */
export const openUnit52 = (w0: number, w1: number): number => ((w0 >>> 6) * 67108864 + (w1 >>> 6) + 0.5) * TWO_M52;
