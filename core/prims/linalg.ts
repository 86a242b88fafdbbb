/**
 * Matrix multiplication: 2-D and batched (batch axes broadcast), with
 * optional transposes of either operand, which cost nothing (the kernel reads
 * the transposed layout directly).
 *
 * @module
 */
import { DTypeError, ShapeError } from "../errors.ts";
import { definePrimitive, type Primitive } from "../primitive.ts";
import { broadcastShapes, formatShape, type Shape, shapeEqual, sizeOf, stridesOf } from "../shape.ts";
import type { Aval, ConcreteTensor, Tensor } from "../tensor.ts";
import { bind } from "../trace.ts";
import { add } from "./binary.ts";
import { requireFloat } from "./checks.ts";
import { moveToFront, padAfterBatch } from "./batching.ts";
import { reshape, sumToShape, transpose } from "./shape.ts";
import type { Backend, Buf } from "../../backends/backend.ts";

interface MatmulParams {
  readonly transA: boolean;
  readonly transB: boolean;
  readonly [k: string]: unknown;
}

/** Rows and columns of op(X) for a stored matrix X. */
const opDims = (x: Aval, trans: boolean): [number, number] => {
  const r = x.shape[x.shape.length - 2];
  const c = x.shape[x.shape.length - 1];
  return trans ? [c, r] : [r, c];
};

const matmulP: Primitive<MatmulParams> = definePrimitive({
  name: "matmul",
  abstractEval: ([a, b], { transA, transB }) => {
    if (a.dtype !== b.dtype) throw new DTypeError("matmul", `dtype mismatch: ${a.dtype} @ ${b.dtype}`);
    requireFloat("matmul", a, "operands");
    if (a.shape.length < 2 || b.shape.length < 2) {
      throw new ShapeError("matmul", `operands need rank ≥ 2, got ${formatShape(a.shape)} @ ${formatShape(b.shape)}`);
    }
    const [m, k1] = opDims(a, transA);
    const [k2, n] = opDims(b, transB);
    if (k1 !== k2) {
      throw new ShapeError(
        "matmul",
        `inner dimensions differ: ${formatShape(a.shape)}${transA ? "ᵀ" : ""} @ ${formatShape(b.shape)}${
          transB ? "ᵀ" : ""
        } (${k1} ≠ ${k2})`,
      );
    }
    const batch = broadcastShapes("matmul", a.shape.slice(0, -2), b.shape.slice(0, -2));
    return { shape: [...batch, m, n], dtype: a.dtype };
  },
  impl: (be, [a, b], { transA, transB }, out) => runGemm(be, a, b, transA, transB, out.shape),
  batch: (args, dims, p) => matmulBatch(args, dims, p),
  // bilinear: d(AB) = dA·B + A·dB
  jvp: ([a, b], [da, db], _o, p) => {
    const l = da === null ? null : bind(matmulP, [da, b], p);
    const r = db === null ? null : bind(matmulP, [a, db], p);
    return l === null ? r : r === null ? l : add(l, r);
  },
  // For C = op(A)·op(B): dop(A) = G·op(B)ᵀ and dop(B) = op(A)ᵀ·G, each written
  // as one matmul with transpose flags so nothing is materialized.
  vjp: (g, [a, b], _o, { transA, transB }, needs) => {
    const mm = (x: Tensor, y: Tensor, tA: boolean, tB: boolean) => bind(matmulP, [x, y], { transA: tA, transB: tB });
    const da = !needs[0] ? null : transA ? mm(b, g, transB, true) : mm(g, b, false, !transB);
    const db = !needs[1] ? null : transB ? mm(g, a, true, transA) : mm(a, g, !transA, false);
    return [da === null ? null : sumToShape(da, a.shape), db === null ? null : sumToShape(db, b.shape)];
  },
});

/**
 * The batching rule of matmul. A batch on one side of a plain matrix
 * product folds into that side's free dimension, so the batch is one large
 * product rather than many thin ones (per-example gradients multiply `[1, k]`
 * rows): a batched `A` `[B, …, m, k]` against an unbatched matrix is one
 * `[B·…·m, k]` product; an unbatched matrix against a batched `B` `[B, k, n]`
 * is one `[k, B·n]` product. Otherwise the batch axis becomes the first batch
 * dimension of the product, with per-example batch dimensions padded by
 * size-1 axes so that both operands' line up.
 */
const matmulBatch = (
  [a, b]: readonly Tensor[],
  [da, db]: readonly (number | null)[],
  p: MatmulParams,
): readonly [Tensor, number] => {
  if (db === null && b.ndim === 2 && !p.transA) {
    const a0 = moveToFront(a, da!);
    const k = a0.shape[a0.ndim - 1];
    const y = bind(matmulP, [reshape(a0, [-1, k]), b], p);
    return [reshape(y, [...a0.shape.slice(0, -1), y.shape[1]]), 0];
  }
  if (da === null && a.ndim === 2 && b.ndim === 3 && !p.transB) {
    const b0 = moveToFront(b, db!);
    const [size, k, n] = b0.shape;
    const wide = reshape(transpose(b0, [1, 0, 2]), [k, size * n]);
    const y = bind(matmulP, [a, wide], p);
    return [reshape(y, [y.shape[0], size, n]), 1];
  }
  const rank = Math.max(a.ndim - (da === null ? 0 : 1), b.ndim - (db === null ? 0 : 1));
  const ops = [a, b].map((x, i) => {
    const d = i === 0 ? da : db;
    if (d === null) return x;
    return padAfterBatch(moveToFront(x, d), rank);
  });
  return [bind(matmulP, ops, p), 0];
};

/** Runs the batched kernel; batch axes that broadcast in a mixed way are materialized first. */
const runGemm = (
  be: Backend,
  a: ConcreteTensor,
  b: ConcreteTensor,
  transA: boolean,
  transB: boolean,
  outShape: Shape,
): Buf => {
  const batchShape = outShape.slice(0, -2);
  const batch = sizeOf(batchShape);
  const [m, k] = opDims(a, transA);
  const n = opDims(b, transB)[1];
  const aBuf = batchOperand(be, a, batchShape);
  const bBuf = batchOperand(be, b, batchShape);
  return be.gemm(aBuf.buf, bBuf.buf, {
    batch,
    m,
    n,
    k,
    transA,
    transB,
    aBatchStride: aBuf.stride,
    bBatchStride: bBuf.stride,
  }, a.dtype);
};

/**
 * An operand whose batch axes are either all broadcast (stride 0) or all
 * present (stride = matrix size) can be passed as is; anything in between is
 * broadcast into a full copy.
 */
const batchOperand = (be: Backend, x: ConcreteTensor, batchShape: Shape): { buf: Buf; stride: number } => {
  const mat = x.shape.slice(-2);
  const matSize = mat[0] * mat[1];
  const own = x.shape.slice(0, -2);
  if (sizeOf(own) === 1) return { buf: x.buf, stride: 0 };
  const full = own.length === batchShape.length && shapeEqual(own, batchShape);
  if (full) return { buf: x.buf, stride: matSize };
  const target = [...batchShape, ...mat];
  const st = stridesOf(x.shape);
  const off = target.length - x.shape.length;
  const strides = target.map((_, i) => (i < off || x.shape[i - off] === 1 ? 0 : st[i - off]));
  return { buf: be.copyStrided(x.buf, { shape: target, strides, offset: 0 }, x.dtype), stride: matSize };
};

/** Transposes of `matmul`'s operands. */
export interface MatmulOptions {
  /** Use the transpose of the last two axes of `a`. */
  readonly transA?: boolean;
  /** Use the transpose of the last two axes of `b`. */
  readonly transB?: boolean;
}

/**
 * Matrix product. 2-D × 2-D, batched (leading axes broadcast, as NumPy), and
 * 1-D operands as in NumPy (a vector on the left is a row, on the right a
 * column; that axis is dropped from the result). `transA`/`transB` use the
 * transpose of an operand's last two axes at no cost.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matmul, tensor } from "../../mod.ts";
 * const a = tensor([[1, 2], [3, 4]]);
 * assert.deepEqual(matmul(a, tensor([[1], [1]])).toArray(), [[3], [7]]);
 * assert.deepEqual(matmul(a, tensor([1, 1])).toArray(), [3, 7]);
 * assert.deepEqual(matmul(a, a, { transA: true }).toArray(), [[10, 14], [14, 20]]);
 * assert.throws(() => matmul(tensor([[1, 2, 3]]), a), /inner dimensions differ/);
 * ```
 */
export const matmul = (a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor => {
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError("matmul", `operands need rank ≥ 1, got ${formatShape(a.shape)} @ ${formatShape(b.shape)}`);
  }
  const transA = opts.transA ?? false;
  const transB = opts.transB ?? false;
  const vecA = a.ndim === 1;
  const vecB = b.ndim === 1;
  if (vecA || vecB) {
    // Checked here so the message shows the shapes the caller passed, not the
    // [1, k] / [k, 1] matrices the vectors become.
    const ka = vecA ? a.shape[0] : a.shape[a.ndim - (transA ? 2 : 1)];
    const kb = vecB ? b.shape[0] : b.shape[b.ndim - (transB ? 1 : 2)];
    if (ka !== kb) {
      const t = (on: boolean, vec: boolean) => (on && !vec ? "ᵀ" : "");
      throw new ShapeError(
        "matmul",
        `inner dimensions differ: ${formatShape(a.shape)}${t(transA, vecA)} @ ${formatShape(b.shape)}${
          t(transB, vecB)
        } (${ka} ≠ ${kb})`,
      );
    }
  }
  const a2 = vecA ? reshape(a, [1, a.shape[0]]) : a;
  const b2 = vecB ? reshape(b, [b.shape[0], 1]) : b;
  const out = bind(matmulP, [a2, b2], { transA: vecA ? false : transA, transB: vecB ? false : transB });
  if (!vecA && !vecB) return out;
  const s = out.shape;
  const keep = s.slice(0, -2);
  if (vecA && vecB) return reshape(out, keep);
  return reshape(out, vecA ? [...keep, s[s.length - 1]] : [...keep, s[s.length - 2]]);
};
