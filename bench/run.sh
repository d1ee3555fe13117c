#!/usr/bin/env bash
# Duijie performance benchmark (not part of the test suite).
#
# Measures, on fresh SQLite databases in a mktemp directory:
#   1. first start on an empty database (full region tree load) until /healthz answers;
#   2. `regions load-villages` wall time and village count;
#   3. the county officer's region page  GET /regions/530628  under wrk (cookie session);
#   4. the API  GET /api/v1/regions/530628  under wrk (bearer token);
#   5. the server's resident memory (VmRSS / VmHWM) after the first start, after a restart on the database
#      with villages (without and with --demo), and after each wrk run.
# It prints a Markdown report (machine info, figures, targets and the exact commands) on stdout;
# progress goes to stderr. All traffic goes to 127.0.0.1. Every process it starts is stopped on exit.
#
# Usage:   bench/run.sh                 (from anywhere; builds first)
#          CARGO_TARGET_DIR=/work/bench-target bench/run.sh > report.md
# Knobs:   BENCH_SKIP_BUILD=1  BENCH_PORT=18431  WRK_DURATION=20s  WRK_THREADS=2  WRK_CONNS=32
#          BENCH_PERF=1 (afterwards, profile the server with `perf` during an extra, unmeasured 10 s page run)
#          BENCH_KEEP=1 (keep the temporary directory)

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
BIN="$TARGET_DIR/release/duijie"
WRK_DURATION="${WRK_DURATION:-20s}"
WRK_THREADS="${WRK_THREADS:-2}"
WRK_CONNS="${WRK_CONNS:-32}"
COUNTY="530628"
OFFICER="yl_xz"
PASSWORD="Duijie2026"

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# ---------------------------------------------------------------- tools
if ! command -v wrk >/dev/null 2>&1; then
    log "wrk missing: installing it with apt-get"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq >&2 && $SUDO apt-get install -y -qq wrk >&2 || die "could not install wrk"
fi
command -v curl >/dev/null 2>&1 || die "curl is required"

# ---------------------------------------------------------------- build
GIT_REV=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)   # read-only
GIT_DIRTY=$(git --no-optional-locks -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null | wc -l)
if [ "${BENCH_SKIP_BUILD:-0}" != "1" ]; then
    log "building: nice -n 10 cargo build --release -p duijie (CARGO_TARGET_DIR=$TARGET_DIR)"
    CARGO_TARGET_DIR="$TARGET_DIR" nice -n 10 cargo build --release -p duijie >&2
fi
[ -x "$BIN" ] || die "no binary at $BIN"
BIN="$(cd "$(dirname "$BIN")" && pwd)/duijie"

# ---------------------------------------------------------------- temp dir, cleanup
TMP="$(mktemp -d -t duijie-bench.XXXXXX)"
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

# ---------------------------------------------------------------- port
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
PORT="${BENCH_PORT:-}"
if [ -z "$PORT" ]; then
    for p in $(seq 18431 18530); do
        if ! port_in_use "$p"; then PORT="$p"; break; fi
    done
    [ -n "$PORT" ] || die "no free port in 18431-18530"
fi
BASE="http://127.0.0.1:$PORT"

# ---------------------------------------------------------------- helpers
# mem PID -> "VmRSS 12345 kB / VmHWM 23456 kB" as "rss_mb hwm_mb"
mem_mb() {
    awk '/^VmRSS:/{r=$2} /^VmHWM:/{h=$2} END{printf "%.1f %.1f\n", r/1024, h/1024}' "/proc/$1/status"
}

# start_server LOGNAME ARGS... ; sets SERVER_PID and READY_MS (launch -> first 200 from /healthz)
start_server() {
    local name="$1"; shift
    local t0 t1 i
    t0=$(now_ms)
    nice -n 10 "$BIN" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
    SERVER_PID=$!
    READY_MS=""
    for i in $(seq 1 3000); do   # 3000 x 20 ms = 60 s at most
        if curl -sf --max-time 1 -o /dev/null "$BASE/healthz"; then
            t1=$(now_ms); READY_MS=$(( t1 - t0 ))
            READY_CPU=$(awk -v t="$(proc_ticks "$SERVER_PID")" -v hz="$CLK_TCK" 'BEGIN{printf "%.2f", t/hz}'); break
        fi
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$TMP/$name.err" >&2; die "server exited during start"; }
        sleep 0.02
    done
    [ -n "$READY_MS" ] || die "server not healthy after 60 s"
}

stop_server() {
    [ -n "$SERVER_PID" ] || return 0
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

# wrk_field FILE -> "req_per_sec p50 p99 requests non2xx socket_errors"
wrk_fields() {
    local f="$1"
    local rps p50 p99 reqs non2xx sockerr
    rps=$(awk '/^Requests\/sec:/{print $2}' "$f")
    p50=$(awk '$1=="50%"{print $2}' "$f")
    p99=$(awk '$1=="99%"{print $2}' "$f")
    reqs=$(awk '/requests in/{print $1}' "$f")
    non2xx=$(awk -F: '/Non-2xx or 3xx responses/{gsub(/ /,"",$2); print $2}' "$f")
    sockerr=$(grep -o 'Socket errors:.*' "$f" || true)
    echo "${rps:-?}|${p50:-?}|${p99:-?}|${reqs:-?}|${non2xx:-0}|${sockerr:-none}"
}

# latency string (e.g. 12.34ms, 1.20s, 950.00us) -> milliseconds
to_ms() {
    awk -v v="$1" 'BEGIN{
        if (v ~ /us$/) { sub(/us$/,"",v); printf "%.3f", v/1000 }
        else if (v ~ /ms$/) { sub(/ms$/,"",v); printf "%.3f", v }
        else if (v ~ /m$/) { sub(/m$/,"",v); printf "%.3f", v*60000 }
        else if (v ~ /s$/) { sub(/s$/,"",v); printf "%.3f", v*1000 }
        else print "nan" }'
}
verdict() { # verdict VALUE OP LIMIT -> "met" / "MISSED"
    awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN{
        ok = (op=="<") ? (a+0 < b+0) : (a+0 > b+0);
        print (a=="" || a=="nan" || a=="?") ? "?" : (ok ? "met" : "**MISSED**") }'
}
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
# busy clock ticks of the whole machine (all CPUs), and of one process
machine_busy() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9; exit}' /proc/stat; }
proc_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12+$13}'; }

# run_wrk NAME URL HEADER -> $TMP/NAME.txt, and sets CPU_NOTE: where the machine's CPU went during the run
run_wrk() {
    local name="$1" url="$2" hdr="$3"
    local m0 s0 m1 s1 t0 t1 w=""
    m0=$(machine_busy); s0=$(proc_ticks "$SERVER_PID"); t0=$(now_ms)
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f '%U %S' -o "$TMP/$name.time" \
            wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d"$WRK_DURATION" --latency -H "$hdr" "$url" >"$TMP/$name.txt"
        w=$(awk '{print $1+$2}' "$TMP/$name.time")
    else
        wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d"$WRK_DURATION" --latency -H "$hdr" "$url" >"$TMP/$name.txt"
    fi
    m1=$(machine_busy); s1=$(proc_ticks "$SERVER_PID"); t1=$(now_ms)
    CPU_NOTE=$(awk -v m=$(( m1 - m0 )) -v s=$(( s1 - s0 )) -v w="$w" -v hz="$CLK_TCK" -v ms=$(( t1 - t0 )) -v n="$(nproc)" 'BEGIN{
        printf "machine busy %.1f of %.1f CPU-s (%.0f%%): server %.1f, ", m/hz, n*ms/1000, 100*m/hz/(n*ms/1000), s/hz;
        if (w == "") printf "wrk + other processes %.1f CPU-s", (m-s)/hz;
        else printf "wrk %.1f, other processes %.1f CPU-s", w, (m-s)/hz - w }')
}

# ================================================================= 1. first start
DB="$TMP/first.db"
log "1. first start on an empty database ($DB), port $PORT"
CMD_FIRST="$BIN serve --addr 127.0.0.1:$PORT --database sqlite://$DB"
LOAD_FIRST=$(loadavg)
start_server serve-first serve --addr "127.0.0.1:$PORT" --database "sqlite://$DB"
FIRST_MS=$READY_MS
FIRST_CPU=$READY_CPU
sleep 0.5
read -r MEM_START_RSS MEM_START_HWM < <(mem_mb "$SERVER_PID")
REF_LINE=$(grep -m1 '已载入参考数据' "$TMP/serve-first.err" || echo "(no reference-data line printed)")
REGION_COUNT=""
if command -v sqlite3 >/dev/null 2>&1; then
    REGION_COUNT=$(sqlite3 "file:$DB?mode=ro" "SELECT COUNT(*) FROM regions" 2>/dev/null || true)
fi
log "   healthz after ${FIRST_MS} ms; RSS ${MEM_START_RSS} MB; $REF_LINE"
stop_server

# ================================================================= 2. village load
log "2. regions load-villages"
CMD_VILLAGES="$BIN --database sqlite://$DB regions load-villages"
LOAD_VILLAGES=$(loadavg)
t0=$(now_ms)
if [ -x /usr/bin/time ]; then
    nice -n 10 /usr/bin/time -v "$BIN" --database "sqlite://$DB" regions load-villages >"$TMP/villages.out" 2>"$TMP/villages.err" \
        || { tail -20 "$TMP/villages.err" >&2; die "load-villages failed"; }
    CMD_VILLAGES="/usr/bin/time -v $CMD_VILLAGES"
else
    nice -n 10 "$BIN" --database "sqlite://$DB" regions load-villages >"$TMP/villages.out" 2>"$TMP/villages.err" \
        || { tail -20 "$TMP/villages.err" >&2; die "load-villages failed"; }
fi
t1=$(now_ms)
VILLAGES_S=$(awk -v ms=$(( t1 - t0 )) 'BEGIN{printf "%.1f", ms/1000}')
VILLAGES_LINE=$(grep -m1 '已新增' "$TMP/villages.err" || echo "(no summary line)")
VILLAGES_MAXRSS=$(awk -F: '/Maximum resident set size/{gsub(/ /,"",$2); printf "%.0f", $2/1024}' "$TMP/villages.err")
VILLAGES_USER=$(awk -F: '/User time \(seconds\)/{gsub(/ /,"",$2); print $2}' "$TMP/villages.err")
VILLAGES_SYS=$(awk -F: '/System time \(seconds\)/{gsub(/ /,"",$2); print $2}' "$TMP/villages.err")
VILLAGE_COUNT=$(echo "$VILLAGES_LINE" | grep -o '已新增 [0-9]*' | grep -o '[0-9]*' || true)
if command -v sqlite3 >/dev/null 2>&1; then
    VILLAGE_COUNT_DB=$(sqlite3 "file:$DB?mode=ro" "SELECT COUNT(*) FROM regions WHERE level='village'" 2>/dev/null || true)
else
    VILLAGE_COUNT_DB=""
fi
DB_SIZE_MB=$(du -sm "$DB" | cut -f1)
log "   ${VILLAGES_S} s; $VILLAGES_LINE"

# ================================================================= 5b. plain restart on the db with villages
log "   restart (no demo) on the database with villages"
CMD_RESTART="$BIN serve --addr 127.0.0.1:$PORT --database sqlite://$DB"
start_server serve-restart serve --addr "127.0.0.1:$PORT" --database "sqlite://$DB"
RESTART_MS=$READY_MS
sleep 0.5
read -r MEM_RESTART_RSS MEM_RESTART_HWM < <(mem_mb "$SERVER_PID")
log "   healthz after ${RESTART_MS} ms; RSS ${MEM_RESTART_RSS} MB"
stop_server

# ================================================================= 3-5. demo server on the db with villages
log "3. serve --demo on the database with villages"
CMD_DEMO="$BIN serve --demo --addr 127.0.0.1:$PORT --database sqlite://$DB"
start_server serve-demo serve --demo --addr "127.0.0.1:$PORT" --database "sqlite://$DB"
DEMO_MS=$READY_MS
sleep 0.5
read -r MEM_VILL_RSS MEM_VILL_HWM < <(mem_mb "$SERVER_PID")
log "   healthz after ${DEMO_MS} ms; RSS ${MEM_VILL_RSS} MB"

# --- page login: GET /login (csrf cookie + hidden field), POST /login -> 303 + duijie_session
JAR="$TMP/cookies.txt"
curl -sf --max-time 10 -c "$JAR" -o "$TMP/login.html" "$BASE/login" || die "GET /login failed"
CSRF=$(grep -o 'name="_csrf" value="[^"]*"' "$TMP/login.html" | head -1 | sed 's/.*value="\([^"]*\)"/\1/')
[ -n "$CSRF" ] || die "no _csrf field in /login"
LOGIN_STATUS=$(curl -s --max-time 30 -b "$JAR" -D "$TMP/login.headers" -o /dev/null -w '%{http_code}' \
    --data-urlencode "_csrf=$CSRF" --data-urlencode "username=$OFFICER" --data-urlencode "password=$PASSWORD" "$BASE/login")
[ "$LOGIN_STATUS" = "303" ] || die "POST /login answered $LOGIN_STATUS, expected 303"
SESSION=$(grep -i '^set-cookie: duijie_session=' "$TMP/login.headers" | head -1 | sed 's/^[^=]*=\([^;]*\);.*/\1/' | tr -d '\r')
[ -n "$SESSION" ] || die "no duijie_session cookie after login"
PAGE_STATUS=$(curl -s --max-time 10 -H "Cookie: duijie_session=$SESSION" -o "$TMP/page.html" -w '%{http_code}' "$BASE/regions/$COUNTY")
[ "$PAGE_STATUS" = "200" ] || die "GET /regions/$COUNTY answered $PAGE_STATUS"
PAGE_BYTES=$(wc -c <"$TMP/page.html")

# --- wrk on the region page
PAGE_URL="$BASE/regions/$COUNTY"
CMD_WRK_PAGE="wrk -t$WRK_THREADS -c$WRK_CONNS -d$WRK_DURATION --latency -H \"Cookie: duijie_session=…\" $PAGE_URL"
log "   wrk page: $CMD_WRK_PAGE"
LOAD_PAGE=$(loadavg)
run_wrk wrk-page "$PAGE_URL" "Cookie: duijie_session=$SESSION"
PAGE_CPU=$CPU_NOTE
IFS='|' read -r PAGE_RPS PAGE_P50 PAGE_P99 PAGE_REQS PAGE_NON2XX PAGE_SOCKERR < <(wrk_fields "$TMP/wrk-page.txt")
read -r MEM_PAGE_RSS MEM_PAGE_HWM < <(mem_mb "$SERVER_PID")
log "   page: $PAGE_RPS req/s, p99 $PAGE_P99"

# --- API token + wrk on the API
CMD_TOKEN="curl -X POST -H 'content-type: application/json' -d '{\"username\":\"$OFFICER\",\"password\":\"$PASSWORD\"}' $BASE/api/v1/auth/token"
TOKEN_JSON=$(curl -s --max-time 30 -X POST -H 'content-type: application/json' \
    -d "{\"username\":\"$OFFICER\",\"password\":\"$PASSWORD\"}" "$BASE/api/v1/auth/token")
TOKEN=$(printf '%s' "$TOKEN_JSON" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
[ -n "$TOKEN" ] || die "no token in: $TOKEN_JSON"
API_URL="$BASE/api/v1/regions/$COUNTY"
API_STATUS=$(curl -s --max-time 10 -H "Authorization: Bearer $TOKEN" -o "$TMP/api.json" -w '%{http_code}' "$API_URL")
[ "$API_STATUS" = "200" ] || die "GET $API_URL answered $API_STATUS"
API_BYTES=$(wc -c <"$TMP/api.json")
CMD_WRK_API="wrk -t$WRK_THREADS -c$WRK_CONNS -d$WRK_DURATION --latency -H \"Authorization: Bearer TOKEN\" $API_URL"
log "   wrk api: $CMD_WRK_API"
LOAD_API=$(loadavg)
run_wrk wrk-api "$API_URL" "Authorization: Bearer $TOKEN"
API_CPU=$CPU_NOTE
IFS='|' read -r API_RPS API_P50 API_P99 API_REQS API_NON2XX API_SOCKERR < <(wrk_fields "$TMP/wrk-api.txt")
read -r MEM_END_RSS MEM_END_HWM < <(mem_mb "$SERVER_PID")
log "   api: $API_RPS req/s, p99 $API_P99"

# --- optional profile: a separate, unmeasured page run with perf attached (perf perturbs the figures)
if [ "${BENCH_PERF:-0}" = "1" ] && command -v perf >/dev/null 2>&1; then
    log "   perf: extra 10 s page run with perf record attached (not a measured figure)"
    perf record -F 499 -g -p "$SERVER_PID" -o "$TMP/perf.data" >/dev/null 2>"$TMP/perf.err" &
    PERF_PID=$!
    sleep 0.5
    wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d10s -H "Cookie: duijie_session=$SESSION" "$PAGE_URL" >"$TMP/wrk-perf.txt"
    kill -INT "$PERF_PID" 2>/dev/null || true; wait "$PERF_PID" 2>/dev/null || true; PERF_PID=""
    perf report -i "$TMP/perf.data" --no-children --sort comm --stdio -g none 2>/dev/null | grep '%' | grep -v '^#' | head -12 | cut -c1-120 | sed "s/[[:space:]]*$//" >"$TMP/perf-comm.txt" || true
    perf report -i "$TMP/perf.data" --no-children --sort dso,symbol --stdio -g none --percent-limit 0.7 2>/dev/null | grep '%' | grep -v '^#' | head -40 | cut -c1-140 | sed "s/[[:space:]]*$//" >"$TMP/perf-top.txt" || true
fi
stop_server

# ================================================================= report
FIRST_S=$(awk -v ms="$FIRST_MS" 'BEGIN{printf "%.2f", ms/1000}')
DEMO_S=$(awk -v ms="$DEMO_MS" 'BEGIN{printf "%.2f", ms/1000}')
PAGE_P99_MS=$(to_ms "$PAGE_P99"); API_P99_MS=$(to_ms "$API_P99")
MAX_HWM=$(printf '%s\n' "$MEM_START_HWM" "$MEM_RESTART_HWM" "$MEM_VILL_HWM" "$MEM_PAGE_HWM" "$MEM_END_HWM" | sort -n | tail -1)
CPU_MODEL=$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)
BIN_BUILT=$(date -r "$BIN" '+%Y-%m-%d %H:%M:%S %Z')
if [ "${BENCH_SKIP_BUILD:-0}" = "1" ]; then BUILD_NOTE="prebuilt binary (BENCH_SKIP_BUILD=1), built $BIN_BUILT: its sources may differ from HEAD"
else BUILD_NOTE="built by this run from the working tree, $BIN_BUILT"; fi

cat <<EOF
## Duijie benchmark — $(date '+%Y-%m-%d %H:%M %Z')

**Machine:** $(nproc) cores ($CPU_MODEL), $(awk '/^Mem:/{print $2}' < <(free -g)) GB RAM (\`free -g\`), $(uname -sr).
**Code:** git \`$GIT_REV\`$( [ "$GIT_DIRTY" -gt 0 ] && echo " plus $GIT_DIRTY uncommitted tracked file change(s)" ) when the run started; binary \`$BIN\` (release), $BUILD_NOTE.
**Database:** SQLite, fresh file in a mktemp directory. Server run under \`nice -n 10\`; wrk runs on the same machine.

| # | Figure | Target | Measured | Verdict |
|---|--------|--------|----------|---------|
| 1 | First start, empty DB → \`/healthz\` answers | < 5 s | **${FIRST_S} s** (server CPU time until then: ${FIRST_CPU} s; loadavg at start: $LOAD_FIRST) | $(verdict "$FIRST_S" "<" 5) |
| 1b | Reference-data line printed by the server | — | \`$REF_LINE\` | |
| 2 | \`regions load-villages\` wall time | < 60 s | **${VILLAGES_S} s** (user ${VILLAGES_USER:-?} s, sys ${VILLAGES_SYS:-?} s, max RSS ${VILLAGES_MAXRSS:-?} MB; loadavg $LOAD_VILLAGES) | $(verdict "$VILLAGES_S" "<" 60) |
| 2b | Villages loaded | 620,573 | ${VILLAGE_COUNT:-?} inserted (\`$VILLAGES_LINE\`)${VILLAGE_COUNT_DB:+; $VILLAGE_COUNT_DB village rows in DB}; DB file ${DB_SIZE_MB} MB | |
| 3 | Region page \`GET /regions/$COUNTY\` ($OFFICER, cookie session), req/s | > 2,000 | **$PAGE_RPS** ($PAGE_REQS requests, non-2xx: $PAGE_NON2XX, socket errors: $PAGE_SOCKERR; ${PAGE_BYTES} B/page; loadavg $LOAD_PAGE) | $(verdict "$PAGE_RPS" ">" 2000) |
| 3b | Region page p99 latency | < 50 ms | **$PAGE_P99** (p50 $PAGE_P50) | $(verdict "$PAGE_P99_MS" "<" 50) |
| 3c | CPU during the page run | — | $PAGE_CPU | |
| 4 | API \`GET /api/v1/regions/$COUNTY\` (bearer), req/s | — (same as page) | **$API_RPS** ($API_REQS requests, non-2xx: $API_NON2XX, socket errors: $API_SOCKERR; ${API_BYTES} B/response; loadavg $LOAD_API) | $(verdict "$API_RPS" ">" 2000) |
| 4b | API p99 latency | < 50 ms | **$API_P99** (p50 $API_P50) | $(verdict "$API_P99_MS" "<" 50) |
| 4c | CPU during the API run | — | $API_CPU | |
| 5a | Server memory after first start (region tree, no villages) | < 150 MB | VmRSS $MEM_START_RSS MB, VmHWM $MEM_START_HWM MB | $(verdict "$MEM_START_HWM" "<" 150) |
| 5b | Server memory after restart on the DB with villages | < 150 MB | VmRSS $MEM_RESTART_RSS MB, VmHWM $MEM_RESTART_HWM MB (healthz after $(awk -v ms="$RESTART_MS" 'BEGIN{printf "%.2f", ms/1000}') s) | $(verdict "$MEM_RESTART_HWM" "<" 150) |
| 5b' | Server memory after restart with \`--demo\` (loads demo data) on that DB | < 150 MB | VmRSS $MEM_VILL_RSS MB, VmHWM $MEM_VILL_HWM MB (healthz after ${DEMO_S} s) | $(verdict "$MEM_VILL_HWM" "<" 150) |
| 5c | Server memory after the page wrk run | < 150 MB | VmRSS $MEM_PAGE_RSS MB, VmHWM $MEM_PAGE_HWM MB | $(verdict "$MEM_PAGE_HWM" "<" 150) |
| 5d | Server memory after the API wrk run (end) | < 150 MB | VmRSS $MEM_END_RSS MB, VmHWM $MEM_END_HWM MB | $(verdict "$MAX_HWM" "<" 150) |

### Commands

\`\`\`sh
# 1  (timed from launch until curl -sf $BASE/healthz succeeds; polled every 20 ms, at most 60 s)
$CMD_FIRST
# 2
$CMD_VILLAGES
# 5b (restart, then the same healthz poll)
$CMD_RESTART
# 3  (login: GET /login -> _csrf; POST /login _csrf,username=$OFFICER,password=… -> 303 + duijie_session)
$CMD_DEMO
$CMD_WRK_PAGE
# 4
$CMD_TOKEN
$CMD_WRK_API
# 5  awk '/^VmRSS|^VmHWM/' /proc/\$SERVER_PID/status
\`\`\`

<details><summary>wrk output: region page</summary>

\`\`\`
$(cat "$TMP/wrk-page.txt")
\`\`\`
</details>

<details><summary>wrk output: API</summary>

\`\`\`
$(cat "$TMP/wrk-api.txt")
\`\`\`
</details>
EOF
if [ -s "$TMP/perf-top.txt" ]; then
    printf '\n<details><summary>perf (server, extra unmeasured 10 s page run): CPU by thread, top symbols</summary>\n\n```\n'
    cat "$TMP/perf-comm.txt"; echo; cat "$TMP/perf-top.txt"
    printf '```\n</details>\n'
fi
log "done"
