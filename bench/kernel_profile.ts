/**
 * A backend wrapper that times every kernel call, for breaking a training
 * step down into matmuls, other kernels and what is left (the library's own
 * JavaScript: tracing, the gradient tape, tensor objects, tree walks).
 *
 * @module
 */
import type { Backend } from "../backends/backend.ts";

/** Milliseconds and calls per kernel name (`gemm`, `binary`, `unary`, …). */
export type KernelTimes = Map<string, { calls: number; ms: number }>;

/**
 * Wraps `inner` so that each kernel call adds its wall time to `times`
 * (under the kernel's name); the wrapper is named `inner.name`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tsBackend } from "../backends/ts/backend.ts";
 * import { timedBackend, type KernelTimes } from "./kernel_profile.ts";
 * const times: KernelTimes = new Map();
 * const be = timedBackend(tsBackend, times);
 * be.unary("exp", be.fromTypedArray(Float32Array.of(0, 1)), "float32");
 * assert.equal(times.get("unary")?.calls, 1);
 * ```
 */
export function timedBackend(inner: Backend, times: KernelTimes): Backend {
  // Plain fields (name, hostStorage) as they are; every kernel timed.
  const out: Record<string, unknown> = { ...inner };
  for (const [key, value] of Object.entries(inner)) {
    if (typeof value !== "function") continue;
    const f = value as (...args: unknown[]) => unknown;
    out[key] = (...args: unknown[]) => {
      const t0 = performance.now();
      const result = f(...args);
      const dt = performance.now() - t0;
      const entry = times.get(key);
      if (entry === undefined) times.set(key, { calls: 1, ms: dt });
      else {
        entry.calls++;
        entry.ms += dt;
      }
      return result;
    };
  }
  return out as unknown as Backend;
}

/** Total milliseconds over the named kernels (all of them when `names` is omitted). */
export function totalMs(times: KernelTimes, names?: readonly string[]): number {
  let sum = 0;
  for (const [k, v] of times) if (names === undefined || names.includes(k)) sum += v.ms;
  return sum;
}
