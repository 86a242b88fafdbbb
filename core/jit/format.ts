/**
 * The listing of a compiled program (`jit(f).lower(...)`), in the style of
 * `trace`'s: one step a line, a fused kernel as a block of the nodes it
 * computes, then the buffer plan.
 *
 * @module
 */
import { formatNode, formatVar, type Graph } from "../transforms/graph.ts";
import type { Step } from "./fusion.ts";
import type { BufferPlan } from "./plan.ts";

const bytes = (n: number): string =>
  n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(2)} MiB`;

/**
 * The program's listing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exp, mul, tensor, trace } from "../../mod.ts";
 * import { formatProgram } from "./format.ts";
 * import { fuseElementwise } from "./fusion.ts";
 * import { planBuffers } from "./plan.ts";
 * const g = trace((x) => exp(mul(x, 2)), tensor([1, 2]));
 * const steps = fuseElementwise(g);
 * assert.match(formatProgram(g, steps, planBuffers(steps, g.outputs)), /fused f32\[2\] \(a\) → d \{/);
 * ```
 */
export const formatProgram = (g: Graph, steps: readonly Step[], plan: BufferPlan): string => {
  const lines = [`program(${g.inputs.map(formatVar).join(", ")}) {`];
  for (const c of g.consts) {
    const v = c.value.size <= 6 ? JSON.stringify(c.value.toArray()) : "…";
    lines.push(`  const ${formatVar(c.v)} = ${v}`);
  }
  for (const s of steps) {
    if (s.kind === "node") {
      lines.push(`  ${formatNode(s.node)}`);
      continue;
    }
    const ty = `${s.dtype === "float32" ? "f32" : "f64"}[${s.shape.join(",")}]`;
    lines.push(
      `  fused ${ty} (${s.inputs.map((v) => v.name).join(", ")}) → ${s.outputs.map((v) => v.name).join(", ")} {`,
    );
    for (const n of s.members) lines.push(`    ${formatNode(n)}`);
    lines.push("  }");
  }
  lines.push(`  return ${g.outputs.map((v) => v.name).join(", ")}`, "}");
  const kernels = steps.filter((s) => s.kind === "fused").length;
  lines.push(
    `${steps.length} steps (${kernels} fused kernels over ${
      steps.reduce((a, s) => a + (s.kind === "fused" ? s.members.length : 0), 0)
    } nodes); buffer plan: ${plan.live.size} intermediates in ${plan.slots.length} slots, ` +
      `peak workspace ${bytes(plan.peakBytes)}`,
  );
  return lines.join("\n");
};
