#!/usr/bin/env bash
# scripts/health-check.sh URL — checks a running arca-api.
#
# Calls /health, /health/arca, /health/database and /health/redis under URL; each passes when
# the HTTP status is 200 and the JSON body's "status" is "ok". Each call has a connect and a
# total timeout and is retried a few times with a pause (a fresh deployment may still be
# warming up). Prints one line per check and exits 0 when all pass, 1 otherwise (2 on usage).
#
# Settings (environment):
#   HEALTH_RETRIES          attempts per endpoint (3)
#   HEALTH_RETRY_DELAY      seconds between attempts (2)
#   HEALTH_CONNECT_TIMEOUT  curl --connect-timeout, seconds (3)
#   HEALTH_TIMEOUT          curl --max-time, seconds (10)
#   HEALTH_ENDPOINTS        space-separated paths to check (the four above)
#
# Needs curl; reads the JSON with jq when it is installed, else with python3, else with sed.
set -uo pipefail

usage() {
  echo "usage: $0 URL   (e.g. $0 http://127.0.0.1:3000)" >&2
  exit 2
}
[ $# -eq 1 ] || usage
case "$1" in
  http://* | https://*) ;;
  -h | --help) usage ;;
  *) echo "$0: URL must start with http:// or https://" >&2; exit 2 ;;
esac
base=${1%/}

retries=${HEALTH_RETRIES:-3}
delay=${HEALTH_RETRY_DELAY:-2}
connect_timeout=${HEALTH_CONNECT_TIMEOUT:-3}
max_time=${HEALTH_TIMEOUT:-10}
endpoints=${HEALTH_ENDPOINTS:-/health /health/arca /health/database /health/redis}

command -v curl > /dev/null || { echo "$0: curl is required" >&2; exit 2; }

# The top-level "status" of a JSON object on stdin, or nothing.
json_status() {
  if command -v jq > /dev/null; then
    jq -r 'if type == "object" and (.status | type) == "string" then .status else empty end' 2> /dev/null
  elif command -v python3 > /dev/null; then
    python3 -c '
import json, sys
try:
    body = json.load(sys.stdin)
except ValueError:
    sys.exit(0)
if isinstance(body, dict) and isinstance(body.get("status"), str):
    print(body["status"])
' 2> /dev/null
  else
    # Last resort: the first "status":"…" pair in the body.
    tr -d '\n' | sed -n 's/^[^{]*{[^{]*"status"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p'
  fi
}

body_file=$(mktemp)
trap 'rm -f "$body_file"' EXIT

failed=0
for path in $endpoints; do
  url="$base$path"
  attempt=0
  while :; do
    attempt=$((attempt + 1))
    started=$(date +%s%N)
    code=$(curl --silent --show-error --output "$body_file" --write-out '%{http_code}' \
      --connect-timeout "$connect_timeout" --max-time "$max_time" \
      -H 'Accept: application/json' "$url" 2> "$body_file.err")
    curl_rc=$?
    elapsed_ms=$((($(date +%s%N) - started) / 1000000))
    if [ $curl_rc -ne 0 ]; then
      status="-"
      detail="curl: $(head -c 200 "$body_file.err" | tr '\n' ' ' | sed 's/^curl: ([0-9]*) //; s/ *$//')"
      code="000"
    else
      status=$(json_status < "$body_file")
      [ -n "$status" ] || status="-"
      detail=""
      if [ "$code" != "200" ] || [ "$status" != "ok" ]; then
        detail=$(head -c 300 "$body_file" | tr '\n' ' ')
      fi
    fi
    if [ "$code" = "200" ] && [ "$status" = "ok" ]; then
      printf 'OK    %-17s http=%s status=%s %sms\n' "$path" "$code" "$status" "$elapsed_ms"
      break
    fi
    if [ "$attempt" -ge "$retries" ]; then
      printf 'FAIL  %-17s http=%s status=%s %sms after %s attempt(s)%s\n' \
        "$path" "$code" "$status" "$elapsed_ms" "$attempt" "${detail:+: $detail}"
      failed=1
      break
    fi
    sleep "$delay"
  done
  rm -f "$body_file.err"
done

exit $failed
