/**
 * `jit` against eager steps: the 1-64-64-1 tanh network fitted to sin(3x)
 * on 256 points, 2,000 Adam steps (lr 1e-2), eager and under `jit` with the
 * parameters and optimizer state donated, on each backend in one run. Both
 * loops start from the same parameters; the final losses are printed so the
 * two can be compared (float32 fused chains round differently, so they
 * differ in the last digits). The compile time (trace and passes) and the
 * program's size are printed too, and the time of each step kind inside the
 * compiled program, from one profiled run of the program's steps, so it is
 * clear where the remaining time goes.
 *
 * Where PyTorch is installed (Debian `python3-torch`), the same work runs in
 * PyTorch on one thread from this script and the ratio is printed.
 *
 *   deno run -A bench/jit_step.ts [steps]      bun bench/jit_step.ts [steps]
 *
 * @module
 */
import process from "node:process";
import {
  add,
  jit,
  linspace,
  matmul,
  mean,
  mul,
  optim,
  random,
  reshape,
  setBackend,
  sin,
  square,
  sub,
  tanh,
  type Tensor,
  tree,
  valueAndGrad,
} from "../mod.ts";
import { printTable, runtime } from "./harness.ts";
import type { ConcreteTensor } from "../core/tensor.ts";
import { compileProgram } from "../core/jit/program.ts";
import { activeBackend } from "../core/backend_registry.ts";

type P = { w1: Tensor; b1: Tensor; w2: Tensor; b2: Tensor; w3: Tensor; b3: Tensor };
const STEPS = Number(process.argv[2] ?? (globalThis as { Deno?: { args: string[] } }).Deno?.args[0] ?? 2000);

const init = (): P => {
  const ks = random.split(random.key(0), 3);
  return {
    w1: random.normal(ks[0], [1, 64]),
    b1: mul(random.normal(ks[0], [64]), 0),
    w2: mul(random.normal(ks[1], [64, 64]), 1 / 8),
    b2: mul(random.normal(ks[1], [64]), 0),
    w3: mul(random.normal(ks[2], [64, 1]), 1 / 8),
    b3: mul(random.normal(ks[2], [1]), 0),
  };
};
const net = (p: P, x: Tensor) =>
  add(matmul(tanh(add(matmul(tanh(add(matmul(x, p.w1), p.b1)), p.w2), p.b2)), p.w3), p.b3);
const loss = (p: P, x: Tensor, y: Tensor) => mean(square(sub(net(p, x), y)));
const tx = optim.adam(1e-2);
const step = (p: P, s: optim.OptState, x: Tensor, y: Tensor): [P, optim.OptState, Tensor] => {
  const [l, g] = valueAndGrad(loss)(p, x, y);
  const [p2, s2] = optim.updateAndApply(tx, g, s, p);
  return [p2, s2, l];
};

const train = (f: typeof step, n: number, x: Tensor, y: Tensor): [number, number] => {
  let p = init(), s: optim.OptState = tx.init(p), l: Tensor | undefined;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) [p, s, l] = f(p, s, x, y);
  const ms = performance.now() - t0;
  return [ms, l!.item()];
};

const torchTime = (n: number): number | undefined => {
  const script = `
import time, math, torch
torch.set_num_threads(1); torch.manual_seed(0)
x = torch.linspace(-1, 1, 256).reshape(256, 1); y = torch.sin(3 * x)
net = torch.nn.Sequential(torch.nn.Linear(1, 64), torch.nn.Tanh(), torch.nn.Linear(64, 64), torch.nn.Tanh(), torch.nn.Linear(64, 1))
opt = torch.optim.Adam(net.parameters(), lr=1e-2)
for i in range(50):
    opt.zero_grad(); l = ((net(x) - y) ** 2).mean(); l.backward(); opt.step()
t0 = time.perf_counter()
for i in range(${n}):
    opt.zero_grad(); l = ((net(x) - y) ** 2).mean(); l.backward(); opt.step()
print((time.perf_counter() - t0) * 1000)
`;
  try {
    // deno-lint-ignore no-explicit-any
    const cp = (process as any).getBuiltinModule?.("node:child_process") as typeof import("node:child_process");
    // Debian's python3-torch installs for the system interpreter, which a pyenv or venv `python3` may hide.
    for (const python of ["/usr/bin/python3", "python3"]) {
      const out = cp.spawnSync(python, ["-c", script], { encoding: "utf8" });
      if (out.status === 0) return Number(out.stdout.trim());
    }
    return undefined;
  } catch {
    return undefined;
  }
};

// PyTorch first, on a quiet machine, so each backend's row can show the ratio.
const torch = torchTime(STEPS);
const x = reshape(linspace(-1, 1, 256), [256, 1]);
const y = sin(mul(x, 3));
const rows: string[][] = [];
const breakdown: string[] = [];
for (const backend of ["ts", "openblas", "wasm"]) {
  try {
    setBackend(backend);
  } catch {
    rows.push([backend, "unavailable", "", "", "", "", ""]);
    continue;
  }
  const xs = add(x, 0), ys = add(y, 0); // on this backend
  const jstep = jit(step, { donate: [0, 1] });
  const t0 = performance.now();
  const p0 = init();
  const lowered = jstep.lower(p0, tx.init(p0), xs, ys);
  const compileMs = performance.now() - t0;
  train(step, 50, xs, ys); // warm both
  train(jstep, 50, xs, ys);
  const [eager, le] = train(step, STEPS, xs, ys);
  const [jitted, lj] = train(jstep, STEPS, xs, ys);
  const [eager2] = train(step, STEPS, xs, ys);
  // Where the compiled step's time goes: each step's kernel, by primitive (fused kernels together).
  const prog = compileProgram(lowered.graph, lowered.steps, lowered.plan, activeBackend());
  const inputs = tree.leaves([p0, tx.init(p0), xs, ys]) as ConcreteTensor[];
  const profile: number[] = [];
  const runs = 200;
  for (let i = 0; i < runs; i++) prog.run(inputs, { profile });
  const by = new Map<string, number>();
  lowered.steps.forEach((st, i) => {
    const k = st.kind === "fused" ? "fused" : st.node.primitive;
    by.set(k, (by.get(k) ?? 0) + profile[i] / runs);
  });
  const total = [...by.values()].reduce((a, b) => a + b, 0);
  breakdown.push(
    `${backend}: kernels ${(total * 1000).toFixed(0)} µs of ${(jitted / STEPS * 1000).toFixed(0)} µs a step — ` +
      [...by].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, v]) => `${k} ${(v * 1000).toFixed(0)}`).join(", "),
  );
  const e = Math.min(eager, eager2);
  rows.push([
    backend,
    `${e.toFixed(0)} ms`,
    `${jitted.toFixed(0)} ms`,
    `${(e / jitted).toFixed(2)}×`,
    `${le.toExponential(2)} / ${lj.toExponential(2)}`,
    `${compileMs.toFixed(0)} ms, ${lowered.steps.length} steps`,
    torch === undefined ? "" : `${(jitted / torch).toFixed(2)}×`,
  ]);
}
console.log(`${runtime()}: ${STEPS} Adam steps of the 1-64-64-1 tanh network on 256 points`);
printTable(
  ["backend", "eager", "jit (donated)", "eager/jit", "final loss eager / jit", "compile", "jit / PyTorch"],
  rows,
);
console.log("Inside the compiled step (µs, mean of 200 profiled runs):");
for (const line of breakdown) console.log(`  ${line}`);
console.log(
  torch === undefined
    ? "PyTorch: not installed here (Debian python3-torch)"
    : `PyTorch, one thread: ${torch.toFixed(0)} ms`,
);
