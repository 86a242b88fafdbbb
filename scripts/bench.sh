#!/usr/bin/env bash
# Runs every benchmark on Deno and on Bun.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
for b in bench/matmul.ts bench/op_overhead.ts bench/mlp_step.ts; do
  echo "#### $b"
  deno run -A "$b"
  bun "$b"
done
