/**
 * Discrete samplers: `randint`, `permutation`, `categorical`.
 *
 * `randint` and `permutation` read the key's word stream with rejection, so
 * they are exactly uniform; `categorical` uses the Gumbel-max trick with the
 * portable `log`. All are bit-identical across runtimes.
 *
 * @module
 */
import { isFloat } from "../dtype.ts";
import { DTypeError, ShapeError, ValueError } from "../errors.ts";
import { add } from "../prims/binary.ts";
import { cast } from "../prims/misc.ts";
import { drawRandom } from "../prims/random.ts";
import { argmax } from "../prims/reduce.ts";
import { broadcastTo, transpose } from "../prims/shape.ts";
import { checkShape, formatShape, normalizeAxis, type Shape, sizeOf } from "../shape.ts";
import type { Tensor } from "../tensor.ts";
import { checkKey, type Key } from "./key.ts";

const INT32_MIN = -(2 ** 31);
const INT32_LIMIT = 2 ** 31;

/**
 * Uniform integers in `[minval, maxval)` as an `int32` tensor, exactly
 * uniform: each element takes the next word `w` of the key's stream that is
 * below the largest multiple of the range width in 2^32 (redrawing the rest),
 * and is `minval + w mod (maxval − minval)`. Bounds are integers with
 * `−2^31 ≤ minval < maxval ≤ 2^31`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { key, randint } from "./mod.ts";
 * const r = randint(key(0), [100], 1, 7); // dice
 * assert.equal(r.dtype, "int32");
 * assert.ok((r.toArray() as number[]).every((x) => x >= 1 && x <= 6));
 * assert.throws(() => randint(key(0), [3], 5, 5), /minval/);
 * ```
 */
export const randint = (
  key: Key,
  shape: Shape,
  minval: number,
  maxval: number,
): Tensor => {
  const k = checkKey("randint", key);
  const s = checkShape("randint", shape);
  for (const [name, v] of [["minval", minval], ["maxval", maxval]] as const) {
    if (
      typeof v !== "number" || !Number.isInteger(v) || v < INT32_MIN ||
      v > INT32_LIMIT
    ) {
      throw new ValueError(
        "randint",
        `${name} must be an integer in [-2^31, 2^31], got ${String(v)}`,
      );
    }
  }
  if (!(minval < maxval)) {
    throw new ValueError(
      "randint",
      `minval must be below maxval, got [${minval}, ${maxval})`,
    );
  }
  return drawRandom(k.data, { kind: "randint", size: sizeOf(s), lo: minval, hi: maxval }, s);
};

/**
 * A uniformly random permutation of `0, 1, …, n − 1` as an `int32` tensor:
 * Fisher–Yates from the end, where step `i = n−1, …, 1` swaps element `i`
 * with element `j`, `j` uniform in `[0, i]` drawn from the key's stream as in
 * `randint` (no modulo bias, so all n! orders are equally likely).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { key, permutation } from "./mod.ts";
 * const p = permutation(key(0), 5).toArray() as number[];
 * assert.deepEqual([...p].sort(), [0, 1, 2, 3, 4]);
 * ```
 */
export const permutation = (key: Key, n: number): Tensor => {
  const k = checkKey("permutation", key);
  if (
    typeof n !== "number" || !Number.isSafeInteger(n) || n < 0 ||
    n > INT32_LIMIT
  ) {
    throw new ValueError(
      "permutation",
      `n must be an integer in [0, 2^31], got ${String(n)}`,
    );
  }
  return drawRandom(k.data, { kind: "permutation", size: n }, [n]);
};

/** Options of `categorical`. */
export interface CategoricalOptions {
  /** The axis of `logits` that indexes the classes (default −1). */
  readonly axis?: number;
  /**
   * The shape of the result (default: `logits.shape` without `axis`). The
   * batch shape (`logits.shape` without `axis`) must broadcast to it, so a
   * longer shape draws several samples per row.
   */
  readonly shape?: Shape;
}

/**
 * Class indices sampled from unnormalised log-probabilities: `int32` samples
 * with P(class c) = softmax(logits)[c] along `axis`. Gumbel-max trick: sample
 * `o` is `argmax_c (logits[c] + g[o, c])` with `g = −log(−log u)` and `u`
 * from words `2(o·K + c)` and `2(o·K + c) + 1` as in `normal`; the first
 * maximum wins. A logit of −∞ marks a class that is never drawn.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tensor } from "../creation.ts";
 * import { categorical, key } from "./mod.ts";
 * const logits = tensor([[0, 0, -Infinity], [-Infinity, 5, -Infinity]]);
 * const c = categorical(key(0), logits).toArray() as number[];
 * assert.equal(c.length, 2);
 * assert.ok(c[0] === 0 || c[0] === 1);
 * assert.equal(c[1], 1);
 * assert.deepEqual(categorical(key(0), logits, { shape: [4, 2] }).shape, [4, 2]);
 * ```
 */
export const categorical = (
  key: Key,
  logits: Tensor,
  opts: CategoricalOptions = {},
): Tensor => {
  const k = checkKey("categorical", key);
  if (!isFloat(logits.dtype)) {
    throw new DTypeError(
      "categorical",
      `logits must be float32 or float64, got ${logits.dtype}`,
    );
  }
  const axis = normalizeAxis("categorical", opts.axis ?? -1, logits.ndim);
  const classes = logits.shape[axis];
  if (classes === 0) {
    throw new ValueError(
      "categorical",
      `axis ${axis} of logits ${formatShape(logits.shape)} is empty`,
    );
  }
  const batch = logits.shape.filter((_, d) => d !== axis);
  const outShape = opts.shape === undefined ? batch : checkShape("categorical", opts.shape);
  checkBatch(batch, outShape);
  // Classes last, in float64 (so scores round as the reference's doubles do), broadcast over the samples.
  const rest = logits.shape.map((_, d) => d).filter((d) => d !== axis);
  const last = broadcastTo(cast(transpose(logits, [...rest, axis]), "float64"), [...outShape, classes]);
  const gumbel = drawRandom(k.data, { kind: "gumbel", size: sizeOf(outShape) * classes }, [...outShape, classes]);
  return argmax(add(last, gumbel), -1);
};

/** Throws a ShapeError unless the batch shape broadcasts to `outShape` (NumPy rules, aligned on the right). */
const checkBatch = (batch: Shape, outShape: Shape): void => {
  const lead = outShape.length - batch.length;
  const ok = lead >= 0 && batch.every((d, i) => d === 1 || d === outShape[lead + i]);
  if (!ok) {
    throw new ShapeError(
      "categorical",
      `shape ${formatShape(outShape)} cannot hold the batch shape ${formatShape(batch)} of the logits ` +
        `(the logits' shape without the class axis must broadcast to it)`,
    );
  }
};
