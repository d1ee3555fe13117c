#!/usr/bin/env bash
# The front-door benchmark (issue 18): every read route through HTTP under 32
# connections on a national-scale database, /healthz as the reference in the
# same run, a mixed read/write run, start time and memory. Prints a Markdown
# report on stdout (progress on stderr). Not a test.
#
# Usage:  bash bench/http.sh                 # SQLite (the default backend)
#         bash bench/http.sh postgres        # PostgreSQL at BENCH_PG_URL (postgres://postgres@127.0.0.1:5432)
# Knobs:  BENCH_SCALE=ORGS,OFFERS,DEMANDS,PAIRINGS (100000,100000,1000000,50000)
#         WRK_DURATION=8s WRK_CONNS=32 WRK_THREADS=2 BENCH_WRITE_CONNS=3 BENCH_KEEP=1
#         BENCH_SKIP_BUILD=1 CARGO_TARGET_DIR=… BENCH_SLOW_RPS=100 (routes slower alone stay out of the mixed run)
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET="${CARGO_TARGET_DIR:-target}"
if ! command -v wrk >/dev/null 2>&1; then
  echo "installing wrk" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >&2 || { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >&2; }
fi
if [ "${BENCH_SKIP_BUILD:-0}" != "1" ]; then
  nice -n 10 cargo build --release -p duijie -p duijie-store --bin duijie --example matching_bench >&2
fi
export DUIJIE_BIN="$(cd "$TARGET/release" && pwd)/duijie"
export DUIJIE_FILL_BIN="$(cd "$TARGET/release/examples" && pwd)/matching_bench"
export BENCH_BACKEND="${1:-sqlite}"
exec python3 bench/front_door.py
