#!/usr/bin/env bash
# Supervision flags (监管预警, issue 13) at national scale. Not a test; prints Markdown for BENCHMARKS.md.
#   usage: bash bench/flags.sh [ORGS] [PROJECTS] [PROGRESS]   (default 100000 1000000 3000000)
# 1. `duijie demo` on a fresh SQLite file, then bench/reports_fill.py adds ORGS organisations,
#    PROJECTS projects and PROGRESS progress updates (none with evidence files: every started
#    project with figures breaks the evidence rule, the worst case for the job);
# 2. `duijie flags` twice, timed: the first run raises every flag, the second is a day when
#    nothing changed (every rule evaluated again, nothing new to write);
# 3. `duijie serve` on it: wrk -t2 -c32 on /healthz and on GET /api/v1/flags for a county's
#    civil-affairs office (yl_mz, 530628) and a province's (yn_mz, 53), in the same run.
# Env: BENCH_SKIP_BUILD=1 uses the binary already in $CARGO_TARGET_DIR/release; BENCH_DIR keeps the files.
set -euo pipefail
cd "$(dirname "$0")/.."
ORGS="${1:-100000}"; PROJECTS="${2:-1000000}"; PROGRESS="${3:-3000000}"
TARGET="${CARGO_TARGET_DIR:-target}"
[ -n "${BENCH_SKIP_BUILD:-}" ] || nice -n 10 cargo build --release -p duijie --bin duijie >&2
BIN="$TARGET/release/duijie"
for tool in wrk sqlite3; do command -v "$tool" >/dev/null || { echo "$tool missing: apt-get install -y $tool" >&2; exit 1; }; done
TMP="${BENCH_DIR:-$(mktemp -d)}"; mkdir -p "$TMP"
DB="$TMP/flags.db"; PORT=18095; BASE="http://127.0.0.1:$PORT"
export DUIJIE_LOG=warn DUIJIE_DATA_KEY_FILE="$TMP/data.key" DUIJIE_SEARCH_DIR="$TMP/search" DUIJIE_LOG_KEY_FILE="$TMP/log.key"
now() { date +%s.%N; }
secs() { awk "BEGIN{printf \"%.1f\", $2 - $1}"; }

echo "## Supervision flags — $(date -u '+%F %H:%M') UTC, $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), git $(git rev-parse --short HEAD)"
echo
if [ ! -f "$DB" ]; then
    "$BIN" --database "sqlite://$DB" demo >/dev/null 2>"$TMP/demo.err" || { cat "$TMP/demo.err" >&2; exit 1; }
    t0=$(now); python3 bench/reports_fill.py "$DB" "$ORGS" "$PROJECTS" "$PROGRESS" >/dev/null 2>"$TMP/fill.err" || { cat "$TMP/fill.err" >&2; exit 1; }; t1=$(now)
    echo "- filled by bench/reports_fill.py in $(secs "$t0" "$t1") s"
fi
echo "- data: $(sqlite3 "$DB" "SELECT (SELECT COUNT(*) FROM organizations) || ' organisations, ' || (SELECT COUNT(*) FROM projects) || ' projects, ' || (SELECT COUNT(*) FROM project_progress) || ' progress updates, ' || (SELECT COUNT(*) FROM pairings) || ' pairings'"); $(du -h "$DB" | cut -f1) on disk"
for run in first second; do
    t0=$(now); /usr/bin/time -f "%M" -o "$TMP/flags.mem" "$BIN" --database "sqlite://$DB" flags 2>"$TMP/flags.err" >/dev/null || { cat "$TMP/flags.err" >&2; exit 1; }; t1=$(now)
    echo "- \`duijie flags\`, $run run: **$(secs "$t0" "$t1") s**, max RSS $(( $(cat "$TMP/flags.mem") / 1024 )) MB — $(grep -o '监管预警.*' "$TMP/flags.err")"
done
echo "- standing flags by rule: $(sqlite3 "$DB" "SELECT group_concat(rule || ' ' || n, ', ') FROM (SELECT rule, COUNT(*) AS n FROM supervision_flags WHERE cleared_at IS NULL GROUP BY rule)")"
echo "- flags over 530628 (county): $(sqlite3 "$DB" "SELECT COUNT(*) FROM supervision_flags WHERE cleared_at IS NULL AND ((region_code >= '530628' AND region_code < '530629') OR (org_region >= '530628' AND org_region < '530629'))"); over 53 (province): $(sqlite3 "$DB" "SELECT COUNT(*) FROM supervision_flags WHERE cleared_at IS NULL AND ((region_code >= '53' AND region_code < '54') OR (org_region >= '53' AND org_region < '54'))")"

nice -n 10 "$BIN" serve --addr "127.0.0.1:$PORT" --database "sqlite://$DB" >"$TMP/serve.out" 2>"$TMP/serve.err" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 1200); do curl -sf -o /dev/null "$BASE/healthz" && break; sleep 0.1; done
token() { curl -s -X POST -H 'content-type: application/json' -d "{\"username\":\"$1\",\"password\":\"Duijie2026\"}" "$BASE/api/v1/auth/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'; }
COUNTY=$(token yl_mz); PROVINCE=$(token yn_mz)
curl -sf -H "Authorization: Bearer $COUNTY" "$BASE/api/v1/flags" >/dev/null || { echo "the flag list does not answer" >&2; exit 1; }
row() {  # row LABEL FILE
    awk -v label="$1" '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Non-2xx/ {bad=$NF} END {printf "| %s | %s | %s | %s | %s |\n", label, rps, p50, p99, bad+0}' "$2"
}
wrk -t2 -c32 -d20s --latency "$BASE/healthz" >"$TMP/healthz.txt"
wrk -t2 -c32 -d20s --latency -H "Authorization: Bearer $COUNTY" "$BASE/api/v1/flags" >"$TMP/county.txt"
wrk -t2 -c32 -d20s --latency -H "Authorization: Bearer $PROVINCE" "$BASE/api/v1/flags" >"$TMP/province.txt"
echo
echo "wrk -t2 -c32 -d20s, the same server, one after the other:"
echo
echo "| route | req/s | p50 | p99 | non-2xx |"
echo "|---|---:|---:|---:|---:|"
row '`/healthz` (reference)' "$TMP/healthz.txt"
row '`GET /api/v1/flags` (yl_mz, a county civil-affairs office)' "$TMP/county.txt"
row '`GET /api/v1/flags` (yn_mz, the provincial office: its newest 500)' "$TMP/province.txt"
