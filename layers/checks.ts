/**
 * Argument checks shared by the layers, so their errors read alike: each
 * names the layer the user built and says what was expected.
 *
 * @module
 */
import { ShapeError, ValueError } from "../core/errors.ts";
import { formatShape, type Shape } from "../core/shape.ts";

export { positiveInt } from "../core/args.ts";

/**
 * @internal An input shape for `init` (non-negative integers, rank at least
 * `minRank`, or exactly `rank`), or an error naming the layer.
 */
export const inputShape = (
  op: string,
  shape: unknown,
  rank: { readonly min?: number; readonly exact?: number },
): Shape => {
  if (!Array.isArray(shape) || shape.some((d) => typeof d !== "number" || !Number.isSafeInteger(d) || d < 0)) {
    throw new ValueError(op, `inputShape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (rank.exact !== undefined && shape.length !== rank.exact) {
    throw new ShapeError(op, `expects inputs of rank ${rank.exact}, got inputShape ${formatShape(shape)}`);
  }
  if (rank.min !== undefined && shape.length < rank.min) {
    throw new ShapeError(op, `expects inputs of rank ≥ ${rank.min}, got inputShape ${formatShape(shape)}`);
  }
  return shape;
};
