/**
 * Regularizers over a parameter tree, and the regularized empirical risk
 * L(θ) + λ·R(θ) built from them.
 *
 * Which leaves are penalised is a filter on the leaf's path and value. The
 * default, `weightsOnly`, selects float tensors of rank ≥ 2 — dense and
 * conv kernels, embeddings, recurrent matrices — and leaves out rank 0 and 1
 * leaves — biases, layer/batch-norm scales and offsets — whose decay does
 * not regularise the function much and can hurt (the rule optax's AdamW
 * documentation shows for its `mask`). Pass `{ filter: allLeaves }` to
 * penalise everything, or a path predicate such as
 * `(path) => path.at(-1) === "w"`.
 *
 * @module
 */
import { scalar } from "../core/creation.ts";
import { isFloat } from "../core/dtype.ts";
import { DTypeError, ValueError } from "../core/errors.ts";
import { abs, add, mul, square, sum } from "../core/ops/mod.ts";
import { Tensor } from "../core/tensor.ts";
import { flattenWithPath, formatPath, type Path } from "../core/tree/mod.ts";

/** Chooses the leaves a regularizer penalises, from the leaf's path and value. */
export type LeafFilter = (path: Path, leaf: unknown) => boolean;

/** Options of `l2` and `l1`. */
export interface RegularizerOptions {
  /** The leaves to penalise (default `weightsOnly`: float tensors of rank ≥ 2). */
  readonly filter?: LeafFilter;
}

/**
 * The default filter: float tensors of rank ≥ 2 (weights), not biases or
 * norm parameters (rank ≤ 1) nor non-tensor leaves.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { losses, zeros } from "../mod.ts";
 * assert.equal(losses.weightsOnly(["w"], zeros([3, 2])), true);
 * assert.equal(losses.weightsOnly(["b"], zeros([2])), false);
 * ```
 */
export const weightsOnly: LeafFilter = (_path: Path, leaf: unknown): boolean =>
  leaf instanceof Tensor && isFloat(leaf.dtype) && leaf.ndim >= 2;

/**
 * A filter that selects every leaf.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { losses, tensor } from "../mod.ts";
 * assert.equal(losses.l2({ w: tensor([[1]]), b: tensor([2]) }, { filter: losses.allLeaves }).item(), 2.5);
 * ```
 */
export const allLeaves: LeafFilter = (): boolean => true;

/** Σ over the selected leaves of `perLeaf(leaf)`, in one float dtype; 0 when none is selected. */
const penalty = (name: string, params: unknown, opts: RegularizerOptions, perLeaf: (t: Tensor) => Tensor): Tensor => {
  const filter = opts.filter ?? weightsOnly;
  if (typeof filter !== "function") throw new ValueError(name, `filter must be a function (path, leaf) => boolean`);
  let total: Tensor | undefined;
  let first: [Path, Tensor] | undefined;
  let anyFloat: Tensor | undefined;
  for (const [path, leaf] of flattenWithPath<unknown>(params as never)) {
    if (anyFloat === undefined && leaf instanceof Tensor && isFloat(leaf.dtype)) anyFloat = leaf;
    if (!filter(path, leaf)) continue;
    const at = formatPath(path) || "the root";
    if (!(leaf instanceof Tensor)) throw new ValueError(name, `the selected leaf at ${at} is not a tensor`);
    if (!isFloat(leaf.dtype)) {
      throw new DTypeError(name, `the selected leaf at ${at} has dtype ${leaf.dtype}; expected float32 or float64`);
    }
    if (first !== undefined && first[1].dtype !== leaf.dtype) {
      throw new DTypeError(
        name,
        `selected leaves differ in dtype: ${formatPath(first[0]) || "the root"} is ${first[1].dtype}, ${at} is ` +
          `${leaf.dtype}; expected one float dtype (cast the tree, or filter the leaves)`,
      );
    }
    first ??= [path, leaf];
    const term = perLeaf(leaf);
    total = total === undefined ? term : add(total, term);
  }
  // No selected leaf: a zero in the tree's float dtype, so that L + λ·R still adds.
  return total ?? scalar(0, anyFloat?.dtype ?? "float32");
};

/**
 * L2 penalty ½·Σ w² over the selected leaves (default `weightsOnly`): its
 * gradient is w itself, so gradient descent on L + λ·l2 is weight decay
 * w ← (1 − ηλ)w − η∇L.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { losses, tensor } from "../mod.ts";
 * const params = { w: tensor([[1, 2], [3, 0]]), b: tensor([10]) };
 * assert.equal(losses.l2(params).item(), 7); // ½(1 + 4 + 9); the bias is not penalised
 * assert.equal(losses.l2(params, { filter: (path) => path.at(-1) === "b" }).item(), 50);
 * ```
 */
export const l2 = (params: unknown, opts: RegularizerOptions = {}): Tensor =>
  penalty("l2", params, opts, (w) => mul(sum(square(w)), 0.5));

/**
 * L1 penalty Σ|w| over the selected leaves (default `weightsOnly`); it
 * pushes weights to exactly zero (sparsity). abs′(0) is taken as 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { losses, tensor } from "../mod.ts";
 * assert.equal(losses.l1({ w: tensor([[1, -2]]), b: tensor([10]) }).item(), 3);
 * ```
 */
export const l1 = (params: unknown, opts: RegularizerOptions = {}): Tensor =>
  penalty("l1", params, opts, (w) => sum(abs(w)));

/**
 * The regularized empirical risk: a function of the same arguments as
 * `loss` returning loss(θ, …) + λ·R(θ), with θ the first argument. Pass it
 * to `grad` as you would `loss`. λ is finite and ≥ 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { grad, losses, matmul, tensor, type Tensor } from "../mod.ts";
 * type P = { w: Tensor };
 * const x = tensor([[1, 0]]);
 * const y = tensor([[1]]);
 * const risk = (p: P, x: Tensor, y: Tensor) => losses.mse(matmul(x, p.w), y);
 * const objective = losses.regularized(risk, 0.1, losses.l2);
 * const p = { w: tensor([[1], [2]]) };
 * assert.ok(Math.abs(objective(p, x, y).item() - 0.25) < 1e-6); // 0 + 0.1·½(1 + 4)
 * assert.deepEqual(grad(objective)(p, x, y).w.toArray(), [[Math.fround(0.1)], [Math.fround(0.2)]]);
 * ```
 */
export const regularized = <P, R extends unknown[]>(
  loss: (params: P, ...rest: R) => Tensor,
  lambda: number,
  reg: (params: P) => Tensor,
): (params: P, ...rest: R) => Tensor => {
  if (typeof lambda !== "number" || !Number.isFinite(lambda) || lambda < 0) {
    throw new ValueError("regularized", `lambda must be a finite number ≥ 0, got ${String(lambda)}`);
  }
  if (typeof loss !== "function" || typeof reg !== "function") {
    throw new ValueError("regularized", "expected (loss, lambda, reg) with loss and reg functions");
  }
  return (params, ...rest) => add(loss(params, ...rest), mul(reg(params), lambda));
};
