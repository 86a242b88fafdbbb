/**
 * The narrow interface every numeric backend implements: buffers in, buffers
 * out. A backend knows nothing of autodiff, tracing or shape policy; the core
 * validates shapes and dtypes and hands kernels fully resolved layouts.
 *
 * Storage (`Buf`) is an opaque handle owned by the backend that made it: the
 * core never looks inside. Each concrete tensor records its backend, hands
 * its storage back to that backend, and reads its elements through it
 * (`toTypedArray`, or `read` where a backend can only read asynchronously,
 * as a GPU would). The backends here (`ts`, `openblas`) keep storage in
 * ordinary typed arrays in JavaScript memory (`hostStorage`); such backends
 * can use each other's buffers as they are, so switching between them moves
 * nothing. A backend with storage elsewhere rejects foreign operands, and
 * `toBackend` moves tensors explicitly. `backends/host.ts` writes a
 * host-storage backend as kernels over typed arrays.
 *
 * Every kernel returns a fresh buffer and never writes to its inputs.
 *
 * @module
 */
import type { DType, TypedArray } from "../core/dtype.ts";
import type { Shape } from "../core/shape.ts";

/**
 * A tensor's storage: an opaque handle that only the backend that made it
 * can read (see the module doc). A host-storage backend's `Buf` is a typed
 * array underneath (`backends/host.ts`).
 */
export interface Buf {
  /** Brands the handle (so a typed array is not a `Buf`); there is no such property at run time. */
  readonly __brand: "dendrite.Buf";
}

/**
 * Storage kept by one compiled program between its calls. While `run`
 * executes, the backend's kernels take their outputs from it first (any
 * size, including the small arrays the shared pool leaves out) and
 * `release` hands storage back to it instead of to the shared pool, so the
 * second call of a program finds its intermediates' storage here.
 */
export interface Workspace {
  /** Runs `fn` with this workspace as the place kernels allocate from and release to. */
  run<R>(fn: () => R): R;
  /** How many outputs the last `run` had to take from elsewhere (new storage, or the shared pool). */
  readonly misses: number;
  /** Bytes held for the next run. */
  readonly bytes: number;
}

/**
 * What `Backend.random` draws from each PRNG key (`core/random` documents
 * the exact maps from Threefry words to numbers, which every backend must
 * reproduce bit for bit). `size` is the number of output elements per key.
 *
 * - `bits`: the first `size` words of the key's stream, as int32.
 * - `split`: `size / 2` child keys, as int32 word pairs.
 * - `foldIn`: one key (`size` 2) folding in `data`, or the key's element of
 *   the `data` buffer (int32 or float64, a safe integer) when `data` is absent.
 * - `uniform`, `normal`: floats of `dtype`; `bernoulli`: bool;
 *   `randint`: int32 in `[lo, hi)`; `permutation`: int32, a permutation of
 *   `0 … size − 1`; `gumbel`: standard Gumbel noise in float64.
 */
export type RandomDraw =
  | { readonly kind: "bits"; readonly size: number }
  | { readonly kind: "split"; readonly size: number }
  | { readonly kind: "foldIn"; readonly size: 2; readonly data?: number }
  | {
    readonly kind: "uniform";
    readonly size: number;
    readonly dtype: "float32" | "float64";
    readonly lo: number;
    readonly hi: number;
  }
  | {
    readonly kind: "normal";
    readonly size: number;
    readonly dtype: "float32" | "float64";
    readonly mean: number;
    readonly std: number;
  }
  | { readonly kind: "bernoulli"; readonly size: number; readonly p: number }
  | { readonly kind: "randint"; readonly size: number; readonly lo: number; readonly hi: number }
  | { readonly kind: "permutation"; readonly size: number }
  | { readonly kind: "gumbel"; readonly size: number };

/** Elementwise unary kernels. Output dtype equals input dtype (`logicalNot`: bool → bool). */
export type UnaryOp =
  | "neg"
  | "abs"
  | "sign"
  | "exp"
  | "log"
  | "log1p"
  | "expm1"
  | "sqrt"
  | "rsqrt"
  | "square"
  | "sin"
  | "cos"
  | "tan"
  | "tanh"
  | "sigmoid"
  | "softplus"
  | "erf"
  | "relu"
  | "floor"
  | "ceil"
  | "round"
  | "logicalNot";

/** Every {@link UnaryOp}, in a fixed order (for tables and generated tests). */
export const UNARY_OPS: readonly UnaryOp[] = Object.freeze([
  "neg",
  "abs",
  "sign",
  "exp",
  "log",
  "log1p",
  "expm1",
  "sqrt",
  "rsqrt",
  "square",
  "sin",
  "cos",
  "tan",
  "tanh",
  "sigmoid",
  "softplus",
  "erf",
  "relu",
  "floor",
  "ceil",
  "round",
  "logicalNot",
]);

/** Elementwise binary kernels with broadcasting. Comparisons and logical ops produce `bool`. */
export type BinaryOp =
  | "add"
  | "sub"
  | "mul"
  | "div"
  | "pow"
  | "maximum"
  | "minimum"
  | "equal"
  | "notEqual"
  | "less"
  | "lessEqual"
  | "greater"
  | "greaterEqual"
  | "logicalAnd"
  | "logicalOr";

/** Reductions. `argmax`/`argmin` reduce exactly one axis and produce `int32`. */
export type ReduceOp = "sum" | "prod" | "max" | "min" | "argmax" | "argmin";

/**
 * How the inputs of an elementwise kernel map onto its output: the output
 * shape and, per input, strides in elements (0 on broadcast axes). Inputs are
 * contiguous row-major buffers; `strides[i].length === shape.length`.
 */
export interface BroadcastLayout {
  /** The output's shape. */
  readonly shape: Shape;
  /** Per input, its strides over the output's axes (0 where it is broadcast). */
  readonly strides: readonly (readonly number[])[];
}

/** A strided view of a buffer: element `idx` is at `offset + Σ idx[d]·strides[d]`. */
export interface StridedView {
  /** The view's shape (and the output's). */
  readonly shape: Shape;
  /** Step in elements per axis; 0 repeats, negative walks backwards. */
  readonly strides: readonly number[];
  /** Where element [0, …, 0] is. */
  readonly offset: number;
}

/**
 * A batch of matrix products `C[b] = op(A[b]) · op(B[b])`, `C[b]` is m×n.
 * op(A) is m×k: A is stored m×k (row-major, lda = k) or, with `transA`, k×m
 * (lda = m). Likewise op(B) is k×n: B stored k×n, or n×k with `transB`.
 * Batch `b` of A starts at `b·aBatchStride` (0 reuses one matrix for every
 * batch). The output is contiguous `[batch, m, n]`.
 */
export interface GemmDims {
  /** Number of products. */
  readonly batch: number;
  /** Rows of op(A) and of C. */
  readonly m: number;
  /** Columns of op(B) and of C. */
  readonly n: number;
  /** Columns of op(A), rows of op(B). */
  readonly k: number;
  /** A is stored k×m and used transposed. */
  readonly transA: boolean;
  /** B is stored n×k and used transposed. */
  readonly transB: boolean;
  /** Elements between consecutive A matrices (0: one A for all). */
  readonly aBatchStride: number;
  /** Elements between consecutive B matrices (0: one B for all). */
  readonly bBatchStride: number;
}

/**
 * Where the patches of an NHWC image lie: the layout shared by
 * `extractPatches` (im2col) and `foldPatches` (col2im). Patch `(oh, ow)`,
 * element `(kh, kw)` reads image row `oh·sh − top + kh·dh` and column
 * `ow·sw − left + kw·dw`; a position outside the image is padding. Patches
 * are stored `[N, OH, OW, KH, KW, C]`, row-major. The core has checked that
 * every window ends inside the padded image.
 */
export interface PatchLayout {
  /** The image's shape `[N, H, W, C]`. */
  readonly image: Shape;
  /** The grid of patches `[OH, OW]`. */
  readonly grid: readonly [number, number];
  /** The window `[KH, KW]`. */
  readonly kernel: readonly [number, number];
  /** Steps between neighbouring windows `[sh, sw]` (≥ 1). */
  readonly strides: readonly [number, number];
  /** Steps between neighbouring taps of a window `[dh, dw]` (≥ 1). */
  readonly dilation: readonly [number, number];
  /** Padding `[[top, bottom], [left, right]]` (≥ 0). */
  readonly padding: readonly [readonly [number, number], readonly [number, number]];
}

/** The binary ops a fused elementwise program may use (those with a float result). */
export type FusedBinaryOp = "add" | "sub" | "mul" | "div" | "pow" | "maximum" | "minimum";

/** The unary ops a fused elementwise program may use (all but `logicalNot`). */
export type FusedUnaryOp = Exclude<UnaryOp, "logicalNot">;

/** Every {@link FusedUnaryOp}. */
export const FUSED_UNARY_OPS: readonly FusedUnaryOp[] = Object.freeze(
  UNARY_OPS.filter((op): op is FusedUnaryOp => op !== "logicalNot"),
);

/** Every {@link FusedBinaryOp}. */
export const FUSED_BINARY_OPS: readonly FusedBinaryOp[] = Object.freeze([
  "add",
  "sub",
  "mul",
  "div",
  "pow",
  "maximum",
  "minimum",
]);

/**
 * One instruction of a {@link FusedProgram}; it defines the next value.
 * Arguments name earlier values: inputs first, then instructions in order.
 */
export type FusedInstr =
  | { readonly op: "const"; readonly value: number }
  | { readonly op: FusedUnaryOp; readonly args: readonly [number] }
  | { readonly op: FusedBinaryOp; readonly args: readonly [number, number] };

/**
 * A straight-line elementwise program over float values, run in one pass by
 * `Backend.fused`. Values `0 … inputs.length − 1` are the inputs; value
 * `inputs.length + i` is what `body[i]` computes.
 */
export interface FusedProgram {
  /** Per input, whether it is a single value applied to every element. */
  readonly scalarInputs: readonly boolean[];
  /**
   * Optional: per input, whether it is a row of `rowLength` elements
   * repeated along the output (a bias row added to every row of a matrix:
   * element `i` reads `x[i % rowLength]`). A backend whose kernel has no
   * such form runs the program through another that has (the TS kernel).
   */
  readonly rowInputs?: readonly boolean[];
  /** The length of the row inputs; the size is a multiple of it. */
  readonly rowLength?: number;
  /** The instructions, in order. */
  readonly body: readonly FusedInstr[];
  /** The values returned, each as a fresh buffer. */
  readonly outputs: readonly number[];
  /** Equal for equal programs: a cache key for compiled kernels. */
  readonly key: string;
}

/** The kernels a backend provides. See the module doc for the rules. */
export interface Backend {
  /** `"ts"`, `"openblas"`, … */
  readonly name: string;
  /**
   * Whether its buffers are typed arrays in JavaScript memory, which every
   * other host-storage backend can take as operands unchanged.
   */
  readonly hostStorage: boolean;

  /** Takes ownership of a typed array as storage (the caller must not write to it again). */
  fromTypedArray(data: TypedArray): Buf;
  /**
   * A typed array with the buffer's elements, synchronously; callers must not
   * write to it. A backend that cannot read synchronously throws a
   * `BackendError` that points to `read`.
   */
  toTypedArray(buf: Buf): TypedArray;
  /** A fresh typed array with the buffer's elements, which the caller owns. */
  read(buf: Buf): Promise<TypedArray>;
  /**
   * Takes back a buffer that nothing references any more (its tensor was
   * disposed); the backend may reuse its storage for a later output, or
   * ignore it. The core calls this only for buffers a kernel made and no
   * other tensor shares.
   */
  release(buf: Buf): void;
  /**
   * A new, empty {@link Workspace}: storage set aside for one compiled
   * program (`jit`), which its intermediates reuse from one call to the next.
   */
  workspace(): Workspace;
  /** A buffer of `size` elements all equal to `value`. */
  full(dtype: DType, size: number, value: number): Buf;

  /** `out[i] = op(x[i])`. */
  unary(op: UnaryOp, x: Buf, dtype: DType): Buf;
  /** `out[idx] = op(a[idx·sa], b[idx·sb])` over `layout.shape`; `dtype` is the inputs' dtype. */
  binary(op: BinaryOp, a: Buf, b: Buf, layout: BroadcastLayout, dtype: DType): Buf;
  /** `out[idx] = cond[idx] ? a[idx] : b[idx]` with broadcasting (strides: cond, a, b). */
  where(cond: Buf, a: Buf, b: Buf, layout: BroadcastLayout, dtype: DType): Buf;
  /** Converts elements: float → int truncates toward zero (NaN → 0), anything → bool is `x ≠ 0`. */
  cast(x: Buf, from: DType, to: DType): Buf;

  /**
   * Reduces `x` (of `shape`) over the sorted, distinct `axes`; the result has
   * `shape` with those axes removed, in order. Empty reductions give the
   * identity: sum 0, prod 1, max −∞, min +∞. NaN propagates through max/min.
   * argmax/argmin take exactly one axis, return the first index of the
   * extreme (the first NaN if any) as int32.
   */
  reduce(op: ReduceOp, x: Buf, shape: Shape, axes: readonly number[], dtype: DType): Buf;

  /**
   * Running sums along `axis` of `x` (of `shape`): `out[…, i, …] = Σ_{j ≤ i}
   * x[…, j, …]`, or `Σ_{j ≥ i}` with `reverse`. Same shape and dtype; float32
   * accumulates in doubles, int32 wraps.
   */
  cumsum(x: Buf, shape: Shape, axis: number, reverse: boolean, dtype: DType): Buf;
  /**
   * The int32 indices that sort `x` (of `shape`) along `axis`, ascending or
   * descending; stable (equal values keep their order) and NaN last in both
   * orders, as NumPy's stable sort.
   */
  argsort(x: Buf, shape: Shape, axis: number, descending: boolean, dtype: DType): Buf;

  /** Batched matrix product, see {@link GemmDims}. `dtype` is float32 or float64. */
  gemm(a: Buf, b: Buf, dims: GemmDims, dtype: DType): Buf;

  /** Copies a strided view into a fresh contiguous buffer (transpose, broadcast, slice). */
  copyStrided(x: Buf, view: StridedView, dtype: DType): Buf;
  /**
   * Pads each axis with `lo[d]` elements before, `hi[d]` after and
   * `interior[d]` between neighbours (all ≥ 0), filling with `value`.
   */
  pad(
    x: Buf,
    shape: Shape,
    lo: readonly number[],
    hi: readonly number[],
    interior: readonly number[],
    value: number,
    dtype: DType,
  ): Buf;
  /** Joins buffers along `axis`; every shape equals the others except on `axis`. */
  concat(xs: readonly Buf[], shapes: readonly Shape[], axis: number, dtype: DType): Buf;
  /**
   * `np.take(x, indices, axis)`: the output shape is
   * `shape[:axis] + indexShape + shape[axis+1:]`. `indices` is an int32
   * buffer; an index `i` in `[-d, 0)` means `i + d` (d = `shape[axis]`), and
   * one outside `[-d, d)` throws a `ValueError` naming `op` (the kernel
   * checks where the indices are, so the core needs no host copy).
   */
  gather(x: Buf, shape: Shape, indices: Buf, indexShape: Shape, axis: number, dtype: DType, op: string): Buf;
  /**
   * The transpose of `gather`: a zero buffer of `outShape` to which each slice
   * of `updates` (shape `outShape[:axis] + indexShape + outShape[axis+1:]`) is
   * added at its index along `axis`. Repeated indices accumulate; indices
   * wrap and are checked as in `gather`.
   */
  scatterAdd(
    updates: Buf,
    indices: Buf,
    indexShape: Shape,
    outShape: Shape,
    axis: number,
    dtype: DType,
    op: string,
  ): Buf;
  /**
   * im2col: the patches of an NHWC image as a fresh `[N, OH, OW, KH, KW, C]`
   * buffer (see {@link PatchLayout}); taps that fall in the padding read `padValue`.
   */
  extractPatches(x: Buf, layout: PatchLayout, padValue: number, dtype: DType): Buf;
  /**
   * col2im, the transpose of `extractPatches`: a zero `[N, H, W, C]` buffer to
   * which every patch element is added at the image position it came from;
   * elements that came from the padding are dropped.
   */
  foldPatches(patches: Buf, layout: PatchLayout, dtype: DType): Buf;
  /**
   * Runs a {@link FusedProgram} over `size` elements in one pass: every
   * non-scalar input holds `size` elements (a scalar input holds one), and
   * each output is a fresh buffer of `size` elements of `dtype` (float32 or
   * float64). Each op follows the rules of `unary`/`binary`; intermediate
   * values may be kept at higher precision than `dtype`.
   */
  fused(program: FusedProgram, inputs: readonly Buf[], size: number, dtype: DType): Buf[];
  /**
   * Draws from `count` PRNG keys at once: `keys` holds them as int32 word
   * pairs (`[count, 2]`), and the output holds `draw.size` elements per key,
   * key after key (dtype: see {@link RandomDraw}). `data` holds one number
   * per key (int32 or float64) for a `foldIn` whose data is a tensor, else
   * it is null.
   */
  random(draw: RandomDraw, keys: Buf, count: number, data: Buf | null): Buf;
}
