/**
 * Zero constants shaped like an abstract value, for derivative rules that
 * must materialize a symbolic zero.
 *
 * @module
 */
import { full } from "../creation.ts";
import type { Aval, Tensor } from "../tensor.ts";

/** A zero tensor with the shape and dtype of `a`. */
export const zerosFor = (a: Aval): Tensor => full(a.shape, 0, { dtype: a.dtype });
