/**
 * Two interleaved spirals, the classic case no linear model separates,
 * learned by a deep MLP (2-64-64-64-2, ReLU, Adam, softmax cross-entropy).
 * Prints the training and validation accuracy and writes two SVGs: the
 * decision boundary with the data points, and the loss curves
 * (`--out DIR`, default the system's temp folder).
 *
 *   deno run -A examples/spirals.ts [--out DIR]      or      bun examples/spirals.ts [--out DIR]
 *
 * @module
 */
import os from "node:os";
import path from "node:path";
import { data, layers, losses, metrics, optim, plot, random, softmax, type Tensor } from "../mod.ts";
import { flag } from "./cli.ts";

const outDir = flag("out") ?? os.tmpdir();

const [kData, kVal, kInit, kFit] = random.split(random.key(0), 4);
const train = data.twoSpirals(kData, { n: 600, noise: 0.02, turns: 1.5 });
const validation = data.twoSpirals(kVal, { n: 200, noise: 0.02, turns: 1.5 });

const model = layers.mlp([64, 64, 64, 2], { activation: layers.relu });
const { params } = model.init(kInit, [32, 2]);
const result = optim.fit({
  model,
  params,
  loss: losses.softmaxCrossEntropy,
  optimizer: optim.adam(3e-3),
  data: train,
  validation,
  batchSize: 32,
  epochs: 150,
  metrics: { accuracy: metrics.accuracy },
  key: kFit,
  progress: false,
});
const { accuracy, valAccuracy } = result.history;
console.log(
  `two spirals, 2-64-64-64-2 ReLU MLP, 150 epochs: training accuracy ${(100 * accuracy.at(-1)!).toFixed(1)} %, ` +
    `validation accuracy ${(100 * valAccuracy.at(-1)!).toFixed(1)} %`,
);

const boundary = path.join(outDir, "spirals_boundary.svg");
plot.decisionBoundary({
  title: "Two spirals: decision regions of a 2-64-64-64-2 MLP",
  predict: (grid: Tensor) => softmax(model.apply(result.params, grid)),
  x: train.x,
  y: train.y,
}).save(boundary);
const curves = path.join(outDir, "spirals_loss.svg");
plot.historyChart(result.history, { keys: ["loss", "valLoss"], title: "Two spirals: loss per epoch" }).save(curves);
console.log(`wrote ${boundary} and ${curves}`);
