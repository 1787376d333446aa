#!/usr/bin/env bash
# Captures the health and metrics samples pasted in docs/operations (deployment-guide.md,
# monitoring.md, runbooks/) from a real run of this build, against the standalone simulator,
# PostgreSQL and Redis, as in the deployment guide's "Local run, step by step".
#
#   scripts/capture-health-samples.sh [BIN]      (BIN defaults to target/release/arca-api)
#
# Needs PostgreSQL on 127.0.0.1:5432 (user postgres) and Redis on 127.0.0.1:6379 already up;
# uses its own ports (service 3100-3103, simulator 8180, a throw-away Redis on 6390), its own
# databases (arca_samples, arca_samples_x) and its own Redis key prefixes (arca-samples*:), so it
# does not disturb another run on 3000/8080/arca_ops. It never stops the shared PostgreSQL or
# Redis: "database down" is a database that refuses connections, "Redis down" is its own Redis.
# Writes OUT/<name>.json (pretty-printed), OUT/<name>.status (HTTP code) and OUT/metrics.txt,
# prints them, and removes everything it started or created on exit.
set -euo pipefail

BIN="${1:-${BIN:-$PWD/target/release/arca-api}}"
WORK="${WORK:-/tmp/arca-samples}"
OUT="$WORK/out"
PG=postgres://postgres@127.0.0.1:5432
SIM_PORT=8180
LOST_REDIS_PORT=6390
rm -rf "$WORK" && mkdir -p "$WORK" "$OUT"

export APP_ENV=development HOST=127.0.0.1 LOG_LEVEL=info LOG_FORMAT=json
export DATA_DIR="$WORK/data"
export DATABASE_POOL_SIZE=10
export ARCA_ENVIRONMENT=simulator
SIM="http://127.0.0.1:$SIM_PORT"
export ARCA_WSAA_URL="$SIM/ws/services/LoginCms" ARCA_WSFE_URL="$SIM/wsfev1/service.asmx"
export ARCA_TIMEOUT_MS=3000 INVOICE_QUEUE_MODE=queue ARCA_HEALTH_CACHE_MS=0
export CIRCUIT_BREAKER_FAILURE_THRESHOLD=5 CIRCUIT_BREAKER_OPEN_SECONDS=15
export MAINTENANCE_MODE=false MAINTENANCE_RETRY_AFTER=120 RATE_LIMIT_ENABLED=true
SECRETS_ENCRYPTION_KEY="$(openssl rand -base64 32)"
API_KEY_SALT="$(openssl rand -base64 32)"
ADMIN_TOKEN="$(openssl rand -hex 24)"
export SECRETS_ENCRYPTION_KEY API_KEY_SALT ADMIN_TOKEN

PIDS=()
cleanup() {
  set +e
  for pid in "${PIDS[@]}"; do kill "$pid" 2> /dev/null; done
  sleep 2
  redis-cli -p "$LOST_REDIS_PORT" shutdown nosave > /dev/null 2>&1
  psql "$PG/postgres" -q -c 'ALTER DATABASE arca_samples_x ALLOW_CONNECTIONS true' > /dev/null 2>&1
  psql "$PG/postgres" -q -c 'DROP DATABASE IF EXISTS arca_samples WITH (FORCE)' \
    -c 'DROP DATABASE IF EXISTS arca_samples_x WITH (FORCE)' 2> /dev/null
  redis-cli -h 127.0.0.1 --scan --pattern 'arca-samples*' | xargs -r redis-cli -h 127.0.0.1 del > /dev/null
}
trap cleanup EXIT

# serve NAME PORT [VAR=value...]: start an instance with extra environment, wait for /health
serve() {
  local name=$1 port=$2
  shift 2
  env PORT="$port" "$@" "$BIN" serve > "$WORK/serve-$name.log" 2>&1 < /dev/null &
  PIDS+=($!)
  for _ in $(seq 60); do curl -fs -o /dev/null "http://127.0.0.1:$port/health" && return 0; sleep 1; done
  echo "instance $name did not become healthy" >&2
  return 1
}
# capture NAME URL: save the HTTP code and the pretty-printed body
capture() {
  curl -sS -o "$OUT/$1.raw" -w '%{http_code}' "$2" > "$OUT/$1.status"
  python3 -m json.tool "$OUT/$1.raw" > "$OUT/$1.json"
  rm -f "$OUT/$1.raw"
}
breaker() { curl -sS "$1/health/arca" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("circuit_breaker"))'; }

psql "$PG/postgres" -q -v ON_ERROR_STOP=1 -c 'DROP DATABASE IF EXISTS arca_samples WITH (FORCE)' \
  -c 'DROP DATABASE IF EXISTS arca_samples_x WITH (FORCE)' -c 'CREATE DATABASE arca_samples' \
  -c 'CREATE DATABASE arca_samples_x' 2> /dev/null
redis-cli -h 127.0.0.1 --scan --pattern 'arca-samples*' | xargs -r redis-cli -h 127.0.0.1 del > /dev/null

"$BIN" simulator --listen "127.0.0.1:$SIM_PORT" --ca-dir "$DATA_DIR/simulator-ca" \
  --state-file "$WORK/simulator-state.json" > "$WORK/simulator.log" 2>&1 < /dev/null &
PIDS+=($!)
for _ in $(seq 30); do curl -fs -o /dev/null "$SIM/_sim/health" && break; sleep 1; done

MAIN=(DATABASE_URL="$PG/arca_samples" REDIS_URL=redis://127.0.0.1:6379 REDIS_KEY_PREFIX=arca-samples:)
env "${MAIN[@]}" "$BIN" migrate up > /dev/null
env DATABASE_URL="$PG/arca_samples_x" "$BIN" migrate up > /dev/null

# 1. Normal: PostgreSQL, Redis, the simulator; one invoice issued first.
URL=http://127.0.0.1:3100
serve main 3100 "${MAIN[@]}"
API_KEY="$(grep -o -m1 'arca_test_[A-Za-z0-9_-]*' "$WORK/serve-main.log")"
"$BIN" smoke --url "$URL" --api-key "$API_KEY"
curl -fsS -o /dev/null -H "Authorization: Bearer $API_KEY" "$URL/v1/invoices"
curl -fsS -o /dev/null -H "Authorization: Bearer $API_KEY" "$URL/v1/account"
capture health "$URL/health"
capture health-arca "$URL/health/arca"
capture health-database "$URL/health/database"
capture health-redis "$URL/health/redis"
curl -fsS "$URL/metrics" > "$OUT/metrics.txt"

# 2. ARCA unreachable (every simulator call answers HTTP 503), then the breaker open.
curl -fsS -X POST "$SIM/_sim/faults" -H 'Content-Type: application/json' \
  -d '{"operation": "*", "action": {"kind": "http503"}, "probability": 1.0}' > /dev/null
capture health-arca-unreachable "$URL/health/arca"
invoice='{"mode": "advanced", "tipo_comprobante": 6, "punto_venta": 1, "concepto": "productos",
  "cliente": {"documento_tipo": 99, "documento_numero": "0", "razon_social": "Consumidor Final",
              "condicion_iva": "consumidor_final"},
  "items": [{"descripcion": "Yerba 1kg", "cantidad": 2, "precio_unitario": "1500.00", "iva_porcentaje": 21}]}'
for _ in $(seq 30); do
  [ "$(breaker "$URL")" = open ] && break
  curl -sS -o /dev/null -H "Authorization: Bearer $API_KEY" -H 'Content-Type: application/json' \
    -H 'Prefer: respond-async' "$URL/v1/invoices" -d "$invoice"
  sleep 2
done
capture health-arca-breaker-open "$URL/health/arca"
curl -fsS -X DELETE "$SIM/_sim/faults" > /dev/null

# 3. No REDIS_URL: a second instance on the same database.
serve noredis 3101 DATABASE_URL="$PG/arca_samples"
capture health-redis-not-configured http://127.0.0.1:3101/health/redis

# 4. Redis configured, then gone: its own Redis on another port, shut down under it.
redis-server --port "$LOST_REDIS_PORT" --bind 127.0.0.1 --daemonize yes --save "" --appendonly no \
  --dir "$WORK" --logfile "$WORK/redis-$LOST_REDIS_PORT.log"
for _ in $(seq 10); do redis-cli -p "$LOST_REDIS_PORT" ping > /dev/null 2>&1 && break; sleep 1; done
serve redisdown 3102 DATABASE_URL="$PG/arca_samples" REDIS_URL="redis://127.0.0.1:$LOST_REDIS_PORT" \
  REDIS_KEY_PREFIX=arca-samples-r:
redis-cli -p "$LOST_REDIS_PORT" shutdown nosave
# The first call after the loss answers "Redis failed: broken pipe"; every later one times out
# ("no answer within 1000 ms"), which is the steady state of a Redis that is gone.
curl -sS -o "$WORK/first-call-after-redis-loss.json" http://127.0.0.1:3102/health/redis
capture health-redis-unreachable http://127.0.0.1:3102/health/redis
capture health-redis-unreachable-overall http://127.0.0.1:3102/health

# 5. Database down: an instance on its own database, which then refuses connections.
serve dbdown 3103 DATABASE_URL="$PG/arca_samples_x" REDIS_URL=redis://127.0.0.1:6379 \
  REDIS_KEY_PREFIX=arca-samples-x:
psql "$PG/postgres" -q -v ON_ERROR_STOP=1 -c 'ALTER DATABASE arca_samples_x ALLOW_CONNECTIONS false' \
  -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = 'arca_samples_x'" > /dev/null
sleep 1
capture health-database-down http://127.0.0.1:3103/health/database
capture health-database-down-overall http://127.0.0.1:3103/health

for f in "$OUT"/*.json; do
  name=$(basename "$f" .json)
  echo "== $name: HTTP $(cat "$OUT/$name.status")"
  cat "$f"
done
echo "== /metrics # TYPE lines"
grep '^# TYPE' "$OUT/metrics.txt"
