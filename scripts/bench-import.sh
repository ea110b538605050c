#!/usr/bin/env bash
# Household import benchmark (issue 3, docs/PERFORMANCE.md): importing N
# households through household.Service.Import beside plain COPY of the same
# rows (cmd/importbench), then `marketctl demo --households N` twice (load,
# then the idempotent re-run). Uses scratch databases on the test server and
# drops them afterwards. Usage: scripts/bench-import.sh [households]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
admin=${MARKET_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
base=${admin%%\?*}; base=${base%/*}
db=bench_demo_$$
tmp=$(mktemp -d)
trap 'psql -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
go build -o "$tmp/importbench" ./cmd/importbench
go build -o "$tmp/marketctl" ./cmd/marketctl

echo "== import beside COPY, $rows households"
"$tmp/importbench" --database-url "$admin" --rows "$rows" --markdown

echo "== marketctl demo --households $rows"
psql -q "$admin" -c "CREATE DATABASE $db"
export DATABASE_URL="$base/$db" MARKET_DATA_DIR="$tmp/data" MARKET_LOG_LEVEL=warn
export MARKET_DATA_KEY=$(openssl rand -hex 32)
"$tmp/marketctl" migrate up >/dev/null
for run in first again; do
  /usr/bin/time -f "$run: wall %e s, peak RSS %M kB" "$tmp/marketctl" demo --households "$rows" 2>&1 >/dev/null |
    tr '\r' '\n' | grep -E "^(first|again):"
done
