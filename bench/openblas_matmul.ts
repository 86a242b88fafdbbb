/**
 * The library's `matmul` on the OpenBLAS backend against the same
 * `cblas_sgemm` called directly through FFI (the raw `Deno.dlopen` /
 * `bun:ffi` symbol, preallocated buffers, no checks), n×n float32 products
 * for n = 16, 64, 256, 1024. "fresh" calls it directly too but into a
 * freshly allocated output each time, as any immutable API must: it shows
 * how much of the library's cost is the new array rather than the library.
 * "disposed" is the library in a loop that hands each result back
 * (`dispose`), so the next output reuses its storage as "direct" reuses its
 * preallocated one. The contenders take turns, round after round, so they
 * see the same machine; the report gives medians, the ratios (1.00 = no
 * cost) and the per-call overhead of "disposed" over direct in microseconds.
 *
 *   deno run -A bench/openblas_matmul.ts      bun bench/openblas_matmul.ts
 *
 * @module
 */
import { dispose, getBackend, matmul, setBackend, tensor } from "../mod.ts";
import { openblasInfo, openblasLibrary } from "../backends/openblas/mod.ts";
import { CBLAS } from "../backends/openblas/native.ts";
import { clearPool } from "../backends/ts/pool.ts";
import { lcgArray, meanMs, medianOf, printTable, runtime } from "./harness.ts";

const lib = openblasLibrary();
if (lib._tag === "Left") throw new Error("OpenBLAS is not available; this benchmark needs it");
const raw = lib.right;
setBackend("openblas");

const rows: string[][] = [];
for (const n of [16, 64, 256, 1024]) {
  const a = lcgArray(n * n, 1), b = lcgArray(n * n, 2), c = new Float32Array(n * n);
  const ta = tensor(a, { shape: [n, n] }), tb = tensor(b, { shape: [n, n] });
  const { RowMajor, NoTrans } = CBLAS;
  const direct = () => raw.cblas_sgemm(RowMajor, NoTrans, NoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
  const fresh = () => {
    const out = new Float32Array(n * n);
    raw.cblas_sgemm(RowMajor, NoTrans, NoTrans, n, n, n, 1, a, n, b, n, 0, out, n);
    return out;
  };
  const library = () => matmul(ta, tb);
  // What a loop that hands each result back does: the next output reuses its storage.
  const disposing = () => dispose(matmul(ta, tb));
  // Same answer first, so the comparison is between equal work.
  direct();
  const got = library().toTypedArray();
  if (got.some((x, i) => x !== c[i])) throw new Error(`n = ${n}: library and direct results differ`);
  const inner = n >= 1024 ? 3 : n >= 256 ? 20 : 200;
  const rounds = n >= 1024 ? 15 : 31;
  const td: number[] = [], tf: number[] = [], tl: number[] = [], tr: number[] = [];
  for (let r = 0; r < rounds + 3; r++) {
    const d = meanMs(direct, inner), f = meanMs(fresh, inner);
    clearPool(); // "library" must not get the arrays "disposing" handed back
    const l = meanMs(library, inner), x = meanMs(disposing, inner);
    if (r >= 3) td.push(d), tf.push(f), tl.push(l), tr.push(x);
  }
  const [md, mf, ml, mr] = [medianOf(td), medianOf(tf), medianOf(tl), medianOf(tr)];
  const gflops = (ms: number) => (2 * n ** 3 / ms / 1e6).toFixed(1);
  const us = (ms: number) => `${(ms * 1e3).toFixed(2)} (${gflops(ms)})`;
  rows.push([
    String(n),
    us(md),
    us(mf),
    us(ml),
    us(mr),
    (md / ml).toFixed(3),
    (mf / ml).toFixed(3),
    (md / mr).toFixed(3),
    ((mr - md) * 1e3).toFixed(2),
  ]);
}
const info = openblasInfo()!;
console.log(
  `matmul on "${getBackend()}" vs direct cblas_sgemm — ${runtime()}; ${info.config}; ${info.threads} threads`,
);
console.log("times in µs (GFLOP/s)");
printTable(
  ["n", "direct", "fresh", "library", "disposed", "direct/library", "fresh/library", "direct/disposed", "overhead µs"],
  rows,
);
