/**
 * The backend boundary: storage is an opaque handle owned by the backend
 * that made it. Each tensor records its backend, `dispose` returns storage
 * to that owner, every read goes through it (synchronously where it can,
 * `await t.data()` / `t.array()` everywhere), host-storage backends share
 * tensors freely, and a backend with storage elsewhere rejects foreign
 * operands until `toBackend` moves them.
 *
 * The backend with storage elsewhere is simulated: "far" wraps every TS
 * kernel so that its buffers are boxes, not typed arrays, and a kernel
 * handed anything else fails; "far-async" can only be read asynchronously,
 * as a GPU backend would be.
 */
import { assert, describe, it } from "./lib/test.ts";
import { BACKENDS, forEachBackend, openblas, withBackend } from "./lib/backends.ts";
import {
  add,
  dispose,
  exp,
  fuse,
  gather,
  grad,
  matmul,
  mul,
  registerBackend,
  sum,
  type Tensor,
  tensor,
  toBackend,
} from "../mod.ts";
import type { Backend, Buf } from "../backends/backend.ts";
import { hostBackend } from "../backends/host.ts";
import { tsKernels } from "../backends/ts/backend.ts";
import type { TypedArray } from "../core/dtype.ts";
import { BackendError, TransformError, ValueError } from "../core/errors.ts";
import { ConcreteTensor } from "../core/tensor.ts";

const concrete = (t: Tensor) => t as ConcreteTensor;

/** A buffer of the simulated far backend: the data sits behind a private field. */
class Box {
  readonly #data: TypedArray;
  constructor(data: TypedArray) {
    this.#data = data;
  }
  static open(x: unknown, kernel: string): TypedArray {
    if (!(x instanceof Box)) throw new TypeError(`far.${kernel} was handed a buffer it does not own`);
    return x.#data;
  }
}

/** Every TS kernel with its buffers boxed: arguments unboxed (or refused), results boxed. */
function farBackend(name: string, syncRead: boolean): Backend {
  const isBufArg = (x: unknown) => ArrayBuffer.isView(x) || x instanceof Box;
  const unbox = (x: unknown, k: string): unknown =>
    isBufArg(x)
      ? Box.open(x, k)
      : Array.isArray(x) && x.length > 0 && x.every(isBufArg)
      ? x.map((y) => Box.open(y, k))
      : x;
  const box = (r: unknown): unknown =>
    ArrayBuffer.isView(r) ? new Box(r as TypedArray) : Array.isArray(r) ? r.map(box) : r;
  const kernels: Record<string, unknown> = { name, hostStorage: false };
  for (const [k, v] of Object.entries(tsKernels)) {
    if (typeof v !== "function") continue;
    kernels[k] = (...args: unknown[]) => box((v as (...a: unknown[]) => unknown)(...args.map((a) => unbox(a, k))));
  }
  const released: Buf[] = [];
  Object.assign(kernels, {
    released,
    release: (buf: Buf) => void released.push(buf),
    fromTypedArray: (data: TypedArray) => new Box(data),
    toTypedArray: (buf: Buf) => {
      if (!syncRead) throw new BackendError("toTypedArray", `${name} storage can only be read with await t.data()`);
      return Box.open(buf, "toTypedArray");
    },
    read: (buf: Buf) => Promise.resolve(Box.open(buf, "read").slice()),
  });
  return kernels as unknown as Backend;
}

const far = farBackend("far", true), farAsync = farBackend("far-async", false);
registerBackend("far", () => far);
registerBackend("far-async", () => farAsync);
const releasedBy = (b: Backend) => (b as unknown as { released: Buf[] }).released;

describe("each tensor records the backend that made it", () => {
  it("ops record the active backend; host backends take each other's tensors unchanged", () => {
    const x = withBackend("ts", () => tensor([1, 2, 3]));
    assert.equal(concrete(x).backend.name, "ts");
    for (const name of BACKENDS) {
      if (name === "openblas" && openblas === undefined) continue;
      withBackend(name, () => {
        const y = add(x, 1);
        assert.equal(concrete(y).backend.name, name);
        assert.deepEqual(y.toArray(), [2, 3, 4]);
        assert.equal(toBackend(y, "ts"), y, "host to host moves nothing");
      });
    }
  });

  it("dispose returns storage to the owner, not to whichever backend is active", () => {
    const y = withBackend("far", () => exp(tensor([0, 1])));
    const before = releasedBy(far).length;
    withBackend("ts", () => dispose(y));
    assert.equal(releasedBy(far).length, before + 1);
    assert.equal(releasedBy(far).at(-1), concrete(y).buf);
  });
});

describe("reads go through the owning backend", () => {
  forEachBackend((backend, it) =>
    describe(`await data() and array() [${backend}]`, () => {
      it("give fresh copies equal to the synchronous reads", async () => {
        const x = mul(tensor([[1, 2], [3, 4]]), 2);
        const d = await x.data();
        assert.deepEqual([...d], [2, 4, 6, 8]);
        assert.deepEqual(await x.array(), x.toArray());
        d[0] = 99;
        assert.deepEqual(x.toArray(), [[2, 4], [6, 8]], "the copy is the caller's");
        assert.equal(await tensor(5).array(), 5);
      });
    })
  );

  it("a backend with only asynchronous reads: sync reads throw a BackendError, await data() works", async () => {
    const y = withBackend("far-async", () => add(tensor([1, 2]), tensor([10, 20])));
    assert.throws(() => y.toArray(), (e) => e instanceof BackendError && /await t\.data\(\)/.test(e.message));
    assert.throws(() => sum(y).item(), BackendError);
    assert.deepEqual(await y.array(), [11, 22]);
    assert.deepEqual([...await y.data()], [11, 22]);
  });
});

describe("a backend whose storage is not host memory", () => {
  it("runs every kind of op on its own buffers (elementwise, matmul, gather indices, fuse, grad)", () => {
    withBackend("far", () => {
      const x = tensor([[1, 2], [3, 4]]);
      assert.ok(!ArrayBuffer.isView(concrete(x).buf), "storage is a handle, not an array");
      assert.deepEqual(matmul(x, x).toArray(), [[7, 10], [15, 22]]);
      assert.deepEqual(gather(x, tensor([-1, 0], { dtype: "int32" }), 1).toArray(), [[2, 1], [4, 3]]);
      assert.deepEqual(fuse((a: Tensor) => mul(add(a, 1), 2))(x).toArray(), [[4, 6], [8, 10]]);
      assert.deepEqual(grad((a: Tensor) => sum(mul(a, a)))(x).toArray(), [[2, 4], [6, 8]]);
    });
  });

  it("gather range errors come from the kernel, naming the op and the index", () => {
    withBackend("far", () => {
      const x = tensor([1, 2, 3]);
      assert.throws(
        () => gather(x, tensor([0, 3], { dtype: "int32" }), 0),
        (e) =>
          e instanceof ValueError && /^gather: index 3 \(at flat position 1\) is out of range for an axis of size 3/
            .test(e.message),
      );
      assert.throws(() => gather(x, tensor([-4], { dtype: "int32" }), 0), /gather: index -4/);
    });
  });

  it("an op mixing it with a host backend is a BackendError naming the op, the operand and both backends", () => {
    const y = withBackend("far", () => tensor([1, 2]));
    const h = withBackend("ts", () => tensor([3, 4]));
    const msg = /add: operand 1 lives on the "far" backend but "ts" is active.*toBackend\(x, "ts"\)/;
    withBackend("ts", () => assert.throws(() => add(h, y), (e) => e instanceof BackendError && msg.test(e.message)));
    withBackend("far", () => assert.throws(() => add(y, h), /add: operand 1 lives on the "ts" backend but "far"/));
    withBackend(
      "ts",
      () => assert.throws(() => fuse((a: Tensor) => exp(a))(y), /fuse: operand 0 lives on the "far" backend/),
    );
  });

  it("toBackend moves a tree both ways, leaving other leaves and the inputs alone", () => {
    const params = withBackend("ts", () => ({ w: tensor([[1, 2]]), b: [tensor(3)], step: 7 }));
    const there = toBackend(params, "far");
    assert.equal(there.step, 7);
    assert.equal(concrete(there.w).backend, far);
    assert.equal(concrete(params.w).backend.name, "ts", "the input tree is unchanged");
    const doubled = withBackend("far", () => ({ w: mul(there.w, 2), b: [mul(there.b[0], 2)], step: 7 }));
    const back = toBackend(doubled, "ts");
    assert.equal(concrete(back.w).backend.name, "ts");
    withBackend("ts", () => assert.deepEqual(add(back.w, params.w).toArray(), [[3, 6]]));
    assert.equal(back.b[0].item(), 6);
    assert.equal(toBackend(there, "far").w, there.w, "already there: the same tensor");
  });

  it("toBackend refuses traced values and disposed tensors, and names unknown backends", () => {
    assert.throws(
      () => grad((a: Tensor) => sum(toBackend(a, "ts")))(tensor([1])),
      (e) => e instanceof TransformError && /toBackend: cannot move a traced value/.test(e.message),
    );
    const d = exp(tensor([1]));
    dispose(d);
    assert.throws(() => toBackend(d, "far"), /toBackend: a tensor was disposed/);
    assert.throws(() => toBackend(tensor(1), "nowhere"), /unknown backend "nowhere"/);
  });
});

describe("the host backend adapter", () => {
  it("hostBackend's buffers are the arrays themselves; read resolves to a copy", async () => {
    const be = hostBackend({ ...tsKernels, name: "host-check" });
    const data = Float32Array.of(1, 2);
    const buf = be.fromTypedArray(data);
    assert.equal(be.toTypedArray(buf), data);
    const copy = await be.read(buf);
    assert.notEqual(copy, data);
    assert.deepEqual([...copy], [1, 2]);
    assert.equal(be.hostStorage, true);
  });
});
