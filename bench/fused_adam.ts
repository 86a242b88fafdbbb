/**
 * Adam's fused update alone: the 14-op kernel a jitted training step runs
 * per parameter (m' = b1·m + (1 − b1)·g, v' = b2·v + (1 − b2)·g², p' = p −
 * m'/(√v' + ε)·step), over the 784×512 weights of the benchmark MLP
 * (401,408 float32), through the TS backend's fused kernel: with fresh
 * outputs, with outputs recycled (as a compiled program's workspace does),
 * and a hand-written loop into preallocated arrays. It gives the floor of
 * the update's cost on one thread (ns a parameter).
 *
 *   deno run -A bench/fused_adam.ts      bun bench/fused_adam.ts
 *
 * @module
 */
import type { FusedProgram } from "../backends/backend.ts";
import { fused } from "../backends/ts/fused.ts";
import { release } from "../backends/ts/pool.ts";
import { lcgArray, runtime } from "./harness.ts";

const n = 784 * 512;
const [p, g, m] = [lcgArray(n, 1), lcgArray(n, 2), lcgArray(n, 3)];
const v = lcgArray(n, 4).map(Math.abs);
const step = Float32Array.of(1e-3);
// Values 0–4 are the inputs p, g, m, v, step; value 5 + j is what body[j] computes.
const program: FusedProgram = {
  scalarInputs: [false, false, false, false, true],
  body: [
    { op: "const", value: 0.9 }, // 5
    { op: "mul", args: [2, 5] }, // 6 = b1·m
    { op: "const", value: 0.1 }, // 7
    { op: "mul", args: [1, 7] }, // 8 = (1 − b1)·g
    { op: "add", args: [6, 8] }, // 9 = m'
    { op: "const", value: 0.999 }, // 10
    { op: "mul", args: [3, 10] }, // 11 = b2·v
    { op: "square", args: [1] }, // 12 = g²
    { op: "const", value: 0.001 }, // 13
    { op: "mul", args: [12, 13] }, // 14
    { op: "add", args: [11, 14] }, // 15 = v'
    { op: "sqrt", args: [15] }, // 16
    { op: "const", value: 1e-8 }, // 17
    { op: "add", args: [16, 17] }, // 18
    { op: "div", args: [9, 18] }, // 19
    { op: "mul", args: [19, 4] }, // 20
    { op: "sub", args: [0, 20] }, // 21 = p'
  ],
  outputs: [21, 9, 15],
  key: "bench-adam",
};
const inputs = [p, g, m, v, step];
const R = 50;

const nsPer = (f: () => void): string => {
  for (let r = 0; r < 10; r++) f();
  const t0 = performance.now();
  for (let r = 0; r < R; r++) f();
  return ((performance.now() - t0) / R * 1e6 / n).toFixed(2);
};

const fresh = nsPer(() => void fused(program, inputs, n, "float32"));
const recycled = nsPer(() => fused(program, inputs, n, "float32").forEach((o) => release(o)));
const o0 = new Float32Array(n), o1 = new Float32Array(n), o2 = new Float32Array(n);
const byHand = nsPer(() => {
  const s = step[0];
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    const m1 = m[i] * 0.9 + gi * 0.1, v1 = v[i] * 0.999 + gi * gi * 0.001;
    o0[i] = p[i] - m1 / (Math.sqrt(v1) + 1e-8) * s;
    o1[i] = m1;
    o2[i] = v1;
  }
});
console.log(`${runtime()}: Adam's fused update over ${n} float32 parameters, ns a parameter`);
console.log(`  fused kernel, fresh outputs ${fresh}; outputs recycled ${recycled}; hand-written loop ${byHand}`);
