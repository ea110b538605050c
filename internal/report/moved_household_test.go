package report_test

import (
	"context"
	"testing"

	"github.com/fupinmarket/market/internal/attribution"
	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/payout"
	"github.com/fupinmarket/market/internal/platform/clock"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/report"
)

// TestAMovedHouseholdsFiguresMoveWithIt: a household's years are reported
// under the village it is registered in now. When the registry moves it to
// another county (with income of this year, some of it still queued for the
// rollups, and a payout of last year), each county's summary equals the sum
// of its own household list, the audit holds, and a rebuild of the rollups
// from the ledger changes nothing.
func TestAMovedHouseholdsFiguresMoveWithIt(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	ctx := context.Background()
	// A line the households' baselines are just under, so that the sales
	// carry some of them across it and the crossings move too.
	ordertest.Exec(t, w.DB, `INSERT INTO poverty_lines (province_code, year, poverty_line_fen, monitoring_line_fen)
		SELECT '650000', 2025, min(baseline_income_fen) + 1, min(baseline_income_fen) + 2 FROM households
		ON CONFLICT (province_code, year) DO UPDATE SET poverty_line_fen = excluded.poverty_line_fen,
			monitoring_line_fen = excluded.monitoring_line_fen RETURNING 1::bigint`)
	w.Lot(t, "1000", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	paidOrder(t, w, 4)
	if err := attribution.ApplyPending(ctx, w.DB.Pool); err != nil {
		t.Fatal(err)
	}
	coopAdmin := auth.Actor{UserID: w.Buyer.UserID, Roles: []auth.Role{auth.RoleCoopAdmin}, CooperativeID: w.CoopID}
	if err := payout.NewService(w.DB.Pool, clock.Clock{}).Record(ctx, coopAdmin, w.CoopID, []payout.Input{{
		HouseholdID: ids.ID(w.Households[0]), AmountFen: 300, PaidOn: "2025-12-30", Method: "cash"}}, nil); err != nil {
		t.Fatal(err)
	}
	paidOrder(t, w, 2) // queued, not yet in the rollups, when the household moves
	var town string
	if err := w.DB.Pool.QueryRow(ctx, `SELECT min(code) FROM regions WHERE parent_code = '653225'`).Scan(&town); err != nil {
		t.Fatal(err)
	}
	elsewhere := town + "001"
	ordertest.Exec(t, w.DB, `INSERT INTO regions (code, name, level, parent_code) VALUES ($1, '新村', 'village', $2) RETURNING 1::bigint`, elsewhere, town)
	ordertest.Exec(t, w.DB, `UPDATE households SET village_code = $2 WHERE id = $1 RETURNING id`, w.Households[0], elsewhere)
	paidOrder(t, w, 2) // after the move
	if err := attribution.ApplyPending(ctx, w.DB.Pool); err != nil {
		t.Fatal(err)
	}
	w.Audit(t)

	svc := report.NewService(w.DB.Pool, clock.Clock{})
	for _, year := range []int{2025, clock.Clock{}.Year()} {
		for _, county := range []string{"653224", "653225"} {
			off := auth.Actor{UserID: 9, Roles: []auth.Role{auth.RoleOffice}, OfficeRegion: county, OfficeLevel: "county"}
			s, err := svc.Summary(ctx, off, county, year)
			if err != nil {
				t.Fatal(err)
			}
			var listed, paid int64
			if err := svc.EachHousehold(ctx, off, county, year, func(h report.HouseholdRow) error {
				listed += h.AttributedFen
				paid += h.PaidFen
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if s.AttributedFen != listed || s.PaidOutFen != paid {
				t.Errorf("county %s %d: summary %d fen attributed and %d paid out, its households' rows %d and %d",
					county, year, s.AttributedFen, s.PaidOutFen, listed, paid)
			}
		}
	}

	read := func() string {
		var s string
		if err := w.DB.Pool.QueryRow(ctx, `SELECT
				(SELECT string_agg(concat_ws(':', village_code, year, attributed_fen, paid_out_fen, households_reached,
					members_reached, crossed_poverty, crossed_monitoring), ',' ORDER BY village_code, year)
					FROM village_year_rollup WHERE attributed_fen <> 0 OR paid_out_fen <> 0 OR households_reached <> 0) || ' | ' ||
				(SELECT string_agg(concat_ws(':', village_code, month, attributed_fen), ',' ORDER BY village_code, month)
					FROM village_month_rollup WHERE attributed_fen <> 0) || ' | ' ||
				(SELECT string_agg(concat_ws(':', village_code, year, product_id, attributed_fen), ',' ORDER BY 1)
					FROM village_product_rollup WHERE attributed_fen <> 0)`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := read()
	if _, err := w.DB.Pool.Exec(ctx, `SELECT rebuild_rollups()`); err != nil {
		t.Fatal(err)
	}
	if after := read(); after != before {
		t.Fatalf("a rebuild from the ledger moved figures:\nbefore %s\nafter  %s", before, after)
	}
	w.Audit(t)
}
