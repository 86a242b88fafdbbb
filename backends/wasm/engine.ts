/**
 * What the running JavaScript engine's WebAssembly can do, found by
 * validating and running tiny modules rather than by trusting version
 * numbers: SIMD128, relaxed SIMD, whether `relaxed_madd` is a true fused
 * multiply-add, and shared memories. The kernels pick their tile shapes from
 * these facts, so the checks run once, on first use, never at import time.
 *
 * @module
 */
import { Body, F32, F64, ModuleWriter, type ValType } from "./wasm_writer.ts";

/** The JavaScript runtime, by name: tiles are tuned per engine (V8 in Deno, JavaScriptCore in Bun). */
export type EngineName = "deno" | "bun" | "other";

/** What the WebAssembly engine supports, as measured. */
export interface EngineFacts {
  /** The runtime hosting the engine. */
  readonly engine: EngineName;
  /** SIMD128 (`v128`, `f32x4.*`, `f64x2.*`) validates. */
  readonly simd: boolean;
  /** The relaxed-SIMD `f32x4.relaxed_madd` and `f64x2.relaxed_madd` validate and compute a·b + c. */
  readonly relaxedSimd: boolean;
  /** `f32x4.relaxed_madd` rounds once (a true FMA), so it saves an instruction without changing the error bound. */
  readonly fusedMaddF32: boolean;
  /** `f64x2.relaxed_madd` rounds once. */
  readonly fusedMaddF64: boolean;
  /** A `shared: true` memory can be created and imported by a module (needs `SharedArrayBuffer`). */
  readonly sharedMemory: boolean;
}

let cached: EngineFacts | undefined;

/**
 * The facts of this engine, measured on the first call and cached.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { engineFacts } from "./engine.ts";
 * const f = engineFacts();
 * assert.ok(f.relaxedSimd || !f.fusedMaddF32); // fused implies relaxed
 * ```
 */
export function engineFacts(): EngineFacts {
  if (cached) return cached;
  const simd = validates(simdModule());
  const madd = simd ? maddFunctions() : undefined;
  const relaxedSimd = madd !== undefined && madd.f32(2, 3, 1) === 7 && madd.f64(2, 3, 1) === 7;
  cached = {
    engine: engineName(),
    simd,
    relaxedSimd,
    fusedMaddF32: relaxedSimd && fused(madd!.f32, 2 ** -23, Math.fround),
    fusedMaddF64: relaxedSimd && fused(madd!.f64, 2 ** -52, (x) => x),
    sharedMemory: sharedMemoryWorks(),
  };
  return cached;
}

/** Which runtime this is, from its global object. */
export function engineName(): EngineName {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  return g.Deno !== undefined ? "deno" : g.Bun !== undefined ? "bun" : "other";
}

const validates = (bytes: Uint8Array<ArrayBuffer>): boolean => {
  try {
    return WebAssembly.validate(bytes);
  } catch {
    return false;
  }
};

/** A function that builds a zero vector and drops it: valid exactly where SIMD128 is. */
function simdModule(): Uint8Array<ArrayBuffer> {
  const f = new Body(0);
  f.v128Zero().op(0x1a); // drop
  const w = new ModuleWriter();
  w.func("f", [], [], f);
  return w.bytes();
}

type Madd = (a: number, b: number, c: number) => number;

/** `relaxed_madd` on splatted scalars, lane 0 back, for each float width; undefined if it does not validate. */
function maddFunctions(): { f32: Madd; f64: Madd } | undefined {
  const w = new ModuleWriter();
  const lane = (t: ValType) => {
    const f = new Body(3);
    for (const p of [0, 1, 2]) t === F32 ? f.get(p).f32x4Splat() : f.get(p).f64x2Splat();
    if (t === F32) f.f32x4RelaxedMadd().f32x4ExtractLane(0);
    else f.f64x2RelaxedMadd().f64x2ExtractLane(0);
    return f;
  };
  w.func("f32", [F32, F32, F32], [F32], lane(F32));
  w.func("f64", [F64, F64, F64], [F64], lane(F64));
  const bytes = w.bytes();
  if (!validates(bytes)) return undefined;
  return new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as {
    f32: Madd;
    f64: Madd;
  };
}

/**
 * (1 + ε)(1 − ε) − 1 is −ε² exactly; rounding the product first gives 1 − 1 = 0.
 * Only a single rounding (a true FMA) returns −ε².
 */
function fused(madd: Madd, eps: number, round: (x: number) => number): boolean {
  return madd(round(1 + eps), round(1 - eps), -1) === -(eps * eps);
}

/** A shared memory can be made and a module importing it as shared instantiates. */
function sharedMemoryWorks(): boolean {
  try {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true } as WebAssembly.MemoryDescriptor);
    if (!(typeof SharedArrayBuffer === "function" && memory.buffer instanceof SharedArrayBuffer)) return false;
    const w = new ModuleWriter().importMemory({
      module: "env",
      name: "memory",
      minPages: 1,
      maxPages: 1,
      shared: true,
    });
    const f = new Body(0);
    f.i32(0).i32(0).i32Store(); // touches the memory, so the import is really used
    w.func("f", [], [], f);
    const instance = new WebAssembly.Instance(new WebAssembly.Module(w.bytes()), { env: { memory } });
    (instance.exports.f as () => void)();
    return true;
  } catch {
    return false;
  }
}
