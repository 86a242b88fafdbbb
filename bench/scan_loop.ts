/**
 * A loop written with `scan` against the same loop written out in
 * JavaScript: the gradient of a tanh RNN (h' = tanh(h·W + x·U), batch 32,
 * hidden 64, inputs 16) over T steps, with respect to W and U. For each T
 * it prints the time of one eager gradient (unrolled loop and `scan`), and
 * under `jit`: the compile time (trace + passes, `Lowered.compileMs`), the
 * program's node count, the first call (which also compiles the loop
 * bodies, on first use) and the time of a compiled call. The unrolled
 * loop's program grows with T; the scan's is one loop node whose body
 * compiles once.
 *
 *   deno run -A bench/scan_loop.ts      bun bench/scan_loop.ts
 *
 * The backend is the default (`DENDRITE_BACKEND` to choose).
 *
 * @module
 */
import { add, getBackend, grad, jit, matmul, random, reshape, scan, slice, sum, tanh, type Tensor } from "../mod.ts";
import { printTable, runtime, timeMedian } from "./harness.ts";

const B = 32, H = 64, F = 16;
const [k1, k2, k3] = random.split(random.key(0), 3);
const w = random.normal(k1, [H, H], { std: 0.1 }), u = random.normal(k2, [F, H], { std: 0.1 });
const h0 = random.normal(k3, [B, H]);

const cell = (w: Tensor, u: Tensor) => (h: Tensor, x: Tensor): [Tensor, Tensor] => {
  const h2 = tanh(add(matmul(h, w), matmul(x, u)));
  return [h2, sum(h2)];
};
/** The loss over the sequence `xs` [T, B, F], as a JavaScript loop. */
const unrolled = (w: Tensor, u: Tensor, xs: Tensor) => {
  let h = h0, total: Tensor | undefined;
  for (let t = 0; t < xs.shape[0]; t++) {
    const [h2, y] = cell(w, u)(h, reshape(slice(xs, [t]), [B, F]));
    h = h2;
    total = total === undefined ? y : add(total, y);
  }
  return add(total!, sum(h));
};
/** The same loss with `scan`. */
const scanned = (w: Tensor, u: Tensor, xs: Tensor) => {
  const [h, ys] = scan(cell(w, u), h0, xs);
  return add(sum(ys), sum(h));
};

const rows: string[][] = [];
for (const T of [10, 50, 200]) {
  const xs = random.normal(random.key(T), [T, B, F]);
  const row = [String(T)];
  for (const loss of [unrolled, scanned]) {
    const g = grad(loss, { argnums: [0, 1] });
    row.push(timeMedian(() => g(w, u, xs), { batches: 3, warmup: 1 }).toFixed(1));
  }
  for (const loss of [unrolled, scanned]) {
    const jg = jit(grad(loss, { argnums: [0, 1] }));
    const lowered = jg.lower(w, u, xs);
    const t0 = performance.now();
    jg(w, u, xs); // the first call also compiles the loop bodies
    const first = performance.now() - t0;
    row.push(
      `${lowered.compileMs.toFixed(0)} ms, ${lowered.graph.nodes.length} nodes`,
      first.toFixed(1),
      timeMedian(() => jg(w, u, xs), { batches: 3, warmup: 1 }).toFixed(1),
    );
  }
  rows.push(row);
}
console.log(`${runtime()}, ${getBackend()}: gradient of a tanh RNN (batch ${B}, hidden ${H}) over T steps, ms`);
printTable(
  [
    "T",
    "eager unrolled",
    "eager scan",
    "jit unrolled: compile",
    "first call",
    "jit unrolled",
    "jit scan: compile",
    "first call",
    "jit scan",
  ],
  rows,
);
