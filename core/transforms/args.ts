/**
 * Argument handling shared by the transforms: which positional arguments are
 * differentiated (`argnums`), flattening them to leaves and checking that
 * every leaf is a float tensor.
 *
 * @module
 */
import { isFloat } from "../dtype.ts";
import { DTypeError, TransformError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import { flatten, flattenWithPath, formatPath, type TreeDef, unflatten } from "../tree/mod.ts";

/** Which positional arguments a transform differentiates: one index or several. */
export type Argnums = number | readonly number[];

/** The differentiated arguments, flattened. */
export interface FlatArgs {
  /** Leaves of every selected argument, in order. */
  readonly leaves: readonly Tensor[];
  /** Rebuilds the selected arguments (a single tree for a number `argnums`, else a tuple) from leaves. */
  readonly rebuild: (leaves: readonly unknown[]) => unknown;
  /** Replaces the selected arguments in the full argument list with new leaves. */
  readonly substitute: (leaves: readonly Tensor[]) => unknown[];
}

/** Flattens the arguments selected by `argnums`, checking they hold float tensors. */
export const selectArgs = (
  op: string,
  args: readonly unknown[],
  argnums: Argnums,
  requireFloatLeaves = true,
): FlatArgs => {
  const nums = typeof argnums === "number" ? [argnums] : [...argnums];
  if (nums.length === 0) throw new TransformError(op, "argnums is empty");
  for (const i of nums) {
    if (!Number.isInteger(i) || i < 0 || i >= args.length) {
      throw new TransformError(op, `argnums ${i} is out of range for ${args.length} argument(s)`);
    }
  }
  const defs: TreeDef[] = [];
  const counts: number[] = [];
  const leaves: Tensor[] = [];
  for (const i of nums) {
    for (const [path, leaf] of flattenWithPath(args[i])) {
      const where = `argument ${i}${path.length ? ` at ${formatPath(path)}` : ""}`;
      if (!(leaf instanceof Tensor)) {
        throw new TransformError(op, `${where} is ${typeof leaf}, not a tensor; only tensors can be differentiated`);
      }
      if (requireFloatLeaves && !isFloat(leaf.dtype)) {
        throw new DTypeError(
          op,
          `${where} has dtype ${leaf.dtype}; only float32/float64 inputs can be differentiated (leave it out of argnums)`,
        );
      }
      leaves.push(leaf);
    }
    const [ls, def] = flatten(args[i]);
    defs.push(def);
    counts.push(ls.length);
  }
  const split = (ls: readonly unknown[]): unknown[] => {
    let at = 0;
    return defs.map((def, j) => {
      const part = ls.slice(at, at + counts[j]);
      at += counts[j];
      return unflatten(def, part);
    });
  };
  return {
    leaves,
    rebuild: (ls) => (typeof argnums === "number" ? split(ls)[0] : split(ls)),
    substitute: (ls) => {
      const parts = split(ls);
      const out = [...args];
      nums.forEach((n, j) => (out[n] = parts[j]));
      return out;
    },
  };
};
