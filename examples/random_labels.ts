/**
 * The course's figure on fitting: fully connected ReLU networks with 1, 2, 3
 * and 4 hidden layers, each about 15,000 parameters (widths chosen to match),
 * He-initialised, trained by full-batch gradient descent on 4,000 Gaussian
 * inputs (40 features) with random labels (10 classes): there is nothing to
 * learn but the examples themselves. Prints, per depth, the epochs until the
 * training accuracy first reaches 100 % (or that it did not within
 * `--max-epochs`), and writes an SVG of the accuracy curves (`--out FILE`,
 * default `random_labels.svg` in the system's temp folder).
 *
 * Full-batch steps are large matrix products: run it with
 * `DENDRITE_BACKEND=auto` where OpenBLAS is installed.
 *
 *   deno run -A examples/random_labels.ts [--n 4000] [--max-epochs 3000] [--lr 0.5] [--out FILE]
 *   bun examples/random_labels.ts [...the same flags]
 *
 * @module
 */
import os from "node:os";
import path from "node:path";
import { flag, positiveFlag } from "./cli.ts";
import { data, getBackend, layers, losses, metrics, optim, plot, random, valueAndGrad } from "../mod.ts";

const n = positiveFlag("n", 4000, { integer: true });
const maxEpochs = positiveFlag("max-epochs", 3000, { integer: true });
const lr = positiveFlag("lr", 0.5);
const out = flag("out") ?? path.join(os.tmpdir(), "random_labels.svg");
const DIM = 40, CLASSES = 10, BUDGET = 15_000;

/** Parameters of a `depth`-hidden-layer network of width `w`: DIM→w, (depth − 1)·(w→w), w→CLASSES, with biases. */
const count = (depth: number, w: number) => (DIM + 1) * w + (depth - 1) * (w + 1) * w + (w + 1) * CLASSES;
/** The width whose parameter count is closest to the budget. */
const widthFor = (depth: number) => {
  let best = 1;
  for (let w = 1; w < 2000; w++) {
    if (Math.abs(count(depth, w) - BUDGET) < Math.abs(count(depth, best) - BUDGET)) best = w;
  }
  return best;
};

const { x, y } = data.randomLabels(random.key(0), { n, dim: DIM, classes: CLASSES });
console.log(
  `${n} inputs (${DIM} features), random labels over ${CLASSES} classes; full-batch gradient descent, lr ${lr}; ` +
    `backend "${getBackend()}"`,
);
console.log("hidden layers | width | parameters | epochs to 100 % training accuracy");
const series: { name: string; y: number[] }[] = [];
for (const depth of [1, 2, 3, 4]) {
  const width = widthFor(depth);
  const he = { init: layers.initializers.heNormal };
  const hidden = Array.from({ length: depth }, () => [layers.dense(width, he), layers.relu]).flat();
  const net = layers.sequential([...hidden, layers.dense(CLASSES, he)]);
  let params = net.init(random.key(depth), [n, DIM]).params;
  const opt = optim.sgd(lr);
  let state = opt.init(params);
  const step = valueAndGrad((p: typeof params) => losses.softmaxCrossEntropy(net.apply(p, x), y));
  const curve: number[] = [];
  let reached: number | undefined;
  for (let epoch = 1; epoch <= maxEpochs && reached === undefined; epoch++) {
    const [, g] = step(params);
    [params, state] = optim.updateAndApply(opt, g, state, params);
    const acc = metrics.accuracy(net.apply(params, x), y).item();
    curve.push(acc);
    if (acc === 1) reached = epoch;
  }
  console.log(
    `${String(depth).padStart(13)} | ${String(width).padStart(5)} | ${
      String(layers.paramCount(params)).padStart(10)
    } | ` +
      (reached === undefined
        ? `not within ${maxEpochs} (accuracy ${(100 * curve.at(-1)!).toFixed(1)} %)`
        : `${reached}`),
  );
  series.push({ name: `${depth} hidden layer${depth > 1 ? "s" : ""} (width ${width})`, y: curve });
}

plot.lineChart({
  title: "Random labels: training accuracy per epoch (full batch)",
  xLabel: "epoch",
  yLabel: "training accuracy",
  series,
}).save(out);
console.log(`wrote ${out}`);
