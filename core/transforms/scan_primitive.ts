/**
 * The `scan` primitive: a loop whose body is a graph, applied `length`
 * times over the leading axis of its `xs` inputs while threading a carry
 * (`lax.scan`). Being one primitive with several outputs, a loop stays one
 * node under every transform:
 *
 * - eagerly, the body is compiled once (the `jit` pipeline) and that
 *   program runs at every step;
 * - under `jit` or `trace` it is one node, so a jitted function holds one
 *   copy of the body whatever the length;
 * - forward mode is a scan of the body's JVP; reverse mode is a scan that
 *   saves the carry before each step, then a reversed scan of the body's
 *   VJP (each step's forward pass is recomputed there from its saved carry);
 *   batching is a scan of the batched body. Each rule binds `scan` again,
 *   so rules compose to any order.
 *
 * The body's inputs are `[consts…, carry…, x…]` and its outputs
 * `[carry…, y…]`; the primitive's inputs are the consts, the initial carry
 * and the stacked `xs`, its outputs the last carry and the stacked `ys`.
 * Values of outer transforms that the user's body closes over become
 * leading consts, so transforms see them as inputs.
 *
 * @module
 */
import { activeBackend } from "../backend_registry.ts";
import { zeros } from "../creation.ts";
import { isFloat } from "../dtype.ts";
import { TransformError } from "../errors.ts";
import { GraphFunction } from "../jit/compile.ts";
import { defineMultiPrimitive, type MultiPrimitive } from "../primitive.ts";
import { add } from "../prims/binary.ts";
import { batchedAtFront, moveToFront } from "../prims/batching.ts";
import { reshape, slice, transpose } from "../prims/shape.ts";
import { zerosFor } from "../prims/zeros.ts";
import { stack } from "../ops/shaping.ts";
import { type Aval, type ConcreteTensor, Tensor } from "../tensor.ts";
import { bindMulti } from "../trace.ts";
import { traceClosed } from "./closure.ts";
import type { Graph, Var } from "./graph.ts";
import { jvp } from "./jvp.ts";
import { vjp, type VjpTrace } from "./vjp.ts";
import { vmap } from "./vmap.ts";

/**
 * A loop body: its graph over `[consts…, carry…, x…]` giving `[carry…, y…]`,
 * and the program it compiles to on each backend (made on first use).
 */
export class ScanBody extends GraphFunction {
  constructor(
    graph: Graph,
    /** How many leading inputs are consts (the same at every step). */
    readonly numConsts: number,
    /** How many inputs after them are the carry (also the first outputs). */
    readonly numCarry: number,
  ) {
    super(graph);
  }

  override toString(): string {
    return `{${this.graph.nodes.length} nodes}`;
  }
}

/**
 * @internal Traces `f` over inputs shaped like `avals` into a body whose
 * first `numConsts` inputs are consts and next `numCarry` the carry. Values
 * of running transforms that `f` closes over become extra leading consts;
 * they are returned, to be passed first to the primitive.
 */
export const makeBody = (
  label: string,
  f: (ins: Tensor[]) => Tensor[],
  avals: readonly Aval[],
  numConsts: number,
  numCarry: number,
): { body: ScanBody; captured: Tensor[] } => {
  const { graph, captured } = traceClosed(label, f, avals, READ_HINT);
  return { body: new ScanBody(graph, captured.length + numConsts, numCarry), captured };
};

const READ_HINT = "the loop body is traced once for all steps; for a choice that depends on a value use where()";

/** The primitive's attributes. */
interface ScanParams {
  readonly body: ScanBody;
  readonly length: number;
  readonly reverse: boolean;
  readonly [k: string]: unknown;
}

/** The body's output avals (carry, then one y per step). */
const bodyOutputs = (body: ScanBody): readonly Var[] => body.graph.outputs;

/** Element `i` of `x` along its leading axis. */
const indexAt = (x: Tensor, i: number): Tensor => reshape(slice(x, [{ start: i, stop: i + 1 }]), x.shape.slice(1));

/** Splits the primitive's inputs into consts, carry and xs. */
const parts = <T>(body: ScanBody, ins: readonly T[]): [T[], T[], T[]] => [
  ins.slice(0, body.numConsts),
  ins.slice(body.numConsts, body.numConsts + body.numCarry),
  ins.slice(body.numConsts + body.numCarry),
];

const avalOf = (t: Tensor): Aval => ({ shape: t.shape, dtype: t.dtype });
const perStep = (x: Tensor): Aval => ({ shape: x.shape.slice(1), dtype: x.dtype });

const scanP: MultiPrimitive<ScanParams> = defineMultiPrimitive({
  name: "scan",
  multipleResults: true,
  abstractEval: (ins, { body, length }) => {
    if (ins.length !== body.graph.inputs.length) {
      throw new TransformError("scan", `internal: ${ins.length} inputs for a body of ${body.graph.inputs.length}`);
    }
    const outs = bodyOutputs(body);
    return [
      ...outs.slice(0, body.numCarry).map((v) => ({ shape: v.shape, dtype: v.dtype })),
      ...outs.slice(body.numCarry).map((v) => ({ shape: [length, ...v.shape], dtype: v.dtype })),
    ];
  },

  impl: (ins, { body, length, reverse }) => {
    const [consts, init, xs] = parts(body, ins);
    const outs = bodyOutputs(body);
    if (length === 0) return [...init, ...outs.slice(body.numCarry).map((v) => zeros([0, ...v.shape], v))];
    const program = body.program(activeBackend());
    let carry: readonly ConcreteTensor[] = init as ConcreteTensor[];
    const ys: ConcreteTensor[][] = new Array(length);
    for (let k = 0; k < length; k++) {
      const i = reverse ? length - 1 - k : k;
      const step = program.run([...consts, ...carry, ...xs.map((x) => indexAt(x, i))] as ConcreteTensor[]);
      carry = step.slice(0, body.numCarry);
      ys[i] = step.slice(body.numCarry);
    }
    return [...carry, ...ys[0].map((_, j) => stack(ys.map((y) => y[j]), 0))];
  },

  jvp: (primals, tangents, { body, length, reverse }) => {
    const [consts, init, xs] = parts(body, primals);
    const [tConsts, tInit, tXs] = parts(body, tangents);
    // Tangents for every float input and output (zeros where none came in): the carry's tangent must keep its
    // structure from step to step, whatever makes it nonzero.
    const floats = (ts: readonly Tensor[]) => ts.map((t) => isFloat(t.dtype));
    const [fc, fi, fx] = [floats(consts), floats(init), floats(xs)];
    const tangentOf = (ts: readonly (Tensor | null)[], ps: readonly Tensor[], f: readonly boolean[]) =>
      ps.flatMap((p, i) => (f[i] ? [ts[i] ?? zerosFor(p)] : []));
    const outF = bodyOutputs(body).map((v) => isFloat(v.dtype));
    const nc = consts.length, nt = fc.filter(Boolean).length, ni = init.length, nti = fi.filter(Boolean).length;
    const split = (ins: Tensor[]) => {
      let at = 0;
      const take = (n: number) => ins.slice(at, at += n);
      return { c: take(nc), tc: take(nt), i: take(ni), ti: take(nti), x: take(xs.length), tx: take(ins.length - at) };
    };
    const spread = (ts: readonly Tensor[], f: readonly boolean[], ps: readonly Tensor[]) => {
      let k = 0;
      return ps.map((p, i) => (f[i] ? ts[k++] : zerosFor(p)));
    };
    const jvpBody = (ins: Tensor[]): Tensor[] => {
      const s = split(ins);
      const primalIns = [...s.c, ...s.i, ...s.x];
      const tangentIns = [...spread(s.tc, fc, s.c), ...spread(s.ti, fi, s.i), ...spread(s.tx, fx, s.x)];
      const [out, tOut] = jvp((...a: Tensor[]) => body.call(a), primalIns, tangentIns) as [Tensor[], Tensor[]];
      const keep = (ts: Tensor[], from: number, to: number) => ts.slice(from, to).filter((_, j) => outF[from + j]);
      return [
        ...out.slice(0, body.numCarry),
        ...keep(tOut, 0, body.numCarry),
        ...out.slice(body.numCarry),
        ...keep(tOut, body.numCarry, out.length),
      ];
    };
    const tc = tangentOf(tConsts, consts, fc), ti = tangentOf(tInit, init, fi), tx = tangentOf(tXs, xs, fx);
    const avals = [...consts, ...tc, ...init, ...ti, ...xs.map(perStep), ...tx.map(perStep)].map((t) =>
      t instanceof Tensor ? avalOf(t) : t
    );
    const nCarryOut = body.numCarry + outF.slice(0, body.numCarry).filter(Boolean).length;
    const { body: jb, captured } = makeBody("scan (jvp)", jvpBody, avals, nc + nt, nCarryOut);
    const outs = bindMulti(scanP, [...captured, ...consts, ...tc, ...init, ...ti, ...xs, ...tx], {
      body: jb,
      length,
      reverse,
    });
    // Outputs: carry, its float tangents, ys, their float tangents.
    const nCarry = body.numCarry, nTc = nCarryOut - nCarry;
    const carry = outs.slice(0, nCarry), tCarry = outs.slice(nCarry, nCarry + nTc);
    const ys = outs.slice(nCarry + nTc, nCarry + nTc + (bodyOutputs(body).length - nCarry));
    const tYs = outs.slice(nCarry + nTc + ys.length);
    let a = 0, b = 0;
    const tOuts = [
      ...carry.map((_, j) => (outF[j] ? tCarry[a++] : null)),
      ...ys.map((_, j) => (outF[nCarry + j] ? tYs[b++] : null)),
    ];
    return [[...carry, ...ys], tOuts];
  },

  vjp: (gs, primals, outs, params, needs) =>
    backward(gs, primals, outs, savedCarries(primals, params).slice(outs.length), params, needs),

  // Under reverse mode the forward scan saves the carries as it goes, so the backward pass need not run it again.
  processVjp: (trace, args, params) => {
    const t = trace as VjpTrace;
    const [primals, parents] = t.unpack(args);
    if (parents.every((p) => p === null)) return bindMulti(scanP, primals, params);
    const all = savedCarries(primals, params);
    const nOut = bodyOutputs(params.body).length, saved = all.slice(nOut);
    const rule: MultiPrimitive<ScanParams> = {
      ...scanP,
      vjp: (gs, ps, outs, p, needs) => backward(gs, ps, outs, saved, p, needs),
    };
    return t.recordMulti(rule as unknown as MultiPrimitive, primals, all.slice(0, nOut), params, parents);
  },

  batch: (args, dims, { body, length, reverse }, size) => {
    const [consts, init, xs] = parts(body, args);
    const nc = consts.length, ni = init.length;
    const constDims = dims.slice(0, nc), xDims = dims.slice(nc + ni);
    // Every carry is batched (an unbatched one may become batched after a step); xs keep the scan axis first.
    const batchedCarry = init.map((x, j) => batchedAtFront(x, dims[nc + j], size));
    const batchedXs = xs.map((x, j) => {
      const d = xDims[j];
      return d === null ? x : d === 1 ? x : transpose(x, moveTo(x.ndim, d, 1));
    });
    const batchedConsts = consts.map((x, j) => (constDims[j] === null ? x : moveToFront(x, constDims[j]!)));
    const inAxes = [
      ...constDims.map((d) => (d === null ? null : 0)),
      ...init.map(() => 0),
      ...xDims.map((d) => (d === null ? null : 0)),
    ];
    const batchedBody = (ins: Tensor[]): Tensor[] =>
      vmap((...a: Tensor[]) => body.call(a), { inAxes, axisSize: size })(...ins) as Tensor[];
    const avals = [
      ...batchedConsts.map(avalOf),
      ...batchedCarry.map(avalOf),
      ...batchedXs.map((x, j) =>
        xDims[j] === null ? perStep(x) : { shape: [size, ...x.shape.slice(2)], dtype: x.dtype }
      ),
    ];
    const b = makeBody("scan (vmap)", batchedBody, avals, nc, ni);
    const outs = bindMulti(scanP, [...b.captured, ...batchedConsts, ...batchedCarry, ...batchedXs], {
      body: b.body,
      length,
      reverse,
    });
    return [outs, outs.map((_, j) => (j < ni ? 0 : 1))];
  },
});

/** The scan's outputs followed by the carry before each step, stacked (a forward scan that also returns them). */
const savedCarries = (primals: readonly Tensor[], { body, length, reverse }: ScanParams): Tensor[] => {
  const [consts, init, xs] = parts(body, primals);
  const nc = consts.length, ni = init.length;
  const saving = makeBody(
    "scan (saving carries)",
    (ins) => [...body.call(ins), ...ins.slice(nc, nc + ni)],
    [...consts, ...init, ...xs.map(perStep)].map((t) => (t instanceof Tensor ? avalOf(t) : t)),
    nc,
    ni,
  );
  return bindMulti(scanP, [...saving.captured, ...primals], { body: saving.body, length, reverse });
};

/**
 * The reverse-mode rule: a reversed scan whose carry is the carry's cotangent and the consts' accumulated
 * cotangents, and whose per-step inputs are the saved carry, the x and the y's cotangent; each step's vjp of the
 * body (its forward pass recomputed from the saved carry) gives the carry's cotangent before it and x's.
 */
const backward = (
  gs: readonly (Tensor | null)[],
  primals: readonly Tensor[],
  outs: readonly Tensor[],
  saved: readonly Tensor[],
  { body, length, reverse }: ScanParams,
  needs: readonly boolean[],
): (Tensor | null)[] => {
  const [consts, init, xs] = parts(body, primals);
  const nc = consts.length, ni = init.length, nx = xs.length;
  const yOuts = outs.slice(body.numCarry);
  // Backward: carry = [cotangent of the carry, accumulated cotangents of the consts], per step x = [saved carry,
  // x, cotangent of y]; the step's vjp of the body gives the carry's cotangent before it and x's cotangent.
  const gCarry = outs.slice(0, ni).map((o, j) => gs[j] ?? zerosFor(o));
  const gYs = yOuts.map((o, j) => gs[ni + j] ?? zerosFor(o));
  const cotangentOr = (ct: Tensor | null, like: Tensor) => ct ?? zerosFor(like);
  const backBody = (ins: Tensor[]): Tensor[] => {
    let at = 0;
    const take = (n: number) => ins.slice(at, at += n);
    const c = take(nc), ct = take(ni), acc = take(nc), carry = take(ni), x = take(nx), gy = take(yOuts.length);
    const [, pull] = vjp((...a: Tensor[]) => body.call(a), ...c, ...carry, ...x);
    const cts = pull([...ct, ...gy]) as (Tensor | null)[];
    const ctC = cts.slice(0, nc), ctCarry = cts.slice(nc, nc + ni), ctX = cts.slice(nc + ni);
    return [
      ...ctCarry.map((g, j) => cotangentOr(g, carry[j])),
      ...acc.map((a, j) => (isFloat(a.dtype) ? add(a, cotangentOr(ctC[j], c[j])) : a)),
      ...ctX.map((g, j) => cotangentOr(g, x[j])),
    ];
  };
  const avals = [...consts, ...init, ...consts, ...saved.map(perStep), ...xs.map(perStep), ...gYs.map(perStep)]
    .map((t) => (t instanceof Tensor ? avalOf(t) : t));
  const back = makeBody("scan (vjp)", backBody, avals, nc, ni + nc);
  const res = bindMulti(
    scanP,
    [...back.captured, ...consts, ...gCarry, ...consts.map(zerosFor), ...saved, ...xs, ...gYs],
    { body: back.body, length, reverse: !reverse },
  );
  const ctInit = res.slice(0, ni), ctConsts = res.slice(ni, ni + nc), ctXs = res.slice(ni + nc);
  const floatOrNull = (t: Tensor, i: number) => (needs[i] && isFloat(t.dtype) ? t : null);
  return [
    ...ctConsts.map((t, j) => floatOrNull(t, j)),
    ...ctInit.map((t, j) => floatOrNull(t, nc + j)),
    ...ctXs.map((t, j) => floatOrNull(t, nc + ni + j)),
  ];
};

/** The permutation moving axis `from` of a rank-`n` tensor to `to`. */
const moveTo = (n: number, from: number, to: number): number[] => {
  const rest = Array.from({ length: n }, (_, i) => i).filter((i) => i !== from);
  rest.splice(to, 0, from);
  return rest;
};

/**
 * @internal Binds `scan`: the body (from {@link makeBody}), its captured
 * values, the initial carry and the stacked xs. Returns the last carry and
 * the stacked ys.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { add, scalar, tensor, type Tensor } from "../../mod.ts";
 * import { bindScan, makeBody } from "./scan_primitive.ts";
 * const { body, captured } = makeBody("scan", ([c, x]: Tensor[]) => [add(c, x), add(c, x)], [
 *   { shape: [], dtype: "float32" },
 *   { shape: [], dtype: "float32" },
 * ], 0, 1);
 * const outs = bindScan(body, captured, [scalar(0)], [tensor([1, 2, 3])], 3, false);
 * assert.deepEqual(outs[1].toArray(), [1, 3, 6]);
 * ```
 */
export const bindScan = (
  body: ScanBody,
  captured: readonly Tensor[],
  init: readonly Tensor[],
  xs: readonly Tensor[],
  length: number,
  reverse: boolean,
): Tensor[] => bindMulti(scanP, [...captured, ...init, ...xs], { body, length, reverse });
