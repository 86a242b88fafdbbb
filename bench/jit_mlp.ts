/**
 * The 784-512-512-10 ReLU MLP training step (batch 128, softmax
 * cross-entropy, `optim.adam`) eager and under `jit` with the parameters
 * and optimizer state donated, against its eight matrix products called
 * directly through `cblas_sgemm` on preallocated buffers (three forward,
 * two for the hidden activations' gradients, three for the weight
 * gradients), in one run on the OpenBLAS backend, and eager vs `jit` on the
 * other backends. The contenders take turns round after round; medians are
 * printed, with the ratios to the direct products and the compile time.
 *
 *   deno run -A bench/jit_mlp.ts      bun bench/jit_mlp.ts
 *
 * @module
 */
import { add, availableBackends, jit, optim, setBackend, type Tensor, tree, valueAndGrad } from "../mod.ts";
import { openblasLibrary } from "../backends/openblas/mod.ts";
import { CBLAS } from "../backends/openblas/native.ts";
import { lcgArray, medianOf, printTable, runtime } from "./harness.ts";
import { BATCH, batchInput, batchLabels, crossEntropy, forward, initParams } from "./mlp_model.ts";

const B = BATCH;
type Layer = { readonly w: Tensor; readonly b: Tensor };
const init = (): Layer[] => [...initParams()];
const loss = (ps: Layer[], x: Tensor, y: Tensor) => crossEntropy(forward(ps, x), y);
const tx = optim.adam(1e-3);
const step = (ps: Layer[], s: optim.OptState, x: Tensor, y: Tensor): [Layer[], optim.OptState, Tensor] => {
  const [l, g] = valueAndGrad(loss)(ps, x, y);
  const [p2, s2] = optim.updateAndApply(tx, g, s, ps);
  return [p2, s2, l];
};
const own = (t: Tensor) => add(t, 0);

/** The eight products of one step through cblas_sgemm on preallocated buffers. */
const directProducts = (): (() => void) | undefined => {
  const lib = openblasLibrary();
  if (lib._tag === "Left") return undefined;
  const raw = lib.right;
  const { RowMajor, NoTrans, Trans } = CBLAS;
  const f = (n: number, seed: number) => lcgArray(n, seed);
  const x = f(B * 784, 1), w1 = f(784 * 512, 2), w2 = f(512 * 512, 3), w3 = f(512 * 10, 4);
  const h1 = f(B * 512, 5), h2 = f(B * 512, 6), o = f(B * 10, 7);
  const g3 = f(B * 10, 8), g2 = f(B * 512, 9), g1 = f(B * 512, 10);
  const dw1 = f(784 * 512, 11), dw2 = f(512 * 512, 12), dw3 = f(512 * 10, 13);
  const mm = (
    ta: number,
    tb: number,
    m: number,
    n: number,
    k: number,
    a: Float32Array,
    lda: number,
    b: Float32Array,
    ldb: number,
    c: Float32Array,
  ) => raw.cblas_sgemm(RowMajor, ta, tb, m, n, k, 1, a, lda, b, ldb, 0, c, n);
  return () => {
    mm(NoTrans, NoTrans, B, 512, 784, x, 784, w1, 512, h1); // forward
    mm(NoTrans, NoTrans, B, 512, 512, h1, 512, w2, 512, h2);
    mm(NoTrans, NoTrans, B, 10, 512, h2, 512, w3, 10, o);
    mm(Trans, NoTrans, 512, 10, B, h2, 512, g3, 10, dw3); // weight gradients
    mm(NoTrans, Trans, B, 512, 10, g3, 10, w3, 10, g2); // hidden gradients
    mm(Trans, NoTrans, 512, 512, B, h1, 512, g2, 512, dw2);
    mm(NoTrans, Trans, B, 512, 512, g2, 512, w2, 512, g1);
    mm(Trans, NoTrans, 784, 512, B, x, 784, g1, 512, dw1);
  };
};

const x = batchInput, y = batchLabels;
const rows: string[][] = [];
const ROUNDS = 15;
for (const backend of ["openblas", "wasm", "ts"]) {
  if (!availableBackends().includes(backend)) continue;
  setBackend(backend);
  const xs = own(x), ys = y;
  const jstep = jit(step, { donate: [0, 1] });
  let pe = init(), se: optim.OptState = tx.init(pe);
  let pj = tree.map(own, init()) as Layer[], sj = tree.map(own, tx.init(pj) as never) as optim.OptState;
  const t0 = performance.now();
  const lowered = jstep.lower(pj, sj, xs, ys);
  const compileMs = performance.now() - t0;
  const direct = backend === "openblas" ? directProducts() : undefined;
  const times: Record<string, number[]> = { eager: [], jit: [], direct: [] };
  const inner = backend === "ts" ? 2 : 10;
  for (let r = 0; r < ROUNDS + 2; r++) {
    const t1 = performance.now();
    for (let i = 0; i < inner; i++) [pe, se] = step(pe, se, xs, ys);
    const t2 = performance.now();
    for (let i = 0; i < inner; i++) [pj, sj] = jstep(pj, sj, xs, ys);
    const t3 = performance.now();
    if (direct !== undefined) { for (let i = 0; i < inner; i++) direct(); }
    const t4 = performance.now();
    if (r < 2) continue; // warm-up
    times.eager.push((t2 - t1) / inner);
    times.jit.push((t3 - t2) / inner);
    times.direct.push((t4 - t3) / inner);
  }
  const [e, j] = [medianOf(times.eager), medianOf(times.jit)];
  const d = direct === undefined ? undefined : medianOf(times.direct);
  rows.push([
    backend,
    `${e.toFixed(2)} ms`,
    `${j.toFixed(2)} ms`,
    `${(e / j).toFixed(2)}×`,
    d === undefined ? "" : `${d.toFixed(2)} ms`,
    d === undefined ? "" : `${(j / d).toFixed(2)}× / ${(e / d).toFixed(2)}×`,
    `${compileMs.toFixed(0)} ms (${lowered.steps.length} steps)`,
    `${lowered.workspace.misses}`,
  ]);
}
console.log(
  `${runtime()}: 784-512-512-10 MLP step, batch 128, softmax cross-entropy, Adam (median of ${ROUNDS} rounds)`,
);
printTable(
  [
    "backend",
    "eager",
    "jit (donated)",
    "eager/jit",
    "8 sgemm direct",
    "jit / eager vs direct",
    "compile",
    "new buffers",
  ],
  rows,
);
