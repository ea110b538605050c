package attribution_test

import (
	"context"
	"testing"

	"github.com/fupinmarket/market/internal/attribution"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
)

// TestImpactNetsAHouseholdThatMovedBeforeTheRefund: a refund's entries lie
// in the village the household has when it is refunded, so after a move
// the sale and the refund are in two villages. The impact still says what
// the ledger nets for the order, and counts a household once, or not at all
// when nothing is left to it.
func TestImpactNetsAHouseholdThatMovedBeforeTheRefund(t *testing.T) {
	for _, tc := range []struct {
		name       string
		refunded   int // of the two boxes
		households int
	}{
		{"refunded in full", 2, 0},
		{"refunded in half", 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := ordertest.New(t, order.Config{})
			ctx := context.Background()
			w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1)
			o, err := w.Place(t, 2)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Svc.ConfirmManual(ctx, w.Admin, int64(o.ID), "T"); err != nil {
				t.Fatal(err)
			}
			if o, err = w.Svc.Get(ctx, w.Admin, int64(o.ID)); err != nil {
				t.Fatal(err)
			}
			// The household moves to a village of another township of the county.
			var township string
			if err := w.DB.Pool.QueryRow(ctx, `SELECT min(code) FROM regions WHERE parent_code = '653224'
				AND code > (SELECT min(code) FROM regions WHERE parent_code = '653224')`).Scan(&township); err != nil {
				t.Fatal(err)
			}
			ordertest.Exec(t, w.DB, `INSERT INTO regions (code, name, level, parent_code)
				VALUES ($1 || '001', '新村', 'village', $1) RETURNING 1::bigint`, township)
			ordertest.Exec(t, w.DB, `UPDATE households SET village_code = $2 || '001' WHERE id = $1 RETURNING id`, w.Households[0], township)
			l := o.Lines[0]
			amount := l.AmountFen * int64(tc.refunded) / int64(l.Quantity)
			if _, err := w.Svc.Refund(ctx, w.Admin, int64(o.ID), order.RefundRequest{Reason: "退货",
				Lines: []order.RefundLine{{LineID: l.ID, Quantity: tc.refunded, AmountFen: amount}}}, nil); err != nil {
				t.Fatal(err)
			}
			w.Audit(t)
			var net int64
			var villages int
			if err := w.DB.Pool.QueryRow(ctx, `SELECT sum(amount_fen)::bigint, count(DISTINCT village_code)::int
				FROM attribution_entries WHERE order_id = $1`, o.ID).Scan(&net, &villages); err != nil {
				t.Fatal(err)
			}
			if villages != 2 {
				t.Fatalf("the order's entries lie in %d villages, want the sale's and the refund's", villages)
			}
			im, err := attribution.OrderImpact(ctx, w.DB.Pool, int64(o.ID))
			if err != nil {
				t.Fatal(err)
			}
			if im.AmountFen != net || im.Households != tc.households || im.Villages != tc.households {
				t.Fatalf("the ledger nets %d fen for the order; the impact says %d fen to %d households in %d villages, want %d households",
					net, im.AmountFen, im.Households, im.Villages, tc.households)
			}
		})
	}
}
