/**
 * Shuffled mini-batches: one epoch is a permutation of the examples drawn
 * from a key, cut into batches. A new key per epoch
 * (`random.foldIn(key, epoch)`) reshuffles; the same key gives the same
 * batches on every runtime.
 *
 * @module
 */
import { tensor } from "../core/creation.ts";
import { ValueError } from "../core/errors.ts";
import { checkKey, type Key } from "../core/random/key.ts";
import { permutation } from "../core/random/mod.ts";
import type { Tensor } from "../core/tensor.ts";
import { leadingSize, positiveInt, takeRows } from "./rows.ts";

/** Options of `batches` and `batchIndices`. */
export interface BatchOptions {
  /**
   * Drop the last batch when it is smaller than `batchSize` (default false:
   * every example is in exactly one batch, the last batch may be short).
   */
  readonly dropLast?: boolean;
}

/**
 * One epoch of mini-batches: iterable (again and again, in the same order),
 * with its number of batches and random access. Each batch is gathered when
 * it is reached, so an epoch never holds a second copy of the data set.
 */
export interface Batches<T> extends Iterable<T> {
  /** The number of batches. */
  readonly length: number;
  /** The number of examples the batches hold together. */
  readonly examples: number;
  /** Batch `i` (0 ≤ i < length). */
  at(i: number): T;
}

/**
 * The example indices of each batch of one epoch, as int32 tensors: a
 * permutation of `0, …, n − 1` drawn from `key` (`random.permutation`), or
 * the examples in order when `key` is `null`, cut into runs of `batchSize`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { data, random } from "../mod.ts";
 * const idx = data.batchIndices(random.key(0), 5, 2);
 * assert.deepEqual(idx.map((t) => t.shape[0]), [2, 2, 1]);
 * assert.deepEqual(idx.flatMap((t) => t.toArray() as number[]).sort(), [0, 1, 2, 3, 4]);
 * assert.deepEqual(data.batchIndices(null, 5, 2, { dropLast: true }).map((t) => t.toArray()), [[0, 1], [2, 3]]);
 * ```
 */
export const batchIndices = (key: Key | null, n: number, batchSize: number, opts: BatchOptions = {}): Tensor[] => {
  if (!Number.isSafeInteger(n) || n < 0) throw new ValueError("batchIndices", `n must be an integer ≥ 0, got ${n}`);
  return cut("batchIndices", key, n, batchSize, opts);
};

const cut = (op: string, key: Key | null, n: number, batchSize: number, opts: BatchOptions): Tensor[] => {
  const b = positiveInt(op, "batchSize", batchSize);
  let order: Int32Array;
  if (key === null) order = Int32Array.from({ length: n }, (_, i) => i);
  else order = permutation(checkKey(op, key), n).toTypedArray() as Int32Array;
  const count = opts.dropLast === true ? Math.floor(n / b) : Math.ceil(n / b);
  const out = new Array<Tensor>(count);
  for (let i = 0; i < count; i++) out[i] = tensor(order.subarray(i * b, Math.min(n, (i + 1) * b)));
  return out;
};

/**
 * The mini-batches of one epoch of `arrays` (a tensor or a tree of tensors
 * that share their leading axis, such as `{ x, y }` or `[x, y]`): each batch
 * is a tree of the same structure holding `batchSize` examples (the last
 * one fewer, unless `dropLast`), taken in a permutation drawn from `key`, or
 * in order when `key` is `null`. Pass `random.foldIn(key, epoch)` to draw a
 * new order each epoch. Arrays with different leading sizes are a
 * `ShapeError`.
 *
 * @example Two epochs over 5 examples
 * ```ts
 * import assert from "node:assert/strict";
 * import { data, random, tensor } from "../mod.ts";
 * const x = tensor([[0], [1], [2], [3], [4]]);
 * const y = tensor([0, 10, 20, 30, 40]);
 * const key = random.key(0);
 * for (let epoch = 0; epoch < 2; epoch++) {
 *   const epochBatches = data.batches(random.foldIn(key, epoch), { x, y }, 2);
 *   assert.equal(epochBatches.length, 3);
 *   const seen: number[] = [];
 *   for (const b of epochBatches) {
 *     assert.deepEqual((b.y.toArray() as number[]), (b.x.toArray() as number[][]).map(([v]) => 10 * v));
 *     seen.push(...(b.x.toArray() as number[][]).map(([v]) => v));
 *   }
 *   assert.deepEqual(seen.sort(), [0, 1, 2, 3, 4]); // every example once
 * }
 * assert.throws(() => data.batches(key, { x, y: tensor([1, 2]) }, 2), /batches: leading sizes differ/);
 * ```
 */
export const batches = <T>(key: Key | null, arrays: T, batchSize: number, opts: BatchOptions = {}): Batches<T> => {
  const n = leadingSize("batches", arrays);
  const idx = cut("batches", key, n, batchSize, opts);
  const at = (i: number): T => {
    if (!Number.isInteger(i) || i < 0 || i >= idx.length) {
      throw new ValueError("batches", `batch index ${i} is out of range for ${idx.length} batches`);
    }
    return takeRows(arrays, idx[i]);
  };
  return {
    length: idx.length,
    examples: idx.reduce((s, t) => s + t.shape[0], 0),
    at,
    *[Symbol.iterator]() {
      for (let i = 0; i < idx.length; i++) yield takeRows(arrays, idx[i]);
    },
  };
};
