/**
 * Random numbers through explicit, splittable keys (`random.*`): there is no
 * hidden global generator. A key is a value; the same key always gives the
 * same numbers, so a program that threads its keys is reproducible.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { key, normal, split } from "./mod.ts";
 * const [kInit, kDrop] = split(key(0));
 * const w = normal(kInit, [3, 2]);
 * assert.deepEqual(w.toArray(), normal(kInit, [3, 2]).toArray());
 * assert.notDeepEqual(w.toArray(), normal(kDrop, [3, 2]).toArray());
 * ```
 *
 * ## Generator
 * Counter-based: every random word is Threefry-2x32 with 20 rounds (Random123,
 * as in JAX) of the key and a counter. A key is two uint32 words; `key(seed)`
 * takes the seed's 64-bit two's complement, high word first. The top two bits
 * of the counter's first word name the counter's use, so no two uses share a
 * counter:
 *
 * | use                    | counter `(c0, c1)`                                  |
 * | ---------------------- | --------------------------------------------------- |
 * | the key's word stream  | `(0, b)`: block `b` gives words `2b` and `2b + 1`    |
 * | `foldIn(key, d)`       | `(0x40000000 \| d's bits 32..61, d's bits 0..31)`, `d` as 62-bit two's complement |
 * | `split(key, n)[i]`     | `(0x80000000, i)`                                   |
 * | (reserved)             | `(0xc0000000 \| …, …)`                               |
 *
 * Samplers read the key's word stream from word 0:
 * - `bits`: word `i` as int32 (same 32-bit pattern);
 * - `uniform` float32: top 24 bits of word `i`; float64: 53 bits of words
 *   `2i`, `2i + 1`; then `minval + u·(maxval − minval)` in float64, rounded once;
 * - `normal`: `Φ⁻¹(u)` (Wichura's AS 241) of `u = (k + ½)·2^-52`, `k` the top
 *   26 bits of words `2i` and `2i + 1`; float32 is the float64 value rounded;
 * - `bernoulli`: `word_i < p·2^32`;
 * - `randint`, `permutation`: the stream with rejection of the words above the
 *   largest multiple of the range (Fisher–Yates from the end for permutations);
 * - `categorical`: Gumbel-max with `u` as in `normal` for sample `o`, class `c`
 *   at index `o·K + c`.
 *
 * ## Keys are tensors
 * A `Key` holds its words as an int32 tensor `[2]` (`key.data`), and each
 * sampler, `split` and `foldIn` is the `random` primitive
 * (`core/prims/random.ts`), whose kernel (`Backend.random`) computes the
 * maps above. So sampling runs on the backend, `jit` traces keys like any
 * argument (a jitted step given a new key draws new numbers), `foldIn`
 * takes traced data (an int32 or float64 scalar holding a safe integer),
 * and `vmap` batches over keys and foldIn data. `categorical` is
 * `argmax(logits + Gumbel noise)` with the noise drawn by the primitive in
 * float64.
 *
 * ## Portability
 * Everything is integer arithmetic, correctly rounded `+ − × ÷ √`, and our own
 * `log` (`portable_math.ts`) in place of `Math.log`, which engines round
 * differently. So every sampler, `normal` and `categorical` included, gives
 * the same bits on Deno (V8) and Bun (JavaScriptCore); the tests check golden
 * hashes on both.
 *
 * ## Compatibility promise
 * The scheme above is part of the API: a given key, function, shape and
 * options give the same numbers in every later version. Changing any of it
 * (the counters, the word-to-number maps, the order words are read in) is a
 * breaking change and must come with a new major version; the golden hashes
 * in `tests/random.test.ts` guard it.
 *
 * @module
 */
export { foldIn, Key, key, split } from "./key.ts";
export { bits } from "./bits.ts";
export { bernoulli, normal, type NormalOptions, uniform, type UniformOptions } from "./distributions.ts";
export { categorical, type CategoricalOptions, permutation, randint } from "./discrete.ts";
