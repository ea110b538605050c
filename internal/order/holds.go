package order

import (
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
)

// An unpaid order holds stock until it is paid or expires. So that one
// buyer cannot hold a product's whole stock, a buyer has at most
// Config.MaxUnpaidOrders unpaid orders at once and at most
// Config.MaxUnitsPerVariant units of a variant over all of them, repeated
// lines of a request included. Checkout takes a lock per buyer before it
// counts, so that parallel checkouts of one buyer count one another.

// holdings is what the buyer holds unpaid, read in checkout's first batch.
type holdings struct {
	orders int
	units  map[string]int64 // by variant id
}

// queueHoldings queues the buyer's checkout lock and the count of what the
// buyer holds in unpaid orders that have not expired, for the items'
// variants.
func queueHoldings(b *pgx.Batch, buyer int64, items []Item, now time.Time) *holdings {
	h := &holdings{}
	b.Queue(`SELECT pg_advisory_xact_lock(hashtextextended('checkout of buyer ' || $1::bigint, 0))`, buyer)
	const q = `WITH pending AS (SELECT id FROM orders WHERE buyer_id = $1 AND status = 'pending_payment' AND expires_at > $3)
		SELECT (SELECT count(*) FROM pending)::int,
			coalesce((SELECT jsonb_object_agg(l.variant_id::text, l.units) FROM (
				SELECT variant_id, sum(quantity) AS units FROM order_lines
				WHERE order_id IN (SELECT id FROM pending) AND variant_id = ANY($2) GROUP BY variant_id) l), '{}')`
	b.Queue(q, buyer, variantIDs(items), now).QueryRow(func(r pgx.Row) error { return r.Scan(&h.orders, &h.units) })
	return h
}

// check refuses a request that would take the buyer over a limit: a 409
// naming "orders", or the first line of each variant over its limit.
func (h *holdings) check(lines []Item, maxOrders, maxUnits int) error {
	if h.orders >= maxOrders {
		return &errs.Error{Kind: errs.Conflict, Message: "too many unpaid orders; pay or cancel one first",
			Fields: map[string]string{"orders": fmt.Sprintf("at most %d unpaid orders at once", maxOrders)}}
	}
	asked, first := map[ids.ID]int64{}, map[ids.ID]int{}
	for i, it := range lines {
		if _, seen := first[it.VariantID]; !seen {
			first[it.VariantID] = i
		}
		asked[it.VariantID] += int64(it.Quantity)
	}
	f := map[string]string{}
	for v, n := range asked {
		held := h.units[strconv.FormatInt(int64(v), 10)]
		if held+n > int64(maxUnits) {
			f[itemField(first[v], "quantity")] = fmt.Sprintf("at most %d units of a product variant in unpaid orders; you hold %d", maxUnits, held)
		}
	}
	if len(f) > 0 {
		return &errs.Error{Kind: errs.Conflict, Message: "you would hold too much of a product unpaid; pay for your orders or order less", Fields: f}
	}
	return nil
}
