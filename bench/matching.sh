#!/usr/bin/env bash
# Matching benchmarks (issue 4): recommendations for one demand, demands for one
# organisation, and the whole-country success-rate dashboard, over ORGS
# organisations, OFFERS offers and DEMANDS demands in a fresh SQLite database.
# Not a test; prints figures for BENCHMARKS.md.
#   usage: bash bench/matching.sh [ORGS OFFERS DEMANDS]   (default 100000 100000 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
ORGS="${1:-100000}"; OFFERS="${2:-100000}"; DEMANDS="${3:-1000000}"
TARGET="${CARGO_TARGET_DIR:-target}"
nice -n 10 cargo build --release -p duijie-store --example matching_bench >&2
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
echo "## Matching ($ORGS organisations, $OFFERS offers, $DEMANDS demands) — $(date -u +%F), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), git $(git rev-parse --short HEAD)"
start=$(date +%s.%N)
"$TARGET/release/examples/matching_bench" "sqlite://$TMP/m.db" "$ORGS" "$OFFERS" "$DEMANDS" 2>"$TMP/fill.log"
end=$(date +%s.%N)
sed 's/^/  /' "$TMP/fill.log" | grep -v '^  $' >&2 || true
echo "- whole run including generating the data: $(awk "BEGIN{printf \"%.0f\", $end - $start}") s; database $(du -h "$TMP/m.db" | cut -f1)"
