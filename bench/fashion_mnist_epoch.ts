/**
 * One epoch of Fashion-MNIST: the 784-256-128-10 ReLU MLP
 * (`layers.sequential` of `dense` and `relu`), softmax cross-entropy, Adam
 * 1e-3, batch 128 (469 steps, the last one of 96), trained with `optim.fit`
 * on each chosen backend; prints the seconds per epoch and the test
 * accuracy after it. `--batches N` trains on the first N × 128 training
 * examples only (N steps) and extrapolates the time to a full epoch,
 * saying so. Before the timed epoch, 5 untimed steps warm the engine up
 * (on a throw-away copy of the model), as PyTorch benchmarks do.
 *
 * Where `python3 -c "import torch"` works, the same model, data, batch size
 * and optimizer run in PyTorch (`bench/fashion_mnist_torch.py`, threads =
 * CPU count) with the same `--batches`, and the ratio is printed; otherwise
 * a notice says torch is absent.
 *
 *   deno run -A bench/fashion_mnist_epoch.ts [--backend ts,openblas] [--batches N] [--dir DIR]
 *   bun bench/fashion_mnist_epoch.ts [--backend ts,openblas] [--batches N] [--dir DIR]
 *
 * The data come from `fashionMnist()` (Debian's `dataset-fashion-mnist`, or
 * `--dir`, or `FASHION_MNIST_DIR`).
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { availableBackends, layers, losses, metrics, optim, random, setBackend, tensor } from "../mod.ts";
import { fashionMnist } from "../data/datasets.ts";
import { runtime } from "./harness.ts";

const arg = (name: string, fallback: string | undefined) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const BATCH = 128, LR = 1e-3, WARMUP_STEPS = 5;
const dir = arg("dir", undefined);
const batchesArg = arg("batches", undefined);
const wanted =
  (arg("backend", undefined) ?? availableBackends().filter((b) => b === "ts" || b === "openblas").join(","))
    .split(",");

const t0 = performance.now();
const { train, test } = await fashionMnist(dir === undefined ? {} : { dir });
const loadS = (performance.now() - t0) / 1000;
const nTrain = train.x.shape[0], nTest = test.x.shape[0];
const fullSteps = Math.ceil(nTrain / BATCH);
const steps = batchesArg === undefined ? fullSteps : Math.min(fullSteps, Number(batchesArg));
if (!Number.isInteger(steps) || steps < 1) throw new Error(`--batches must be a positive integer, got ${batchesArg}`);
const used = Math.min(nTrain, steps * BATCH);
// The pixels as plain arrays, so each backend builds its own tensors from them.
const trainX = (train.x.toTypedArray() as Float32Array).subarray(0, used * 784);
const trainY = (train.y.toTypedArray() as Int32Array).subarray(0, used);
const testX = test.x.toTypedArray() as Float32Array, testY = test.y.toTypedArray() as Int32Array;

console.log(
  `Fashion-MNIST MLP 784-256-128-10, batch ${BATCH}, Adam ${LR}, ${runtime()}; data loaded in ${loadS.toFixed(2)} s`,
);
const model = layers.sequential([layers.dense(256), layers.relu, layers.dense(128), layers.relu, layers.dense(10)]);

const results: { backend: string; secondsPerEpoch: number; accuracy: number }[] = [];
for (const backend of wanted) {
  if (!availableBackends().includes(backend)) {
    console.log(`backend ${backend}: not available here (available: ${availableBackends().join(", ")}); skipped`);
    continue;
  }
  setBackend(backend);
  const x = tensor(trainX, { shape: [used, 784] }), y = tensor(trainY);
  const xt = tensor(testX, { shape: [nTest, 784] }), yt = tensor(testY);
  const { params, state } = model.init(random.key(0), [BATCH, 784]);
  const common = {
    model,
    state,
    loss: (logits: typeof x, labels: typeof x) => losses.softmaxCrossEntropy(logits, labels),
    optimizer: optim.adam(LR),
    batchSize: BATCH,
    epochs: 1,
    progress: false,
  } as const;
  // Warm-up on a throw-away copy: the same code paths, none of the timed state.
  const warm = Math.min(WARMUP_STEPS * BATCH, used); // --batches below 5 warms up on what it trains on
  optim.fit({
    ...common,
    params,
    data: { x: tensor(trainX.subarray(0, warm * 784), { shape: [warm, 784] }), y: tensor(trainY.subarray(0, warm)) },
    key: random.key(1),
  });
  const t1 = performance.now();
  const out = optim.fit({ ...common, params, data: { x, y }, key: random.key(2) });
  // fit has read every step's loss into its history, so every step has run by now.
  const seconds = (performance.now() - t1) / 1000;
  const perEpoch = seconds * fullSteps / steps;
  const accuracy = metrics.accuracy(model.apply(out.params, xt), yt).item();
  results.push({ backend, secondsPerEpoch: perEpoch, accuracy });
  console.log(
    steps === fullSteps
      ? `backend ${backend}: one epoch (${steps} steps) in ${seconds.toFixed(2)} s; test accuracy ${
        accuracy.toFixed(4)
      }; ` +
        `train loss ${out.history.loss[0].toFixed(4)}`
      : `backend ${backend}: ${steps} of ${fullSteps} steps in ${seconds.toFixed(2)} s → ${
        perEpoch.toFixed(1)
      } s per ` +
        `epoch (extrapolated); test accuracy after ${steps} steps ${accuracy.toFixed(4)}`,
  );
}

// PyTorch, the same model and data, where it is installed.
const here = dirname(fileURLToPath(import.meta.url));
const probe = spawnSync("python3", ["-c", "import torch"], { encoding: "utf8" });
if (probe.status !== 0) {
  console.log('PyTorch: not available (python3 -c "import torch" failed); no ratio to PyTorch');
} else {
  const py = spawnSync(
    "python3",
    [`${here}/fashion_mnist_torch.py`, "--batches", String(steps), ...(dir === undefined ? [] : ["--dir", dir])],
    { encoding: "utf8" },
  );
  process.stdout.write(py.stdout);
  const m = /seconds per epoch: ([\d.]+)/.exec(py.stdout);
  if (py.status !== 0 || m === null) console.log(`PyTorch run failed: ${py.stderr}`);
  else {
    const torchS = Number(m[1]);
    for (const r of results) {
      console.log(`ratio ${r.backend}/PyTorch: ${(r.secondsPerEpoch / torchS).toFixed(2)}× (seconds per epoch)`);
    }
  }
}
