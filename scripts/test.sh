#!/usr/bin/env bash
# The whole test suite, on a fresh machine or a used one.
#
# Installs what the tests need (Chromium and its driver for the browser tests,
# CJK fonts so Chinese renders in screenshots, python-docx to read a downloaded
# agreement, openpyxl to read a downloaded report table, schemathesis to fuzz
# the API against its description), makes sure PostgreSQL is running and
# reachable, removes databases left by earlier runs, and runs every test on
# SQLite and on PostgreSQL, then the long tier.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
[ -d /usr/share/fonts/opentype/noto ] || need_apt+=(fonts-noto-cjk)
command -v psql >/dev/null 2>&1 || need_apt+=(postgresql postgresql-client)
# python3 with python-docx: the browser test reads the downloaded agreement (.docx).
command -v python3 >/dev/null 2>&1 || need_apt+=(python3 python3-docx)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
if ! python3 -c 'import docx' >/dev/null 2>&1; then
  echo "installing: python-docx"
  PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet python-docx
fi
# openpyxl: the browser test of the half-year cycle reads the downloaded 附件1 (.xlsx).
if ! python3 -c 'import openpyxl' >/dev/null 2>&1; then
  echo "installing: openpyxl"
  PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet openpyxl
fi
# schemathesis: the API schema test (crates/cli/tests/it/api_schema.rs) runs it.
if ! command -v schemathesis >/dev/null 2>&1; then
  echo "installing: schemathesis"
  PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet 'schemathesis==4.32.5'
fi

# PostgreSQL: start the local cluster if it is not answering.
PG_URL="${DUIJIE_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432}"
if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  echo "starting PostgreSQL"
  for v in $(ls /etc/postgresql 2>/dev/null); do
    pg_ctlcluster --skip-systemctl-redirect "$v" main start || true
  done
  for _ in $(seq 1 60); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 0.5; done
  pg_isready -h 127.0.0.1 -p 5432 -q || { echo "PostgreSQL did not start" >&2; exit 1; }
fi
# Databases left by earlier runs (each test makes its own).
psql "$PG_URL/postgres" -Atqc "SELECT datname FROM pg_database WHERE datname LIKE 'duijie_t%'" 2>/dev/null |
  while read -r db; do psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS \"$db\"" >/dev/null 2>&1 || true; done
export DUIJIE_TEST_PG_URL="$PG_URL"

cargo test --workspace --locked -- --test-threads="${DUIJIE_TEST_THREADS:-4}"
# The long tier: 32 clients for 60 seconds on PostgreSQL (ignored in the first step).
# Same package set as the first step, so nothing is compiled again.
cargo test --workspace --locked -- --ignored long_tier
