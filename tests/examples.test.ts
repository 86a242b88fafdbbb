/**
 * The examples run as the README says and print what it claims. Each runs in
 * a subprocess of the runtime running this test (Deno under `deno test`, Bun
 * under `bun test`).
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { assert, describe, it } from "./lib/test.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const runtime = "Bun" in globalThis ? "bun" : "deno";

const runExample = (name: string, args: string[] = []) =>
  new Promise<{ code: number; stdout: string; out: string }>((resolve) => {
    const file = path.join("examples", `${name}.ts`);
    const cmd = path.join(root, "node_modules", ".bin", runtime);
    const argv = runtime === "deno" ? ["run", "-A", file, ...args] : [file, ...args];
    execFile(
      cmd,
      argv,
      { cwd: root, env: { ...process.env, NO_COLOR: "1" }, timeout: 240_000 },
      (err, stdout, stderr) =>
        resolve({ code: err === null ? 0 : typeof err.code === "number" ? err.code : 1, stdout, out: stdout + stderr }),
    );
  });

describe(`examples (${runtime})`, () => {
  it("fit_1d (npm run demo:sine): the loss falls below 1e-2", { timeout: 240_000 }, async () => {
    const r = await runExample("fit_1d");
    assert.equal(r.code, 0, r.out);
    const losses = [...r.stdout.matchAll(/loss (\S+)/g)].map((m) => Number(m[1]));
    assert.ok(losses.length >= 2 && losses.at(-1)! < 1e-2 && losses.at(-1)! < losses[0] / 10, r.stdout);
  });

  it("sine: wider shallow ReLU networks fit better and have more linear regions; writes the SVG", {
    timeout: 240_000,
  }, async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "dendrite-sine-")), "sine.svg");
    const r = await runExample("sine", ["--out", out]);
    assert.equal(r.code, 0, r.out);
    const rows = [...r.stdout.matchAll(/^ +(\d+) \| +([0-9.]+) \| +([0-9.]+) \| (\d+)$/gm)].map((m) =>
      m.slice(1).map(Number)
    );
    assert.deepEqual(rows.map((row) => row[0]), [3, 10, 100], r.stdout);
    assert.ok(rows[0][2] > rows[1][2] && rows[1][2] > rows[2][2], `RMS error falls with width: ${r.stdout}`);
    for (const [units, , , regions] of rows) assert.ok(regions >= 1 && regions <= units + 1, r.stdout);
    const svg = fs.readFileSync(out, "utf8");
    assert.ok(svg.startsWith("<svg") && svg.includes("100 hidden units"), "the SVG holds the fits' legend");
  });

  it("regions: equal parameter counts, the region table at init and after training; writes the SVG", {
    timeout: 240_000,
  }, async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "dendrite-regions-")), "regions.svg");
    const r = await runExample("regions", ["--out", out]);
    assert.equal(r.code, 0, r.out);
    const rows = [...r.stdout.matchAll(/^(shallow|deep) .*\| +(\d+) \| ([0-9, ]+?) +\| +(\d+) \| ([0-9.]+)$/gm)];
    assert.equal(rows.length, 2, r.stdout);
    assert.equal(rows[0][2], rows[1][2], "the two networks have the same number of parameters");
    // A 1-56-1 network has at most 57 regions on any interval.
    for (const n of rows[0][3].split(", ").map(Number)) assert.ok(n >= 1 && n <= 57, r.stdout);
    assert.ok(fs.readFileSync(out, "utf8").startsWith("<svg"));
  });

  it("spirals: a deep MLP separates two spirals (> 95 % validation accuracy); writes both SVGs", {
    timeout: 240_000,
  }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dendrite-spirals-"));
    const r = await runExample("spirals", ["--out", dir]);
    assert.equal(r.code, 0, r.out);
    const accuracy = Number(r.stdout.match(/validation accuracy ([0-9.]+) %/)?.[1]);
    assert.ok(accuracy > 95, r.stdout);
    for (const name of ["spirals_boundary.svg", "spirals_loss.svg"]) {
      assert.ok(fs.readFileSync(path.join(dir, name), "utf8").startsWith("<svg"), name);
    }
  });

  it("random_labels (small run): four depths at about 15,000 parameters each; a row per depth; writes the SVG", {
    timeout: 240_000,
  }, async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "dendrite-rl-")), "random_labels.svg");
    const r = await runExample("random_labels", ["--n", "200", "--max-epochs", "300", "--out", out]);
    assert.equal(r.code, 0, r.out);
    const rows = [...r.stdout.matchAll(/^ +([1-4]) \| +(\d+) \| +(\d+) \| (.+)$/gm)];
    assert.deepEqual(rows.map((m) => Number(m[1])), [1, 2, 3, 4], r.stdout);
    for (const m of rows) assert.ok(Math.abs(Number(m[3]) - 15_000) < 300, `parameter count ${m[3]}`);
    // 200 random labels are memorised quickly by every depth.
    for (const m of rows) assert.match(m[4], /^\d+$/, r.stdout);
    assert.ok(fs.readFileSync(out, "utf8").startsWith("<svg"));
  });

  it("xor: the hand-set 2-2-1 network and a trained one print XOR's truth table", { timeout: 240_000 }, async () => {
    const r = await runExample("xor");
    assert.equal(r.code, 0, r.out);
    const outputs = [...r.stdout.matchAll(/^ +([01]) +([01]) \| +([01]) +\| ([0-9.]+)$/gm)];
    assert.equal(outputs.length, 8, r.stdout); // two truth tables of four rows
    for (const [, a, b, t, out] of outputs) {
      assert.equal(Number(t), Number(a) ^ Number(b));
      assert.equal(Number(out) > 0.5 ? 1 : 0, Number(t), r.stdout);
    }
    assert.match(r.stdout, /2-2-1 tanh from random init: \d+ of 10 seeds compute XOR/);
    assert.match(r.stdout, /the trained network computes XOR/);
  });
  it("adaboost: stumps and perceptrons boosted on the disc; errors fall with rounds; writes both SVGs", {
    timeout: 240_000,
  }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dendrite-adaboost-"));
    const r = await runExample("adaboost", ["--rounds", "60", "--out", dir]);
    assert.equal(r.code, 0, r.out);
    const rows = [...r.stdout.matchAll(/^(stump|perceptron) +\|(.*)\(train \/ test; (\d+) learners/gm)];
    assert.deepEqual(rows.map((m) => m[1]), ["stump", "perceptron"], r.stdout);
    for (const m of rows) {
      const cells = [...m[2].matchAll(/([0-9.]+) \/ ([0-9.]+) %/g)].map((c) => [Number(c[1]), Number(c[2])]);
      assert.equal(cells.length, 5, r.stdout); // after 1, 5, 20, 50 and 60 rounds
      // A single linear classifier cannot carve out a disc; 60 rounds of boosting nearly can.
      assert.ok(cells[0][0] > 20 && cells[4][0] < 5 && cells[4][1] < 12, r.stdout);
    }
    const regions = fs.readFileSync(path.join(dir, "adaboost_regions.svg"), "utf8");
    assert.equal(regions.match(/<circle class="point"/g)?.length, 400);
    const curves = fs.readFileSync(path.join(dir, "adaboost_errors.svg"), "utf8");
    assert.equal(curves.match(/<path class="series"/g)?.length, 4);
  });

  it("pca: Fashion-MNIST's leading components, reconstruction errors falling with k; writes the scatter and grid", {
    timeout: 240_000,
  }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dendrite-pca-"));
    const r = await runExample("pca", ["--n", "3000", "--out", dir]);
    assert.equal(r.code, 0, r.out);
    const ratios = r.stdout.match(/components 1-10 \(%\): (.*)$/m)?.[1].split(", ").map(Number) ?? [];
    assert.equal(ratios.length, 10, r.stdout);
    for (let i = 1; i < 10; i++) assert.ok(ratios[i] <= ratios[i - 1], "variances come in decreasing order");
    // Fashion-MNIST's first component carries about 29 % of the pixel variance, the second about 18 %.
    assert.ok(ratios[0] > 25 && ratios[0] < 33 && ratios[1] > 14 && ratios[1] < 22, r.stdout);
    const mse = [...r.stdout.matchAll(/from +(\d+) components: mean squared error ([0-9.]+)/g)].map((m) =>
      Number(m[2])
    );
    assert.equal(mse.length, 4, r.stdout);
    for (let i = 1; i < 4; i++) assert.ok(mse[i] < mse[i - 1], r.stdout);
    assert.equal([...r.stdout.matchAll(/^ {2}\S.* PC1 +-?[0-9.]+ +PC2 +-?[0-9.]+$/gm)].length, 10, r.stdout);
    const scatter = fs.readFileSync(path.join(dir, "pca_scatter.svg"), "utf8");
    assert.equal(scatter.match(/<circle class="point"/g)?.length, 2000);
    assert.equal(scatter.match(/class="legend-entry"/g)?.length, 10);
    const grid = fs.readFileSync(path.join(dir, "pca_components.svg"), "utf8");
    assert.equal(grid.match(/<image class="cell"/g)?.length, 16);
  });

  it("fashion_mnist_cnn (small run): the CNN learns from 1,024 images; checkpoint and prediction grid written", {
    timeout: 240_000,
  }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dendrite-cnn-"));
    const checkpoint = path.join(dir, "cnn.safetensors");
    const r = await runExample("fashion_mnist_cnn", [
      "--epochs",
      "1",
      "--limit",
      "1024",
      "--out",
      dir,
      "--checkpoint",
      checkpoint,
    ]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.stdout, /Fashion-MNIST: 1024 training and 1024 test images/);
    assert.match(r.stdout, /Total params: 421,642 /);
    assert.match(r.stdout, /seconds per epoch \(training and evaluation\): [0-9.]+/);
    // Eight Adam steps take it well past chance (10 %).
    const accuracy = Number(r.stdout.match(/test accuracy ([0-9.]+) % after 1 epochs/)?.[1]);
    assert.ok(accuracy > 35, r.stdout);
    assert.ok(fs.statSync(checkpoint).size > 421_642 * 4, "the checkpoint holds the parameters");
    const grid = fs.readFileSync(path.join(dir, "fashion_mnist_cnn_predictions.svg"), "utf8");
    assert.equal(grid.match(/<image class="cell"/g)?.length, 16);
  });
});
