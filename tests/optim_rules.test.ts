/**
 * Each optimizer's first three steps against its update rule written out by
 * hand in plain float64 JavaScript, from PyTorch's documented algorithm
 * (`torch.optim.*`) or optax's definition (`optax/_src/alias.py`,
 * `transform.py`), whichever the test name says.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import { tensor } from "../core/creation.ts";
import type { Tensor } from "../core/tensor.ts";
import { adagrad, adam, adamw, rmsprop } from "../optim/adaptive.ts";
import { applyUpdates } from "../optim/elementwise.ts";
import { exponentialDecay } from "../optim/schedules.ts";
import { momentum, nesterov, sgd } from "../optim/sgd.ts";
import type { GradientTransformation, OptState } from "../optim/types.ts";

type Vec = number[];
type Params = { readonly w: Tensor; readonly b: Tensor };
/** A reference step over the concatenated leaves [b…, w…] (flatten order): new parameters from p and g. */
type Ref = (p: Vec, g: Vec, t: number) => Vec;

const zeros = (n: number): Vec => new Array(n).fill(0);
const split = (x: Vec, nb: number): Params => ({
  b: tensor(x.slice(0, nb), { dtype: "float64" }),
  w: tensor(x.slice(nb), { dtype: "float64" }),
});
const joined = (p: Params): Vec => [...p.b.toTypedArray(), ...p.w.toTypedArray()];

const value = fc.double({ min: -2, max: 2, noNaN: true });
// Gradients kept away from 0, where sign-like rules (Adam) would amplify rounding.
const gradValue = fc.tuple(fc.double({ min: 0.01, max: 2, noNaN: true }), fc.boolean()).map((
  [x, neg],
) => (neg ? -x : x));
const problem = fc.record({
  nb: fc.integer({ min: 1, max: 3 }),
  nw: fc.integer({ min: 1, max: 4 }),
  p0: fc.array(value, { minLength: 7, maxLength: 7 }),
  gs: fc.array(fc.array(gradValue, { minLength: 7, maxLength: 7 }), { minLength: 3, maxLength: 3 }),
}).map(({ nb, nw, p0, gs }) => ({ nb, p0: p0.slice(0, nb + nw), gs: gs.map((g) => g.slice(0, nb + nw)) }));

const close = (actual: Vec, expected: Vec, what: string) =>
  actual.forEach((a, i) => {
    const e = expected[i];
    assert.ok(Math.abs(a - e) <= 1e-13 + 1e-12 * Math.abs(e), `${what}[${i}]: ${a} vs ${e}`);
  });

/** Three steps of `opt` (update, then applyUpdates) against three of `ref`, on random parameters and gradients. */
const agrees = (opt: () => GradientTransformation<OptState>, ref: () => Ref, numRuns = 40) =>
  fc.assert(
    fc.property(problem, ({ nb, p0, gs }) => {
      const tx = opt(), step = ref();
      let params = split(p0, nb);
      let state = tx.init(params);
      let expected = p0;
      gs.forEach((g, t) => {
        const [u, next] = tx.update(split(g, nb), state, params);
        params = applyUpdates(params, u);
        state = next;
        expected = step(expected, g, t + 1);
        close(joined(params), expected, `step ${t + 1}`);
      });
    }),
    { numRuns },
  );

/** A reference with per-element state, from the rule for one element. */
const perElement =
  <S>(init: () => S, rule: (p: number, g: number, s: S, t: number) => [number, S]): () => Ref => () => {
    let states: S[] | undefined;
    return (p, g, t) => {
      states ??= p.map(init);
      return p.map((pi, i) => {
        const [next, s] = rule(pi, g[i], (states as S[])[i], t);
        (states as S[])[i] = s;
        return next;
      });
    };
  };

describe("SGD and momentum", () => {
  it("sgd(η): θ ← θ − ηg (PyTorch SGD, optax sgd)", () =>
    agrees(() => sgd(0.1), perElement(() => 0, (p, g) => [p - 0.1 * g, 0])));

  // PyTorch SGD, momentum μ, dampening 0: b₁ = g, bₜ = μbₜ₋₁ + g; θ ← θ − η·b.
  const torchMomentum = (lr: number, mu: number, nest: boolean) =>
    perElement(() => 0, (p, g, b: number, t) => {
      const buf = t === 1 ? g : mu * b + g;
      return [p - lr * (nest ? g + mu * buf : buf), buf];
    });
  it("sgd(η, { momentum }): PyTorch SGD with momentum (dampening 0)", () =>
    agrees(() => sgd(0.1, { momentum: 0.9 }), torchMomentum(0.1, 0.9, false)));
  it("sgd(η, { momentum, nesterov }): PyTorch SGD with nesterov=True", () =>
    agrees(() => sgd(0.1, { momentum: 0.8, nesterov: true }), torchMomentum(0.1, 0.8, true)));
  it("momentum(η, β) heavy ball (the default): PyTorch SGD momentum, optax trace", () =>
    agrees(() => momentum(0.05, 0.7), torchMomentum(0.05, 0.7, false)));
  it("momentum(η, β, { form: 'ema' }): v ← βv + (1 − β)g, θ ← θ − ηv (optax ema, debias=False)", () =>
    agrees(
      () => momentum(0.05, 0.7, { form: "ema" }),
      perElement(() => 0, (p, g, v: number) => {
        const next = 0.7 * v + (1 - 0.7) * g;
        return [p - 0.05 * next, next];
      }),
    ));
  it("nesterov(η, β): PyTorch SGD with nesterov=True", () =>
    agrees(() => nesterov(0.05, 0.9), torchMomentum(0.05, 0.9, true)));
});

describe("RMSProp", () => {
  type Rms = { v: number; avg: number; buf: number };
  const rms0 = (v = 0) => () => ({ v, avg: 0, buf: 0 });
  it("rmsprop(η) defaults: optax, v ← 0.9v + 0.1g², θ ← θ − ηg/√(v + 1e-8)", () =>
    agrees(
      () => rmsprop(0.01),
      perElement(rms0(), (p, g, s: Rms) => {
        const v = 0.9 * s.v + (1 - 0.9) * g * g;
        return [p - 0.01 * g / Math.sqrt(v + 1e-8), { ...s, v }];
      }),
    ));
  // PyTorch RMSprop (alpha, eps outside the root, optional centered and momentum).
  const torchRms = (lr: number, alpha: number, eps: number, centered: boolean, mom: number) =>
    perElement(rms0(), (p, g, s: Rms) => {
      const v = alpha * s.v + (1 - alpha) * g * g;
      const avg = centered ? alpha * s.avg + (1 - alpha) * g : 0;
      const denom = Math.sqrt(centered ? v - avg * avg : v) + eps;
      if (mom > 0) {
        const buf = mom * s.buf + g / denom;
        return [p - lr * buf, { v, avg, buf }];
      }
      return [p - lr * g / denom, { v, avg, buf: 0 }];
    });
  it("rmsprop(η, { decay: 0.99, epsInSqrt: false }): PyTorch RMSprop", () =>
    agrees(() => rmsprop(0.01, { decay: 0.99, epsInSqrt: false }), torchRms(0.01, 0.99, 1e-8, false, 0)));
  it("rmsprop centered: PyTorch RMSprop(centered=True)", () =>
    agrees(
      () => rmsprop(0.01, { decay: 0.99, epsInSqrt: false, centered: true }),
      torchRms(0.01, 0.99, 1e-8, true, 0),
    ));
  it("rmsprop with momentum: PyTorch RMSprop(momentum=0.9)", () =>
    agrees(
      () => rmsprop(0.01, { decay: 0.99, epsInSqrt: false, momentum: 0.9 }),
      torchRms(0.01, 0.99, 1e-8, false, 0.9),
    ));
  it("rmsprop initialScale 1 (TF1's accumulator start): optax initial_scale=1", () =>
    agrees(
      () => rmsprop(0.01, { initialScale: 1 }),
      perElement(rms0(1), (p, g, s: Rms) => {
        const v = 0.9 * s.v + (1 - 0.9) * g * g;
        return [p - 0.01 * g / Math.sqrt(v + 1e-8), { ...s, v }];
      }),
    ));
  it("rmsprop biasCorrection: optax bias_correction=True, v̂ = v/(1 − decayᵗ)", () =>
    agrees(
      () => rmsprop(0.01, { biasCorrection: true, decay: 0.8 }),
      perElement(rms0(), (p, g, s: Rms, t) => {
        const v = 0.8 * s.v + (1 - 0.8) * g * g;
        return [p - 0.01 * g / Math.sqrt(v / (1 - 0.8 ** t) + 1e-8), { ...s, v }];
      }),
    ));
});

describe("AdaGrad", () => {
  it("adagrad(η) defaults: optax, s ← 0.1 + Σg², θ ← θ − ηg/√(s + 1e-7)", () =>
    agrees(
      () => adagrad(0.1),
      perElement(() => 0.1, (p, g, s: number) => {
        const sum = s + g * g;
        return [p - 0.1 * g / Math.sqrt(sum + 1e-7), sum];
      }),
    ));
  it("adagrad(η, { initialAccumulator: 0, eps: 1e-10, epsInSqrt: false }): PyTorch Adagrad", () =>
    agrees(
      () => adagrad(0.1, { initialAccumulator: 0, eps: 1e-10, epsInSqrt: false }),
      perElement(() => 0, (p, g, s: number) => {
        const sum = s + g * g;
        return [p - 0.1 * g / (Math.sqrt(sum) + 1e-10), sum];
      }),
    ));
});

describe("Adam and AdamW", () => {
  type Moments = { m: number; v: number };
  const m0 = () => ({ m: 0, v: 0 });
  // PyTorch's Adam, as its docs write it: step size η/(1 − β₁ᵗ), denominator √v/√(1 − β₂ᵗ) + ε.
  const torchAdam = (lr: number, b1: number, b2: number, eps: number, l2 = 0, decoupled = 0) =>
    perElement(m0, (p0, g0, s: Moments, t) => {
      const p = p0 * (1 - lr * decoupled);
      const g = g0 + l2 * p0;
      const m = b1 * s.m + (1 - b1) * g, v = b2 * s.v + (1 - b2) * g * g;
      const denom = Math.sqrt(v) / Math.sqrt(1 - b2 ** t) + eps;
      return [p - (lr / (1 - b1 ** t)) * m / denom, { m, v }];
    });
  it("adam() defaults η 1e-3, β₁ .9, β₂ .999, ε 1e-8: PyTorch Adam", () =>
    agrees(() => adam(), torchAdam(1e-3, 0.9, 0.999, 1e-8)));
  it("adam(η, { b1, b2, eps }): PyTorch Adam(betas, eps)", () =>
    agrees(() => adam(0.05, { b1: 0.5, b2: 0.9, eps: 1e-3 }), torchAdam(0.05, 0.5, 0.9, 1e-3)));
  it("adam epsRoot: optax m̂/(√(v̂ + ε_root) + ε)", () =>
    agrees(
      () => adam(0.05, { epsRoot: 1e-2 }),
      perElement(m0, (p, g, s: Moments, t) => {
        const m = 0.9 * s.m + 0.1 * g, v = 0.999 * s.v + (1 - 0.999) * g * g;
        return [p - 0.05 * (m / (1 - 0.9 ** t)) / (Math.sqrt(v / (1 - 0.999 ** t) + 1e-2) + 1e-8), { m, v }];
      }),
    ));
  it("adam nesterov (NAdam): optax scale_by_adam(nesterov=True)", () =>
    agrees(
      () => adam(0.05, { nesterov: true }),
      perElement(m0, (p, g, s: Moments, t) => {
        const m = 0.9 * s.m + 0.1 * g, v = 0.999 * s.v + (1 - 0.999) * g * g;
        const mHat = 0.9 * (m / (1 - 0.9 ** (t + 1))) + (1 - 0.9) * (g / (1 - 0.9 ** t));
        return [p - 0.05 * mHat / (Math.sqrt(v / (1 - 0.999 ** t)) + 1e-8), { m, v }];
      }),
    ));
  it("adam(η, { weightDecay }): PyTorch Adam(weight_decay) (L2 added to the gradient)", () =>
    agrees(() => adam(0.05, { weightDecay: 0.1 }), torchAdam(0.05, 0.9, 0.999, 1e-8, 0.1)));
  it("adam with a schedule: η_t = exponentialDecay(0.1, 2, 0.5)(t − 1) (optax schedule, count from 0)", () =>
    agrees(
      () => adam(exponentialDecay(0.1, 2, 0.5)),
      perElement(m0, (p, g, s: Moments, t) => {
        const m = 0.9 * s.m + 0.1 * g, v = 0.999 * s.v + (1 - 0.999) * g * g;
        const lr = 0.1 * 0.5 ** ((t - 1) / 2);
        return [p - lr * (m / (1 - 0.9 ** t)) / (Math.sqrt(v / (1 - 0.999 ** t)) + 1e-8), { m, v }];
      }),
    ));
  it("adamw(η) default weight decay 1e-4: optax adamw, θ ← θ − η(m̂/(√v̂ + ε) + λθ)", () =>
    agrees(
      () => adamw(0.05),
      perElement(m0, (p, g, s: Moments, t) => {
        const m = 0.9 * s.m + 0.1 * g, v = 0.999 * s.v + (1 - 0.999) * g * g;
        return [p - 0.05 * ((m / (1 - 0.9 ** t)) / (Math.sqrt(v / (1 - 0.999 ** t)) + 1e-8) + 1e-4 * p), { m, v }];
      }),
    ));
  it("adamw(η, { weightDecay: 0.01 }): PyTorch AdamW, θ ← θ(1 − ηλ), then the Adam step", () =>
    agrees(() => adamw(0.05, { weightDecay: 0.01 }), torchAdam(0.05, 0.9, 0.999, 1e-8, 0, 0.01)));
  it("adamw with a mask: decay on w only (optax adamw(mask=…))", () => {
    const nb = 2;
    const tx = adamw(0.05, { weightDecay: 0.5, mask: { b: false, w: true } });
    const p0 = [1, -1, 2, 0.5];
    let params = split(p0, nb);
    let state = tx.init(params);
    const ref = torchAdam(0.05, 0.9, 0.999, 1e-8, 0, 0.5)(), refNoDecay = torchAdam(0.05, 0.9, 0.999, 1e-8)();
    let e = p0, f = p0;
    [[0.3, -1, 2, 0.1], [1, 1, -1, 0.5], [-0.2, 0.4, 0.8, -2]].forEach((g, t) => {
      const [u, next] = tx.update(split(g, nb), state, params);
      [params, state] = [applyUpdates(params, u), next];
      [e, f] = [ref(e, g, t + 1), refNoDecay(f, g, t + 1)];
      close(joined(params), [...f.slice(0, nb), ...e.slice(nb)], `step ${t + 1}`);
    });
  });
  it("Adam's first step on float32 parameters is −η·sign(g) to float32 rounding (bias corrections in float64)", () => {
    const g = tensor([0.5, -3, 1e-3], { dtype: "float32" }), p = tensor([0, 0, 0], { dtype: "float32" });
    const tx = adam(0.01, { eps: 0 });
    const [u] = tx.update(g, tx.init(p), p);
    assert.equal((u as Tensor).dtype, "float32");
    [...(u as Tensor).toTypedArray()].forEach((x, i) =>
      assert.ok(Math.abs(x / 0.01 + Math.sign(g.toTypedArray()[i])) <= 3e-7, `${x}`)
    );
  });
  it("Adam's first step is −η·sign(g) as ε → 0 (exactly, to rounding, at ε = 0)", () =>
    fc.assert(
      fc.property(fc.array(gradValue, { minLength: 1, maxLength: 6 }), (g) => {
        const lr = 0.01;
        const deviation = (eps: number) => {
          const tx = adam(lr, { eps });
          const p = tensor(zeros(g.length), { dtype: "float64" });
          const [u] = tx.update(tensor(g, { dtype: "float64" }), tx.init(p), p);
          return Math.max(...[...(u as Tensor).toTypedArray()].map((x, i) => Math.abs(x + lr * Math.sign(g[i]))));
        };
        const ds = [1e-2, 1e-4, 1e-8, 0].map(deviation);
        assert.ok(ds[3] <= 4e-16 * lr, `at ε = 0: ${ds[3]}`);
        ds.slice(1).forEach((d, k) => assert.ok(d <= ds[k], `not shrinking with ε: ${ds}`));
        assert.ok(ds[2] <= 1e-6 * lr, `at ε = 1e-8: ${ds[2]}`);
      }),
    ));
});
