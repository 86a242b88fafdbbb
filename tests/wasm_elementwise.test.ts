/**
 * The wasm elementwise, reduction and fused kernels against the TS kernels
 * they stand in for, on random layouts (shapes, broadcast axes, permuted
 * storage), both float dtypes, and values that include NaN, ±Inf, ±0 and
 * exact halves. binary, unary, where, column sums and fused programs must be
 * bit-identical to the TS kernel (every op is exactly rounded, and the TS
 * kernel rounds each result once); row sums add in another order and must
 * agree within the reordering bound. Inputs are never written. Streaming
 * through the arena is exercised by sizes above one chunk. Last, the
 * dispatch: small calls and declined cases run the base kernel.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import type { BinaryOp, BroadcastLayout, FusedInstr, FusedProgram, UnaryOp } from "../backends/backend.ts";
import type { HostKernels } from "../backends/host.ts";
import { tsKernels } from "../backends/ts/backend.ts";
import { wasmBinary, wasmUnary, wasmWhere } from "../backends/wasm/elementwise_emit.ts";
import {
  WASM_BINARY_FROM,
  WASM_BINARY_MAX_BYTES,
  WASM_COSTLY_UNARY_FROM,
  WASM_FUSED_FROM,
  WASM_FUSED_MAX_BYTES,
  WASM_REDUCE_FROM,
  WASM_UNARY_FROM,
  wasmElementwiseKernels,
} from "../backends/wasm/elementwise_kernels.ts";
import { WASM_FUSED_OPS, wasmFused } from "../backends/wasm/fused_emit.ts";
import { wasmReduce } from "../backends/wasm/reduce_emit.ts";
import { CHUNK_BYTES } from "../backends/wasm/stream.ts";
import { DTypeError, ShapeError, ValueError } from "../core/errors.ts";

type Float = "float32" | "float64";
type FloatArray = Float32Array | Float64Array;

const SPECIALS = [NaN, Infinity, -Infinity, 0, -0, 0.5, -0.5, 1.5, -2.5, 3, -3];

/** `n` values from `seed`: mostly uniform in (−scale, scale), one in `special` of them from {@link SPECIALS}. */
function fill(n: number, seed: number, dtype: Float, special = 8, scale = 10): FloatArray {
  const out = dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
  let s = seed >>> 0 || 1;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  for (let i = 0; i < n; i++) {
    out[i] = special > 0 && next() * special < 1
      ? SPECIALS[Math.floor(next() * SPECIALS.length)]
      : scale * (2 * next() - 1);
  }
  return out;
}

/** Bit-identical, treating every NaN as one value (payloads are not part of the contract). */
function assertSame(got: ArrayLike<number>, want: ArrayLike<number>, what: string) {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i], w = want[i];
    if (!(Object.is(g, w) || (g !== g && w !== w))) assert.fail(`${what}[${i}]: ${g} vs TS ${w}`);
  }
}

/** Runs `f`, checking that it leaves its input arrays as they were. */
function unchanged<T>(inputs: readonly ArrayLike<number>[], f: () => T): T {
  const before = inputs.map((x) => Array.from(x));
  const out = f();
  inputs.forEach((x, j) => assertSame(x, before[j], `input ${j} after the call`));
  return out;
}

/** One operand of a broadcast layout: which axes it broadcasts and the order its axes are stored in. */
interface OperandSpec {
  broadcast: boolean[];
  perm: number[];
}

/** An operand over `shape`: its own shape (1 on broadcast axes), stored in `perm` order; its strides over `shape`. */
function operandLayout(shape: readonly number[], o: OperandSpec): { size: number; strides: number[] } {
  const own = shape.map((n, d) => (o.broadcast[d] ? 1 : n));
  const strides = new Array<number>(shape.length).fill(0);
  let step = 1;
  for (let k = o.perm.length - 1; k >= 0; k--) {
    const d = o.perm[k];
    strides[d] = own[d] === 1 ? 0 : step;
    step *= own[d];
  }
  return { size: step, strides };
}

const permArb = (rank: number) =>
  fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: rank, maxLength: rank }).map((keys) =>
    keys.map((k, d) => [k, d] as const).sort((a, b) => a[0] - b[0]).map(([, d]) => d)
  );
/** Mostly row-major storage (the core's layouts), sometimes a permutation (a transposed operand). */
const operandArb = (rank: number): fc.Arbitrary<OperandSpec> =>
  fc.record({
    broadcast: fc.array(fc.boolean(), { minLength: rank, maxLength: rank }),
    perm: fc.oneof(
      { weight: 3, arbitrary: fc.constant(Array.from({ length: rank }, (_, d) => d)) },
      { weight: 1, arbitrary: permArb(rank) },
    ),
  });

/** A shape whose last axis is often long enough for vector rows, and layouts for `k` operands over it. */
const layoutArb = (k: number) =>
  fc.integer({ min: 1, max: 4 }).chain((rank) =>
    fc.record({
      shape: fc.tuple(
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: rank - 1, maxLength: rank - 1 }),
        fc.oneof(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 8, max: 70 })),
      ).map(([outer, last]) => [...outer, last]),
      operands: fc.array(operandArb(rank), { minLength: k, maxLength: k }),
      seed: fc.integer(),
      dtype: fc.constantFrom<Float>("float32", "float64"),
    })
  );

const FLOAT_BINARY: readonly BinaryOp[] = ["add", "sub", "mul", "div", "maximum", "minimum"];
const EXACT_UNARY: readonly UnaryOp[] = ["neg", "abs", "sqrt", "square", "floor", "ceil", "round", "relu", "sign"];

describe("wasm binary kernel", () => {
  it("is bit-identical to the TS kernel on random broadcast and permuted layouts (NaN, ±Inf, ±0 included)", () => {
    let ran = 0;
    fc.assert(
      fc.property(layoutArb(2), fc.constantFrom(...FLOAT_BINARY), ({ shape, operands, seed, dtype }, op) => {
        const ls = operands.map((o) => operandLayout(shape, o));
        const [a, b] = ls.map((l, j) => fill(l.size, seed + j, dtype, 4));
        const layout: BroadcastLayout = { shape, strides: ls.map((l) => l.strides) };
        const got = unchanged([a, b], () => wasmBinary(op, a, b, layout, dtype));
        fc.pre(got !== undefined); // layouts with short or strided rows are declined (tested below)
        ran++;
        assertSame(got, tsKernels.binary(op, a, b, layout, dtype), `${op} ${dtype} [${shape}]`);
      }),
      { numRuns: 400 },
    );
    assert.ok(ran >= 200, `only ${ran} layouts ran in wasm`);
  });

  it("streams contiguous, scalar and broadcast operands across chunk boundaries unchanged", () => {
    for (const dtype of ["float32", "float64"] as const) {
      const n = 3 * (CHUNK_BYTES / 4) + 5, rows = 700, cols = 37;
      const a = fill(n, 1, dtype), b = fill(n, 2, dtype), s = fill(1, 3, dtype, 0);
      const m = fill(rows * cols, 4, dtype), row = fill(cols, 5, dtype), col = fill(rows, 6, dtype);
      const cases: [FloatArray, FloatArray, BroadcastLayout][] = [
        [a, b, { shape: [n], strides: [[1], [1]] }],
        [a, s, { shape: [n], strides: [[1], [0]] }],
        [s, b, { shape: [n], strides: [[0], [1]] }],
        [m, row, { shape: [rows, cols], strides: [[cols, 1], [0, 1]] }],
        [col, m, { shape: [rows, cols], strides: [[1, 0], [cols, 1]] }],
        [col, row, { shape: [rows, cols], strides: [[1, 0], [0, 1]] }],
      ];
      for (const [x, y, layout] of cases) {
        for (const op of FLOAT_BINARY) {
          const got = unchanged([x, y], () => wasmBinary(op, x, y, layout, dtype));
          assert.ok(got !== undefined, `${op} ${JSON.stringify(layout.strides)} was declined`);
          assertSame(got, tsKernels.binary(op, x, y, layout, dtype), `${op} ${dtype} ${JSON.stringify(layout)}`);
        }
      }
    }
  });

  it("maximum and minimum treat NaN and ±0 as the TS kernel does (NaN wins, ties give the second operand)", () => {
    const x = Float64Array.of(NaN, 1, NaN, 0, -0, 0, -0, -Infinity, 2, 2);
    const y = Float64Array.of(1, NaN, NaN, -0, 0, 0, -0, Infinity, 2, -2);
    const layout = { shape: [10], strides: [[1], [1]] };
    for (const op of ["maximum", "minimum"] as const) {
      assertSame(wasmBinary(op, x, y, layout, "float64")!, tsKernels.binary(op, x, y, layout, "float64"), op);
    }
    assertSame(wasmBinary("maximum", x, y, layout, "float64")!, [NaN, NaN, NaN, -0, 0, 0, -0, Infinity, 2, 2], "max");
    assertSame(wasmBinary("minimum", x, y, layout, "float64")!, [NaN, NaN, NaN, -0, 0, 0, -0, -Infinity, 2, -2], "min");
  });

  it("declines what it does not run: other ops and dtypes, empty outputs, short or strided rows", () => {
    const a = fill(64, 1, "float32"), layout = { shape: [64], strides: [[1], [1]] };
    for (const op of ["pow", "less", "equal", "logicalAnd"] as const) {
      assert.equal(wasmBinary(op, a, a, layout, "float32"), undefined, op);
    }
    const i = Int32Array.from({ length: 64 }, (_, k) => k);
    assert.equal(wasmBinary("add", i, i, layout, "int32"), undefined);
    assert.equal(wasmBinary("add", a, a, layout, "float64"), undefined); // a float32 array named float64
    assert.equal(wasmBinary("add", a, a, { shape: [0], strides: [[1], [1]] }, "float32"), undefined);
    assert.equal(wasmBinary("add", a, a, { shape: [16, 4], strides: [[4, 1], [4, 1]] }, "float32")?.length, 64);
    assert.equal(wasmBinary("add", a, a, { shape: [16, 4], strides: [[4, 1], [0, 1]] }, "float32"), undefined);
    assert.equal(wasmBinary("add", a, a, { shape: [8, 8], strides: [[1, 8], [8, 1]] }, "float32"), undefined);
  });

  it("rejects layouts that do not fit with a ShapeError naming the op", () => {
    const a = fill(8, 1, "float64");
    assert.throws(() => wasmBinary("mul", a, a, { shape: [9], strides: [[1], [1]] }, "float64"), (e: unknown) => {
      return e instanceof ShapeError && /^mul: operand 0/.test(e.message);
    });
    assert.throws(() => wasmBinary("add", a, a, { shape: [8], strides: [[1]] }, "float64"), ShapeError);
    assert.throws(() => wasmBinary("add", a, a, { shape: [8], strides: [[1], [1, 1]] }, "float64"), /add: operand 1/);
    assert.throws(() => wasmBinary("sub", a, a, { shape: [8], strides: [[-1], [1]] }, "float64"), /sub: operand 0/);
  });
});

describe("wasm unary kernel", () => {
  it("is bit-identical to the TS kernel for every op it runs, at lengths around vector and chunk edges", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...EXACT_UNARY),
        fc.constantFrom<Float>("float32", "float64"),
        fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 3 * CHUNK_BYTES / 4 })),
        fc.integer(),
        (op, dtype, n, seed) => {
          const x = fill(n, seed, dtype, 4, 5);
          const got = unchanged([x], () => wasmUnary(op, x, dtype));
          assert.ok(got !== undefined, `${op} declined`);
          assertSame(got, tsKernels.unary(op, x, dtype), `${op} ${dtype} n=${n}`);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("keeps the TS kernel's special cases: sqrt(−1) NaN, relu(−0) = +0, sign(±0) = ±0, round halves to even", () => {
    const x = Float32Array.of(-1, -0, 0, NaN, -Infinity, Infinity, 0.5, 1.5, 2.5, -0.5, -2.5, -0.2);
    for (const op of EXACT_UNARY) assertSame(wasmUnary(op, x, "float32")!, tsKernels.unary(op, x, "float32"), op);
    assertSame(wasmUnary("relu", x, "float32")!.subarray(0, 4), [0, 0, 0, NaN], "relu");
    assertSame(wasmUnary("sign", x, "float32")!.subarray(0, 4), [-1, -0, 0, NaN], "sign");
    assertSame(wasmUnary("round", x, "float32")!.subarray(6), [0, 2, 2, -0, -2, -0], "round");
  });

  it("declines transcendental ops, rsqrt, logicalNot, int32 and empty arrays", () => {
    const x = fill(16, 1, "float64");
    for (const op of ["exp", "log", "tanh", "sigmoid", "erf", "rsqrt", "sin"] as const) {
      assert.equal(wasmUnary(op, x, "float64"), undefined, op);
    }
    assert.equal(wasmUnary("logicalNot", Uint8Array.of(1), "bool"), undefined);
    assert.equal(wasmUnary("neg", Int32Array.of(1), "int32"), undefined);
    assert.equal(wasmUnary("neg", new Float64Array(0), "float64"), undefined);
  });
});

describe("wasm where kernel", () => {
  it("is bit-identical to the TS kernel on random layouts of cond, a and b (any non-zero byte is true)", () => {
    let ran = 0;
    fc.assert(
      fc.property(layoutArb(3), ({ shape, operands, seed, dtype }) => {
        const ls = operands.map((o) => operandLayout(shape, o));
        const cond = Uint8Array.from(
          fill(ls[0].size, seed, "float64", 0),
          (v) => [0, 1, 0, 2, 255][Math.abs(v | 0) % 5],
        );
        const a = fill(ls[1].size, seed + 1, dtype), b = fill(ls[2].size, seed + 2, dtype);
        const layout: BroadcastLayout = { shape, strides: ls.map((l) => l.strides) };
        const got = unchanged([cond, a, b], () => wasmWhere(cond, a, b, layout, dtype));
        fc.pre(got !== undefined);
        ran++;
        assertSame(got, tsKernels.where(cond, a, b, layout, dtype), `where ${dtype} [${shape}]`);
      }),
      { numRuns: 300 },
    );
    assert.ok(ran >= 100, `only ${ran} layouts ran in wasm`);
  });

  it("streams a long masked select and a scalar branch, and declines a non-bool condition", () => {
    for (const dtype of ["float32", "float64"] as const) {
      const n = 2 * (CHUNK_BYTES / 4) + 3;
      const cond = Uint8Array.from({ length: n }, (_, i) => (i * 7) % 3),
        a = fill(n, 1, dtype),
        z = fill(1, 0, dtype, 0);
      for (const strides of [[[1], [1], [0]], [[1], [0], [1]]]) {
        const layout = { shape: [n], strides };
        const [x, y] = strides[1][0] === 0 ? [z, a] : [a, z];
        assertSame(wasmWhere(cond, x, y, layout, dtype)!, tsKernels.where(cond, x, y, layout, dtype), `where ${dtype}`);
      }
    }
    const f = fill(8, 1, "float32"), layout = { shape: [8], strides: [[1], [1], [1]] };
    assert.equal(wasmWhere(f, f, f, layout, "float32"), undefined);
    assert.throws(() => wasmWhere(Uint8Array.of(1), f, f, layout, "float32"), /where: operand 0/);
  });
});

/** Whether the innermost axis of extent above 1 is reduced (row sums, reordered) rather than kept (column sums, exact). */
const reducesInnermost = (shape: readonly number[], axes: readonly number[]) => {
  for (let d = shape.length - 1; d >= 0; d--) if (shape[d] > 1) return axes.includes(d);
  return false;
};

/**
 * Checks a wasm sum against the TS one: bit-identical for column sums; for row sums within
 * 2·n·2⁻⁵³·Σ|x| (two orders of n double additions) plus, for float32, one rounding of each.
 */
function checkSum(x: FloatArray, shape: number[], axes: number[], dtype: Float) {
  const got = unchanged([x], () => wasmReduce("sum", x, shape, axes, dtype));
  const want = tsKernels.reduce("sum", x, shape, axes, dtype);
  if (got === undefined) return false;
  if (!reducesInnermost(shape, axes)) {
    assertSame(got, want, `column sums [${shape}] over [${axes}] ${dtype}`);
    return true;
  }
  const abs = tsKernels.reduce("sum", x.map(Math.abs), shape, axes, "float64");
  const n = axes.reduce((p, d) => p * shape[d], 1);
  for (let i = 0; i < want.length; i++) {
    const g = got[i], w = want[i];
    if (g !== g || w !== w || !Number.isFinite(w)) {
      assertSame([g], [w], `sum [${shape}] over [${axes}] ${dtype} at ${i}`);
      continue;
    }
    const tol = 2 * n * 2 ** -53 * abs[i] + (dtype === "float32" ? 2 ** -24 * (Math.abs(g) + Math.abs(w)) : 0);
    assert.ok(Math.abs(g - w) <= tol, `sum [${shape}] over [${axes}] ${dtype} at ${i}: ${g} vs TS ${w} (tol ${tol})`);
  }
  return true;
}

describe("wasm sum kernel", () => {
  it("agrees with the TS kernel on random shapes and axes: column sums bit for bit, row sums within n·u·Σ|x|", () => {
    let ran = 0;
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        fc.constantFrom<Float>("float32", "float64"),
        fc.integer(),
        (shape, which, dtype, seed) => {
          const axes = shape.flatMap((_, d) => (which[d] ? [d] : []));
          const x = fill(shape.reduce((p, d) => p * d, 1), seed, dtype, 0, 1000);
          const did = checkSum(x, shape, axes, dtype);
          fc.pre(did); // other layouts are declined, and run in the TS kernel
          ran++;
        },
      ),
      { numRuns: 400 },
    );
    assert.ok(ran >= 150, `only ${ran} reductions ran in wasm`);
  });

  it("streams inputs larger than a chunk: long rows in pieces, many rows, columns across block edges", () => {
    const shapes: [number[], number[]][] = [
      [[3, 20000], [1]],
      [[50001], [0]],
      [[20000, 9], [1]],
      [[20000, 3], [0]],
      [[7, 3000, 5], [1]],
      [[9000, 2, 9], [1]],
      [[3, 5, 20000], [1]],
      [[2, 9001], [0]],
    ];
    for (const dtype of ["float32", "float64"] as const) {
      for (const [shape, axes] of shapes) {
        const x = fill(shape.reduce((p, d) => p * d, 1), 7, dtype, 0, 100);
        assert.ok(checkSum(x, shape, axes, dtype), `[${shape}] over [${axes}] was declined`);
      }
    }
  });

  it("propagates NaN and ±Inf as the TS kernel, and sums of −0 are +0", () => {
    const rows = [
      [1, NaN, 2, 3, 4, 5, 6, 7, 8],
      [Infinity, 1, 2, -Infinity, 0, 0, 0, 0, 0],
      [Infinity, 1, 2, 3, 4, 5, 6, 7, Infinity],
      [-Infinity, 1, 2, 3, 4, 5, 6, 7, 8],
      [-0, -0, -0, -0, -0, -0, -0, -0, -0],
    ];
    for (const dtype of ["float32", "float64"] as const) {
      const x = dtype === "float32" ? Float32Array.from(rows.flat()) : Float64Array.from(rows.flat());
      for (const axes of [[1], [0], [0, 1]]) {
        const want = tsKernels.reduce("sum", x, [5, 9], axes, dtype);
        assertSame(wasmReduce("sum", x, [5, 9], axes, dtype)!, want, `[${axes}] ${dtype}`);
      }
      assertSame(wasmReduce("sum", x, [5, 9], [1], dtype)!, [NaN, NaN, Infinity, -Infinity, 0], dtype);
    }
  });

  it("declines other reductions, dtypes and layouts, and rejects an input that does not hold its shape", () => {
    const x = fill(24, 1, "float64");
    for (const op of ["prod", "max", "min", "argmax"] as const) {
      assert.equal(wasmReduce(op, x, [4, 6], [1], "float64"), undefined, op);
    }
    assert.equal(wasmReduce("sum", Int32Array.of(1, 2), [2], [0], "int32"), undefined);
    assert.equal(wasmReduce("sum", x, [2, 3, 4], [0, 2], "float64"), undefined); // [R, K, R]
    assert.equal(wasmReduce("sum", x, [4, 1, 6], [1], "float64"), undefined); // only an axis of extent 1
    assert.equal(wasmReduce("sum", new Float64Array(0), [0, 3], [0], "float64"), undefined);
    assert.throws(() => wasmReduce("sum", x, [5, 6], [1], "float64"), (e: unknown) => {
      return e instanceof ShapeError && /^sum: the input holds 24 elements/.test(e.message);
    });
  });
});

const FUSED_UNARY = ["neg", "abs", "sign", "sqrt", "rsqrt", "square", "relu", "floor", "ceil", "round"] as const;
const FUSED_BINARY = ["add", "sub", "mul", "div", "maximum", "minimum"] as const;

/** A random straight-line program over the ops wasm runs; the key encodes its structure, not its constants. */
const programArb: fc.Arbitrary<FusedProgram> = fc.record({
  scalars: fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }),
  steps: fc.array(
    fc.oneof(
      fc.record({ op: fc.constantFrom(...FUSED_UNARY), a: fc.nat() }),
      fc.record({ op: fc.constantFrom(...FUSED_BINARY), a: fc.nat(), b: fc.nat() }),
      fc.record({ op: fc.constant("const" as const), value: fc.constantFrom(0.5, -2, 1e-8, 3, 0.1, -0) }),
    ),
    { minLength: 1, maxLength: 12 },
  ),
  outputs: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
}).map(({ scalars, steps, outputs }) => {
  const body: FusedInstr[] = steps.map((s, j) => {
    const defined = scalars.length + j;
    if (s.op === "const") return { op: "const", value: s.value };
    if ("b" in s) return { op: s.op, args: [s.a % defined, s.b % defined] };
    return { op: s.op, args: [s.a % defined] };
  });
  const values = scalars.length + body.length;
  const outs = outputs.map((o) => o % values);
  const key = JSON.stringify([scalars, body.map((i) => (i.op === "const" ? "c" : i)), outs]);
  return { scalarInputs: scalars, body, outputs: outs, key };
});

describe("wasm fused kernel", () => {
  it("is bit-identical to the TS kernel on random programs of exactly rounded ops (NaN, ±Inf, ±0 included)", () => {
    fc.assert(
      fc.property(
        programArb,
        fc.constantFrom<Float>("float32", "float64"),
        fc.oneof(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 2 * CHUNK_BYTES / 4 + 9 })),
        fc.integer(),
        (program, dtype, size, seed) => {
          const inputs = program.scalarInputs.map((s, k) => fill(s ? 1 : size, seed + k, dtype, 6, 4));
          const got = unchanged(inputs, () => wasmFused(program, inputs, size, dtype));
          assert.ok(got !== undefined, `declined ${program.key}`);
          const want = tsKernels.fused(program, inputs, size, dtype);
          assert.equal(got.length, want.length);
          got.forEach((g, o) => assertSame(g, want[o], `${dtype} output ${o} of ${program.key}`));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("runs optim.adam's update as the TS kernel does, and declines programs with other ops", () => {
    // The program `optim.adam` hands `fused` for a leaf (captured from the library): u, p, μ, ν, then 1/(1−β₁ᵗ), 1/(1−β₂ᵗ).
    const c = (value: number): FusedInstr => ({ op: "const", value });
    const body: FusedInstr[] = [
      c(0.10000000149011612),
      c(0.8999999761581421),
      c(0.0010000000474974513),
      c(0.9990000128746033),
      c(9.99999993922529e-9),
      c(-0.0010000000474974513),
      { op: "mul", args: [0, 6] },
      { op: "mul", args: [2, 7] },
      { op: "add", args: [12, 13] },
      { op: "square", args: [0] },
      { op: "mul", args: [15, 8] },
      { op: "mul", args: [3, 9] },
      { op: "add", args: [16, 17] },
      { op: "mul", args: [14, 4] },
      { op: "mul", args: [18, 5] },
      { op: "sqrt", args: [20] },
      { op: "add", args: [21, 10] },
      { op: "div", args: [19, 22] },
      { op: "mul", args: [23, 11] },
      { op: "add", args: [1, 24] },
    ];
    const adam: FusedProgram = {
      scalarInputs: [false, false, false, false, true, true],
      body,
      outputs: [25, 14, 18],
      key: "test:adam",
    };
    const n = 20011;
    for (const dtype of ["float32", "float64"] as const) {
      const nu = fill(n, 4, dtype, 0).map(Math.abs);
      const inputs = [
        fill(n, 1, dtype, 0),
        fill(n, 2, dtype, 0),
        fill(n, 3, dtype, 0),
        nu,
        fill(1, 5, dtype, 0).fill(10),
        fill(1, 6, dtype, 0).fill(1000),
      ];
      const got = wasmFused(adam, inputs, n, dtype)!, want = tsKernels.fused(adam, inputs, n, dtype);
      got.forEach((g, o) => assertSame(g, want[o], `adam ${dtype} output ${o}`));
    }
    for (const op of ["exp", "log", "tanh", "sigmoid", "softplus", "erf", "sin", "pow"] as const) {
      assert.ok(!WASM_FUSED_OPS.has(op));
      const ins: FusedInstr = op === "pow" ? { op, args: [0, 0] } : { op, args: [0] };
      const p: FusedProgram = { scalarInputs: [false], body: [ins], outputs: [1], key: `test:${op}` };
      assert.equal(wasmFused(p, [fill(8, 1, "float64")], 8, "float64"), undefined, op);
    }
  });

  it("rejects bad input as the TS kernel does, naming fused", () => {
    const p: FusedProgram = {
      scalarInputs: [false, true],
      body: [{ op: "add", args: [0, 1] }],
      outputs: [2],
      key: "t:e",
    };
    const x = fill(4, 1, "float32");
    assert.throws(() => wasmFused(p, [x, x.subarray(0, 1)], 4, "int32"), DTypeError);
    assert.throws(
      () => wasmFused(p, [x], 4, "float32"),
      (e: unknown) => e instanceof ValueError && /^fused:/.test(e.message),
    );
    assert.throws(() => wasmFused(p, [x, x], 4, "float32"), /fused: input 1 holds 4 elements; expected 1/);
    assert.equal(wasmFused(p, [x.subarray(0, 0), x.subarray(0, 1)], 0, "float32"), undefined);
  });
});

describe("wasm elementwise dispatch", () => {
  /** `tsKernels` with a record of which kernels were called. */
  const spied = () => {
    const calls: string[] = [];
    const base = { ...tsKernels } as Record<string, unknown>;
    for (const [k, f] of Object.entries(tsKernels)) {
      if (typeof f === "function") {
        base[k] = (...a: unknown[]) => (calls.push(k), (f as (...b: unknown[]) => unknown)(...a));
      }
    }
    return { base: base as unknown as HostKernels, calls };
  };

  it("runs small calls and declined cases in the base kernel, large ones in wasm, with equal results", () => {
    const { base, calls } = spied();
    const k = { ...base, ...wasmElementwiseKernels(base) };
    const small = fill(16, 1, "float32"), big = fill(WASM_BINARY_FROM, 2, "float32");
    const flat = (n: number) => ({ shape: [n], strides: [[1], [1]] });
    assertSame(
      k.binary("add", small, small, flat(16), "float32"),
      tsKernels.binary("add", small, small, flat(16), "float32"),
      "small",
    );
    assert.deepEqual(calls.splice(0), ["binary"]);
    assertSame(
      k.binary("add", big, big, flat(big.length), "float32"),
      tsKernels.binary("add", big, big, flat(big.length), "float32"),
      "big",
    );
    assert.deepEqual(calls.splice(0), []);
    k.binary("pow", big, big, flat(big.length), "float32");
    assert.deepEqual(calls.splice(0), ["binary"]);
    k.unary("exp", big, "float32");
    assert.deepEqual(calls.splice(0), ["unary"]);
    const xs = fill(WASM_REDUCE_FROM, 3, "float64");
    k.reduce("sum", xs, [xs.length], [0], "float64");
    k.reduce("max", xs, [xs.length], [0], "float64");
    k.reduce("sum", xs.subarray(0, 8), [8], [0], "float64");
    assert.deepEqual(calls.splice(0), ["reduce", "reduce"]);
    const p: FusedProgram = { scalarInputs: [false], body: [{ op: "sqrt", args: [0] }], outputs: [1], key: "t:d" };
    const f = fill(WASM_FUSED_FROM, 4, "float64").map(Math.abs);
    assertSame(k.fused(p, [f], f.length, "float64")[0], tsKernels.fused(p, [f], f.length, "float64")[0], "fused");
    k.fused(p, [f.subarray(0, 8)], 8, "float64");
    assert.deepEqual(calls.splice(0), ["fused"]);
  });

  it("keeps streamed binary and fused calls past their byte limits on the base kernel, broadcast ones in wasm", () => {
    const { base, calls } = spied();
    const k = { ...base, ...wasmElementwiseKernels(base) };
    const n = WASM_BINARY_MAX_BYTES / 8 + 64; // float32: two operands in and one out pass the limit
    const a = fill(n, 1, "float32", 0), row = fill(64, 2, "float32", 0);
    k.binary("add", a, a, { shape: [n], strides: [[1], [1]] }, "float32");
    assert.deepEqual(calls.splice(0), ["binary"]);
    const layout = { shape: [n / 64, 64], strides: [[64, 1], [0, 1]] };
    assertSame(k.binary("add", a, row, layout, "float32"), tsKernels.binary("add", a, row, layout, "float32"), "bias");
    assert.deepEqual(calls.splice(0), []);
    const p: FusedProgram = {
      scalarInputs: [false, false],
      body: [{ op: "add", args: [0, 1] }],
      outputs: [2],
      key: "t:s",
    };
    const m = Math.floor(WASM_FUSED_MAX_BYTES / 12) + 4; // three arrays of float32
    k.fused(p, [a.subarray(0, m), a.subarray(0, m)], m, "float32");
    assert.deepEqual(calls.splice(0), ["fused"]);
    k.fused(p, [a.subarray(0, m - 8), a.subarray(0, m - 8)], m - 8, "float32");
    assert.deepEqual(calls.splice(0), []);
  });

  it("runs the cheap unary ops in wasm from WASM_UNARY_FROM and the costlier ones from WASM_COSTLY_UNARY_FROM", () => {
    const { base, calls } = spied();
    const k = { ...base, ...wasmElementwiseKernels(base) };
    const x = fill(WASM_COSTLY_UNARY_FROM, 1, "float32");
    for (const op of ["sqrt", "round", "sign", "relu"] as const) k.unary(op, x, "float32");
    assert.deepEqual(calls.splice(0), []);
    for (const op of ["neg", "abs", "square", "floor", "ceil"] as const) k.unary(op, x, "float32");
    assert.equal(calls.splice(0).length, 5);
    const y = fill(WASM_UNARY_FROM, 2, "float32");
    for (const op of ["neg", "abs", "square", "floor", "ceil"] as const) {
      assertSame(k.unary(op, y, "float32"), tsKernels.unary(op, y, "float32"), op);
    }
    assert.deepEqual(calls.splice(0), []);
  });
});
