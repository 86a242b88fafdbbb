/**
 * Random words from a key: `bits` as a tensor (drawn by the backend), and
 * `bitsU32`, the same words on the host, which the tests read the stream
 * through (`words.ts` holds the stream itself and the maps to numbers).
 *
 * @module
 */
import { ValueError } from "../errors.ts";
import { checkShape, type Shape, sizeOf } from "../shape.ts";
import { drawRandom } from "../prims/random.ts";
import type { Tensor } from "../tensor.ts";
import { checkKey, type Key } from "./key.ts";
import { streamInto } from "./words.ts";

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
  streamInto(k0, k1, out, 0, count);
  return out;
};

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
  const k = checkKey("bits", key);
  const s = checkShape("bits", shape);
  return drawRandom(k.data, { kind: "bits", size: sizeOf(s) }, s);
};
