/**
 * F2 (TESTPLAN §7): choosing a backend in a fresh process, on Deno and on
 * Bun. Where OpenBLAS cannot be used (Deno without `--allow-ffi`, or a
 * library that is not there) `DENDRITE_BACKEND=auto` and `setBackend("auto")`
 * fall back to the wasm backend (the TypeScript one where WebAssembly is
 * missing too) with exactly one notice on stderr that
 * says what was tried and what to do, and the program goes on (exit code 0);
 * `setBackend("openblas")` throws a `BackendError` instead. Each case runs
 * tests/fixtures/backend_choice.ts in a subprocess, which prints what it saw
 * as one JSON line.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { assert, describe, it } from "./lib/test.ts";
import { describeOpenBlas } from "./lib/backends.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const FIXTURE = "tests/fixtures/backend_choice.ts";
const MISSING = "/nonexistent/libopenblas.so.0";
const PRODUCT = [[19, 22], [43, 50]];
const RUNTIMES = ["deno", "bun"] as const;
type Runtime = typeof RUNTIMES[number];

/** Deno's permissions for a run: everything, everything the fixture needs except FFI, or only reading files. */
type Permissions = "all" | "no-ffi" | "read-only";

interface Run {
  readonly stderr: string;
  readonly out: Record<string, unknown>;
}

/** Runs the fixture with `steps` on `runtime`, with `env` on top of a clean copy of this process's environment. */
function run(runtime: Runtime, steps: string[], env: Record<string, string>, permissions: Permissions = "all"): Run {
  const base: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1" };
  delete base.DENDRITE_OPENBLAS_PATH;
  // Empty means unset to the library; deleting is not enough, since Deno's child_process adds the
  // parent's variables to `env` (and scripts/test.sh sets DENDRITE_BACKEND=ts).
  base.DENDRITE_BACKEND = "";
  const flags = {
    all: ["-A"],
    "no-ffi": ["--no-prompt", "--allow-read", "--allow-env"],
    "read-only": ["--no-prompt", "--allow-read"],
  }[
    permissions
  ];
  const args = runtime === "deno" ? ["run", ...flags, FIXTURE, ...steps] : [FIXTURE, ...steps];
  const r = spawnSync(path.join(root, "node_modules", ".bin", runtime), args, {
    cwd: root,
    env: { ...base, ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  const what = `${runtime} ${args.join(" ")} (${JSON.stringify(env)}):\n${r.stdout}\n${r.stderr}`;
  assert.equal(r.status, 0, `exit code of ${what}`);
  const last = r.stdout.trim().split("\n").at(-1) ?? "";
  return { stderr: r.stderr, out: JSON.parse(last) };
}

const count = (text: string, re: RegExp) => text.match(new RegExp(re.source, "g"))?.length ?? 0;

/** Exactly one fallback notice on stderr, and nothing else. */
function assertOneNotice(r: Run, ...mentions: RegExp[]) {
  assert.equal(count(r.stderr, /OpenBLAS could not be loaded/), 1, r.stderr);
  assert.equal(count(r.stderr, new RegExp(`running on the "${r.out.backend}" backend`)), 1, r.stderr);
  for (const m of mentions) assert.match(r.stderr, m);
  assert.ok(
    r.stderr.split("\n").filter((l) => l !== "").every((l) => /^(dendrite: | {2}- |To use it)/.test(l)),
    r.stderr,
  );
}

describe("F2: Deno without --allow-ffi falls back to the wasm backend", () => {
  it('DENDRITE_BACKEND=auto: runs on wasm with one notice naming --allow-ffi; setBackend("openblas") throws', () => {
    const r = run("deno", ["openblas"], { DENDRITE_BACKEND: "auto" }, "no-ffi");
    assert.equal(r.out.backend, "wasm");
    assert.deepEqual(r.out.product, PRODUCT);
    assertOneNotice(r, /--allow-ffi/);
    const e = r.out.openblas as { name: string; isBackendError: boolean; message: string };
    assert.equal(e.name, "BackendError");
    assert.ok(e.isBackendError);
    assert.match(e.message, /--allow-ffi/);
  });

  it("DENDRITE_BACKEND=openblas: runs on wasm with one notice naming the variable and --allow-ffi", () => {
    const r = run("deno", [], { DENDRITE_BACKEND: "openblas" }, "no-ffi");
    assert.equal(r.out.backend, "wasm");
    assert.deepEqual(r.out.product, PRODUCT);
    assert.equal(count(r.stderr, /OpenBLAS could not be loaded/), 1, r.stderr);
    assert.match(r.stderr, /DENDRITE_BACKEND=openblas could not be used; running on the "wasm" backend/);
    assert.match(r.stderr, /--allow-ffi/);
  });

  it("without --allow-env DENDRITE_BACKEND is not read (no prompt, no notice): the silent automatic choice, wasm", () => {
    const r = run("deno", [], { DENDRITE_BACKEND: "openblas" }, "read-only");
    assert.equal(r.out.backend, "wasm");
    assert.deepEqual(r.out.product, PRODUCT);
    assert.equal(r.stderr, "");
  });

  it("DENDRITE_OPENBLAS_PATH is the first (and, without FFI, only) attempt listed in the notice", () => {
    const r = run("deno", ["auto"], { DENDRITE_OPENBLAS_PATH: MISSING }, "no-ffi");
    assert.equal(r.out.backend, "wasm");
    assertOneNotice(r, /--allow-ffi/);
    const tried = r.stderr.split("\n").filter((l) => l.startsWith("  - "));
    assert.deepEqual(tried.map((l) => l.slice(4).split(": ")[0]), [MISSING], r.stderr);
  });
});

for (const runtime of RUNTIMES) {
  describe(`F2 [${runtime}]: a missing library falls back with one notice`, () => {
    it('setBackend("auto") twice and a matmul: wasm, one notice listing the path tried and how to install', () => {
      const r = run(runtime, [`missing=${MISSING}`, "auto", "auto", "openblas"], {});
      assert.equal(r.out.backend, "wasm");
      assert.deepEqual(r.out.product, PRODUCT);
      assertOneNotice(r, new RegExp(`  - ${MISSING}: `), /apt-get install libopenblas0/, /brew install openblas/);
      const e = r.out.openblas as { isBackendError: boolean; message: string };
      assert.ok(e.isBackendError, JSON.stringify(e));
      assert.match(e.message, /apt-get install libopenblas0/);
    });

    it("DENDRITE_BACKEND=auto with the library missing: the same single notice", () => {
      const r = run(runtime, [`missing=${MISSING}`], { DENDRITE_BACKEND: "auto" });
      assert.equal(r.out.backend, "wasm");
      assertOneNotice(r, new RegExp(`  - ${MISSING}: `), /apt-get install libopenblas0/);
    });

    it("no OpenBLAS and no WebAssembly: auto runs on ts, one notice giving both reasons", () => {
      const r = run(runtime, [`missing=${MISSING}`, "nowasm"], { DENDRITE_BACKEND: "auto" });
      assert.equal(r.out.backend, "ts");
      assertOneNotice(r, /the wasm backend needs WebAssembly SIMD128/);
    });

    it("DENDRITE_BACKEND=wasm selects wasm, silently; without WebAssembly it runs on ts with one notice", () => {
      const ok = run(runtime, [], { DENDRITE_BACKEND: "wasm" });
      assert.equal(ok.out.backend, "wasm");
      assert.deepEqual(ok.out.product, PRODUCT);
      assert.equal(ok.stderr, "");
      const none = run(runtime, ["nowasm"], { DENDRITE_BACKEND: "wasm" });
      assert.equal(none.out.backend, "ts");
      assert.equal(count(none.stderr, /DENDRITE_BACKEND=wasm could not be used; running on the "ts" backend/), 1);
      assert.match(none.stderr, /needs WebAssembly SIMD128/);
    });

    it("DENDRITE_BACKEND=wasm on an engine without shared memory: one thread, right results, one notice", () => {
      const r = run(runtime, ["noshared", "big"], { DENDRITE_BACKEND: "wasm", DENDRITE_THREADS: "2" });
      assert.equal(r.out.backend, "wasm");
      assert.equal(r.out.big, 256);
      assert.deepEqual(r.out.product, PRODUCT);
      assert.equal(
        count(r.stderr, /runs on the calling thread only \(this engine has no shared WebAssembly memory\)/),
        1,
      );
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      const shared = run(runtime, ["big"], { DENDRITE_BACKEND: "wasm", DENDRITE_THREADS: "2" });
      assert.equal(shared.out.big, 256);
      assert.equal(shared.stderr, "");
    });

    it("DENDRITE_OPENBLAS_PATH is tried first; the search then goes on", () => {
      const r = run(runtime, ["paths"], { DENDRITE_OPENBLAS_PATH: MISSING });
      const paths = r.out.paths as string[];
      assert.equal(paths[0], MISSING);
      assert.ok(paths.length > 1 && !paths.slice(1).includes(MISSING), JSON.stringify(paths));
      const first = r.out.first as { path: string; reason: string }[];
      assert.equal(first.length, 1);
      assert.equal(first[0].path, MISSING);
      assert.match(first[0].reason, /open library/i);
      assert.notEqual(r.out.found, MISSING);
      assert.equal(r.stderr, "");
    });

    it("DENDRITE_BACKEND=bogus: runs on wasm with one notice naming the value and the backends there are", () => {
      const r = run(runtime, [], { DENDRITE_BACKEND: "bogus" });
      assert.equal(r.out.backend, "wasm");
      assert.deepEqual(r.out.product, PRODUCT);
      assert.equal(count(r.stderr, /DENDRITE_BACKEND=bogus could not be used/), 1, r.stderr);
      assert.match(r.stderr, /unknown backend "bogus"; available: ts, openblas, wasm, auto/);
    });

    it("DENDRITE_BACKEND unset, no OpenBLAS: the automatic choice (wasm), nothing on stderr", () => {
      const r = run(runtime, [`missing=${MISSING}`], {});
      assert.equal(r.out.backend, "wasm");
      assert.deepEqual(r.out.product, PRODUCT);
      assert.equal(r.stderr, "");
      const none = run(runtime, [`missing=${MISSING}`, "nowasm"], {});
      assert.equal(none.out.backend, "ts");
      assert.equal(none.stderr, "");
    });

    it("DENDRITE_BACKEND=ts selects ts, silently", () => {
      const r = run(runtime, [], { DENDRITE_BACKEND: "ts" });
      assert.equal(r.out.backend, "ts");
      assert.equal(r.stderr, "");
    });
  });
}

describeOpenBlas("F2: with the library present", () => {
  for (const runtime of RUNTIMES) {
    it(`[${runtime}] DENDRITE_BACKEND=openblas, =auto and unset select openblas, silently`, () => {
      for (const choice of ["openblas", "auto", undefined]) {
        const r = run(runtime, [], choice === undefined ? {} : { DENDRITE_BACKEND: choice });
        assert.equal(r.out.backend, "openblas", `${choice}: ${r.stderr}`);
        assert.deepEqual(r.out.product, PRODUCT);
        assert.equal(r.stderr, "");
      }
    });
    it(`[${runtime}] OPENBLAS_NUM_THREADS is respected (read when the library loads)`, () => {
      assert.equal(run(runtime, ["threads"], { OPENBLAS_NUM_THREADS: "1" }).out.threads, 1);
      const cores = run(runtime, ["threads"], { OPENBLAS_NUM_THREADS: "64" }).out.threads as number;
      assert.ok(cores >= 1 && cores <= 64, `threads = ${cores}`); // capped at the number of cores
    });
  }
});
