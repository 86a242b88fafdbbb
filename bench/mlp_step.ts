/**
 * One training step of a 784-512-512-10 ReLU MLP (batch 128, softmax
 * cross-entropy, plain SGD): milliseconds per step on the active backend,
 * with the time of the step's matmuls alone for comparison.
 *
 *   deno run -A bench/mlp_step.ts      bun bench/mlp_step.ts
 *
 * @module
 */
import {
  add,
  getBackend,
  logSoftmax,
  matmul,
  mean,
  mul,
  neg,
  oneHot,
  random,
  relu,
  sub,
  sum,
  type Tensor,
  tree,
  valueAndGrad,
  zeros,
} from "../mod.ts";
import { printTable, runtime, timeMedian } from "./harness.ts";

const sizes = [784, 512, 512, 10];
const batch = 128;

type Layer = { readonly w: Tensor; readonly b: Tensor };

const keys = random.split(random.key(0), sizes.length + 1);
const params: Layer[] = sizes.slice(1).map((out, i) => ({
  w: random.normal(keys[i], [sizes[i], out], { std: Math.sqrt(2 / sizes[i]) }),
  b: zeros([out]),
}));
const x = random.normal(keys[sizes.length - 1], [batch, sizes[0]]);
const labels = random.randint(keys[sizes.length], [batch], 0, 10);

const forward = (ps: readonly Layer[], input: Tensor): Tensor =>
  ps.reduce((h, { w, b }, i) => {
    const z = add(matmul(h, w), b);
    return i === ps.length - 1 ? z : relu(z);
  }, input);

/** Softmax cross-entropy of integer labels, from logits. */
const crossEntropy = (logits: Tensor, y: Tensor): Tensor =>
  neg(mean(sum(mul(logSoftmax(logits, -1), oneHot(y, logits.shape[1])), -1)));

const lossFn = (ps: readonly Layer[]) => crossEntropy(forward(ps, x), labels);
const step = valueAndGrad(lossFn);
const lr = 0.01;
let current: readonly Layer[] = params;
const trainStep = () => {
  const [loss, g] = step(current);
  current = tree.map((p: Tensor, gp: Tensor) => sub(p, mul(gp, lr)), current, g);
  return loss;
};

const first = trainStep().item();
const stepMs = timeMedian(trainStep, { batches: 7, warmup: 2 });
const last = trainStep().item();
const h1 = forward(params.slice(0, 1), x);
const h2 = forward(params.slice(0, 2), x);
const matmulMs = timeMedian(() => {
  // forward: three products; backward: dW for each layer and dX for layers 2 and 3
  matmul(x, params[0].w);
  matmul(h1, params[1].w);
  matmul(h2, params[2].w);
  matmul(x, h1, { transA: true });
  matmul(h1, h2, { transA: true });
  matmul(h2, zeros([batch, 10]), { transA: true });
  matmul(h1, params[1].w, { transB: true });
  matmul(zeros([batch, 10]), params[2].w, { transB: true });
}, { batches: 7, warmup: 2 });
console.log(`MLP 784-512-512-10, batch ${batch}, softmax CE, SGD — ${runtime()}, backend "${getBackend()}"`);
printTable(["what", "ms"], [
  ["training step", stepMs.toFixed(1)],
  ["its 8 matmuls alone", matmulMs.toFixed(1)],
  ["everything else", (stepMs - matmulMs).toFixed(1)],
]);
console.log(`loss ${first.toFixed(3)} → ${last.toFixed(3)} over ${2 + 9} steps`);
