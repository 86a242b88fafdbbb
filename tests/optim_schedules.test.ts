/**
 * Learning-rate schedules at chosen steps, against their definitions
 * computed by hand (optax's `optax/schedules/_schedule.py`; `stepDecay` is
 * PyTorch's `StepLR`), and used as a learning rate.
 */
import { assert, describe, it } from "./lib/test.ts";
import { scalar, tensor } from "../core/creation.ts";
import type { Tensor } from "../core/tensor.ts";
import { sgd } from "../optim/sgd.ts";
import {
  constant,
  cosineDecay,
  exponentialDecay,
  linear,
  piecewiseConstant,
  polynomial,
  stepDecay,
  warmupCosine,
} from "../optim/schedules.ts";

type Sched = (count: Tensor) => Tensor;
const at = (s: Sched, t: number) => {
  const v = s(scalar(t, "int32"));
  assert.deepEqual([v.dtype, v.shape], ["float64", []]);
  return v.item();
};
const expectValues = (s: Sched, expected: Record<number, number>) => {
  for (const [t, e] of Object.entries(expected)) {
    const v = at(s, Number(t));
    assert.ok(Math.abs(v - e) <= 1e-15 + 1e-13 * Math.abs(e), `step ${t}: ${v} vs ${e}`);
  }
};

describe("schedules", () => {
  it("constant(v) is v at every step (optax constant_schedule)", () =>
    expectValues(constant(0.3), { 0: 0.3, 1: 0.3, 1000000: 0.3 }));
  it("linear(1, 0.1, 10, { transitionBegin: 5 }): 1 until 5, then linear, 0.1 from 15 on (optax linear_schedule)", () =>
    expectValues(linear(1, 0.1, 10, { transitionBegin: 5 }), { 0: 1, 5: 1, 6: 1 - 0.09, 10: 0.55, 15: 0.1, 99: 0.1 }));
  it("linear warm-up 0 → 2 over 4 steps", () => expectValues(linear(0, 2, 4), { 0: 0, 1: 0.5, 3: 1.5, 4: 2, 8: 2 }));
  it("polynomial(1, 0, 2, 10): (1 − t/10)² (optax polynomial_schedule, power 2)", () =>
    expectValues(polynomial(1, 0, 2, 10), { 0: 1, 3: 0.49, 5: 0.25, 10: 0, 20: 0 }));
  it("stepDecay(0.1, { every: 30, factor: 0.1 }): 0.1·0.1^⌊t/30⌋ (PyTorch StepLR)", () =>
    expectValues(stepDecay(0.1, { every: 30, factor: 0.1 }), {
      0: 0.1,
      29: 0.1,
      30: 0.1 * 0.1,
      59: 0.1 * 0.1,
      60: 0.1 * 0.1 ** 2,
    }));
  it("piecewiseConstant(1, [[100, 0.5], [50, 0.1]]): boundaries in any order (optax piecewise_constant_schedule)", () =>
    expectValues(piecewiseConstant(1, [[100, 0.5], [50, 0.1]]), {
      0: 1,
      49: 1,
      50: 0.1,
      99: 0.1,
      100: 0.05,
      500: 0.05,
    }));
  it("exponentialDecay(2, 10, 0.5): 2·0.5^(t/10) (optax exponential_decay)", () =>
    expectValues(exponentialDecay(2, 10, 0.5), { 0: 2, 5: 2 * 0.5 ** 0.5, 10: 1, 25: 2 * 0.5 ** 2.5 }));
  it("exponentialDecay staircase, transitionBegin and endValue", () => {
    expectValues(exponentialDecay(2, 10, 0.5, { staircase: true }), { 9: 2, 10: 1, 19: 1, 20: 0.5 });
    expectValues(exponentialDecay(2, 10, 0.5, { transitionBegin: 5 }), { 0: 2, 5: 2, 15: 1 });
    expectValues(exponentialDecay(2, 10, 0.5, { endValue: 0.6 }), { 10: 1, 30: 0.6, 100: 0.6 });
    expectValues(exponentialDecay(1, 10, 2, { endValue: 3 }), { 10: 2, 100: 3 });
  });
  it("cosineDecay(1, 100, { alpha: 0.1 }): (1 − α)·½(1 + cos(πt/100)) + α, then α (optax cosine_decay_schedule)", () => {
    const f = (t: number) => (1 - 0.1) * 0.5 * (1 + Math.cos(Math.PI * Math.min(t, 100) / 100)) + 0.1;
    expectValues(cosineDecay(1, 100, { alpha: 0.1 }), { 0: 1, 25: f(25), 50: 0.55, 100: 0.1, 150: 0.1 });
    const g = (t: number) => 2 * (0.5 * (1 + Math.cos(Math.PI * t / 10))) ** 2;
    expectValues(cosineDecay(2, 10, { exponent: 2 }), { 3: g(3), 7: g(7) });
  });
  it("warmupCosine: linear 0.1 → 1 over 10 steps, cosine to 0.01 at 110 (optax warmup_cosine_decay_schedule)", () => {
    const s = warmupCosine({ init: 0.1, peak: 1, warmupSteps: 10, decaySteps: 110, end: 0.01 });
    const cos = (t: number) => (1 - 0.01) * 0.5 * (1 + Math.cos(Math.PI * (t - 10) / 100)) + 0.01;
    expectValues(s, { 0: 0.1, 5: 0.55, 9: 0.1 + 0.9 * 0.9, 10: 1, 35: cos(35), 60: cos(60), 110: 0.01, 200: 0.01 });
  });
  it("invalid settings are ValueErrors naming the schedule", () => {
    assert.throws(() => cosineDecay(1, 0), {
      name: "ValueError",
      message: /cosineDecay: decaySteps must be a positive integer/,
    });
    assert.throws(
      () => warmupCosine({ peak: 1, warmupSteps: 10, decaySteps: 10 }),
      /warmupCosine: decaySteps \(10\) must exceed/,
    );
    assert.throws(() => stepDecay(1, { every: 1.5, factor: 0.5 }), /stepDecay: every must be a positive integer/);
  });
  it("a schedule is a learning rate: sgd(stepDecay(…)) steps by −η_t·g with t counted from 0", () => {
    const opt = sgd(stepDecay(1, { every: 2, factor: 0.5 }));
    const p = tensor([0], { dtype: "float64" });
    let s = opt.init(p);
    const seen: number[] = [];
    for (let k = 0; k < 5; k++) {
      const [u, next] = opt.update(tensor([1], { dtype: "float64" }), s, p);
      seen.push((u as Tensor).item());
      s = next;
    }
    assert.deepEqual(seen, [-1, -1, -0.5, -0.5, -0.25]);
  });
});
