/**
 * Full Jacobians: `jacfwd` (a `vmap` of `jvp` over the basis of each input
 * leaf) and `jacrev` (a `vmap` of the pullback over the basis of each output
 * leaf), and `hessian` = jacfwd(jacrev(f)). Each is one batched pass instead
 * of one pass per element (3.7–38× faster for a 100 → 100 function, see
 * bench/README.md).
 *
 * For an output leaf of shape S and an input leaf of shape T the Jacobian
 * block has shape S ++ T. With tree-valued outputs and inputs the result is
 * the output's structure holding, at each leaf, the input's structure.
 *
 * @module
 */
import { fromTyped } from "../creation.ts";
import { allocTyped } from "../dtype.ts";
import { reshape } from "../prims/shape.ts";
import { zerosFor } from "../prims/zeros.ts";
import { Tensor } from "../tensor.ts";
import { flatten, type Tree, type TreeDef, type TreeOf, unflatten } from "../tree/mod.ts";
import { type Argnums, selectArgs } from "./args.ts";
import { jvp } from "./jvp.ts";
import { type GradOf, vjpWith } from "./vjp.ts";
import { vmap } from "./vmap.ts";

/**
 * The type of a Jacobian: the output's structure with, at each tensor leaf,
 * the differentiated argument's structure (for a tensor → tensor function,
 * a tensor).
 */
export type JacobianOf<R, G> = R extends Tensor ? G : TreeOf<R, G>;

/** Options of `jacfwd`, `jacrev` and `hessian`. */
export interface JacobianOptions {
  /** Which positional arguments to differentiate (default 0). */
  readonly argnums?: Argnums;
}

/** The identity as a batch of one-hot tensors: `[n, …shape]`, example e has a 1 at flat index e. */
const basisBatch = (like: Tensor): Tensor => {
  const n = like.size;
  const data = allocTyped(like.dtype, n * n);
  for (let e = 0; e < n; e++) data[e * n + e] = 1;
  return fromTyped(data, [n, ...like.shape]);
};

const outputLeaves = (kind: string, out: unknown): [Tensor[], TreeDef] => {
  const [leaves, def] = flatten(out);
  for (const l of leaves) {
    if (!(l instanceof Tensor)) throw new TypeError(`${kind}: the function returned a non-tensor leaf (${typeof l})`);
  }
  return [leaves as Tensor[], def];
};

/** Builds the nested result from blocks[j][k] (output leaf j, input leaf k). */
const assemble = (
  outDef: TreeDef,
  blocks: Tensor[][],
  rebuild: (leaves: readonly unknown[]) => unknown,
): unknown => unflatten(outDef, blocks.map((row) => rebuild(row)));

/**
 * The Jacobian by forward mode: cheap when inputs are few.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jacfwd, mul, tensor } from "../../mod.ts";
 * const J = jacfwd((x: ReturnType<typeof tensor>) => mul(x, x))(tensor([1, 2]));
 * assert.deepEqual(J.toArray(), [[2, 0], [0, 4]]);
 * ```
 */
export const jacfwd = <A extends readonly unknown[], R, const N extends Argnums = 0>(
  f: (...args: A) => R,
  opts: JacobianOptions & { readonly argnums?: N } = {},
): (...args: A) => JacobianOf<R, GradOf<A, N>> =>
(...args: A): JacobianOf<R, GradOf<A, N>> => {
  const sel = selectArgs("jacfwd", args, opts.argnums ?? 0);
  const g = (...ls: Tensor[]) => f(...(sel.substitute(ls) as unknown as A));
  let out: [Tensor[], TreeDef] | undefined;
  // One vmap of jvp per input leaf, over the basis of its elements: columns[k][j] is
  // output leaf j's tangent along each element of input leaf k, that axis last.
  const columns = sel.leaves.map((x, k) => {
    if (x.size === 0) return null;
    const tangentsAlong = (t: Tensor) => {
      // Only leaf k carries a tangent (argnums): the others are constants, not traced zeros.
      const [y, dy] = jvp(g, [...sel.leaves], [t], { argnums: k });
      out ??= outputLeaves("jacfwd", y); // the primal does not depend on the tangent: a plain value
      return flatten(dy)[0] as Tensor[];
    };
    return vmap(tangentsAlong, { outAxes: -1 })(basisBatch(x));
  });
  // With no input elements at all, one pass with zero tangents still gives the output's structure.
  if (out === undefined) out = outputLeaves("jacfwd", jvp(g, [...sel.leaves], sel.leaves.map(zerosFor))[0]);
  const [outLeaves, outDef] = out;
  const blocks = outLeaves.map((o, j) =>
    sel.leaves.map((x, k) => {
      const col = columns[k]?.[j] ?? zerosFor({ shape: [...o.shape, 0], dtype: o.dtype });
      return reshape(col, [...o.shape, ...x.shape]);
    })
  );
  return assemble(outDef, blocks, sel.rebuild) as JacobianOf<R, GradOf<A, N>>;
};

/**
 * The Jacobian by reverse mode: cheap when outputs are few.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jacrev, mul, tensor } from "../../mod.ts";
 * const J = jacrev((x: ReturnType<typeof tensor>) => mul(x, x))(tensor([1, 2]));
 * assert.deepEqual(J.toArray(), [[2, 0], [0, 4]]);
 * ```
 */
export const jacrev = <A extends readonly unknown[], R, const N extends Argnums = 0>(
  f: (...args: A) => R,
  opts: JacobianOptions & { readonly argnums?: N } = {},
): (...args: A) => JacobianOf<R, GradOf<A, N>> =>
(...args: A): JacobianOf<R, GradOf<A, N>> => {
  const argnums = opts.argnums ?? 0;
  const sel = selectArgs("jacrev", args, argnums);
  const [out, , pullLeaves] = vjpWith("jacrev", f as (...a: never[]) => unknown, args, argnums);
  const [outLeaves, outDef] = outputLeaves("jacrev", out);
  const blocks = outLeaves.map((o, j) => {
    // One vmap of the pullback over the basis of output leaf j's elements:
    // rows[k] is the gradient of each of them w.r.t. input leaf k, that axis first.
    // The other output leaves get symbolic zero cotangents (null): their part of the tape is never walked.
    const rows = o.size === 0
      ? null
      : vmap((ct: Tensor) => flatten(pullLeaves(outLeaves.map((_, jj) => (jj === j ? ct : null))))[0] as Tensor[])(
        basisBatch(o),
      );
    return sel.leaves.map((x, k) => {
      const block = rows?.[k] ?? zerosFor({ shape: [0, ...x.shape], dtype: x.dtype });
      return reshape(block, [...o.shape, ...x.shape]);
    });
  });
  return assemble(outDef, blocks, sel.rebuild) as JacobianOf<R, GradOf<A, N>>;
};

/**
 * The Hessian of a scalar function: jacfwd(jacrev(f)).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hessian, mul, sum, tensor } from "../../mod.ts";
 * const H = hessian((x: ReturnType<typeof tensor>) => sum(mul(mul(x, x), x)))(tensor([1, 2]));
 * assert.deepEqual(H.toArray(), [[6, 0], [0, 12]]);
 * ```
 */
export const hessian = <A extends readonly unknown[], const N extends Argnums = 0>(
  f: (...args: A) => Tensor,
  opts: JacobianOptions & { readonly argnums?: N } = {},
): (...args: A) => GradOf<A, N> extends Tensor ? Tensor : Tree<Tree<Tensor>> =>
  jacfwd(jacrev(f, opts), opts) as (...args: A) => GradOf<A, N> extends Tensor ? Tensor : Tree<Tree<Tensor>>;
