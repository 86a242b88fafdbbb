/**
 * Recurrent layers (`layers/recurrent.ts`, `layers/recurrent_cells.ts`):
 * `rnn`, `lstm`, `gru` over `[batch, time, features]` against a plain-JS
 * float64 reference written here from PyTorch's documented equations
 * (`torch.nn.RNN`, `LSTM` with gates i, f, g, o; `GRU` with gates r, z, n and
 * `n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))`), on random small sizes,
 * parameters, inputs and initial states. Also: the layer equals its cell
 * applied step by step; a sequence run in two chunks, the second from the
 * first's final state, equals the whole run; the final state is the last
 * output (and the last `c`); gradients with respect to parameters, input and
 * initial state by `checkGrads` (float64, both modes, order 1, and order 2
 * on tiny cases); PyTorch's initialization; error messages.
 *
 * Tolerances: float64 results differ from the reference only by summation
 * order and the last bit of `exp`/`tanh`, a few ulps per step over at most 5
 * steps (rtol 1e-12, atol 1e-14). float32 results are compared with the
 * float64 reference at the float32 defaults of `assertAllclose` (rtol
 * 1.3e-6, atol 1e-5), i.e. a few float32 ulps per step.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import {
  DTypeError,
  layers,
  ones,
  random,
  relu,
  reshape,
  ShapeError,
  slice,
  sum,
  type Tensor,
  tensor,
  ValueError,
  zeros,
} from "../mod.ts";
import { assertAllclose, checkGrads } from "../testing/mod.ts";

type Kind = "rnn" | "rnnRelu" | "lstm" | "gru";
type FloatD = "float32" | "float64";
type Params = layers.RecurrentParams;
type State = { readonly h: Tensor; readonly c?: Tensor };
type Layer = layers.RecurrentLayer<layers.HiddenState>;

const makeLayer = (kind: Kind, units: number, dtype: FloatD = "float64"): Layer =>
  kind === "rnn"
    ? layers.rnn(units, { dtype })
    : kind === "rnnRelu"
    ? layers.rnn(units, { dtype, activation: relu })
    : kind === "lstm"
    ? layers.lstm(units, { dtype }) as unknown as Layer
    : layers.gru(units, { dtype });

const hasC = (kind: Kind) => kind === "lstm";

// ================================================================ reference

type M = number[][];
const sigma = (v: number) => 1 / (1 + Math.exp(-v));
/** `x·W + b` for one row `x`. */
const affine = (x: readonly number[], w: M, b: readonly number[]): number[] =>
  b.map((bj, j) => x.reduce((acc, xi, i) => acc + xi * w[i][j], bj));

/** One step for one sequence, straight from PyTorch's equations. */
const refStep = (kind: Kind, p: RefParams, x: number[], h: number[], c: number[]): [number[], number[]] => {
  const u = h.length;
  const wx = affine(x, p.wIh, p.bIh);
  const wh = affine(h, p.wHh, p.bHh);
  const pre = (g: number, k: number) => wx[g * u + k] + wh[g * u + k];
  if (kind === "rnn") return [h.map((_, k) => Math.tanh(pre(0, k))), c];
  if (kind === "rnnRelu") return [h.map((_, k) => Math.max(0, pre(0, k))), c];
  if (kind === "lstm") {
    const c1 = c.map((ck, k) => sigma(pre(1, k)) * ck + sigma(pre(0, k)) * Math.tanh(pre(2, k)));
    return [c1.map((ck, k) => sigma(pre(3, k)) * Math.tanh(ck)), c1];
  }
  const h1 = h.map((hk, k) => {
    const r = sigma(pre(0, k));
    const z = sigma(pre(1, k));
    const n = Math.tanh(wx[2 * u + k] + r * wh[2 * u + k]);
    return (1 - z) * n + z * hk;
  });
  return [h1, c];
};

type RefParams = { wIh: M; wHh: M; bIh: number[]; bHh: number[] };
const refParams = (p: Params): RefParams => ({
  wIh: p.wIh.toArray() as M,
  wHh: p.wHh.toArray() as M,
  bIh: p.bIh.toArray() as number[],
  bHh: p.bHh.toArray() as number[],
});

/** Outputs `[batch][time][units]` and the final h and c. */
const refRun = (kind: Kind, p: Params, x: Tensor, s0: State) => {
  const rp = refParams(p);
  const xs = x.toArray() as number[][][];
  const h0 = s0.h.toArray() as M;
  const c0 = s0.c === undefined ? h0.map((r) => r.map(() => 0)) : s0.c.toArray() as M;
  const outs: number[][][] = [], hs: M = [], cs: M = [];
  xs.forEach((seq, b) => {
    let [h, c] = [h0[b], c0[b]];
    outs.push(seq.map((xt) => ([h, c] = refStep(kind, rp, xt, h, c))[0]));
    hs.push(h);
    cs.push(c);
  });
  return { outs, h: hs, c: cs };
};

// ================================================================ cases

interface Case {
  readonly kind: Kind;
  readonly batch: number;
  readonly time: number;
  readonly features: number;
  readonly units: number;
  readonly seed: number;
  readonly givenState: boolean;
}

const int = (min: number, max: number) => fc.integer({ min, max });
const caseArb = (kinds: readonly Kind[], max = { batch: 3, time: 5, features: 4, units: 4 }) =>
  fc.record({
    kind: fc.constantFrom(...kinds),
    batch: int(1, max.batch),
    time: int(1, max.time),
    features: int(1, max.features),
    units: int(1, max.units),
    seed: fc.nat(),
    givenState: fc.boolean(),
  });

/** A layer, its parameters, an input and a state (random, or the zeros `run` uses by default). */
const setup = (c: Case, dtype: FloatD = "float64") => {
  const layer = makeLayer(c.kind, c.units, dtype);
  const [kp, kx, kh, kc] = random.split(random.key(c.seed), 4);
  const { params } = layer.init(kp, [c.batch, c.time, c.features]);
  const x = random.normal(kx, [c.batch, c.time, c.features], { dtype });
  const shape = [c.batch, c.units];
  const state: State = !c.givenState
    ? layer.zeroState(c.batch, dtype)
    : hasC(c.kind)
    ? { h: random.normal(kh, shape, { dtype }), c: random.normal(kc, shape, { dtype }) }
    : { h: random.normal(kh, shape, { dtype }) };
  const opts = c.givenState ? { initialState: state } : {};
  return { layer, params, x, state, opts };
};

const ALL: Kind[] = ["rnn", "rnnRelu", "lstm", "gru"];
const F64 = { rtol: 1e-12, atol: 1e-14 };

// ================================================================ tests

describe("recurrent layers against PyTorch's equations (plain-JS float64 reference)", () => {
  it("outputs, final h and final c equal the reference in float64, from zeros or a given initial state", () =>
    fc.assert(
      fc.property(caseArb(ALL), (c) => {
        const { layer, params, x, state, opts } = setup(c);
        const { outputs, finalState } = layer.run(params, x, opts);
        const ref = refRun(c.kind, params, x, state);
        assertAllclose(outputs, ref.outs, { ...F64, message: `${c.kind} outputs` });
        assertAllclose(finalState.h, ref.h, { ...F64, message: `${c.kind} final h` });
        if (hasC(c.kind)) assertAllclose((finalState as State).c!, ref.c, { ...F64, message: "lstm final c" });
        if (!c.givenState) assertAllclose(layer.apply(params, x), ref.outs, { ...F64, message: `${c.kind} apply` });
      }),
      { numRuns: 150 },
    ));

  it("float32 layers agree with the float64 reference within float32 rounding", () =>
    fc.assert(
      fc.property(caseArb(ALL), (c) => {
        const { layer, params, x, state, opts } = setup(c, "float32");
        const { outputs, finalState } = layer.run(params, x, opts);
        assert.equal(outputs.dtype, "float32");
        const ref = refRun(c.kind, params, x, state);
        assertAllclose(outputs, tensor(ref.outs, { dtype: "float64" }), { rtol: 1.3e-6, atol: 1e-5 });
        if (hasC(c.kind)) {
          assertAllclose((finalState as State).c!, tensor(ref.c, { dtype: "float64" }), { rtol: 1.3e-6, atol: 1e-5 });
        }
      }),
      { numRuns: 60 },
    ));

  it("the GRU resets W_hn h + b_hn (PyTorch), not h before the product (Keras reset_after=False)", () => {
    // units 1, in 1; r = σ(0) = ½, z = σ(−∞-ish) ≈ 0, so h' ≈ n.
    const p = {
      wIh: zeros([1, 3], { dtype: "float64" }),
      wHh: tensor([[0, 0, 2]], { dtype: "float64" }),
      bIh: tensor([0, -40, 0], { dtype: "float64" }),
      bHh: tensor([0, 0, -1], { dtype: "float64" }),
    };
    const { h } = layers.gruCell(p, zeros([1, 1], { dtype: "float64" }), { h: tensor([[1]], { dtype: "float64" }) });
    const torchN = Math.tanh(0.5 * (2 * 1 - 1)); // r ⊙ (W_hn h + b_hn)
    const kerasN = Math.tanh(2 * (0.5 * 1) - 1); // W_hn (r ⊙ h) + b_hn
    assert.ok(Math.abs(h.item() - torchN) < 1e-12, `${h.item()} vs ${torchN}`);
    assert.ok(Math.abs(torchN - kerasN) > 0.1);
  });
});

describe("a layer is its cell applied step by step", () => {
  it("run equals the exported cell (rnnCell, lstmCell, gruCell) applied to each time slice", () =>
    fc.assert(
      fc.property(caseArb(["rnn", "lstm", "gru"]), (c) => {
        const { layer, params, x, state, opts } = setup(c);
        const cell = c.kind === "rnn" ? layers.rnnCell : c.kind === "lstm" ? layers.lstmCell : layers.gruCell;
        let s = state;
        const hs: number[][][] = [];
        for (let t = 0; t < c.time; t++) {
          s = (cell as (p: Params, x: Tensor, s: State) => State)(
            params,
            reshape(slice(x, [null, t]), [c.batch, c.features]),
            s,
          );
          hs.push(s.h.toArray() as number[][]);
        }
        const { outputs, finalState } = layer.run(params, x, opts);
        const byStep = hs[0].map((_, b) => hs.map((ht) => ht[b])); // [time][batch] → [batch][time]
        assertAllclose(outputs, byStep, F64);
        assertAllclose(finalState.h, s.h, F64);
        if (hasC(c.kind)) assertAllclose((finalState as State).c!, s.c!, F64);
      }),
      { numRuns: 60 },
    ));
});

describe("recurrent state", () => {
  it("the initial state is honoured: x[:, :k] then x[:, k:] from its final state equals the whole run", () =>
    fc.assert(
      fc.property(caseArb(ALL, { batch: 3, time: 6, features: 3, units: 3 }), int(0, 6), (c, cut) => {
        fc.pre(cut <= c.time);
        const { layer, params, x, opts } = setup(c);
        const whole = layer.run(params, x, opts);
        const first = layer.run(params, slice(x, [null, { stop: cut }]), opts);
        const second = layer.run(params, slice(x, [null, { start: cut }]), { initialState: first.finalState });
        assertAllclose(second.outputs, slice(whole.outputs, [null, { start: cut }]), F64);
        assertAllclose(first.outputs, slice(whole.outputs, [null, { stop: cut }]), F64);
        assertAllclose(second.finalState.h, whole.finalState.h, F64);
        if (hasC(c.kind)) assertAllclose((second.finalState as State).c!, (whole.finalState as State).c!, F64);
      }),
      { numRuns: 60 },
    ));

  it("a different initial state changes the outputs (it is not ignored)", () => {
    for (const kind of ALL) {
      const c = { kind, batch: 2, time: 3, features: 2, units: 3, seed: 7, givenState: true };
      const { layer, params, x, opts } = setup(c);
      const from = layer.run(params, x, opts).outputs.toArray();
      assert.notDeepEqual(from, layer.run(params, x).outputs.toArray(), kind);
    }
  });

  it("the final state is the last output (rnn, gru) and the last (h, c) (lstm)", () =>
    fc.assert(
      fc.property(caseArb(ALL), (c) => {
        const { layer, params, x, state, opts } = setup(c);
        const { outputs, finalState } = layer.run(params, x, opts);
        assert.deepEqual(finalState.h.toArray(), layers.lastTimeStep(outputs).toArray());
        assert.deepEqual(Object.keys(finalState).sort(), hasC(c.kind) ? ["c", "h"] : ["h"]);
        if (hasC(c.kind)) assertAllclose((finalState as State).c!, refRun(c.kind, params, x, state).c, F64);
      }),
      { numRuns: 40 },
    ));

  it("an empty sequence gives [batch, 0, units] outputs and the initial state back", () => {
    for (const kind of ALL) {
      const c = { kind, batch: 2, time: 0, features: 3, units: 4, seed: 1, givenState: true };
      const { layer, params, x, state, opts } = setup(c);
      const { outputs, finalState } = layer.run(params, x, opts);
      assert.deepEqual(outputs.shape, [2, 0, 4]);
      assert.equal(finalState.h, state.h);
    }
  });

  it("zeroState is zeros [batch, units]; the default initial state is zeroState", () => {
    const lstm = layers.lstm(3, { dtype: "float64" });
    const s = lstm.zeroState(2);
    assert.deepEqual(s.h.toArray(), [[0, 0, 0], [0, 0, 0]]);
    assert.deepEqual(s.c.toArray(), [[0, 0, 0], [0, 0, 0]]);
    assert.equal(s.h.dtype, "float64");
    assert.equal(lstm.zeroState(1, "float32").c.dtype, "float32");
    const { params } = lstm.init(random.key(3), [2, 4, 2]);
    const x = random.normal(random.key(4), [2, 4, 2], { dtype: "float64" });
    assert.deepEqual(lstm.run(params, x).outputs.toArray(), lstm.run(params, x, { initialState: s }).outputs.toArray());
  });
});

describe("gradients of recurrent layers (checkGrads, float64, fwd and rev)", () => {
  /** A scalar-free check: all outputs and the final state, as a tree, against the parameters, input and state. */
  const check = (c: Case, order: 1 | 2) => {
    const { layer, params, x, state } = setup({ ...c, givenState: true });
    const f = (p: Params, xs: Tensor, s: State) => {
      const r = layer.run(p, xs, { initialState: s as layers.HiddenState });
      return [r.outputs, r.finalState];
    };
    checkGrads(f, [params, x, state], { order, seed: c.seed });
  };

  it("order 1 with respect to the parameters, the input and the initial state", () =>
    fc.assert(
      fc.property(caseArb(["rnn", "lstm", "gru"], { batch: 2, time: 4, features: 3, units: 3 }), (c) => check(c, 1)),
      { numRuns: 30 },
    ));

  it("order 2 on tiny cases", () => {
    for (const kind of ["rnn", "lstm", "gru"] as const) {
      check({ kind, batch: 1, time: 2, features: 2, units: 2, seed: 11, givenState: true }, 2);
    }
  });

  it("the loss on the last state reaches the first input (the recurrence carries gradient through time)", () => {
    for (const kind of ["rnn", "lstm", "gru"] as const) {
      const { layer, params, x } = setup({
        kind,
        batch: 1,
        time: 4,
        features: 2,
        units: 3,
        seed: 5,
        givenState: false,
      });
      const f = (xs: Tensor) => sum(layer.run(params, xs).finalState.h);
      checkGrads(f, [x], { seed: 5 });
    }
  });
});

describe("initialization (PyTorch's: U(−1/√units, 1/√units) for every weight and bias)", () => {
  it("shapes follow the gate layout, values lie in the bound and fill it", () => {
    for (const [kind, gates] of [["rnn", 1], ["lstm", 4], ["gru", 3]] as const) {
      const units = 64;
      const layer = makeLayer(kind, units, "float32");
      const { params, state, outputShape } = layer.init(random.key(0), [8, 5, 10]);
      assert.deepEqual(outputShape, [8, 5, units]);
      assert.deepEqual(state, {});
      assert.deepEqual(params.wIh.shape, [10, gates * units]);
      assert.deepEqual(params.wHh.shape, [units, gates * units]);
      assert.deepEqual(params.bIh.shape, [gates * units]);
      assert.deepEqual(params.bHh.shape, [gates * units]);
      const all = [params.wIh, params.wHh].flatMap((t) => [...t.toTypedArray()]);
      const bound = 1 / Math.sqrt(units);
      assert.ok(all.every((v) => v >= -bound && v < bound), kind);
      assert.ok(Math.max(...all) > 0.98 * bound && Math.min(...all) < -0.98 * bound, kind);
      const m = all.reduce((a, b) => a + b, 0) / all.length;
      // U(−k, k) has mean 0 and sd k/√3; the sample mean's sd is k/√(3n).
      assert.ok(Math.abs(m) < 5 * bound / Math.sqrt(3 * all.length), `${kind} mean ${m}`);
      assert.equal(params.wIh.dtype, "float32");
    }
  });

  it("the parameter count is PyTorch's G·units·(in + units) + 2·G·units (two biases per gate)", () => {
    for (const [kind, gates] of [["rnn", 1], ["lstm", 4], ["gru", 3]] as const) {
      const [units, features] = [5, 3];
      const { params } = makeLayer(kind, units).init(random.key(0), [1, 1, features]);
      const n = [params.wIh, params.wHh, params.bIh, params.bHh].reduce((a, t) => a + t.size, 0);
      assert.equal(n, gates * units * (features + units) + 2 * gates * units, kind);
    }
  });

  it("the same key gives the same parameters; another key, others; dtype is honoured", () => {
    const layer = layers.gru(3, { dtype: "float64" });
    const a = layer.init(random.key(1), [1, 1, 2]).params;
    const b = layer.init(random.key(1), [1, 1, 2]).params;
    const other = layer.init(random.key(2), [1, 1, 2]).params;
    assert.deepEqual(a.wHh.toArray(), b.wHh.toArray());
    assert.notDeepEqual(a.wHh.toArray(), other.wHh.toArray());
    assert.notDeepEqual(a.bIh.toArray(), a.bHh.toArray());
    assert.equal(a.wIh.dtype, "float64");
  });
});

describe("recurrent layers in sequential", () => {
  it("lstm → lastTimeStep → dense: shapes, and the output is the head applied to the last hidden state", () => {
    const lstm = layers.lstm(8); // float32, as dense's parameters are
    const model = layers.sequential([lstm, layers.lastTimeStep, layers.dense(3)]);
    const { params, outputShape } = model.init(random.key(0), [4, 5, 2]);
    assert.deepEqual(outputShape, [4, 3]);
    const x = random.normal(random.key(1), [4, 5, 2]);
    const lstmParams = params[0] as Params;
    const { w, b } = params[2] as { w: Tensor; b: Tensor };
    const h = lstm.run(lstmParams, x).finalState.h;
    const expected = (h.toArray() as number[][]).map((row) => affine(row, w.toArray() as M, b.toArray() as number[]));
    assertAllclose(model.apply(params, x), expected); // float32 defaults
  });
});

describe("errors name the layer and the shapes", () => {
  const lstm = layers.lstm(4);
  const { params } = lstm.init(random.key(0), [2, 3, 5]);

  it("units must be a positive integer", () => {
    for (const make of [layers.rnn, layers.lstm, layers.gru]) {
      assert.throws(
        () => make(0),
        (e: unknown) => e instanceof ValueError && /units must be a positive integer, got 0/.test(e.message),
      );
    }
    assert.throws(() => layers.gru(1.5), /gru: units must be a positive integer, got 1.5/);
  });

  it("init and apply want [batch, time, features]", () => {
    assert.throws(
      () => lstm.init(random.key(0), [2, 5]),
      (e: unknown) =>
        e instanceof ShapeError &&
        e.message === "lstm: expects inputs [batch, time, features] of rank 3, got shape [2,5]",
    );
    assert.throws(
      () => lstm.apply(params, zeros([2, 5])),
      /lstm: expects an input \[batch, time, features\] of rank 3, got shape \[2,5\]/,
    );
    assert.throws(
      () => lstm.apply(params, zeros([2, 3, 6])),
      (e: unknown) =>
        e instanceof ShapeError &&
        /lstm: input \[2,3,6\] has 6 features, but the parameters were made for 5 \(wIh \[5,16\]\)/.test(e.message),
    );
    assert.throws(
      () => layers.rnn(2).apply(params, zeros([2, 3, 5])),
      /rnn: parameter wIh has shape \[5,16\], expected \[5,2\]/,
    );
    assert.throws(
      () => lstm.apply({ ...params, wHh: zeros([4, 12]) }, zeros([2, 3, 5])),
      /lstm: parameter wHh has shape \[4,12\], expected \[4,16\]/,
    );
  });

  it("the initial state must be [batch, units] with every field", () => {
    const x = zeros([2, 3, 5]);
    assert.throws(
      () => lstm.run(params, x, { initialState: { h: zeros([2, 4]), c: zeros([3, 4]) } }),
      (e: unknown) =>
        e instanceof ShapeError &&
        e.message === "lstm: initialState.c has shape [3,4], expected [batch, units] = [2,4]",
    );
    assert.throws(
      () => lstm.run(params, x, { initialState: { h: zeros([2, 4]) } as layers.LstmState }),
      /lstm: initialState has no tensor c; expected \{ h, c \}/,
    );
  });

  it("dtypes must agree", () => {
    assert.throws(
      () => lstm.apply(params, zeros([2, 3, 5], { dtype: "float64" })),
      (e: unknown) =>
        e instanceof DTypeError && /lstm: input is float64 but the parameters are float32/.test(e.message),
    );
    assert.throws(
      () => lstm.run(params, zeros([2, 3, 5]), { initialState: lstm.zeroState(2, "float64") }),
      /lstm: initialState.h is float64 but the parameters are float32/,
    );
  });

  it("cells check the step's input and state", () => {
    const s = { h: zeros([2, 4]), c: zeros([2, 4]) };
    assert.throws(
      () => layers.lstmCell(params, zeros([2, 3, 5]), s),
      /lstmCell: expects an input \[batch, features\] = \[batch, 5\] \(features from wIh \[5,16\]\), got shape \[2,3,5\]/,
    );
    assert.throws(
      () => layers.lstmCell(params, zeros([2, 5]), { h: zeros([2, 3]), c: zeros([2, 4]) }),
      /lstmCell: state.h has shape \[2,3\], expected \[batch, units\] = \[2,4\]/,
    );
    assert.throws(
      () => layers.gruCell(params, zeros([2, 5]), s),
      /gruCell: parameter wIh has shape \[5,16\], expected \[5,12\]/,
    );
    assert.throws(
      () => layers.rnnCell(params, zeros([2, 5]), s),
      /rnnCell: parameter wIh has shape \[5,16\], expected \[5,4\]/,
    );
  });

  it("lastTimeStep wants a non-empty [batch, time, units]", () => {
    assert.deepEqual(layers.lastTimeStep(tensor([[[1], [2]], [[3], [4]]])).toArray(), [[2], [4]]);
    assert.throws(
      () => layers.lastTimeStep(ones([2, 3])),
      /lastTimeStep: expects a sequence \[batch, time, features\] of rank 3, got shape \[2,3\]/,
    );
    assert.throws(
      () => layers.lastTimeStep(zeros([2, 0, 3])),
      /lastTimeStep: the sequence \[2,0,3\] has no time steps/,
    );
  });
});
