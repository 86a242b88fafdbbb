/**
 * AdaBoost on a 2-D set no linear classifier separates: points uniform in
 * the square [−1, 1]², labelled +1 inside the disc of radius 0.7 and −1
 * outside. Boosting decision stumps (axis-aligned thresholds) builds an
 * axis-aligned polygon around the disc; boosting pocket perceptrons builds
 * it from oblique lines. Prints the training and test error after 1, 5, 20,
 * 50 and `--rounds` rounds (default 200) for both weak learners, and writes
 * two SVGs (`--out DIR`): the stump ensemble's decision regions with the
 * training points, and the error curves per round.
 *
 *   deno run -A examples/adaboost.ts [--rounds N] [--out DIR]      or      bun examples/adaboost.ts …
 *
 * @module
 */
import os from "node:os";
import path from "node:path";
import { add, cast, classic, mul, plot, random, sum, type Tensor, tensor } from "../mod.ts";
import { flag, positiveFlag } from "./cli.ts";

const rounds = positiveFlag("rounds", 200, { integer: true });
const outDir = flag("out") ?? os.tmpdir();

/** n points uniform in [−1, 1]², t = +1 inside the disc of radius 0.7, −1 outside. */
const disc = (key: random.Key, n: number): { x: Tensor; t: Tensor } => {
  const x = random.uniform(key, [n, 2], { minval: -1, maxval: 1, dtype: "float64" });
  const r2 = sum(mul(x, x), 1).toArray() as number[];
  return { x, t: tensor(r2.map((v) => (v < 0.49 ? 1 : -1)), { dtype: "float64" }) };
};
const [kTrain, kTest] = random.split(random.key(0));
const train = disc(kTrain, 400);
const test = disc(kTest, 2000);

const errorRate = (model: classic.AdaBoost, set: { x: Tensor; t: Tensor }, r: number): number => {
  const p = model.predict(set.x, r).toArray() as number[];
  const t = set.t.toArray() as number[];
  return p.filter((v, i) => v !== t[i]).length / t.length;
};

const checkpoints = [1, 5, 20, 50, rounds].filter((r, i, a) => r <= rounds && a.indexOf(r) === i);
const curves: { name: string; x: number[]; y: number[] }[] = [];
let stumps: classic.AdaBoost | undefined;
console.log(`AdaBoost on the disc (400 training, 2000 test points), error rate after r rounds`);
console.log(`weak learner | ${checkpoints.map((r) => `r = ${r}`.padStart(14)).join(" | ")}`);
for (const weakLearner of ["stump", "perceptron"] as const) {
  const model = classic.adaBoost(train.x, train.t, { rounds, weakLearner });
  if (weakLearner === "stump") stumps = model;
  const used = model.learners.length;
  const cells = checkpoints.map((r) => {
    const k = Math.min(r, used);
    return `${(100 * errorRate(model, train, k)).toFixed(1)} / ${(100 * errorRate(model, test, k)).toFixed(1)} %`
      .padStart(14);
  });
  console.log(
    `${weakLearner.padEnd(12)} | ${cells.join(" | ")}   (train / test; ${used} learners, ${model.stopReason})`,
  );
  const xs = Array.from({ length: used }, (_, i) => i + 1);
  curves.push(
    { name: `${weakLearner}: training`, x: xs, y: xs.map((r) => errorRate(model, train, r)) },
    { name: `${weakLearner}: test`, x: xs, y: xs.map((r) => errorRate(model, test, r)) },
  );
}

const regions = path.join(outDir, "adaboost_regions.svg");
plot.decisionBoundary({
  title: `AdaBoost with ${stumps!.learners.length} stumps: regions and training points`,
  // Probability of class 1 (inside): (sign + 1) / 2, so the regions show as two shades.
  predict: (grid) => mul(add(stumps!.predict(cast(grid, "float64")), 1), 0.5),
  x: train.x,
  y: (train.t.toArray() as number[]).map((v) => (v + 1) / 2),
  classNames: ["outside", "inside"],
  resolution: 80,
}).save(regions);
const errors = path.join(outDir, "adaboost_errors.svg");
plot.lineChart({
  series: curves,
  title: "AdaBoost on the disc: error rate per round",
  xLabel: "round",
  yLabel: "error rate",
})
  .save(errors);
console.log(`wrote ${regions} and ${errors}`);
