/**
 * The main demo: fit a one-hidden-layer tanh network to y = sin(3x) on
 * [−1, 1] with `grad` and plain gradient descent, printing the loss as it
 * falls. Runs on the pure-TypeScript backend.
 *
 *   deno run -A examples/fit_1d.ts      or      bun examples/fit_1d.ts
 *
 * @module
 */
import {
  add,
  getBackend,
  linspace,
  matmul,
  mean,
  mul,
  random,
  reshape,
  sin,
  square,
  sub,
  tanh,
  type Tensor,
  tree,
  valueAndGrad,
  zeros,
} from "../mod.ts";

type Params = { readonly w1: Tensor; readonly b1: Tensor; readonly w2: Tensor; readonly b2: Tensor };

const hidden = 32;
const [k1, k2] = random.split(random.key(0));
const init: Params = {
  w1: random.normal(k1, [1, hidden], { std: 1.5 }),
  b1: random.normal(random.foldIn(k1, 1), [hidden], { std: 0.5 }),
  w2: random.normal(k2, [hidden, 1], { std: 1 / Math.sqrt(hidden) }),
  b2: zeros([1]),
};

const model = (p: Params, x: Tensor): Tensor => add(matmul(tanh(add(matmul(x, p.w1), p.b1)), p.w2), p.b2);
const loss = (p: Params, x: Tensor, y: Tensor): Tensor => mean(square(sub(model(p, x), y)));

const x = reshape(linspace(-1, 1, 128), [128, 1]);
const y = sin(mul(x, 3));
const step = valueAndGrad(loss);
const learningRate = 0.1;

console.log(`fitting sin(3x) with a ${hidden}-unit tanh network on the "${getBackend()}" backend`);
let params = init;
const start = performance.now();
for (let i = 0; i <= 2000; i++) {
  const [value, g] = step(params, x, y);
  if (i % 200 === 0) console.log(`step ${String(i).padStart(4)}  loss ${value.item().toExponential(3)}`);
  params = tree.map((p: Tensor, gp: Tensor) => sub(p, mul(gp, learningRate)), params, g);
}
const final = loss(params, x, y).item();
console.log(`final loss ${final.toExponential(3)} after ${((performance.now() - start) / 1000).toFixed(1)} s`);
if (!(final < 1e-2)) {
  console.error("the fit did not converge");
  throw new Error("demo: the loss did not fall below 1e-2");
}
