/**
 * Constructors and tensor properties against the nested-array reference: `tensor` from
 * nested arrays, numbers, booleans and typed arrays; zeros, ones, full, arange,
 * linspace, eye; `item`; and the errors for ragged or non-numeric input.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import {
  arange,
  cast,
  type DType,
  DTypeError,
  equal,
  eye,
  full,
  linspace,
  type NestedArray,
  ones,
  onesLike,
  scalar,
  tensor,
  ValueError,
  zeros,
  zerosLike,
} from "../mod.ts";
import { shapeArb } from "../testing/mod.ts";
import { data, dtypeArb, poolArb, rounded, sizeOf } from "./lib/reference.ts";

// =============================================================== constructors

/** Nested arrays of a shape from flat values. */
const nestValues = (vals: readonly number[], shape: readonly number[]): NestedArray => {
  if (shape.length === 0) return vals[0];
  const stride = sizeOf(shape.slice(1));
  return Array.from(
    { length: shape[0] },
    (_, i) => nestValues(vals.slice(i * stride, (i + 1) * stride), shape.slice(1)),
  );
};

describe("constructors", () => {
  it("tensor(nested arrays) has the nested shape and round-trips through toArray (property)", () => {
    fc.assert(
      fc.property(shapeArb({ maxDim: 4 }), poolArb, dtypeArb, (shape, pool, dtype) => {
        const vals = pool.slice(0, sizeOf(shape));
        const nested = nestValues(vals, shape);
        const t = tensor(nested as never, { dtype });
        assert.deepEqual(t.shape, shape);
        assert.equal(t.dtype, dtype);
        assert.equal(t.size, sizeOf(shape));
        assert.equal(t.ndim, shape.length);
        assert.deepEqual(t.toArray(), nestValues(vals.map((v) => rounded(v, dtype)), shape));
        assert.deepEqual(tensor(t.toArray() as never, { dtype }).toTypedArray(), t.toTypedArray());
      }),
    );
  });

  it("tensor of a number, boolean, and typed arrays keeps the right dtype and shape", () => {
    assert.deepEqual([tensor(2.5).dtype, tensor(2.5).shape, tensor(2.5).item()], ["float32", [], 2.5]);
    assert.deepEqual([tensor(true).dtype, tensor(true).item()], ["bool", 1]);
    assert.deepEqual([tensor(false, { dtype: "float64" }).dtype, tensor(false, { dtype: "float64" }).item()], [
      "float64",
      0,
    ]);
    assert.deepEqual(tensor([true, false]).toArray(), [1, 0]);
    assert.equal(tensor([true, false]).dtype, "bool");
    assert.equal(tensor(Float32Array.of(1, 2)).dtype, "float32");
    assert.equal(tensor(Float64Array.of(1, 2)).dtype, "float64");
    assert.equal(tensor(Int32Array.of(1, 2)).dtype, "int32");
    assert.equal(tensor(Uint8Array.of(1, 0), { dtype: "bool" }).dtype, "bool");
    assert.throws(() => tensor(Uint8Array.of(1, 0)), /Uint8Array needs an explicit dtype/);
    assert.deepEqual(tensor(Int32Array.of(1, 2, 3, 4, 5, 6), { shape: [3, 2] }).toArray(), [[1, 2], [3, 4], [5, 6]]);
    assert.deepEqual(tensor(Float64Array.of(1.7, -1.7), { dtype: "int32" }).toArray(), [1, -1]);
    assert.deepEqual(tensor([0, 2, -1], { dtype: "bool" }).toArray(), [0, 1, 1]);
    assert.deepEqual(tensor([1.5, -2.5], { dtype: "int32" }).toArray(), [1, -2]);
    assert.deepEqual(tensor(1e-50, { dtype: "float32" }).item(), 0);
    assert.deepEqual(tensor([]).shape, [0]);
    assert.deepEqual(tensor([[]]).shape, [1, 0]);
    assert.deepEqual(tensor(7, { shape: [1, 1] }).toArray(), [[7]]);
    assert.deepEqual(tensor([1, 2, 3, 4], { shape: [2, 2] }).toArray(), [[1, 2], [3, 4]]);
    assert.deepEqual(scalar(3).shape, []);
    assert.equal(scalar(3, "int32").dtype, "int32");
    assert.ok(String(tensor([[1, 2], [3, 4]])).startsWith("Tensor(float32[2,2]"));
  });

  it("a Uint8Array tensor is a proper bool tensor (bytes other than 0/1 become 1)", () => {
    const u = tensor(Uint8Array.of(0, 2, 255), { dtype: "bool" });
    assert.deepEqual(u.toArray(), [0, 1, 1]);
    assert.deepEqual(cast(u, "float32").toArray(), [0, 1, 1]);
    assert.deepEqual(equal(u, tensor([true, true, true])).toArray(), [0, 1, 1]);
  });

  it("a ragged nested array is a ValueError naming the position", () => {
    assert.throws(
      () => tensor([[1, 2], [3]] as never),
      (e: unknown) =>
        e instanceof ValueError &&
        /^tensor: ragged nested array: at \[1\] expected an array of length 2, got length 1/.test(e.message),
    );
    assert.throws(() => tensor([[1, 2], 3] as never), /ragged nested array: at \[1\] .* got number/);
    assert.throws(() => tensor([1, [2]] as never), /element at \[1\] is an array/);
    assert.throws(
      () => tensor([[[1], [2]], [[3], [4, 5]]] as never),
      /at \[1,1\] expected an array of length 1, got length 2/,
    );
    assert.throws(() => tensor([[], [1]] as never), ValueError);
  });

  it("a non-numeric element is a ValueError naming its position and type", () => {
    assert.throws(
      () => tensor([[1, "a"]] as never),
      (e: unknown) => e instanceof ValueError && /element at \[0,1\] is string/.test(e.message),
    );
    assert.throws(() => tensor([1, null] as never), /element at \[1\] is object/);
    assert.throws(() => tensor([[1, 2], [3, undefined]] as never), /element at \[1,1\] is undefined/);
    assert.throws(() => tensor([1n] as never), /element at \[0\] is bigint/);
    // a hole in a sparse array
    // deno-lint-ignore no-sparse-arrays
    assert.throws(() => tensor([1, , 3] as never), /element at \[1\] is undefined/);
    assert.throws(
      () => tensor("abc" as never),
      /tensor: expected a number, boolean, nested array or typed array, got string/,
    );
    assert.throws(() => tensor([1, true] as never), /mixes numbers and booleans/);
    assert.throws(() => tensor([1, 2, 3], { shape: [2, 2] }), /3 elements cannot have shape \[2,2\]/);
    assert.throws(
      () => tensor([1], { dtype: "f32" as DType }),
      (e: unknown) => e instanceof DTypeError && /unknown dtype "f32"/.test(e.message),
    );
  });

  it("zeros, ones, full take a shape and dtype; bad shapes are ValueErrors", () => {
    for (const dtype of ["float32", "float64", "int32", "bool"] as const) {
      const z = zeros([2, 3], { dtype });
      assert.deepEqual([z.shape, z.dtype, z.size, data(z)], [[2, 3], dtype, 6, [0, 0, 0, 0, 0, 0]]);
      assert.deepEqual(data(ones([2], { dtype })), [1, 1]);
    }
    assert.deepEqual(full([2], 7).toArray(), [7, 7]);
    assert.deepEqual(full([], 3).shape, []);
    assert.deepEqual(full([2], 2.5, { dtype: "int32" }).toArray(), [2, 2]);
    assert.deepEqual(zeros([0, 3]).shape, [0, 3]);
    assert.equal(zeros([0, 3]).size, 0);
    assert.deepEqual(zerosLike(tensor([[1.5]], { dtype: "float64" })).dtype, "float64");
    assert.deepEqual(onesLike(tensor([1], { dtype: "int32" })).toArray(), [1]);
    assert.throws(
      () => zeros([2, -1]),
      (e: unknown) => e instanceof ValueError && /non-negative integers/.test(e.message),
    );
    assert.throws(() => zeros([2.5]), ValueError);
  });

  it("arange: stop, start/stop/step, negative and fractional steps, empty ranges, errors", () => {
    assert.deepEqual(arange(5).toArray(), [0, 1, 2, 3, 4]);
    assert.deepEqual(arange(2, 5).toArray(), [2, 3, 4]);
    assert.deepEqual(arange(5, 2, -1).toArray(), [5, 4, 3]);
    assert.deepEqual(arange(1, 2, 0.25, { dtype: "float64" }).toArray(), [1, 1.25, 1.5, 1.75]);
    assert.deepEqual(arange(0, 1, 0.3, { dtype: "float64" }).size, 4);
    assert.deepEqual(arange(5, 2).shape, [0]);
    assert.equal(arange(3, { dtype: "int32" }).dtype, "int32");
    assert.throws(() => arange(0, 1, 0), /arange: step must not be 0/);
    assert.throws(() => arange(Infinity), /arange: stop must be finite/);
    assert.throws(() => arange(NaN), ValueError);
  });

  it("linspace includes both ends exactly; eye is the identity (rectangular too)", () => {
    assert.deepEqual(linspace(0, 1, 5).toArray(), [0, 0.25, 0.5, 0.75, 1]);
    assert.deepEqual(linspace(1, 0, 3, { dtype: "float64" }).toArray(), [1, 0.5, 0]);
    assert.deepEqual(linspace(3, 7, 1).toArray(), [3]);
    assert.deepEqual(linspace(0, 1, 0).shape, [0]);
    const l = linspace(0.1, 0.7, 7, { dtype: "float64" });
    assert.equal(data(l)[6], 0.7);
    assert.throws(() => linspace(0, 1, -1), /linspace: num must be a non-negative integer/);
    assert.throws(() => linspace(0, 1, 2.5), ValueError);
    assert.deepEqual(eye(2).toArray(), [[1, 0], [0, 1]]);
    assert.deepEqual(eye(2, 3).toArray(), [[1, 0, 0], [0, 1, 0]]);
    assert.deepEqual(eye(3, 1, { dtype: "int32" }).toArray(), [[1], [0], [0]]);
    assert.deepEqual(eye(0).shape, [0, 0]);
  });

  it("item reads one-element tensors of any rank and refuses others", () => {
    assert.equal(tensor([[5]]).item(), 5);
    assert.equal(tensor(5).item(), 5);
    assert.throws(() => tensor([1, 2]).item(), /item: expected a tensor with one element, got shape \[2\]/);
    assert.throws(() => zeros([0]).item(), /got shape \[0\]/);
  });
});
