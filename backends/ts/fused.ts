/**
 * Fused elementwise kernels: a {@link FusedProgram} becomes one JavaScript
 * loop, generated as source text and compiled once per distinct program
 * (`new Function`), so a chain of n elementwise ops costs one pass over
 * memory and one output allocation per result instead of n of each. Values
 * stay in doubles through the chain and are rounded once, by the store.
 *
 * Deno and Bun allow `new Function`; a host that forbids code generation
 * gets a `BackendError` here, and `fuse` then runs the ops one by one.
 *
 * @module
 */
import type { DType, TypedArray } from "../../core/dtype.ts";
import { allocUninitialized } from "./pool.ts";
import { BackendError, DTypeError, ValueError } from "../../core/errors.ts";
import type { FusedInstr, FusedProgram } from "../backend.ts";
import { erf, softplus } from "./special_math.ts";

type Kernel = (inputs: readonly TypedArray[], outputs: TypedArray[], n: number, consts: readonly number[]) => void;

/** Rounds halves to even, as the `round` kernel does. */
const roundHalfEven = (v: number): number => {
  let r = Math.round(v);
  if (r - v === 0.5 && r % 2 !== 0) r -= 1;
  return r;
};

/** The JavaScript expression of one instruction over named operands. */
function expression(ins: FusedInstr, a: string, b: string): string {
  switch (ins.op) {
    case "const":
      throw new ValueError("fused", "constants are not expressions");
    case "neg":
      return `-${a}`;
    case "abs":
    case "sign":
    case "exp":
    case "log":
    case "log1p":
    case "expm1":
    case "sqrt":
    case "sin":
    case "cos":
    case "tan":
    case "tanh":
    case "floor":
    case "ceil":
      return `Math.${ins.op}(${a})`;
    case "rsqrt":
      return `1 / Math.sqrt(${a})`;
    case "square":
      return `${a} * ${a}`;
    case "sigmoid":
      return `1 / (1 + Math.exp(-${a}))`;
    case "softplus":
      return `SP(${a})`;
    case "erf":
      return `ERF(${a})`;
    case "relu":
      // `a !== a` keeps NaN, as the relu kernel does.
      return `(${a} > 0 || ${a} !== ${a} ? ${a} : 0)`;
    case "round":
      return `R(${a})`;
    case "add":
      return `${a} + ${b}`;
    case "sub":
      return `${a} - ${b}`;
    case "mul":
      return `${a} * ${b}`;
    case "div":
      return `${a} / ${b}`;
    case "pow":
      return `Math.pow(${a}, ${b})`;
    case "maximum":
      return `(${a} > ${b} || ${a} !== ${a} ? ${a} : ${b})`;
    case "minimum":
      return `(${a} < ${b} || ${a} !== ${a} ? ${a} : ${b})`;
    default:
      throw new ValueError("fused", `unknown instruction ${JSON.stringify(ins)}`);
  }
}

/** The source of the loop for `program`; constants are read from `K`, not printed. */
function source(p: FusedProgram): string {
  const nIn = p.scalarInputs.length;
  const head: string[] = [], body: string[] = [];
  const rows = p.rowInputs?.some((r) => r) === true;
  p.scalarInputs.forEach((scalar, i) => {
    head.push(`const x${i} = I[${i}];`);
    if (scalar) head.push(`const v${i} = x${i}[0];`);
    else body.push(`const v${i} = x${i}[${p.rowInputs?.[i] === true ? "j" : "i"}];`);
  });
  p.body.forEach((ins, j) => {
    const id = nIn + j;
    if (ins.op === "const") head.push(`const v${id} = K[${j}];`);
    else {
      const [a, b] = ins.args.map((x) => `v${x}`);
      body.push(`const v${id} = ${expression(ins, a, b ?? "")};`);
    }
  });
  p.outputs.forEach((v, o) => {
    head.push(`const o${o} = O[${o}];`);
    body.push(`o${o}[i] = v${v};`);
  });
  // With row inputs, i runs over the output and j along the row (reset at each row's end, without a modulo).
  const loop = rows
    ? `const L = ${p.rowLength};\nfor (let i = 0, j = 0; i < n; i++, j = j + 1 === L ? 0 : j + 1) {`
    : "for (let i = 0; i < n; i++) {";
  return `${head.join("\n")}\n${loop}\n${body.join("\n")}\n}`;
}

// Compiled loops by program key. Programs come from the `fuse` calls of a
// program's source code, so the map stays as small as that code.
const compiled = new Map<string, Kernel>();

function kernelFor(p: FusedProgram): Kernel {
  const hit = compiled.get(p.key);
  if (hit !== undefined) return hit;
  let f: (...a: unknown[]) => void;
  try {
    f = new Function("I", "O", "n", "K", "R", "SP", "ERF", source(p)) as (...a: unknown[]) => void;
  } catch (e) {
    throw new BackendError("fused", `cannot compile a fused kernel here (${e instanceof Error ? e.message : e})`);
  }
  const k: Kernel = (inputs, outputs, n, consts) => f(inputs, outputs, n, consts, roundHalfEven, softplus, erf);
  compiled.set(p.key, k);
  return k;
}

/**
 * Runs `program` over `size` elements; see `Backend.fused`.
 *
 * @example One pass for x·2 + 1 and exp(x)
 * ```ts
 * import assert from "node:assert/strict";
 * import { fused } from "./fused.ts";
 * const program = {
 *   scalarInputs: [false],
 *   body: [
 *     { op: "const", value: 2 }, { op: "mul", args: [0, 1] }, { op: "const", value: 1 },
 *     { op: "add", args: [2, 3] }, { op: "exp", args: [0] },
 *   ],
 *   outputs: [4, 5],
 *   key: "example",
 * } as const;
 * const [y, z] = fused(program, [Float64Array.of(0, 1)], 2, "float64");
 * assert.deepEqual([...y], [1, 3]);
 * assert.deepEqual([...z], [1, Math.E]);
 * ```
 */
export function fused(program: FusedProgram, inputs: readonly TypedArray[], size: number, dtype: DType): TypedArray[] {
  if (dtype !== "float32" && dtype !== "float64") {
    throw new DTypeError("fused", `expected float32 or float64, got ${dtype}`);
  }
  if (inputs.length !== program.scalarInputs.length) {
    throw new ValueError("fused", `the program takes ${program.scalarInputs.length} inputs, got ${inputs.length}`);
  }
  const L = program.rowLength ?? 0;
  if (program.rowInputs !== undefined && (!Number.isInteger(L) || L < 1 || size % L !== 0)) {
    throw new ValueError("fused", `row inputs need a row length dividing the size ${size}, got ${L}`);
  }
  inputs.forEach((x, i) => {
    const want = program.scalarInputs[i] ? 1 : program.rowInputs?.[i] === true ? L : size;
    if (x.length !== want) throw new ValueError("fused", `input ${i} holds ${x.length} elements; expected ${want}`);
  });
  const outputs = program.outputs.map(() => allocUninitialized(dtype, size));
  const consts = program.body.map((ins) => (ins.op === "const" ? ins.value : 0));
  if (size > 0) kernelFor(program)(inputs, outputs, size, consts);
  return outputs;
}
