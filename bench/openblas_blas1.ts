/**
 * Large elementwise ops on the OpenBLAS backend (`a ± b` as copy + `axpy`,
 * `x · s` as copy + `scal`, from `BLAS1_FROM` elements) against the
 * TypeScript kernels, float32, sizes around the threshold and up to a
 * 512×784 weight matrix and beyond. The contenders take turns; medians.
 *
 *   deno run -A bench/openblas_blas1.ts      bun bench/openblas_blas1.ts
 *
 * @module
 */
import { tsKernels } from "../backends/ts/backend.ts";
import { openBlasKernels, openblasLibrary } from "../backends/openblas/mod.ts";
import type { BroadcastLayout } from "../backends/backend.ts";
import { printTable, runtime } from "./harness.ts";

const lib = openblasLibrary();
if (lib._tag === "Left") throw new Error("bench/openblas_blas1.ts needs OpenBLAS (apt-get install libopenblas0)");
const blas = openBlasKernels(lib.right);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const timeOnce = (f: () => unknown, inner: number) => {
  const t0 = performance.now();
  for (let i = 0; i < inner; i++) f();
  return ((performance.now() - t0) / inner) * 1e3;
};

const rows: string[][] = [];
for (const n of [1 << 14, 1 << 16, 1 << 18, 401_408, 1 << 21]) {
  const a = new Float32Array(n).map((_, i) => Math.sin(i)), b = new Float32Array(n).map((_, i) => Math.cos(i));
  const same: BroadcastLayout = { shape: [n], strides: [[1], [1]] };
  const scalar: BroadcastLayout = { shape: [n], strides: [[1], [0]] };
  const s = Float32Array.of(0.5);
  const cases: [string, () => unknown, () => unknown][] = [
    ["add", () => tsKernels.binary("add", a, b, same, "float32"), () => blas.binary("add", a, b, same, "float32")],
    [
      "mul scalar",
      () => tsKernels.binary("mul", a, s, scalar, "float32"),
      () => blas.binary("mul", a, s, scalar, "float32"),
    ],
  ];
  for (const [name, ts, bl] of cases) {
    const inner = Math.max(1, Math.round(2e6 / n));
    const tt: number[] = [], tb: number[] = [];
    for (let r = 0; r < 23; r++) {
      const x = timeOnce(ts, inner), y = timeOnce(bl, inner);
      if (r >= 3) tt.push(x), tb.push(y);
    }
    rows.push([name, String(n), median(tt).toFixed(1), median(tb).toFixed(1), (median(tt) / median(tb)).toFixed(2)]);
  }
}
console.log(`elementwise float32: TypeScript kernel vs copy + BLAS-1 — ${runtime()}`);
printTable(["op", "n", "ts µs", "openblas µs", "ts/openblas"], rows);
