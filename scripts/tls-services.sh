#!/usr/bin/env bash
# The TLS ends of the data stores, for the TLS tests (tests/integration/service/data_store_tls.rs)
# and for trying `sslmode=verify-full` / `rediss://` by hand. Idempotent: run it as often as you
# like; it changes only what is missing or stale.
#
#   sudo scripts/tls-services.sh
#
# It makes, under $ARCA_TLS_DIR (/var/lib/arca-ci-tls):
#   ca.pem, ca.key           a CA of its own (10 years)
#   other-ca.pem             a second CA that signed nothing the servers use (the "wrong CA")
#   server.pem, server.key   a server certificate from ca.pem for DNS:localhost only (no IP
#                            address, so connecting to 127.0.0.1 with verify-full must fail)
# then turns TLS on, with that certificate, in the local PostgreSQL cluster (ALTER SYSTEM: ssl,
# ssl_cert_file, ssl_key_file; pg_reload_conf) and starts a redis-server that speaks TLS only, on
# 127.0.0.1:$ARCA_TLS_REDIS_PORT (6390). It ends by connecting to both with the CA checked.
#
# Needs root (the key must belong to the postgres user), openssl, psql, redis-server and
# redis-cli built with TLS (Debian's are), and a PostgreSQL cluster on this machine at
# 127.0.0.1:5432 (a PostgreSQL in a container or elsewhere has its own TLS settings).
set -euo pipefail

dir="${ARCA_TLS_DIR:-/var/lib/arca-ci-tls}"
redis_port="${ARCA_TLS_REDIS_PORT:-6390}"
pg_port="${ARCA_TLS_PG_PORT:-5432}"

mkdir -p "$dir"
chmod 0755 "$dir"
cd "$dir"

# --- Certificates: made when missing or expiring within 30 days. ---------------------------------
changed=0
fresh() { [ -s "$1" ] && openssl x509 -in "$1" -noout -checkend $((30 * 86400)) > /dev/null 2>&1; }

make_ca() { # <name> <subject>
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj "$2" \
    -keyout "$1.key" -out "$1.pem" 2> /dev/null
  chmod 0600 "$1.key"
}

if ! fresh ca.pem || [ ! -s ca.key ]; then
  echo "making the CA"
  make_ca ca "/CN=arca-api test CA"
  rm -f server.pem
  changed=1
fi
if ! fresh other-ca.pem; then
  echo "making the other CA"
  make_ca other-ca "/CN=arca-api unrelated CA"
  rm -f other-ca.key # nothing is ever signed with it
fi
if ! fresh server.pem || ! openssl verify -CAfile ca.pem server.pem > /dev/null 2>&1; then
  echo "making the server certificate (DNS:localhost)"
  openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=localhost" \
    -keyout server.key -out server.csr 2> /dev/null
  printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > server.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 -sha256 \
    -extfile server.ext -out server.pem 2> /dev/null
  rm -f server.csr server.ext
  chmod 0600 server.key
  changed=1
fi

# --- PostgreSQL: its own copy of the pair, owned by postgres (it refuses a key others can read).
mkdir -p postgres
if [ "$changed" = 1 ] || ! cmp -s server.pem postgres/server.pem; then
  install -o postgres -g postgres -m 0644 server.pem postgres/server.pem
  install -o postgres -g postgres -m 0600 server.key postgres/server.key
fi
chown postgres:postgres postgres
chmod 0755 postgres
psql_admin() { psql -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -v ON_ERROR_STOP=1 -Atq "$@"; }
current="$(psql_admin -c "SELECT current_setting('ssl') || ' ' || current_setting('ssl_cert_file') || ' ' || current_setting('ssl_key_file')")"
wanted="on $dir/postgres/server.pem $dir/postgres/server.key"
if [ "$current" != "$wanted" ] || [ "$changed" = 1 ]; then
  echo "PostgreSQL: TLS on with $dir/postgres/server.pem"
  psql_admin -c "ALTER SYSTEM SET ssl_cert_file = '$dir/postgres/server.pem'" \
    -c "ALTER SYSTEM SET ssl_key_file = '$dir/postgres/server.key'" \
    -c "ALTER SYSTEM SET ssl = on" \
    -c "SELECT pg_reload_conf()" > /dev/null
  # The reload is asynchronous: wait until a new connection sees it.
  for _ in $(seq 50); do
    [ "$(psql_admin -c "SELECT current_setting('ssl_cert_file')")" = "$dir/postgres/server.pem" ] && break
    sleep 0.1
  done
else
  echo "PostgreSQL: TLS already on with $dir/postgres/server.pem"
fi

# --- Redis: TLS only, on its own port. -----------------------------------------------------------
redis_ping() { redis-cli --tls --cacert "$dir/ca.pem" -h localhost -p "$redis_port" ping 2> /dev/null; }
mkdir -p redis
if [ "$changed" = 1 ] && [ -s redis/redis.pid ]; then
  echo "Redis (TLS): certificate changed, restarting"
  kill "$(cat redis/redis.pid)" 2> /dev/null || true
  for _ in $(seq 50); do redis_ping > /dev/null || break; sleep 0.1; done
fi
if [ "$(redis_ping)" = "PONG" ]; then
  echo "Redis (TLS): already up on $redis_port"
else
  echo "Redis (TLS): starting on 127.0.0.1:$redis_port"
  redis-server --daemonize yes --port 0 --tls-port "$redis_port" --bind 127.0.0.1 -::1 \
    --tls-cert-file "$dir/server.pem" --tls-key-file "$dir/server.key" \
    --tls-ca-cert-file "$dir/ca.pem" --tls-auth-clients no \
    --save "" --appendonly no --dir "$dir/redis" --logfile "$dir/redis/redis.log" \
    --pidfile "$dir/redis/redis.pid"
  for _ in $(seq 50); do [ "$(redis_ping)" = "PONG" ] && break; sleep 0.1; done
fi

# --- Both, with the CA and the host name checked. ------------------------------------------------
psql "host=localhost port=$pg_port user=postgres dbname=postgres sslmode=verify-full sslrootcert=$dir/ca.pem" \
  -Atc "SELECT 'PostgreSQL: verify-full ok, ' || version FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
[ "$(redis_ping)" = "PONG" ] || {
  echo "error: Redis does not answer over TLS on $redis_port (see $dir/redis/redis.log)" >&2
  exit 1
}
echo "Redis: TLS ok on localhost:$redis_port"
