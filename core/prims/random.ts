/**
 * The `random` primitive: draws from PRNG keys held as tensors (int32 word
 * pairs, `[…, 2]`), so sampling runs on the backend's kernel, is staged by
 * `trace` and `jit` (a jitted step draws new numbers for every key it is
 * given) and batches under `vmap` (a batch of keys draws one sample each).
 * What is drawn (`RandomDraw`) and the exact maps from Threefry words to
 * numbers are documented in `core/random/mod.ts`.
 *
 * Random numbers have no derivative with respect to the key: the rules
 * return symbolic zeros.
 *
 * @module
 */
import type { RandomDraw } from "../../backends/backend.ts";
import { DTypeError, ShapeError } from "../errors.ts";
import { definePrimitive, type Primitive } from "../primitive.ts";
import { drawDType } from "../random/draw_dtype.ts";
import { formatShape, type Shape, shapeEqual, sizeOf } from "../shape.ts";
import type { Tensor } from "../tensor.ts";
import { bind } from "../trace.ts";
import { broadcastTo, transpose } from "./shape.ts";

/** The primitive's attributes: the draw and the shape it gives per key. */
interface RandomParams {
  readonly draw: RandomDraw;
  readonly shape: Shape;
  readonly [k: string]: unknown;
}

const randomP: Primitive<RandomParams> = definePrimitive({
  name: "random",
  abstractEval: ([keys, data], { draw, shape }) => {
    if (keys.dtype !== "int32" || keys.shape.at(-1) !== 2) {
      throw new DTypeError(
        "random",
        `keys must be int32 word pairs [..., 2], got ${keys.dtype}${formatShape(keys.shape)}`,
      );
    }
    const batch = keys.shape.slice(0, -1);
    if (
      data !== undefined && ((data.dtype !== "int32" && data.dtype !== "float64") || !shapeEqual(data.shape, batch))
    ) {
      throw new ShapeError(
        "random",
        `foldIn data must be int32 or float64 ${formatShape(batch)} (one per key), got ` +
          `${data.dtype}${formatShape(data.shape)}`,
      );
    }
    return { shape: [...batch, ...shape], dtype: drawDType(draw) };
  },
  impl: (b, [keys, data], { draw }) => b.random(draw, keys.buf, sizeOf(keys.shape) / 2, data?.buf ?? null),
  // A batch of keys (and of foldIn data) is one more leading key axis.
  batch: (args, dims, p, size) => [bind(randomP, args.map((x, i) => atFront(x, dims[i], size)), p), 0],
  jvp: () => null,
  vjp: (_g, args) => args.map(() => null),
});

/**
 * `x` batched at axis 0 (as `batching.ts`'s `batchedAtFront`, which this
 * module cannot import: loading it first breaks the primitive modules' cycle).
 */
const atFront = (x: Tensor, dim: number | null, size: number): Tensor => {
  if (dim === null) return broadcastTo(x, [size, ...x.shape]);
  if (dim === 0) return x;
  return transpose(x, [dim, ...x.shape.map((_, i) => i).filter((i) => i !== dim)]);
};

/**
 * @internal Draws `draw` from the keys `keys` (`[…batch, 2]` int32), giving
 * `[…batch, …shape]`; `data` (`[…batch]` int32) is the data of a `foldIn`
 * whose data is a tensor. The callers (`core/random`) check the draw.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tensor } from "../creation.ts";
 * import { drawRandom } from "./random.ts";
 * const keys = tensor([[0, 1], [0, 2]], { dtype: "int32" });
 * const u = drawRandom(keys, { kind: "uniform", size: 3, dtype: "float32", lo: 0, hi: 1 }, [3]);
 * assert.deepEqual(u.shape, [2, 3]);
 * ```
 */
export const drawRandom = (keys: Tensor, draw: RandomDraw, shape: Shape, data?: Tensor): Tensor =>
  bind(randomP, data === undefined ? [keys] : [keys, data], { draw, shape });
