/**
 * The cost of `optim.fit` over a hand-written loop: the same 784-128-10
 * ReLU MLP (softmax cross-entropy, the same optimizer) on the same random
 * data, batch 128, the same shuffled batches (`data.batches` with the same
 * keys), trained epoch by epoch through a hand loop, through `fit` with a
 * loss over the parameters, and through `fit` with a model (a `Layer`).
 * The contenders take turns epoch by epoch, in a rotating order (so
 * drifting load hits them alike); each round's time is divided by the hand
 * loop's time in the same round, and the median ratio is printed (target
 * ≤ 1.05).
 *
 * The hand loop steps with `optim.updateAndApply`, as `fit` does, and reads
 * each step's loss with `item()`, as such loops usually do; a second hand
 * loop uses `update` then `applyUpdates`. `fit` runs with its live display
 * on (into a sink that drops the text), its most expensive mode. Both loops
 * must end with bit-identical parameters (same batches, same steps), which
 * the script checks. A second, tiny model (32-16-4, batch 16) shows the
 * fixed cost per step, in microseconds, that `fit` adds to any step.
 *
 * Each timed epoch starts after a full garbage collection (Bun always; Deno
 * with `--v8-flags=--expose-gc`, as `scripts/bench.sh` runs benchmarks), so
 * no contender pays for garbage another left behind.
 *
 *   deno run -A --v8-flags=--expose-gc bench/fit_loop.ts      bun bench/fit_loop.ts
 *
 * @module
 */
import {
  add,
  data,
  logSoftmax,
  matmul,
  mean,
  mul,
  neg,
  oneHot,
  optim,
  random,
  relu,
  sum,
  type Tensor,
  tree,
  valueAndGrad,
  zeros,
} from "../mod.ts";
import { statelessLayer } from "../layers/layer.ts";
import { printTable, runtime } from "./harness.ts";

type Params = { readonly w1: Tensor; readonly b1: Tensor; readonly w2: Tensor; readonly b2: Tensor };
type Run = { params: Params; optState: optim.OptState };
const quiet = { sink: { isTTY: true, write: () => {} } };
/** A full collection before each timed epoch where the runtime allows it (Bun; Deno with --expose-gc). */
const collectGarbage = (): void => {
  const g = globalThis as { Bun?: { gc(full: boolean): void }; gc?: () => void };
  if (g.Bun !== undefined) g.Bun.gc(true);
  else g.gc?.();
};
const median = (v: readonly number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

function experiment(sizes: readonly [number, number, number], batch: number, stepsPerEpoch: number, rounds: number) {
  const n = batch * stepsPerEpoch;
  const ks = random.split(random.key(0), 4);
  const init = (): Params => ({
    w1: random.normal(ks[0], [sizes[0], sizes[1]], { std: Math.sqrt(2 / sizes[0]) }),
    b1: zeros([sizes[1]]),
    w2: random.normal(ks[1], [sizes[1], sizes[2]], { std: Math.sqrt(2 / sizes[1]) }),
    b2: zeros([sizes[2]]),
  });
  const x = random.normal(ks[2], [n, sizes[0]]);
  const y = random.randint(ks[3], [n], 0, sizes[2]);
  const forward = (p: Params, xb: Tensor): Tensor => add(matmul(relu(add(matmul(xb, p.w1), p.b1)), p.w2), p.b2);
  const crossEntropy = (logits: Tensor, labels: Tensor): Tensor =>
    neg(mean(sum(mul(logSoftmax(logits, -1), oneHot(labels, sizes[2])), -1)));
  const lossOf = (p: Params, xb: Tensor, yb: Tensor): Tensor => crossEntropy(forward(p, xb), yb);
  const model = statelessLayer<Params>({
    name: "mlp",
    init: (_k, shape) => ({ params: init(), state: {}, outputShape: [shape[0], sizes[2]] }),
    apply: forward,
  });
  const optimizer: optim.GradientTransformation = optim.adam(1e-3);
  const key = random.key(7);

  // Each `fit` call runs one epoch (its epoch 0) with key `foldIn(key, epoch)`; `fit` shuffles its epoch e with
  // `foldIn(split(key, 4)[0], e)` (its documented key scheme), so the hand loops draw the same batches.
  const fitKeyFor = (epoch: number): random.Key => random.foldIn(key, epoch);
  const handEpoch = (fusedApply: boolean) => (r: Run, epoch: number): Run => {
    const step = valueAndGrad(lossOf);
    let { params, optState } = r;
    let total = 0;
    for (const b of data.batches(random.foldIn(random.split(fitKeyFor(epoch), 4)[0], 0), { x, y }, batch)) {
      const [loss, g] = step(params, b.x, b.y);
      if (fusedApply) {
        [params, optState] = optim.updateAndApply(optimizer, g, optState, params);
      } else {
        const [u, s] = optimizer.update(g, optState, params);
        params = optim.applyUpdates(params, u);
        optState = s;
      }
      total += loss.item();
    }
    if (!Number.isFinite(total)) throw new Error("hand loop diverged");
    return { params, optState };
  };
  const fitEpoch = (withModel: boolean) => (r: Run, epoch: number): Run => {
    const common = {
      params: r.params,
      optState: r.optState,
      optimizer,
      data: { x, y },
      batchSize: batch,
      epochs: 1,
      progress: quiet,
      key: fitKeyFor(epoch),
    };
    const out = withModel
      ? optim.fit({ ...common, model, loss: crossEntropy })
      : optim.fit({ ...common, loss: lossOf });
    return { params: out.params, optState: out.optState };
  };

  const contenders: [string, (r: Run, epoch: number) => Run][] = [
    ["hand loop (updateAndApply)", handEpoch(true)],
    ["fit (loss)", fitEpoch(false)],
    ["fit (model)", fitEpoch(true)],
    ["hand loop (update + applyUpdates)", handEpoch(false)],
  ];
  const runs: Run[] = contenders.map(() => ({ params: init(), optState: optimizer.init(init()) }));
  const times: number[][] = contenders.map(() => []);
  for (let round = -1; round < rounds; round++) { // round −1 warms up
    // The order rotates, so that no contender always pays for the garbage its predecessor left.
    for (let j = 0; j < contenders.length; j++) {
      const i = (j + Math.max(round, 0)) % contenders.length;
      collectGarbage();
      const t0 = performance.now();
      runs[i] = contenders[i][1](runs[i], round + 1);
      if (round >= 0) times[i].push((performance.now() - t0) / stepsPerEpoch);
    }
  }
  console.log(
    `\n${sizes.join("-")} MLP, batch ${batch}, Adam: ${stepsPerEpoch} steps × ${rounds} interleaved epochs each, ` +
      runtime(),
  );
  printTable(
    ["contender", "µs/step (median)", "overhead µs/step", "ratio (median of rounds)", "min", "max"],
    contenders.map(([name], i) => {
      const ratios = times[i].map((t, r) => t / times[0][r]);
      const overhead = median(times[i].map((t, r) => t - times[0][r])) * 1000;
      return [
        name,
        (median(times[i]) * 1000).toFixed(0),
        overhead.toFixed(0),
        median(ratios).toFixed(3),
        Math.min(...ratios).toFixed(3),
        Math.max(...ratios).toFixed(3),
      ];
    }),
  );
  const bits = (p: Params) => tree.leaves(p).map((t) => Array.from(t.toTypedArray()).join(",")).join(";");
  const identical = runs.slice(1, 3).every((r) => bits(r.params) === bits(runs[0].params));
  console.log(`the hand loop and both fits end with bit-identical parameters: ${identical ? "yes" : "NO"}`);
}

experiment([784, 128, 10], 128, 20, 31);
experiment([32, 16, 4], 16, 100, 31);
