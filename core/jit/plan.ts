/**
 * The buffer plan: liveness analysis over a program's steps. Each value a
 * step makes lives from that step to the last step that reads it; after
 * that its storage can serve a later value. The plan gives every
 * intermediate value a slot of the workspace, reusing a slot of the same
 * byte size once its value is dead (the backends' storage pools match
 * storage by type and size the same way), and says after which step each
 * value dies — the program hands its storage back there, so the next value
 * of that size reuses it at once. Returned values get no slot: they are the
 * program's only new storage.
 *
 * @module
 */
import type { DType } from "../dtype.ts";
import { outputsOf, type Var } from "../transforms/graph.ts";
import type { Step } from "./fusion.ts";

/** Where one intermediate value lives. */
export interface Slot {
  /** Its size. */
  readonly bytes: number;
}

/** The plan of one program's intermediate storage. */
export interface BufferPlan {
  /** The workspace's slots. */
  readonly slots: readonly Slot[];
  /** Slot of each intermediate value (by variable id). */
  readonly slotOf: ReadonlyMap<number, number>;
  /** Per step, the values that die after it (their last reader). */
  readonly frees: readonly (readonly Var[])[];
  /** Per intermediate value: the step that makes it and the last step that reads it. */
  readonly live: ReadonlyMap<number, readonly [number, number]>;
  /** The workspace's size: the sum of its slots. */
  readonly peakBytes: number;
}

/** The values a step reads and the values it makes. */
export const stepReads = (s: Step): readonly Var[] => (s.kind === "node" ? s.node.inputs : s.inputs);
export const stepWrites = (s: Step): readonly Var[] => (s.kind === "node" ? outputsOf(s.node) : s.outputs);

const BYTES: Readonly<Record<DType, number>> = { float32: 4, float64: 8, int32: 4, bool: 1 };
const bytesOf = (v: Var) => v.shape.reduce((a, b) => a * b, 1) * BYTES[v.dtype];

/**
 * Plans the storage of the values `steps` make; `returned` are the
 * program's outputs (never freed).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exp, neg, sin, tensor, trace } from "../../mod.ts";
 * import { eliminateDeadCode } from "./dce.ts";
 * import { planBuffers } from "./plan.ts";
 * const g = trace((x) => sin(neg(exp(x))), tensor([1, 2]));
 * const steps = g.nodes.map((node) => ({ kind: "node" as const, node }));
 * const plan = planBuffers(steps, g.outputs);
 * // neg's value is made while exp's is still read, so two slots of 8 bytes; sin's is returned
 * assert.equal(plan.peakBytes, 16);
 * ```
 */
export const planBuffers = (steps: readonly Step[], returned: readonly Var[]): BufferPlan => {
  const out = new Set(returned.map((v) => v.id));
  const born = new Map<number, number>();
  const last = new Map<number, number>();
  steps.forEach((s, i) => {
    for (const v of stepReads(s)) if (born.has(v.id)) last.set(v.id, i);
    for (const v of stepWrites(s)) if (!out.has(v.id)) born.set(v.id, i);
  });
  const frees: Var[][] = steps.map(() => []);
  const live = new Map<number, readonly [number, number]>();
  const vars = new Map<number, Var>();
  for (const s of steps) for (const v of stepWrites(s)) vars.set(v.id, v);
  for (const [id, b] of born) {
    const end = last.get(id) ?? b; // made and never read (a fused step's extra output): free at once
    live.set(id, [b, end]);
    frees[end].push(vars.get(id)!);
  }
  // Slots: a value takes a free slot of its size when its step runs; a slot frees after the value's last reader.
  const slots: Slot[] = [];
  const slotOf = new Map<number, number>();
  const idle = new Map<number, number[]>(); // bytes → free slot indices
  steps.forEach((s, i) => {
    for (const v of stepWrites(s)) {
      if (!born.has(v.id)) continue;
      const bytes = bytesOf(v);
      const reuse = idle.get(bytes)?.pop();
      const slot = reuse ?? slots.push({ bytes }) - 1;
      slotOf.set(v.id, slot);
    }
    for (const v of frees[i]) {
      const bytes = bytesOf(v);
      const list = idle.get(bytes);
      if (list === undefined) idle.set(bytes, [slotOf.get(v.id)!]);
      else list.push(slotOf.get(v.id)!);
    }
  });
  const peakBytes = slots.reduce((a, s) => a + s.bytes, 0);
  return { slots, slotOf, frees, live, peakBytes };
};
