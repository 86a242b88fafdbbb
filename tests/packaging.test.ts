/**
 * How users reach the library: Deno importing `mod.ts` from a URL, a Bun
 * script importing the package by name from another project, and the
 * README's demo. Each runs in a fresh subprocess of the pinned runtime; the
 * temporary projects link node_modules to this checkout's, so no registry is
 * needed.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { assert, describe, it } from "./lib/test.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name: string) => path.join(root, "node_modules", ".bin", name);

const run = (cmd: string, args: string[], cwd: string, env: Record<string, string> = {}) =>
  new Promise<{ code: number; out: string; stdout: string }>((resolve) => {
    execFile(
      cmd,
      args,
      { cwd, env: { ...process.env, NO_COLOR: "1", ...env }, timeout: 90_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === "number" ? err.code : 1;
        resolve({ code, out: `${stdout}${stderr}`, stdout });
      },
    );
  });

/** A temporary project whose node_modules holds links to this checkout's packages. */
const tempProject = (links: Record<string, string>): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dendrite-pkg-"));
  fs.mkdirSync(path.join(dir, "node_modules"));
  for (const [name, target] of Object.entries(links)) fs.symlinkSync(target, path.join(dir, "node_modules", name));
  return dir;
};

const program = (specifier: string) =>
  `import { grad, sum, square, tensor, testing, type Tensor } from "${specifier}";\n` +
  `const g = grad((x: Tensor) => sum(square(x)))(tensor([1, 2]));\n` +
  `console.log(JSON.stringify({ g: g.toArray(), testing: typeof testing.checkGrads }));\n`;

describe("packaging", () => {
  it("Deno imports mod.ts from a URL (served as application/typescript)", { timeout: 120_000 }, async () => {
    const server = http.createServer((req, res) => {
      const file = path.join(root, decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
      const ok = file.startsWith(root + path.sep) && fs.existsSync(file) && fs.statSync(file).isFile();
      if (!ok) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "content-type": file.endsWith(".ts") ? "application/typescript" : "text/plain" });
      res.end(fs.readFileSync(file));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    const nm = path.join(root, "node_modules");
    const dir = tempProject({
      "fast-check": path.join(nm, "fast-check"),
      "pure-rand": path.join(nm, "pure-rand"),
      "fp-ts": path.join(nm, "fp-ts"),
    });
    try {
      fs.writeFileSync(
        path.join(dir, "package.json"),
        JSON.stringify({ type: "module", dependencies: { "fast-check": "4.10.2", "fp-ts": "2.16.11" } }),
      );
      fs.writeFileSync(path.join(dir, "main.ts"), program(`http://127.0.0.1:${port}/mod.ts`));
      const { code, out, stdout } = await run(
        bin("deno"),
        ["run", "--node-modules-dir=manual", `--allow-import=127.0.0.1:${port}`, "main.ts"],
        dir,
        { DENO_DIR: path.join(dir, ".deno") }, // a fresh cache: edits to the served files are seen
      );
      assert.equal(code, 0, out);
      assert.deepEqual(JSON.parse(stdout.trim().split("\n").at(-1)!), { g: [2, 4], testing: "function" });
    } finally {
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it(
    "a Bun script imports the package by name (package.json exports, tsconfig paths)",
    { timeout: 120_000 },
    async () => {
      const dir = tempProject({ dendrite: root });
      try {
        fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module" }));
        fs.writeFileSync(path.join(dir, "main.ts"), program("dendrite"));
        const { code, out, stdout } = await run(bin("bun"), ["main.ts"], dir);
        assert.equal(code, 0, out);
        assert.deepEqual(JSON.parse(stdout.trim().split("\n").at(-1)!), { g: [2, 4], testing: "function" });
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  for (const runtime of ["deno", "bun"] as const) {
    it(`the README's demo trains on ${runtime} (the loss falls below 1e-2)`, { timeout: 120_000 }, async () => {
      const args = runtime === "deno" ? ["run", "-A", "examples/fit_1d.ts"] : ["examples/fit_1d.ts"];
      const { code, out, stdout } = await run(bin(runtime), args, root);
      assert.equal(code, 0, out);
      const losses = [...stdout.matchAll(/loss (\S+)/g)].map((m) => Number(m[1]));
      assert.ok(losses.length >= 2 && losses.at(-1)! < 1e-2 && losses.at(-1)! < losses[0] / 10, stdout);
    });
  }
});
