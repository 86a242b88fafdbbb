/**
 * One training step (forward, `valueAndGrad`, plain SGD update) of two
 * models on the current backend (`DENDRITE_BACKEND`, default `ts`), with a
 * breakdown of where the time goes:
 *
 * - **LSTM**: `layers.lstm(128)` over a batch of 64 sequences of 32 steps of
 *   32 features, a dense head (128 → 10) on the last hidden state, softmax
 *   cross-entropy (84,234 parameters). A second row runs the same LSTM with
 *   the input projection of all steps done in one `[time·batch, in]` matmul
 *   and sliced per step, the layout `layers/recurrent_layer.ts` does not
 *   use: each slice's backward pass pads its cotangent to the whole
 *   projection, so the backward pass grows as time².
 * - **CNN** on `[128, 28, 28, 1]` images: conv 3×3×16 ("same") + ReLU +
 *   2×2 max pool, conv 3×3×32 ("same") + ReLU + max pool, flatten (1,568),
 *   dense 10, softmax cross-entropy (20,490 parameters), written with core
 *   ops (`conv2d`, `maxPool2d`, `matmul`).
 *
 * Each model is timed alone: its plain step, the same step in `tidy` with
 * the old parameters disposed (storage recycled), and its forward pass alone
 * take turns for 7 rounds (medians), so load from other processes on a
 * shared machine falls on the three alike.
 *
 * The breakdown runs the step as `vjp` (the forward pass, recording the
 * tape), the pullback (the backward pass) and the SGD update, each on a
 * timing wrapper of the backend (`kernel_profile.ts`), split into matmuls,
 * other kernels, and the library's own JavaScript (tracing, tape, tensor
 * objects), averaged over 4 steps after a warm-up step. The wrapper adds a
 * little time per kernel call.
 *
 *   deno run -A bench/rnn_cnn_step.ts      bun bench/rnn_cnn_step.ts
 *   DENDRITE_BACKEND=openblas deno run -A bench/rnn_cnn_step.ts
 *
 * @module
 */
import {
  add,
  conv2d,
  dispose,
  getBackend,
  layers,
  logSoftmax,
  matmul,
  maxPool2d,
  mean,
  mul,
  neg,
  oneHot,
  random,
  registerBackend,
  relu,
  reshape,
  scalar,
  setBackend,
  slice,
  sub,
  sum,
  type Tensor,
  tidy,
  transpose,
  tree,
  valueAndGrad,
  vjp,
  zeros,
} from "../mod.ts";
import { activeBackend } from "../core/backend_registry.ts";
import { inputProjection, lstmRecur, type LstmState, type RecurrentParams } from "../layers/recurrent_cells.ts";
import { printTable, runtime } from "./harness.ts";
import { type KernelTimes, timedBackend, totalMs } from "./kernel_profile.ts";

type P = { readonly [k: string]: { readonly [k: string]: Tensor } };
interface Model {
  readonly name: string;
  readonly params: P;
  readonly loss: (p: P) => Tensor;
}

const crossEntropy = (logits: Tensor, y: Tensor): Tensor =>
  neg(mean(sum(mul(logSoftmax(logits, -1), oneHot(y, logits.shape[1])), -1)));
const dense = (h: Tensor, p: { readonly [k: string]: Tensor }) => add(matmul(h, p.w), p.b);
const heNormal = (k: random.Key, shape: number[], fanIn: number) =>
  random.normal(k, shape, { std: Math.sqrt(2 / fanIn) });
const CLASSES = 10;

const [B, T, F, U] = [64, 32, 32, 128];
const lstmModels = (): Model[] => {
  const layer = layers.lstm(U);
  const [k1, k2, k3, k4] = random.split(random.key(0), 4);
  const params: P = {
    lstm: layer.init(k1, [B, T, F]).params,
    head: { w: heNormal(k2, [U, CLASSES], U), b: zeros([CLASSES]) },
  };
  const x = random.normal(k3, [B, T, F]);
  const y = random.randint(k4, [B], 0, CLASSES);
  const projectedOnce = (p: RecurrentParams): Tensor => {
    const xp = inputProjection(p, reshape(transpose(x, [1, 0, 2]), [T * B, F])); // rows time-major
    let s: LstmState = layer.zeroState(B);
    for (let t = 0; t < T; t++) s = lstmRecur(p, slice(xp, [{ start: t * B, stop: (t + 1) * B }]), s);
    return s.h;
  };
  const lstmOf = (p: P) => p.lstm as RecurrentParams;
  return [
    { name: "LSTM", params, loss: (p) => crossEntropy(dense(layer.run(lstmOf(p), x).finalState.h, p.head), y) },
    {
      name: "LSTM, one input matmul",
      params,
      loss: (p) => crossEntropy(dense(projectedOnce(lstmOf(p)), p.head), y),
    },
  ];
};

const N = 128;
const cnnModel = (): Model => {
  const ks = random.split(random.key(1), 5);
  const params: P = {
    conv1: { w: heNormal(ks[0], [3, 3, 1, 16], 9), b: zeros([16]) },
    conv2: { w: heNormal(ks[1], [3, 3, 16, 32], 144), b: zeros([32]) },
    head: { w: heNormal(ks[2], [7 * 7 * 32, CLASSES], 7 * 7 * 32), b: zeros([CLASSES]) },
  };
  const x = random.uniform(ks[3], [N, 28, 28, 1]);
  const y = random.randint(ks[4], [N], 0, CLASSES);
  const block = (h: Tensor, p: { readonly [k: string]: Tensor }) =>
    maxPool2d(relu(add(conv2d(h, p.w, { padding: "same" }), p.b)), { window: 2 });
  const loss = (p: P) => {
    const h = block(block(x, p.conv1), p.conv2); // [128, 7, 7, 32]
    return crossEntropy(dense(reshape(h, [N, 7 * 7 * 32]), p.head), y);
  };
  return { name: "CNN", params, loss };
};

const lr = scalar(0.01);
const sgd = (p: P, g: P): P => tree.map((w: Tensor, d: Tensor) => sub(w, mul(d, lr)), p, g) as P;

const backend = getBackend();
const base = activeBackend();
const phases = ["forward", "backward", "sgd"] as const;
const times = Object.fromEntries(phases.map((ph) => [ph, new Map()])) as Record<(typeof phases)[number], KernelTimes>;
for (const ph of phases) registerBackend(`${backend}-timed-${ph}`, () => timedBackend(base, times[ph]));

const count = (p: P) => tree.leaves(p).reduce((n, t) => n + (t as Tensor).size, 0);

/**
 * A model's training loop: its parameters (a copy of the model's) move on
 * with every step, as in training. With `recycle`, a step runs in `tidy` and
 * the previous parameters are disposed, so the next step's arrays reuse
 * their storage rather than fresh pages.
 */
const trainer = (model: Model, recycle = false) => {
  let params = tree.map((t: Tensor) => neg(neg(t)), model.params) as P; // fresh storage, disposable
  const grad = valueAndGrad(model.loss);
  const plainStep = (): Tensor => {
    const [loss, g] = grad(params) as [Tensor, P];
    params = sgd(params, g);
    return loss;
  };
  return {
    step: (): number => {
      if (!recycle) return plainStep().item();
      const old = params;
      const [loss, next] = tidy(() => [plainStep(), params] as const); // keeps what it returns
      params = next;
      dispose(old);
      const value = loss.item();
      dispose(loss);
      return value;
    },
    forward: () => model.loss(params).item(),
    /** One step through `vjp` and its pullback, each phase on its timing wrapper; wall times added to `wall`. */
    profiledStep: (wall: Record<Phase, number>) => {
      setBackend(`${backend}-timed-forward`);
      let t0 = performance.now();
      const [loss, pullback] = vjp(model.loss, params);
      loss.item();
      wall.forward += performance.now() - t0;
      setBackend(`${backend}-timed-backward`);
      t0 = performance.now();
      const [g] = pullback(scalar(1)) as [P];
      wall.backward += performance.now() - t0;
      setBackend(`${backend}-timed-sgd`);
      t0 = performance.now();
      params = sgd(params, g);
      wall.sgd += performance.now() - t0;
      setBackend(backend);
    },
  };
};
type Phase = (typeof phases)[number];

/**
 * Medians of each function's time, the functions taking turns round after
 * round, so that load from other processes on a shared machine falls on
 * all of them alike.
 */
const interleavedMedians = (fs: readonly (() => unknown)[], rounds: number): number[] => {
  const ts = fs.map(() => [] as number[]);
  for (let r = 0; r < rounds + 1; r++) {
    fs.forEach((f, i) => {
      const t0 = performance.now();
      f();
      if (r > 0) ts[i].push(performance.now() - t0); // round 0 warms up
    });
  }
  return ts.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]);
};

const rounds = 4;
const per = (ms: number) => (ms / rounds).toFixed(1);
/** The breakdown table of one model: a warm-up step, then `rounds` profiled steps. */
const breakdownOf = (t: ReturnType<typeof trainer>): string[][] => {
  const wall = { forward: 0, backward: 0, sgd: 0 };
  t.profiledStep(wall); // warms the wrapped call sites up
  for (const k of phases) {
    times[k].clear();
    wall[k] = 0;
  }
  for (let r = 0; r < rounds; r++) t.profiledStep(wall);
  return phases.map((ph) => {
    const kt = times[ph];
    const gemm = totalMs(kt, ["gemm"]), kernels = totalMs(kt);
    let calls = 0;
    for (const [k, v] of kt) if (k !== "gemm") calls += v.calls;
    const top = [...kt].filter(([k]) => k !== "gemm").sort((a, b) => b[1].ms - a[1].ms).slice(0, 3)
      .map(([k, v]) => `${k} ${per(v.ms)}`).join(", ");
    const other = `${per(kernels - gemm)} (${Math.round(calls / rounds)} calls)`;
    return [ph, per(wall[ph]), per(gemm), other, per(wall[ph] - kernels), top];
  });
};

// One model at a time (so one model's garbage is not collected in another's
// timing); its plain step, its step in tidy and its forward pass take turns.
const models = [...lstmModels(), cnnModel()];
const results = models.map((m) => {
  const plain = trainer(m), recycled = trainer(m, true);
  const first = plain.step();
  recycled.step();
  const [stepMs, tidyMs, forwardMs] = interleavedMedians([plain.step, recycled.step, plain.forward], 7);
  const last = plain.step();
  return { stepMs, tidyMs, forwardMs, first, last, breakdown: breakdownOf(plain) };
});

console.log(`training step, SGD, on "${backend}" — ${runtime()}`);
console.log(
  `LSTM: batch ${B}, ${T} steps, ${F} → ${U}, head → ${CLASSES}; CNN: [${N},28,28,1], 3×3×16, 3×3×32, dense 10`,
);
printTable(
  ["model", "params", "ms/step", "in tidy", "forward only", "loss (first → last)"],
  models.map((m, i) => {
    const r = results[i];
    return [
      m.name,
      String(count(m.params)),
      r.stepMs.toFixed(1),
      r.tidyMs.toFixed(1),
      r.forwardMs.toFixed(1),
      `${r.first.toFixed(3)} → ${r.last.toFixed(3)}`,
    ];
  }),
);
models.forEach((m, i) => {
  console.log(`\nwhere a step of ${m.name} goes (ms, under the timing wrapper)`);
  printTable(["phase", "wall", "matmul", "other kernels", "library JS", "largest other kernels"], results[i].breakdown);
});
