#!/usr/bin/env bash
# The half-year cycle (调度, issue 12) at national scale, through the front door.
# Not a test. Prints a Markdown report on stdout, progress on stderr.
#
#   1. a fresh SQLite file in a mktemp directory: `duijie demo`, then
#      bench/reports_fill.py inserts BENCH_ORGS organisations (province,
#      prefecture and county registrations over every province), BENCH_PROJECTS
#      projects in 2026 and BENCH_PROGRESS progress updates, then ANALYZE;
#      a national civil-affairs user (nat_mz) and one civil-affairs user per
#      Yunnan prefecture are added with `duijie user add`;
#   2. `duijie serve` (release, nice -n 10) on it, 127.0.0.1 only; bearer tokens
#      from POST /api/v1/auth/token;
#   3. (a) yn_mz defines a half-year report (levels prefecture + county, tables
#      jiangsu-1 and jiangsu-2); every prefecture unit of Yunnan and the
#      province's roll-up (/units/53) are fetched, twice; then every county unit;
#      (b) nat_mz defines a national report (level prefecture, same tables); the
#      national roll-up (/units/000000) is fetched twice (after the export below,
#      the 16 Yunnan prefectures write their narrative and submit, nat_mz
#      approves them, and it is fetched twice again);
#      (c) wrk -t2 -c32: /healthz, a county unit's report, the matching
#      dashboard API, the /dashboard page of a provincial officer, the
#      projects dashboard /projects/stats of that officer and of nat_mz, /healthz;
#      (d) the server is restarted; 附件2 (jiangsu-2) of the national unit
#      (its own level: every province-registered organisation's projects) is
#      exported over HTTP (before any approval), VmHWM before and after; the
#      same table by the command line (`duijie report export`) under /usr/bin/time -v;
#   4. the `store::reports::facts` query of each measured unit timed in
#      sqlite3 (`.timer on`) with its EXPLAIN QUERY PLAN.
#
# Usage:  CARGO_TARGET_DIR=/work/bench-target bash bench/reports.sh > report.md
# Knobs:  BENCH_ORGS=100000 BENCH_PROJECTS=1000000 BENCH_PROGRESS=5000000
#         WRK_DURATION=20s WRK_THREADS=2 WRK_CONNS=32 BENCH_SKIP_BUILD=1 BENCH_KEEP=1
#         BENCH_PERF=1 (at the end, one more national roll-up and export with `perf record -g` attached)
#         BENCH_BIN=PATH (another duijie binary, e.g. a debug build for a smoke run)
#         BENCH_PORT=… BENCH_DB=PATH (reuse a database filled by an earlier run with
#         BENCH_KEEP=1: steps 1's fill and users are skipped; it is copied first)

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
BIN="${BENCH_BIN:-$TARGET_DIR/release/duijie}"
ORGS="${BENCH_ORGS:-100000}"
PROJECTS="${BENCH_PROJECTS:-1000000}"
PROGRESS="${BENCH_PROGRESS:-5000000}"
WRK_DURATION="${WRK_DURATION:-20s}"
WRK_THREADS="${WRK_THREADS:-2}"
WRK_CONNS="${WRK_CONNS:-32}"
PASSWORD="Duijie2026"
PERIOD_FROM="2026-01-01"
PERIOD_TO="2026-06-30"

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# ---------------------------------------------------------------- tools
if ! command -v wrk >/dev/null 2>&1; then
    log "wrk missing: installing it with apt-get"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq >&2 && $SUDO apt-get install -y -qq wrk >&2 || die "could not install wrk"
fi
for t in curl python3 sqlite3; do command -v "$t" >/dev/null 2>&1 || die "$t is required"; done

# ---------------------------------------------------------------- build
GIT_REV=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
GIT_DIRTY=$(git --no-optional-locks -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null | wc -l)
if [ "${BENCH_SKIP_BUILD:-0}" != "1" ] && [ -z "${BENCH_BIN:-}" ]; then
    log "building: nice -n 10 cargo build --release --offline -p duijie (CARGO_TARGET_DIR=$TARGET_DIR)"
    CARGO_TARGET_DIR="$TARGET_DIR" nice -n 10 cargo build --release --offline -p duijie >&2
fi
[ -x "$BIN" ] || die "no binary at $BIN"
BIN="$(cd "$(dirname "$BIN")" && pwd)/duijie"

# ---------------------------------------------------------------- temp dir, cleanup
TMP="$(mktemp -d -t duijie-reports.XXXXXX)"
SERVER_PID=""
PERF_PID=""
cleanup() {
    local rc=$?
    if [ -n "$PERF_PID" ] && kill -0 "$PERF_PID" 2>/dev/null; then kill -INT "$PERF_PID" 2>/dev/null || true; fi
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    if [ "${BENCH_KEEP:-0}" = "1" ]; then log "kept $TMP"; else rm -rf "$TMP"; fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
PORT="${BENCH_PORT:-}"
if [ -z "$PORT" ]; then
    for p in $(seq 18531 18630); do
        if ! port_in_use "$p"; then PORT="$p"; break; fi
    done
    [ -n "$PORT" ] || die "no free port in 18531-18630"
fi
BASE="http://127.0.0.1:$PORT"

# ---------------------------------------------------------------- helpers
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
machine_busy() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9; exit}' /proc/stat; }
proc_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12+$13}'; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
mem_mb() { awk '/^VmRSS:/{r=$2} /^VmHWM:/{h=$2} END{printf "%.1f %.1f\n", r/1024, h/1024}' "/proc/$1/status"; }
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
secs() { awk -v s="$1" 'BEGIN{printf "%.3f", s}'; }
verdict() {   # verdict VALUE < LIMIT
    awk -v a="$1" -v b="$3" -v op="$2" 'BEGIN{ if (a=="" || a=="?") {print "?"; exit}
        ok = (op=="<") ? (a+0 < b+0) : (a+0 > b+0); print ok ? "met" : "**not met**" }'
}

start_server() {   # start_server LOGNAME ; sets SERVER_PID, READY_MS, LOADED_S
    local name="$1" t0 i
    t0=$(now_ms)
    nice -n 10 "$BIN" serve --addr "127.0.0.1:$PORT" --database "sqlite://$DB" >"$TMP/$name.out" 2>"$TMP/$name.err" &
    SERVER_PID=$!
    READY_MS=""
    for i in $(seq 1 3000); do   # 60 s at most
        if curl -sf --max-time 1 -o /dev/null "$BASE/healthz"; then READY_MS=$(( $(now_ms) - t0 )); break; fi
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$TMP/$name.err" >&2; die "server exited during start"; }
        sleep 0.02
    done
    [ -n "$READY_MS" ] || die "server not healthy after 60 s"
    # the catalogues and the full-text index load in the background: wait for them (at most 180 s)
    LOADED_S="not seen in 180 s"
    for i in $(seq 1 900); do
        if grep -q '目录与全文索引已加载' "$TMP/$name.err" 2>/dev/null; then
            LOADED_S=$(awk -v ms=$(( $(now_ms) - t0 )) 'BEGIN{printf "%.1f s", ms/1000}'); break
        fi
        sleep 0.2
    done
}
stop_server() {
    [ -n "$SERVER_PID" ] || return 0
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

token() {   # token USERNAME -> bearer token
    local out
    out=$(curl -s --max-time 30 -X POST -H 'content-type: application/json' \
        -d "{\"username\":\"$1\",\"password\":\"$PASSWORD\"}" "$BASE/api/v1/auth/token")
    printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])' 2>/dev/null || die "no token for $1: $out"
}

# call METHOD PATH TOKEN [BODY] -> sets CODE, SECS, BYTES, CPU (server CPU-seconds during the call, 1/CLK_TCK
# resolution); the body is in $TMP/last
call() {
    local method="$1" path="$2" tok="$3" body="${4:-}" out s0 s1
    s0=$(proc_ticks "$SERVER_PID")
    if [ -n "$body" ]; then
        out=$(curl -s --max-time 300 -X "$method" -H "Authorization: Bearer $tok" -H 'content-type: application/json' \
            -d "$body" -o "$TMP/last" -w '%{http_code} %{time_total} %{size_download}' "$BASE$path")
    else
        out=$(curl -s --max-time 300 -X "$method" -H "Authorization: Bearer $tok" \
            -o "$TMP/last" -w '%{http_code} %{time_total} %{size_download}' "$BASE$path")
    fi
    read -r CODE SECS BYTES <<<"$out"
    s1=$(proc_ticks "$SERVER_PID")
    CPU=$(awk -v t=$(( s1 - s0 )) -v hz="$CLK_TCK" 'BEGIN{printf "%.2f", t/hz}')
}
must() {   # must CODE… after call
    local ok=0 c
    for c in "$@"; do [ "$CODE" = "$c" ] && ok=1; done
    [ "$ok" = 1 ] || die "expected $* from the last call, got $CODE: $(head -c 400 "$TMP/last")"
}

# run_wrk NAME PATH HEADER -> $TMP/NAME.txt; sets CPU_NOTE
run_wrk() {
    local name="$1" path="$2" hdr="$3" m0 s0 m1 s1 t0 t1 w
    m0=$(machine_busy); s0=$(proc_ticks "$SERVER_PID"); t0=$(now_ms)
    /usr/bin/time -f '%U %S' -o "$TMP/$name.time" \
        wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d"$WRK_DURATION" --latency --timeout 10s ${hdr:+-H "$hdr"} "$BASE$path" >"$TMP/$name.txt"
    w=$(awk '{print $1+$2}' "$TMP/$name.time")
    m1=$(machine_busy); s1=$(proc_ticks "$SERVER_PID"); t1=$(now_ms)
    CPU_NOTE=$(awk -v m=$(( m1 - m0 )) -v s=$(( s1 - s0 )) -v w="$w" -v hz="$CLK_TCK" -v ms=$(( t1 - t0 )) -v n="$(nproc)" 'BEGIN{
        printf "machine busy %.1f of %.1f CPU-s: server %.1f, wrk %.1f, other processes %.1f", m/hz, n*ms/1000, s/hz, w, (m-s)/hz - w }')
}
phase_begin() { P_M0=$(machine_busy); P_S0=$(proc_ticks "$SERVER_PID"); P_T0=$(now_ms); }
phase_end() {   # sets CPU_NOTE: how the machine's CPU was divided since phase_begin
    local m1 s1 t1
    m1=$(machine_busy); s1=$(proc_ticks "$SERVER_PID"); t1=$(now_ms)
    CPU_NOTE=$(awk -v m=$(( m1 - P_M0 )) -v s=$(( s1 - P_S0 )) -v hz="$CLK_TCK" -v ms=$(( t1 - P_T0 )) -v n="$(nproc)" 'BEGIN{
        printf "machine busy %.1f of %.1f CPU-s: server %.1f, curl + other processes %.1f", m/hz, n*ms/1000, s/hz, (m-s)/hz }')
}
wrk_row() {   # wrk_row NAME LABEL -> a Markdown table row
    local f="$TMP/$1.txt"
    awk -v label="$2" -v cpu="$CPU_NOTE" '
        /^Requests\/sec:/{rps=$2} $1=="50%"{p50=$2} $1=="99%"{p99=$2} /requests in/{n=$1}
        /Non-2xx or 3xx responses/{split($0,a,":"); gsub(/ /,"",a[2]); bad=a[2]}
        /Socket errors/{sub(/.*Socket errors: /,""); se=$0}
        END{ if (bad=="") bad=0; if (se=="") se="none";
             printf "| %s | %s | %s | %s | %s | non-2xx %s, socket errors %s | %s |\n", label, rps, p50, p99, n, bad, se, cpu }' "$f"
}
p99_ms() {
    awk '$1=="99%"{v=$2; if (v ~ /us$/) {sub(/us$/,"",v); print v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v); print v+0} else if (v ~ /s$/) {sub(/s$/,"",v); print v*1000}}' "$TMP/$1.txt"
}

# ================================================================= 1. the database
LOAD_START=$(loadavg)
if [ -n "${BENCH_DB:-}" ]; then
    DB="$TMP/reports.db"
    log "1. copying the database $BENCH_DB (filled by an earlier run)"
    cp "$BENCH_DB" "$DB"
    FILL_NOTE="reused \`$BENCH_DB\` (filled by an earlier run of this script, copied)"
    FILL_JSON='{}'
    DEMO_S="—"; FILL_WALL="—"; FILL_MAXRSS="—"; USERS_S="—"
else
    DB="$TMP/reports.db"
    log "1. duijie demo on $DB"
    t0=$(now_ms)
    "$BIN" --database "sqlite://$DB" demo >"$TMP/demo.out" 2>"$TMP/demo.err" || { cat "$TMP/demo.err" >&2; die "demo failed"; }
    DEMO_S=$(awk -v ms=$(( $(now_ms) - t0 )) 'BEGIN{printf "%.1f", ms/1000}')
    log "   fill: $ORGS organisations, $PROJECTS projects, $PROGRESS progress updates"
    t0=$(now_ms)
    /usr/bin/time -v -o "$TMP/fill.time" python3 bench/reports_fill.py "$DB" "$ORGS" "$PROJECTS" "$PROGRESS" >"$TMP/fill.json" 2>"$TMP/fill.err" \
        || { cat "$TMP/fill.err" >&2; die "fill failed"; }
    FILL_WALL=$(awk -v ms=$(( $(now_ms) - t0 )) 'BEGIN{printf "%.1f", ms/1000}')
    FILL_MAXRSS=$(awk -F: '/Maximum resident set size/{gsub(/ /,"",$2); printf "%.0f", $2/1024}' "$TMP/fill.time")
    FILL_JSON=$(cat "$TMP/fill.json")
    FILL_NOTE="filled by this run"
    log "   filled in $FILL_WALL s: $FILL_JSON"
    # users: national civil affairs and one civil-affairs office per Yunnan prefecture
    t0=$(now_ms)
    printf '%s' "$PASSWORD" | "$BIN" --database "sqlite://$DB" user add --username nat_mz --role civil_affairs --region 000000 --display-name "民政部（基准）" --password-stdin 2>>"$TMP/users.err" >/dev/null \
        || { cat "$TMP/users.err" >&2; die "user add nat_mz failed"; }
    for code in $(sqlite3 "$DB" "SELECT code FROM regions WHERE parent_code = '53' AND level = 'prefecture' ORDER BY code"); do
        printf '%s' "$PASSWORD" | "$BIN" --database "sqlite://$DB" user add --username "mz_$code" --role civil_affairs --region "$code" --password-stdin 2>>"$TMP/users.err" >/dev/null \
            || { cat "$TMP/users.err" >&2; die "user add mz_$code failed"; }
    done
    USERS_S=$(awk -v ms=$(( $(now_ms) - t0 )) 'BEGIN{printf "%.1f", ms/1000}')
fi
sqlite3 "$DB" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
DB_MB=$(du -sm "$DB" | cut -f1)
COUNTS=$(sqlite3 "$DB" "SELECT (SELECT COUNT(*) FROM organizations) || ' organisations, ' || (SELECT COUNT(*) FROM projects) || ' projects, ' || (SELECT COUNT(*) FROM project_progress) || ' progress updates'")
YN_PROJECTS=$(sqlite3 "$DB" "SELECT COUNT(*) FROM projects p JOIN organizations o ON o.id = p.org_id WHERE o.region_code >= '53' AND o.region_code < '54'")
PROV_PROJECTS=$(sqlite3 "$DB" "SELECT COUNT(*) FROM projects p JOIN organizations o ON o.id = p.org_id WHERE length(o.region_code) = 2")
log "   $COUNTS; DB $DB_MB MB"

# ================================================================= 2. the server
log "2. serve on the filled database, port $PORT"
LOAD_SERVE=$(loadavg)
start_server serve
START_S=$(awk -v ms="$READY_MS" 'BEGIN{printf "%.2f", ms/1000}')
read -r RSS_START HWM_START < <(mem_mb "$SERVER_PID")
log "   healthz after $START_S s, catalogues loaded after $LOADED_S; RSS $RSS_START MB"
TOK_YN=$(token yn_mz)
TOK_NAT=$(token nat_mz)
TOK_COUNTY=$(token yl_mz)

# ================================================================= 3a. Yunnan
log "3a. Yunnan's half-year report (prefecture + county, jiangsu-1 + jiangsu-2)"
DEFINE_YN="{\"title\":\"2026年上半年社会组织参与乡村振兴工作调度（基准）\",\"period_from\":\"$PERIOD_FROM\",\"period_to\":\"$PERIOD_TO\",\"due_on\":\"2026-07-15\",\"levels\":[\"prefecture\",\"county\"],\"tables\":[\"jiangsu-1\",\"jiangsu-2\"]}"
call POST /api/v1/reports "$TOK_YN" "$DEFINE_YN"; must 201
YN_ID=$(json "$TMP/last" 'd["id"]'); DEFINE_YN_S=$SECS
call GET "/api/v1/reports/$YN_ID" "$TOK_YN"; must 200
OVERVIEW_YN_S=$SECS
json "$TMP/last" '"\n".join(u["unit_code"] for u in d["units"] if len(u["unit_code"]) == 4)' >"$TMP/yn-prefectures"
json "$TMP/last" '"\n".join(u["unit_code"] for u in d["units"] if len(u["unit_code"]) == 6)' >"$TMP/yn-counties"
N_PREF=$(wc -l <"$TMP/yn-prefectures"); N_COUNTY=$(wc -l <"$TMP/yn-counties")
log "   report $YN_ID: $N_PREF prefecture and $N_COUNTY county units"

: >"$TMP/yn-units.tsv"   # pass unit seconds bytes own-projects server-cpu
phase_begin
for pass in 1 2; do
    for u in $(cat "$TMP/yn-prefectures") 53; do
        call GET "/api/v1/reports/$YN_ID/units/$u" "$TOK_YN"; must 200
        rows=$(json "$TMP/last" 'len([t for t in d["tables"] if t["key"]=="jiangsu-2"][0]["project_ids"])')
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$pass" "$u" "$SECS" "$BYTES" "$rows" "$CPU" >>"$TMP/yn-units.tsv"
    done
done
read -r PREF1_SUM PREF1_MAX PREF1_MAXU PROV1_S PROV1_ROWS PROVINCE1_CPU < <(awk -F'\t' '$1==1 && $2!="53"{s+=$3; if ($3>m){m=$3; mu=$2}} $1==1 && $2=="53"{p=$3; r=$5} $1==1{c+=$6} END{printf "%.3f %.3f %s %.3f %s %.2f\n", s, m, mu, p, r, c}' "$TMP/yn-units.tsv")
read -r PREF2_SUM PROV2_S < <(awk -F'\t' '$1==2 && $2!="53"{s+=$3} $1==2 && $2=="53"{p=$3} END{printf "%.3f %.3f\n", s, p}' "$TMP/yn-units.tsv")
PROVINCE1_TOTAL=$(awk -v a="$PREF1_SUM" -v b="$PROV1_S" 'BEGIN{printf "%.3f", a+b}')
phase_end; PHASE_A="$CPU_NOTE"
PROVINCE2_TOTAL=$(awk -v a="$PREF2_SUM" -v b="$PROV2_S" 'BEGIN{printf "%.3f", a+b}')
log "   prefectures + province: pass 1 $PROVINCE1_TOTAL s, pass 2 $PROVINCE2_TOTAL s"
t0=$(now_ms)
: >"$TMP/yn-counties.tsv"
for u in $(cat "$TMP/yn-counties"); do
    call GET "/api/v1/reports/$YN_ID/units/$u" "$TOK_YN"; must 200
    printf '%s\t%s\t%s\n' "$u" "$SECS" "$CPU" >>"$TMP/yn-counties.tsv"
done
read -r COUNTIES_SUM COUNTIES_MAX COUNTIES_MAXU COUNTIES_CPU < <(awk -F'\t' '{s+=$2; c+=$3; if ($2>m){m=$2; mu=$1}} END{printf "%.3f %.3f %s %.2f\n", s, m, mu, c}' "$TMP/yn-counties.tsv")
ALL_UNITS=$(awk -v a="$PROVINCE1_TOTAL" -v b="$COUNTIES_SUM" 'BEGIN{printf "%.3f", a+b}')
log "   $N_COUNTY counties: $COUNTIES_SUM s in all"

# ================================================================= 3b. the national roll-up
log "3b. national report (prefecture level, jiangsu-1 + jiangsu-2)"
DEFINE_NAT="{\"title\":\"2026年上半年全国社会组织参与乡村振兴工作调度（基准）\",\"period_from\":\"$PERIOD_FROM\",\"period_to\":\"$PERIOD_TO\",\"due_on\":\"2026-07-31\",\"levels\":[\"prefecture\"],\"tables\":[\"jiangsu-1\",\"jiangsu-2\"]}"
call POST /api/v1/reports "$TOK_NAT" "$DEFINE_NAT"; must 201
NAT_ID=$(json "$TMP/last" 'd["id"]'); DEFINE_NAT_S=$SECS
call GET "/api/v1/reports/$NAT_ID" "$TOK_NAT"; must 200
N_NAT_UNITS=$(json "$TMP/last" 'len(d["units"])')
: >"$TMP/nat.tsv"
phase_begin
for pass in before-1 before-2; do
    read -r _ HWM0 < <(mem_mb "$SERVER_PID")
    call GET "/api/v1/reports/$NAT_ID/units/000000" "$TOK_NAT"; must 200
    rows=$(json "$TMP/last" 'len([t for t in d["tables"] if t["key"]=="jiangsu-2"][0]["project_ids"])')
    read -r _ HWM1 < <(mem_mb "$SERVER_PID")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t-\t%s\n' "$pass" "$SECS" "$BYTES" "$rows" "$HWM0" "$HWM1" "$CPU" >>"$TMP/nat.tsv"
done
log "   national before approvals: $(cut -f2 "$TMP/nat.tsv" | tr '\n' ' ')s"
phase_end; PHASE_B1="$CPU_NOTE"

# ================================================================= 3c. under wrk
log "3c. wrk -t$WRK_THREADS -c$WRK_CONNS -d$WRK_DURATION"
COUNTY_PATH="/api/v1/reports/$YN_ID/units/530628"
call GET "$COUNTY_PATH" "$TOK_COUNTY"; must 200; COUNTY_BYTES=$BYTES
call GET "/api/v1/stats/matching?region=53" "$TOK_YN"; must 200; STATS_BYTES=$BYTES
# the dashboard pages need a cookie session: GET /login (csrf) then POST /login
session_of() {
    local jar="$TMP/cookies-$1.txt" csrf
    curl -sf --max-time 10 -c "$jar" -o "$TMP/login.html" "$BASE/login" || die "GET /login failed"
    csrf=$(grep -o 'name="_csrf" value="[^"]*"' "$TMP/login.html" | head -1 | sed 's/.*value="\([^"]*\)"/\1/')
    curl -s --max-time 30 -b "$jar" -D "$TMP/login-$1.headers" -o /dev/null --data-urlencode "_csrf=$csrf" \
        --data-urlencode "username=$1" --data-urlencode "password=$PASSWORD" "$BASE/login"
    grep -i '^set-cookie: duijie_session=' "$TMP/login-$1.headers" | head -1 | sed 's/^[^=]*=\([^;]*\);.*/\1/' | tr -d '\r'
}
SESSION=$(session_of yn_mz)
[ -n "$SESSION" ] || die "no session cookie for yn_mz"
NAT_SESSION=$(session_of nat_mz)
[ -n "$NAT_SESSION" ] || die "no session cookie for nat_mz"
CODE=$(curl -s --max-time 30 -H "Cookie: duijie_session=$SESSION" -o "$TMP/page.html" -w "%{http_code}" "$BASE/dashboard")
[ "$CODE" = 200 ] || die "GET /dashboard as yn_mz answered $CODE"
# /projects/stats computes its figures on the first request of a scope and
# filter and keeps them while no project changes: time the first and second.
stats_time() {   # stats_time SESSION -> seconds of one GET /projects/stats
    local out
    out=$(curl -s --max-time 120 -H "Cookie: duijie_session=$1" -o "$TMP/page.html" -w "%{http_code} %{time_total}" "$BASE/projects/stats")
    [ "${out%% *}" = 200 ] || die "GET /projects/stats answered ${out%% *}"
    echo "${out##* }"
}
PSTATS_FIRST_YN=$(stats_time "$SESSION"); PSTATS_SECOND_YN=$(stats_time "$SESSION")
PSTATS_FIRST_NAT=$(stats_time "$NAT_SESSION"); PSTATS_SECOND_NAT=$(stats_time "$NAT_SESSION")
log "   /projects/stats first/second request: Yunnan $PSTATS_FIRST_YN / $PSTATS_SECOND_YN s, country $PSTATS_FIRST_NAT / $PSTATS_SECOND_NAT s"
LOAD_WRK=$(loadavg)
: >"$TMP/wrk-rows.md"
run_wrk wrk-healthz1 /healthz "";                                                  wrk_row wrk-healthz1 '`/healthz` (reference, before)' >>"$TMP/wrk-rows.md"
run_wrk wrk-county "$COUNTY_PATH" "Authorization: Bearer $TOK_COUNTY";              wrk_row wrk-county "\`GET $COUNTY_PATH\` (yl_mz, county unit, pre-filled)" >>"$TMP/wrk-rows.md"
run_wrk wrk-stats "/api/v1/stats/matching?region=53" "Authorization: Bearer $TOK_YN"; wrk_row wrk-stats '`GET /api/v1/stats/matching?region=53` (yn_mz)' >>"$TMP/wrk-rows.md"
run_wrk wrk-home /dashboard "Cookie: duijie_session=$SESSION";                     wrk_row wrk-home '`GET /dashboard` (yn_mz, cookie; `/` redirects here)' >>"$TMP/wrk-rows.md"
run_wrk wrk-pstats /projects/stats "Cookie: duijie_session=$SESSION";               wrk_row wrk-pstats '`GET /projects/stats` (yn_mz: Yunnan, this year)' >>"$TMP/wrk-rows.md"
run_wrk wrk-pstats-nat /projects/stats "Cookie: duijie_session=$NAT_SESSION";       wrk_row wrk-pstats-nat '`GET /projects/stats` (nat_mz: the whole country)' >>"$TMP/wrk-rows.md"
run_wrk wrk-healthz2 /healthz "";                                                  wrk_row wrk-healthz2 '`/healthz` (reference, after)' >>"$TMP/wrk-rows.md"
COUNTY_P99=$(p99_ms wrk-county); STATS_P99=$(p99_ms wrk-stats); HOME_P99=$(p99_ms wrk-home)
PSTATS_P99=$(p99_ms wrk-pstats); PSTATS_NAT_P99=$(p99_ms wrk-pstats-nat)
read -r RSS_WRK HWM_WRK < <(mem_mb "$SERVER_PID")
log "   p99: county unit $COUNTY_P99 ms, stats $STATS_P99 ms, home $HOME_P99 ms"

# ================================================================= 3d. 附件2 export, on a fresh server
log "3d. restart, then export jiangsu-2 of the national unit"
stop_server
start_server serve2
RESTART_S=$(awk -v ms="$READY_MS" 'BEGIN{printf "%.2f", ms/1000}')
read -r RSS_E0 HWM_E0 < <(mem_mb "$SERVER_PID")
: >"$TMP/export.tsv"
for pass in 1 2; do
    EXPORT_PATH="/api/v1/reports/$NAT_ID/units/000000/tables/jiangsu-2"
    call GET "$EXPORT_PATH" "$TOK_NAT"; must 200
    cp "$TMP/last" "$TMP/export.xlsx"
    read -r RSS_E HWM_E < <(mem_mb "$SERVER_PID")
    rows=$(python3 - "$TMP/export.xlsx" <<'EOF'
import re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
sheet = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")][0]
print(len(re.findall(rb"<row[ >]", z.read(sheet))))
EOF
)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$pass" "$SECS" "$BYTES" "$rows" "$RSS_E" "$HWM_E" "$CPU" >>"$TMP/export.tsv"
done
read -r EXPORT1_S EXPORT_BYTES EXPORT_ROWS EXPORT1_HWM < <(awk -F'\t' '$1==1{print $2, $3, $4, $6}' "$TMP/export.tsv")
read -r EXPORT_WORST EXPORT_WORST_CPU < <(awk -F'\t' '{if ($2>m) {m=$2; c=$7}} END{printf "%.3f %s\n", m, c}' "$TMP/export.tsv")
EXPORT_HWM=$(awk -F'\t' '{if ($6>m) m=$6} END{printf "%.1f", m}' "$TMP/export.tsv")
log "   export: $(cut -f2,4,6 "$TMP/export.tsv" | tr '\n\t' '  ')"
# the same table by the command line (no catalogues in that process; the server is idle meanwhile)
t0=$(now_ms)
/usr/bin/time -v -o "$TMP/cli-export.time" nice -n 10 "$BIN" --database "sqlite://$DB" report export --report "$NAT_ID" --unit 000000 --table jiangsu-2 --out "$TMP/cli.xlsx" \
    >/dev/null 2>"$TMP/cli-export.err" || { cat "$TMP/cli-export.err" >&2; die "report export failed"; }
CLI_EXPORT_S=$(awk -v ms=$(( $(now_ms) - t0 )) 'BEGIN{printf "%.2f", ms/1000}')
CLI_EXPORT_MAXRSS=$(awk -F: '/Maximum resident set size/{gsub(/ /,"",$2); printf "%.0f", $2/1024}' "$TMP/cli-export.time")
CLI_EXPORT_USER=$(awk -F: '/User time/{gsub(/ /,"",$2); print $2}' "$TMP/cli-export.time")


# ================================================================= 3b (continued). approvals, then the roll-up again
log "3b. the 16 Yunnan prefectures submit to the national report, nat_mz approves"
phase_begin
: >"$TMP/nat-steps.tsv"   # unit put submit approve
for u in $(cat "$TMP/yn-prefectures"); do
    tok=$(token "mz_$u")
    call PUT "/api/v1/reports/$NAT_ID/units/$u" "$tok" '{"progress":"全市社会组织参与乡村振兴工作推进顺利（基准）"}'; must 200; put=$SECS
    call POST "/api/v1/reports/$NAT_ID/units/$u/submit" "$tok" '{}'; must 200; sub="$SECS (cpu $CPU)"
    call POST "/api/v1/reports/$NAT_ID/units/$u/approve" "$TOK_NAT" '{}'; must 200; app=$SECS
    printf '%s\t%s\t%s\t%s\n' "$u" "$put" "$sub" "$app" >>"$TMP/nat-steps.tsv"
done
read -r SUBMIT_SUM SUBMIT_MAX APPROVE_MAX < <(awk -F'\t' '{s+=$3+0; if ($3+0>m) m=$3+0; if ($4>a) a=$4} END{printf "%.3f %.3f %.3f\n", s, m, a}' "$TMP/nat-steps.tsv")
for pass in after-1 after-2; do
    read -r _ HWM0 < <(mem_mb "$SERVER_PID")
    call GET "/api/v1/reports/$NAT_ID/units/000000" "$TOK_NAT"; must 200
    rows=$(json "$TMP/last" 'len([t for t in d["tables"] if t["key"]=="jiangsu-2"][0]["project_ids"])')
    below=$(json "$TMP/last" 'sum(1 for b in d["below"] if b["status"]=="approved")')
    read -r _ HWM1 < <(mem_mb "$SERVER_PID")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$pass" "$SECS" "$BYTES" "$rows" "$HWM0" "$HWM1" "$below" "$CPU" >>"$TMP/nat.tsv"
done
phase_end; PHASE_B2="$CPU_NOTE"
read -r NAT_WORST NAT_WORST_CPU < <(awk -F'\t' '{if ($2>m) {m=$2; c=$8}} END{printf "%.3f %s\n", m, c}' "$TMP/nat.tsv")
log "   national: $(cut -f1,2 "$TMP/nat.tsv" | tr '\n\t' '  ')"

# optional profile (BENCH_PERF=1): one more, unmeasured, national roll-up and export with perf attached
if [ "${BENCH_PERF:-0}" = "1" ] && command -v perf >/dev/null 2>&1; then
    for what in rollup export; do
        path="/api/v1/reports/$NAT_ID/units/000000"; [ "$what" = export ] && path="$path/tables/jiangsu-2"
        perf record -F 999 -g -p "$SERVER_PID" -o "$TMP/perf-$what.data" >/dev/null 2>"$TMP/perf-$what.err" &
        PERF_PID=$!; sleep 0.5
        call GET "$path" "$TOK_NAT"; must 200
        kill -INT "$PERF_PID" 2>/dev/null || true; wait "$PERF_PID" 2>/dev/null || true; PERF_PID=""
        perf report -i "$TMP/perf-$what.data" --no-children --sort comm --stdio -g none 2>/dev/null | grep '%' | grep -v '^#' | head -8 | cut -c1-120 >"$TMP/perf-$what-comm.txt" || true
        perf report -i "$TMP/perf-$what.data" --no-children --sort dso,symbol --stdio -g none --percent-limit 1 2>/dev/null | grep '%' | grep -v '^#' | head -30 | cut -c1-150 >"$TMP/perf-$what-top.txt" || true
        perf report -i "$TMP/perf-$what.data" --children --sort symbol --stdio -g none --percent-limit 4 2>/dev/null | grep '%' | grep -v '^#' | head -40 | cut -c1-150 >"$TMP/perf-$what-children.txt" || true
    done
fi

stop_server

# ================================================================= 4. the facts query in sqlite3
log "4. store::reports::facts in sqlite3"
facts_sql() {   # facts_sql COLUMN LOW HIGH OWN_LEN(or empty) -> the query store::reports::facts runs (jiangsu-1/2: no progress)
    local own=""
    [ -n "$4" ] && own=" AND length($1) < $4"
    echo "SELECT p.id AS project_id, p.org_id, o.name AS org_name, o.region_code AS org_region, p.region_code AS region, p.title, p.nature, p.status, p.actual_funds_fen AS funds_fen, p.funds_fen AS planned_funds_fen, p.people, p.beneficiaries, p.start_date, p.end_date, NULL AS last_progress FROM projects p JOIN organizations o ON o.id = p.org_id WHERE ($1 >= '$2' AND $1 < '$3')$own AND (p.start_date = '' OR p.start_date <= '$PERIOD_TO') AND (p.end_date = '' OR p.end_date >= '$PERIOD_FROM') AND NOT (p.status = 'stopped' AND p.started_at IS NULL) ORDER BY p.id"
}
: >"$TMP/sql.md"
sql_case() {   # sql_case LABEL SQL
    local label="$1" sql="$2" plan timing n
    plan=$(sqlite3 "file:$DB?mode=ro" "EXPLAIN QUERY PLAN $sql" | tr '\n' ' ')
    n=$(sqlite3 "file:$DB?mode=ro" "SELECT COUNT(*) FROM ($sql)")
    timing=$( { printf '.output /dev/null\n.timer on\n%s;\n%s;\n' "$sql" "$sql" | sqlite3 "file:$DB?mode=ro" \
        | awk '/Run Time/{printf "%s real %.3f (cpu %.3f); ", (++n==1 ? "1st" : "2nd"), $4, $6+$8}'; } || true)
    printf '| %s | %s | %s | `%s` |\n' "$label" "$n" "$timing" "$plan" >>"$TMP/sql.md"
}
# projects of the period whose organisation lies in no unit of the national report and below its own level
ORPHANS=$(sqlite3 "file:$DB?mode=ro" "SELECT COUNT(*) || ' projects of ' || COUNT(DISTINCT o.id) || ' organisations (' || group_concat(DISTINCT substr(o.region_code, 1, 4)) || ')' FROM projects p JOIN organizations o ON o.id = p.org_id WHERE length(o.region_code) >= 4 AND substr(o.region_code, 1, 4) NOT IN (SELECT unit_code FROM report_units WHERE report_id = $NAT_ID) AND (p.start_date = '' OR p.start_date <= '$PERIOD_TO') AND (p.end_date = '' OR p.end_date >= '$PERIOD_FROM') AND NOT (p.status = 'stopped' AND p.started_at IS NULL)")
sql_case "national unit, own level (province-registered organisations)" "$(facts_sql o.region_code '' 'A' 4)"
sql_case "Yunnan (53), own level" "$(facts_sql o.region_code 53 54 4)"
sql_case "昭通市 (5306), own level" "$(facts_sql o.region_code 5306 5307 6)"
sql_case "彝良县 (530628)" "$(facts_sql o.region_code 530628 530629 '')"
sql_case "昭通市 (5306) whole subtree (its submission to the national report)" "$(facts_sql o.region_code 5306 5307 '')"

# ================================================================= report
CPU_MODEL=$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)
BIN_BUILT=$(date -r "$BIN" '+%Y-%m-%d %H:%M:%S %Z')
NAT_ROWS=$(awk -F'\t' 'NR==1{print $4}' "$TMP/nat.tsv")
cat <<EOF
## Half-year cycle (调度) at national scale, through the front door (issue 12) — $(date -u '+%Y-%m-%d %H:%M UTC')

**Machine:** $(nproc) cores ($CPU_MODEL), $(free -g | awk '/^Mem:/{print $2}') GB RAM, $(uname -sr). Load average at the start $LOAD_START, when the server started $LOAD_SERVE, before the wrk runs $LOAD_WRK.
**Code:** git \`$GIT_REV\`$( [ "$GIT_DIRTY" -gt 0 ] && echo " plus $GIT_DIRTY uncommitted tracked change(s)" ); binary \`$BIN\`, built $BIN_BUILT.
**Database:** SQLite, $FILL_NOTE: $COUNTS; file $DB_MB MB after a checkpoint. \`duijie demo\` ${DEMO_S} s, fill ${FILL_WALL} s (max RSS ${FILL_MAXRSS} MB), users ${USERS_S} s.
Fill: \`$FILL_JSON\`
Projects of organisations registered in Yunnan (any level): $YN_PROJECTS; of province-registered organisations (all provinces): $PROV_PROJECTS.
**Server:** \`nice -n 10 duijie serve\`; \`/healthz\` after $START_S s, catalogues loaded after $LOADED_S; RSS at start $RSS_START MB.
Half-year period $PERIOD_FROM – $PERIOD_TO. Times are curl's \`time_total\` of one request, from 127.0.0.1.

| # | Figure | Target | Measured | Verdict |
|---|---|---|---|---|
| a | Pre-filling Yunnan's tables: its $N_PREF prefecture units one after another, then the province's roll-up \`/units/53\` (first pass) | < 2 s | **${PROVINCE1_TOTAL} s** (server CPU ${PROVINCE1_CPU} s; prefectures ${PREF1_SUM} s, slowest ${PREF1_MAXU} ${PREF1_MAX} s; province ${PROV1_S} s, ${PROV1_ROWS} projects in its own 附件2 list); second pass ${PROVINCE2_TOTAL} s | $(verdict "$PROVINCE1_TOTAL" "<" 2) |
| a' | …and every one of its $N_COUNTY county units as well | (same) | ${ALL_UNITS} s (counties ${COUNTIES_SUM} s, server CPU ${COUNTIES_CPU} s, slowest ${COUNTIES_MAXU} ${COUNTIES_MAX} s) | $(verdict "$ALL_UNITS" "<" 2) |
| b | National roll-up \`GET /units/000000\` ($N_NAT_UNITS prefecture units; its own level is every province-registered organisation: ${NAT_ROWS} projects in its 附件2 list), worst of 4 | < 5 s | **${NAT_WORST} s** (server CPU ${NAT_WORST_CPU} s) | $(verdict "$NAT_WORST" "<" 5) |
| c | County unit \`GET $COUNTY_PATH\` under wrk, p99 | (not a target of the issue) | ${COUNTY_P99} ms | — |
| c' | The reporting dashboard \`/projects/stats\` p99: Yunnan (yn_mz) and the whole country (nat_mz) | < 300 ms | **${PSTATS_P99} ms** / **${PSTATS_NAT_P99} ms** | $(verdict "$PSTATS_P99" "<" 300) / $(verdict "$PSTATS_NAT_P99" "<" 300) |
| c'₀ | \`/projects/stats\` one request alone, first (computes the figures) / second (kept figures): Yunnan; the whole country | — | ${PSTATS_FIRST_YN} / ${PSTATS_SECOND_YN} s; ${PSTATS_FIRST_NAT} / ${PSTATS_SECOND_NAT} s | — |
| c'' | Other dashboards p99: \`/api/v1/stats/matching?region=53\` and the page \`/dashboard\` (yn_mz) | < 300 ms | stats ${STATS_P99} ms; /dashboard ${HOME_P99} ms | $(verdict "$STATS_P99" "<" 300) / $(verdict "$HOME_P99" "<" 300) |
| d | Export 附件2 (jiangsu-2) of the national unit over HTTP, ${EXPORT_ROWS} sheet rows, ${EXPORT_BYTES} B, worst of 2 | < 10 s | **${EXPORT_WORST} s** (server CPU ${EXPORT_WORST_CPU} s) | $(verdict "$EXPORT_WORST" "<" 10) |
| d' | Server peak memory (VmHWM) over the export, fresh server | < 300 MB | **${EXPORT_HWM} MB** (before the first export: RSS ${RSS_E0} MB, HWM ${HWM_E0} MB) | $(verdict "$EXPORT_HWM" "<" 300) |
| d'' | Same table by \`duijie report export\` (no catalogues in that process) | < 10 s, < 300 MB | ${CLI_EXPORT_S} s (user ${CLI_EXPORT_USER} s), max RSS ${CLI_EXPORT_MAXRSS} MB | $(verdict "$CLI_EXPORT_S" "<" 10) / $(verdict "$CLI_EXPORT_MAXRSS" "<" 300) |

CPU while the Yunnan requests ran (both passes): $PHASE_A. While the national roll-up ran twice before approvals: $PHASE_B1; during the approvals and the two roll-ups after them (on the restarted server, after the export): $PHASE_B2.

Defining the reports: Yunnan ${DEFINE_YN_S} s ($N_PREF + $N_COUNTY units), national ${DEFINE_NAT_S} s ($N_NAT_UNITS units); Yunnan's overview ${OVERVIEW_YN_S} s.
National report, the 16 Yunnan prefectures: submit (computes and stores the prefecture's whole subtree) ${SUBMIT_SUM} s in all, slowest ${SUBMIT_MAX} s; approval slowest ${APPROVE_MAX} s.
Counted at the national unit's own level because the prefecture-level row they are registered under is no unit (市辖区, 省直辖县级行政区划; before a886741 they were counted nowhere): $ORPHANS.
Server memory after the wrk runs: RSS $RSS_WRK MB, HWM $HWM_WRK MB. Restart before the export: \`/healthz\` after $RESTART_S s.

### Each request

<details><summary>Yunnan: pass, unit, seconds, bytes, 附件2 rows, server CPU s</summary>

\`\`\`
$(cat "$TMP/yn-units.tsv")
\`\`\`
</details>

<details><summary>Yunnan counties: unit, seconds, server CPU s</summary>

\`\`\`
$(cat "$TMP/yn-counties.tsv")
\`\`\`
</details>

<details><summary>National roll-up: pass, seconds, bytes, 附件2 rows, VmHWM before / after (MB), approved units below, server CPU s</summary>

\`\`\`
$(cat "$TMP/nat.tsv")
\`\`\`
</details>

<details><summary>National report, Yunnan prefectures: unit, PUT narrative s, submit s, approve s</summary>

\`\`\`
$(cat "$TMP/nat-steps.tsv")
\`\`\`
</details>

<details><summary>Export: pass, seconds, bytes, sheet rows, VmRSS, VmHWM (MB), server CPU s</summary>

\`\`\`
$(cat "$TMP/export.tsv")
\`\`\`
</details>

### Under wrk (-t$WRK_THREADS -c$WRK_CONNS -d$WRK_DURATION --latency)

| route | req/s | p50 | p99 | requests | errors | CPU during the run |
|---|---:|---:|---:|---:|---|---|
$(cat "$TMP/wrk-rows.md")

### The \`facts\` query in sqlite3 (\`.timer on\`, same file, two runs each, seconds)

| unit | rows | seconds, two runs (wall, and user+sys CPU) | EXPLAIN QUERY PLAN |
|---|---:|---|---|
$(cat "$TMP/sql.md")

### Commands

\`\`\`sh
$BIN --database sqlite://TMP/reports.db demo
python3 bench/reports_fill.py TMP/reports.db $ORGS $PROJECTS $PROGRESS
printf Duijie2026 | $BIN --database sqlite://TMP/reports.db user add --username nat_mz --role civil_affairs --region 000000 --password-stdin
printf Duijie2026 | $BIN --database sqlite://TMP/reports.db user add --username mz_5301 --role civil_affairs --region 5301 --password-stdin   # … each Yunnan prefecture
nice -n 10 $BIN serve --addr 127.0.0.1:$PORT --database sqlite://TMP/reports.db
curl -X POST -H 'content-type: application/json' -d '{"username":"yn_mz","password":"Duijie2026"}' $BASE/api/v1/auth/token
curl -X POST -H 'Authorization: Bearer …' -d '$DEFINE_YN' $BASE/api/v1/reports
curl -w '%{time_total}' -H 'Authorization: Bearer …' $BASE/api/v1/reports/$YN_ID/units/{5301…5334,53}
curl -X POST -H 'Authorization: Bearer …(nat_mz)' -d '$DEFINE_NAT' $BASE/api/v1/reports
curl -w '%{time_total}' -H 'Authorization: Bearer …(nat_mz)' $BASE/api/v1/reports/$NAT_ID/units/000000
curl -X PUT  … $BASE/api/v1/reports/$NAT_ID/units/5301 -d '{"progress":"…"}'; curl -X POST … /units/5301/submit (mz_5301); curl -X POST … /units/5301/approve (nat_mz)
wrk -t$WRK_THREADS -c$WRK_CONNS -d$WRK_DURATION --latency --timeout 10s [-H 'Authorization: Bearer …'] $BASE{/healthz,$COUNTY_PATH,/api/v1/stats/matching?region=53,/dashboard,/projects/stats,/healthz}
curl -w '%{time_total}' -H 'Authorization: Bearer …(nat_mz)' $BASE/api/v1/reports/$NAT_ID/units/000000/tables/jiangsu-2   # after a restart
awk '/^VmRSS|^VmHWM/' /proc/SERVER_PID/status
/usr/bin/time -v $BIN --database sqlite://TMP/reports.db report export --report $NAT_ID --unit 000000 --table jiangsu-2 --out TMP/cli.xlsx
\`\`\`
EOF
for what in rollup export; do
    if [ -s "$TMP/perf-$what-top.txt" ]; then
        printf '\n<details><summary>perf (server, one extra unmeasured %s with perf attached): CPU by thread, top symbols (self), and inclusive</summary>\n\n```\n' "$what"
        cat "$TMP/perf-$what-comm.txt"; echo; cat "$TMP/perf-$what-top.txt"; echo; cat "$TMP/perf-$what-children.txt"
        printf '```\n</details>\n'
    fi
done
log "done"
