/**
 * Elementwise, reduction, fused and patch kernels: the TS kernel against a
 * WebAssembly SIMD kernel, every wasm time INCLUDING the copies the storage
 * design needs (operands into the scratch arena, results out into the
 * output array). `library` rows time the library's wasm kernels directly
 * (bypassing the size thresholds, which these rows are there to choose);
 * `prototype` rows time `wasm_prototypes.ts`, kernels the library does not
 * ship. `copies` is what the copies alone cost, streamed in chunks as the
 * kernels stream them: the floor under any wasm kernel for the case.
 * All float32.
 *
 * Outputs go back to the pool after each call (`tsKernels.release`), as in
 * a loop that disposes or runs in `tidy`: both kernels then write into warm,
 * recycled arrays instead of faulting in fresh pages, which on this VM costs
 * more than most of these kernels (see `fresh=1`).
 *
 * Contenders take turns, batch by batch (each batch ≥ 25 ms), two warm-up
 * rounds then 7; the figures are medians in ms per call, and the ratio is
 * TS / wasm (above 1: wasm faster).
 *
 *   deno run -A bench/wasm_elementwise.ts      bun bench/wasm_elementwise.ts
 *   args: only=<text>[,<text>…] (run the cases whose name and size contain one of them)
 *         fresh=1 (do not hand outputs back to the pool: every output is a new array, whose pages fault in)
 *
 * @module
 */
import process from "node:process";
import type { FusedProgram, PatchLayout, UnaryOp } from "../backends/backend.ts";
import { tsBackend, tsKernels } from "../backends/ts/backend.ts";
import { allocUninitialized } from "../backends/ts/pool.ts";
import { wasmBinary, wasmUnary, wasmWhere } from "../backends/wasm/elementwise_emit.ts";
import { wasmElementwiseKernels } from "../backends/wasm/elementwise_kernels.ts";
import { wasmFused } from "../backends/wasm/fused_emit.ts";
import { wasmReduce } from "../backends/wasm/reduce_emit.ts";
import { scratchArena } from "../backends/wasm/scratch.ts";
import { CHUNK_BYTES } from "../backends/wasm/stream.ts";
import { optim, registerBackend, setBackend, zeros } from "../mod.ts";
import { lcgArray, meanMs, medianOf, printTable, runtime } from "./harness.ts";
import { protoUnary } from "./wasm_prototypes.ts";

const args = new Map(process.argv.slice(2).map((a) => [a.split("=")[0], a.split("=")[1] ?? "1"] as const));
const only = args.get("only");
const fresh = args.get("fresh") === "1";

function innerFor(f: () => unknown): number {
  f();
  return Math.max(1, Math.ceil(25 / Math.max(meanMs(f, 3), 0.0005)));
}
/** Hands a kernel's output(s) back to the pool, as a loop that disposes does (unless `fresh=1`). */
const recycled = (f: () => unknown) => () => {
  const out = f() as Float32Array | Float32Array[];
  if (fresh) return out;
  for (const x of Array.isArray(out) ? out : [out]) tsKernels.release(x);
};
/** Medians (ms per call), the contenders timed in turns. */
function race(contenders: readonly (() => unknown)[]): number[] {
  const fs = contenders.map(recycled);
  const inner = fs.map(innerFor);
  const times = fs.map(() => [] as number[]);
  for (let round = 0; round < 9; round++) {
    fs.forEach((f, i) => {
      const t = meanMs(f, inner[i]);
      if (round >= 2) times[i].push(t);
    });
  }
  return times.map((t) => medianOf(t));
}

/**
 * The copies alone: `streamed` arrays into the arena, `outputs` arrays of `n` out of it, chunk by
 * chunk as the kernels do; `resident` arrays are copied in once, whole.
 */
function copies(streamed: readonly Float32Array[], n: number, outputs = 1, resident: Float32Array[] = []) {
  return () => {
    const a = scratchArena(), chunk = Math.min(n, CHUNK_BYTES / 4);
    const whole = resident.reduce((s, x) => s + x.length + 16, 0);
    a.ensure("copies", 4 * (16 + whole + (streamed.length + outputs) * (chunk + 16)));
    let at = 16;
    for (const x of resident) {
      a.f32().set(x, at);
      at += x.length + 16;
    }
    const outs = Array.from({ length: outputs }, () => allocUninitialized("float32", n));
    const v = a.f32();
    for (let lo = 0; lo < n; lo += chunk) {
      const hi = Math.min(n, lo + chunk);
      let p = at;
      for (const x of streamed) {
        v.set(x.subarray(lo, hi), p);
        p += chunk + 16;
      }
      for (const y of outs) {
        y.set(v.subarray(p, p + hi - lo), lo);
        p += chunk + 16;
      }
    }
    return outs;
  };
}

/** The program `optim.adam` hands the backend for one leaf, captured from a backend that records it. */
function adamProgram(): FusedProgram {
  let seen: FusedProgram | undefined;
  registerBackend("capture", () => ({
    ...tsBackend,
    name: "capture",
    fused: (p, i, s, d) => {
      if (!p.scalarInputs.every(Boolean)) seen = p;
      return tsBackend.fused(p, i, s, d);
    },
  }));
  setBackend("capture");
  const opt = optim.adam(1e-3);
  const p = { w: zeros([4, 4]) };
  optim.updateAndApply(opt, p, opt.init(p), p);
  setBackend("ts");
  if (seen === undefined) throw new Error("optim.adam ran no fused array program");
  return seen;
}

interface Case {
  readonly name: string;
  readonly size: string;
  readonly ts: () => unknown;
  readonly wasm: () => unknown;
  readonly copies: () => unknown;
  /** Where the wasm column comes from. */
  readonly kind: "library" | "prototype" | "threshold" | "copies";
}
const cases: Case[] = [];
const flat = (n: number, k = 2) => ({ shape: [n], strides: Array.from({ length: k }, () => [1]) });

for (const n of [1000, 4096, 16384, 100000, 1000000]) {
  const a = lcgArray(n, 1), b = lcgArray(n, 2);
  for (const op of ["add", "mul"] as const) {
    cases.push({
      name: `binary ${op}, contiguous`,
      size: `${n}`,
      ts: () => tsKernels.binary(op, a, b, flat(n), "float32"),
      wasm: () => wasmBinary(op, a, b, flat(n), "float32"),
      copies: copies([a, b], n),
      kind: "library",
    });
  }
}
{
  const a = lcgArray(1000, 1), b = lcgArray(1000, 2);
  const k = wasmElementwiseKernels(tsKernels);
  cases.push({
    name: "binary add through the thresholds",
    size: "1000",
    ts: () => tsKernels.binary("add", a, b, flat(1000), "float32"),
    wasm: () => k.binary!("add", a, b, flat(1000), "float32"),
    copies: () => tsKernels.binary("add", a, b, flat(1000), "float32"),
    kind: "threshold",
  });
}
for (const [rows, cols] of [[128, 512], [1024, 1024]]) {
  const row = lcgArray(cols, 3), m = lcgArray(rows * cols, 4);
  const layout = { shape: [rows, cols], strides: [[0, 1], [cols, 1]] };
  cases.push({
    name: `binary add, [${cols}] + [${rows},${cols}]`,
    size: `${rows * cols}`,
    ts: () => tsKernels.binary("add", row, m, layout, "float32"),
    wasm: () => wasmBinary("add", row, m, layout, "float32"),
    copies: copies([m], rows * cols, 1, [row]),
    kind: "library",
  });
}
{
  const n = 100000, x = lcgArray(n, 13), s = Float32Array.of(0.5);
  const layout = { shape: [n], strides: [[1], [0]] };
  cases.push({
    name: "binary mul, contiguous · scalar",
    size: `${n}`,
    ts: () => tsKernels.binary("mul", x, s, layout, "float32"),
    wasm: () => wasmBinary("mul", x, s, layout, "float32"),
    copies: copies([x], n),
    kind: "library",
  });
}
for (const n of [4096, 8192, 100000]) {
  const c = Uint8Array.from(lcgArray(n, 14), (v) => (v > 0 ? 1 : 0)), a = lcgArray(n, 15), zero = Float32Array.of(0);
  const layout = { shape: [n], strides: [[1], [1], [0]] };
  cases.push({
    name: "where(cond, x, 0)",
    size: `${n}`,
    ts: () => tsKernels.where(c, a, zero, layout, "float32"),
    wasm: () => wasmWhere(c, a, zero, layout, "float32"),
    copies: copies([a], n),
    kind: "library",
  });
}
for (const n of [1000, 4096, 16384, 100000, 1000000]) {
  const x = lcgArray(n, 5).map((v) => 4 * v + 4.5); // (0.5, 8.5): sqrt's domain, exp's and tanh's interesting range
  const more: UnaryOp[] = n === 4096 || n === 16384 ? ["neg", "square", "round", "sign"] : [];
  for (const op of ["sqrt", "relu", ...more] as UnaryOp[]) {
    cases.push({
      name: `unary ${op}`,
      size: `${n}`,
      ts: () => tsKernels.unary(op, x, "float32"),
      wasm: () => wasmUnary(op, x, "float32"),
      copies: copies([x], n),
      kind: "library",
    });
  }
  if (n === 4096 || n === 16384) continue;
  for (const op of ["exp", "tanh"] as const) {
    cases.push({
      name: `unary ${op}`,
      size: `${n}`,
      ts: () => tsKernels.unary(op, x, "float32"),
      wasm: () => protoUnary(op, x),
      copies: copies([x], n),
      kind: "prototype",
    });
  }
}
for (const [rows, cols] of [[128, 512], [512, 512], [1024, 1024]]) {
  const x = lcgArray(rows * cols, 6);
  for (const axis of [1, 0]) {
    cases.push({
      name: `reduce sum, axis ${axis === 1 ? "-1" : "0"}`,
      size: `[${rows},${cols}]`,
      ts: () => tsKernels.reduce("sum", x, [rows, cols], [axis], "float32"),
      wasm: () => wasmReduce("sum", x, [rows, cols], [axis], "float32"),
      copies: copies([x], rows * cols, 0),
      kind: "library",
    });
  }
}
// Small sums, for the threshold: the rows of a [n/64, 64] array and the columns of a [64, n/64] one.
for (const n of [512, 1024, 2048, 8192]) {
  const x = lcgArray(n, 7);
  for (const axis of [1, 0]) {
    const shape = axis === 1 ? [n / 64, 64] : [64, n / 64];
    cases.push({
      name: `reduce sum, axis ${axis === 1 ? "-1 (64 per row)" : "0 (64 rows)"}`,
      size: `${n}`,
      ts: () => tsKernels.reduce("sum", x, shape, [axis], "float32"),
      wasm: () => wasmReduce("sum", x, shape, [axis], "float32"),
      copies: copies([x], n, 0),
      kind: "library",
    });
  }
}
{
  const program = adamProgram();
  for (const n of [256, 1024, 4096, 16384, 262144, 401408, 669706]) {
    const g = lcgArray(n, 8), p = lcgArray(n, 9), m = lcgArray(n, 10).map((v) => v * 0.1);
    const v = lcgArray(n, 11).map((x) => x * x * 0.01);
    // The leaf's arrays in the order the step passes them (update, parameter, μ, ν), then positive scalars.
    const pool = [g, p, m, v];
    let next = 0;
    const inputs = program.scalarInputs.map((s, k) => (s ? Float32Array.of(1 + k) : pool[next++]));
    const arrays = inputs.filter((_, k) => !program.scalarInputs[k]);
    cases.push({
      name: `fused optim.adam (${program.outputs.length} outputs)`,
      size: `${n}`,
      ts: () => tsKernels.fused(program, inputs, n, "float32"),
      wasm: () => wasmFused(program, inputs, n, "float32"),
      copies: copies(arrays, n, program.outputs.length),
      kind: "library",
    });
  }
}
// The Fashion-MNIST CNN's im2col: 3×3, stride 1, pad 1 over [128,28,28,1] and [128,14,14,16].
for (const [h, c] of [[28, 1], [14, 16]]) {
  const layout: PatchLayout = {
    image: [128, h, h, c],
    grid: [h, h],
    kernel: [3, 3],
    strides: [1, 1],
    dilation: [1, 1],
    padding: [[1, 1], [1, 1]],
  };
  const x = lcgArray(128 * h * h * c, 12), outSize = 128 * h * h * 9 * c;
  cases.push({
    name: "extractPatches 3×3 pad 1 (wasm = copies only)",
    size: `[128,${h},${h},${c}]`,
    ts: () => tsKernels.extractPatches(x, layout, 0, "float32"),
    wasm: copies([], outSize, 1, [x]),
    copies: copies([], outSize, 1, [x]),
    kind: "copies",
  });
}

// Agreement first, so that the race is between equal work (the tests hold the kernels to tighter bounds).
for (const c of cases) {
  if (c.kind === "copies") continue;
  const t = c.ts() as Float32Array | Float32Array[], w = c.wasm() as Float32Array | Float32Array[] | undefined;
  if (w === undefined) throw new Error(`${c.name} ${c.size}: the wasm kernel declined`);
  const ts = Array.isArray(t) ? t : [t], ws = Array.isArray(w) ? w : [w];
  const bad = ts.some((x, k) =>
    x.some((v, i) => !(Math.abs(v - ws[k][i]) <= 1e-6 * Math.max(1, Math.abs(v)) || (v !== v && ws[k][i] !== ws[k][i])))
  );
  if (bad) throw new Error(`${c.name} ${c.size}: wasm and TS disagree`);
}

const rows: string[][] = [];
for (const c of cases) {
  if (only !== undefined && !only.split(",").some((o) => `${c.name} ${c.size}`.includes(o))) continue;
  const [tt, tw, tc] = race([c.ts, c.wasm, c.copies]);
  rows.push([c.name, c.size, c.kind, tt.toFixed(4), tw.toFixed(4), tc.toFixed(4), (tt / tw).toFixed(2)]);
}
console.log(`${runtime()}: TS kernel against wasm SIMD (copies included), float32, ms per call (median of 7)`);
printTable(["case", "size", "wasm kernel", "TS ms", "wasm ms", "copies ms", "TS/wasm"], rows);
