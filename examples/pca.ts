/**
 * PCA of Fashion-MNIST: the principal axes of the first `--n` training
 * images (default 10,000) as 784-pixel vectors, with the library's exact
 * symmetric eigendecomposition (`classic.pca`). Prints the variance the
 * leading components explain, how many components 50/80/90/95 % of it
 * take, the reconstruction error of test images from k components, and
 * where each class's test images sit on the first two axes. Writes two SVGs
 * (`--out DIR`): a 2-D scatter of 2,000 test images on the first two
 * components, coloured by class, and an image grid of the mean image and
 * the first 15 principal axes.
 *
 *   deno run -A examples/pca.ts [--n N] [--dir DIR] [--out DIR]      or      bun examples/pca.ts …
 *
 * @module
 */
import os from "node:os";
import path from "node:path";
import {
  add,
  classic,
  data,
  matmul,
  max,
  mean,
  min,
  mul,
  plot,
  reshape,
  slice,
  square,
  stack,
  sub,
  type Tensor,
} from "../mod.ts";
import { flag, positiveFlag } from "./cli.ts";

const limit = positiveFlag("n", 10_000, { integer: true });
const dir = flag("dir");
const outDir = flag("out") ?? os.tmpdir();

const { train, test } = await data.fashionMnist(dir === undefined ? {} : { dir });
const rows = (x: Tensor, n: number) => reshape(slice(x, [{ stop: n }]), [-1, 784]);
const n = Math.min(limit, train.x.shape[0]);
const x = rows(train.x, n);
const start = performance.now();
const fitted = classic.pca(x);
console.log(
  `PCA of ${n} Fashion-MNIST training images (784 pixels) in ${((performance.now() - start) / 1000).toFixed(1)} s`,
);

const ratio = fitted.explainedVarianceRatio.toArray() as number[];
const cumulative = ratio.map(((s) => (v: number) => (s += v))(0));
console.log(
  `variance explained by components 1-10 (%): ${ratio.slice(0, 10).map((v) => (100 * v).toFixed(1)).join(", ")}`,
);
for (const share of [0.5, 0.8, 0.9, 0.95]) {
  console.log(`components for ${100 * share} % of the variance: ${cumulative.findIndex((c) => c >= share) + 1}`);
}

const testX = rows(test.x, 2000);
const testY = slice(test.y, [{ stop: 2000 }]);
const z = fitted.transform(testX);
for (const k of [2, 10, 50, 200]) {
  // z·V + mean with only the first k coordinates and axes
  const back = add(matmul(slice(z, [null, { stop: k }]), slice(fitted.components, [{ stop: k }])), fitted.mean);
  const mse = mean(square(sub(back, testX))).item();
  console.log(
    `reconstruction of 2,000 test images from ${String(k).padStart(3)} components: mean squared error ${
      mse.toFixed(4)
    }`,
  );
}

const labels = testY.toArray() as number[];
const coords = slice(z, [null, { stop: 2 }]).toArray() as number[][];
console.log("class centres on the first two components (test images):");
const centres = data.fashionMnistLabels.map((name, c) => {
  const mine = coords.filter((_, i) => labels[i] === c);
  const avg = (j: number) => mine.reduce((s, p) => s + p[j], 0) / mine.length;
  return { name, pc1: avg(0), pc2: avg(1) };
}).sort((a, b) => a.pc1 - b.pc1);
for (const c of centres) {
  console.log(`  ${c.name.padEnd(12)} PC1 ${c.pc1.toFixed(2).padStart(6)}  PC2 ${c.pc2.toFixed(2).padStart(6)}`);
}

const scatterFile = path.join(outDir, "pca_scatter.svg");
plot.scatter({
  x: coords,
  labels,
  classNames: data.fashionMnistLabels,
  title: "Fashion-MNIST test images on the first two principal components",
  xLabel: `PC1 (${(100 * ratio[0]).toFixed(1)} % of the variance)`,
  yLabel: `PC2 (${(100 * ratio[1]).toFixed(1)} %)`,
  radius: 2,
}).save(scatterFile);

// Axes have both signs: map each to [0, 1] for display, 0.5 where it is 0.
const axes = slice(fitted.components, [{ stop: 15 }]);
const scale = Math.max(max(axes).item(), -min(axes).item());
const images = stack([
  fitted.mean,
  ...Array.from({ length: 15 }, (_, i) => {
    const axis = reshape(slice(axes, [{ start: i, stop: i + 1 }]), [784]);
    return add(mul(axis, 0.5 / scale), 0.5);
  }),
]);
const gridFile = path.join(outDir, "pca_components.svg");
plot.imageGrid({
  images: reshape(images, [16, 28, 28]),
  labels: ["mean", ...Array.from({ length: 15 }, (_, i) => `PC${i + 1}`)],
  columns: 8,
  title: "The mean image and the first 15 principal axes (grey = 0)",
}).save(gridFile);
console.log(`wrote ${scatterFile} and ${gridFile}`);
