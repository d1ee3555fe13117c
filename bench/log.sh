#!/usr/bin/env bash
# The verifiable log at scale (issue 14). Not a test; prints Markdown for BENCHMARKS.md.
#   usage: bash bench/log.sh [N]   (default 10000000 entries)
# 1. a second, small SQLite platform database gets 1,000 audited changes; the latency
#    of one audited write (own transaction, committed) is measured there ("today's");
# 2. the log is filled to N entries (public pairing entries, 10,000 per transaction,
#    through the platform's own append: audit row, chain head, leaf, subtrees);
# 3. at N: one audited write again; inclusion and consistency proofs and signing a
#    checkpoint as duijie_app::log does them (library, one caller);
# 4. `duijie serve` (release) on it: wrk -t2 -c32 on /healthz and on
#    GET /api/v1/public/log/proof/inclusion at random indexes, in the same run;
# 5. `duijie log export` of every entry (compact, then JSON) and `duijie log verify --entries` of the
#    export against a signed checkpoint, offline (entries per second).
# Env: BENCH_SKIP_BUILD=1 uses the binaries already in $CARGO_TARGET_DIR/release;
# BENCH_DIR=path keeps the database there (a second run skips the fill).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-10000000}"
TARGET="${CARGO_TARGET_DIR:-target}"
[ -n "${BENCH_SKIP_BUILD:-}" ] || nice -n 10 cargo build --release -p duijie --bin duijie --example log_bench >&2
BIN="$TARGET/release/duijie"
EX="$TARGET/release/examples/log_bench"
command -v wrk >/dev/null || { echo "wrk missing: apt-get install -y wrk" >&2; exit 1; }
TMP="${BENCH_DIR:-$(mktemp -d)}"
mkdir -p "$TMP"
DB="sqlite://$TMP/log.db"
PORT=18094
now() { date +%s.%N; }
secs() { awk "BEGIN{printf \"%.2f\", $2 - $1}"; }

echo "## Verifiable log at $N entries — $(date -u '+%F %H:%M') UTC, $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), git $(git rev-parse --short HEAD)"
echo
rm -f "$TMP"/small.db*
"$EX" fill "sqlite://$TMP/small.db" 1000 >/dev/null
echo "- $("$EX" writes "sqlite://$TMP/small.db" 2000)"
t0=$(now); "$EX" fill "$DB" "$N" >"$TMP/fill.txt" 2>"$TMP/fill.err"; t1=$(now)
echo "- fill to $N entries: $(cat "$TMP/fill.txt") (this run: $(secs "$t0" "$t1") s; $(du -h "$TMP/log.db" | cut -f1) on disk)"
echo "- $("$EX" writes "$DB" 2000)"
"$EX" proofs "$DB" 10000 | sed 's/^/- /'
echo "- $("$EX" sign "$DB" 20)"

export DUIJIE_LOG_KEY_FILE="$TMP/log.key" DUIJIE_DATA_KEY_FILE="$TMP/data.key" DUIJIE_LOG=warn DUIJIE_SEARCH_DIR="$TMP/search"
[ -f "$TMP/log.key" ] || "$BIN" log keygen --name duijie.bench/log --out "$TMP/log.key" >/dev/null 2>&1
"$BIN" --database "$DB" log checkpoint >"$TMP/held.cp" 2>/dev/null
SIZE=$(sed -n 2p "$TMP/held.cp")

nice -n 10 "$BIN" serve --addr "127.0.0.1:$PORT" --database "$DB" >"$TMP/serve.out" 2>"$TMP/serve.err" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.1; done
cat >"$TMP/inclusion.lua" <<EOF
math.randomseed(7)
request = function()
  return wrk.format("GET", "/api/v1/public/log/proof/inclusion?index=" .. math.random(0, $SIZE - 1) .. "&size=$SIZE")
end
EOF
row() {  # row LABEL FILE
    awk -v label="$1" '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Non-2xx/ {bad=$NF} END {printf "| %s | %s | %s | %s | %s |\n", label, rps, p50, p99, bad+0}' "$2"
}
curl -sf "http://127.0.0.1:$PORT/api/v1/public/log/proof/inclusion?index=1&size=$SIZE" >/dev/null || { echo "the inclusion endpoint does not answer" >&2; exit 1; }
wrk -t2 -c32 -d20s --latency "http://127.0.0.1:$PORT/healthz" >"$TMP/healthz.txt"
wrk -t2 -c32 -d20s --latency -s "$TMP/inclusion.lua" "http://127.0.0.1:$PORT" >"$TMP/inclusion.txt"
echo
echo "wrk -t2 -c32 -d20s, the same server, one after the other:"
echo
echo "| route | req/s | p50 | p99 | non-2xx |"
echo "|---|---:|---:|---:|---:|"
row '`/healthz` (reference)' "$TMP/healthz.txt"
row "\`GET /api/v1/public/log/proof/inclusion\` (random index, size $SIZE)" "$TMP/inclusion.txt"
kill $SERVER; wait $SERVER 2>/dev/null || true
echo

verify_run() {  # verify_run LABEL FILE: log verify of an export, timed
    local t0 t1
    t0=$(now); /usr/bin/time -f "%M" -o "$TMP/verify.mem" "$BIN" log verify --checkpoint "$TMP/held.cp" --key "$TMP/log.key.pub" --entries "$2" 2>"$TMP/verify.err"; t1=$(now)
    grep -q "树根与检查点一致" "$TMP/verify.err" || { cat "$TMP/verify.err" >&2; exit 1; }
    echo "- \`duijie log verify --entries\` of the $1 export (every public entry decoded and hashed, the root recomputed, the signature checked): $(secs "$t0" "$t1") s = **$(awk "BEGIN{printf \"%.0f\", $SIZE / ($t1 - $t0)}") entries/s**, max RSS $(( $(cat "$TMP/verify.mem") / 1024 )) MB"
}
t0=$(now); "$BIN" --database "$DB" log export --compact --out "$TMP/entries.bin" 2>/dev/null; t1=$(now)
echo "- \`duijie log export --compact\` of $SIZE entries: $(secs "$t0" "$t1") s, $(du -h "$TMP/entries.bin" | cut -f1)"
verify_run compact "$TMP/entries.bin"
t0=$(now); "$BIN" --database "$DB" log export --out "$TMP/entries.json" 2>/dev/null; t1=$(now)
echo "- \`duijie log export\` (JSON) of $SIZE entries: $(secs "$t0" "$t1") s, $(du -h "$TMP/entries.json" | cut -f1)"
verify_run JSON "$TMP/entries.json"
