/**
 * The course's depth argument, measured: for 1-D input, how many linear
 * regions do a shallow and a deep ReLU network with the same number of
 * parameters carve [−1, 1] into? A shallow network with H units has at most
 * H + 1 regions; composing layers can multiply them (a deep network's maximum
 * grows exponentially with depth), but whether random initialisation or
 * training gets near that maximum is an empirical question. This prints the
 * counts at random init (He-normal weights, several seeds) and after fitting
 * sin(4πx) with Adam, and writes an SVG of both fitted functions
 * (`--out FILE`, default `regions.svg` in the system's temp folder).
 *
 *   deno run -A examples/regions.ts [--out FILE]      or      bun examples/regions.ts [--out FILE]
 *
 * @module
 */
import os from "node:os";
import path from "node:path";
import {
  layers,
  linspace,
  losses,
  mul,
  optim,
  plot,
  random,
  reshape,
  sin,
  type Tensor,
  type Tree,
  valueAndGrad,
} from "../mod.ts";
import { flag } from "./cli.ts";

const out = flag("out") ?? path.join(os.tmpdir(), "regions.svg");

const he = { init: layers.initializers.heNormal, biasInit: layers.initializers.normal(0.1) };
// Shallow 1-56-1: 3·56 + 1 = 169 parameters. Deep 1-8-8-8-1: 16 + 2·72 + 9 = 169.
const shallow = layers.sequential([layers.dense(56, he), layers.relu, layers.dense(1)]);
const deep = layers.sequential([
  layers.dense(8, he),
  layers.relu,
  layers.dense(8, he),
  layers.relu,
  layers.dense(8, he),
  layers.relu,
  layers.dense(1),
]);

const x = reshape(linspace(-1, 1, 256), [256, 1]);
const y = sin(mul(x, 4 * Math.PI));
const interval = [-1, 1] as const;

console.log("network        | parameters | regions at init (5 seeds) | regions after training | training MSE");
const fits: { name: string; x: Tensor; y: Tensor }[] = [];
/** Counts regions at five random inits, trains from the first, counts again; prints a row. */
const study = <P>(
  name: string,
  net: { init: (k: random.Key, s: number[]) => { params: P }; apply: (p: P, v: Tensor) => Tensor },
) => {
  const inits = [0, 1, 2, 3, 4].map((seed) => net.init(random.key(seed), [256, 1]).params);
  const atInit = inits.map((p) => layers.countLinearRegions((v: Tensor) => net.apply(p, v), interval));
  let params = inits[0] as Tree;
  const opt = optim.adam(5e-3);
  let state = opt.init(params);
  const step = valueAndGrad((p: Tree) => losses.mse(net.apply(p as P, x), y));
  let loss = 0;
  for (let i = 0; i < 4000; i++) {
    const [value, g] = step(params);
    [params, state] = optim.updateAndApply(opt, g, state, params);
    if (i === 3999) loss = value.item();
  }
  const trained = params as P;
  const after = layers.countLinearRegions((v: Tensor) => net.apply(trained, v), interval);
  console.log(
    `${name.padEnd(14)} | ${String(layers.paramCount(params)).padStart(10)} | ${atInit.join(", ").padEnd(25)} | ` +
      `${String(after).padStart(22)} | ${loss.toFixed(4)}`,
  );
  fits.push({ name: `${name}: ${after} regions`, x, y: net.apply(trained, x) });
};
study("shallow 1-56-1", shallow);
study("deep 1-8-8-8-1", deep);

plot.fitChart({ title: "Equal parameter counts, fitted to sin(4πx)", data: { x, y }, dataName: "sin(4πx)", fits })
  .save(out);
console.log(`wrote ${out}`);
