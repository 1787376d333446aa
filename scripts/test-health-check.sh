#!/usr/bin/env bash
# Tests scripts/health-check.sh against a stub HTTP server (python3): all healthy → exit 0;
# a 503, a 200 whose status is not "ok", a timeout and a refused connection → exit 1 with one
# FAIL line per failing endpoint; no URL → exit 2.
set -euo pipefail
cd "$(dirname "$0")/.."

port_ok=$((20000 + RANDOM % 20000))
port_bad=$((port_ok + 1))
stub=$(mktemp)
cat > "$stub" <<'PY'
import json, sys, time
from http.server import BaseHTTPRequestHandler, HTTPServer

healthy = sys.argv[2] == "healthy"

class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        code, body = 200, {"status": "ok"}
        if not healthy:
            if self.path == "/health/redis":
                code, body = 503, {"status": "unhealthy", "connection": "error"}
            elif self.path == "/health/arca":
                body = {"status": "degraded"}
            elif self.path == "/health/database":
                time.sleep(3)
        data = json.dumps(body).encode()
        try:
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except BrokenPipeError:
            pass

HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
PY
python3 "$stub" "$port_ok" healthy &
pid_ok=$!
python3 "$stub" "$port_bad" broken &
pid_bad=$!
trap 'kill $pid_ok $pid_bad 2> /dev/null; rm -f "$stub" "$stub.out"' EXIT
for _ in $(seq 50); do
  curl -s -o /dev/null "http://127.0.0.1:$port_ok/health" && curl -s -o /dev/null "http://127.0.0.1:$port_bad/health" && break
  sleep 0.1
done

failures=0
expect() { # expect NAME EXPECTED_EXIT EXPECTED_FAIL_LINES -- command…
  local name=$1 want=$2 want_fails=$3 got fails
  shift 4
  set +e
  "$@" > "$stub.out" 2>&1
  got=$?
  set -e
  fails=$(grep -c '^FAIL' "$stub.out" || true)
  if [ "$got" = "$want" ] && [ "$fails" = "$want_fails" ]; then
    echo "pass  $name (exit $got, $fails FAIL line(s))"
  else
    echo "FAIL  $name: exit $got (want $want), $fails FAIL line(s) (want $want_fails)"
    sed 's/^/      /' "$stub.out"
    failures=$((failures + 1))
  fi
}

fast=(env HEALTH_RETRIES=2 HEALTH_RETRY_DELAY=0 HEALTH_TIMEOUT=1)
expect "all healthy" 0 0 -- "${fast[@]}" scripts/health-check.sh "http://127.0.0.1:$port_ok/"
expect "503, wrong status, timeout" 1 3 -- "${fast[@]}" scripts/health-check.sh "http://127.0.0.1:$port_bad"
expect "connection refused" 1 4 -- "${fast[@]}" scripts/health-check.sh "http://127.0.0.1:1"
expect "only the gating endpoints" 0 0 -- "${fast[@]}" HEALTH_ENDPOINTS="/health /health/arca" \
  scripts/health-check.sh "http://127.0.0.1:$port_ok"
expect "no URL" 2 0 -- scripts/health-check.sh

passed=$((5 - failures))
echo "$passed passed, $failures failed"
[ "$failures" -eq 0 ]
