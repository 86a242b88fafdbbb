/**
 * How users reach the library, each tried as a new user would in a fresh
 * subprocess of the pinned runtime:
 * - what importing `mod.ts` loads (no fast-check, no native library);
 * - Deno importing `mod.ts` from a URL with a fresh `DENO_DIR`, training with
 *   `fit` and saving a checkpoint, and `deno check` of that script under
 *   strict settings;
 * - the packed npm package (`scripts/pack.ts`) installed with `bun add` into a
 *   folder outside the repository, a script there that trains, checkpoints and
 *   uses `dendrite/testing`, and `tsc` over that project with Bun's default
 *   strict tsconfig;
 * - the README's demo.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { assert, describe, it } from "./lib/test.ts";
import { availableBackends } from "../mod.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name: string) => path.join(root, "node_modules", ".bin", name);

const run = (cmd: string, args: string[], cwd: string, env: Record<string, string> = {}, timeout = 120_000) =>
  new Promise<{ code: number; out: string; stdout: string; stderr: string }>((resolve) => {
    execFile(
      cmd,
      args,
      { cwd, env: { ...process.env, NO_COLOR: "1", ...env }, timeout, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === "number" ? err.code : 1;
        resolve({ code, out: `${stdout}${stderr}`, stdout, stderr });
      },
    );
  });

const lastJson = (stdout: string): unknown => JSON.parse(stdout.trim().split("\n").at(-1)!);

/** A user's first program: train a tiny model with `fit`, save and reload a checkpoint, check a gradient. */
const program = (lib: string, testingLib: string, checkpoint: string) =>
  `import { io, layers, losses, optim, random, square, sum, type Tensor, tensor, tree } from "${lib}";
import { checkGrads } from "${testingLib}";

const model = layers.sequential([layers.dense(8), layers.tanh, layers.dense(1)]);
const { params } = model.init(random.key(0), [64, 1]);
const x = random.uniform(random.key(1), [64, 1], { minval: -1, maxval: 1 });
const result = optim.fit({
  model, params, loss: losses.mse, optimizer: optim.adam(1e-2), data: { x, y: square(x) }, epochs: 20, progress: false,
});
io.saveSafetensors(${JSON.stringify(checkpoint)}, result.params);
const loaded = io.loadSafetensors(${JSON.stringify(checkpoint)});
const same = tree.leaves(loaded).every((t, i) => {
  const a = (t as Tensor).toArray();
  return JSON.stringify(a) === JSON.stringify((tree.leaves(result.params)[i] as Tensor).toArray());
});
checkGrads((t: Tensor) => sum(square(t)), [tensor([1, 2], { dtype: "float64" })]);
const loss = result.history.loss;
console.log(JSON.stringify({ falls: loss[loss.length - 1]! < loss[0]! / 2, same, checked: true }));
`;

/** Bun's default tsconfig.json (as `bun init` writes it), which type-checks the consumer's project strictly. */
const bunTsconfig = {
  compilerOptions: {
    lib: ["ESNext", "DOM"],
    target: "ESNext",
    module: "Preserve",
    moduleDetection: "force",
    jsx: "react-jsx",
    allowJs: true,
    moduleResolution: "bundler",
    allowImportingTsExtensions: true,
    verbatimModuleSyntax: true,
    noEmit: true,
    strict: true,
    skipLibCheck: false, // stricter than Bun's default: the package's declarations are checked too
    noFallthroughCasesInSwitch: true,
    noUncheckedIndexedAccess: true,
    noImplicitOverride: true,
    noUnusedLocals: false,
    noUnusedParameters: false,
    noPropertyAccessFromIndexSignature: false,
    types: [],
  },
};

/** Serves the repository over HTTP as Deno's URL imports need it (TypeScript with its content type). */
const serveRepository = async (): Promise<{ port: number; close: () => void }> => {
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
  return { port: (server.address() as { port: number }).port, close: () => server.close() };
};

/** A folder outside the repository whose node_modules links this checkout's runtime dependencies. */
const denoProject = (): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dendrite-deno-"));
  fs.mkdirSync(path.join(dir, "node_modules"));
  for (const name of ["fast-check", "pure-rand", "fp-ts", "io-ts"]) {
    fs.symlinkSync(path.join(root, "node_modules", name), path.join(dir, "node_modules", name));
  }
  fs.writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({ type: "module", dependencies: { "fast-check": "4.10.2", "fp-ts": "2.16.11", "io-ts": "2.2.22" } }),
  );
  return dir;
};

describe("packaging", () => {
  it("package-lock.json records every platform's deno and bun binary package (so npm ci accepts it anywhere)", () => {
    const lock = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8")) as {
      packages: Record<string, { version?: string; optionalDependencies?: Record<string, string> }>;
    };
    const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
    for (const tool of ["deno", "bun"]) {
      const entry = lock.packages[`node_modules/${tool}`];
      assert.equal(entry?.version, manifest.devDependencies[tool], `the lock pins ${tool} as package.json does`);
      const platforms = Object.keys(entry?.optionalDependencies ?? {});
      assert.ok(platforms.length >= 4, `${tool} lists its platform packages`);
      const missing = platforms.filter((name) => lock.packages[`node_modules/${name}`] === undefined);
      assert.deepEqual(missing, [], `${tool}'s platform packages missing from the lock`);
    }
  });

  it("importing mod.ts loads neither fast-check nor a native library", { timeout: 120_000 }, async () => {
    const info = await run(bin("deno"), ["info", "--json", "mod.ts"], root);
    assert.equal(info.code, 0, info.out);
    const modules = (JSON.parse(info.stdout) as { modules: { specifier: string }[] }).modules.map((m) => m.specifier);
    assert.ok(modules.some((m) => m.endsWith("/core/tensor.ts")), "deno info lists the library's modules");
    assert.deepEqual(modules.filter((m) => m.includes("/testing/")), []);
    assert.ok(!info.stdout.includes("fast-check"), "mod.ts's module graph (npm packages included) holds no fast-check");
    const withTesting = await run(bin("deno"), ["info", "--json", "testing/mod.ts"], root);
    assert.ok(withTesting.stdout.includes("fast-check"), "the testing entry does load fast-check");
    // Without --allow-ffi a program on the default backend runs without a word about FFI or OpenBLAS.
    const dir = denoProject();
    try {
      fs.writeFileSync(
        path.join(dir, "main.ts"),
        `import { matmul, tensor } from ${JSON.stringify(path.join(root, "mod.ts"))};\n` +
          `console.log(JSON.stringify(matmul(tensor([[1, 2]]), tensor([[3], [4]])).toArray()));\n`,
      );
      const r = await run(bin("deno"), ["run", "--node-modules-dir=manual", "--allow-read", "main.ts"], dir);
      assert.equal(r.code, 0, r.out);
      assert.deepEqual(lastJson(r.stdout), [[11]]);
      assert.equal(r.stderr, "");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("Deno imports mod.ts from a URL, trains with fit and saves a checkpoint; deno check is clean", {
    timeout: 240_000,
  }, async () => {
    const server = await serveRepository();
    // As a Deno user starts: an empty folder (no package.json, no node_modules) and a fresh DENO_DIR, so the
    // library's npm: imports come from the registry into that cache.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dendrite-url-"));
    try {
      const url = `http://127.0.0.1:${server.port}`;
      const checkpoint = path.join(dir, "model.safetensors");
      fs.writeFileSync(path.join(dir, "main.ts"), program(`${url}/mod.ts`, `${url}/testing/mod.ts`, checkpoint));
      const env = { DENO_DIR: path.join(dir, ".deno") }; // a fresh cache: edits to the served files are seen
      // The flags the README gives: --allow-import for the host, then what the program itself needs.
      const r = await run(
        bin("deno"),
        [
          "run",
          `--allow-import=127.0.0.1:${server.port}`,
          "--allow-read",
          "--allow-write",
          "main.ts",
        ],
        dir,
        env,
      );
      assert.equal(r.code, 0, r.out);
      assert.deepEqual(lastJson(r.stdout), { falls: true, same: true, checked: true });
      assert.ok(fs.statSync(checkpoint).size > 8);
      // A consumer's strict settings see no error (remote modules are checked, their diagnostics not the user's).
      fs.writeFileSync(
        path.join(dir, "deno.json"),
        JSON.stringify({ compilerOptions: { strict: true, noUncheckedIndexedAccess: true, noImplicitOverride: true } }),
      );
      const c = await run(
        bin("deno"),
        ["check", `--allow-import=127.0.0.1:${server.port}`, "main.ts"],
        dir,
        env,
      );
      assert.equal(c.code, 0, c.out);
    } finally {
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the packed package installs with bun add, trains, checkpoints, uses dendrite/testing, and type-checks", {
    timeout: 300_000,
  }, async () => {
    const pack = await run(bin("deno"), ["run", "-A", "scripts/pack.ts"], root, {}, 240_000);
    assert.equal(pack.code, 0, pack.out);
    const tarball = pack.stdout.trim().split("\n").at(-1)!;
    assert.ok(tarball.endsWith(".tgz") && fs.existsSync(tarball), pack.out);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dendrite-bun-"));
    try {
      fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "consumer", type: "module" }));
      const add = await run(bin("bun"), ["add", tarball], dir, {}, 240_000);
      assert.equal(add.code, 0, add.out);
      const installed = fs.readdirSync(path.join(dir, "node_modules"));
      assert.ok(installed.includes("dendrite"), installed.join(" "));
      assert.ok(!fs.lstatSync(path.join(dir, "node_modules", "dendrite")).isSymbolicLink(), "a copy, not a link");
      for (const devTool of ["deno", "bun", "typescript", "@types", "@deno", "@oven"]) {
        assert.ok(!installed.includes(devTool), `installing dendrite pulled in ${devTool}: ${installed.join(" ")}`);
      }
      const checkpoint = path.join(dir, "model.safetensors");
      fs.writeFileSync(path.join(dir, "main.ts"), program("dendrite", "dendrite/testing", checkpoint));
      const r = await run(bin("bun"), ["run", "main.ts"], dir);
      assert.equal(r.code, 0, r.out);
      assert.deepEqual(lastJson(r.stdout), { falls: true, same: true, checked: true });
      fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(bunTsconfig, null, 2));
      const tsc = await run(bin("tsc"), ["-p", "tsconfig.json"], dir);
      assert.equal(tsc.code, 0, tsc.out);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const runtime of ["deno", "bun"] as const) {
    it(
      `the README's demo (Fashion-MNIST MLP, 2 epochs) trains on ${runtime}, on the automatic backend it names, and prints its test accuracy`,
      {
        timeout: 300_000,
      },
      async () => {
        const file = "examples/fashion_mnist_mlp.ts";
        const args = runtime === "deno" ? ["run", "-A", file, "--epochs", "2"] : [file, "--epochs", "2"];
        // As the README runs it: no DENDRITE_BACKEND, so the automatic choice.
        const { code, out, stdout } = await run(bin(runtime), args, root, { DENDRITE_BACKEND: "" }, 300_000);
        assert.equal(code, 0, out);
        const expected = availableBackends().includes("openblas") ? "openblas" : "wasm";
        assert.match(stdout, new RegExp(`backend "${expected}"`), stdout);
        const accuracy = Number(stdout.match(/test accuracy ([0-9.]+) % after 2 epochs/)?.[1]);
        assert.ok(accuracy > 80, stdout); // two epochs of Adam reach about 85 %
        assert.match(stdout, /seconds per epoch \(training and evaluation\): [0-9.]+/);
      },
    );
  }
});
