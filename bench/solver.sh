#!/usr/bin/env bash
# Benchmark of the pairing-plan solver (issues 5 and 18) against OR-Tools, on the project's
# generator: 100,000 organisations, 700 target counties, ~50 candidate counties each (≈5M arcs),
# in the default (national) shape and in the heavy-flow shape (maxima 100–200, capacity 1–8).
# For each shape: our solve (`plan-pairing --instance … --json`, its own `seconds`), OR-Tools'
# SimpleMinCostFlow on the DIMACS file written by `--dimacs` (its solve() call only), both
# objectives; then the re-optimisation after one edit of each kind (crates/solver/examples/plan_bench.rs).
# Usage: bash bench/solver.sh [national|heavy|both] [ORGS,COUNTIES] [SEED]
# OR-Tools comes from PyPI into a venv (ORTOOLS_VENV, default bench/out/ortools-venv) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
SHAPES="${1:-both}"
SIZE="${2:-100000,700}"
SEED="${3:-1}"
[ "$SHAPES" = both ] && SHAPES="national heavy"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
nice cargo build --release -p duijie >&2
nice cargo build --release -p duijie-solver --example plan_bench >&2
BIN="$CARGO_TARGET_DIR/release/duijie"
VENV="${ORTOOLS_VENV:-bench/out/ortools-venv}"
if ! "$VENV/bin/python" -c "import ortools" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q ortools >&2
fi
WORK="${BENCH_DIR:-$(mktemp -d)}"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB RAM, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%F %H:%M UTC'), commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates bench || echo ' (modified)')"
echo "OR-Tools $("$VENV/bin/python" -c 'import ortools; print(ortools.__version__)')"
echo
echo "| shape | arcs | ours: solve s | OR-Tools: solve s | OR-Tools / ours | our objective | OR-Tools objective | our max RSS |"
echo "|---|---|---|---|---|---|---|---|"
for SHAPE in $SHAPES; do
    INST="$WORK/plan-$SHAPE-${SIZE/,/x}-s$SEED.json"
    MIN="${INST%.json}.min"
    "$BIN" plan-pairing --generate "$SIZE" --seed "$SEED" --shape "$SHAPE" --out "$INST" 2>/dev/null
    set +e
    /usr/bin/time -v "$BIN" plan-pairing --instance "$INST" --json --dimacs "$MIN" >"$WORK/result-$SHAPE.json" 2>"$WORK/time-$SHAPE.txt"
    rc=$?
    set -e
    [ "$rc" -le 1 ] || { cat "$WORK/time-$SHAPE.txt" >&2; exit "$rc"; }
    "$VENV/bin/python" bench/ortools_mcf.py "$MIN" >"$WORK/ortools-$SHAPE.json"
    python3 - "$SHAPE" "$WORK/result-$SHAPE.json" "$WORK/ortools-$SHAPE.json" "$WORK/time-$SHAPE.txt" "$MIN" <<'PY'
import json, re, sys
shape, ours, theirs, timing, dimacs = sys.argv[1:]
r = json.load(open(ours))
o = json.load(open(theirs))
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(timing).read()).group(1))
with open(dimacs) as f:
    arcs = next(int(l.split()[3]) for l in f if l.startswith("p "))
obj = r["objective"] if r["feasible"] else f"infeasible (best effort {r['best_effort']['objective']})"
print(f"| {shape} | {arcs:,} | {r['seconds']:.3f} | {o['solve_seconds']:.3f} | {o['solve_seconds'] / r['seconds']:.1f}× | {obj} | {o['objective']} | {rss // 1024} MiB |")
PY
done
echo
for SHAPE in $SHAPES; do
    echo "re-optimisation, $SHAPE shape:"
    "$CARGO_TARGET_DIR/release/examples/plan_bench" "$SIZE" "$SEED" "$SHAPE" | sed 's/^/  /'
done
