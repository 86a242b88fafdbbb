/**
 * Numerically careful building blocks for the losses, composed from core
 * ops (`softplus` is the core's primitive, whose derivative σ(x) is right
 * at every order, also at 0).
 *
 * @module
 */
import { abs, equal, less, log, logicalAnd, maximum, mul, softplus, where } from "../core/ops/mod.ts";
import type { Tensor } from "../core/tensor.ts";

/**
 * @internal a·b with 0·(±∞) taken as 0 (as in entropies, 0·log 0 = 0): a
 * zero weight on an infinite log-probability contributes nothing, so a
 * hard label does not turn the limit at a ±∞ logit into NaN. Elsewhere it is
 * a·b, with the same derivatives (at a dropped point the derivative in `a`
 * is taken as 0).
 */
export const weighted = (a: Tensor, b: Tensor): Tensor => {
  const drop = logicalAnd(equal(a, 0), equal(abs(b), Infinity));
  return mul(a, where(drop, 0, b));
};

/**
 * @internal max(log p, −100), the clamp of PyTorch's `BCELoss`, with log 0
 * taken as −100 without computing log 0 (whose derivative, 1/0, would
 * reach the gradient through the clamp as 0·∞ = NaN). Negative and NaN
 * inputs give NaN.
 */
export const clampedLog = (p: Tensor): Tensor => {
  const zero = equal(p, 0);
  return where(zero, -100, maximum(log(where(zero, 1, p)), -100));
};

/**
 * @internal log(softplus(ρ)), the log-scale of a softplus-linked σ. Below
 * ρ = −30, softplus(ρ) = e^ρ(1 − e^ρ/2 + …), so its log is ρ to within
 * e^ρ/2 < 5e-14: taking ρ there keeps log σ finite where softplus itself
 * underflows to 0 (ρ < −745 in float64, −104 in float32).
 */
export const logSoftplus = (rho: Tensor): Tensor => {
  const small = less(rho, -30);
  return where(small, rho, log(softplus(where(small, 0, rho))));
};
