package report_test

import (
	"context"
	"testing"

	"github.com/fupinmarket/market/internal/attribution"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/report"
)

// TestHouseholdYearAgreesWithItself: a sale paid after a report settled
// the rollups (here: paid, its entries still queued) is neither in the
// household's figures nor in its listed entries; once applied, it is in
// both. The entries' total always equals the figures' attributed income.
func TestHouseholdYearAgreesWithItself(t *testing.T) {
	ctx := context.Background()
	w := ordertest.New(t, order.Config{})
	w.Lot(t, "1000", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	paidOrder(t, w, 1)
	if err := attribution.Settle(ctx, w.DB.Pool); err != nil {
		t.Fatal(err)
	}
	paidOrder(t, w, 1) // committed after the settling: its entries wait in the queue
	var village string
	var year int
	w.DB.Pool.QueryRow(ctx, `SELECT h.village_code, report_year(e.at) FROM households h JOIN attribution_entries e ON e.household_id = h.id
		WHERE h.id = $1 LIMIT 1`, w.Households[0]).Scan(&village, &year)
	agree := func(when string) int64 {
		t.Helper()
		h, entries, err := report.HouseholdYear(ctx, w.DB.Pool, village, w.Households[0], year)
		if err != nil {
			t.Fatal(err)
		}
		var total int64
		for _, e := range entries {
			total += e.AmountFen
		}
		if total != h.AttributedFen {
			t.Errorf("%s: the entries listed add up to %d, the figures say %d", when, total, h.AttributedFen)
		}
		return total
	}
	before := agree("with a sale queued")
	if err := attribution.Settle(ctx, w.DB.Pool); err != nil {
		t.Fatal(err)
	}
	if after := agree("once applied"); after <= before {
		t.Errorf("the second sale was not counted once applied: %d, then %d", before, after)
	}
}
