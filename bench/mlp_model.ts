/**
 * The model the training-step benchmarks share: a 784-512-512-10 ReLU MLP on
 * a fixed batch of 128 random inputs, softmax cross-entropy, and Adam
 * (Kingma & Ba) written with plain elementwise ops, run either op by op or
 * as one fused kernel per parameter (`fuse`).
 *
 * @module
 */
import {
  add,
  dispose,
  div,
  fuse,
  jit,
  logSoftmax,
  matmul,
  mean,
  mul,
  neg,
  oneHot,
  random,
  relu,
  scalar,
  sqrt,
  square,
  sub,
  sum,
  type Tensor,
  tidy,
  tree,
  valueAndGrad,
  zeros,
  zerosLike,
} from "../mod.ts";

/** Layer widths. */
export const SIZES = [784, 512, 512, 10];
/** Examples per step. */
export const BATCH = 128;

/** One dense layer. */
export type Layer = { readonly w: Tensor; readonly b: Tensor };
/** The model's parameters, input layer first. */
export type Params = readonly Layer[];

const keys = random.split(random.key(0), SIZES.length + 1);
/** He-initialised weights, zero biases. */
export const initParams = (): Params =>
  SIZES.slice(1).map((out, i) => ({
    w: random.normal(keys[i], [SIZES[i], out], { std: Math.sqrt(2 / SIZES[i]) }),
    b: zeros([out]),
  }));
/** The fixed batch: inputs and integer labels. */
export const batchInput: Tensor = random.normal(keys[SIZES.length - 1], [BATCH, SIZES[0]]);
/** The fixed batch's labels. */
export const batchLabels: Tensor = random.randint(keys[SIZES.length], [BATCH], 0, 10);

/** Number of parameters (669,706). */
export const PARAM_COUNT = SIZES.slice(1).reduce((n, out, i) => n + SIZES[i] * out + out, 0);

/** The network: ReLU between the dense layers. */
export const forward = (ps: Params, input: Tensor): Tensor =>
  ps.reduce((h, { w, b }, i) => {
    const z = add(matmul(h, w), b);
    return i === ps.length - 1 ? z : relu(z);
  }, input);

/** Softmax cross-entropy of integer labels, from logits. */
export const crossEntropy = (logits: Tensor, y: Tensor): Tensor =>
  neg(mean(sum(mul(logSoftmax(logits, -1), oneHot(y, logits.shape[1])), -1)));

/** Loss and gradient on the fixed batch. */
export const gradStep: (ps: Params) => [Tensor, Params] = valueAndGrad((ps: Params) =>
  crossEntropy(forward(ps, batchInput), batchLabels)
) as (ps: Params) => [Tensor, Params];

const adam = { lr: 1e-3, b1: 0.9, b2: 0.999, eps: 1e-8 };
/** Adam's step count and moment estimates. */
export type AdamState = { readonly t: number; readonly m: Params; readonly v: Params };
/** Adam's state before the first step. */
export const initAdam = (ps: Params): AdamState => ({
  t: 0,
  m: tree.map(zerosLike, ps) as Params,
  v: tree.map(zerosLike, ps) as Params,
});

/** Adam for one parameter: the new parameter and moments (bias correction is in `stepSize`). */
const adamLeaf = (p: Tensor, g: Tensor, m: Tensor, v: Tensor, stepSize: Tensor): Tensor[] => {
  const { b1, b2, eps } = adam;
  const m1 = add(mul(m, b1), mul(g, 1 - b1));
  const v1 = add(mul(v, b2), mul(square(g), 1 - b2));
  return [sub(p, mul(div(m1, add(sqrt(v1), eps)), stepSize)), m1, v1];
};
const adamLeafFused = fuse(adamLeaf);

/** One Adam update of every parameter, fused (one kernel per parameter) or op by op. */
export function adamStep(ps: Params, g: Params, s: AdamState, fused = true): [Params, AdamState] {
  const { lr, b1, b2 } = adam;
  const t = s.t + 1;
  const stepSize = scalar(lr * Math.sqrt(1 - b2 ** t) / (1 - b1 ** t));
  const leaf = fused ? adamLeafFused : adamLeaf;
  const [pl, def] = tree.flatten(ps);
  const [gl, ml, vl] = [g, s.m, s.v].map((x) => tree.leaves(x) as Tensor[]);
  const outs = pl.map((p, i) => leaf(p as Tensor, gl[i], ml[i], vl[i], stepSize));
  const pick = (j: number) => tree.unflatten(def, outs.map((o) => o[j])) as Params;
  return [pick(0), { t, m: pick(1), v: pick(2) }];
}

/**
 * One training step: gradient, then Adam. With `recycle`, the step runs in
 * `tidy` (its temporaries go back to the backend at once) and the previous
 * parameters and moments are disposed, so the next step's arrays reuse their
 * storage instead of fresh memory.
 */
export function trainStep(ps: Params, s: AdamState, fused: boolean, recycle: boolean): [Tensor, Params, AdamState] {
  if (!recycle) {
    const [loss, g] = gradStep(ps);
    return [loss, ...adamStep(ps, g, s, fused)];
  }
  const out = tidy((): [Tensor, Params, AdamState] => {
    const [loss, g] = gradStep(ps);
    return [loss, ...adamStep(ps, g, s, fused)];
  });
  dispose([ps, s.m, s.v]);
  return out;
}

/** A training loop's state and its step (see {@link trainStep}); the step returns the loss. */
export function trainer(fused = true, recycle = false): { step: () => number; params: () => Params } {
  let ps = initParams();
  let state = initAdam(ps);
  return {
    step: () => {
      const [loss, next, nextState] = trainStep(ps, state, fused, recycle);
      [ps, state] = [next, nextState];
      return loss.item();
    },
    params: () => ps,
  };
}

/** The step under `jit` with the parameters and moments donated: loss, new parameters, new moments. */
const jittedStep = jit(
  (ps: Params, m: Params, v: Params, stepSize: Tensor): [Tensor, Params, Params, Params] => {
    const [loss, g] = gradStep(ps);
    const [pl, def] = tree.flatten(ps);
    const [gl, ml, vl] = [g, m, v].map((x) => tree.leaves(x) as Tensor[]);
    const outs = pl.map((p, i) => adamLeaf(p as Tensor, gl[i], ml[i], vl[i], stepSize));
    const pick = (j: number) => tree.unflatten(def, outs.map((o) => o[j])) as Params;
    return [loss, pick(0), pick(1), pick(2)];
  },
  { donate: [0, 1, 2] },
);

/**
 * The training loop of {@link trainer} as a jitted step with donation: the
 * library knows the old parameters and moments are dead, so a loop written
 * without any `dispose` reuses their storage. With `disposeLoss` the loss
 * (the one undonated output) is disposed too.
 */
export function jitTrainer(disposeLoss = false): { step: () => number; params: () => Params } {
  let ps: Params = initParams().map(({ w, b }) => ({ w: add(w, 0), b: add(b, 0) })); // own copies: donated
  let state = initAdam(ps);
  return {
    step: () => {
      const { lr, b1, b2 } = adam;
      const t = state.t + 1;
      const stepSize = scalar(lr * Math.sqrt(1 - b2 ** t) / (1 - b1 ** t));
      const [loss, next, m, v] = jittedStep(ps, state.m, state.v, stepSize);
      [ps, state] = [next, { t, m, v }];
      const l = loss.item();
      if (disposeLoss) dispose(loss);
      return l;
    },
    params: () => ps,
  };
}
