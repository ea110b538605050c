#!/usr/bin/env bash
# Checkout load test beside PostgreSQL's own TPC-B (pgbench) on the same
# server, in the same run. Uses scratch databases on the test server and drops
# them afterwards. Usage: scripts/bench-checkout.sh [seconds] [workers]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-15}
workers=${2:-8}
admin=${MARKET_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
base=${admin%%\?*}; base=${base%/*}
# Both sides connect alike: TCP to the same server, without TLS (the
# machine's cluster offers TLS on 127.0.0.1, which would tax every round
# trip of either side's client with encryption rather than database work).
opts="?sslmode=disable"
tmp=$(mktemp -d)
trap 'psql -q "$admin" -c "DROP DATABASE IF EXISTS bench_pgbench" -c "DROP DATABASE IF EXISTS bench_checkout_hot" -c "DROP DATABASE IF EXISTS bench_checkout_spread" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
go build -o "$tmp/marketctl" ./cmd/marketctl
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(psql -tA "$admin" -c 'show server_version')"

psql -q "$admin" -c "DROP DATABASE IF EXISTS bench_pgbench" -c "CREATE DATABASE bench_pgbench"
pgbench -q -i -s 10 "$base/bench_pgbench$opts" >/dev/null 2>&1
echo "baseline: pgbench TPC-B, $workers clients, ${secs}s"
pgbench -c "$workers" -j 2 -T "$secs" -n "$base/bench_pgbench$opts" | grep -E "^tps|latency average"

for mode in spread hot; do
  db=bench_checkout_$mode
  psql -q "$admin" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  export DATABASE_URL="$base/$db$opts" MARKET_DATA_DIR="$tmp/data" MARKET_LOG_LEVEL=warn
  "$tmp/marketctl" migrate up >/dev/null
  echo "checkout ($mode), $workers workers, ${secs}s"
  "$tmp/marketctl" bench checkout --mode "$mode" --workers "$workers" --duration "${secs}s"
done
