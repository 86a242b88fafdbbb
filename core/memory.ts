/**
 * Handing storage back early: `dispose` and `tidy`, for loops that make the
 * same large tensors over and over (a training step, a benchmark).
 *
 * Tensors are ordinary garbage-collected values and nothing here is needed
 * for correctness. But a new large array is not free: the OS maps fresh
 * pages and zeroes each on first touch (1.3 ms for a 4 MiB matmul output in
 * the benchmarks' VM, more than a tenth of the product itself), and the
 * collector frees arrays only when it runs. A disposed tensor's storage goes
 * back to its backend at once (`Backend.release`), which hands it to the
 * next output of the same type and size.
 *
 * The price is the usual one of manual memory management, made safe to
 * detect: a disposed tensor must not be used again, and doing so throws
 * (naming the op) instead of reading recycled data. Storage is recycled only
 * when the library made it and no other tensor shares it (a reshape's output
 * shares its input's storage; a typed array given to `tensor` stays the
 * caller's).
 *
 * @module
 */
import { TransformError, ValueError } from "./errors.ts";
import { ConcreteTensor, isPermanent, isPinned, setCreationHook, Tensor } from "./tensor.ts";
import { currentLevel } from "./trace.ts";
import { leaves } from "./tree/mod.ts";

/** The tensors made in each open `tidy`, innermost last. */
const scopes: Set<ConcreteTensor>[] = [];

/**
 * Disposes every tensor in a tree (any nesting of arrays and plain objects):
 * its storage goes back to the backend for reuse, and using the tensor
 * afterwards throws. Disposing twice is harmless; non-tensor leaves are
 * ignored. An op that has nothing to do (a reshape to the same shape, a cast
 * to the same dtype, a pad by zero) returns its operand itself, and then
 * disposing the result disposes the operand: dispose what is no longer
 * needed under any name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dispose, exp, tensor } from "../mod.ts";
 * const y = exp(tensor([0, 1]));
 * dispose(y);
 * assert.throws(() => y.toArray(), /disposed/);
 * assert.throws(() => exp(y), /exp: operand 0 was disposed/);
 * ```
 */
export function dispose(tree: unknown): void {
  for (const leaf of leaves(tree)) {
    if (!(leaf instanceof Tensor)) continue;
    if (!(leaf instanceof ConcreteTensor)) {
      throw new TransformError("dispose", "cannot dispose a traced value (only concrete tensors own storage)");
    }
    disposeOne(leaf);
  }
}

function disposeOne(t: ConcreteTensor): void {
  if (t.disposed || isPermanent(t)) return;
  t.disposed = true;
  if (!isPinned(t.buf)) t.backend.release(t.buf);
}

/**
 * Runs `fn` and disposes every tensor it made except those in its result (a
 * tensor or a tree of them in arrays and plain objects); returns the result.
 * Tensors made before, and tensors passed to `keep`, are left alone. Scopes
 * nest: what an inner `tidy` returns belongs to the outer one. If `fn`
 * throws, what it made is disposed and the error goes on.
 *
 * Inside `grad` and the other transforms `tidy` only runs `fn`: the
 * transform's tape may still need every intermediate value. Around a
 * transform it is safe (the transform has finished when `fn` returns), but a
 * function it returns (from `vjp`) must not outlive the scope.
 *
 * @example A step whose temporaries are recycled at once
 * ```ts
 * import assert from "node:assert/strict";
 * import { grad, mul, square, sub, sum, tensor, tidy, type Tensor } from "../mod.ts";
 * let w = tensor([1, 2, 3]);
 * for (let i = 0; i < 3; i++) {
 *   const old = w;
 *   w = tidy(() => sub(old, mul(grad((v: Tensor) => sum(square(v)))(old), 0.25)));
 * }
 * assert.deepEqual(w.toArray(), [0.125, 0.25, 0.375]);
 * ```
 */
export function tidy<R>(fn: () => R): R {
  if (currentLevel() > 0) return fn();
  const scope = new Set<ConcreteTensor>();
  scopes.push(scope);
  setCreationHook(record);
  let result: R;
  try {
    result = fn();
  } catch (e) {
    close(scope, new Set());
    throw e;
  }
  if (result instanceof Promise) {
    close(scope, new Set());
    throw new ValueError("tidy", "the function returned a Promise; tidy needs a synchronous function");
  }
  const kept = new Set<ConcreteTensor>();
  for (const leaf of leaves(result as unknown)) if (leaf instanceof ConcreteTensor) kept.add(leaf);
  close(scope, kept);
  return result;
}

/** Sets made by {@link madeDuring} that are open now; every new tensor joins all of them. */
const collectors: Set<ConcreteTensor>[] = [];

function record(t: ConcreteTensor): void {
  scopes.at(-1)?.add(t);
  for (const c of collectors) c.add(t);
}

/** The creation hook is on only while a scope or a collector is open (no cost otherwise). */
const updateHook = () => setCreationHook(scopes.length + collectors.length > 0 ? record : undefined);

/**
 * @internal Runs `fn` and returns its result with the set of concrete
 * tensors made while it ran (for a transform to release its own
 * intermediates; see `releaseInternal`).
 */
export function madeDuring<R>(fn: () => R): [R, Set<ConcreteTensor>] {
  const made = new Set<ConcreteTensor>();
  collectors.push(made);
  setCreationHook(record);
  try {
    return [fn(), made];
  } finally {
    collectors.splice(collectors.lastIndexOf(made), 1);
    updateHook();
  }
}

/**
 * @internal Hands back the storage of `internal` tensors that no caller can
 * hold: values a transform made for itself (the primal values behind its
 * tracers, the cotangents of its backward pass), never returned. Those in
 * `kept` (the results) and those a `keep` call exempted stay; shared or
 * borrowed storage is never recycled (as for `dispose`).
 */
export function releaseInternal(internal: Iterable<ConcreteTensor>, kept: ReadonlySet<ConcreteTensor>): void {
  for (const t of internal) if (!kept.has(t) && !exempt.has(t)) disposeOne(t);
}

/** Tensors passed to `keep`: no automatic release touches them. */
const exempt = new WeakSet<ConcreteTensor>();

/** Ends the innermost scope: disposes what it made except `kept`, which moves to the enclosing scope. */
function close(scope: Set<ConcreteTensor>, kept: Set<ConcreteTensor>): void {
  scopes.pop();
  updateHook();
  const outer = scopes.at(-1);
  for (const t of scope) {
    if (kept.has(t)) outer?.add(t);
    else disposeOne(t);
  }
}

/**
 * Exempts a tensor from the `tidy` scopes open now, so it survives them
 * without being returned (e.g. stored in a variable outside). Returns it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exp, keep, tensor, tidy, type Tensor } from "../mod.ts";
 * let saved: Tensor | undefined;
 * tidy(() => {
 *   saved = keep(exp(tensor([0])));
 * });
 * assert.deepEqual(saved!.toArray(), [1]);
 * ```
 */
export function keep<T extends Tensor>(t: T): T {
  if (t instanceof ConcreteTensor) {
    for (const s of scopes) s.delete(t);
    exempt.add(t);
  }
  return t;
}
