#!/usr/bin/env bash
# Checkout of two builds, run alternately: on a machine whose speed drifts
# by ±20 % from minute to minute, only runs taken in turns compare builds.
# Usage: scripts/bench-compare.sh REV [pairs] [seconds] [workers]
#   REV      the build to compare the working tree with (a commit, a tag)
#   pairs    how many before/after pairs (default 3)
# Each run is one whole scripts/bench-checkout.sh of its own tree (its own
# migrations and demo, on a fresh private cluster), with BENCH_INPROCESS
# and BENCH_HTTP passed through (default: HTTP only, BENCH_INPROCESS=0).
# Prints, per run, TPC-B's transactions per second and each mode's orders
# per second, CPU per order and ratio to TPC-B.
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:?usage: scripts/bench-compare.sh REV [pairs] [seconds] [workers]}
pairs=${2:-3}
secs=${3:-10}
workers=${4:-16}
before=$(mktemp -d)
trap 'git worktree remove --force "$before" >/dev/null 2>&1 || rm -rf "$before"' EXIT
git worktree add -q --detach "$before" "$rev"
[ -x "$before/scripts/bench-checkout.sh" ] || { echo "$rev has no scripts/bench-checkout.sh" >&2; exit 1; }
export BENCH_INPROCESS=${BENCH_INPROCESS:-0}
run() { # label tree
	local out tps
	out=$(cd "$2" && scripts/bench-checkout.sh "$secs" "$workers" 2>&1) || { echo "$out" >&2; exit 1; }
	tps=$(awk '/^tps = /{print $3}' <<<"$out")
	awk -v label="$1" -v at="$(date -u +%H:%M)" -v tps="$tps" '
		/^mode=/ { for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }; mode = f["mode"] "/" f["via"]; rate = f["orders_per_sec"] }
		/^own_cpu_per_order=/ { split($1, kv, "="); printf "%s %-6s tps=%.0f %-16s orders_per_sec=%-7s ratio=%.3f cpu_per_order=%s\n", at, label, tps, mode, rate, rate / tps, kv[2] }
	' <<<"$out"
	grep -E "negative_stock_lots|paid_orders_lost" <<<"$out" | grep -vE "negative_stock_lots=0 audit_violations=0|paid_orders_lost=0 " || true
}
echo "before: $rev ($(git rev-parse --short "$rev")), after: the working tree ($(git rev-parse --short HEAD)$(git diff --quiet || echo ", modified")); $pairs pairs, ${secs}s, $workers workers"
for i in $(seq "$pairs"); do
	run before "$before"
	run after .
done
