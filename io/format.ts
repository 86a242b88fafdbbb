/**
 * Constants of the safetensors format: dtype names, item sizes, limits.
 *
 * @module
 */
import type { DType } from "../core/dtype.ts";

/** The safetensors dtype name each of our dtypes is stored as. */
export const TO_SAFETENSORS: Readonly<Record<DType, string>> = {
  float32: "F32",
  float64: "F64",
  int32: "I32",
  bool: "BOOL",
};

/** The dtypes we read back, by safetensors name. */
export const FROM_SAFETENSORS: Readonly<Record<string, DType>> = {
  F32: "float32",
  F64: "float64",
  I32: "int32",
  BOOL: "bool",
};

/**
 * Valid safetensors dtypes we cannot hold: a file with one is well formed
 * but unsupported, which is a different message from an unknown name.
 */
export const UNSUPPORTED_DTYPES: ReadonlySet<string> = new Set([
  "F16",
  "BF16",
  "I64",
  "U8",
  "I8",
  "I16",
  "U16",
  "U32",
  "U64",
  "F8_E4M3",
  "F8_E5M2",
  "F8_E8M0",
  "F6_E2M3",
  "F6_E3M2",
  "F4",
  "C64",
]);

/** Bytes per element. */
export const ITEM_SIZE: Readonly<Record<DType, number>> = { float32: 4, float64: 8, int32: 4, bool: 1 };

/** The largest header we read (the Rust reference uses the same cap). */
export const MAX_HEADER = 100_000_000;

/** The key that holds string metadata instead of a tensor. */
export const METADATA_KEY = "__metadata__";

/** Whether this machine stores typed arrays little-endian (then bytes copy straight through). */
export const LITTLE_ENDIAN: boolean = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** Reverses each `size`-byte group of `bytes` in place (big-endian machines only). */
export const swapBytes = (bytes: Uint8Array, size: number): void => {
  if (size === 1) return;
  for (let i = 0; i + size <= bytes.length; i += size) bytes.subarray(i, i + size).reverse();
};
