/**
 * The Threefry-2x32 block function with 20 rounds (Salmon et al., "Parallel
 * random numbers: as easy as 1, 2, 3", SC 2011; the generator of Random123
 * and of JAX). It maps a 64-bit key and a 64-bit counter, each as two uint32
 * words, to two pseudo-random uint32 words.
 *
 * Only 32-bit addition, xor and rotation are used, each reduced with `>>> 0`,
 * so every runtime computes the same words: no floating point is involved.
 *
 * @module
 */

/** Threefry's key-schedule parity constant (from Threefish, the cipher it comes from). */
const PARITY = 0x1bd11bda;

/** Rotate a uint32 left by `r` bits (0 < r < 32). */
const rotl = (x: number, r: number): number => ((x << r) | (x >>> (32 - r))) >>> 0;

/**
 * Encrypts the counter `(c0, c1)` under the key `(k0, k1)` and writes the two
 * output words to `out[at]` and `out[at + 1]`. All arguments are uint32 words.
 * Written out round by round so the JIT keeps everything in registers; the
 * rotation amounts are the published 2x32 constants
 * (13, 15, 26, 6, 17, 29, 16, 24), with a key injection after every 4 rounds.
 *
 * @example Random123's first known-answer vector
 * ```ts
 * import assert from "node:assert/strict";
 * import { threefry2x32Into } from "./threefry.ts";
 * const out = new Uint32Array(2);
 * threefry2x32Into(0, 0, 0, 0, out, 0);
 * assert.deepEqual([...out], [0x6b200159, 0x99ba4efe]);
 * ```
 */
export const threefry2x32Into = (
  k0: number,
  k1: number,
  c0: number,
  c1: number,
  out: Uint32Array,
  at: number,
): void => {
  const k2 = (k0 ^ k1 ^ PARITY) >>> 0;
  let x0 = (c0 + k0) >>> 0;
  let x1 = (c1 + k1) >>> 0;

  // Rounds 1-4.
  x0 = (x0 + x1) >>> 0, x1 = rotl(x1, 13) ^ x0;
  x0 = (x0 + x1) >>> 0, x1 = rotl(x1, 15) ^ x0;
  x0 = (x0 + x1) >>> 0, x1 = rotl(x1, 26) ^ x0;
  x0 = (x0 + x1) >>> 0, x1 = rotl(x1, 6) ^ x0;
  x0 = (x0 + k1) >>> 0, x1 = (x1 + k2 + 1) >>> 0;
  // Rounds 5-8.
  x0 = (x0 + x1) >>> 0, x1 = rotl(x1, 17) ^ x0;
  x0 = (x0 + x1) >>> 0, x1 = rotl(x1, 29) ^ x0;
  x0 = (x0 + x1) >>> 0, x1 = rotl(x1, 16) ^ x0;
  x0 = (x0 + x1) >>> 0, x1 = rotl(x1, 24) ^ x0;
  x0 = (x0 + k2) >>> 0, x1 = (x1 + k0 + 2) >>> 0;
  // Rounds 9-12.
  x0 = (x0 + x1) >>> 0, x1 = rotl(x1, 13) ^ x0;
  x0 = (x0 + x1) >>> 0, x1 = rotl(x1, 15) ^ x0;
  x0 = (x0 + x1) >>> 0, x1 = rotl(x1, 26) ^ x0;
  x0 = (x0 + x1) >>> 0, x1 = rotl(x1, 6) ^ x0;
  x0 = (x0 + k0) >>> 0, x1 = (x1 + k1 + 3) >>> 0;
  // Rounds 13-16.
  x0 = (x0 + x1) >>> 0, x1 = rotl(x1, 17) ^ x0;
  x0 = (x0 + x1) >>> 0, x1 = rotl(x1, 29) ^ x0;
  x0 = (x0 + x1) >>> 0, x1 = rotl(x1, 16) ^ x0;
  x0 = (x0 + x1) >>> 0, x1 = rotl(x1, 24) ^ x0;
  x0 = (x0 + k1) >>> 0, x1 = (x1 + k2 + 4) >>> 0;
  // Rounds 17-20.
  x0 = (x0 + x1) >>> 0, x1 = rotl(x1, 13) ^ x0;
  x0 = (x0 + x1) >>> 0, x1 = rotl(x1, 15) ^ x0;
  x0 = (x0 + x1) >>> 0, x1 = rotl(x1, 26) ^ x0;
  x0 = (x0 + x1) >>> 0, x1 = rotl(x1, 6) ^ x0;
  x0 = (x0 + k2) >>> 0, x1 = (x1 + k0 + 5) >>> 0;

  out[at] = x0;
  out[at + 1] = x1;
};

/**
 * Threefry-2x32 (20 rounds) of one counter under one key, as a pair of uint32 words.
 *
 * @example Random123's known-answer vector with the digits of π
 * ```ts
 * import assert from "node:assert/strict";
 * import { threefry2x32 } from "./threefry.ts";
 * assert.deepEqual(
 *   threefry2x32([0x13198a2e, 0x03707344], [0x243f6a88, 0x85a308d3]),
 *   [0xc4923a9c, 0x483df7a0],
 * );
 * ```
 */
export const threefry2x32 = (
  key: readonly [number, number],
  counter: readonly [number, number],
): [number, number] => {
  const out = new Uint32Array(2);
  threefry2x32Into(
    key[0] >>> 0,
    key[1] >>> 0,
    counter[0] >>> 0,
    counter[1] >>> 0,
    out,
    0,
  );
  return [out[0], out[1]];
};
