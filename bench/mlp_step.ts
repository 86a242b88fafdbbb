/**
 * One training step of a 784-512-512-10 ReLU MLP (batch 128, softmax
 * cross-entropy, Adam), on the pure-TypeScript backend and on OpenBLAS in
 * the same run: milliseconds per step, the ratio, and where the time goes.
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
import {
  add,
  availableBackends,
  div,
  fuse,
  logSoftmax,
  matmul,
  mean,
  mul,
  neg,
  oneHot,
  random,
  registerBackend,
  relu,
  scalar,
  setBackend,
  sqrt,
  square,
  sub,
  sum,
  type Tensor,
  tree,
  valueAndGrad,
  zeros,
  zerosLike,
} from "../mod.ts";
import type { Backend } from "../backends/backend.ts";
import { tsBackend } from "../backends/ts/backend.ts";
import { openblasBackend } from "../backends/openblas/mod.ts";
import { printTable, runtime, timeMedian } from "./harness.ts";
import { type KernelTimes, timedBackend, totalMs } from "./kernel_profile.ts";

const sizes = [784, 512, 512, 10];
const batch = 128;

type Layer = { readonly w: Tensor; readonly b: Tensor };
type Params = readonly Layer[];

const keys = random.split(random.key(0), sizes.length + 1);
const init: Params = sizes.slice(1).map((out, i) => ({
  w: random.normal(keys[i], [sizes[i], out], { std: Math.sqrt(2 / sizes[i]) }),
  b: zeros([out]),
}));
const x = random.normal(keys[sizes.length - 1], [batch, sizes[0]]);
const labels = random.randint(keys[sizes.length], [batch], 0, 10);

const forward = (ps: Params, input: Tensor): Tensor =>
  ps.reduce((h, { w, b }, i) => {
    const z = add(matmul(h, w), b);
    return i === ps.length - 1 ? z : relu(z);
  }, input);

/** Softmax cross-entropy of integer labels, from logits. */
const crossEntropy = (logits: Tensor, y: Tensor): Tensor =>
  neg(mean(sum(mul(logSoftmax(logits, -1), oneHot(y, logits.shape[1])), -1)));

const gradStep = valueAndGrad((ps: Params) => crossEntropy(forward(ps, x), labels));

/** Adam (Kingma & Ba), bias correction folded into the step size. */
const adam = { lr: 1e-3, b1: 0.9, b2: 0.999, eps: 1e-8 };
type AdamState = { readonly t: number; readonly m: Params; readonly v: Params };

/** Adam for one parameter: the new parameter and moments, as plain elementwise ops. */
const adamLeaf = (p: Tensor, g: Tensor, m: Tensor, v: Tensor, stepSize: Tensor): Tensor[] => {
  const { b1, b2, eps } = adam;
  const m1 = add(mul(m, b1), mul(g, 1 - b1));
  const v1 = add(mul(v, b2), mul(square(g), 1 - b2));
  return [sub(p, mul(div(m1, add(sqrt(v1), eps)), stepSize)), m1, v1];
};
/** The same, as one fused kernel. */
const adamLeafFused = fuse(adamLeaf);

function adamStep(ps: Params, g: Params, s: AdamState, fused = true): [Params, AdamState] {
  const { lr, b1, b2 } = adam;
  const t = s.t + 1;
  const stepSize = scalar(lr * Math.sqrt(1 - b2 ** t) / (1 - b1 ** t));
  const leaf = fused ? adamLeafFused : adamLeaf;
  const [pl, def] = tree.flatten(ps);
  const [gl, ml, vl] = [g, s.m, s.v].map((x) => tree.leaves(x) as Tensor[]);
  const outs = pl.map((p, i) => leaf(p as Tensor, gl[i], ml[i], vl[i], stepSize));
  const pick = (j: number) => tree.unflatten(def, outs.map((o) => o[j])) as Params;
  return [pick(0), { t, m: pick(1), v: pick(2) }];
}

const params = init.reduce((n, l) => n + l.w.size + l.b.size, 0);
const backends: [string, () => Backend][] = [["ts", () => tsBackend]];
if (availableBackends().includes("openblas")) backends.push(["openblas", openblasBackend]);
else console.warn("OpenBLAS is not available: measuring the TypeScript backend only");

const results: { name: string; stepMs: number; rows: string[][]; loss: [number, number] }[] = [];
for (const [name, make] of backends) {
  setBackend(name);
  let ps = init;
  let state: AdamState = { t: 0, m: tree.map(zerosLike, init) as Params, v: tree.map(zerosLike, init) as Params };
  const step = () => {
    const [loss, g] = gradStep(ps);
    [ps, state] = adamStep(ps, g, state);
    return loss;
  };
  const first = step().item();
  for (let i = 0; i < 10; i++) step();
  const stepMs = timeMedian(step, { batches: 15, warmup: 3 });

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
    [ps, state] = adamStep(ps, g, state);
    const t2 = performance.now();
    gradMs += t1 - t0;
    adamMs += t2 - t1;
  }
  const per = (ms: number) => (ms / rounds).toFixed(2);
  const gemmMs = totalMs(gradTimes, ["gemm"]), gradKernels = totalMs(gradTimes);
  const adamKernels = totalMs(adamTimes);
  const rows = [
    ["gradient: 8 matmuls", per(gemmMs)],
    [`gradient: other kernels (${gradKernelCalls(gradTimes, rounds)} calls)`, per(gradKernels - gemmMs)],
    ["gradient: library JavaScript (trace, tape, tensors)", per(gradMs - gradKernels)],
    [`Adam: kernels (${Math.round(callCount(adamTimes) / rounds)} calls over ${params} parameters)`, per(adamKernels)],
    ["Adam: library JavaScript", per(adamMs - adamKernels)],
    ["total under the timing wrapper", per(gradMs + adamMs)],
  ];
  setBackend(name);
  results.push({ name, stepMs, rows, loss: [first, step().item()] });
}

function callCount(times: KernelTimes): number {
  let n = 0;
  for (const v of times.values()) n += v.calls;
  return n;
}
function gradKernelCalls(times: KernelTimes, rounds: number): number {
  return Math.round((callCount(times) - (times.get("gemm")?.calls ?? 0)) / rounds);
}

console.log(`MLP 784-512-512-10 (${params} parameters), batch ${batch}, softmax CE, Adam — ${runtime()}`);
printTable(
  ["backend", "ms/step", "loss (first → last)"],
  results.map((r) => [r.name, r.stepMs.toFixed(2), `${r.loss[0].toFixed(3)} → ${r.loss[1].toFixed(3)}`]),
);
if (results.length === 2) console.log(`ts/openblas: ${(results[0].stepMs / results[1].stepMs).toFixed(1)}×`);
for (const r of results) {
  console.log(`\nwhere a step goes on "${r.name}" (ms)`);
  printTable(["part", "ms"], r.rows);
}
