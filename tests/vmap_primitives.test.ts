/**
 * The batching rule of every primitive (issue 12), registry-driven like G1:
 * for each row of tests/lib/primitive_cases.ts, a random call `f(...args)`
 * is turned into a batch of 1–3 examples (example b's inputs are the case's
 * values rotated by b places, so every example is valid where the case is),
 * each argument is mapped at a random axis or shared (`inAxes` null), and
 * `vmap(f)` of the batch must equal the examples' results stacked along axis
 * 0, exactly (NaN equal to NaN), in dtype and shape, in float64 and in
 * float32 (the case's inputs rounded; a row whose function builds float64
 * constants is discarded there with fc.pre) — except matmul on
 * OpenBLAS, whose kernels round differently for products of different
 * shapes (the batch folds into one larger product), so there the bound of
 * G7 applies: |Δ| ≤ 4·k·u·(|A|·|B|). A test compares the
 * table with `allPrimitives()`, so a primitive without a row fails. Runs on
 * every backend.
 */
import { assert, describe, fc } from "./lib/test.ts";
import { forEachBackend } from "./lib/backends.ts";
import { abs, cast, DTypeError, stack, type Tensor, tensor, vmap } from "../mod.ts";
import { allPrimitives } from "../core/primitive.ts";
import { type Case, table } from "./lib/primitive_cases.ts";

const rotate = (t: Tensor, by: number): Tensor => {
  const data = t.toTypedArray();
  const n = data.length;
  if (n === 0 || by % n === 0) return t;
  const k = by % n;
  const out = data.slice(0, 0);
  const rotated = new (out.constructor as { new (n: number): typeof data })(n);
  rotated.set(data.subarray(k), 0);
  rotated.set(data.subarray(0, k), n - k);
  return tensor(rotated, { shape: t.shape, dtype: t.dtype });
};

const sameValues = (got: Tensor, want: Tensor, what: string): void => {
  assert.equal(got.dtype, want.dtype, `${what}: dtype`);
  assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  const a = got.toTypedArray(), b = want.toTypedArray();
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = b[i];
    if (!(x === y || (Number.isNaN(x) && Number.isNaN(y)))) {
      assert.fail(`${what}: element ${i} is ${x}, the loop gives ${y}`);
    }
  }
};

/** Within the gemm error bound 4·k·u·(|A|·|B|), the bound G7 holds OpenBLAS to. */
const withinGemmBound = (got: Tensor, want: Tensor, scale: Tensor, k: number, u: number, what: string): void => {
  assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  const a = got.toTypedArray(), b = want.toTypedArray(), s = scale.toTypedArray();
  for (let i = 0; i < a.length; i++) {
    const bound = 4 * k * u * s[i];
    if (!(Math.abs(a[i] - b[i]) <= bound)) {
      assert.fail(`${what}: element ${i} is ${a[i]}, the loop gives ${b[i]} (bound ${bound})`);
    }
  }
};

/** The case with its float64 inputs rounded to float32, or null when its function then fails on dtypes. */
const inFloat32 = (c: Case): Case | null => {
  const args = c.args.map((a) => (a.dtype === "float64" ? cast(a, "float32") : a));
  try {
    c.f(...args);
  } catch (e) {
    if (e instanceof DTypeError) return null;
    throw e;
  }
  return { ...c, args };
};

const checkBatched = (name: string, backend: string, dtype: string, c: Case, size: number, picks: number[]) => {
  // −1: shared by every example; otherwise the mapped axis (0 … rank).
  const axes = c.args.map((a, i) => (picks[i] % (a.ndim + 2)) - 1);
  if (axes.every((a) => a < 0)) axes[0] = 0;
  const examples = Array.from({ length: size }, (_, b) => c.args.map((a, i) => (axes[i] < 0 ? a : rotate(a, b))));
  const want = stack(examples.map((xs) => c.f(...xs)), 0);
  const batched = c.args.map((a, i) => (axes[i] < 0 ? a : stack(examples.map((xs) => xs[i]), axes[i])));
  const inAxes = axes.map((a) => (a < 0 ? null : a));
  const got = vmap(c.f, { inAxes })(...batched);
  const what = `${name} (${dtype}) with inAxes [${inAxes.join(", ")}], batch ${size}`;
  if (name === "matmul" && backend === "openblas") {
    const scale = stack(examples.map((xs) => c.f(...xs.map((x) => abs(x)))), 0);
    const k = Math.max(...c.args.flatMap((a) => a.shape));
    withinGemmBound(got, want, scale, k, dtype === "float32" ? 2 ** -24 : 2 ** -53, what);
  } else sameValues(got, want, what);
};

const RUNS = 30;

forEachBackend((backend, it) => {
  describe(`vmap: the batching rule of every primitive (${backend})`, () => {
    it("the table covers every registered primitive", () => {
      assert.deepEqual(Object.keys(table).sort(), allPrimitives().map((p) => p.name).sort());
    });

    for (const dtype of ["float64", "float32"] as const) {
      for (const [name, row] of Object.entries(table)) {
        it(`${name} (${dtype}): vmap(f) of a batch equals f of each example, stacked`, () =>
          fc.assert(
            fc.property(
              row.cases,
              fc.integer({ min: 1, max: 3 }),
              fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
              (c0, size, picks) => {
                const c = dtype === "float64" ? c0 : inFloat32(c0);
                // A row whose function builds float64 constants cannot take float32 inputs.
                fc.pre(c !== null);
                checkBatched(name, backend, dtype, c, size, picks);
              },
            ),
            { numRuns: RUNS },
          ));
      }
    }
  });
});
