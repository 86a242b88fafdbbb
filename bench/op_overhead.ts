/**
 * Per-op overhead: microseconds per elementwise op on 1,000-element float32
 * tensors, eager and under `grad`, beside a raw typed-array loop that
 * allocates its output (the floor any eager op pays), measured in one run.
 *
 *   deno run -A bench/op_overhead.ts      bun bench/op_overhead.ts
 *
 * @module
 */
import { add, exp, grad, mul, random, setDebugNans, sum, type Tensor } from "../mod.ts";
import { printTable, runtime, timeMedian } from "./harness.ts";

const n = 1000;
const [ka, kb] = random.split(random.key(1));
const a = random.normal(ka, [n]);
const b = random.normal(kb, [n]);
const ra = a.toTypedArray() as Float32Array;
const rb = b.toTypedArray() as Float32Array;

const rawAdd = (): Float32Array => {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = ra[i] + rb[i];
  return out;
};
const rawExp = (): Float32Array => {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.exp(ra[i]);
  return out;
};

const chain = 10; // ops per gradient evaluation below
const gradChain = grad((x: Tensor) => {
  let y = x;
  for (let i = 0; i < chain / 2; i++) y = mul(add(y, b), 0.5);
  return sum(y);
});

const us = (ms: number) => (ms * 1000).toFixed(2);
const inner = 2000;
const rows: string[][] = [];
const rawAddT = timeMedian(rawAdd, { inner });
const addT = timeMedian(() => add(a, b), { inner });
const rawExpT = timeMedian(rawExp, { inner });
const expT = timeMedian(() => exp(a), { inner });
setDebugNans(true);
const addNanT = timeMedian(() => add(a, b), { inner });
setDebugNans(false);
const addOffT = timeMedian(() => add(a, b), { inner });
const gradT = timeMedian(() => gradChain(a), { inner: 200 }) / (chain + 1);
rows.push(["add", us(rawAddT), us(addT), (addT / rawAddT).toFixed(2)]);
rows.push(["exp", us(rawExpT), us(expT), (expT / rawExpT).toFixed(2)]);
rows.push(["add, debugNans on", us(rawAddT), us(addNanT), (addNanT / rawAddT).toFixed(2)]);
rows.push(["add, debugNans off again", us(rawAddT), us(addOffT), (addOffT / rawAddT).toFixed(2)]);
rows.push(["under grad (fwd+bwd, per op)", us(rawAddT), us(gradT), (gradT / rawAddT).toFixed(2)]);
console.log(`per-op overhead, ${n}-element float32 tensors, ${runtime()}`);
printTable(["op", "raw loop µs", "dendrite µs", "ratio"], rows);
