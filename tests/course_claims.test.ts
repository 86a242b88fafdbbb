/**
 * The course's claims that need layers, losses and optimizers together, each
 * a named test: the hand-set XOR network, XOR learned from random init, and
 * universal approximation by shallow ReLU networks (a better fit with more
 * units). The other claims live beside the code they are about (regions and
 * the perceptron in tests/layers_*, heads in tests/losses_distributions,
 * Adam's first step in tests/optim_rules, dropout and initializer variances
 * in tests/layers_*, AdaBoost and kernel PCA in tests/classic_*).
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import {
  abs,
  add,
  layers,
  linspace,
  losses,
  max,
  min,
  mul,
  optim,
  random,
  reshape,
  sin,
  sub,
  type Tensor,
  tensor,
  valueAndGrad,
} from "../mod.ts";
import type { Tree } from "../core/tree/types.ts";

const XOR_X = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
const XOR_T = tensor([[0], [1], [1], [0]]);

/** Adam on `loss(params)` for `steps` steps, with the fused update. */
const train = <P extends Tree>(loss: (p: P) => Tensor, params: P, lr: number, steps: number): P => {
  const opt = optim.adam(lr);
  const step = valueAndGrad(loss);
  let p = params;
  let state = opt.init(p);
  for (let i = 0; i < steps; i++) {
    const [, g] = step(p);
    [p, state] = optim.updateAndApply(opt, g as Tree, state, p) as [P, typeof state];
  }
  return p;
};

describe("XOR (seed 003)", () => {
  const model = layers.sequential([layers.dense(2), layers.relu, layers.dense(1)]);

  it("the network W = [[1,1],[1,1]], c = [0,−1], w = [1,−2], b = 0 computes XOR exactly", () => {
    const params = [
      { w: tensor([[1, 1], [1, 1]]), b: tensor([0, -1]) },
      {},
      { w: tensor([[1], [-2]]), b: tensor([0]) },
    ] as const;
    assert.deepEqual(model.apply(params as never, XOR_X).toArray(), [[0], [1], [1], [0]]);
  });

  it("an MLP trained from random init with Adam reaches 100 % on XOR (several seeds)", () => {
    const net = layers.mlp([8, 1], { activation: layers.tanh });
    for (const seed of [0, 1, 2]) {
      const init = net.init(random.key(seed), [4, 2]).params;
      const loss = (p: typeof init) => losses.binaryCrossEntropyWithLogits(net.apply(p, XOR_X), XOR_T);
      const trained = train(loss, init, 0.05, 400);
      const logits = Array.from(net.apply(trained, XOR_X).toTypedArray());
      assert.deepEqual(logits.map((z) => (z > 0 ? 1 : 0)), [0, 1, 1, 0], `seed ${seed}: logits ${logits}`);
    }
  });
});

describe("universal approximation (shallow ReLU networks)", () => {
  const xs = reshape(linspace(-1, 1, 64), [64, 1]);

  /** A random smooth target: a + Σ_k c_k sin(f_k x + φ_k), k = 1..3, frequencies up to 4. */
  const targetArb = fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 10, maxLength: 10 });
  const targetOf = (c: readonly number[]): Tensor => {
    let y: Tensor = add(mul(xs, 0), c[0]);
    for (let k = 0; k < 3; k++) {
      const freq = 1 + 1.5 * (c[1 + 3 * k] + 1); // in [1, 4]
      y = add(y, mul(sin(add(mul(xs, freq), c[2 + 3 * k] * Math.PI)), c[3 + 3 * k]));
    }
    return y;
  };

  const maxError = (units: number, y: Tensor, seed: number): number => {
    // Kinks −b/w spread over the interval from the start (zero biases would put them all at 0).
    const hidden = layers.dense(units, {
      init: layers.initializers.normal(1),
      biasInit: layers.initializers.uniform(-1, 1),
    });
    const net = layers.sequential([hidden, layers.relu, layers.dense(1)]);
    const init = net.init(random.key(seed), [64, 1]).params;
    const trained = train((p: typeof init) => losses.mse(net.apply(p, xs), y), init, 0.01, 1000);
    return max(abs(sub(net.apply(trained, xs), y))).item();
  };

  it("for random smooth 1-D targets, 64 hidden units fit to a max error < 0.1, and beat 3 units", () => {
    fc.assert(
      fc.property(targetArb, fc.nat(1000), (c, seed) => {
        const y = targetOf(c);
        const spread = max(y).item() - min(y).item();
        fc.pre(spread > 0.2); // a near-constant target says nothing about capacity
        const big = maxError(64, y, seed);
        const tiny = maxError(3, y, seed);
        assert.ok(big < 0.1, `64 units: max error ${big} (target spread ${spread})`);
        assert.ok(big < tiny, `64 units (${big}) should fit better than 3 units (${tiny})`);
      }),
      { numRuns: 8 },
    );
  });
});
