#!/usr/bin/env bash
# Runs every benchmark on Deno and on Bun. The OpenBLAS benchmarks need
# libopenblas0 (they say so and stop without it).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
for b in bench/matmul.ts bench/op_overhead.ts bench/openblas_matmul.ts bench/openblas_blas1.ts bench/mlp_step.ts bench/mlp_memory.ts bench/optim_adam.ts bench/fit_loop.ts bench/rnn_cnn_step.ts bench/fashion_mnist_epoch.ts bench/vmap_per_example.ts bench/jit_step.ts bench/jit_mlp.ts bench/scan_loop.ts bench/fused_adam.ts bench/storage_no_dispose.ts; do
  echo "#### $b"
  # --expose-gc lets the memory benchmark force collections on Deno (Bun has Bun.gc).
  deno run -A --v8-flags=--expose-gc "$b"
  bun "$b"
done
