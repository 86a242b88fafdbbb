/**
 * Elementwise unary primitives. Each rule carries its formula; most are
 * "multiply by the local derivative" (`smooth`), computed from the input x
 * and, where cheaper, the output y.
 *
 * Conventions at kinks (as JAX and PyTorch): relu'(0) = 0, abs'(0) = 0
 * (through sign(0) = 0); sign, floor, ceil and round have zero derivative.
 *
 * @module
 */
import type { UnaryOp } from "../../backends/backend.ts";
import { definePrimitive, type Primitive } from "../primitive.ts";
import { DTypeError } from "../errors.ts";
import type { Aval, Tensor } from "../tensor.ts";
import { bind } from "../trace.ts";
import { add, div, greater, mul, sub, where } from "./binary.ts";
import { requireFloat, requireNumeric } from "./checks.ts";
import { lift, type TensorLike } from "./lift.ts";

type Kind = "float" | "numeric" | "bool";

const check = (name: string, kind: Kind, x: Aval): void => {
  if (kind === "float") requireFloat(name, x);
  else if (kind === "numeric") requireNumeric(name, x);
  else if (x.dtype !== "bool") throw new DTypeError(name, `input has dtype ${x.dtype}; expected bool`);
};

/** The shape rule and kernel call every unary primitive shares; only the derivative rules differ. */
const unary = (name: UnaryOp, kind: Kind, rules: Pick<Primitive, "jvp" | "vjp">): Primitive => {
  const p: Primitive = definePrimitive({
    name,
    abstractEval: ([x]) => {
      check(name, kind, x);
      return x;
    },
    impl: (b, [x]) => b.unary(name, x.buf, x.dtype),
    // elementwise: the batch axis stays where it is
    batch: ([x], [d]) => [bind(p, [x], {}), d],
    ...rules,
  });
  return p;
};

/** A unary primitive whose derivative is `dy = deriv(x, y) · dx`. */
const smooth = (name: UnaryOp, deriv: (x: Tensor, y: Tensor) => Tensor, kind: Kind = "float"): Primitive =>
  unary(name, kind, {
    jvp: ([x], [dx], y) => (dx === null ? null : mul(dx, deriv(x, y))),
    vjp: (g, [x], y) => [mul(g, deriv(x, y))],
  });

/** A unary primitive that is piecewise constant: zero derivative. */
const flat = (name: UnaryOp, kind: Kind): Primitive => unary(name, kind, { jvp: () => null, vjp: () => [null] });

const negP = unary("neg", "numeric", {
  // linear: d(−x) = −dx
  jvp: (_, [dx]) => (dx === null ? null : neg(dx)),
  vjp: (g) => [neg(g)],
});

const signP = flat("sign", "numeric");
const absP = smooth("abs", (x) => sign(x), "numeric"); // d|x| = sign(x) dx
const expP = smooth("exp", (_, y) => y); // d eˣ = eˣ dx
const logP = smooth("log", (x) => div(1, x)); // d log x = dx / x
const log1pP = smooth("log1p", (x) => div(1, add(x, 1))); // d log(1+x) = dx / (1+x)
const expm1P = smooth("expm1", (_, y) => add(y, 1)); // d (eˣ−1) = eˣ dx
const sqrtP = smooth("sqrt", (_, y) => div(0.5, y)); // d √x = dx / (2√x)
const rsqrtP = smooth("rsqrt", (x, y) => mul(-0.5, div(y, x))); // d x^(−½) = −½ x^(−3/2) dx
const squareP = smooth("square", (x) => mul(2, x), "numeric"); // d x² = 2x dx
const sinP = smooth("sin", (x) => cos(x)); // d sin = cos dx
const cosP = smooth("cos", (x) => neg(sin(x))); // d cos = −sin dx
const tanP = smooth("tan", (_, y) => add(1, square(y))); // d tan = (1 + tan²) dx
const tanhP = smooth("tanh", (_, y) => sub(1, square(y))); // d tanh = (1 − y²) dx
const sigmoidP = smooth("sigmoid", (_, y) => mul(y, sub(1, y))); // dσ = σ(1 − σ) dx
// d softplus = σ(x) dx: the rule the composed max(x,0) + log1p(e^−|x|) gets wrong at 0
const softplusP = smooth("softplus", (x) => sigmoid(x));
// d erf = (2/√π) e^(−x²) dx
const erfP = smooth("erf", (x) => mul(2 / Math.sqrt(Math.PI), exp(neg(square(x)))));
const floorP = flat("floor", "float");
const ceilP = flat("ceil", "float");
const roundP = flat("round", "float");
const logicalNotP = flat("logicalNot", "bool");

const reluP = unary("relu", "numeric", {
  // d relu = [x > 0] dx, so relu'(0) = 0
  jvp: ([x], [dx]) => (dx === null ? null : where(greater(x, 0), dx, 0)),
  vjp: (g, [x]) => [where(greater(x, 0), g, 0)],
});

const un = (p: Primitive) => (x: TensorLike): Tensor => bind(p, [lift(p.name, x)], {});

/**
 * −x. Linear.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { neg, tensor } from "../../mod.ts";
 * assert.deepEqual(neg(tensor([1, -2])).toArray(), [-1, 2]);
 * ```
 */
export const neg: (x: TensorLike) => Tensor = un(negP);
/**
 * |x|, with derivative sign(x) (0 at 0).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { abs, tensor } from "../../mod.ts";
 * assert.deepEqual(abs(tensor([-1.5, 2])).toArray(), [1.5, 2]);
 * ```
 */
export const abs: (x: TensorLike) => Tensor = un(absP);
/**
 * −1, 0 or 1 (NaN stays NaN); zero derivative.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sign, tensor } from "../../mod.ts";
 * assert.deepEqual(sign(tensor([-3, 0, 2])).toArray(), [-1, 0, 1]);
 * ```
 */
export const sign: (x: TensorLike) => Tensor = un(signP);
/**
 * eˣ.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exp, tensor } from "../../mod.ts";
 * assert.deepEqual(exp(tensor([0])).toArray(), [1]);
 * ```
 */
export const exp: (x: TensorLike) => Tensor = un(expP);
/**
 * Natural logarithm (NaN below 0, −∞ at 0).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { log, tensor } from "../../mod.ts";
 * assert.deepEqual(log(tensor([1])).toArray(), [0]);
 * ```
 */
export const log: (x: TensorLike) => Tensor = un(logP);
/**
 * log(1 + x), accurate for small x.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { log1p, tensor } from "../../mod.ts";
 * assert.equal(log1p(tensor([1e-10], { dtype: "float64" })).item(), Math.log1p(1e-10)); // ≠ log(1 + 1e-10)
 * ```
 */
export const log1p: (x: TensorLike) => Tensor = un(log1pP);
/**
 * eˣ − 1, accurate for small x.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { expm1, tensor } from "../../mod.ts";
 * assert.equal(expm1(tensor([1e-10], { dtype: "float64" })).item(), Math.expm1(1e-10)); // ≠ exp(1e-10) − 1
 * ```
 */
export const expm1: (x: TensorLike) => Tensor = un(expm1P);
/**
 * √x.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sqrt, tensor } from "../../mod.ts";
 * assert.deepEqual(sqrt(tensor([4, 9])).toArray(), [2, 3]);
 * ```
 */
export const sqrt: (x: TensorLike) => Tensor = un(sqrtP);
/**
 * 1/√x.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rsqrt, tensor } from "../../mod.ts";
 * assert.deepEqual(rsqrt(tensor([4])).toArray(), [0.5]);
 * ```
 */
export const rsqrt: (x: TensorLike) => Tensor = un(rsqrtP);
/**
 * x².
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { square, tensor } from "../../mod.ts";
 * assert.deepEqual(square(tensor([-3])).toArray(), [9]);
 * ```
 */
export const square: (x: TensorLike) => Tensor = un(squareP);
/**
 * sin x.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sin, tensor } from "../../mod.ts";
 * assert.deepEqual(sin(tensor([0])).toArray(), [0]);
 * ```
 */
export const sin: (x: TensorLike) => Tensor = un(sinP);
/**
 * cos x.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cos, tensor } from "../../mod.ts";
 * assert.deepEqual(cos(tensor([0])).toArray(), [1]);
 * ```
 */
export const cos: (x: TensorLike) => Tensor = un(cosP);
/**
 * tan x.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tan, tensor } from "../../mod.ts";
 * assert.deepEqual(tan(tensor([0])).toArray(), [0]);
 * ```
 */
export const tan: (x: TensorLike) => Tensor = un(tanP);
/**
 * tanh x.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tanh, tensor } from "../../mod.ts";
 * assert.deepEqual(tanh(tensor([0])).toArray(), [0]);
 * ```
 */
export const tanh: (x: TensorLike) => Tensor = un(tanhP);
/**
 * The logistic function 1/(1 + e⁻ˣ), safe at ±∞.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sigmoid, tensor } from "../../mod.ts";
 * assert.deepEqual(sigmoid(tensor([0, 1e4, -1e4])).toArray(), [0.5, 1, 0]);
 * ```
 */
export const sigmoid: (x: TensorLike) => Tensor = un(sigmoidP);
/**
 * softplus x = log(1 + eˣ), computed as max(x, 0) + log1p(e^(−|x|)) so it
 * never overflows (softplus(1e4) = 1e4, softplus(−1e4) = 0); its derivative
 * is σ(x) (½ at 0). PyTorch's `Softplus` switches to x above 20; the values
 * agree to rounding.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { softplus, tensor } from "../../mod.ts";
 * assert.deepEqual(softplus(tensor([0, 1e4, -1e4], { dtype: "float64" })).toArray(), [Math.LN2, 1e4, 0]);
 * ```
 */
export const softplus: (x: TensorLike) => Tensor = un(softplusP);
/**
 * The error function erf x = (2/√π) ∫₀ˣ e^(−t²) dt (for GELU's exact form),
 * accurate to a few ulp in float64; derivative (2/√π) e^(−x²).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { erf, tensor } from "../../mod.ts";
 * const [a, b, c] = erf(tensor([0, 1, -Infinity], { dtype: "float64" })).toArray() as number[];
 * assert.deepEqual([a, c], [0, -1]);
 * assert.ok(Math.abs(b - 0.8427007929497149) < 1e-15);
 * ```
 */
export const erf: (x: TensorLike) => Tensor = un(erfP);
/**
 * max(x, 0), with relu'(0) = 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { relu, tensor } from "../../mod.ts";
 * assert.deepEqual(relu(tensor([-1, 0, 2])).toArray(), [0, 0, 2]);
 * ```
 */
export const relu: (x: TensorLike) => Tensor = un(reluP);
/**
 * Largest integer ≤ x; zero derivative.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { floor, tensor } from "../../mod.ts";
 * assert.deepEqual(floor(tensor([-1.5, 1.5])).toArray(), [-2, 1]);
 * ```
 */
export const floor: (x: TensorLike) => Tensor = un(floorP);
/**
 * Smallest integer ≥ x; zero derivative.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ceil, tensor } from "../../mod.ts";
 * assert.deepEqual(ceil(tensor([-1.5, 1.5])).toArray(), [-1, 2]);
 * ```
 */
export const ceil: (x: TensorLike) => Tensor = un(ceilP);
/**
 * Nearest integer, halves to even (as NumPy); zero derivative.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { round, tensor } from "../../mod.ts";
 * assert.deepEqual(round(tensor([0.5, 1.5, 2.5])).toArray(), [0, 2, 2]);
 * ```
 */
export const round: (x: TensorLike) => Tensor = un(roundP);
/**
 * Boolean not.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { logicalNot, tensor } from "../../mod.ts";
 * assert.deepEqual(logicalNot(tensor([true, false])).toArray(), [0, 1]);
 * ```
 */
export const logicalNot = (x: Tensor): Tensor => bind(logicalNotP, [x], {});
