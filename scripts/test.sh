#!/usr/bin/env bash
# The whole test suite: static checks, then every test under Deno and under
# Bun. Both runtimes always run; the script fails if any step failed.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
# Tests that are not about backends run on the reference TypeScript backend,
# whatever is installed (the library's own default is the automatic choice);
# the backend suites choose each backend explicitly. DENDRITE_BACKEND=wasm
# npm test runs the rest on another backend.
export DENDRITE_BACKEND="${DENDRITE_BACKEND:-ts}"
status=0
step() {
  local name=$1
  shift
  echo "==== $name"
  if "$@"; then echo "==== $name: ok"; else echo "==== $name: FAILED"; status=1; fi
}
step "static checks" bash scripts/check.sh
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
# Dot reporters: one dot per passing test, failures in full, then the counts
# (`-q` drops Deno's "Check <file>" lines; scripts/dots.awk joins Deno's dots,
# which it prints one per line when not on a terminal).
step "deno test" bash -c "set -o pipefail; deno test -q --reporter=dot -A --v8-flags=--expose-gc --doc tests/ mod.ts core/ backends/ testing/ layers/ losses/ optim/ data/ metrics/ classic/ io/ plot/ 2>&1 | tee '$log/deno' | awk -f scripts/dots.awk"
step "bun test" bash -c "set -o pipefail; bun test --dots --timeout 120000 tests/ 2>&1 | tee '$log/bun'"
# One summary line over both runtimes (Deno counts top-level tests and doc examples, Bun counts every test).
strip() { sed 's/\x1b\[[0-9;]*m//g' "$1" 2>/dev/null; }
dp=$(strip "$log/deno" | grep -E '^(ok|FAILED) \|' | sed -E 's/.*\| ([0-9]+) passed.*/\1/' | tail -1)
df=$(strip "$log/deno" | grep -E '^(ok|FAILED) \|' | sed -E 's/.*\| ([0-9]+) failed.*/\1/' | tail -1)
bp=$(strip "$log/bun" | grep -E '^ *[0-9]+ pass$' | grep -oE '[0-9]+' | tail -1)
bf=$(strip "$log/bun" | grep -E '^ *[0-9]+ fail$' | grep -oE '[0-9]+' | tail -1)
if [ "$status" = 0 ]; then echo "all test suites passed (deno and bun)"; else echo "some test suites FAILED"; fi
echo "deno + bun: $(( ${dp:-0} + ${bp:-0} )) passed, $(( ${df:-0} + ${bf:-0} )) failed"
exit $status
