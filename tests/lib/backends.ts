/**
 * Which backends the tests run on, and what happens when OpenBLAS is missing.
 *
 * - OpenBLAS loads (`openblasLibrary()` is a `Right`): its tests run.
 * - It does not load and `DENDRITE_REQUIRE_OPENBLAS=1` (CI sets it in
 *   `.ci/run`): each OpenBLAS suite is one failing test whose message is
 *   `describeFailure()`, i.e. every library tried and why.
 * - It does not load otherwise (a user's machine): each OpenBLAS suite is one
 *   skipped test whose name says why, and one warning is printed.
 *
 * The active backend is global state (and Bun runs every test file in one
 * process), so a suite bound to a backend selects it around each test body and
 * restores the previous one afterwards, even when the body throws.
 *
 * @module
 */
import process from "node:process";
import { describe, it } from "./test.ts";
import { getBackend, setBackend } from "../../mod.ts";
import { describeFailure, type NativeBlas, openblasLibrary } from "../../backends/openblas/mod.ts";

/** The backends a suite can be run on. */
export type BackendName = "ts" | "openblas" | "wasm";

/** Every backend the suites are written for, in the order they run. */
export const BACKENDS: readonly BackendName[] = ["ts", "openblas", "wasm"];

/** Whether a missing OpenBLAS fails the tests instead of skipping them. */
export const OPENBLAS_REQUIRED = process.env.DENDRITE_REQUIRE_OPENBLAS === "1";

const library = openblasLibrary();

/** The loaded OpenBLAS, or `undefined` when it cannot be loaded here. */
export const openblas: NativeBlas | undefined = library._tag === "Right" ? library.right : undefined;

let warned = false;

/**
 * Stands in for a suite that needs OpenBLAS when it cannot be loaded: a
 * failing test under `DENDRITE_REQUIRE_OPENBLAS=1`, else a skipped one.
 */
function unavailable(suite: string): void {
  if (library._tag === "Right") return;
  const why = describeFailure(library.left);
  if (OPENBLAS_REQUIRED) {
    it(`${suite}: OpenBLAS is required (DENDRITE_REQUIRE_OPENBLAS=1) but could not be loaded`, () => {
      throw new Error(why);
    });
    return;
  }
  if (!warned) {
    warned = true;
    console.warn(`tests: skipping the OpenBLAS tests (set DENDRITE_REQUIRE_OPENBLAS=1 to fail instead).\n${why}`);
  }
  it(`${suite}: skipped, OpenBLAS could not be loaded`, { skip: "OpenBLAS could not be loaded" }, () => {});
}

/**
 * A `describe` whose body receives the loaded OpenBLAS; when there is none,
 * the suite is one failing or skipped test (see the module comment).
 */
export function describeOpenBlas(name: string, body: (lib: NativeBlas) => void): void {
  if (openblas === undefined) unavailable(name);
  else describe(name, () => body(openblas));
}

/**
 * Runs `fn` with `backend` selected, then restores the backend that was
 * active before (also when `fn` throws or its promise rejects).
 */
export function withBackend<T>(backend: string, fn: () => T): T {
  const previous = getBackend();
  setBackend(backend);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    setBackend(previous);
    throw e;
  }
  if (result instanceof Promise) return result.finally(() => setBackend(previous)) as T;
  setBackend(previous);
  return result;
}

/** A test body, with or without `node:test` options. */
type TestFn = () => void | Promise<void>;

/** `it`, with each body run on one backend. */
export interface BackendIt {
  (name: string, fn: TestFn): void;
  (name: string, options: { timeout?: number }, fn: TestFn): void;
}

/**
 * Declares `suite` once per backend. `suite` receives the backend's name and
 * an `it` whose bodies run with that backend selected; test names should say
 * which backend they run on (e.g. put `[${backend}]` in the `describe`).
 * Where OpenBLAS cannot be loaded, its round is one failing or skipped test.
 *
 * @example
 * ```ts ignore
 * forEachBackend((backend, it) =>
 *   describe(`matmul [${backend}]`, () => {
 *     it("runs on the backend", () => assert.equal(getBackend(), backend));
 *   })
 * );
 * ```
 */
export function forEachBackend(suite: (backend: BackendName, it: BackendIt) => void): void {
  for (const backend of BACKENDS) {
    if (backend === "openblas" && openblas === undefined) {
      unavailable("[openblas] this file's suites");
      continue;
    }
    const bound: BackendIt = (name: string, a: TestFn | { timeout?: number }, b?: TestFn) => {
      const [options, fn] = typeof a === "function" ? [{}, a] : [a, b!];
      it(name, options, () => withBackend(backend, fn));
    };
    suite(backend, bound);
  }
}
