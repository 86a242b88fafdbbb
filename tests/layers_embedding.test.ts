/**
 * The embedding layer: rows of the table for int32 ids of any shape; the
 * table's initialization (N(0, 1), as PyTorch); its gradient (each id's
 * output gradients added into its row) by hand and by `checkGrads`;
 * out-of-range ids (negatives included) and non-int32 ids as errors that
 * name the layer and the id; symbolic ids under `trace`.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import { cast, DTypeError, grad, layers, mul, random, sum, type Tensor, tensor, trace, ValueError } from "../mod.ts";
import { checkGrads } from "../testing/mod.ts";

const vals = (t: Tensor): number[] => [...t.toTypedArray()];
const ids = (v: number[][] | number[]) => tensor(v, { dtype: "int32" });

describe("embedding", () => {
  const emb = layers.embedding(5, 3);
  const table = tensor([[0, 0, 0], [1, 1, 1], [2, 4, 8], [-1, 0, 1], [9, 9, 9]]);

  it("looks up one row per id, for ids of any shape", () => {
    assert.deepEqual(emb.apply({ table }, ids([2, 0, 2])).toArray(), [[2, 4, 8], [0, 0, 0], [2, 4, 8]]);
    const y = emb.apply({ table }, ids([[4, 3], [1, 1]]));
    assert.deepEqual(y.shape, [2, 2, 3]);
    assert.deepEqual(y.toArray(), [[[9, 9, 9], [-1, 0, 1]], [[1, 1, 1], [1, 1, 1]]]);
    assert.deepEqual(emb.apply({ table }, tensor(3, { dtype: "int32" })).toArray(), [-1, 0, 1]);
  });

  it("init: a [vocab, dim] table of N(0, 1) samples from the key; output shape [...ids, dim]", () => {
    const k = random.key(2);
    const { params, state, outputShape } = emb.init(k, [8, 10]);
    assert.deepEqual([params.table.shape, state, outputShape], [[5, 3], {}, [8, 10, 3]]);
    assert.deepEqual(vals(params.table), vals(random.normal(k, [5, 3])));
    const custom = layers.embedding(4, 2, { init: layers.initializers.constant(0.5) }).init(k, [1]);
    assert.deepEqual(vals(custom.params.table), new Array(8).fill(0.5));
  });

  it("the table's gradient adds up each id's output gradients in its row (by hand)", () => {
    const w = tensor([[1, 2, 3], [4, 5, 6]]); // weights the outputs, so each row's gradient is visible
    const g = grad((t: Tensor) => sum(mul(emb.apply({ table: t }, ids([2, 0, 2])), sum(w, 0, true))))(table);
    assert.deepEqual(g.toArray(), [[5, 7, 9], [0, 0, 0], [10, 14, 18], [0, 0, 0], [0, 0, 0]]);
  });

  it("its gradient matches finite differences (float64, order 2)", () =>
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 6 }), fc.nat(), (list, seed) => {
        const t = cast(random.normal(random.key(seed), [5, 3]), "float64");
        checkGrads((t: Tensor) => emb.apply({ table: t }, ids(list)), [t], { order: 2, seed });
      }),
      { numRuns: 20 },
    ));

  it("an id out of range, negatives included, is a ValueError naming the id and its position", () => {
    assert.throws(() => emb.apply({ table }, ids([1, 5])), (e) =>
      e instanceof ValueError &&
      /embedding: id 5 \(at flat position 1 of ids \[2\]\) is out of range for a vocabulary of 5/.test(e.message));
    assert.throws(
      () => emb.apply({ table }, ids([[0, 1], [-1, 2]])),
      (e) => e instanceof ValueError && /id -1 \(at flat position 2/.test(e.message),
    );
  });

  it("ids that are not int32 are a DTypeError", () => {
    assert.throws(
      () => emb.apply({ table }, tensor([1, 2])),
      (e) => e instanceof DTypeError && /embedding: ids must be an int32 tensor, got dtype float32/.test(e.message),
    );
  });

  it("bad sizes are ValueErrors", () => {
    assert.throws(() => layers.embedding(0, 3), (e) => e instanceof ValueError && /embedding: vocab/.test(e.message));
    assert.throws(() => layers.embedding(3, 2.5), (e) => e instanceof ValueError && /embedding: dim/.test(e.message));
  });

  it("symbolic ids (inside trace) are left to the gather, which checks them when the graph runs", () => {
    const g = trace((i: Tensor) => emb.apply({ table }, i), ids([0, 1]));
    assert.deepEqual(g.outputs[0].shape, [2, 3]);
  });

  it("mutates neither the ids nor the table", () => {
    const i = ids([3, 1]);
    emb.apply({ table }, i);
    assert.deepEqual(vals(i), [3, 1]);
    assert.deepEqual(vals(table), [0, 0, 0, 1, 1, 1, 2, 4, 8, -1, 0, 1, 9, 9, 9]);
  });
});
