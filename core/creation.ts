/**
 * Constructors: tensors from nested arrays or typed arrays, and the usual
 * filled tensors (`zeros`, `ones`, `full`, `arange`, `linspace`, `eye`).
 *
 * Every constructor returns a concrete tensor; inside a transform such a
 * tensor is a constant.
 *
 * @module
 */
import { activeBackend } from "./backend_registry.ts";
import { allocTyped, checkDType, type DType, dtypeOf, type TypedArray } from "./dtype.ts";
import { ValueError } from "./errors.ts";
import { checkShape, formatShape, type Shape, sizeOf } from "./shape.ts";
import { ConcreteTensor, frozenShape, pinStorage, type Tensor } from "./tensor.ts";

/** Options shared by the constructors. */
export interface CreateOptions {
  /** Element type; `float32` unless the data say otherwise (booleans → `bool`, typed arrays → their type). */
  readonly dtype?: DType;
}

/** Data `tensor` accepts: a number, a boolean, nested arrays of them, or a typed array. */
export type TensorData = number | boolean | TypedArray | readonly TensorData[];

/**
 * @internal Wraps a typed array the caller will never write again as a
 * tensor. The caller may still read it, so its storage is never recycled.
 */
export const fromTyped = (data: TypedArray, shape: Shape): ConcreteTensor => {
  const be = activeBackend();
  const buf = be.fromTypedArray(data);
  pinStorage(buf);
  return new ConcreteTensor(frozenShape(shape), dtypeOf(data), buf, be);
};

const isTyped = (x: unknown): x is TypedArray =>
  x instanceof Float32Array || x instanceof Float64Array || x instanceof Int32Array || x instanceof Uint8Array;

/** Float → int32 as `cast` does it: truncate toward zero, saturate at the int32 limits, NaN → 0. */
const toInt32 = (x: number): number =>
  x !== x ? 0 : x >= 2147483647 ? 2147483647 : x <= -2147483648 ? -2147483648 : Math.trunc(x);

const convert = (src: ArrayLike<number>, dtype: DType): TypedArray => {
  const out = allocTyped(dtype, src.length);
  if (dtype === "bool") { for (let i = 0; i < src.length; i++) out[i] = src[i] !== 0 ? 1 : 0; }
  else if (dtype === "int32") { for (let i = 0; i < src.length; i++) out[i] = toInt32(src[i]); }
  else out.set(src);
  return out;
};

/** Walks nested arrays: checks they are rectangular and collects the leaves. */
const flattenNested = (data: readonly TensorData[]): { shape: number[]; flat: number[]; allBool: boolean } => {
  const shape: number[] = [];
  for (let d: unknown = data; Array.isArray(d); d = d[0]) shape.push(d.length);
  const flat: number[] = [];
  let sawBool = false;
  let sawNumber = false;
  const walk = (node: unknown, depth: number, path: number[]): void => {
    if (depth === shape.length) {
      if (typeof node === "number") sawNumber = true;
      else if (typeof node === "boolean") sawBool = true;
      else {
        throw new ValueError(
          "tensor",
          `element at [${path.join(",")}] is ${Array.isArray(node) ? "an array" : typeof node}; ` +
            `expected a number or boolean (is the nested array ragged?)`,
        );
      }
      flat.push(Number(node));
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      throw new ValueError(
        "tensor",
        `ragged nested array: at [${path.join(",")}] expected an array of length ${shape[depth]}, got ${
          Array.isArray(node) ? `length ${node.length}` : typeof node
        } (inferred shape ${formatShape(shape)})`,
      );
    }
    for (let i = 0; i < node.length; i++) walk(node[i], depth + 1, [...path, i]);
  };
  walk(data, 0, []);
  if (sawBool && sawNumber) throw new ValueError("tensor", "nested array mixes numbers and booleans");
  return { shape, flat, allBool: sawBool };
};

/**
 * A tensor from a number, a boolean, nested arrays or a typed array.
 * A typed array is copied and, without `shape`, is 1-D.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tensor } from "../mod.ts";
 * assert.deepEqual(tensor([[1, 2, 3], [4, 5, 6]]).shape, [2, 3]);
 * assert.equal(tensor(2.5, { dtype: "float64" }).item(), 2.5);
 * assert.deepEqual(tensor(new Float32Array([1, 2, 3, 4]), { shape: [2, 2] }).toArray(), [[1, 2], [3, 4]]);
 * assert.throws(() => tensor([[1, 2], [3]]), /ragged/);
 * ```
 */
export const tensor = (data: TensorData, opts: CreateOptions & { readonly shape?: Shape } = {}): Tensor => {
  const dtype = opts.dtype === undefined ? undefined : checkDType("tensor", opts.dtype);
  if (typeof data === "number" || typeof data === "boolean") {
    const d = dtype ?? (typeof data === "boolean" ? "bool" : "float32");
    const shape = opts.shape === undefined ? [] : checkShape("tensor", opts.shape);
    if (sizeOf(shape) !== 1) throw new ValueError("tensor", `a single value cannot have shape ${formatShape(shape)}`);
    return fromTyped(convert([Number(data)], d), shape);
  }
  if (isTyped(data)) {
    if (data instanceof Uint8Array && dtype === undefined) {
      throw new ValueError(
        "tensor",
        `a Uint8Array needs an explicit dtype: "bool" for masks (non-zero is true), "float32" or "int32" for byte values`,
      );
    }
    const shape = opts.shape === undefined ? [data.length] : checkShape("tensor", opts.shape);
    if (sizeOf(shape) !== data.length) {
      throw new ValueError("tensor", `${data.length} elements cannot have shape ${formatShape(shape)}`);
    }
    const d = dtype ?? dtypeOf(data);
    // A Uint8Array is normalized even into bool, so that bytes other than 0/1 become true (1).
    return fromTyped(d === dtypeOf(data) && d !== "bool" ? data.slice() : convert(data, d), shape);
  }
  if (!Array.isArray(data)) {
    throw new ValueError("tensor", `expected a number, boolean, nested array or typed array, got ${typeof data}`);
  }
  const { shape, flat, allBool } = flattenNested(data);
  const d = dtype ?? (allBool ? "bool" : "float32");
  if (opts.shape !== undefined) {
    const want = checkShape("tensor", opts.shape);
    if (sizeOf(want) !== flat.length) {
      throw new ValueError("tensor", `${flat.length} elements cannot have shape ${formatShape(want)}`);
    }
    return fromTyped(convert(flat, d), want);
  }
  return fromTyped(convert(flat, d), shape);
};

/**
 * A scalar (rank-0) tensor.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scalar } from "../mod.ts";
 * assert.deepEqual(scalar(3).shape, []);
 * ```
 */
export const scalar = (value: number, dtype: DType = "float32"): Tensor => tensor(value, { dtype });

/**
 * A tensor of `shape` with every element `value`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { full } from "../mod.ts";
 * assert.deepEqual(full([2], 7).toArray(), [7, 7]);
 * ```
 */
export const full = (shape: Shape, value: number, opts: CreateOptions = {}): Tensor =>
  fullFor("full", shape, value, opts);

/** `full`, with errors naming `op` (the function the caller used). */
const fullFor = (op: string, shape: Shape, value: number, opts: CreateOptions): Tensor => {
  const s = checkShape(op, shape);
  const dtype = checkDType(op, opts.dtype ?? "float32");
  const be = activeBackend();
  return new ConcreteTensor(frozenShape(s), dtype, be.full(dtype, sizeOf(s), value), be);
};

/**
 * A tensor of zeros.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { zeros } from "../mod.ts";
 * assert.deepEqual(zeros([2, 2]).toArray(), [[0, 0], [0, 0]]);
 * ```
 */
export const zeros = (shape: Shape, opts: CreateOptions = {}): Tensor => fullFor("zeros", shape, 0, opts);

/**
 * A tensor of ones.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ones } from "../mod.ts";
 * assert.deepEqual(ones([3], { dtype: "int32" }).toArray(), [1, 1, 1]);
 * ```
 */
export const ones = (shape: Shape, opts: CreateOptions = {}): Tensor => fullFor("ones", shape, 1, opts);

/**
 * Zeros with the shape and dtype of `x`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tensor, zerosLike } from "../mod.ts";
 * assert.deepEqual(zerosLike(tensor([1, 2])).toArray(), [0, 0]);
 * ```
 */
export const zerosLike = (x: Tensor): Tensor => full(x.shape, 0, { dtype: x.dtype });

/**
 * Ones with the shape and dtype of `x`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tensor, onesLike } from "../mod.ts";
 * assert.deepEqual(onesLike(tensor([1, 2])).toArray(), [1, 1]);
 * ```
 */
export const onesLike = (x: Tensor): Tensor => full(x.shape, 1, { dtype: x.dtype });

/**
 * Evenly spaced values in `[start, stop)`: `arange(stop)`, `arange(start, stop, step?)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { arange } from "../mod.ts";
 * assert.deepEqual(arange(4).toArray(), [0, 1, 2, 3]);
 * assert.deepEqual(arange(1, 2, 0.25, { dtype: "float64" }).toArray(), [1, 1.25, 1.5, 1.75]);
 * ```
 */
export function arange(stop: number, opts?: CreateOptions): Tensor;
/** Values in `[start, stop)` with `step` (default 1). */
export function arange(start: number, stop: number, step?: number, opts?: CreateOptions): Tensor;
export function arange(
  a: number,
  b?: number | CreateOptions,
  c?: number | CreateOptions,
  d?: CreateOptions,
): Tensor {
  const twoArgs = typeof b === "number";
  const start = twoArgs ? a : 0;
  const stop = twoArgs ? b : a;
  const step = twoArgs && typeof c === "number" ? c : 1;
  const opts = (twoArgs ? (typeof c === "number" ? d : c) : b) ?? {};
  for (const [name, v] of [["start", start], ["stop", stop], ["step", step]] as const) {
    if (!Number.isFinite(v)) throw new ValueError("arange", `${name} must be finite, got ${v}`);
  }
  if (step === 0) throw new ValueError("arange", "step must not be 0");
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const dtype = checkDType("arange", opts.dtype ?? "float32");
  const out = allocTyped(dtype, n);
  for (let i = 0; i < n; i++) out[i] = start + i * step;
  return fromTyped(out, [n]);
}

/**
 * `num` evenly spaced values from `start` to `stop` inclusive.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { linspace } from "../mod.ts";
 * assert.deepEqual(linspace(0, 1, 5).toArray(), [0, 0.25, 0.5, 0.75, 1]);
 * ```
 */
export const linspace = (start: number, stop: number, num: number, opts: CreateOptions = {}): Tensor => {
  if (!Number.isSafeInteger(num) || num < 0) {
    throw new ValueError("linspace", `num must be a non-negative integer, got ${num}`);
  }
  const dtype = checkDType("linspace", opts.dtype ?? "float32");
  const out = allocTyped(dtype, num);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) out[i] = start + i * step;
  if (num > 1) out[num - 1] = stop;
  return fromTyped(out, [num]);
};

/**
 * The `n`×`m` identity matrix (`m` defaults to `n`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { eye } from "../mod.ts";
 * assert.deepEqual(eye(2).toArray(), [[1, 0], [0, 1]]);
 * ```
 */
export const eye = (n: number, m: number = n, opts: CreateOptions = {}): Tensor => {
  const [rows, cols] = checkShape("eye", [n, m]);
  const dtype = checkDType("eye", opts.dtype ?? "float32");
  const out = allocTyped(dtype, rows * cols);
  for (let i = 0; i < Math.min(rows, cols); i++) out[i * cols + i] = 1;
  return fromTyped(out, [rows, cols]);
};
