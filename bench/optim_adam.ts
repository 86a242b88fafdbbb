/**
 * One Adam step over the 784-512-512-10 MLP's parameters (669,706 floats,
 * six leaves): the hand-fused `adamStep` of `mlp_model.ts` (one kernel per
 * parameter doing the moments and the parameter update) against
 * `optim.adam`, both through `optim.updateAndApply` (the chain and `p + u`
 * fused into one kernel per leaf) and through the plain
 * `update` + `applyUpdates` (two kernels per leaf). The gradients are fixed
 * (computed once), so only the optimizer is timed. The variants run
 * interleaved, in rotating order, each on its own parameters and state, on
 * the backend `DENDRITE_BACKEND` picks; the ratios are of per-round times.
 * The kernel calls of one step are counted on a wrapper of the backend.
 * With `--recycle`, each step disposes the previous parameters and state,
 * so that outputs reuse their storage (no fresh pages, little garbage: the
 * figures then vary much less, on Bun above all).
 *
 *   deno run -A bench/optim_adam.ts [--recycle]      bun bench/optim_adam.ts [--recycle]
 *   DENDRITE_BACKEND=openblas deno run -A bench/optim_adam.ts
 *
 * @module
 */
import { dispose, optim, registerBackend, setBackend, type Tensor } from "../mod.ts";
import { activeBackend } from "../core/backend_registry.ts";
import { printTable, runtime } from "./harness.ts";
import { type KernelTimes, timedBackend } from "./kernel_profile.ts";
import { type AdamState, adamStep, gradStep, initAdam, initParams, PARAM_COUNT, type Params } from "./mlp_model.ts";

const ROUNDS = 41, STEPS = 5;
const recycle = (globalThis as { Deno?: { args: string[] } }).Deno?.args.includes("--recycle") ??
  (globalThis as unknown as { process: { argv: string[] } }).process.argv.includes("--recycle");
/** The step's result; with `recycle`, `old` is disposed. */
const next = <T>(result: T, old: unknown): T => {
  if (recycle) dispose(old);
  return result;
};
const backend = activeBackend();
const grads = gradStep(initParams())[1];

type Variant = { name: string; step: () => void; params: () => Params };
const hand = (): Variant => {
  let ps = initParams(), s: AdamState = initAdam(ps);
  return {
    name: "hand-fused adamStep",
    step: () => void ([ps, s] = next(adamStep(ps, grads, s, true), [ps, s.m, s.v])),
    params: () => ps,
  };
};
const opt = optim.adam(1e-3);
const fused = (): Variant => {
  let ps = initParams(), s = opt.init(ps);
  return {
    name: "optim.updateAndApply(adam)",
    step: () => void ([ps, s] = next(optim.updateAndApply(opt, grads, s, ps), [ps, s])),
    params: () => ps,
  };
};
const plain = (): Variant => {
  let ps = initParams(), s = opt.init(ps);
  return {
    name: "adam.update + applyUpdates",
    step: () => {
      const [u, s1] = opt.update(grads, s, ps);
      [ps, s] = next([optim.applyUpdates(ps, u), s1], [ps, s, u]);
    },
    params: () => ps,
  };
};
const variants = [hand(), fused(), plain()];

for (let w = 0; w < 3; w++) for (const v of variants) for (let i = 0; i < STEPS; i++) v.step();

// Kernel calls in one (warm) step, counted on a timing wrapper of the same backend.
const calls = variants.map((v) => {
  const times: KernelTimes = new Map();
  registerBackend(`${backend.name}-counted`, () => timedBackend(backend, times));
  setBackend(`${backend.name}-counted`);
  v.step();
  setBackend(backend.name);
  return [...times].map(([k, { calls }]) => `${k}×${calls}`).join(" ");
});

const ms: number[][] = variants.map(() => []);
for (let r = 0; r < ROUNDS; r++) {
  for (let k = 0; k < variants.length; k++) {
    const j = (k + r) % variants.length; // rotate who goes first
    const t0 = performance.now();
    for (let i = 0; i < STEPS; i++) variants[j].step();
    ms[j].push((performance.now() - t0) / STEPS);
  }
}
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const quartiles = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return [s[Math.floor(s.length / 4)], s[Math.floor((3 * s.length) / 4)]];
};

// The same steps from the same start. The optimizers agree to rounding (float32: the fused chain rounds
// once); the hand-written Adam puts ε as Kingma & Ba's ε̂ = ε·√(1 − β₂ᵗ), so it differs where |g| ≲ ε.
const first = (v: Variant) => (v.params()[0].w as Tensor).toTypedArray();
const [a, b, c] = variants.map(first);
let handDiff = 0, optimDiff = 0;
for (let i = 0; i < a.length; i++) {
  handDiff = Math.max(handDiff, Math.abs(a[i] - b[i]));
  optimDiff = Math.max(optimDiff, Math.abs(b[i] - c[i]));
}

console.log(
  `Adam step over ${PARAM_COUNT} parameters (6 leaves), backend ${backend.name}, ${runtime()}${
    recycle ? ", recycled" : ""
  }`,
);
printTable(
  ["variant", "ms/step (median)", "IQR", "vs hand (median of per-round ratios)", "kernels in one step"],
  variants.map((v, j) => {
    const [q1, q3] = quartiles(ms[j]);
    const ratio = median(ms[j].map((t, r) => t / ms[0][r]));
    return [v.name, median(ms[j]).toFixed(2), `${q1.toFixed(2)}–${q3.toFixed(2)}`, `${ratio.toFixed(3)}×`, calls[j]];
  }),
);
console.log(
  `largest difference of the first-layer weights after ${(ROUNDS + 3) * STEPS + 1} steps: ` +
    `fused vs plain optim.adam ${optimDiff.toExponential(2)}, hand vs optim.adam ${handDiff.toExponential(2)}`,
);
