#!/usr/bin/env bash
# Checkout load test beside PostgreSQL's own TPC-B (pgbench) on the same
# server, in the same run. Usage: scripts/bench-checkout.sh [seconds] [workers]
#
# By default both run on a private PostgreSQL cluster started here from the
# machine's binaries with PostgreSQL's default settings (the machine's shared
# test cluster runs with autovacuum off, which suits throwaway test
# databases, not a throughput measurement). BENCH_PG=shared uses the server
# of MARKET_TEST_DATABASE_URL instead, with scratch databases dropped after.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-15}
workers=${2:-8}
tmp=$(mktemp -d)
chmod 755 "$tmp"
cleanup() { :; }
trap 'cleanup; rm -rf "$tmp"' EXIT
go build -o "$tmp/marketctl" ./cmd/marketctl

as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "${BENCH_PG:-private}" = shared ]; then
  admin=${MARKET_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
  base=${admin%%\?*}; base=${base%/*}
  cleanup() {
    psql -q "$base/postgres" -c "DROP DATABASE IF EXISTS bench_pgbench" -c "DROP DATABASE IF EXISTS bench_checkout_hot" \
      -c "DROP DATABASE IF EXISTS bench_checkout_spread" >/dev/null 2>&1 || true
  }
else
  pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -x "$pgbin/initdb" ] || { echo "no PostgreSQL binaries under /usr/lib/postgresql" >&2; exit 1; }
  port=$((20000 + RANDOM % 20000))
  mkdir "$tmp/pg"
  [ "$(id -u)" = 0 ] && chown postgres "$tmp/pg"
  as_postgres "$pgbin/initdb" -D "$tmp/pg" -A trust -U postgres >/dev/null
  as_postgres "$pgbin/pg_ctl" -D "$tmp/pg" -w -l "$tmp/pg/log" \
    -o "-p $port -k $tmp/pg -c listen_addresses=127.0.0.1" start >/dev/null
  cleanup() { as_postgres "$pgbin/pg_ctl" -D "$tmp/pg" -m fast stop >/dev/null 2>&1 || true; }
  base="postgres://postgres@127.0.0.1:$port"
fi
# Both sides connect alike: TCP to the same server, without TLS (the
# machine's cluster offers TLS on 127.0.0.1, which would tax every round
# trip of either side's client with encryption rather than database work).
opts="?sslmode=disable"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(psql -tA "$base/postgres$opts" -c 'show server_version'); server: ${BENCH_PG:-private}"

psql -q "$base/postgres$opts" -c "DROP DATABASE IF EXISTS bench_pgbench" -c "CREATE DATABASE bench_pgbench"
pgbench -q -i -s 10 "$base/bench_pgbench$opts" >/dev/null 2>&1
# Each measured run starts from clean buffers: the set-up's writes (here
# pgbench's 130 MB of accounts, as large as the default shared_buffers) are
# flushed before it, not during it or the next run. marketctl bench does
# the same after its own set-up.
psql -q "$base/postgres$opts" -c "CHECKPOINT"
echo "baseline: pgbench TPC-B, $workers clients, ${secs}s"
pgbench -c "$workers" -j 2 -T "$secs" -n "$base/bench_pgbench$opts" | grep -E "^tps|latency average"

for mode in spread hot; do
  db=bench_checkout_$mode
  psql -q "$base/postgres$opts" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  export DATABASE_URL="$base/$db$opts" MARKET_DATA_DIR="$tmp/data" MARKET_LOG_LEVEL=warn
  "$tmp/marketctl" migrate up >/dev/null
  echo "checkout ($mode), $workers workers, ${secs}s after a 3 s warm-up"
  "$tmp/marketctl" bench checkout --mode "$mode" --workers "$workers" --duration "${secs}s"
done
