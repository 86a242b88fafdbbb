/**
 * Tensors on more than one backend. Backends whose storage is host typed
 * arrays (`ts`, `openblas`, `wasm`) take each other's tensors as operands
 * unchanged, so `setBackend` between them moves nothing. A backend with
 * storage elsewhere (a GPU) never reads another's buffers behind the user's
 * back: an op mixing them is a `BackendError`, and {@link toBackend} moves
 * tensors explicitly, so every copy between memories is visible in the code.
 *
 * @module
 */
import type { Backend } from "../backends/backend.ts";
import { backendNamed } from "./backend_registry.ts";
import { BackendError, TransformError } from "./errors.ts";
import { ConcreteTensor, disposedError, Tensor } from "./tensor.ts";
import { map } from "./tree/mod.ts";

/**
 * @internal Whether backend `be` can take storage that `owner` made as an
 * operand: its own, or any host-storage backend's when `be` keeps host
 * storage too.
 */
export const canTake = (be: Backend, owner: Backend): boolean => owner === be || (owner.hostStorage && be.hostStorage);

/** @internal Throws unless backend `be` can take every operand's storage (see {@link canTake}). */
export const checkOwners = (op: string, be: Backend, args: readonly ConcreteTensor[]): void => {
  for (let i = 0; i < args.length; i++) {
    const owner = args[i].backend;
    if (!canTake(be, owner)) {
      throw new BackendError(
        op,
        `operand ${i} lives on the "${owner.name}" backend but "${be.name}" is active, and they do not share ` +
          `storage; move it first with toBackend(x, "${be.name}")`,
      );
    }
  }
};

/**
 * Every tensor of `tree` on the backend `name` (`"ts"`, `"openblas"`,
 * `"wasm"`, a registered one, or `"auto"`), other leaves unchanged. A tensor
 * already there, or on a backend with the same kind of host storage, is
 * returned as it is (nothing is copied); any other is copied into storage of
 * the target backend. Traced values cannot be moved: call it outside
 * transforms.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tensor, toBackend } from "../mod.ts";
 * const params = { w: tensor([1, 2]), steps: 3 };
 * const moved = toBackend(params, "ts");
 * assert.deepEqual(moved.w.toArray(), [1, 2]);
 * assert.equal(moved.steps, 3);
 * ```
 */
export function toBackend<T>(tree: T, name: string): T {
  const target = backendNamed(name);
  return map((leaf: unknown) => (leaf instanceof Tensor ? moveOne(leaf, target) : leaf), tree) as T;
}

const moveOne = (t: Tensor, target: Backend): Tensor => {
  if (!(t instanceof ConcreteTensor)) {
    throw new TransformError("toBackend", "cannot move a traced value; call toBackend outside transforms");
  }
  if (t.disposed) throw disposedError("toBackend");
  if (canTake(target, t.backend)) return t;
  const copy = t.backend.toTypedArray(t.buf).slice();
  return new ConcreteTensor(t.shape, t.dtype, target.fromTypedArray(copy), target);
};
