#!/usr/bin/env bash
# Three marketd nodes against one, through the same HAProxy, on the cluster
# of scripts/cluster.sh (which must be up): checkout through the API
# (marketctl bench checkout --http, WORKERS workers) and a cached product
# page (wrk, 64 connections), first with every node in rotation, then with
# nodes 2 and 3 stopped (HAProxy sends everything to node 1), then the
# nodes are started again. Prints each figure and the ratios.
# Usage: scripts/cluster-bench.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/cluster-lib.sh
secs=${1:-15}
workers=${WORKERS:-16}
scripts/cluster.sh status >/dev/null || { echo "the cluster is not up: scripts/cluster.sh up" >&2; exit 1; }
command -v wrk >/dev/null || { [ "$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
base="http://$LISTEN:$HAPROXY_PORT"
product=$(psql -X -tA "$(owner_url)" -c "SELECT min(id) FROM products WHERE status = 'active'")
checkout() {
	MIGRATE_DATABASE_URL=$(owner_url) DATABASE_URL= MARKET_DATA_DIR="$CLUSTER_DIR/data" MARKET_DATA_KEY=$(secret data_key) \
		MARKET_LOG_LEVEL=warn "$CLUSTER_DIR/bin/marketctl" bench checkout --http "$base" --workers "$workers" --duration "${secs}s" |
		awk '/orders_per_sec/{for(i=1;i<=NF;i++) if ($i ~ /^orders_per_sec=/) {sub(/.*=/, "", $i); print $i}}'
}
page() {
	curl -fs "$base/products/$product" >/dev/null
	wrk -t2 -c64 -d"${secs}s" "$base/products/$product" | awk '/Requests\/sec/{print $2}'
}
in_rotation() { curl -s "http://$LISTEN:$HAPROXY_STATS_PORT/;csv" | awk -F, -v want="$1" '$1=="marketd" && $2!="BACKEND" && $18=="UP"{n++} END{exit n!=want}'; }
echo "machine: $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%FT%TZ); ${secs}s each, $workers checkout workers"
n_nodes=$(echo "$MARKETD_PORTS" | wc -w)
three_orders=$(checkout)
three_pages=$(page)
echo "$n_nodes nodes: checkout $three_orders orders/s, product page $three_pages req/s"
for n in $(seq 2 "$n_nodes"); do stop_pid "$RUN/marketd-$n.pid"; done
wait_until 10 in_rotation 1
one_orders=$(checkout)
one_pages=$(page)
echo "1 node:  checkout $one_orders orders/s, product page $one_pages req/s"
for n in $(seq 2 "$n_nodes"); do start_node "$n"; done
wait_until 20 in_rotation "$n_nodes"
awk -v a="$three_orders" -v b="$one_orders" -v c="$three_pages" -v d="$one_pages" -v n="$n_nodes" \
	'BEGIN{printf "ratio %d nodes / 1 node: checkout %.2f, product page %.2f\n", n, a/b, c/d}'
