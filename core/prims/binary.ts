/**
 * Elementwise binary primitives with NumPy broadcasting, comparisons, logical
 * ops and `where`. Broadcasting happens inside the kernels (no copies); the
 * derivative rules sum cotangents back to each input's shape.
 *
 * At ties, maximum and minimum split the derivative evenly between their
 * operands (as JAX does), so `clip` passes half a gradient at its bounds.
 *
 * @module
 */
import type { Backend, BinaryOp } from "../../backends/backend.ts";
import { type DType, isFloat } from "../dtype.ts";
import { DTypeError } from "../errors.ts";
import { definePrimitive, type Primitive } from "../primitive.ts";
import { elementwiseBatch } from "./batching.ts";
import { broadcastShapes, broadcastStrides, contiguousStrides, type Shape, shapeEqual } from "../shape.ts";
import { type Aval, type ConcreteTensor, Tensor } from "../tensor.ts";
import { bind } from "../trace.ts";
import { requireFloat, requireNumeric, sameDType } from "./checks.ts";
import { isWeakLike, liftPair, liftTo, markWeak, type TensorLike } from "./lift.ts";
import { broadcastTo, sumToShape } from "./shape.ts";
import { log, neg } from "./unary.ts";

type Kind = "float" | "numeric" | "compare" | "bool";

// This runs for every elementwise op, so it avoids allocating in the common
// case (same dtype, same shape): it then returns the first input as the aval.
const evalBinary = (name: string, kind: Kind, xs: readonly Aval[]): Aval => {
  const a = xs[0];
  const b = xs[1];
  const dtype = a.dtype === b.dtype ? a.dtype : sameDType(name, xs);
  if (kind === "float") requireFloat(name, a, "operands");
  else if (kind === "numeric") requireNumeric(name, a, "operands");
  else if (kind === "bool" && dtype !== "bool") requireBool(name, a);
  const shape = a.shape === b.shape || shapeEqual(a.shape, b.shape) ? a.shape : broadcastShapes(name, a.shape, b.shape);
  const outDtype = kind === "compare" || kind === "bool" ? "bool" : dtype;
  return shape === a.shape && outDtype === a.dtype ? a : { shape, dtype: outDtype };
};

const requireBool = (name: string, a: Aval): never => {
  throw new DTypeError(name, `operands have dtype ${a.dtype}; expected bool`);
};

const layoutOf = (inputs: readonly ConcreteTensor[], shape: Shape) => ({
  shape,
  strides: inputs.map((x) => (x.shape === shape ? contiguousStrides(shape) : broadcastStrides(x.shape, shape))),
});

const runBinary = (name: BinaryOp) => (b: Backend, inputs: readonly ConcreteTensor[], _p: unknown, out: Aval) =>
  b.binary(name, inputs[0].buf, inputs[1].buf, layoutOf(inputs, out.shape), inputs[0].dtype);

/** The tangent of one operand, broadcast to the output's shape. */
const spread = (t: Tensor, out: Aval): Tensor => (shapeEqual(t.shape, out.shape) ? t : broadcastTo(t, out.shape));

const arith = (
  name: BinaryOp,
  kind: Kind,
  rules: Pick<Primitive, "jvp" | "vjp">,
): Primitive => {
  const p: Primitive = definePrimitive({
    name,
    abstractEval: (xs) => evalBinary(name, kind, xs),
    impl: runBinary(name),
    batch: elementwiseBatch(() => p),
    ...rules,
  });
  return p;
};

/** A primitive with zero derivative (comparisons, logical ops). */
const noGrad = (name: BinaryOp, kind: Kind): Primitive => {
  const p: Primitive = definePrimitive({
    name,
    abstractEval: (xs) => evalBinary(name, kind, xs),
    impl: runBinary(name),
    batch: elementwiseBatch(() => p),
    jvp: () => null,
    vjp: () => [null, null],
  });
  return p;
};

const addT = (x: Tensor | null, y: Tensor | null): Tensor | null => (x === null ? y : y === null ? x : add(x, y));

const addP = arith("add", "numeric", {
  // d(a + b) = da + db
  jvp: (_, [da, db], out) => {
    const t = addT(da, db);
    return t === null ? null : spread(t, out);
  },
  vjp: (
    g,
    [a, b],
    _o,
    _p,
    needs,
  ) => [needs[0] ? sumToShape(g, a.shape) : null, needs[1] ? sumToShape(g, b.shape) : null],
});

const subP = arith("sub", "numeric", {
  // d(a − b) = da − db
  jvp: (_, [da, db], out) => {
    if (da === null && db === null) return null;
    return spread(da === null ? neg(db!) : db === null ? da : sub(da, db), out);
  },
  vjp: (g, [a, b], _o, _p, needs) => [
    needs[0] ? sumToShape(g, a.shape) : null,
    needs[1] ? sumToShape(neg(g), b.shape) : null,
  ],
});

const mulP = arith("mul", "numeric", {
  // d(ab) = da·b + a·db
  jvp: ([a, b], [da, db], out) => {
    const t = addT(da === null ? null : mul(da, b), db === null ? null : mul(a, db));
    return t === null ? null : spread(t, out);
  },
  vjp: (g, [a, b], _o, _p, needs) => [
    needs[0] ? sumToShape(mul(g, b), a.shape) : null,
    needs[1] ? sumToShape(mul(g, a), b.shape) : null,
  ],
});

const divP = arith("div", "float", {
  // d(a/b) = da/b − (a/b)·db/b
  jvp: ([, b], [da, db], out) => {
    const t = addT(da === null ? null : div(da, b), db === null ? null : neg(mul(db, div(out, b))));
    return t === null ? null : spread(t, out);
  },
  vjp: (g, [a, b], out, _p, needs) => [
    needs[0] ? sumToShape(div(g, b), a.shape) : null,
    needs[1] ? sumToShape(neg(mul(g, div(out, b))), b.shape) : null,
  ],
});

// ∂(aᵇ)/∂a = b·aᵇ⁻¹;  ∂(aᵇ)/∂b = log(a)·aᵇ, taken as 0 where a = 0 (the limit
// along a > 0). The inner `where` keeps log(0) = −∞ out of the unselected
// branch so that its derivative cannot turn 0·∞ into NaN (the "double where").
const powDa = (a: Tensor, b: Tensor): Tensor => mul(b, pow(a, sub(b, 1)));
const powDb = (a: Tensor, out: Tensor): Tensor => {
  const zero = equal(a, 0);
  return where(zero, 0, mul(log(where(zero, 1, a)), out));
};
const powP = arith("pow", "float", {
  jvp: ([a, b], [da, db], out) => {
    const t = addT(da === null ? null : mul(da, powDa(a, b)), db === null ? null : mul(db, powDb(a, out)));
    return t === null ? null : spread(t, out);
  },
  vjp: (g, [a, b], out, _p, needs) => [
    needs[0] ? sumToShape(mul(g, powDa(a, b)), a.shape) : null,
    needs[1] ? sumToShape(mul(g, powDb(a, out)), b.shape) : null,
  ],
});

/** Weight of the first operand in d max(a, b): 1 where a wins, ½ at ties, 0 otherwise. */
const choose = (first: Tensor, second: Tensor, wins: (x: Tensor, y: Tensor) => Tensor): Tensor =>
  where(wins(first, second), 1, where(equal(first, second), 0.5, 0, first.dtype), first.dtype);

const extremum = (name: "maximum" | "minimum", wins: (x: Tensor, y: Tensor) => Tensor) =>
  arith(name, "numeric", {
    jvp: ([a, b], [da, db], out) => {
      if (da === null && db === null) return null;
      const w = choose(a, b, wins);
      return spread(addT(da === null ? null : mul(da, w), db === null ? null : mul(db, sub(1, w)))!, out);
    },
    vjp: (g, [a, b], _o, _p, needs) => {
      const w = choose(a, b, wins);
      return [
        needs[0] ? sumToShape(mul(g, w), a.shape) : null,
        needs[1] ? sumToShape(mul(g, sub(1, w)), b.shape) : null,
      ];
    },
  });

const maximumP = extremum("maximum", (x, y) => greater(x, y));
const minimumP = extremum("minimum", (x, y) => less(x, y));

const equalP = noGrad("equal", "compare");
const notEqualP = noGrad("notEqual", "compare");
const lessP = noGrad("less", "compare");
const lessEqualP = noGrad("lessEqual", "compare");
const greaterP = noGrad("greater", "compare");
const greaterEqualP = noGrad("greaterEqual", "compare");
const logicalAndP = noGrad("logicalAnd", "bool");
const logicalOrP = noGrad("logicalOr", "bool");

const whereP: Primitive = definePrimitive({
  name: "where",
  abstractEval: ([c, a, b]) => {
    if (c.dtype !== "bool") {
      throw new DTypeError(
        "where",
        `condition has dtype ${c.dtype}; expected bool (compare first, e.g. greater(x, 0))`,
      );
    }
    const dtype = sameDType("where", [a, b]);
    return { shape: broadcastShapes("where", c.shape, a.shape, b.shape), dtype };
  },
  impl: (be, inputs, _p, out) =>
    be.where(inputs[0].buf, inputs[1].buf, inputs[2].buf, layoutOf(inputs, out.shape), out.dtype),
  batch: elementwiseBatch(() => whereP),
  // d where(c, a, b) = where(c, da, db)
  jvp: ([c], [, da, db], out) => {
    if (da === null && db === null) return null;
    // A constant branch contributes no tangent but may be what widens the output.
    return spread(where(c, da ?? 0, db ?? 0, out.dtype), out);
  },
  vjp: (g, [c, a, b], _o, _p, needs) => [
    null,
    needs[1] ? sumToShape(where(c, g, 0), a.shape) : null,
    needs[2] ? sumToShape(where(c, 0, g), b.shape) : null,
  ],
});

const bin = (p: Primitive) => (a: TensorLike, b: TensorLike): Tensor => {
  const out = bind(p, liftPair(p.name, a, b), {});
  // Arithmetic of weak scalars (traced JS numbers) stays weak, as in JAX; a comparison's bool does not.
  return isFloat(out.dtype) && isWeakLike(a) && isWeakLike(b) && (a instanceof Tensor || b instanceof Tensor)
    ? markWeak(out)
    : out;
};

/**
 * a + b, broadcasting.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { add, tensor } from "../../mod.ts";
 * assert.deepEqual(add(tensor([[1], [2]]), tensor([10, 20])).toArray(), [[11, 21], [12, 22]]);
 * ```
 */
export const add: (a: TensorLike, b: TensorLike) => Tensor = bin(addP);
/**
 * a − b, broadcasting.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sub, tensor } from "../../mod.ts";
 * assert.deepEqual(sub(tensor([3, 4]), 1).toArray(), [2, 3]);
 * ```
 */
export const sub: (a: TensorLike, b: TensorLike) => Tensor = bin(subP);
/**
 * a · b elementwise, broadcasting.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mul, tensor } from "../../mod.ts";
 * assert.deepEqual(mul(tensor([1, 2]), tensor([3, 4])).toArray(), [3, 8]);
 * ```
 */
export const mul: (a: TensorLike, b: TensorLike) => Tensor = bin(mulP);
/**
 * a / b elementwise (floats only).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { div, tensor } from "../../mod.ts";
 * assert.deepEqual(div(tensor([1, 3]), 2).toArray(), [0.5, 1.5]);
 * ```
 */
export const div: (a: TensorLike, b: TensorLike) => Tensor = bin(divP);
/**
 * aᵇ elementwise (floats only).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pow, tensor } from "../../mod.ts";
 * assert.deepEqual(pow(tensor([2, 3]), 2).toArray(), [4, 9]);
 * ```
 */
export const pow: (a: TensorLike, b: TensorLike) => Tensor = bin(powP);
/**
 * Elementwise maximum (NaN propagates).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { maximum, tensor } from "../../mod.ts";
 * assert.deepEqual(maximum(tensor([1, 5]), 3).toArray(), [3, 5]);
 * ```
 */
export const maximum: (a: TensorLike, b: TensorLike) => Tensor = bin(maximumP);
/**
 * Elementwise minimum (NaN propagates).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { minimum, tensor } from "../../mod.ts";
 * assert.deepEqual(minimum(tensor([1, 5]), 3).toArray(), [1, 3]);
 * ```
 */
export const minimum: (a: TensorLike, b: TensorLike) => Tensor = bin(minimumP);
/**
 * a = b, as bool.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { equal, tensor } from "../../mod.ts";
 * assert.deepEqual(equal(tensor([1, 2]), 2).toArray(), [0, 1]);
 * ```
 */
export const equal: (a: TensorLike, b: TensorLike) => Tensor = bin(equalP);
/**
 * a ≠ b, as bool.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { notEqual, tensor } from "../../mod.ts";
 * assert.deepEqual(notEqual(tensor([1, 2]), 2).toArray(), [1, 0]);
 * ```
 */
export const notEqual: (a: TensorLike, b: TensorLike) => Tensor = bin(notEqualP);
/**
 * a < b, as bool.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { less, tensor } from "../../mod.ts";
 * assert.deepEqual(less(tensor([1, 2]), 2).toArray(), [1, 0]);
 * ```
 */
export const less: (a: TensorLike, b: TensorLike) => Tensor = bin(lessP);
/**
 * a ≤ b, as bool.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lessEqual, tensor } from "../../mod.ts";
 * assert.deepEqual(lessEqual(tensor([1, 3]), 2).toArray(), [1, 0]);
 * ```
 */
export const lessEqual: (a: TensorLike, b: TensorLike) => Tensor = bin(lessEqualP);
/**
 * a > b, as bool.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { greater, tensor } from "../../mod.ts";
 * assert.deepEqual(greater(tensor([1, 3]), 2).toArray(), [0, 1]);
 * ```
 */
export const greater: (a: TensorLike, b: TensorLike) => Tensor = bin(greaterP);
/**
 * a ≥ b, as bool.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { greaterEqual, tensor } from "../../mod.ts";
 * assert.deepEqual(greaterEqual(tensor([1, 2]), 2).toArray(), [0, 1]);
 * ```
 */
export const greaterEqual: (a: TensorLike, b: TensorLike) => Tensor = bin(greaterEqualP);
/**
 * Boolean and.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { logicalAnd, tensor } from "../../mod.ts";
 * assert.deepEqual(logicalAnd(tensor([true, true]), tensor([true, false])).toArray(), [1, 0]);
 * ```
 */
export const logicalAnd = (a: Tensor, b: Tensor): Tensor => bind(logicalAndP, [a, b], {});
/**
 * Boolean or.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { logicalOr, tensor } from "../../mod.ts";
 * assert.deepEqual(logicalOr(tensor([false, false]), tensor([true, false])).toArray(), [1, 0]);
 * ```
 */
export const logicalOr = (a: Tensor, b: Tensor): Tensor => bind(logicalOrP, [a, b], {});

/**
 * Picks `a` where `cond` is true and `b` elsewhere, broadcasting all three.
 * Numbers take the dtype of the tensor branch (or `dtype`, float32 by default).
 *
 * A NaN computed in the branch that is not selected still reaches the
 * gradient (0·NaN = NaN): sanitize that branch's input with a second `where`
 * (see `safeLog` in the README's "where trap").
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { where, greater, tensor } from "../../mod.ts";
 * const x = tensor([-1, 2]);
 * assert.deepEqual(where(greater(x, 0), x, 0).toArray(), [0, 2]);
 * ```
 */
export const where = (cond: Tensor, a: TensorLike, b: TensorLike, dtype?: DType): Tensor => {
  const d = typeof a !== "number" ? a.dtype : typeof b !== "number" ? b.dtype : dtype ?? "float32";
  return bind(whereP, [cond, liftTo("where", a, d), liftTo("where", b, d)], {});
};
