/**
 * The C functions the OpenBLAS backend calls, described once for both
 * runtimes, and the shape of a loaded library. Each runtime's loader
 * (`loader_deno.ts`, `loader_bun.ts`) turns the table into its own FFI
 * declarations; everything above the loaders sees only {@link NativeBlas}.
 *
 * Integers are C `int`: OpenBLAS's `blasint` is 32-bit unless it was built
 * with `INTERFACE64`/`USE64BITINT`, which the loader rejects. Arrays are
 * passed as the typed array itself (a sub-array view for an offset), never as
 * a cached address: the runtimes may move small typed arrays' storage.
 *
 * @module
 */

/** An argument or result type in the neutral table. */
export type CType = "i32" | "f32" | "f64" | "ptr" | "void" | "cstring";

/** A C function: its argument types and its result type. */
export interface CSignature {
  /** Argument types in order. */
  readonly args: readonly CType[];
  /** Result type. */
  readonly returns: CType;
}

const gemm = (real: "f32" | "f64"): CSignature => ({
  // order, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc
  args: ["i32", "i32", "i32", "i32", "i32", "i32", real, "ptr", "i32", "ptr", "i32", real, "ptr", "i32"],
  returns: "void",
});
const gemv = (real: "f32" | "f64"): CSignature => ({
  // order, trans, m, n, alpha, a, lda, x, incx, beta, y, incy
  args: ["i32", "i32", "i32", "i32", real, "ptr", "i32", "ptr", "i32", real, "ptr", "i32"],
  returns: "void",
});
// n, alpha, x, incx, y, incy
const axpy = (real: "f32" | "f64"): CSignature => ({
  args: ["i32", real, "ptr", "i32", "ptr", "i32"],
  returns: "void",
});
// n, alpha, x, incx
const scal = (real: "f32" | "f64"): CSignature => ({ args: ["i32", real, "ptr", "i32"], returns: "void" });
// n, x, incx, y, incy
const dot = (real: "f32" | "f64"): CSignature => ({ args: ["i32", "ptr", "i32", "ptr", "i32"], returns: real });

/** Every symbol the backend binds, with its C signature. */
export const SIGNATURES = {
  cblas_sgemm: gemm("f32"),
  cblas_dgemm: gemm("f64"),
  cblas_sgemv: gemv("f32"),
  cblas_dgemv: gemv("f64"),
  cblas_saxpy: axpy("f32"),
  cblas_daxpy: axpy("f64"),
  cblas_sscal: scal("f32"),
  cblas_dscal: scal("f64"),
  cblas_sdot: dot("f32"),
  cblas_ddot: dot("f64"),
  openblas_get_config: { args: [], returns: "cstring" },
  openblas_get_num_threads: { args: [], returns: "i32" },
  openblas_set_num_threads: { args: ["i32"], returns: "void" },
} as const satisfies Record<string, CSignature>;

/** CBLAS enum values (cblas.h). */
export const CBLAS = { RowMajor: 101, NoTrans: 111, Trans: 112 } as const;

type F32 = Float32Array;
type F64 = Float64Array;

/**
 * A loaded OpenBLAS, called with the C argument order of `cblas.h`. No
 * argument is checked here: callers go through `blas.ts`, which validates
 * every dimension, leading dimension and extent first (OpenBLAS only prints
 * a warning on a bad argument and leaves the output untouched).
 */
export interface NativeBlas {
  /** The path or soname that loaded. */
  readonly path: string;
  // deno-fmt-ignore
  readonly cblas_sgemm: (order: number, ta: number, tb: number, m: number, n: number, k: number, alpha: number, a: F32, lda: number, b: F32, ldb: number, beta: number, c: F32, ldc: number) => void;
  // deno-fmt-ignore
  readonly cblas_dgemm: (order: number, ta: number, tb: number, m: number, n: number, k: number, alpha: number, a: F64, lda: number, b: F64, ldb: number, beta: number, c: F64, ldc: number) => void;
  // deno-fmt-ignore
  readonly cblas_sgemv: (order: number, trans: number, m: number, n: number, alpha: number, a: F32, lda: number, x: F32, incx: number, beta: number, y: F32, incy: number) => void;
  // deno-fmt-ignore
  readonly cblas_dgemv: (order: number, trans: number, m: number, n: number, alpha: number, a: F64, lda: number, x: F64, incx: number, beta: number, y: F64, incy: number) => void;
  readonly cblas_saxpy: (n: number, alpha: number, x: F32, incx: number, y: F32, incy: number) => void;
  readonly cblas_daxpy: (n: number, alpha: number, x: F64, incx: number, y: F64, incy: number) => void;
  readonly cblas_sscal: (n: number, alpha: number, x: F32, incx: number) => void;
  readonly cblas_dscal: (n: number, alpha: number, x: F64, incx: number) => void;
  readonly cblas_sdot: (n: number, x: F32, incx: number, y: F32, incy: number) => number;
  readonly cblas_ddot: (n: number, x: F64, incx: number, y: F64, incy: number) => number;
  /** The build configuration string, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH … MAX_THREADS=64". */
  readonly openblas_get_config: () => string;
  /** Threads OpenBLAS uses (from OPENBLAS_NUM_THREADS at load, capped by the cores). */
  readonly openblas_get_num_threads: () => number;
  /** Changes the thread count after load. */
  readonly openblas_set_num_threads: (n: number) => void;
}

/** Why one candidate library did not load. */
export interface LoadAttempt {
  /** The path or soname tried. */
  readonly path: string;
  /** What went wrong, in a few words. */
  readonly reason: string;
}
