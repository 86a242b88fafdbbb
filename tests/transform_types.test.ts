/**
 * The transforms' types: these lines must type-check (deno test checks them)
 * and give the documented values.
 */
import { assert, describe, it } from "./lib/test.ts";
import { grad, hessian, jacfwd, jvp, mul, sin, sum, type Tensor, tensor, valueAndGrad, vjpOf } from "../mod.ts";

describe("transform types", () => {
  it("grad composes inline, also over ops typed on TensorLike", () => {
    const a: Tensor = grad(grad((x: Tensor) => sin(x)))(tensor(0.5, { dtype: "float64" }));
    const b: Tensor = grad(grad(sin))(tensor(0.5, { dtype: "float64" }));
    const c: Tensor = grad(grad(grad(sin)))(tensor(0.5, { dtype: "float64" }));
    assert.equal(a.item(), -Math.sin(0.5));
    assert.equal(b.item(), -Math.sin(0.5));
    assert.equal(c.item(), -Math.cos(0.5));
  });

  it("argnums tuples give tuples of gradients; jacobians of tensors are tensors", () => {
    const [gx, gy]: [Tensor, Tensor] = grad((x: Tensor, _y: Tensor) => sum(sin(x)), { argnums: [0, 1] })(
      tensor(0),
      tensor(2),
    );
    assert.equal(gx.item(), 1);
    assert.equal(gy.item(), 0);
    const [v, g]: [Tensor, Tensor] = valueAndGrad((x: Tensor) => sum(sin(x)))(tensor([0]));
    assert.equal(v.item() + g.size, 1);
    const j: Tensor = jacfwd(sin)(tensor([0]));
    const h: Tensor = hessian((x: Tensor) => sum(sin(x)))(tensor([0, 0]));
    assert.deepEqual([j.shape, h.shape], [[1, 1], [2, 2]]);
  });

  it("vjpOf's pullback is typed by argnums; jvp with hasAux returns the aux's type", () => {
    const f = (w: Tensor, x: { a: Tensor }, _n: number) => sum(mul(w, x.a));
    const args = [tensor([1, 2]), { a: tensor([3, 4]) }, 7] as const;
    const [, one] = vjpOf(f, { argnums: 1 })(...args);
    const gx: { a: Tensor } = one(tensor(1));
    const [, two] = vjpOf(f, { argnums: [1, 0] })(...args);
    const [gx2, gw]: [{ a: Tensor }, Tensor] = two(tensor(1));
    assert.deepEqual([gx.a.toArray(), gx2.a.toArray(), gw.toArray()], [[1, 2], [1, 2], [3, 4]]);
    const [, dy, label]: [Tensor, Tensor, string] = jvp((x: Tensor): [Tensor, string] => [sin(x), "sin"], [tensor(0)], [
      tensor(1),
    ], { hasAux: true });
    assert.deepEqual([dy.item(), label], [1, "sin"]);
  });
});
