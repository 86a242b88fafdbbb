/**
 * Backends whose storage is an ordinary typed array in JavaScript memory
 * (`ts`, `openblas`, and the wasm backend, whose kernels copy operands into
 * their own scratch memory). Such a backend is written as kernels over typed
 * arrays ({@link HostKernels}); {@link hostBackend} presents them to the core
 * as a {@link Backend} whose `Buf` handles are those arrays, unchanged, so
 * the opaque boundary costs nothing at run time.
 *
 * Storage stays owned by the garbage collector: a tensor nobody references
 * is freed like any value, even inside a synchronous loop that never yields
 * (finalizers would not run there, so storage outside the JavaScript heap
 * could not be reclaimed in time). `dispose` and `tidy` return it early to
 * the backend's pool (`ts/pool.ts`).
 *
 * @module
 */
import type { TypedArray } from "../core/dtype.ts";
import type { Backend, Buf } from "./backend.ts";

/** `T` with every `Buf` (alone or in an array) seen as the typed array it is. */
type Hosted<T> = T extends Buf ? TypedArray
  : T extends readonly Buf[] ? readonly TypedArray[]
  : T;

/** A kernel of {@link Backend} with typed arrays where it has `Buf`s. */
type HostKernel<F> = F extends (...args: infer A) => infer R ? (...args: { [I in keyof A]: Hosted<A[I]> }) => Hosted<R>
  : F;

/** The storage doors every host backend shares, filled in by {@link hostBackend}. */
type Doors = "hostStorage" | "fromTypedArray" | "toTypedArray" | "read";

/** A host-storage backend's kernels: {@link Backend} over typed arrays, without the storage doors. */
export type HostKernels = { readonly [K in Exclude<keyof Backend, Doors>]: HostKernel<Backend[K]> };

/**
 * The backend made of host kernels: its `Buf`s are the typed arrays
 * themselves, taken and handed out unchanged; `read` resolves to a copy.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hostBackend } from "./host.ts";
 * import { tsKernels } from "./ts/backend.ts";
 * const be = hostBackend({ ...tsKernels, name: "mine" });
 * const x = be.fromTypedArray(Float32Array.of(1, 2));
 * const y = be.unary("neg", x, "float32");
 * assert.deepEqual([...be.toTypedArray(y)], [-1, -2]);
 * assert.deepEqual([...await be.read(y)], [-1, -2]);
 * ```
 */
export function hostBackend(kernels: HostKernels): Backend {
  const doors = {
    hostStorage: true,
    fromTypedArray: (data: TypedArray) => data,
    toTypedArray: (buf: TypedArray) => buf,
    read: (buf: TypedArray) => Promise.resolve(buf.slice()),
  };
  // The one place where a typed array becomes a `Buf`: for a host backend
  // they are the same object (see the module doc).
  return { ...kernels, ...doors } as unknown as Backend;
}
