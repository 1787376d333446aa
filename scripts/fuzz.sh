#!/usr/bin/env bash
# Fuzzes the running API from its own OpenAPI document with Schemathesis.
#
#   scripts/fuzz.sh sqlite      # a fresh data directory, SQLite, in-process caches
#   scripts/fuzz.sh postgres    # a fresh scratch database on 127.0.0.1:5432 and Redis on :6379
#
# It builds (or reuses) the debug binary, starts `arca-api serve` on a free port with the
# in-process ARCA simulator, takes the demo API key it prints, lifts the demo account's rate
# limit and quota (the fuzzer sends thousands of requests a minute), and runs Schemathesis with
# every check, a fixed seed and a bounded number of examples per operation
# (fuzz/schemathesis.toml, fuzz/hooks.py). It prints the number of cases per check
# (fuzz/summary.py) and exits 1 on any failure. The server's log and Schemathesis' reports are
# kept in the work directory it prints when something fails.
#
# Environment: CARGO_TARGET_DIR (the build to use), FUZZ_VENV (the virtual environment;
# $CARGO_TARGET_DIR/fuzz-venv by default), FUZZ_MAX_EXAMPLES (overrides the configuration's
# examples per operation), TEST_POSTGRES_URL (postgres://postgres@127.0.0.1:5432/postgres),
# TEST_REDIS_URL (redis://127.0.0.1:6379).
set -euo pipefail

dialect="${1:-}"
case "$dialect" in
  sqlite | postgres) ;;
  *)
    echo "usage: $0 sqlite|postgres" >&2
    exit 2
    ;;
esac

repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
venv="${FUZZ_VENV:-$target_dir/fuzz-venv}"
work="$(mktemp -d "${TMPDIR:-/tmp}/arca-fuzz-$dialect.XXXXXX")"
server_pid=""
database=""
admin_url="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
redis_url="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"

cleanup() {
  local rc=$?
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2> /dev/null; then
    kill "$server_pid" 2> /dev/null || true
    wait "$server_pid" 2> /dev/null || true
  fi
  if [ -n "$database" ]; then
    psql "$admin_url" -q -c "DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)" > /dev/null 2>&1 || true
  fi
  if [ "$rc" -eq 0 ]; then
    rm -rf "$work"
  else
    echo "fuzz ($dialect): kept for inspection: $work (server.log, report/)" >&2
  fi
}
trap cleanup EXIT

# --- Schemathesis, pinned, in its own virtual environment. --------------------------------------
if [ ! -x "$venv/bin/schemathesis" ] || ! cmp -s fuzz/requirements.txt "$venv/requirements.txt"; then
  echo "installing $(grep -v '^#' fuzz/requirements.txt | tr '\n' ' ')into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r fuzz/requirements.txt
  cp fuzz/requirements.txt "$venv/requirements.txt"
fi

# --- The service. -------------------------------------------------------------------------------
cargo build --locked --quiet --bin arca-api
bin="$target_dir/debug/arca-api"

serve_env=(
  "PATH=$PATH"
  "HOME=${HOME:-/tmp}"
  APP_ENV=development
  ARCA_ENVIRONMENT=simulator
  HOST=127.0.0.1
  PORT=0
  "DATA_DIR=$work/data"
  LOG_LEVEL=warn
  LOG_FORMAT=json
)
if [ "$dialect" = postgres ]; then
  database="arca_fuzz_$(date +%s)_$$"
  psql "$admin_url" -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$database\"" > /dev/null
  database_url="${admin_url%/*}/$database"
  serve_env+=("DATABASE_URL=$database_url" "REDIS_URL=$redis_url" "REDIS_KEY_PREFIX=arca-fuzz-$database:")
fi

env -i "${serve_env[@]}" "$bin" serve --migrate > "$work/server.log" 2>&1 &
server_pid=$!

# The banner names the demo key and the port (PORT=0 picks a free one).
key=""
port=""
for _ in $(seq 1 600); do
  if ! kill -0 "$server_pid" 2> /dev/null; then
    cat "$work/server.log" >&2
    echo "error: arca-api serve exited during start-up" >&2
    exit 1
  fi
  key="$(grep -o -m1 -E 'arca_(test|live)_[A-Za-z0-9_-]+' "$work/server.log" || true)"
  port="$(grep -o -m1 -E 'http://127\.0\.0\.1:[0-9]+/docs' "$work/server.log" | sed -E 's/.*:([0-9]+)\/docs/\1/' || true)"
  [ -n "$key" ] && [ -n "$port" ] && break
  sleep 0.1
done
if [ -z "$key" ] || [ -z "$port" ]; then
  cat "$work/server.log" >&2
  echo "error: no demo key or port in the server's banner" >&2
  exit 1
fi
base="http://127.0.0.1:$port"

# The demo account is on the free tier (100 requests a minute, 500 invoices a month): the
# fuzzer needs more. Its key has not been used yet, so nothing cached the old limits.
lift_limits="UPDATE accounts SET tier = 'enterprise', monthly_quota = NULL, requests_per_minute = 1000000"
if [ "$dialect" = postgres ]; then
  psql "$database_url" -q -v ON_ERROR_STOP=1 -c "$lift_limits" > /dev/null
else
  python3 - "$work/data/arca-api.db" "$lift_limits" << 'PY'
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1])
connection.execute(sys.argv[2])
connection.commit()
PY
fi
curl -fsS -o /dev/null -H "Authorization: Bearer $key" "$base/v1/account"

# --- The fuzzer. --------------------------------------------------------------------------------
# Hypothesis' `filter_too_much` health check judges the generator, not the API: with some example
# counts it aborted `GET /v1/taxpayers/{cuit}` (an 11-digit path pattern) before a single request.
examples=()
[ -n "${FUZZ_MAX_EXAMPLES:-}" ] && examples=(--max-examples "$FUZZ_MAX_EXAMPLES")
echo "fuzzing $base ($dialect) with Schemathesis $("$venv/bin/schemathesis" --version | awk '{print $NF}')"
started=$SECONDS
set +e
(
  cd "$work"
  # The key reaches Schemathesis through the environment (the configuration reads it), never
  # through the command line; output sanitisation keeps it out of the printed failures.
  FUZZ_API_KEY="$key" SCHEMATHESIS_HOOKS=hooks PYTHONPATH="$repo/fuzz" \
    "$venv/bin/schemathesis" --config-file "$repo/fuzz/schemathesis.toml" --no-color run "$base/openapi.json" \
    "${examples[@]}" \
    --suppress-health-check filter_too_much \
    --report junit,ndjson --report-dir "$work/report" > "$work/schemathesis.log" 2>&1
)
status=$?
set -e
echo "schemathesis finished in $((SECONDS - started)) s (exit $status)"
"$venv/bin/python" fuzz/summary.py "$work/report" "$dialect" || status=1
if [ "$status" -ne 0 ]; then
  tail -n 200 "$work/schemathesis.log"
  echo "fuzz ($dialect): FAILED" >&2
  exit 1
fi
echo "fuzz ($dialect): ok"
