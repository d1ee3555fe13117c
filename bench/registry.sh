#!/usr/bin/env bash
# Registry benchmarks: import of N organisations from .xlsx with full validation,
# and name search latency over them. Not a test; prints figures for BENCHMARKS.md.
#   usage: bash bench/registry.sh [N]   (default 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100000}"
TARGET="${CARGO_TARGET_DIR:-target}"
nice -n 10 cargo build --release -p duijie --bin duijie --example registry_bench >&2
BIN="$TARGET/release/duijie"
EX="$TARGET/release/examples/registry_bench"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

echo "## Registry ($N organisations) — $(date -u +%F), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), git $(git rev-parse --short HEAD)"
"$EX" generate "$N" "$TMP/orgs.xlsx" >&2
echo "- file: $(du -h "$TMP/orgs.xlsx" | cut -f1) xlsx, $N rows"
# Reference data first, so the import is timed alone.
"$BIN" --database "sqlite://$TMP/r.db" user list >/dev/null 2>&1
start=$(date +%s.%N)
"$BIN" --database "sqlite://$TMP/r.db" import organisations "$TMP/orgs.xlsx" 2>"$TMP/import.log"
end=$(date +%s.%N)
echo "- \`duijie import organisations\` (read xlsx, validate every row, write in one transaction): $(awk "BEGIN{printf \"%.2f\", $end - $start}") s — $(tail -1 "$TMP/import.log")"
start=$(date +%s.%N)
"$BIN" --database "sqlite://$TMP/r.db" import organisations "$TMP/orgs.xlsx" --dry-run 2>"$TMP/again.log"
end=$(date +%s.%N)
echo "- re-import check of the same file (nothing to write): $(awk "BEGIN{printf \"%.2f\", $end - $start}") s — $(grep 检查通过 "$TMP/again.log")"
echo "- search:"
"$EX" search "sqlite://$TMP/r.db" 5000 2>&1 | sed 's/^/  /'
