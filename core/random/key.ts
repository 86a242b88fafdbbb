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
import { fromTyped } from "../creation.ts";
import { ValueError } from "../errors.ts";
import { drawRandom } from "../prims/random.ts";
import { reshape, slice } from "../prims/shape.ts";
import { ConcreteTensor, markPermanent, Tensor } from "../tensor.ts";
import { FOLD_IN_TAG, SPLIT_TAG } from "./tags.ts";

export { FOLD_IN_TAG, SPLIT_TAG };

const hex = (w: number): string => `0x${w.toString(16).padStart(8, "0")}`;

const isWord = (w: unknown): w is number => typeof w === "number" && Number.isInteger(w) && w >= 0 && w <= 0xffffffff;

/** The words of a concrete key tensor, as uint32. */
const wordsOf = (data: ConcreteTensor): readonly [number, number] => {
  const raw = data.hostData("Key.words");
  return Object.freeze([raw[0] >>> 0, raw[1] >>> 0] as const);
};

/**
 * A PRNG key: two uint32 words, held as an int32 tensor of shape `[2]`
 * (`data`) so that sampling is an op on the backend and `jit` can trace a
 * key like any argument (inside a jitted function `data` is a traced value,
 * and a key passed in draws new numbers on every call). Immutable, and a
 * class instance rather than a plain object so that parameter-tree functions
 * treat it as a leaf. Make one with `key(seed)`; `new Key(w0, w1)` rebuilds
 * a key from saved words.
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
 * assert.deepEqual(k.data.shape, [2]);
 * ```
 */
export class Key {
  /** The key's words as an int32 tensor `[2]` (the same 32-bit patterns); a traced value inside `jit`. */
  readonly data: Tensor;

  constructor(w0: number, w1: number) {
    if (!isWord(w0) || !isWord(w1)) {
      throw new ValueError(
        "Key",
        `key words must be integers in [0, 2^32), got ${w0} and ${w1}`,
      );
    }
    this.data = keyTensor(Int32Array.of(w0 | 0, w1 | 0));
    Object.freeze(this);
  }

  /**
   * @internal The key whose words are `data` (int32 `[2]`, concrete or
   * traced): how `split`, `foldIn` and `jit` make keys.
   */
  static fromData(data: Tensor): Key {
    if (data.dtype !== "int32" || data.shape.length !== 1 || data.shape[0] !== 2) {
      throw new ValueError("Key", `key data must be int32 [2], got ${data.dtype}[${data.shape.join(",")}]`);
    }
    // The constructor validates words; a key from data skips it by building on the prototype.
    const k = Object.create(Key.prototype) as { data: Tensor };
    if (data instanceof ConcreteTensor) markPermanent(data); // see keyTensor
    k.data = data;
    return Object.freeze(k) as unknown as Key;
  }

  /** The two uint32 words `[w0, w1]` (frozen); reading them inside `jit` is an error, as for any traced value. */
  get words(): readonly [number, number] {
    return wordsOf(this.data.concrete());
  }

  /** `Key(0x00000000, 0x0000002a)`; `Key(traced)` inside `jit`. */
  toString(): string {
    if (!(this.data instanceof ConcreteTensor)) return "Key(traced)";
    const [w0, w1] = this.words;
    return `Key(${hex(w0)}, ${hex(w1)})`;
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

/**
 * A key's tensor: permanent, so that `dispose` and `tidy` never recycle the
 * storage of a key that lives on in a variable (a key is eight bytes; the
 * collector frees it).
 */
const keyTensor = (words: Int32Array): Tensor => {
  const t = fromTyped(words, [2]);
  markPermanent(t);
  return t;
};

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
  if (!Number.isSafeInteger(n) || n < 0 || n > 2 ** 31) {
    throw new ValueError(
      "split",
      `n must be an integer in [0, 2^31], got ${n}`,
    );
  }
  const children = drawRandom(k.data, { kind: "split", size: 2 * n }, [n, 2]);
  const keys = new Array<Key>(n);
  if (children instanceof ConcreteTensor) {
    const w = children.hostData("split");
    for (let i = 0; i < n; i++) keys[i] = Key.fromData(keyTensor(w.slice(2 * i, 2 * i + 2) as Int32Array));
  } else {
    for (let i = 0; i < n; i++) keys[i] = Key.fromData(reshape(slice(children, [i]), [2]));
  }
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
export const foldIn = (key: Key, data: number | Tensor): Key => {
  const k = checkKey("foldIn", key);
  if (data instanceof Tensor) {
    if ((data.dtype !== "int32" && data.dtype !== "float64") || data.ndim !== 0) {
      throw new ValueError(
        "foldIn",
        `data must be a safe integer, or an int32 or float64 scalar tensor holding one, got ${data.dtype}` +
          `[${data.shape.join(",")}]`,
      );
    }
    // One key in a batch of one, so that vmap can batch the key and the data alike.
    const one = drawRandom(reshape(k.data, [1, 2]), { kind: "foldIn", size: 2 }, [2], reshape(data, [1]));
    return Key.fromData(reshape(one, [2]));
  }
  if (typeof data !== "number" || !Number.isSafeInteger(data)) {
    throw new ValueError(
      "foldIn",
      `data must be a safe integer, got ${String(data)}`,
    );
  }
  return Key.fromData(drawRandom(k.data, { kind: "foldIn", size: 2, data }, [2]));
};
