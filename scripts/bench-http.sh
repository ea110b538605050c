#!/usr/bin/env bash
# Storefront load test (wrk, 64 connections) of the home page, a product page
# and a catalog API page, beside a bare Fiber handler on the same machine in
# the same run. The bare handler answers a body of the product page's size
# (measured first), with marketd's write buffer and an access-log line per
# request through marketd's logger at info, so the product page's ratio
# compares like with like.
# marketd serves the demo from a scratch database on the test PostgreSQL
# and the test Redis (pages cached there), logging every request at info as
# in production (to /dev/null). Usage:
#   scripts/bench-http.sh [seconds]
# MARKETD_BIN / MARKETCTL_BIN run other builds (e.g. an older commit's, for a
# before/after comparison on the same machine).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
admin=${MARKET_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
base=${admin%%\?*}; base=${base%/*}
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  psql -q "$admin" -c "DROP DATABASE IF EXISTS bench_http" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
marketd=${MARKETD_BIN:-$tmp/marketd}; marketctl=${MARKETCTL_BIN:-$tmp/marketctl}
[ -n "${MARKETD_BIN:-}" ] || go build -o "$tmp/marketd" ./cmd/marketd
[ -n "${MARKETCTL_BIN:-}" ] || go build -o "$tmp/marketctl" ./cmd/marketctl
go build -o "$tmp/barefiber" ./cmd/barefiber
psql -q "$admin" -c "DROP DATABASE IF EXISTS bench_http" -c "CREATE DATABASE bench_http"
# marketctl migrates as the owner; marketd connects as the service's role,
# whose password marketctl sets from DATABASE_URL.
hostport=${base#*://}; hostport=${hostport#*@}
export MIGRATE_DATABASE_URL="$base/bench_http" DATABASE_URL="postgres://market_app:bench-$$@$hostport/bench_http?sslmode=disable" REDIS_URL=${MARKET_TEST_REDIS_URL:-redis://127.0.0.1:6379/0}
export MARKET_DATA_DIR="$tmp/data" MARKET_LOG_LEVEL=${MARKET_LOG_LEVEL:-info} MARKET_REDIS_PREFIX="bench-http-$$:" MARKET_ADDR=127.0.0.1:18090 MARKET_METRICS_ADDR=127.0.0.1:18092
"$marketctl" migrate up >/dev/null
"$marketctl" demo --orders 50 >/dev/null 2>&1
"$marketd" >/dev/null 2>&1 & pids+=($!)
for _ in $(seq 100); do curl -fs http://127.0.0.1:18090/healthz >/dev/null && break; sleep 0.1; done
# Cached pages are keyed by the catalog version marketd learns from
# PostgreSQL notifications: let its listener come up first.
for _ in $(seq 50); do curl -fs http://127.0.0.1:18092/metrics | grep -q '^market_catalog_listener_up 1' && break; sleep 0.1; done
product=$(psql -tA "$MIGRATE_DATABASE_URL" -c "SELECT min(id) FROM products WHERE status = 'active'")
curl -fs "http://127.0.0.1:18090/products/$product" >/dev/null # cache it
page_size=$(curl -fs -o /dev/null -w '%{size_download}' "http://127.0.0.1:18090/products/$product")
# The baseline logs every request as marketd does, to /dev/null too.
"$tmp/barefiber" --addr 127.0.0.1:18091 --size "$page_size" --log-level "${MARKET_LOG_LEVEL:-info}" 2>/dev/null & pids+=($!)
for _ in $(seq 100); do curl -fs http://127.0.0.1:18091/ >/dev/null && break; sleep 0.1; done
echo "machine: $(nproc) cores; wrk -t2 -c64 -d${secs}s; $(date -u +%FT%TZ)"
bare_rps=""
run() { # name url
  curl -fs "$2" >/dev/null # warm the cache
  # A visitor's second request: "hit" when the response came from the cache.
  head=$(curl -fsS -o /dev/null -D - -w 'size: %{size_download}\n' "$2")
  xcache=$(awk 'tolower($1)=="x-cache:"{print $2}' <<<"$head" | tr -d '\r')
  size=$(awk '$1=="size:"{print $2}' <<<"$head")
  out=$(wrk -t2 -c64 -d"${secs}s" --latency "$2")
  rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  p99=$(awk '$1=="99%"{print $2}' <<<"$out")
  errs=$(awk '/Non-2xx/{print $NF}' <<<"$out")
  [ -n "$bare_rps" ] || bare_rps=$rps
  ratio=$(awk -v a="$rps" -v b="$bare_rps" 'BEGIN{printf "%.2f", a/b}')
  printf '%-14s %10s req/s  p99 %8s  ratio %s  %6s bytes  x-cache %-4s non-2xx %s\n' "$1" "$rps" "$p99" "$ratio" "$size" "${xcache:--}" "${errs:-0}"
}
run bare-fiber "http://127.0.0.1:18091/"
run home "http://127.0.0.1:18090/"
run product "http://127.0.0.1:18090/products/$product"
run catalog-api "http://127.0.0.1:18090/api/v1/products?limit=20"
