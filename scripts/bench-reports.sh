#!/usr/bin/env bash
# Income report benchmark (issue 6, docs/PERFORMANCE.md): region summaries
# read from the rollups beside the same figures computed by a plain GROUP BY
# over the ledger, and the household export in rows per second, on a scratch
# database with the demo registry (what `marketctl demo --households N`
# loads), a few hundred real orders and the ledger topped up to M entries,
# each batch applied to the rollups (cmd/reportbench). The scratch database is
# dropped afterwards; the web server's Redis keys too.
# Usage: scripts/bench-reports.sh [households] [entries] [runs]
#   defaults: 1000000 households, 10000000 entries, 30 runs per region and way
set -euo pipefail
cd "$(dirname "$0")/.."
households=${1:-1000000}
entries=${2:-10000000}
runs=${3:-30}
admin=${MARKET_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
redis=${MARKET_TEST_REDIS_URL:-redis://127.0.0.1:6379/0}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/reportbench" ./cmd/reportbench
"$tmp/reportbench" --database-url "$admin" --redis-url "$redis" --households "$households" --entries "$entries" \
  --runs "$runs" --markdown
