/**
 * Per-example gradients with `vmap` (issue 12): the 784-512-512-10 ReLU MLP,
 * softmax cross-entropy, a batch of 128. Times, on each available backend,
 *
 * - one batch gradient (`grad` of the mean loss over the batch),
 * - the 128 per-example gradients through `vmap(grad(loss))` (one pass of
 *   batched primitives; its result alone is 128 × 669,706 numbers),
 * - the same 128 gradients by a loop of single-example `grad` calls,
 * - `vmap(grad)` with its result disposed (storage recycled), and the same
 *   under `jit` (intermediates in the compiled program's workspace),
 *
 * and `jacrev` of a 100 → 100 function (tanh of a dense layer), which is a
 * `vmap` of the pullback, against a loop of 100 pullbacks (what it was).
 *
 *   deno run -A bench/vmap_per_example.ts      bun bench/vmap_per_example.ts
 *
 * @module
 */
import {
  availableBackends,
  dispose,
  eye,
  grad,
  jacrev,
  jit,
  layers,
  losses,
  matmul,
  random,
  reshape,
  setBackend,
  slice,
  stack,
  tanh,
  type Tensor,
  tensor,
  tidy,
  tree,
  vjp,
  vmap,
} from "../mod.ts";
import { printTable, runtime, timeMedian } from "./harness.ts";

const BATCH = 128;
const model = layers.mlp([512, 512, 10]);
const rows: string[][] = [];
console.log(`per-example gradients, 784-512-512-10 MLP, batch ${BATCH}, ${runtime()}`);
for (const backend of availableBackends().filter((b) => b === "ts" || b === "openblas" || b === "wasm")) {
  setBackend(backend);
  const { params } = model.init(random.key(0), [1, 784]);
  const xs = random.uniform(random.key(1), [BATCH, 784]);
  const ys = tensor(Array.from({ length: BATCH }, (_, i) => i % 10), { dtype: "int32" });
  type P = typeof params;
  const batchLoss = (p: P) => losses.softmaxCrossEntropy(model.apply(p, xs), ys);
  const one = (p: P, x: Tensor, y: Tensor) =>
    losses.softmaxCrossEntropy(model.apply(p, reshape(x, [1, 784])), reshape(y, [1]));
  const perExample = vmap(grad(one), { inAxes: [null, 0, 0] });
  const singles = Array.from({ length: BATCH }, (_, i) => [reshape(slice(xs, [i]), [784]), slice(ys, [i])]);
  const tBatch = timeMedian(() => grad(batchLoss)(params), { batches: 5, warmup: 1 });
  const tVmap = timeMedian(() => perExample(params, xs, ys), { batches: 3, warmup: 1 });
  // The same with the 343 MB result handed back at once, so its storage is recycled.
  const tRecycled = timeMedian(() => dispose(tidy(() => perExample(params, xs, ys))), { batches: 3, warmup: 1 });
  // Compiled: jit(vmap(grad)), its intermediates in the program's workspace, the result disposed as above.
  const jitted = jit(perExample);
  const tJit = timeMedian(() => dispose(jitted(params, xs, ys)), { batches: 3, warmup: 1 });
  // The floor: a fresh array of the result's size, written once.
  const resultSize = tree.leaves(perExample(params, xs, ys)).reduce((n, t) => n + (t as Tensor).size, 0);
  const tFloor = timeMedian(() => new Float32Array(resultSize).fill(1), { batches: 3, warmup: 1 });
  const tLoop = timeMedian(() => singles.forEach(([x, y]) => grad(one)(params, x, y)), { batches: 1, warmup: 1 });
  rows.push([
    backend,
    tBatch.toFixed(1),
    tVmap.toFixed(1),
    tLoop.toFixed(1),
    tRecycled.toFixed(1),
    tJit.toFixed(1),
    tFloor.toFixed(1),
    (tVmap / tBatch).toFixed(2),
    (tLoop / tVmap).toFixed(1),
  ]);
  // jacrev of a 100 → 100 map: the current row loop against vmap of the pullback
  const w = random.normal(random.key(2), [100, 100], { dtype: "float64" });
  const f = (x: Tensor) => reshape(tanh(matmul(reshape(x, [1, 100]), w)), [100]);
  const x0 = random.normal(random.key(3), [100], { dtype: "float64" });
  const basis = eye(100, 100, { dtype: "float64" });
  const tJac = timeMedian(() => jacrev(f)(x0), { batches: 3, warmup: 1 });
  // jacrev before it was built on vmap: one pullback per output element, stacked.
  const tLoopJac = timeMedian(() => {
    const [, pullback] = vjp(f, x0);
    return stack(Array.from({ length: 100 }, (_, e) => pullback(reshape(slice(basis, [e]), [100]))[0]));
  }, { batches: 3, warmup: 1 });
  console.log(
    `${backend}: jacrev 100→100 (vmap of the pullback) ${tJac.toFixed(1)} ms, a loop of 100 pullbacks ${
      tLoopJac.toFixed(1)
    } ms (${(tLoopJac / tJac).toFixed(1)}× slower)`,
  );
}
printTable(
  [
    "backend",
    "batch grad ms",
    "vmap(grad) ms",
    "loop of 128 grads ms",
    "vmap(grad), disposed ms",
    "jit(vmap(grad)), disposed ms",
    "write a fresh result-sized array ms",
    "vmap / batch",
    "loop / vmap",
  ],
  rows,
);
