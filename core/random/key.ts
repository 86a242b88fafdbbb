/**
 * PRNG keys: making one from a seed, splitting one into independent keys,
 * and folding data into one.
 *
 * A key is two uint32 words, used as the Threefry-2x32 key. Every derived
 * key and every random word is Threefry of the parent key and a counter; the
 * top two bits of the counter's first word say what the counter is for, so
 * the three uses never share a counter:
 *
 * | use                 | counter `(c0, c1)`                                   |
 * | ------------------- | ---------------------------------------------------- |
 * | random words        | `(0, b)`: block `b` gives words `2b` and `2b + 1`     |
 * | `foldIn(key, data)` | `(0x40000000 \| high 30 bits, low 32 bits)` of `data` |
 * | `split(key, n)[i]`  | `(0x80000000, i)`                                    |
 *
 * @module
 */
import { ValueError } from "../errors.ts";
import { threefry2x32Into } from "./threefry.ts";

/** Counter tag (top bits of the first counter word) for `foldIn`. */
export const FOLD_IN_TAG = 0x40000000;
/** Counter tag (top bits of the first counter word) for `split`. */
export const SPLIT_TAG = 0x80000000;

const hex = (w: number): string => `0x${w.toString(16).padStart(8, "0")}`;

const isWord = (w: unknown): w is number => typeof w === "number" && Number.isInteger(w) && w >= 0 && w <= 0xffffffff;

/**
 * A PRNG key: two uint32 words. Immutable, and a class instance rather than a
 * plain object so that parameter-tree functions treat it as a leaf. Make one
 * with `key(seed)`; `new Key(w0, w1)` rebuilds a key from saved words.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Key, key } from "./key.ts";
 * const k = key(42);
 * assert.ok(k instanceof Key);
 * assert.deepEqual(k.words, [0, 42]);
 * assert.equal(String(k), "Key(0x00000000, 0x0000002a)");
 * assert.ok(Object.isFrozen(k));
 * assert.deepEqual(new Key(0, 42).words, k.words);
 * ```
 */
export class Key {
  /** The two uint32 words `[w0, w1]` (frozen). */
  readonly words: readonly [number, number];

  constructor(w0: number, w1: number) {
    if (!isWord(w0) || !isWord(w1)) {
      throw new ValueError(
        "Key",
        `key words must be integers in [0, 2^32), got ${w0} and ${w1}`,
      );
    }
    this.words = Object.freeze([w0, w1] as const);
    Object.freeze(this);
  }

  /** `Key(0x00000000, 0x0000002a)`. */
  toString(): string {
    return `Key(${hex(this.words[0])}, ${hex(this.words[1])})`;
  }

  /** How `console.log` shows a key in Deno. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }

  /** How `console.log` shows a key in Bun and Node. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/** @internal Throws unless `k` is a `Key`; every function taking a key calls it first. */
export const checkKey = (op: string, k: unknown): Key => {
  if (k instanceof Key) return k;
  throw new ValueError(
    op,
    `expected a Key (from random.key or random.split), got ${describe(k)}`,
  );
};

const describe = (x: unknown): string =>
  x === null ? "null" : typeof x === "object" ? (x.constructor?.name ?? "object") : `${typeof x} ${String(x)}`;

/** Threefry of `k` at one counter, as a new key. */
const derive = (k: Key, c0: number, c1: number, out: Uint32Array): Key => {
  threefry2x32Into(k.words[0], k.words[1], c0, c1, out, 0);
  return new Key(out[0], out[1]);
};

/**
 * A key from an integer seed. The seed is read as a 64-bit two's-complement
 * integer; its high 32 bits become the first word and its low 32 bits the
 * second (as in JAX), so `key(-1)` is `Key(0xffffffff, 0xffffffff)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { key } from "./key.ts";
 * assert.deepEqual(key(0).words, [0, 0]);
 * assert.deepEqual(key(2 ** 32 + 5).words, [1, 5]);
 * assert.deepEqual(key(-1).words, [0xffffffff, 0xffffffff]);
 * assert.throws(() => key(0.5), /safe integer/);
 * ```
 */
export const key = (seed: number): Key => {
  if (typeof seed !== "number" || !Number.isSafeInteger(seed)) {
    throw new ValueError(
      "key",
      `seed must be a safe integer, got ${String(seed)}`,
    );
  }
  const bits = BigInt.asUintN(64, BigInt(seed));
  return new Key(Number(bits >> 32n), Number(bits & 0xffffffffn));
};

/**
 * `n` new keys derived from `key` (default 2). The children are independent
 * of each other and of the parent's own random words; use each key once,
 * either to draw numbers or to split again.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { key, split } from "./key.ts";
 * const [a, b] = split(key(0));
 * assert.notDeepEqual(a.words, b.words);
 * assert.deepEqual(split(key(0))[1].words, b.words); // deterministic
 * assert.equal(split(key(0), 5).length, 5);
 * ```
 */
export const split = (key: Key, n = 2): Key[] => {
  const k = checkKey("split", key);
  if (!Number.isSafeInteger(n) || n < 0 || n > 2 ** 32) {
    throw new ValueError(
      "split",
      `n must be an integer in [0, 2^32], got ${n}`,
    );
  }
  const out = new Uint32Array(2);
  const keys = new Array<Key>(n);
  for (let i = 0; i < n; i++) keys[i] = derive(k, SPLIT_TAG, i, out);
  return keys;
};

/**
 * A new key from `key` and an integer (a step number, a layer index, a
 * worker id). Distinct safe integers, negative ones included, give distinct
 * counters, so `foldIn(k, 1)` and `foldIn(k, 2)` are independent keys.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { foldIn, key } from "./key.ts";
 * const k = key(7);
 * assert.notDeepEqual(foldIn(k, 1).words, foldIn(k, 2).words);
 * assert.deepEqual(foldIn(k, 1).words, foldIn(key(7), 1).words);
 * assert.notDeepEqual(foldIn(k, -1).words, foldIn(k, 2 ** 32 - 1).words);
 * ```
 */
export const foldIn = (key: Key, data: number): Key => {
  const k = checkKey("foldIn", key);
  if (typeof data !== "number" || !Number.isSafeInteger(data)) {
    throw new ValueError(
      "foldIn",
      `data must be a safe integer, got ${String(data)}`,
    );
  }
  // Exact: division by a power of two and floor are exact for safe integers;
  // `& 0x3fffffff` keeps the 30-bit two's complement of the high part, and
  // |data| < 2^53 means positives and negatives never meet in 62 bits.
  const high = Math.floor(data / 2 ** 32) & 0x3fffffff;
  return derive(k, (FOLD_IN_TAG | high) >>> 0, data >>> 0, new Uint32Array(2));
};
