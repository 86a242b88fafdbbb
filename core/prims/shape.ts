/**
 * Primitives that move elements without arithmetic: reshape, transpose,
 * broadcastTo, slice, pad, concat. All are linear, so each JVP applies the
 * primitive to the tangent and each VJP is its transpose (reshape ↔ reshape,
 * transpose ↔ inverse transpose, broadcast ↔ sum, slice ↔ pad, concat ↔
 * slices).
 *
 * @module
 */
import { DTypeError, ShapeError, ValueError } from "../errors.ts";
import { definePrimitive, type Primitive } from "../primitive.ts";
import { checkShape, formatShape, normalizeAxis, type Shape, shapeEqual, sizeOf, stridesOf } from "../shape.ts";
import type { Tensor } from "../tensor.ts";
import { bind } from "../trace.ts";
import { batchedAtFront, moveToFront, padAfterBatch, shiftAxis } from "./batching.ts";
import { sum } from "./reduce.ts";
import { zerosFor } from "./zeros.ts";

// ---------------------------------------------------------------- reshape

const reshapeP: Primitive<{ shape: Shape }> = definePrimitive({
  name: "reshape",
  // Sizes were checked by `reshape`, the only caller.
  abstractEval: ([x], { shape }) => ({ shape, dtype: x.dtype }),
  // Storage is immutable and row-major, so a reshape shares it.
  impl: (_b, [x]) => x.buf,
  // the batch axis first, then the per-example shape
  batch: ([x], [d], { shape }) => [bind(reshapeP, [moveToFront(x, d!)], { shape: [x.shape[d!], ...shape] }), 0],
  jvp: (_, [dx], _o, { shape }) => (dx === null ? null : reshape(dx, shape)),
  vjp: (g, [x]) => [reshape(g, x.shape)],
});

/**
 * The same elements in a new shape; one entry may be −1 (inferred).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reshape, arange } from "../../mod.ts";
 * assert.deepEqual(reshape(arange(6), [2, -1]).shape, [2, 3]);
 * assert.throws(() => reshape(arange(6), [4, 2]), /cannot reshape/);
 * ```
 */
export const reshape = (x: Tensor, shape: Shape): Tensor => {
  const s = resolveShape(x, shape);
  if (shapeEqual(s, x.shape)) return x;
  return bind(reshapeP, [x], { shape: s });
};

const resolveShape = (x: Tensor, shape: Shape): number[] => {
  if (!Array.isArray(shape)) throw new ValueError("reshape", `shape must be an array, got ${String(shape)}`);
  const holes = shape.filter((d) => d === -1).length;
  if (holes > 1) throw new ValueError("reshape", `at most one axis may be -1, got ${formatShape(shape)}`);
  const known = checkShape("reshape", shape.map((d) => (d === -1 ? 1 : d)));
  const rest = sizeOf(known);
  const out = [...known];
  if (holes === 1) {
    if (rest === 0 || x.size % rest !== 0) {
      throw new ShapeError(
        "reshape",
        `cannot reshape ${formatShape(x.shape)} (${x.size} elements) into ${formatShape(shape)}`,
      );
    }
    out[shape.indexOf(-1)] = x.size / rest;
  } else if (rest !== x.size) {
    throw new ShapeError(
      "reshape",
      `cannot reshape ${formatShape(x.shape)} (${x.size} elements) into ${formatShape(shape)}`,
    );
  }
  return out;
};

// -------------------------------------------------------------- transpose

const transposeP: Primitive<{ perm: readonly number[] }> = definePrimitive({
  name: "transpose",
  abstractEval: ([x], { perm }) => ({ shape: perm.map((p) => x.shape[p]), dtype: x.dtype }),
  impl: (b, [x], { perm }, out) => {
    const st = stridesOf(x.shape);
    return b.copyStrided(x.buf, { shape: out.shape, strides: perm.map((p) => st[p]), offset: 0 }, x.dtype);
  },
  // the batch axis stays first; the per-example axes are permuted behind it
  batch: ([x], [d], { perm }) => [bind(transposeP, [moveToFront(x, d!)], { perm: [0, ...perm.map((p) => p + 1)] }), 0],
  jvp: (_, [dx], _o, { perm }) => (dx === null ? null : transpose(dx, perm)),
  vjp: (g, _x, _o, { perm }) => [transpose(g, inversePerm(perm))],
});

const inversePerm = (perm: readonly number[]): number[] => {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
};

/**
 * Permutes the axes (reverses them by default).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { transpose, tensor } from "../../mod.ts";
 * assert.deepEqual(transpose(tensor([[1, 2, 3]])).toArray(), [[1], [2], [3]]);
 * assert.deepEqual(transpose(tensor([[[1, 2]]]), [2, 0, 1]).shape, [2, 1, 1]);
 * ```
 */
export const transpose = (x: Tensor, perm?: readonly number[]): Tensor => {
  const rank = x.ndim;
  const p = perm === undefined
    ? Array.from({ length: rank }, (_, i) => rank - 1 - i)
    : perm.map((a) => normalizeAxis("transpose", a, rank));
  if (p.length !== rank || new Set(p).size !== rank) {
    throw new ValueError("transpose", `permutation [${perm?.join(",")}] is not a permutation of ${rank} axes`);
  }
  if (p.every((a, i) => a === i)) return x;
  return bind(transposeP, [x], { perm: p });
};

// ------------------------------------------------------------------- flip

const flipP: Primitive<{ axes: readonly number[] }> = definePrimitive({
  name: "flip",
  abstractEval: ([x]) => x,
  // A view with negative strides on the flipped axes, starting at their ends.
  impl: (b, [x], { axes }) => {
    const st = stridesOf(x.shape);
    const offset = axes.reduce((o, a) => o + (x.shape[a] - 1) * st[a], 0);
    const strides = st.map((s, i) => (axes.includes(i) ? -s : s));
    return b.copyStrided(x.buf, { shape: x.shape, strides, offset }, x.dtype);
  },
  batch: ([x], [d], { axes }) => [bind(flipP, [x], { axes: axes.map((a) => shiftAxis(a, d!)) }), d],
  // linear and its own transpose: d flip(x) = flip(dx)
  jvp: (_, [dx], _o, p) => (dx === null ? null : bind(flipP, [dx], p)),
  vjp: (g, _x, _o, p) => [bind(flipP, [g], p)],
});

/**
 * Reverses the order of elements along `axis` (an axis, a list, or all axes
 * when absent), as `np.flip`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { flip, tensor } from "../../mod.ts";
 * const x = tensor([[1, 2, 3], [4, 5, 6]]);
 * assert.deepEqual(flip(x, 1).toArray(), [[3, 2, 1], [6, 5, 4]]);
 * assert.deepEqual(flip(x).toArray(), [[6, 5, 4], [3, 2, 1]]);
 * ```
 */
export const flip = (x: Tensor, axis?: number | readonly number[]): Tensor => {
  const axes = axis === undefined
    ? x.shape.map((_, i) => i)
    : (typeof axis === "number" ? [axis] : axis).map((a) => normalizeAxis("flip", a, x.ndim));
  if (new Set(axes).size !== axes.length) throw new ValueError("flip", `repeated axis in [${axes.join(",")}]`);
  const moving = axes.filter((a) => x.shape[a] > 1).sort((a, b) => a - b);
  return moving.length === 0 ? x : bind(flipP, [x], { axes: moving });
};

// ------------------------------------------------------------ broadcastTo

const broadcastToP: Primitive<{ shape: Shape }> = definePrimitive({
  name: "broadcastTo",
  abstractEval: ([x], { shape }) => ({ shape, dtype: x.dtype }),
  impl: (b, [x], { shape }) => {
    const st = stridesOf(x.shape);
    const off = shape.length - x.shape.length;
    const strides = shape.map((_, i) => (i < off || x.shape[i - off] === 1 ? 0 : st[i - off]));
    return b.copyStrided(x.buf, { shape, strides, offset: 0 }, x.dtype);
  },
  // per-example broadcasting aligns trailing axes: size-1 axes go between the batch axis and the rest
  batch: ([x], [d], { shape }) => {
    const front = moveToFront(x, d!);
    return [broadcastTo(padAfterBatch(front, shape.length), [front.shape[0], ...shape]), 0];
  },
  jvp: (_, [dx], _o, { shape }) => (dx === null ? null : broadcastTo(dx, shape)),
  vjp: (g, [x]) => [sumToShape(g, x.shape)],
});

/**
 * Repeats `x` along new leading axes and axes of size 1 to reach `shape`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { broadcastTo, tensor } from "../../mod.ts";
 * assert.deepEqual(broadcastTo(tensor([1, 2]), [2, 2]).toArray(), [[1, 2], [1, 2]]);
 * assert.throws(() => broadcastTo(tensor([1, 2]), [3]), /broadcastTo/);
 * ```
 */
export const broadcastTo = (x: Tensor, shape: Shape): Tensor => {
  const s = checkShape("broadcastTo", shape);
  if (shapeEqual(s, x.shape)) return x;
  const off = s.length - x.shape.length;
  if (off < 0 || x.shape.some((d, i) => d !== 1 && d !== s[off + i])) {
    throw new ShapeError("broadcastTo", `cannot broadcast ${formatShape(x.shape)} to ${formatShape(s)}`);
  }
  return bind(broadcastToP, [x], { shape: s });
};

/**
 * Sums `g` over the axes that broadcasting added or stretched, giving a
 * tensor of `shape`: the transpose of broadcasting, used by gradient rules.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sumToShape, ones } from "../../mod.ts";
 * assert.deepEqual(sumToShape(ones([2, 3]), [1, 3]).toArray(), [[2, 2, 2]]);
 * ```
 */
export const sumToShape = (g: Tensor, shape: Shape): Tensor => {
  if (shapeEqual(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  return reshape(axes.length === 0 ? g : sum(g, axes), shape);
};

// ------------------------------------------------------------------ slice

interface SliceParams {
  readonly starts: readonly number[];
  readonly steps: readonly number[];
  readonly shape: Shape;
  readonly [k: string]: unknown;
}

const sliceP: Primitive<SliceParams> = definePrimitive({
  name: "slice",
  abstractEval: ([x], { shape }) => ({ shape, dtype: x.dtype }),
  impl: (b, [x], { starts, steps, shape }) => {
    const st = stridesOf(x.shape);
    const offset = starts.reduce((acc, s, i) => acc + s * st[i], 0);
    return b.copyStrided(x.buf, { shape, strides: st.map((s, i) => s * steps[i]), offset }, x.dtype);
  },
  batch: ([x], [d], { starts, steps, shape }) => {
    const front = moveToFront(x, d!);
    return [
      bind(sliceP, [front], { starts: [0, ...starts], steps: [1, ...steps], shape: [front.shape[0], ...shape] }),
      0,
    ];
  },
  jvp: (_, [dx], _o, p) => (dx === null ? null : bind(sliceP, [dx], p)),
  // The transpose of a strided slice is a pad with interior zeros.
  vjp: (g, [x], _o, { starts, steps, shape }) => {
    const lo = shape.map((n, i) => (n === 0 ? 0 : starts[i]));
    const hi = x.shape.map((d, i) => (shape[i] === 0 ? d : d - starts[i] - (shape[i] - 1) * steps[i] - 1));
    return [padP_(g, lo, hi, steps.map((s) => s - 1), 0)];
  },
});

/** One axis of a slice: `[start, stop)` with `step` (≥ 1); negatives count from the end. */
export interface SliceSpec {
  /** First index (default 0). */
  readonly start?: number;
  /** One past the last index (default: the axis' size). */
  readonly stop?: number;
  /** Distance between taken indices (default 1). */
  readonly step?: number;
}

/**
 * A strided sub-tensor. Each axis takes a `SliceSpec`, a number (an index,
 * keeping the axis with size 1 — use `squeeze` to drop it), or `null` (all).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { slice, arange, reshape } from "../../mod.ts";
 * const x = reshape(arange(12), [3, 4]);
 * assert.deepEqual(slice(x, [{ start: 1 }, { start: 0, stop: 4, step: 2 }]).toArray(), [[4, 6], [8, 10]]);
 * ```
 */
export const slice = (x: Tensor, specs: readonly (SliceSpec | number | null)[]): Tensor => {
  if (specs.length > x.ndim) {
    throw new ShapeError(
      "slice",
      `${specs.length} slice specs for a tensor of rank ${x.ndim} (shape ${formatShape(x.shape)})`,
    );
  }
  const starts: number[] = [];
  const steps: number[] = [];
  const shape: number[] = [];
  for (let i = 0; i < x.ndim; i++) {
    const d = x.shape[i];
    const spec = specs[i] ?? null;
    if (typeof spec === "number") {
      const at = normalizeIndex(spec, d, i);
      starts.push(at);
      steps.push(1);
      shape.push(1);
      continue;
    }
    const step = spec?.step ?? 1;
    if (!Number.isInteger(step) || step < 1) {
      throw new ValueError("slice", `axis ${i}: step must be a positive integer, got ${step}`);
    }
    const start = clampIndex(spec?.start ?? 0, d);
    const stop = clampIndex(spec?.stop ?? d, d);
    const n = stop > start ? Math.ceil((stop - start) / step) : 0;
    starts.push(n === 0 ? 0 : start);
    steps.push(step);
    shape.push(n);
  }
  if (shapeEqual(shape, x.shape)) return x;
  return bind(sliceP, [x], { starts, steps, shape });
};

const normalizeIndex = (i: number, d: number, axis: number): number => {
  if (!Number.isInteger(i) || i < -d || i >= d) {
    throw new ShapeError("slice", `index ${i} is out of range for axis ${axis} of size ${d}`);
  }
  return i < 0 ? i + d : i;
};

const clampIndex = (i: number, d: number): number => {
  if (!Number.isInteger(i)) throw new ValueError("slice", `slice bounds must be integers, got ${i}`);
  const j = i < 0 ? i + d : i;
  return Math.min(Math.max(j, 0), d);
};

// -------------------------------------------------------------------- pad

interface PadParams {
  readonly lo: readonly number[];
  readonly hi: readonly number[];
  readonly interior: readonly number[];
  readonly value: number;
  readonly [k: string]: unknown;
}

const padP: Primitive<PadParams> = definePrimitive({
  name: "pad",
  abstractEval: ([x], { lo, hi, interior }) => ({
    shape: x.shape.map((d, i) => lo[i] + hi[i] + d + Math.max(0, d - 1) * interior[i]),
    dtype: x.dtype,
  }),
  impl: (b, [x], { lo, hi, interior, value }) => b.pad(x.buf, x.shape, lo, hi, interior, value, x.dtype),
  batch: ([x], [d], { lo, hi, interior, value }) => [
    padP_(moveToFront(x, d!), [0, ...lo], [0, ...hi], [0, ...interior], value),
    0,
  ],
  jvp: (_, [dx], _o, p) => (dx === null ? null : padP_(dx, p.lo, p.hi, p.interior, 0)),
  // The transpose of padding is the strided slice that picks the original elements.
  vjp: (g, [x], _o, { lo, interior }) => {
    if (x.size === 0) return [zerosFor(x)];
    return [bind(sliceP, [g], { starts: lo, steps: interior.map((s) => s + 1), shape: x.shape })];
  },
});

const padP_ = (x: Tensor, lo: readonly number[], hi: readonly number[], interior: readonly number[], value: number) =>
  bind(padP, [x], { lo, hi, interior, value });

/**
 * Pads each axis with `[before, after]` elements of `value` (default 0).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pad, tensor } from "../../mod.ts";
 * assert.deepEqual(pad(tensor([1, 2]), [[1, 2]]).toArray(), [0, 1, 2, 0, 0]);
 * ```
 */
export const pad = (x: Tensor, widths: readonly (readonly [number, number])[], value = 0): Tensor => {
  if (widths.length !== x.ndim) {
    throw new ShapeError(
      "pad",
      `${widths.length} pad widths for a tensor of rank ${x.ndim} (shape ${formatShape(x.shape)})`,
    );
  }
  for (const [a, b] of widths) {
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b) || a < 0 || b < 0) {
      throw new ValueError("pad", `pad widths must be non-negative integers, got [${a}, ${b}]`);
    }
  }
  if (widths.every(([a, b]) => a === 0 && b === 0)) return x;
  if (x.dtype === "bool" && value !== 0 && value !== 1) {
    throw new DTypeError("pad", `bool tensors pad with 0 or 1, got ${value}`);
  }
  return padP_(x, widths.map((w) => w[0]), widths.map((w) => w[1]), widths.map(() => 0), value);
};

// ----------------------------------------------------------------- concat

const concatP: Primitive<{ axis: number }> = definePrimitive({
  name: "concat",
  abstractEval: (xs, { axis }) => {
    const first = xs[0];
    for (const x of xs) {
      if (x.dtype !== first.dtype) {
        throw new DTypeError(
          "concat",
          `dtype mismatch: ${xs.map((t) => t.dtype).join(", ")}`,
        );
      }
      if (x.shape.length !== first.shape.length || x.shape.some((d, i) => i !== axis && d !== first.shape[i])) {
        throw new ShapeError(
          "concat",
          `shapes ${xs.map((t) => formatShape(t.shape)).join(", ")} differ outside axis ${axis}`,
        );
      }
    }
    const shape = [...first.shape];
    shape[axis] = xs.reduce((acc, x) => acc + x.shape[axis], 0);
    return { shape, dtype: first.dtype };
  },
  impl: (b, xs, { axis }) => b.concat(xs.map((x) => x.buf), xs.map((x) => x.shape), axis, xs[0].dtype),
  // every part needs the batch axis (an unbatched part is repeated), at the front
  batch: (xs, dims, { axis }, size) => [
    bind(concatP, xs.map((x, i) => batchedAtFront(x, dims[i], size)), { axis: axis + 1 }),
    0,
  ],
  jvp: (xs, dxs, _o, { axis }) =>
    dxs.every((d) => d === null) ? null : bind(concatP, dxs.map((d, i) => d ?? zerosFor(xs[i])), { axis }),
  vjp: (g, xs, _o, { axis }, needs) => {
    let at = 0;
    return xs.map((x, i) => {
      const start = at;
      at += x.shape[axis];
      if (!needs[i]) return null;
      const specs = x.shape.map((_, j) => (j === axis ? { start, stop: start + x.shape[axis] } : null));
      return slice(g, specs);
    });
  },
});

/**
 * Joins tensors along an existing axis.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { concat, tensor } from "../../mod.ts";
 * assert.deepEqual(concat([tensor([[1]]), tensor([[2], [3]])], 0).toArray(), [[1], [2], [3]]);
 * ```
 */
export const concat = (xs: readonly Tensor[], axis = 0): Tensor => {
  if (xs.length === 0) throw new ValueError("concat", "needs at least one tensor");
  if (xs[0].ndim === 0) throw new ShapeError("concat", "cannot concatenate scalars; use stack");
  const a = normalizeAxis("concat", axis, xs[0].ndim);
  if (xs.length === 1) return xs[0];
  return bind(concatP, xs, { axis: a });
};
