#!/usr/bin/env bash
# Checkout load test beside PostgreSQL's own TPC-B (pgbench) on the same
# server, in the same run. Usage: scripts/bench-checkout.sh [seconds] [workers]
#
# Two ways of checking out are measured: in process (marketctl calls the
# order service: the database's share) and through HTTP as clients do it
# (marketd serving, request logging at info as in production, and
# `marketctl bench checkout --http`: POST /api/v1/orders as the buyer, then
# POST /api/v1/orders/{id}/payments/confirm as the admin). BENCH_HTTP=0
# skips the HTTP runs, BENCH_INPROCESS=0 the in-process ones; BENCH_SEAL_EVERY
# (default 2s, 0: never) how often the in-process runs seal the ledger; MARKETD_BIN
# runs another build of marketd.
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
marketd_pid=
trap '[ -z "$marketd_pid" ] || { kill "$marketd_pid" 2>/dev/null; wait "$marketd_pid" 2>/dev/null; }; cleanup; rm -rf "$tmp"' EXIT
go build -o "$tmp/marketctl" ./cmd/marketctl
marketd=${MARKETD_BIN:-$tmp/marketd}
[ -n "${MARKETD_BIN:-}" ] || go build -o "$tmp/marketd" ./cmd/marketd

as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "${BENCH_PG:-private}" = shared ]; then
  admin=${MARKET_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
  base=${admin%%\?*}; base=${base%/*}
  cleanup() {
    psql -q "$base/postgres" -c "DROP DATABASE IF EXISTS bench_pgbench" -c "DROP DATABASE IF EXISTS bench_checkout_hot" \
      -c "DROP DATABASE IF EXISTS bench_checkout_spread" -c "DROP DATABASE IF EXISTS bench_checkout_http_hot" \
      -c "DROP DATABASE IF EXISTS bench_checkout_http_spread" >/dev/null 2>&1 || true
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
# CPU of the server (the postmaster and its children) in clock ticks: on a
# machine shared with other work, CPU per transaction moves far less than
# transactions per second (marketctl reports the same, own_cpu_per_order).
postmaster=$(head -1 "$(psql -tA "$base/postgres$opts" -c 'SHOW data_directory')/postmaster.pid" 2>/dev/null || true)
server_ticks() {
  local p t=0
  [ -n "$postmaster" ] || { echo 0; return; }
  # The postmaster's own time and its reaped children's (cutime, cstime:
  # pgbench's backends exit at its end), then the live children's.
  t=$(awk '{sub(/^.*\) /, ""); print $12 + $13 + $14 + $15}' "/proc/$postmaster/stat" 2>/dev/null || echo 0)
  for p in $(cat "/proc/$postmaster/task/$postmaster/children" 2>/dev/null); do
    t=$((t + $(awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo $t
}
echo "baseline: pgbench TPC-B, $workers clients, ${secs}s"
t0=$(server_ticks)
TIMEFORMAT='%U %S'
{ time pgbench -c "$workers" -j 2 -T "$secs" -n "$base/bench_pgbench$opts" >"$tmp/pgbench.out"; } 2>"$tmp/pgbench.time"
t1=$(server_ticks)
grep -E "^tps|latency average|^number of transactions actually processed" "$tmp/pgbench.out"
awk -v t="$((t1 - t0))" -v c="$(cat "$tmp/pgbench.time")" '/^number of transactions actually processed/{n=$NF}
  END{split(c, u, " "); if (n > 0) printf "own_cpu_per_tx=%.3fms (server and pgbench)\n", (t * 10 + (u[1] + u[2]) * 1000) / n}' "$tmp/pgbench.out"

for mode in $([ "${BENCH_INPROCESS:-1}" = 1 ] && echo spread hot); do
  db=bench_checkout_$mode
  psql -q "$base/postgres$opts" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  export DATABASE_URL="$base/$db$opts" MARKET_DATA_DIR="$tmp/data" MARKET_LOG_LEVEL=warn
  "$tmp/marketctl" migrate up >/dev/null
  echo "checkout ($mode), $workers workers, ${secs}s after a 3 s warm-up"
  "$tmp/marketctl" bench checkout --mode "$mode" --workers "$workers" --duration "${secs}s" --seal-every "${BENCH_SEAL_EVERY:-2s}"
done

[ "${BENCH_HTTP:-1}" = 1 ] || exit 0
command -v redis-cli >/dev/null && redis-cli -u "${MARKET_TEST_REDIS_URL:-redis://127.0.0.1:6379/0}" ping >/dev/null 2>&1 ||
  { echo "HTTP runs skipped: no Redis at ${MARKET_TEST_REDIS_URL:-redis://127.0.0.1:6379/0} (scripts/test-services.sh starts one)"; exit 0; }
hport=$((40000 + RANDOM % 10000))
apppw=bench-$RANDOM$RANDOM
for mode in ${BENCH_HTTP_MODES:-spread hot}; do
  db=bench_checkout_http_$mode
  psql -q "$base/postgres$opts" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  hostport=${base#*://}; hostport=${hostport#*@}
  # MARKETD_DB_OPTS adds URL parameters for marketd (e.g. &pool_max_conns=16).
  export MIGRATE_DATABASE_URL="$base/$db$opts" DATABASE_URL="postgres://market_app:$apppw@$hostport/$db$opts${MARKETD_DB_OPTS:-}"
  export MARKET_DATA_DIR="$tmp/data" REDIS_URL=${MARKET_TEST_REDIS_URL:-redis://127.0.0.1:6379/0} MARKET_REDIS_PREFIX="bench-checkout-$$-$mode:"
  "$tmp/marketctl" migrate up >/dev/null
  # Production's setting: every request logged at info (to /dev/null here).
  MARKET_LOG_LEVEL=info MARKET_ADDR=127.0.0.1:$hport MARKET_METRICS_ADDR=127.0.0.1:$((hport + 1)) "$marketd" >/dev/null 2>&1 &
  marketd_pid=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$hport/readyz" >/dev/null && break; sleep 0.1; done
  curl -fs "http://127.0.0.1:$hport/readyz" >/dev/null || { echo "marketd did not become ready on :$hport" >&2; exit 1; }
  echo "checkout through HTTP ($mode), $workers workers, ${secs}s after a 3 s warm-up; marketd logging at info"
  MARKET_LOG_LEVEL=warn "$tmp/marketctl" bench checkout --http "http://127.0.0.1:$hport" --mode "$mode" --workers "$workers" --duration "${secs}s" \
    --cpu-pids "$marketd_pid"
  kill "$marketd_pid"; wait "$marketd_pid" 2>/dev/null || true
  marketd_pid=
done
