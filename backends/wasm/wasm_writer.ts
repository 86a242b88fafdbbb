/**
 * A small WebAssembly binary writer: just enough of the format to emit the
 * kernels of this backend at run time, with no toolchain and no binary blobs
 * in the repository. A module is one imported memory, some functions and
 * their exports; a function body is written with {@link Body}, one method
 * per opcode, in stack-machine order.
 *
 * The binary layout follows the core specification (sections 1 type,
 * 2 import, 3 function, 7 export, 10 code); SIMD opcodes are the `0xFD`
 * prefix followed by an unsigned LEB128 opcode number, as fixed by the
 * SIMD128 and relaxed-SIMD proposals.
 *
 * @module
 */

/** Value types, by their binary code. */
export const I32 = 0x7f;
/** 64-bit integer value type. */
export const I64 = 0x7e;
/** 32-bit float value type. */
export const F32 = 0x7d;
/** 64-bit float value type. */
export const F64 = 0x7c;
/** 128-bit SIMD vector value type. */
export const V128 = 0x7b;

/** A wasm value type code. */
export type ValType = typeof I32 | typeof I64 | typeof F32 | typeof F64 | typeof V128;

/**
 * Unsigned LEB128 of a non-negative integer below 2³².
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { uleb } from "./wasm_writer.ts";
 * assert.deepEqual(uleb(624485), [0xe5, 0x8e, 0x26]);
 * ```
 */
export function uleb(value: number): number[] {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`uleb: ${value}`);
  const out: number[] = [];
  let v = value >>> 0;
  do {
    const byte = v & 0x7f;
    v >>>= 7;
    out.push(v === 0 ? byte : byte | 0x80);
  } while (v !== 0);
  return out;
}

/**
 * Signed LEB128 of a 32-bit integer (as `i32.const` takes it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sleb } from "./wasm_writer.ts";
 * assert.deepEqual(sleb(-123456), [0xc0, 0xbb, 0x78]);
 * assert.deepEqual(sleb(64), [0xc0, 0x00]); // bit 6 set: one more byte keeps it positive
 * ```
 */
export function sleb(value: number): number[] {
  if (!Number.isInteger(value) || value < -0x80000000 || value > 0xffffffff) throw new RangeError(`sleb: ${value}`);
  const out: number[] = [];
  let v = value | 0; // values up to 2³² − 1 are addresses: their i32 bit pattern is what wasm sees
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

const utf8 = (s: string): number[] => {
  const bytes = new TextEncoder().encode(s);
  return [...uleb(bytes.length), ...bytes];
};
const vector = (items: readonly number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: readonly number[]): number[] => [id, ...uleb(body.length), ...body];

/**
 * The body of one function: its extra locals and its instructions. Each
 * opcode method appends and returns `this`, so code reads in stack order:
 * `f.get(x).get(y).i32Add().set(z)` is `z = x + y`.
 *
 * Loads and stores take a byte offset (the memarg immediate) and use the
 * natural alignment hint of their width; a misaligned address is still
 * correct, only possibly slower.
 */
export class Body {
  /** The encoded instructions so far. */
  readonly code: number[] = [];
  private readonly locals: ValType[] = [];

  /** A body for a function whose first `params` locals are its parameters. */
  constructor(private readonly params: number) {}

  /** Declares a local of `type` and returns its index. */
  local(type: ValType): number {
    this.locals.push(type);
    return this.params + this.locals.length - 1;
  }

  /** Appends raw bytes (an opcode and its immediates). */
  op(...bytes: number[]): this {
    for (const b of bytes) this.code.push(b);
    return this;
  }

  /** The function's code entry: locals grouped by runs of one type, then code and `end`. */
  encode(): number[] {
    const groups: number[][] = [];
    for (let i = 0; i < this.locals.length;) {
      let j = i;
      while (j < this.locals.length && this.locals[j] === this.locals[i]) j++;
      groups.push([...uleb(j - i), this.locals[i]]);
      i = j;
    }
    const body = [...vector(groups), ...this.code, 0x0b];
    return [...uleb(body.length), ...body];
  }

  // -- variables and constants
  /** `local.get`. */
  get(l: number): this {
    return this.op(0x20, ...uleb(l));
  }
  /** `local.set`. */
  set(l: number): this {
    return this.op(0x21, ...uleb(l));
  }
  /** `local.tee`. */
  tee(l: number): this {
    return this.op(0x22, ...uleb(l));
  }
  /** `i32.const`. */
  i32(v: number): this {
    return this.op(0x41, ...sleb(v));
  }
  /** `l += by` for an i32 local. */
  inc(l: number, by: number): this {
    return this.get(l).i32(by).i32Add().set(l);
  }
  /** `l += other` for i32 locals. */
  incBy(l: number, other: number): this {
    return this.get(l).get(other).i32Add().set(l);
  }

  // -- control
  /** `block` with no result. */
  block(): this {
    return this.op(0x02, 0x40);
  }
  /** `loop` with no result. */
  loop(): this {
    return this.op(0x03, 0x40);
  }
  /** `if` with no result (pops the condition). */
  if(): this {
    return this.op(0x04, 0x40);
  }
  /** `else`. */
  else(): this {
    return this.op(0x05);
  }
  /** `end` of a block, loop or if. */
  end(): this {
    return this.op(0x0b);
  }
  /** `br` to the label `depth` levels out. */
  br(depth: number): this {
    return this.op(0x0c, ...uleb(depth));
  }
  /** `br_if`. */
  brIf(depth: number): this {
    return this.op(0x0d, ...uleb(depth));
  }
  /** `return`. */
  ret(): this {
    return this.op(0x0f);
  }
  /** `select`: the first operand if the condition is non-zero, else the second. */
  select(): this {
    return this.op(0x1b);
  }

  // -- i32 arithmetic (addresses are compared unsigned: arena offsets may pass 2³¹)
  /** `i32.add`. */
  i32Add(): this {
    return this.op(0x6a);
  }
  /** `i32.sub`. */
  i32Sub(): this {
    return this.op(0x6b);
  }
  /** `i32.mul`. */
  i32Mul(): this {
    return this.op(0x6c);
  }
  /** `i32.and`. */
  i32And(): this {
    return this.op(0x71);
  }
  /** `i32.or`. */
  i32Or(): this {
    return this.op(0x72);
  }
  /** `i32.shr_u`. */
  i32ShrU(): this {
    return this.op(0x76);
  }
  /** `i32.eqz`. */
  i32Eqz(): this {
    return this.op(0x45);
  }
  /** `i32.eq`. */
  i32Eq(): this {
    return this.op(0x46);
  }
  /** `i32.ne`. */
  i32Ne(): this {
    return this.op(0x47);
  }
  /** `i32.lt_u`. */
  i32LtU(): this {
    return this.op(0x49);
  }
  /** `i32.gt_u`. */
  i32GtU(): this {
    return this.op(0x4b);
  }
  /** `min(x, y)` of the two i32 values on the stack, unsigned. */
  i32MinU(x: number, y: number): this {
    return this.get(x).get(y).get(x).get(y).i32LtU().select();
  }

  // -- scalar memory
  /** `i64.load` (moves 8 bytes of either float type). */
  i64Load(offset = 0): this {
    return this.op(0x29, 3, ...uleb(offset));
  }
  /** `i64.store`. */
  i64Store(offset = 0): this {
    return this.op(0x37, 3, ...uleb(offset));
  }
  /** `i32.load` (moves 4 bytes of a float32). */
  i32Load(offset = 0): this {
    return this.op(0x28, 2, ...uleb(offset));
  }
  /** `i32.store`. */
  i32Store(offset = 0): this {
    return this.op(0x36, 2, ...uleb(offset));
  }
  /** `f32.load`. */
  f32Load(offset = 0): this {
    return this.op(0x2a, 2, ...uleb(offset));
  }
  /** `f64.load`. */
  f64Load(offset = 0): this {
    return this.op(0x2b, 3, ...uleb(offset));
  }
  /** `f32.store`. */
  f32Store(offset = 0): this {
    return this.op(0x38, 2, ...uleb(offset));
  }
  /** `f64.store`. */
  f64Store(offset = 0): this {
    return this.op(0x39, 3, ...uleb(offset));
  }
  /** `memory.fill` of memory 0: pops destination, byte value, length. */
  memoryFill(): this {
    return this.op(0xfc, ...uleb(11), 0x00);
  }
  /** `memory.copy` within memory 0: pops destination, source, length (overlap allowed). */
  memoryCopy(): this {
    return this.op(0xfc, ...uleb(10), 0x00, 0x00);
  }

  // -- SIMD128
  /** A `0xFD`-prefixed SIMD opcode. */
  simd(opcode: number): this {
    return this.op(0xfd, ...uleb(opcode));
  }
  /** `v128.load`. */
  v128Load(offset = 0): this {
    return this.simd(0x00).op(4, ...uleb(offset));
  }
  /** `v128.store`. */
  v128Store(offset = 0): this {
    return this.simd(0x0b).op(4, ...uleb(offset));
  }
  /** `v128.load32_splat`: one float32 in every lane. */
  v128Load32Splat(offset = 0): this {
    return this.simd(0x09).op(2, ...uleb(offset));
  }
  /** `v128.load64_splat`: one float64 in both lanes. */
  v128Load64Splat(offset = 0): this {
    return this.simd(0x0a).op(3, ...uleb(offset));
  }
  /** `v128.store64_lane`: stores 64-bit lane `lane` of the vector. */
  v128Store64Lane(lane: number, offset = 0): this {
    return this.simd(0x5b).op(3, ...uleb(offset), lane);
  }
  /** `i8x16.shuffle`: byte i of the result is byte `bytes[i]` of the two operands concatenated (0–31). */
  i8x16Shuffle(bytes: readonly number[]): this {
    if (bytes.length !== 16 || bytes.some((b) => b < 0 || b > 31)) {
      throw new RangeError("i8x16Shuffle: 16 lanes in 0..31");
    }
    return this.simd(0x0d).op(...bytes);
  }
  /** A shuffle of 32-bit lanes (0–7 across the two operands), as `i8x16.shuffle`. */
  shuffle32(lanes: readonly number[]): this {
    return this.i8x16Shuffle(lanes.flatMap((l) => [0, 1, 2, 3].map((b) => 4 * l + b)));
  }
  /** `v128.const` of all zero bits (+0 in every float lane). */
  v128Zero(): this {
    return this.simd(0x0c).op(...new Array(16).fill(0));
  }
  /** `f32x4.splat`. */
  f32x4Splat(): this {
    return this.simd(0x13);
  }
  /** `f64x2.splat`. */
  f64x2Splat(): this {
    return this.simd(0x14);
  }
  /** `f32x4.extract_lane`. */
  f32x4ExtractLane(lane: number): this {
    return this.simd(0x1f).op(lane);
  }
  /** `f64x2.extract_lane`. */
  f64x2ExtractLane(lane: number): this {
    return this.simd(0x21).op(lane);
  }
  /** `f32x4.add`. */
  f32x4Add(): this {
    return this.simd(0xe4);
  }
  /** `f32x4.mul`. */
  f32x4Mul(): this {
    return this.simd(0xe6);
  }
  /** `f64x2.add`. */
  f64x2Add(): this {
    return this.simd(0xf0);
  }
  /** `f64x2.mul`. */
  f64x2Mul(): this {
    return this.simd(0xf2);
  }
  /** `f32x4.relaxed_madd` (relaxed SIMD): pops a, b, c, pushes a·b + c, fused or not as the engine likes. */
  f32x4RelaxedMadd(): this {
    return this.simd(0x105);
  }
  /** `f64x2.relaxed_madd` (relaxed SIMD). */
  f64x2RelaxedMadd(): this {
    return this.simd(0x107);
  }
}

/** What a module imports as its memory. */
export interface MemoryImport {
  /** Import module name. */
  readonly module: string;
  /** Import field name. */
  readonly name: string;
  /** Minimum size in 64 KiB pages. */
  readonly minPages: number;
  /** Maximum size in pages (a shared memory must declare one). */
  readonly maxPages: number;
  /** Whether the memory is shared (the import must say so to accept a shared memory). */
  readonly shared: boolean;
}

/**
 * A module under construction: one imported memory and exported functions.
 *
 * @example A function that adds two i32s
 * ```ts
 * import assert from "node:assert/strict";
 * import { Body, I32, ModuleWriter } from "./wasm_writer.ts";
 * const w = new ModuleWriter();
 * const f = new Body(2);
 * f.get(0).get(1).i32Add();
 * w.func("add", [I32, I32], [I32], f);
 * const { add } = new WebAssembly.Instance(new WebAssembly.Module(w.bytes())).exports as { add(a: number, b: number): number };
 * assert.equal(add(2, 3), 5);
 * ```
 */
export class ModuleWriter {
  private readonly types: number[][] = [];
  private readonly funcs: { type: number; name: string; body: Body }[] = [];
  private memory?: MemoryImport;

  /** Imports the module's one memory. */
  importMemory(memory: MemoryImport): this {
    this.memory = memory;
    return this;
  }

  /** Adds an exported function with the given signature; returns its index. */
  func(name: string, params: readonly ValType[], results: readonly ValType[], body: Body): number {
    const sig = [0x60, ...uleb(params.length), ...params, ...uleb(results.length), ...results];
    let type = this.types.findIndex((t) => t.length === sig.length && t.every((b, i) => b === sig[i]));
    if (type < 0) type = this.types.push(sig) - 1;
    return this.funcs.push({ type, name, body }) - 1;
  }

  /** The encoded module. */
  bytes(): Uint8Array<ArrayBuffer> {
    const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    out.push(...section(1, vector(this.types)));
    if (this.memory) {
      const m = this.memory;
      const limits = [m.shared ? 0x03 : 0x01, ...uleb(m.minPages), ...uleb(m.maxPages)];
      out.push(...section(2, vector([[...utf8(m.module), ...utf8(m.name), 0x02, ...limits]])));
    }
    out.push(...section(3, vector(this.funcs.map((f) => uleb(f.type)))));
    // Functions are numbered after imports; a memory import takes no function index.
    out.push(...section(7, vector(this.funcs.map((f, i) => [...utf8(f.name), 0x00, ...uleb(i)]))));
    out.push(...section(10, vector(this.funcs.map((f) => f.body.encode()))));
    return new Uint8Array(out);
  }
}
