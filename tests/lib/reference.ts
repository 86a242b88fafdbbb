/**
 * Slow references and small utilities shared by the tests/ops_*.test.ts files:
 * nd-index helpers, exact comparison against a reference result, and the
 * value pool that random tensors are drawn from.
 *
 * References compute in float64 JS numbers; a float32 result is compared
 * with the reference rounded to float32.
 *
 * @module
 */
import { assert, fc } from "./test.ts";
import { type DType, type Tensor, tensor } from "../../mod.ts";

/** The float dtypes. */
export type FloatD = "float32" | "float64";

/** Draws float32 or float64, the dtypes most properties run in. */
export const dtypeArb = fc.constantFrom<FloatD>("float32", "float64");

// ------------------------------------------------------------ nd-index helpers

/** The number of elements of a shape. */
export const sizeOf = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** The row-major nd-index of flat index `i` in shape `s`. */
export const unravel = (i: number, s: readonly number[]): number[] => {
  const idx = new Array<number>(s.length);
  for (let d = s.length - 1; d >= 0; d--) {
    idx[d] = i % s[d];
    i = Math.floor(i / s[d]);
  }
  return idx;
};

/** The row-major flat index of nd-index `idx` in shape `s`. */
export const ravel = (idx: readonly number[], s: readonly number[]): number => {
  let r = 0;
  for (let d = 0; d < s.length; d++) r = r * s[d] + idx[d];
  return r;
};

/** NumPy's broadcast of two shapes, written independently of the library. */
export const refBroadcastShape = (a: readonly number[], b: readonly number[]): number[] => {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`reference: ${a} and ${b} do not broadcast`);
    out.push(da === 1 ? db : da);
  }
  return out;
};

/** The element of a (data, shape) operand seen at `outIdx` of a broadcast result. */
export const readBroadcast = (data: ArrayLike<number>, shape: readonly number[], outIdx: readonly number[]): number => {
  const off = outIdx.length - shape.length;
  return data[ravel(shape.map((d, i) => (d === 1 ? 0 : outIdx[off + i])), shape)];
};

/** A reference result: a shape and float64 data. */
export interface Ref {
  readonly shape: number[];
  readonly data: number[];
}

/** A reference result as a float64 tensor. */
export const refTensor = (r: Ref): Tensor => tensor(Float64Array.from(r.data), { shape: r.shape, dtype: "float64" });

/** The elements of a tensor as JS numbers, in row-major order. */
export const data = (t: Tensor): number[] => Array.from(t.toTypedArray());

/** A float64 value rounded to float32 when `dtype` is float32, else unchanged. */
export const rounded = (x: number, dtype: DType): number => (dtype === "float32" ? Math.fround(x) : x);

/** Exact comparison of shape, dtype and (NaN-equal) values. */
export const assertExact = (actual: Tensor, expected: Ref, dtype: DType, what: string): void => {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  assert.equal(actual.dtype, dtype, `${what}: dtype`);
  const got = data(actual);
  for (let i = 0; i < got.length; i++) {
    const e = rounded(expected.data[i], dtype);
    assert.ok(Object.is(got[i], e) || got[i] === e, `${what}: element ${i} is ${got[i]}, expected ${e}`);
  }
};

// ------------------------------------------------------------------ arbitraries

/** The length of the value pool that tensors are drawn from. */
export const POOL = 512;
const K = 2 ** 30;
/**
 * A pool of values uniform on [−3, 3] (integers scaled, so not clustered
 * near 0 as fc.double is); tensors take a prefix of it.
 */
export const poolArb = fc.array(fc.integer({ min: -K, max: K }), { minLength: POOL, maxLength: POOL }).map((ks) =>
  ks.map((k) => (3 * k) / K)
);

/** A tensor of `shape` from the pool, after mapping each value into a domain. */
export const fromPool = (
  pool: readonly number[],
  shape: readonly number[],
  dtype: DType,
  domain: (x: number) => number = (x) => x,
  offset = 0,
): Tensor => {
  const n = sizeOf(shape);
  const vals = new Float64Array(n);
  for (let i = 0; i < n; i++) vals[i] = domain(pool[(offset + i) % POOL]);
  return tensor(vals, { shape, dtype });
};

/** Maps a pool value in [−3, 3] to an integer in [−30, 30], for int32 tensors. */
export const toInt = (x: number): number => Math.round(10 * x);

/** Rounds to a multiple of ½, so that ties and exact bounds occur often. */
export const half = (x: number) => Math.round(2 * x) / 2;
