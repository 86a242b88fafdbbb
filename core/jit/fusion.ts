/**
 * Fusion: chains of float elementwise nodes of one shape become one
 * `Backend.fused` kernel, which reads its inputs once, keeps intermediate
 * values in registers and writes only the values read outside the chain.
 * An operand of a single element (a learning rate, a bias-correction
 * factor, a scalar constant of `mul(x, 0.9)`) is applied to every element;
 * scalar constants are written into the kernel itself.
 *
 * Grouping walks the nodes in order. An elementwise node joins the open
 * group of one of its operands when the shapes and dtypes agree (and when
 * it reads two such groups, they merge: Adam's first and second moments
 * meet in its update); a group closes (and takes its place in the program)
 * as soon as a node outside it reads one of its values. So every group's
 * operands are computed before it, and no two groups depend on each other
 * in a cycle.
 *
 * @module
 */
import { FUSED_BINARY_OPS, FUSED_UNARY_OPS, type FusedInstr, type FusedProgram } from "../../backends/backend.ts";
import { isFloat } from "../dtype.ts";
import { shapeEqual } from "../shape.ts";
import { ConcreteTensor } from "../tensor.ts";
import type { Graph, GraphNode, Var } from "../transforms/graph.ts";

/** One step of a compiled program that runs a primitive. */
export interface NodeStep {
  /** Tags a node step. */
  readonly kind: "node";
  /** The node it runs. */
  readonly node: GraphNode;
}

/** One step that runs a chain of elementwise nodes as a fused kernel. */
export interface FusedStep {
  /** Tags a fused step. */
  readonly kind: "fused";
  /** The nodes it computes, in order. */
  readonly members: readonly GraphNode[];
  /** The values it reads (scalar constants excepted: they are in the kernel). */
  readonly inputs: readonly Var[];
  /** The values it writes: those read after it, or returned. */
  readonly outputs: readonly Var[];
  /** The kernel. */
  readonly program: FusedProgram;
  /** The shape of every member's value. */
  readonly shape: readonly number[];
  /** Their dtype. */
  readonly dtype: "float32" | "float64";
}

/** One step of a compiled program. */
export type Step = NodeStep | FusedStep;

const UNARY: ReadonlySet<string> = new Set(FUSED_UNARY_OPS);
const BINARY: ReadonlySet<string> = new Set(FUSED_BINARY_OPS);
const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * The row length of `v` read along `out`: the size of its shape without
 * leading ones when that equals the trailing axes of `out` (a bias `[512]`
 * or `[1,512]` against `[128,512]`), else undefined. 0 for an operand of
 * `out`'s own shape or of one element (no row).
 */
const rowOf = (v: Var, out: readonly number[]): number | undefined => {
  if (shapeEqual(v.shape, out) || sizeOf(v.shape) === 1) return 0;
  let lead = 0;
  while (lead < v.shape.length && v.shape[lead] === 1) lead++;
  const tail = v.shape.slice(lead);
  if (tail.length > out.length || !shapeEqual(tail, out.slice(out.length - tail.length))) return undefined;
  return sizeOf(tail);
};

/** The row length a node's operands need (0: none), or undefined when it cannot be fused. */
const rowLengthOf = (n: GraphNode): number | undefined => {
  const arity = UNARY.has(n.primitive) ? 1 : BINARY.has(n.primitive) ? 2 : 0;
  const out = n.output;
  if (arity === 0 || n.inputs.length !== arity || !isFloat(out.dtype)) return undefined;
  let row = 0;
  for (const v of n.inputs) {
    if (v.dtype !== out.dtype) return undefined;
    const r = rowOf(v, out.shape);
    if (r === undefined || (r > 0 && row > 0 && r !== row)) return undefined;
    if (r > 0) row = r;
  }
  return row;
};

/**
 * Whether a node can be part of a fused kernel: a float elementwise op
 * whose operands have its shape, one element, or the shape of its trailing
 * axes (a row, repeated along the leading ones).
 */
export const isFusable = (n: GraphNode): boolean => rowLengthOf(n) !== undefined;

interface Group {
  readonly key: string;
  readonly members: GraphNode[];
  open: boolean;
  /** The length of the rows its members read (0: none yet); one per kernel. */
  row: number;
}

/**
 * The steps of `g`: its nodes in order, with chains of two or more fusable
 * nodes replaced by fused steps.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exp, matmul, mul, tensor, trace } from "../../mod.ts";
 * import { fuseElementwise } from "./fusion.ts";
 * const g = trace((x, w) => exp(mul(matmul(x, w), 2)), tensor([[1, 2]]), tensor([[1], [1]]));
 * assert.deepEqual(fuseElementwise(g).map((s) => s.kind), ["node", "fused"]);
 * ```
 */
export const fuseElementwise = (g: Graph): Step[] => {
  const groupOf = new Map<number, Group>();
  const order: (GraphNode | Group)[] = [];
  const close = (G: Group | undefined) => {
    if (G === undefined || !G.open) return;
    G.open = false;
    order.push(G);
  };
  const open: Group[] = [];
  for (const n of g.nodes) {
    if (!isFusable(n)) {
      for (const v of n.inputs) close(groupOf.get(v.id));
      order.push(n);
      continue;
    }
    const key = `${n.output.dtype}[${n.output.shape.join(",")}]`;
    const row = rowLengthOf(n)!;
    // A group reads rows of one length only.
    const fits = (G: Group) => G.key === key && (row === 0 || G.row === 0 || G.row === row);
    let target: Group | undefined;
    for (const v of n.inputs) {
      const G = groupOf.get(v.id);
      if (G === undefined || !G.open) continue;
      if (!fits(G) || (target !== undefined && target.row > 0 && G.row > 0 && G.row !== target.row)) close(G);
      else if (target === undefined) target = G;
      else if (G !== target) {
        // Two open groups of this shape meet: they become one. Both are still open, so
        // nothing outside has read them, and the merged group runs after all their operands.
        for (const m of G.members) groupOf.set(m.output.id, target);
        target.members.push(...G.members);
        target.row = Math.max(target.row, G.row);
        G.members.length = 0;
        G.open = false;
      }
    }
    if (target === undefined) {
      target = { key, members: [], open: true, row: 0 };
      open.push(target);
    }
    if (row > 0) target.row = row;
    target.members.push(n);
    groupOf.set(n.output.id, target);
  }
  for (const G of open) close(G);

  // Which values are read where: a member's value is a group output when read outside it.
  const readers = new Map<number, GraphNode[]>();
  for (const n of g.nodes) {
    for (const v of n.inputs) {
      const list = readers.get(v.id);
      if (list === undefined) readers.set(v.id, [n]);
      else list.push(n);
    }
  }
  const returned = new Set(g.outputs.map((v) => v.id));
  const scalarConsts = new Map<number, number>();
  for (const c of g.consts) {
    if (c.value.size === 1 && isFloat(c.value.dtype) && c.value instanceof ConcreteTensor) {
      scalarConsts.set(c.v.id, c.value.hostData("jit")[0]);
    }
  }
  const position = new Map(g.nodes.map((n, i) => [n, i]));
  return order.flatMap((item): Step[] => {
    if (!("key" in item)) return [{ kind: "node", node: item }];
    if (item.members.length === 0) return []; // merged into another group
    if (item.members.length === 1) return [{ kind: "node", node: item.members[0] }];
    const members = [...item.members].sort((a, b) => position.get(a)! - position.get(b)!);
    return [fusedStep(members, readers, returned, scalarConsts)];
  });
};

const fusedStep = (
  members: readonly GraphNode[],
  readers: ReadonlyMap<number, readonly GraphNode[]>,
  returned: ReadonlySet<number>,
  scalarConsts: ReadonlyMap<number, number>,
): FusedStep => {
  const inside = new Set(members);
  const defined = new Set(members.map((n) => n.output.id));
  const { shape, dtype } = members[0].output;
  const inputs: Var[] = [];
  const index = new Map<number, number>();
  const consts: number[] = [];
  for (const n of members) {
    for (const v of n.inputs) {
      if (defined.has(v.id) || index.has(v.id) || consts.includes(v.id)) continue;
      if (scalarConsts.has(v.id)) consts.push(v.id);
      else {
        index.set(v.id, inputs.length);
        inputs.push(v);
      }
    }
  }
  const body: FusedInstr[] = [];
  const define = (id: number, ins: FusedInstr) => {
    index.set(id, inputs.length + body.length);
    body.push(ins);
  };
  for (const id of consts) define(id, { op: "const", value: scalarConsts.get(id)! });
  for (const n of members) {
    const args = n.inputs.map((v) => index.get(v.id)!);
    define(n.output.id, { op: n.primitive, args } as unknown as FusedInstr);
  }
  const outputs = members.map((n) => n.output).filter((v) =>
    returned.has(v.id) || (readers.get(v.id) ?? []).some((r) => !inside.has(r))
  );
  const rows = inputs.map((v) => rowOf(v, shape)!);
  const scalarInputs = inputs.map((v, k) => rows[k] === 0 && !shapeEqual(v.shape, shape));
  const rowLength = Math.max(0, ...rows);
  const outIdx = outputs.map((v) => index.get(v.id)!);
  const shapeOnly = body.map((ins) => (ins.op === "const" ? "c" : ins));
  const program: FusedProgram = Object.freeze(
    rowLength === 0
      ? { scalarInputs, body, outputs: outIdx, key: JSON.stringify([scalarInputs, shapeOnly, outIdx]) }
      : {
        scalarInputs,
        rowInputs: rows.map((r) => r > 0),
        rowLength,
        body,
        outputs: outIdx,
        key: JSON.stringify([scalarInputs, rows, shapeOnly, outIdx]),
      },
  );
  return { kind: "fused", members, inputs, outputs, program, shape, dtype: dtype as "float32" | "float64" };
};
