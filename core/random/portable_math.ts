/**
 * Math that gives the same bits on every JavaScript engine.
 *
 * `Math.log`, `Math.exp`, `Math.cos`, … are not required to be correctly
 * rounded, and V8 (Deno) and JavaScriptCore (Bun) do disagree by one ulp on
 * some inputs. `+ − × ÷` and `Math.sqrt` are correctly rounded IEEE-754
 * operations everywhere (and JavaScript never fuses a multiply-add), so a
 * function built only from them, with constants written as literals, is
 * portable bit for bit. Random numbers built here are therefore identical on
 * Deno and Bun.
 *
 * @module
 */

// One scratch view for reading and writing bit patterns. DataView takes the
// byte order as an argument, so the result does not depend on the machine's.
const scratch = new DataView(new ArrayBuffer(8));

/** 2^54, to lift subnormals into the normal range before reading the exponent. */
const TWO_54 = 18014398509481984;
/** The smallest positive normal float64, 2^-1022. */
const MIN_NORMAL = 2.2250738585072014e-308;

// ln 2 split in two (Cody and Waite): the high part has only 32 significant
// bits, so `e * LN2_HI` is exact for every binary exponent e (|e| < 2^11),
// and the low part carries the next 53 bits of ln 2.
const LN2_HI = 6.93147180369123816490e-1; // bit pattern 0x3fe62e42_fee00000
const LN2_LO = 1.90821492927058770002e-10; // ln 2 − LN2_HI

// Taylor coefficients 2/(2k+1), k = 1…11, of the series for 2·atanh(s)/s − 2
// in z = s². With |s| ≤ 3 − 2√2 ≈ 0.1716 (z ≤ 0.0295), eleven terms leave a
// truncation error below 1e-19 relative: far under half an ulp.
const ATANH_SERIES = [2 / 3, 2 / 5, 2 / 7, 2 / 9, 2 / 11, 2 / 13, 2 / 15, 2 / 17, 2 / 19, 2 / 21, 2 / 23];

/**
 * The natural logarithm, bit-identical on every engine, within about one
 * ulp of the true value (tests compare it with `Math.log` over subnormals,
 * powers of two and values near 1).
 *
 * The argument is split exactly through its bit pattern into
 * `x = 2^e · m` with `m ∈ [√½, √2)`; with `f = m − 1` (exact) and
 * `s = f / (2 + f)`, `log m = 2·atanh(s)`, arranged as
 * `f − (f²/2 − s·(f²/2 + R(s²)))` so that the leading term `f` is exact.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { log } from "./portable_math.ts";
 * assert.equal(log(1), 0);
 * assert.ok(Math.abs(log(Math.E) - 1) <= 2 ** -52);
 * assert.equal(log(0), -Infinity);
 * assert.ok(Number.isNaN(log(-1)));
 * ```
 */
export const log = (x: number): number => {
  if (!(x > 0)) return x === 0 ? -Infinity : NaN; // ±0, negatives and NaN
  if (x === Infinity) return x;
  let e = 0;
  if (x < MIN_NORMAL) {
    x *= TWO_54; // exact: a power of two
    e = -54;
  }
  scratch.setFloat64(0, x);
  const hi = scratch.getUint32(0);
  e += (hi >>> 20) - 1023;
  // Replace the exponent with 0, giving m ∈ [1, 2).
  scratch.setUint32(0, (hi & 0x000fffff) | 0x3ff00000);
  let m = scratch.getFloat64(0);
  if (m >= Math.SQRT2) {
    m *= 0.5; // exact; keeps |f| ≤ √2 − 1 so the series converges fast
    e += 1;
  }
  const f = m - 1; // exact by Sterbenz's lemma (m ∈ [½, 2])
  const s = f / (2 + f);
  const z = s * s;
  let r = 0; // R(z) = z·(2/3 + z·(2/5 + …)), by Horner's rule
  for (let k = ATANH_SERIES.length - 1; k >= 0; k--) r = z * (ATANH_SERIES[k] + r);
  const halfF2 = 0.5 * f * f;
  return e * LN2_HI + (f - (halfF2 - (s * (halfF2 + r) + e * LN2_LO)));
};

/**
 * The largest float64 below `x` (for finite `x`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nextDown64 } from "./portable_math.ts";
 * assert.equal(nextDown64(1), 1 - 2 ** -53);
 * assert.equal(nextDown64(0), -Number.MIN_VALUE);
 * assert.equal(nextDown64(-1), -1 - 2 ** -52);
 * ```
 */
export const nextDown64 = (x: number): number => {
  if (x === 0) return -Number.MIN_VALUE;
  scratch.setFloat64(0, x);
  const hi = scratch.getUint32(0);
  const lo = scratch.getUint32(4);
  // Away from zero for negatives, towards zero for positives: ±1 on the
  // 64-bit magnitude, carrying between the two words.
  if (x > 0) {
    scratch.setUint32(4, (lo - 1) >>> 0);
    if (lo === 0) scratch.setUint32(0, hi - 1);
  } else {
    scratch.setUint32(4, (lo + 1) >>> 0);
    if (lo === 0xffffffff) scratch.setUint32(0, hi + 1);
  }
  return scratch.getFloat64(0);
};

/**
 * The largest float32 below `x` (for finite `x` that is a float32).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nextDown32 } from "./portable_math.ts";
 * assert.equal(nextDown32(1), 1 - 2 ** -24);
 * assert.equal(nextDown32(2), 2 - 2 ** -23);
 * assert.equal(nextDown32(0), -(2 ** -149));
 * ```
 */
export const nextDown32 = (x: number): number => {
  if (x === 0) return -(2 ** -149);
  scratch.setFloat32(0, x);
  const bits = scratch.getUint32(0);
  scratch.setUint32(0, x > 0 ? bits - 1 : bits + 1);
  return scratch.getFloat32(0);
};
