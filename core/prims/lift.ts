/**
 * Turning op arguments into tensors, with JS numbers weakly typed: a number
 * takes the dtype of the tensor it meets (as a Python scalar does in JAX),
 * so `mul(x, 2)` keeps `x` in float32.
 *
 * @module
 */
import { fromTyped } from "../creation.ts";
import { allocTyped, type DType, isFloat } from "../dtype.ts";
import { DTypeError } from "../errors.ts";
import type { Shape } from "../shape.ts";
import { activeBackend } from "../backend_registry.ts";
import { type ConcreteTensor, markPermanent, Tensor } from "../tensor.ts";
import { canTake } from "../transfer.ts";
import { cast } from "./misc.ts";

/** A tensor or a JS number (weakly typed). */
export type TensorLike = Tensor | number;

const SCALAR: Shape = Object.freeze([]);
const cache: Record<DType, Map<number, Tensor>> = {
  float32: new Map(),
  float64: new Map(),
  int32: new Map(),
  bool: new Map(),
};
const CACHE_LIMIT = 256;

/**
 * A scalar constant of `dtype`. Numbers in ops (`mul(x, 2)`) become these on
 * every call, so recent ones are kept: tensors are immutable, so sharing one
 * is safe. A kept one is reused only where the active backend can take its
 * storage (any host-storage backend's, or its own).
 */
export const constant = (value: number, dtype: DType): Tensor => {
  const m = cache[dtype];
  let t = m.get(value);
  if (t === undefined || Object.is(value, -0) || !canTake(activeBackend(), (t as ConcreteTensor).backend)) {
    const arr = allocTyped(dtype, 1);
    arr[0] = value;
    t = fromTyped(arr, SCALAR);
    markPermanent(t); // shared by every op that meets this number: dispose and tidy leave it alone
    if (m.size >= CACHE_LIMIT) m.clear();
    if (!Object.is(value, -0)) m.set(value, t);
  }
  return t;
};

/**
 * Makes a tensor of `x` for an op whose other operand has `dtype`; numbers
 * become scalars of that dtype. A non-integer number never silently becomes
 * an integer.
 */
export const liftTo = (op: string, x: TensorLike, dtype: DType): Tensor => {
  if (x instanceof Tensor) return weak.has(x) && x.dtype !== dtype ? cast(x, dtype) : x;
  if (typeof x !== "number") throw new DTypeError(op, `expected a tensor or a number, got ${typeof x}`);
  if (!isFloat(dtype) && !Number.isInteger(x)) {
    throw new DTypeError(
      op,
      `cannot combine ${
        dtype === "int32" ? "an" : "a"
      } ${dtype} tensor with the non-integer ${x}; cast the tensor first`,
    );
  }
  if (dtype === "int32" && (x > 2147483647 || x < -2147483648)) {
    throw new DTypeError(op, `${x} does not fit in int32 (the dtype of the other operand)`);
  }
  return constant(x, dtype);
};

/**
 * Lifts two operands: numbers (and weak scalars) take the other side's
 * dtype, or float32 if both are numbers.
 */
export const liftPair = (op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] => {
  const ta = a instanceof Tensor ? a : undefined, tb = b instanceof Tensor ? b : undefined;
  const first = ta !== undefined && !weak.has(ta) ? ta : tb !== undefined && !weak.has(tb) ? tb : ta ?? tb;
  const dtype = first?.dtype ?? "float32";
  return [liftTo(op, a, dtype), liftTo(op, b, dtype)];
};

// ----------------------------------------------------------- weak scalars

/**
 * Weakly typed scalar tensors: what `jit` traces a JS number argument as. A
 * weak scalar meeting a tensor is cast to that tensor's dtype, as the number
 * itself would have been, so `jit((x, lr) => mul(x, lr))` keeps `x` in
 * float32. It is float64 (the number's full precision) until then.
 */
const weak = new WeakSet<Tensor>();

/** @internal Marks `t` (a scalar) as weakly typed; returns it. */
export const markWeak = (t: Tensor): Tensor => {
  weak.add(t);
  return t;
};

/** @internal Whether `x` is a number or a weak scalar (arithmetic of two such stays weak). */
export const isWeakLike = (x: TensorLike): boolean => typeof x === "number" || weak.has(x);

/** Lifts one operand (a number becomes a float32 scalar). */
export const lift = (op: string, x: TensorLike): Tensor => liftTo(op, x, "float32");
