/**
 * Loads OpenBLAS with `Deno.dlopen`. Arrays are `buffer` parameters (Deno
 * passes the view's own address, so a sub-array's offset is honoured), and
 * calls stay synchronous: `nonblocking` calls would let the typed array be
 * collected or resized while OpenBLAS still reads it.
 *
 * @module
 */
import * as E from "npm:fp-ts@2.16.11/lib/Either.js";
import { type CType, type NativeBlas, SIGNATURES } from "./native.ts";

/** Why a load failed; `stop` says that no other candidate can do better (a missing permission). */
export interface LoadFailure {
  /** What went wrong, in a few words. */
  readonly reason: string;
  /** Trying other paths is pointless (e.g. FFI is not allowed at all). */
  readonly stop: boolean;
}

// The slice of Deno's FFI API this loader uses, declared here so that the
// module type-checks (and emits declarations) without Deno's own types, as
// the Bun loader does for `bun:ffi`.
type DenoNativeType = "i32" | "f32" | "f64" | "void" | "buffer" | "pointer";
interface DenoForeignFunction {
  readonly parameters: readonly DenoNativeType[];
  readonly result: DenoNativeType;
}
interface DenoFfi {
  dlopen(path: string, symbols: Record<string, DenoForeignFunction>): { symbols: Record<string, unknown> };
  errors: { NotCapable?: new () => Error; PermissionDenied: new () => Error };
  UnsafePointerView: { getCString(pointer: unknown): string };
}

const denoFfi = (): DenoFfi => (globalThis as unknown as { Deno: DenoFfi }).Deno;

const denoType = (t: CType): DenoNativeType => t === "ptr" ? "buffer" : t === "cstring" ? "pointer" : t;

/**
 * Opens `path` (a soname or a file) and binds every symbol of
 * {@link SIGNATURES}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDeno } from "./loader_deno.ts";
 * const result = openDeno("/nonexistent/libopenblas.so.0");
 * assert.equal(result._tag, "Left");
 * ```
 */
export function openDeno(path: string): E.Either<LoadFailure, NativeBlas> {
  const symbols: Record<string, DenoForeignFunction> = {};
  for (const [name, sig] of Object.entries(SIGNATURES)) {
    symbols[name] = { parameters: sig.args.map(denoType), result: denoType(sig.returns) };
  }
  const deno = denoFfi();
  let lib: { symbols: Record<string, unknown> };
  try {
    lib = deno.dlopen(path, symbols);
  } catch (e) {
    const { NotCapable, PermissionDenied } = deno.errors;
    if ((NotCapable !== undefined && e instanceof NotCapable) || e instanceof PermissionDenied) {
      return E.left({
        reason: "Deno has not been granted FFI access: run with --allow-ffi (or -A)",
        stop: true,
      });
    }
    return E.left({ reason: firstLine(e), stop: false });
  }
  const s = lib.symbols;
  const getConfig = s.openblas_get_config as () => unknown;
  return E.right({
    ...(s as unknown as NativeBlas),
    path,
    openblas_get_config: () => {
      const p = getConfig();
      return p === null ? "" : deno.UnsafePointerView.getCString(p);
    },
  });
}

const firstLine = (e: unknown) => String(e instanceof Error ? e.message : e).split("\n")[0];
