/**
 * Per-op overhead: microseconds per elementwise op on 1,000-element float32
 * tensors, eager and under `grad`, beside a raw typed-array loop that
 * allocates its output (the floor any eager op pays), measured in one run,
 * on the TypeScript backend; then the same add on each other backend that
 * loads here (wasm must not make small ops slow: the target is within 1.5×
 * of ts).
 *
 * Each contender is warmed up first; then the contenders take turns over
 * several rounds (so drifting machine load hits them alike) and each one's
 * median round is reported.
 *
 *   deno run -A bench/op_overhead.ts      bun bench/op_overhead.ts
 *
 * @module
 */
import {
  add,
  availableBackends,
  exp,
  getBackend,
  grad,
  mul,
  random,
  setBackend,
  setDebugNans,
  sum,
  type Tensor,
} from "../mod.ts";
import { printTable, runtime } from "./harness.ts";

setBackend("ts");
const n = 1000;
const [ka, kb] = random.split(random.key(1));
const a = random.normal(ka, [n]);
const b = random.normal(kb, [n]);
const ra = a.toTypedArray() as Float32Array;
const rb = b.toTypedArray() as Float32Array;

/** What a user would write by hand: a loop into a freshly allocated array. */
function rawAdd(x: Float32Array, y: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] + y[i];
  return out;
}
function rawExp(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.exp(x[i]);
  return out;
}

const chain = 10; // ops per gradient evaluation: 5 × (add, mul) forward
const gradChain = grad((x: Tensor) => {
  let y = x;
  for (let i = 0; i < chain / 2; i++) y = mul(add(y, b), 0.5);
  return sum(y);
});

interface Contender {
  readonly name: string;
  readonly run: () => unknown;
  readonly calls: number; // op evaluations per run
  readonly setup?: () => void;
  readonly teardown?: () => void;
}

const contenders: Contender[] = [
  { name: "raw add loop", run: () => rawAdd(ra, rb), calls: 1 },
  { name: "add", run: () => add(a, b), calls: 1 },
  { name: "raw exp loop", run: () => rawExp(ra), calls: 1 },
  { name: "exp", run: () => exp(a), calls: 1 },
  {
    name: "add, debugNans on",
    run: () => add(a, b),
    calls: 1,
    setup: () => setDebugNans(true),
    teardown: () => setDebugNans(false),
  },
  // after debugNans was on: switching it off must leave no cost behind
  { name: "add, debugNans off again", run: () => add(a, b), calls: 1 },
  // forward ops plus their backward rules, per forward op
  { name: "under grad (fwd+bwd)", run: () => gradChain(a), calls: chain + 1 },
];
const others = availableBackends().filter((name) => name !== "ts");
for (const name of others) {
  let previous = "ts";
  contenders.push({
    name: `add on ${name}`,
    run: () => add(a, b),
    calls: 1,
    setup: () => (previous = getBackend(), setBackend(name)),
    teardown: () => setBackend(previous),
  });
}

const inner = 4000;
const rounds = 9;
const timeOnce = (c: Contender, iterations: number): number => {
  c.setup?.();
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) c.run();
  const dt = performance.now() - t0;
  c.teardown?.();
  return (dt * 1000) / iterations / c.calls; // µs per op
};
for (const c of contenders) timeOnce(c, inner); // warm-up: let the JIT settle
const samples = contenders.map(() => [] as number[]);
for (let r = 0; r < rounds; r++) {
  contenders.forEach((c, i) => samples[i].push(timeOnce(c, c.calls > 1 ? inner / 10 : inner)));
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const us = samples.map(median);
const byName = (name: string) => us[contenders.findIndex((c) => c.name === name)];

const rawAddUs = byName("raw add loop");
const rawExpUs = byName("raw exp loop");
const row = (
  name: string,
  base: number,
) => [name, base.toFixed(2), byName(name).toFixed(2), (byName(name) / base).toFixed(2)];
console.log(`per-op overhead, ${n}-element float32 tensors, ${runtime()} (median of ${rounds} interleaved rounds)`);
printTable(["op", "raw loop µs", "dendrite µs", "ratio"], [
  row("add", rawAddUs),
  row("exp", rawExpUs),
  row("add, debugNans on", rawAddUs),
  row("add, debugNans off again", rawAddUs),
  row("under grad (fwd+bwd)", rawAddUs),
]);

console.log(`\nthe same add on each backend here (a and b are host arrays every backend takes)`);
printTable(["backend", "µs per add", "ratio to ts"], [
  ["ts", byName("add").toFixed(2), "1.00"],
  ...others.map((
    name,
  ) => [name, byName(`add on ${name}`).toFixed(2), (byName(`add on ${name}`) / byName("add")).toFixed(2)]),
]);
