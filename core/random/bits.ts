/**
 * Random words from a key, and the exact maps from words to numbers that
 * every distribution is built on.
 *
 * A key's word stream is Threefry of the key at counters `(0, 0)`, `(0, 1)`,
 * …: block `b` gives words `2b` and `2b + 1`. `bitsU32(key, n)` is the first
 * `n` words of that stream; `WordStream` reads the same stream one word at a
 * time, for samplers that reject and redraw.
 *
 * @module
 */
import { fromTyped } from "../creation.ts";
import { ValueError } from "../errors.ts";
import { checkShape, type Shape, sizeOf } from "../shape.ts";
import type { Tensor } from "../tensor.ts";
import { checkKey, type Key } from "./key.ts";
import { threefry2x32Into } from "./threefry.ts";

/** The most words one call may ask for (the longest typed array engines allow is about this). */
const MAX_WORDS = 2 ** 32;

/**
 * @internal The first `count` uint32 words of `key`'s stream.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { key } from "./key.ts";
 * import { bitsU32 } from "./bits.ts";
 * const w = bitsU32(key(0), 3);
 * assert.equal(w.length, 3);
 * assert.deepEqual([...bitsU32(key(0), 2)], [...w.subarray(0, 2)]);
 * ```
 */
export const bitsU32 = (key: Key, count: number, op = "bits"): Uint32Array => {
  const [k0, k1] = checkKey(op, key).words;
  if (!Number.isSafeInteger(count) || count < 0 || count > MAX_WORDS) {
    throw new ValueError(
      op,
      `count must be an integer in [0, 2^32], got ${count}`,
    );
  }
  const out = new Uint32Array(count);
  const whole = count >>> 1; // count ≤ 2^32, so >>> is exact
  for (let b = 0; b < whole; b++) threefry2x32Into(k0, k1, 0, b, out, 2 * b);
  if (count % 2 === 1) {
    const last = new Uint32Array(2);
    threefry2x32Into(k0, k1, 0, whole, last, 0);
    out[count - 1] = last[0];
  }
  return out;
};

/**
 * @internal `key`'s word stream, read one word at a time: word `i` of a
 * stream equals `bitsU32(key, i + 1)[i]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { key } from "./key.ts";
 * import { bitsU32, WordStream } from "./bits.ts";
 * const s = new WordStream(key(3));
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

  constructor(key: Key) {
    [this.#k0, this.#k1] = key.words;
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

/**
 * Random bits: an `int32` tensor of `shape` whose elements are the key's
 * uint32 words reinterpreted as two's-complement int32 (the library has no
 * unsigned dtype). The 32-bit patterns are the words exactly; recover a word
 * as `x >>> 0`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bits, key } from "./mod.ts";
 * import { bitsU32 } from "./bits.ts";
 * const b = bits(key(0), [2, 2]);
 * assert.equal(b.dtype, "int32");
 * const words = (b.toArray() as number[][]).flat().map((x) => x >>> 0);
 * assert.deepEqual(words, [...bitsU32(key(0), 4)]);
 * ```
 */
export const bits = (key: Key, shape: Shape = []): Tensor => {
  const s = checkShape("bits", shape);
  const words = bitsU32(key, sizeOf(s));
  return fromTyped(new Int32Array(words.buffer), s);
};

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
 * import { unit24 } from "./bits.ts";
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
 * import { unit53 } from "./bits.ts";
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
 * import { openUnit52 } from "./bits.ts";
 * assert.equal(openUnit52(0, 0), 2 ** -53);
 * assert.equal(openUnit52(0xffffffff, 0xffffffff), 1 - 2 ** -53);
 * ```
 */
export const openUnit52 = (w0: number, w1: number): number => ((w0 >>> 6) * 67108864 + (w1 >>> 6) + 0.5) * TWO_M52;
