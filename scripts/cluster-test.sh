#!/usr/bin/env bash
# Checkout load through HAProxy while faults strike the cluster of
# scripts/cluster.sh (which must be up): a marketd killed with -9 and
# restarted, a Redis master killed, the replica stopped. Then: no paid order
# lost, nothing oversold, `marketctl audit` clean, sessions valid on every
# node, a price changed on one node served by all within 1 s, river's jobs
# run once across the nodes. Prints each fault and its outcome; exits
# non-zero on any failure. The test is internal/clustertest (build tag
# "cluster"), so `go test ./...` never runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! scripts/cluster.sh status >/dev/null; then
	echo "the cluster is not (fully) up: run scripts/cluster.sh up first" >&2
	scripts/cluster.sh status >&2 || true
	exit 1
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
go test -tags cluster -count=1 -v -timeout 15m ./internal/clustertest/ >"$log" 2>&1
rc=$?
set -e
# The faults, the checks and the load's summary, then the verdict.
grep -E 'FAULT|CHECK|load:|mode=|machine_cpu|negative_stock|confirmed_orders|error:|--- (FAIL|PASS|SKIP)|^(ok|FAIL|PASS)|_test.go:[0-9]+: ' "$log" |
	sed -E 's/^ +//; s/^cluster_test.go:[0-9]+: //'
[ $rc = 0 ] && echo "cluster test: PASS" || { echo "cluster test: FAIL (exit $rc)"; }
exit $rc
