/**
 * One training step of a 784-512-512-10 ReLU MLP (batch 128, softmax
 * cross-entropy, Adam), on the pure-TypeScript backend, on OpenBLAS and on
 * wasm in the same run (`--backends ts,wasm` to choose), with Adam fused (`fuse`, one kernel per parameter) and op by
 * op, and fused with the step in `tidy` and the old parameters disposed (so
 * arrays are recycled): milliseconds per step, the ratio, and where the
 * time goes.
 *
 * The breakdown runs the step on a timing wrapper of the backend
 * (`kernel_profile.ts`) and splits it into the gradient (matmuls, other
 * kernels, the library's own JavaScript: tracing, tape, tensor objects) and
 * the Adam update over the 669,706 parameters (its kernels and the rest).
 * The wrapper adds a little time per kernel call, so the breakdown's total
 * is a few percent above the plain step.
 *
 *   deno run -A bench/mlp_step.ts      bun bench/mlp_step.ts
 *
 * @module
 */
import { availableBackends, registerBackend, setBackend, type Tensor } from "../mod.ts";
import type { Backend } from "../backends/backend.ts";
import { tsBackend } from "../backends/ts/backend.ts";
import { openblasBackend } from "../backends/openblas/mod.ts";
import { wasmBackend } from "../backends/wasm/backend.ts";
import process from "node:process";
import { printTable, runtime, timeMedian } from "./harness.ts";
import { type KernelTimes, timedBackend, totalMs } from "./kernel_profile.ts";
import { adamStep, BATCH, gradStep, initAdam, initParams, PARAM_COUNT, trainStep } from "./mlp_model.ts";

const params = PARAM_COUNT, batch = BATCH;
const flag = process.argv.indexOf("--backends");
const wanted = (flag >= 0 ? process.argv[flag + 1] : "ts,openblas,wasm").split(",");
const makers: Record<string, () => Backend> = { ts: () => tsBackend, openblas: openblasBackend, wasm: wasmBackend };
const backends: [string, () => Backend][] = [];
for (const name of wanted) {
  if (availableBackends().includes(name) && makers[name] !== undefined) backends.push([name, makers[name]]);
  else console.warn(`backend "${name}" is not available here: not measured`);
}

type Result = { name: string; adam: string; stepMs: number; rows: string[][]; loss: [number, number] };
const results: Result[] = [];
for (const [name, make] of backends) {
  for (const [fused, recycle] of [[true, false], [false, false], [true, true]]) {
    setBackend(name);
    let ps = initParams();
    let state = initAdam(ps);
    const step = () => {
      let loss: Tensor;
      [loss, ps, state] = trainStep(ps, state, fused, recycle);
      return loss;
    };
    const first = step().item();
    for (let i = 0; i < 10; i++) step();
    const stepMs = timeMedian(step, { batches: 15, warmup: 3 });
    const last = step().item(); // after the same number of steps in every variant
    const adam = (fused ? "fused" : "op by op") + (recycle ? ", tidy" : "");
    if (recycle) {
      // The breakdown below is the same as without tidy; only the time differs.
      results.push({ name, adam, stepMs, rows: [], loss: [first, last] });
      continue;
    }

    // The breakdown, on a timing wrapper of the same backend.
    const gradTimes: KernelTimes = new Map(), adamTimes: KernelTimes = new Map();
    registerBackend(`${name}-timed-grad`, () => timedBackend(make(), gradTimes));
    registerBackend(`${name}-timed-adam`, () => timedBackend(make(), adamTimes));
    const rounds = name === "ts" ? 10 : 40;
    let gradMs = 0, adamMs = 0;
    for (let r = 0; r < rounds; r++) {
      setBackend(`${name}-timed-grad`);
      const t0 = performance.now();
      const [, g] = gradStep(ps);
      const t1 = performance.now();
      setBackend(`${name}-timed-adam`);
      [ps, state] = adamStep(ps, g, state, fused);
      const t2 = performance.now();
      gradMs += t1 - t0;
      adamMs += t2 - t1;
    }
    const per = (ms: number) => (ms / rounds).toFixed(2);
    const gemmMs = totalMs(gradTimes, ["gemm"]), gradKernels = totalMs(gradTimes);
    const adamKernels = totalMs(adamTimes);
    const calls = (t: KernelTimes, skip = "") => {
      let n = 0;
      for (const [k, v] of t) if (k !== skip) n += v.calls;
      return Math.round(n / rounds);
    };
    const rows = [
      ["gradient: 8 matmuls", per(gemmMs)],
      [`gradient: other kernels (${calls(gradTimes, "gemm")} calls)`, per(gradKernels - gemmMs)],
      ["gradient: library JavaScript (trace, tape, tensors)", per(gradMs - gradKernels)],
      [`Adam: kernels (${calls(adamTimes)} calls over ${params} parameters)`, per(adamKernels)],
      ["Adam: library JavaScript", per(adamMs - adamKernels)],
      ["total under the timing wrapper", per(gradMs + adamMs)],
    ];
    setBackend(name);
    results.push({ name, adam, stepMs, rows, loss: [first, last] });
  }
}

console.log(`MLP 784-512-512-10 (${params} parameters), batch ${batch}, softmax CE, Adam — ${runtime()}`);
printTable(
  ["backend", "Adam", "ms/step", "loss (first → last)"],
  results.map((r) => [r.name, r.adam, r.stepMs.toFixed(2), `${r.loss[0].toFixed(3)} → ${r.loss[1].toExponential(1)}`]),
);
const fusedMs = (name: string) => results.find((r) => r.name === name && r.adam === "fused")?.stepMs;
const ts = fusedMs("ts"), blas = fusedMs("openblas");
if (ts !== undefined && blas !== undefined) console.log(`ts/openblas (fused Adam): ${(ts / blas).toFixed(1)}×`);
for (const r of results.filter((r) => r.rows.length > 0)) {
  console.log(`\nwhere a step goes on "${r.name}", Adam ${r.adam} (ms)`);
  printTable(["part", "ms"], r.rows);
}
