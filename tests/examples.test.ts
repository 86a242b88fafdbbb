/**
 * The examples run as the README says and print what it claims. Each runs in
 * a subprocess of the runtime running this test (Deno under `deno test`, Bun
 * under `bun test`).
 */
import { execFile } from "node:child_process";
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
});
