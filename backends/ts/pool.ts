/**
 * Recycled storage for the typed-array backends. A tensor released with
 * `dispose` or `tidy` hands its array back here, and the next kernel output
 * of the same type and length takes it instead of a new array. A new array
 * of 64 KiB or more costs more than its size suggests: the OS maps fresh
 * pages and zeroes each one on first touch (about 1.3 µs per 4 KiB page in
 * the benchmarks' VM, 1.3 ms for a 4 MiB matmul output), where a recycled
 * array is already mapped and usually in cache.
 *
 * Only arrays the library made itself and never shared come back (the core
 * decides, see `core/memory.ts`), so an array here is referenced by nothing
 * else. The pool is bounded (`POOL_LIMITS`) and is the backends' only cache.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { allocTyped, type DType, type TypedArray, type TypedArrayFor } from "../../core/dtype.ts";
import type { Workspace } from "../backend.ts";

/** What the pool keeps: arrays of at least `minBytes`, at most `perSize` per type and length, `maxBytes` in all. */
export const POOL_LIMITS = Object.freeze({ minBytes: 16 * 1024, perSize: 8, maxBytes: 256 * 1024 * 1024 });

const free = new Map<string, TypedArray[]>();
let pooledBytes = 0;

const keyOf = (ctor: string, length: number) => `${ctor}:${length}`;
const CTOR: Record<DType, string> = {
  float32: "Float32Array",
  float64: "Float64Array",
  int32: "Int32Array",
  bool: "Uint8Array",
};

/**
 * A zero-filled array for `size` elements of `dtype`: a recycled one when the
 * pool has one, else a new one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { alloc, release } from "./pool.ts";
 * const a = alloc("float32", 1 << 14);
 * a[0] = 5;
 * release(a);
 * const b = alloc("float32", 1 << 14);
 * assert.equal(b, a); // the same storage again, zeroed
 * assert.equal(b[0], 0);
 * ```
 */
export function alloc<D extends DType>(dtype: D, size: number): TypedArrayFor[D] {
  const hit = take(dtype, size);
  if (hit === undefined) return allocTyped(dtype, size);
  hit.fill(0);
  return hit;
}

/**
 * Like {@link alloc} but a recycled array keeps its old contents: for kernels
 * that write every element of their output.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { allocUninitialized } from "./pool.ts";
 * assert.equal(allocUninitialized("float64", 3).length, 3);
 * ```
 */
export function allocUninitialized<D extends DType>(dtype: D, size: number): TypedArrayFor[D] {
  const hit = take(dtype, size);
  if (hit !== undefined) return hit;
  if (size < UNZEROED_FROM) return allocTyped(dtype, size);
  // A new array need not be zeroed either: on Bun this saved 0.7 ms of 11.8
  // for a 1024² product's 4 MiB output; on Deno it makes no difference.
  const Ctor = CTORS[dtype];
  const bytes = Buffer.allocUnsafeSlow(size * Ctor.BYTES_PER_ELEMENT);
  return new Ctor(bytes.buffer, bytes.byteOffset, size) as TypedArrayFor[D];
}

/** From this many elements a new uninitialized array skips zeroing. */
const UNZEROED_FROM = 1 << 16;
const CTORS = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  bool: Uint8Array,
} as const;

function take<D extends DType>(dtype: D, size: number): TypedArrayFor[D] | undefined {
  if (active !== undefined) {
    const own = active.take(keyOf(CTOR[dtype], size));
    if (own !== undefined) return own as TypedArrayFor[D];
    active.misses++;
  }
  if (pooledBytes === 0) return undefined;
  const list = free.get(keyOf(CTOR[dtype], size));
  const hit = list?.pop();
  if (hit === undefined) return undefined;
  pooledBytes -= hit.byteLength;
  return hit as TypedArrayFor[D];
}

/**
 * Takes back an array that nothing references any more. Arrays that are too
 * small, views into a larger buffer, or over the limits are left to the
 * garbage collector.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { poolBytes, release } from "./pool.ts";
 * const before = poolBytes();
 * release(new Float32Array(8)); // too small to keep
 * assert.equal(poolBytes(), before);
 * ```
 */
export function release(buf: TypedArray): void {
  if (active !== undefined) return active.give(buf);
  const bytes = buf.byteLength;
  if (bytes < POOL_LIMITS.minBytes || pooledBytes + bytes > POOL_LIMITS.maxBytes) return;
  // Only whole buffers: a view's neighbours may belong to someone else.
  if (buf.byteOffset !== 0 || buf.buffer.byteLength !== bytes) return;
  const key = keyOf(buf.constructor.name, buf.length);
  let list = free.get(key);
  if (list === undefined) free.set(key, list = []);
  if (list.length >= POOL_LIMITS.perSize || list.includes(buf)) return;
  list.push(buf);
  pooledBytes += bytes;
}

/**
 * Bytes held by the pool now.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { poolBytes } from "./pool.ts";
 * assert.ok(poolBytes() >= 0);
 * ```
 */
export const poolBytes = (): number => pooledBytes;

/**
 * Empties the pool (its arrays go to the garbage collector).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clearPool, poolBytes } from "./pool.ts";
 * clearPool();
 * assert.equal(poolBytes(), 0);
 * ```
 */
export function clearPool(): void {
  free.clear();
  pooledBytes = 0;
}

// ------------------------------------------------------------- workspaces

/** The workspace of the compiled program running now, if any. */
let active: PoolWorkspace | undefined;

/** A compiled program's own free storage (see `Workspace` in backends/backend.ts). */
class PoolWorkspace implements Workspace {
  private readonly free = new Map<string, TypedArray[]>();
  misses = 0;
  bytes = 0;

  run<R>(fn: () => R): R {
    const before = active;
    active = this;
    this.misses = 0;
    try {
      return fn();
    } finally {
      active = before;
    }
  }

  take(key: string): TypedArray | undefined {
    const hit = this.free.get(key)?.pop();
    if (hit !== undefined) this.bytes -= hit.byteLength;
    return hit;
  }

  give(buf: TypedArray): void {
    // Only whole buffers, as in the shared pool.
    if (buf.byteOffset !== 0 || buf.buffer.byteLength !== buf.byteLength) return;
    const key = keyOf(buf.constructor.name, buf.length);
    let list = this.free.get(key);
    if (list === undefined) this.free.set(key, list = []);
    if (list.includes(buf)) return;
    list.push(buf);
    this.bytes += buf.byteLength;
  }
}

/**
 * A new workspace over this pool's storage: kernels running inside its
 * `run` allocate from it and release to it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { allocUninitialized, release, workspace } from "./pool.ts";
 * const ws = workspace();
 * const a = ws.run(() => allocUninitialized("float32", 4));
 * assert.equal(ws.misses, 1); // new storage the first time
 * ws.run(() => release(a));
 * const b = ws.run(() => allocUninitialized("float32", 4));
 * assert.equal(b, a);
 * assert.equal(ws.misses, 0); // then its own
 * ```
 */
export const workspace = (): Workspace => new PoolWorkspace();
