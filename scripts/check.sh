#!/usr/bin/env bash
# Static checks: type-check every file, lint, and formatting.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH" NO_COLOR=1
# Every TypeScript file git knows or would add (deleted ones left out).
files=$(git ls-files --cached --others --exclude-standard '*.ts' | sort -u | while read -r f; do [ -f "$f" ] && echo "$f"; done)
echo "== deno check ($(echo "$files" | wc -l) files)"
deno check -q $files
echo "== deno lint"
deno lint
echo "== deno fmt --check"
deno fmt --check
echo "== deno doc --lint mod.ts (every export documented, no private types in public signatures)"
deno doc --lint mod.ts
