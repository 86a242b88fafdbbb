/**
 * Fashion-MNIST with a 784-256-128-10 ReLU MLP and Adam (1e-3, batch 128):
 * the library's main demo. Loads the standard IDX files with the library's
 * own reader (Debian's `dataset-fashion-mnist`, or `--dir DIR`), trains with
 * `optim.fit` (a progress bar on a terminal, one line per epoch otherwise),
 * evaluates on the 10,000 test images after every epoch, and prints the
 * seconds per epoch and the test accuracy. Ten epochs reach about 88–89 %.
 *
 * The best epoch's parameters and optimizer state are saved (safetensors)
 * to `--checkpoint FILE` (default `fashion_mnist_mlp.safetensors` in the
 * system's temp folder); `io.loadCheckpoint` and `fit`'s `initialEpoch`
 * resume from it.
 *
 *   deno run -A examples/fashion_mnist_mlp.ts [--epochs N] [--dir DIR] [--checkpoint FILE]
 *   bun examples/fashion_mnist_mlp.ts [--epochs N] [--dir DIR] [--checkpoint FILE]
 *
 * Runs on the library's default, the automatic choice (OpenBLAS where it is
 * installed, else the wasm backend, else pure TypeScript), and names it on
 * its first line; `DENDRITE_BACKEND=ts|wasm|openblas` chooses.
 *
 * @module
 */
import os from "node:os";
import path from "node:path";
import { data, getBackend, io, layers, losses, metrics, optim, random, reshape } from "../mod.ts";
import { flag, positiveFlag } from "./cli.ts";
import { epochClock, printAccuracy } from "./report.ts";

const epochs = positiveFlag("epochs", 10, { integer: true });
const dir = flag("dir");
const checkpoint = flag("checkpoint") ?? path.join(os.tmpdir(), "fashion_mnist_mlp.safetensors");

const loadStart = performance.now();
const { train, test } = await data.fashionMnist(dir === undefined ? {} : { dir });
const flat = (x: typeof train.x) => reshape(x, [x.shape[0], 784]);
console.log(
  `Fashion-MNIST: ${train.x.shape[0]} training and ${test.x.shape[0]} test images, loaded in ` +
    `${((performance.now() - loadStart) / 1000).toFixed(1)} s; backend "${getBackend()}"`,
);

const model = layers.sequential([layers.dense(256), layers.relu, layers.dense(128), layers.relu, layers.dense(10)]);
const [kInit, kFit] = random.split(random.key(0));
const { params } = model.init(kInit, [128, 784]);
console.log(layers.summary(model, [128, 784]));

const clock = epochClock();
const result = optim.fit({
  model,
  params,
  loss: losses.softmaxCrossEntropy,
  optimizer: optim.adam(1e-3),
  data: { x: flat(train.x), y: train.y },
  validation: { x: flat(test.x), y: test.y },
  validationBatchSize: 1000,
  batchSize: 128,
  epochs,
  metrics: { accuracy: metrics.accuracy },
  key: kFit,
  callbacks: [
    clock.callback,
    io.checkpointCallback(checkpoint, { monitor: "valAccuracy", mode: "max" }), // the best epoch, to resume from
  ],
});

printAccuracy(result.history.valAccuracy, clock.meanSeconds());
console.log(`best checkpoint (parameters and optimizer state): ${checkpoint}`);
