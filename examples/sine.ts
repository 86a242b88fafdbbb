/**
 * Universal approximation: shallow ReLU networks with 3, 10 and 100 hidden
 * units fitted (Adam, full batch) to noisy samples of sin(2x) + x/2 on
 * [−π, π]. A shallow ReLU network is piecewise linear with at most
 * units + 1 pieces; the wider the layer, the more pieces, the closer the
 * fit. Prints each fit's error against the noiseless function and its number
 * of linear regions on the interval, and writes an SVG of the data and the
 * three fits (`--out FILE`, default `sine.svg` in the system's temp folder).
 *
 *   deno run -A examples/sine.ts [--out FILE]      or      bun examples/sine.ts [--out FILE]
 *
 * @module
 */
import os from "node:os";
import path from "node:path";
import {
  abs,
  add,
  data,
  layers,
  linspace,
  losses,
  max,
  mean,
  mul,
  optim,
  plot,
  random,
  reshape,
  sin,
  square,
  sub,
  type Tensor,
  valueAndGrad,
} from "../mod.ts";
import { flag } from "./cli.ts";

const out = flag("out") ?? path.join(os.tmpdir(), "sine.svg");

const truth = (x: Tensor) => add(sin(mul(x, 2)), mul(x, 0.5));
const samples = data.noisy1d(random.key(0), { n: 200, fn: (v) => Math.sin(2 * v) + v / 2, noise: 0.1 });
const grid = reshape(linspace(-Math.PI, Math.PI, 400), [400, 1]);

const fits: { name: string; x: Tensor; y: Tensor }[] = [];
console.log("hidden units | max error | RMS error | linear regions on [-π, π]");
for (const units of [3, 10, 100]) {
  // Kinks at −b/w spread over the interval from the start (zero biases would put them all at 0).
  const hidden = layers.dense(units, {
    init: layers.initializers.normal(1),
    biasInit: layers.initializers.uniform(-Math.PI, Math.PI),
  });
  const net = layers.sequential([hidden, layers.relu, layers.dense(1)]);
  let params = net.init(random.key(units), [200, 1]).params;
  const opt = optim.adam(0.01);
  let state = opt.init(params);
  const step = valueAndGrad((p: typeof params) => losses.mse(net.apply(p, samples.x), samples.y));
  for (let i = 0; i < 3000; i++) {
    const [, g] = step(params);
    [params, state] = optim.updateAndApply(opt, g, state, params);
  }
  const trained = params;
  const f = (x: Tensor) => net.apply(trained, x);
  const err = sub(f(grid), truth(grid));
  const regions = layers.countLinearRegions(f, [-Math.PI, Math.PI]);
  console.log(
    `${String(units).padStart(12)} | ${max(abs(err)).item().toFixed(3).padStart(9)} | ` +
      `${Math.sqrt(mean(square(err)).item()).toFixed(3).padStart(9)} | ${regions}`,
  );
  fits.push({ name: `${units} hidden units`, x: grid, y: f(grid) });
}

plot.fitChart({
  title: "Shallow ReLU networks fitted to sin(2x) + x/2",
  data: samples,
  fits: [{ name: "sin(2x) + x/2", x: grid, y: truth(grid) }, ...fits],
  xLabel: "x",
  yLabel: "y",
}).save(out);
console.log(`wrote ${out}`);
