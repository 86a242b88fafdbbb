/**
 * The tensor type. A tensor is an immutable value: a shape, a dtype and, for
 * a concrete tensor, storage owned by the backend. Inside a transform a
 * function sees tracers, which are tensors too (see `trace.ts`), so user code
 * never needs to know whether it is being differentiated.
 *
 * @module
 */
import type { Backend, Buf } from "../backends/backend.ts";
import type { DType, TypedArray } from "./dtype.ts";
import { ValueError } from "./errors.ts";
import { JUPYTER_DISPLAY, tensorDisplay } from "./display.ts";
import { formatShape, type Shape, sizeOf, stridesOf } from "./shape.ts";

/** Nested arrays of numbers, as `toArray()` returns them. */
export type NestedArray = number | NestedArray[];

/** The abstract value of a tensor: what tracing and shape rules know of it. */
export interface Aval {
  /** The extent of each axis. */
  readonly shape: Shape;
  /** The element type. */
  readonly dtype: DType;
}

/**
 * An immutable n-dimensional array. Make one with `tensor`, `zeros`, … and
 * transform it with the op functions; nothing ever writes into it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tensor } from "../mod.ts";
 * const x = tensor([[1, 2], [3, 4]]);
 * assert.deepEqual(x.shape, [2, 2]);
 * assert.equal(x.dtype, "float32");
 * assert.deepEqual(x.toArray(), [[1, 2], [3, 4]]);
 * ```
 */
export abstract class Tensor implements Aval {
  /** The extent of each axis. */
  readonly shape: Shape;
  /** The element type. */
  readonly dtype: DType;
  /** The number of elements. */
  readonly size: number;

  /** For subclasses: `shape` must be frozen (tensors share shape arrays). */
  constructor(shape: Shape, dtype: DType) {
    // Shapes are shared between tensors (an elementwise op's output reuses its
    // input's), so every shape reaching here is frozen by its maker (see
    // `frozenShape`); checking here would cost more than the op on small tensors.
    this.shape = shape;
    this.dtype = dtype;
    this.size = sizeOf(shape);
  }

  /** The number of axes. */
  get ndim(): number {
    return this.shape.length;
  }

  /**
   * The concrete tensor holding this tensor's value: itself, or the primal
   * value under a differentiation transform. Throws for a value that is only
   * symbolic (inside `trace`).
   */
  abstract concrete(): ConcreteTensor;

  /**
   * The elements as nested arrays (a number for a scalar; bool as 0/1).
   * Synchronous: every backend here can read its storage at once; a backend
   * that cannot (a GPU) throws a `BackendError` pointing to {@link array}.
   */
  toArray(): NestedArray {
    const c = this.concrete();
    return nest(c.hostData("toArray"), c.shape);
  }

  /** A fresh typed array with the elements in row-major order (synchronous, like {@link toArray}). */
  toTypedArray(): TypedArray {
    return this.concrete().hostData("toTypedArray").slice();
  }

  /** The value of a one-element tensor (synchronous, like {@link toArray}). */
  item(): number {
    const c = this.concrete();
    if (c.size !== 1) {
      throw new ValueError("item", `expected a tensor with one element, got shape ${formatShape(c.shape)}`);
    }
    return c.hostData("item")[0];
  }

  /**
   * A fresh typed array with the elements in row-major order, read through
   * the tensor's backend; works on every backend, including those whose
   * storage can only be read asynchronously.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { tensor } from "../mod.ts";
   * const d = await tensor([[1, 2], [3, 4]]).data();
   * assert.deepEqual([...d], [1, 2, 3, 4]);
   * ```
   */
  async data(): Promise<TypedArray> {
    const c = this.concrete();
    if (c.disposed) throw disposedError("data", undefined, c.disposedBy);
    return await c.backend.read(c.buf);
  }

  /**
   * The elements as nested arrays, like {@link toArray}, read asynchronously
   * (see {@link data}).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { tensor } from "../mod.ts";
   * assert.deepEqual(await tensor([[1, 2], [3, 4]]).array(), [[1, 2], [3, 4]]);
   * ```
   */
  async array(): Promise<NestedArray> {
    const shape = this.shape;
    return nest(await this.data(), shape);
  }

  /** The notebook display: an HTML table (truncated) and `toString()`; see core/display.ts. */
  [JUPYTER_DISPLAY](): Readonly<Record<string, string>> {
    return tensorDisplay(this);
  }

  /** `Tensor(f32[2,2], [[1,2],[3,4]])`, abbreviated for large tensors. */
  toString(): string {
    const head = `${this.dtype}${formatShape(this.shape)}`;
    if (this.size > 100) return `Tensor(${head})`;
    try {
      return `Tensor(${head}, ${JSON.stringify(this.toArray())})`;
    } catch {
      return `Tensor(${head})`;
    }
  }
}

/**
 * @internal Freezes a freshly made shape array for a new tensor (a shape that
 * is already some tensor's is frozen, and passes through).
 */
export const frozenShape = (shape: Shape): Shape => (Object.isFrozen(shape) ? shape : Object.freeze([...shape]));

// ---------------------------------------------------------------------------
// Storage lifetime (see memory.ts): which buffers may be recycled when their
// tensor is disposed, and who hears of new tensors while a `tidy` runs.

/** Buffers never to recycle: shared by several tensors, or handed in from outside. */
const pinned = new WeakSet<object>();
/** Tensors that `dispose` leaves alone (cached constants shared by everyone). */
const permanent = new WeakSet<object>();
let onCreate: ((t: ConcreteTensor) => void) | undefined;

/** @internal Marks `buf` as never to be recycled. */
export const pinStorage = (buf: Buf): void => {
  pinned.add(buf);
};
/** @internal Whether `buf` may never be recycled. */
export const isPinned = (buf: Buf): boolean => pinned.has(buf);
/** @internal Makes `t` immune to `dispose` and `tidy` (for shared cached constants). */
export const markPermanent = (t: Tensor): void => {
  permanent.add(t);
};
/** @internal Whether `dispose` must leave `t` alone. */
export const isPermanent = (t: Tensor): boolean => permanent.has(t);
/** @internal Sets (or clears) the function told of every new concrete tensor. */
export const setCreationHook = (f: ((t: ConcreteTensor) => void) | undefined): void => {
  onCreate = f;
};

/** @internal The error for using a disposed tensor in `op`. */
export const disposedError = (op: string, what = "a tensor", by?: string): ValueError =>
  new ValueError(op, `${what} was ${by ?? "disposed (by dispose or tidy)"} and cannot be used any more`);

/**
 * A tensor whose value is known: its storage is `buf`, a handle owned by
 * `backend`, the backend that made it. Users meet it as `Tensor`; the class
 * is exported for the core and backends.
 */
export class ConcreteTensor extends Tensor {
  /** @internal Storage owned by `backend`; never written after construction. */
  readonly buf: Buf;
  /** @internal The backend that made `buf`: it reads it, and `dispose` returns it there. */
  readonly backend: Backend;
  /** @internal Set by `dispose`: the storage may have been recycled. */
  disposed = false;
  /** @internal How it was disposed, when not by `dispose`/`tidy` (for the error: "donated to jit(step)"). */
  disposedBy?: string;

  /** @internal Made by ops and constructors only; `shape` must be frozen. */
  constructor(shape: Shape, dtype: DType, buf: Buf, backend: Backend) {
    super(shape, dtype);
    this.buf = buf;
    this.backend = backend;
    if (onCreate !== undefined) onCreate(this);
  }

  /** Itself: its value is known. */
  concrete(): ConcreteTensor {
    return this;
  }

  /**
   * @internal The storage as a typed array, read synchronously through the
   * backend (for a host-storage backend, the array itself: do not write).
   * `op` names the caller in the errors.
   */
  hostData(op: string): TypedArray {
    if (this.disposed) throw disposedError(op, undefined, this.disposedBy);
    return this.backend.toTypedArray(this.buf);
  }
}

const nest = (data: TypedArray, shape: Shape): NestedArray => {
  if (shape.length === 0) return data[0];
  const strides = stridesOf(shape);
  const build = (axis: number, offset: number): NestedArray[] => {
    const out: NestedArray[] = [];
    for (let i = 0; i < shape[axis]; i++) {
      const o = offset + i * strides[axis];
      out.push(axis === shape.length - 1 ? data[o] : build(axis + 1, o));
    }
    return out;
  };
  return build(0, 0);
};
