/**
 * A compiled program: the steps of an optimized graph, bound to one
 * backend, run without tracing. Each step calls its primitive's kernel (or
 * a fused kernel) directly on the storage of its operands: no tracers, no
 * shape checks (the graph's shapes are known), no tape. After each step the
 * values the buffer plan says are dead give their storage back to the
 * program's workspace (`Backend.workspace`), so the next value of that size
 * reuses it, in this call and the next; donated arguments do the same after
 * their last reader. From its second call on, a program whose arguments are
 * donated takes new storage only for the outputs no donated argument's
 * storage can hold.
 *
 * @module
 */
import type { Backend, Buf, Workspace } from "../../backends/backend.ts";
import type { Params, Primitive } from "../primitive.ts";
import { bindMulti } from "../trace.ts";
import { type Aval, ConcreteTensor, frozenShape, isPermanent, isPinned, pinStorage } from "../tensor.ts";
import { type Graph, multiPrimitiveTable, primitiveTable } from "../transforms/graph.ts";
import type { Step } from "./fusion.ts";
import { type BufferPlan, stepReads, stepWrites } from "./plan.ts";

/** One step; `early` (fused steps only) runs after the step has taken its inputs' storage and before its kernel. */
type Exec = (env: (ConcreteTensor | undefined)[], refs: Map<Buf, number>, early?: () => void) => void;

/** How one call runs. */
export interface RunOptions {
  /** Per input: its storage may be reused once it is read for the last time. */
  readonly donated?: readonly boolean[];
  /** How donated inputs are marked (`donated to jit(step)`). */
  readonly donatedBy?: string;
  /**
   * Testing: overwrite dead storage with garbage (NaN, −1, true) instead of
   * handing it back, so a value read after the plan freed it shows.
   */
  readonly poison?: boolean;
  /** Profiling: milliseconds spent in each step are added to `profile[step]`. */
  readonly profile?: number[];
}

/** A graph compiled for one backend. */
export interface Program {
  /** The optimized graph the steps compute. */
  readonly graph: Graph;
  /** The steps, in order. */
  readonly steps: readonly Step[];
  /** The storage plan of the intermediate values. */
  readonly plan: BufferPlan;
  /** The backend it runs on. */
  readonly backend: Backend;
  /**
   * The storage it keeps between calls: its kernels allocate from it and
   * dead values go back to it (`misses`: outputs of the last call that
   * needed storage from elsewhere).
   */
  readonly workspace: Workspace;
  /** Runs on tensors of the graph's inputs (in order, on `backend`); returns the outputs. */
  run(inputs: readonly ConcreteTensor[], options?: RunOptions): ConcreteTensor[];
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Binds the steps of `g` (see `fuseElementwise`) and their plan to `backend`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exp, mul, tensor, trace } from "../../mod.ts";
 * import { activeBackend } from "../backend_registry.ts";
 * import type { ConcreteTensor } from "../tensor.ts";
 * import { fuseElementwise } from "./fusion.ts";
 * import { planBuffers } from "./plan.ts";
 * import { compileProgram } from "./program.ts";
 * const g = trace((x) => exp(mul(x, 0)), tensor([1, 2]));
 * const steps = fuseElementwise(g);
 * const p = compileProgram(g, steps, planBuffers(steps, g.outputs), activeBackend());
 * assert.deepEqual(p.run([tensor([5, 6]) as ConcreteTensor])[0].toArray(), [1, 1]);
 * ```
 */
export const compileProgram = (g: Graph, steps: readonly Step[], plan: BufferPlan, backend: Backend): Program => {
  const prims = primitiveTable();
  const multis = multiPrimitiveTable();
  const execs = steps.map((s): Exec => {
    if (s.kind === "node" && s.node.outputs !== undefined) {
      // A primitive with several outputs (a loop) runs as a call. Its outputs are wrapped anew (one may be an
      // input passed through, or a shared constant) over storage this run does not own, so it is never recycled.
      const n = s.node, prim = multis.get(n.primitive)!, outs = s.node.outputs.map((v) => v.id);
      const ins = n.inputs.map((v) => v.id), params: Params = n.params;
      return (env) => {
        const results = bindMulti(prim, ins.map((id) => env[id]!), params);
        results.forEach((t, i) => {
          const c = t.concrete();
          pinStorage(c.buf);
          env[outs[i]] = new ConcreteTensor(c.shape, c.dtype, c.buf, c.backend);
        });
      };
    }
    if (s.kind === "node") {
      const n = s.node;
      const prim: Primitive = prims.get(n.primitive)!;
      const ins = n.inputs.map((v) => v.id), out = n.output.id, params: Params = n.params;
      const aval: Aval = { shape: frozenShape(n.output.shape), dtype: n.output.dtype };
      return (env, refs) => {
        const args = ins.map((id) => env[id]!);
        const buf = prim.impl(backend, args, params, aval);
        if (!args.some((a) => a.buf === buf)) refs.set(buf, 1);
        else if (refs.has(buf)) refs.set(buf, refs.get(buf)! + 1); // a view of a value this run made
        env[out] = new ConcreteTensor(aval.shape, aval.dtype, buf, backend);
      };
    }
    const ins = s.inputs.map((v) => v.id), outs = s.outputs.map((v) => v.id);
    const shape = frozenShape(s.shape), size = sizeOf(s.shape), { program, dtype } = s;
    return (env, refs, early) => {
      const inBufs = ins.map((id) => env[id]!.buf);
      early?.();
      const bufs = backend.fused(program, inBufs, size, dtype);
      bufs.forEach((buf, i) => {
        refs.set(buf, 1);
        env[outs[i]] = new ConcreteTensor(shape, dtype, buf, backend);
      });
    };
  });
  const frees = plan.frees.map((vs) => vs.map((v) => v.id));
  // In place: a fused kernel reads element i of every input before it writes element i of its outputs, so an
  // input of the kernel's own size and dtype that dies at it can hand its storage to one of the outputs. Those are
  // released just before the kernel runs (the workspace then gives them out) instead of after it.
  const inPlace = steps.map((s) =>
    s.kind !== "fused" ? new Set<number>() : new Set(
      s.inputs.filter((v, k) =>
        v.dtype === s.dtype && !s.program.scalarInputs[k] && s.program.rowInputs?.[k] !== true &&
        sizeOf(v.shape) === sizeOf(s.shape)
      ).map((v) => v.id),
    )
  );
  const inputIds = g.inputs.map((v) => v.id);
  const returned = new Set(g.outputs.map((v) => v.id));
  // The last step that reads each input (−1: none), for donation.
  const lastRead = new Map<number, number>(inputIds.map((id) => [id, -1]));
  steps.forEach((s, i) => {
    for (const v of stepReads(s)) if (lastRead.has(v.id)) lastRead.set(v.id, i);
  });
  const nVars = 1 + Math.max(
    -1,
    ...inputIds,
    ...g.consts.map((c) => c.v.id),
    ...steps.flatMap((s) => stepWrites(s).map((v) => v.id)),
  );

  const workspace = backend.workspace();
  const run = (inputs: readonly ConcreteTensor[], options: RunOptions = {}): ConcreteTensor[] =>
    workspace.run(() => runSteps(inputs, options));
  const runSteps = (inputs: readonly ConcreteTensor[], options: RunOptions): ConcreteTensor[] => {
    const env = new Array<ConcreteTensor | undefined>(nVars);
    inputs.forEach((t, i) => (env[inputIds[i]] = t));
    for (const c of g.consts) env[c.v.id] = c.value as ConcreteTensor;
    const refs = new Map<Buf, number>();
    const poison = options.poison === true;
    const drop = (id: number) => {
      const t = env[id]!;
      env[id] = undefined;
      t.disposed = true; // internal: nothing may hand it back again (a tidy scope that saw it made)
      const c = refs.get(t.buf);
      if (c === undefined) return; // not this run's storage
      if (c > 1) return void refs.set(t.buf, c - 1);
      refs.delete(t.buf);
      if (poison) poisonStorage(backend, t);
      else backend.release(t.buf);
    };
    // Donated inputs: their storage is this run's to reuse after their last reader.
    const donatedAt = new Map<number, number[]>(); // step → inputs whose storage frees after it
    const donated: ConcreteTensor[] = [];
    if (options.donated !== undefined) {
      const flags = options.donated;
      // The same storage passed again, undonated, stays the caller's.
      const kept = new Set<Buf>();
      inputs.forEach((t, i) => flags[i] !== true && kept.add(t.buf));
      const seen = new Set<Buf>();
      inputs.forEach((t, i) => {
        const id = inputIds[i];
        if (flags[i] !== true || returned.has(id) || isPermanent(t) || isPinned(t.buf) || kept.has(t.buf)) return;
        donated.push(t);
        if (seen.has(t.buf)) return;
        seen.add(t.buf);
        refs.set(t.buf, 1);
        const at = lastRead.get(id)!;
        if (at < 0) drop(id);
        else donatedAt.set(at, [...(donatedAt.get(at) ?? []), id]);
      });
    }
    const profile = options.profile;
    for (let s = 0; s < execs.length; s++) {
      const freedInputs = donatedAt.get(s);
      // Values dying at a fused step that may lend it their storage (not while poisoning: that would poison inputs).
      const lend = poison || inPlace[s].size === 0 ? undefined : inPlace[s];
      const early = lend === undefined ? undefined : () => {
        for (const id of frees[s]) if (lend.has(id)) drop(id);
        if (freedInputs !== undefined) { for (const id of freedInputs) if (lend.has(id)) drop(id); }
      };
      if (profile === undefined) execs[s](env, refs, early);
      else {
        const t0 = performance.now();
        execs[s](env, refs, early);
        profile[s] = (profile[s] ?? 0) + performance.now() - t0;
      }
      for (const id of frees[s]) if (env[id] !== undefined) drop(id);
      if (freedInputs !== undefined) { for (const id of freedInputs) if (env[id] !== undefined) drop(id); }
    }
    for (const t of donated) {
      t.disposed = true;
      t.disposedBy = options.donatedBy ?? "donated";
    }
    const outs = g.outputs.map((v) => env[v.id]!);
    // An output sharing storage with an input, a constant or another output: disposing one must not recycle it.
    for (const t of outs) if (!refs.has(t.buf) || refs.get(t.buf)! > 1) pinStorage(t.buf);
    return outs;
  };
  return Object.freeze({ graph: g, steps, plan, backend, workspace, run });
};

/** Overwrites dead storage with values no correct program reads (testing the plan). */
const poisonStorage = (backend: Backend, t: ConcreteTensor): void => {
  const data = backend.toTypedArray(t.buf);
  data.fill(t.dtype === "bool" ? 1 : t.dtype === "int32" ? -1 : NaN);
};
