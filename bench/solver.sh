#!/usr/bin/env bash
# Benchmark of the pairing-plan solver (issue 5): a national-scale instance of 100,000
# organisations, 700 target counties, ~50 candidate counties each (≈5M candidate arcs).
# Usage: bash bench/solver.sh [ORGS,COUNTIES] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE="${1:-100000,700}"
SEED="${2:-1}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
nice cargo build --release -p duijie >&2
BIN="$CARGO_TARGET_DIR/release/duijie"
WORK="${BENCH_DIR:-$(mktemp -d)}"
INST="$WORK/plan-${SIZE/,/x}-s$SEED.json"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB RAM, $(date -u +%F)"
"$BIN" plan-pairing --generate "$SIZE" --seed "$SEED" --out "$INST"
echo "instance: $INST ($(du -h "$INST" | cut -f1))"
set +e
/usr/bin/time -v "$BIN" plan-pairing --instance "$INST" --json >"$WORK/result.json" 2>"$WORK/time.txt"
rc=$?
set -e
echo "exit code: $rc"
grep -E "Elapsed \(wall clock\)|Maximum resident set size" "$WORK/time.txt" | sed 's/^\s*//'
python3 - "$WORK/result.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"solver seconds: {r['seconds']:.3f}")
print(f"objective: {r['objective']}  covered: {r['covered']}  uncovered: {len(r['uncovered'])}  new pairs: {r.get('new_pairs')}")
PY
