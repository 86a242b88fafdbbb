/**
 * The standard normal quantile Φ⁻¹, portable bit for bit.
 *
 * Wichura's algorithm AS 241, PPND16 (Applied Statistics 37(3), 1988,
 * 477–484): three rational approximations of degree 7/7, accurate to about
 * 1 part in 10¹⁶, that need only `log` and `sqrt`. With the portable `log`
 * the result is the same on every engine, which is why `normal` samples by
 * inversion rather than by Box–Muller (that needs `cos` and `log`).
 *
 * The coefficients are the published ones, checked against the AS 241
 * Fortran source and R's `qnorm.c`; the tests recompute the paper's
 * transcription checksums ("hash sums": the sums of the coefficients'
 * decimal mantissas) from the constants below.
 *
 * @module
 */
import { log } from "./portable_math.ts";

/** @internal Coefficients for |p − ½| ≤ 0.425: numerator a0..a7, denominator b1..b7 (b0 = 1). */
export const AS241_A = [
  3.3871328727963666080e0,
  1.3314166789178437745e+2,
  1.9715909503065514427e+3,
  1.3731693765509461125e+4,
  4.5921953931549871457e+4,
  6.7265770927008700853e+4,
  3.3430575583588128105e+4,
  2.5090809287301226727e+3,
] as const;
/** @internal See `AS241_A`. */
export const AS241_B = [
  4.2313330701600911252e+1,
  6.8718700749205790830e+2,
  5.3941960214247511077e+3,
  2.1213794301586595867e+4,
  3.9307895800092710610e+4,
  2.8729085735721942674e+4,
  5.2264952788528545610e+3,
] as const;
/** @internal Coefficients for r = √(−log min(p, 1−p)) ≤ 5, in r − 1.6: c0..c7, d1..d7. */
export const AS241_C = [
  1.42343711074968357734e0,
  4.63033784615654529590e0,
  5.76949722146069140550e0,
  3.64784832476320460504e0,
  1.27045825245236838258e0,
  2.41780725177450611770e-1,
  2.27238449892691845833e-2,
  7.74545014278341407640e-4,
] as const;
/** @internal See `AS241_C`. */
export const AS241_D = [
  2.05319162663775882187e0,
  1.67638483018380384940e0,
  6.89767334985100004550e-1,
  1.48103976427480074590e-1,
  1.51986665636164571966e-2,
  5.47593808499534494600e-4,
  1.05075007164441684324e-9,
] as const;
/** @internal Coefficients for r > 5 (the far tails, p < e⁻²⁵), in r − 5: e0..e7, f1..f7. */
export const AS241_E = [
  6.65790464350110377720e0,
  5.46378491116411436990e0,
  1.78482653991729133580e0,
  2.96560571828504891230e-1,
  2.65321895265761230930e-2,
  1.24266094738807843860e-3,
  2.71155556874348757815e-5,
  2.01033439929228813265e-7,
] as const;
/** @internal See `AS241_E`. */
export const AS241_F = [
  5.99832206555887937690e-1,
  1.36929880922735805310e-1,
  1.48753612908506148525e-2,
  7.86869131145613259100e-4,
  1.84631831751005468180e-5,
  1.42151175831644588870e-7,
  2.04426310338993978564e-15,
] as const;

type Num = readonly [
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
];
type Den = readonly [number, number, number, number, number, number, number];

/** (n0 + n1·r + … + n7·r⁷) / (1 + d1·r + … + d7·r⁷), both by Horner's rule. */
const rational = (n: Num, d: Den, r: number): number =>
  (((((((n[7] * r + n[6]) * r + n[5]) * r + n[4]) * r + n[3]) * r + n[2]) * r +
        n[1]) * r + n[0]) /
  (((((((d[6] * r + d[5]) * r + d[4]) * r + d[3]) * r + d[2]) * r + d[1]) * r +
        d[0]) * r + 1);

/**
 * Φ⁻¹(p): the z with P(Z ≤ z) = p for a standard normal Z. Returns −∞ at 0,
 * +∞ at 1 and NaN outside [0, 1].
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { normalQuantile } from "./normal_quantile.ts";
 * assert.equal(normalQuantile(0.5), 0);
 * assert.ok(Math.abs(normalQuantile(0.975) - 1.959963984540054) < 1e-15);
 * assert.equal(normalQuantile(1 - 0.975), -normalQuantile(0.975)); // odd
 * assert.equal(normalQuantile(0), -Infinity);
 * ```
 */
export const normalQuantile = (p: number): number => {
  if (!(p >= 0 && p <= 1)) return NaN;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    return q * rational(AS241_A, AS241_B, 0.180625 - q * q);
  }
  // The tails: work with the smaller tail probability, exact for p ≥ ½ by Sterbenz.
  const tail = q < 0 ? p : 1 - p;
  if (tail === 0) return q < 0 ? -Infinity : Infinity;
  const r = Math.sqrt(-log(tail));
  const z = r <= 5 ? rational(AS241_C, AS241_D, r - 1.6) : rational(AS241_E, AS241_F, r - 5);
  return q < 0 ? -z : z;
};
