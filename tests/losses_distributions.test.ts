/**
 * Distribution heads (losses/distributions.ts): a loss is −log P(y | φ).
 * The course's claims, each its own test; NLLs against the densities and
 * mass functions written out in plain JS; gradients against finite
 * differences (orders 1 and 2); `mode`, `mean`, `stddev`; samples drawn
 * from keys (reproducible, with the right moments and frequencies); the
 * layout of a learned-σ head; errors; no input mutated.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import { concat, full, grad, losses, mul, random, softmax, type Tensor, tensor } from "../mod.ts";
import { assertAllclose, checkGrads, floatTensorArb } from "../testing/mod.ts";

const f64 = (data: number[] | number[][]) => tensor(data, { dtype: "float64" });
const values = (t: Tensor) => Array.from(t.toTypedArray());
const sumOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const meanOf = (xs: number[]) => sumOf(xs) / xs.length;
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const softplus = (x: number) => Math.log1p(Math.exp(x));
/** −log N(y; μ, σ²), written out (the log of the density, so that it does not underflow for small σ). */
const normalNll = (y: number, mu: number, sigma: number) => {
  const logDensity = -((y - mu) ** 2) / (2 * sigma * sigma) - Math.log(Math.sqrt(2 * Math.PI * sigma * sigma));
  return -logDensity;
};

const vec = (n: number, min = -2, max = 2) => floatTensorArb({ shape: [n], min, max });

describe("losses: the course's claims about distribution heads", () => {
  it("a Normal head with fixed σ has the gradients of least squares scaled by 1/σ²", () =>
    fc.assert(
      fc.property(vec(6), vec(6), fc.double({ min: 0.1, max: 3, noNaN: true }), (mu, y, sigma) => {
        const head = losses.normal({ sigma });
        // Σ: ∇ −log Π N(yᵢ; μᵢ, σ²) = (1/σ²)·∇ ½Σ(μᵢ − yᵢ)²
        const gNll = grad((m: Tensor) => head.nll(m, y, { reduction: "sum" }))(mu);
        const gLsq = grad((m: Tensor) => mul(losses.sumSquares(m, y), 0.5))(mu);
        assertAllclose(gNll, mul(gLsq, 1 / (sigma * sigma)), { rtol: 1e-12, atol: 1e-14 });
        // mean: the same with ½·mse
        const gNllMean = grad((m: Tensor) => head.nll(m, y))(mu);
        const gMse = grad((m: Tensor) => mul(losses.mse(m, y), 0.5))(mu);
        assertAllclose(gNllMean, mul(gMse, 1 / (sigma * sigma)), { rtol: 1e-12, atol: 1e-14 });
      }),
      { numRuns: 100 },
    ));
  it("the Bernoulli head's NLL equals BCE with logits", () =>
    fc.assert(
      fc.property(vec(8, -6, 6), fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }), (x, bits) => {
        const y = f64(bits.map(Number));
        const head = losses.bernoulli();
        for (const reduction of ["mean", "sum", "none"] as const) {
          assertAllclose(head.nll(x, y, { reduction }), losses.binaryCrossEntropyWithLogits(x, y, { reduction }), {
            rtol: 0,
            atol: 0,
          });
        }
        // and both are −log of the Bernoulli mass σ(x)^y (1 − σ(x))^(1 − y)
        const pmf = values(x).map((v, i) => sigmoid(v) ** Number(bits[i]) * (1 - sigmoid(v)) ** (1 - Number(bits[i])));
        assertAllclose(values(head.nll(x, y, { reduction: "none" })), pmf.map((p) => -Math.log(p)), {
          rtol: 1e-12,
          atol: 1e-14,
        });
        assertAllclose(
          grad((x: Tensor) => head.nll(x, y))(x),
          grad((x: Tensor) => losses.binaryCrossEntropyWithLogits(x, y))(x),
          { rtol: 0, atol: 0 },
        );
      }),
      { numRuns: 100 },
    ));
  it("the Categorical head's NLL equals softmax cross-entropy", () =>
    fc.assert(
      fc.property(
        floatTensorArb({ shape: [4, 3], min: -4, max: 4 }),
        fc.array(fc.nat(2), { minLength: 4, maxLength: 4 }),
        (z, ys) => {
          const y = tensor(ys, { dtype: "int32" });
          const head = losses.categorical();
          assertAllclose(head.nll(z, y), losses.softmaxCrossEntropy(z, y), { rtol: 0, atol: 0 });
          // and it is −log of the softmax probability of the observed class
          const p = softmax(z).toArray() as number[][];
          assertAllclose(
            values(head.nll(z, y, { reduction: "none" })),
            ys.map((c, i) => -Math.log(p[i][c])),
            { rtol: 1e-12, atol: 1e-14 },
          );
          assertAllclose(
            grad((z: Tensor) => head.nll(z, y))(z),
            grad((z: Tensor) => losses.softmaxCrossEntropy(z, y))(z),
            { rtol: 0, atol: 0 },
          );
        },
      ),
      { numRuns: 100 },
    ));
  it("a learned-σ Normal head's NLL is minimised where σ equals the residual |y − μ|", () => {
    const y = 1.7;
    const mu = 0.2;
    const rho = Math.log(Math.abs(y - mu)); // exp link: σ = e^ρ
    const head = losses.normal({ learnedSigma: "exp" });
    const nllAt = (r: number) => head.nll(f64([[mu, r]]), f64([[y]])).item();
    const g = grad((phi: Tensor) => head.nll(phi, f64([[y]])))(f64([[mu, rho]]));
    // ∂/∂ρ = 1 − (y − μ)²/σ² = 0 there; ∂/∂μ = −(y − μ)/σ² as for least squares
    assertAllclose(g, [[-(y - mu) / (y - mu) ** 2, 0]], { rtol: 1e-14, atol: 1e-15 });
    assert.ok(nllAt(rho - 0.1) > nllAt(rho) && nllAt(rho + 0.1) > nllAt(rho));
  });
});

describe("losses: normal head", () => {
  it("fixed σ: the NLL is −log N(y; μ, σ²), including the ½·log(2πσ²) constant (property)", () =>
    fc.assert(
      fc.property(vec(5), vec(5), fc.double({ min: 0.05, max: 5, noNaN: true }), (mu, y, sigma) => {
        const ref = values(mu).map((m, i) => normalNll(values(y)[i], m, sigma));
        const head = losses.normal({ sigma });
        assertAllclose(values(head.nll(mu, y, { reduction: "none" })), ref, { rtol: 1e-12, atol: 1e-14 });
        assertAllclose(head.nll(mu, y), meanOf(ref), { rtol: 1e-12, atol: 1e-14 });
        assertAllclose(head.nll(mu, y, { reduction: "sum" }), sumOf(ref), { rtol: 1e-12, atol: 1e-14 });
      }),
      { numRuns: 100 },
    ));
  it("the default is σ = 1; a small σ can give a negative NLL (a density above 1)", () => {
    const v = losses.normal().nll(f64([0]), f64([0])).item();
    assert.equal(v, 0.5 * Math.log(2 * Math.PI));
    assert.ok(losses.normal({ sigma: 0.1 }).nll(f64([0]), f64([0])).item() < 0);
  });
  for (const link of ["exp", "softplus"] as const) {
    const sigmaOf = link === "exp" ? Math.exp : softplus;
    it(`learned σ (${link}): φ = [means | raw scales] on the last axis; NLL = −log N(y; μ, σ(ρ)²) (property)`, () =>
      fc.assert(
        fc.property(floatTensorArb({ shape: [3, 4], min: -2, max: 2 }), vec(6), (phi, yFlat) => {
          const y = tensor(values(yFlat), { shape: [3, 2], dtype: "float64" });
          const rows = phi.toArray() as number[][];
          const ref = rows.flatMap((r, i) =>
            [0, 1].map((d) => normalNll(values(y)[2 * i + d], r[d], sigmaOf(r[2 + d])))
          );
          const head = losses.normal({ learnedSigma: link });
          const got = head.nll(phi, y, { reduction: "none" });
          assert.deepEqual(got.shape, [3, 2]);
          assertAllclose(values(got), ref, { rtol: 1e-12, atol: 1e-14 });
          assert.deepEqual(head.mean(phi).toArray(), rows.map((r) => r.slice(0, 2)));
          assert.deepEqual(head.mode(phi).toArray(), rows.map((r) => r.slice(0, 2)));
          assertAllclose(head.stddev(phi), rows.map((r) => r.slice(2).map(sigmaOf)), { rtol: 1e-14 });
        }),
        { numRuns: 50 },
      ));
    it(`learned σ (${link}): gradients in φ and y match finite differences (orders 1 and 2)`, () =>
      fc.assert(
        fc.property(floatTensorArb({ shape: [2, 6], min: -2, max: 2 }), vec(6), fc.nat(), (phi, yFlat, seed) => {
          const y = tensor(values(yFlat), { shape: [2, 3], dtype: "float64" });
          const head = losses.normal({ learnedSigma: link });
          checkGrads((phi: Tensor, y: Tensor) => head.nll(phi, y), [phi, y], { order: 2, seed });
        }),
        { numRuns: 30 },
      ));
  }
  it("fixed σ: gradients match finite differences (orders 1 and 2)", () =>
    fc.assert(
      fc.property(vec(6), vec(6), fc.nat(), (mu, y, seed) => {
        checkGrads((m: Tensor, t: Tensor) => losses.normal({ sigma: 0.7 }).nll(m, t), [mu, y], { order: 2, seed });
      }),
      { numRuns: 30 },
    ));
  it("exp link at extreme raw scales: log σ = ρ exactly, so ρ = ±50 stays finite with finite gradients", () => {
    const head = losses.normal({ learnedSigma: "exp" });
    const phi = f64([[0, 50], [0, -50]]);
    const y = f64([[1], [1e-30]]);
    const l = values(head.nll(phi, y, { reduction: "none" }));
    assertAllclose(l, [normalNll(1, 0, Math.exp(50)), normalNll(1e-30, 0, Math.exp(-50))], { rtol: 1e-12 });
    assert.ok(values(grad((p: Tensor) => head.nll(p, y))(phi)).every(Number.isFinite));
  });
  it("softplus link at extreme raw scales: ρ = 1e4 and ρ = −50 give the true NLL; log σ stays finite at ρ = −1e4", () => {
    const head = losses.normal({ learnedSigma: "softplus" });
    const phi = f64([[0, 1e4], [0, -50]]);
    const y = f64([[3], [1e-22]]);
    const l = values(head.nll(phi, y, { reduction: "none" }));
    assertAllclose(l, [normalNll(3, 0, 1e4), normalNll(1e-22, 0, softplus(-50))], { rtol: 1e-12 });
    assert.ok(values(grad((p: Tensor) => head.nll(p, y))(phi)).every(Number.isFinite));
    // σ = softplus(−1e4) underflows to 0: the true NLL is ∞ for y ≠ μ, and it is not NaN
    assert.equal(head.nll(f64([[0, -1e4]]), f64([[1]])).item(), Infinity);
  });
  it("bernoulli and categorical heads at logits of ±1e4: the exact finite NLLs, finite gradients", () => {
    const phi = f64([1e4, -1e4, 1e4]);
    const y = f64([1, 0, 0]);
    assert.deepEqual(values(losses.bernoulli().nll(phi, y, { reduction: "none" })), [0, 0, 1e4]);
    assert.ok(values(grad((p: Tensor) => losses.bernoulli().nll(p, y))(phi)).every(Number.isFinite));
    const z = f64([[1e4, 0], [0, -1e4]]);
    const c = tensor([0, 1], { dtype: "int32" });
    assert.deepEqual(values(losses.categorical().nll(z, c, { reduction: "none" })), [0, 1e4]);
    assert.ok(values(grad((p: Tensor) => losses.categorical().nll(p, c))(z)).every(Number.isFinite));
  });
  it("samples: μ + σ·ε from the key, reproducible, with mean μ and standard deviation σ", () => {
    const n = 20000;
    const fixed = losses.normal({ sigma: 2 });
    const mu = full([n], 1.5, { dtype: "float64" });
    const s = values(fixed.sample(random.key(3), mu));
    assert.deepEqual(s, values(fixed.sample(random.key(3), mu)));
    assert.notDeepEqual(s, values(fixed.sample(random.key(4), mu)));
    const m = meanOf(s);
    const sd = Math.sqrt(meanOf(s.map((v) => (v - m) ** 2)));
    assert.ok(Math.abs(m - 1.5) < 4 * 2 / Math.sqrt(n), `mean ${m}`);
    assert.ok(Math.abs(sd - 2) < 0.05, `std ${sd}`);
    // learned σ = e^ρ with ρ = log 0.5
    const learned = losses.normal({ learnedSigma: "exp" });
    const phi = concat([full([n, 1], -1, { dtype: "float64" }), full([n, 1], Math.log(0.5), { dtype: "float64" })], 1);
    const t = values(learned.sample(random.key(5), phi));
    assert.equal(t.length, n);
    const mt = meanOf(t);
    assert.ok(Math.abs(mt + 1) < 4 * 0.5 / Math.sqrt(n), `mean ${mt}`);
    assert.ok(Math.abs(Math.sqrt(meanOf(t.map((v) => (v - mt) ** 2))) - 0.5) < 0.0125);
    assert.equal(learned.sample(random.key(5), tensor([[0, 0]])).dtype, "float32");
  });
});

describe("losses: bernoulli and categorical heads", () => {
  it("bernoulli: mean σ(φ), mode 1 where φ > 0 (ties to 0), in φ's dtype", () => {
    const head = losses.bernoulli();
    const phi = f64([-3, 0, 0.1, 1e4]);
    assertAllclose(head.mean(phi), values(phi).map(sigmoid), { rtol: 1e-15 });
    assert.deepEqual(values(head.mode(phi)), [0, 0, 1, 1]);
    assert.equal(head.mode(phi).dtype, "float64");
  });
  it("bernoulli: samples are 0/1 with frequency σ(φ), reproducible from the key", () => {
    const n = 20000;
    const head = losses.bernoulli();
    for (const x of [-1.5, 0, 2]) {
      const phi = full([n], x, { dtype: "float64" });
      const s = values(head.sample(random.key(7), phi));
      assert.ok(s.every((v) => v === 0 || v === 1));
      const p = sigmoid(x);
      assert.ok(Math.abs(meanOf(s) - p) < 4 * Math.sqrt((p * (1 - p)) / n), `x = ${x}: ${meanOf(s)} vs ${p}`);
      assert.deepEqual(s, values(head.sample(random.key(7), phi)));
    }
    assert.deepEqual(values(head.sample(random.key(0), f64([1e4, -1e4]))), [1, 0]);
  });
  it("categorical: mode is argmax (int32), mean is softmax (rows sum to 1)", () => {
    const head = losses.categorical();
    const phi = f64([[0, 3, 1], [5, 0, 5], [-1e4, 0, 1e4]]);
    assert.deepEqual(head.mode(phi).toArray(), [1, 0, 2]);
    assert.equal(head.mode(phi).dtype, "int32");
    const m = head.mean(phi).toArray() as number[][];
    m.forEach((row) => assert.ok(Math.abs(sumOf(row) - 1) < 1e-15));
    assertAllclose(head.mean(phi), softmax(phi), { rtol: 0, atol: 0 });
  });
  it("categorical: samples are int32 classes with frequencies softmax(φ)", () => {
    const n = 20000;
    const logits = [0.5, -1, 1.2];
    const phi = concat(logits.map((v) => full([n, 1], v, { dtype: "float64" })), 1);
    const s = values(losses.categorical().sample(random.key(11), phi));
    const p = values(softmax(f64(logits)));
    [0, 1, 2].forEach((c) => {
      const freq = s.filter((v) => v === c).length / n;
      assert.ok(Math.abs(freq - p[c]) < 4 * Math.sqrt((p[c] * (1 - p[c])) / n), `class ${c}: ${freq} vs ${p[c]}`);
    });
  });
  it("gradients of the bernoulli and categorical NLLs match finite differences (orders 1 and 2)", () =>
    fc.assert(
      fc.property(
        floatTensorArb({ shape: [3, 4], min: -3, max: 3 }),
        floatTensorArb({ shape: [3, 4], min: 0, max: 1 }),
        fc.nat(),
        (phi, y, seed) => {
          checkGrads((p: Tensor, t: Tensor) => losses.bernoulli().nll(p, t), [phi, y], { order: 2, seed });
          const labels = tensor([0, 3, 1], { dtype: "int32" });
          checkGrads((p: Tensor) => losses.categorical().nll(p, labels), [phi], { order: 2, seed });
        },
      ),
      { numRuns: 30 },
    ));
});

describe("losses: distribution head errors and inputs", () => {
  it("bad options are ValueErrors naming the head", () => {
    for (const sigma of [0, -1, NaN, Infinity]) {
      assert.throws(() => losses.normal({ sigma }), { name: "ValueError", message: /^normal: sigma must be/ });
    }
    assert.throws(() => losses.normal({ sigma: 1, learnedSigma: "exp" }), {
      name: "ValueError",
      message: "normal: give either a fixed sigma or learnedSigma, not both",
    });
    assert.throws(() => losses.normal({ learnedSigma: "relu" as "exp" }), {
      name: "ValueError",
      message: 'normal: learnedSigma must be "exp" or "softplus", got "relu"',
    });
  });
  it("shape and dtype errors name the head's method, the shapes and the expected layout", () => {
    const learned = losses.normal({ learnedSigma: "softplus" });
    assert.throws(() => learned.nll(f64([[1, 2, 3, 4]]), f64([[1, 2, 3]])), {
      name: "ShapeError",
      message: "normal.nll: φ of shape [1,4] and targets of shape [1,3] do not fit; a learned-σ normal head needs φ " +
        "of shape [..., 2·D] = [means | raw scales] for targets of shape [..., D]: expected φ of shape [1,6]",
    });
    assert.throws(() => learned.mean(f64([[1, 2, 3]])), {
      name: "ShapeError",
      message: /^normal\.mean: φ of shape \[1,3\] cannot be split into \[means \| raw scales\]/,
    });
    assert.throws(() => losses.normal().nll(f64([1, 2]), f64([[1, 2]])), {
      name: "ShapeError",
      message: /^normal\.nll: φ \(the means\) of shape \[2\] and targets of shape \[1,2\] differ/,
    });
    assert.throws(() => losses.bernoulli().nll(f64([1]), tensor([1], { dtype: "int32" })), {
      name: "DTypeError",
      message: /^bernoulli\.nll: targets have dtype int32/,
    });
    assert.throws(() => losses.categorical().nll(f64([[1, 2]]), tensor([2], { dtype: "int32" })), {
      name: "ValueError",
      message: /^categorical\.nll: label 2 .* out of range for 2 classes/,
    });
    assert.throws(() => losses.categorical().mode(tensor(1)), {
      name: "ShapeError",
      message: "categorical.mode: φ (logits) must have a class axis (the last); got a scalar",
    });
  });
  it("no input is mutated", () => {
    const phi = f64([[0.3, -0.2, 0.1, 0.4]]);
    const y = f64([[1, 0]]);
    const before = [phi, y].map(values);
    const learned = losses.normal({ learnedSigma: "exp" });
    learned.nll(phi, y);
    grad((p: Tensor, t: Tensor) => learned.nll(p, t), { argnums: [0, 1] })(phi, y);
    learned.sample(random.key(0), phi);
    losses.bernoulli().sample(random.key(0), phi);
    losses.categorical().sample(random.key(0), phi);
    losses.categorical().nll(phi, tensor([3], { dtype: "int32" }));
    assert.deepEqual([phi, y].map(values), before);
  });
});
