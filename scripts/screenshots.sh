#!/usr/bin/env bash
# Phone screenshots for the docs (docs/screenshots/*.png, 390×844): the
# browser walk of every page (TestEveryPageFitsAPhone, demo data) saves what
# a phone's screen shows first of each page it visits; this keeps the ones
# docs/PAGES.md shows, under stable names. Needs what `make test` needs
# (PostgreSQL, Redis, chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
shots=$(mktemp -d)
trap 'rm -rf "$shots"' EXIT
MARKET_SCREENSHOTS="$shots" go test -count=1 -run 'TestEveryPageFitsAPhone' ./internal/web/site/

# The pictures are picked into a new directory first: the committed ones
# are replaced only when every one of them was found.
out=docs/screenshots
picked=$(mktemp -d)
trap 'rm -rf "$shots" "$picked"' EXIT
# pick GLOB NAME: the first screenshot matching GLOB becomes NAME.png.
pick() {
	local src
	src=$(find "$shots" -name "$1" | sort | head -n 1)
	if [ -z "$src" ]; then
		echo "screenshots: nothing matches $1" >&2
		exit 1
	fi
	cp "$src" "$picked/$2.png"
}
pick 'visitor-home.png' home
pick 'visitor-search_q_*.png' search
pick 'visitor-products_*.png' product
pick 'visitor-receipts_*.png' receipt
pick 'buyer-cart.png' cart
pick 'buyer-checkout.png' checkout
pick 'coop-coop.png' coop-home
pick 'coop-coop_orders_*_ship.png' coop-ship
pick 'coop-coop_wages.png' coop-wages
pick 'office-office.png' office-dashboard
pick 'office-office_listed.png' office-listed
pick 'org-org.png' org-portal
pick 'visitor-ug-home.png' ug-home
pick 'coop-ug-coop.png' ug-coop-home
mkdir -p "$out"
rm -f "$out"/*.png
cp "$picked"/*.png "$out"/
du -ch "$out"/*.png | tail -n 1
