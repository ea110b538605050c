package report_test

import (
	"context"
	"slices"
	"testing"

	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/platform/clock"
	"github.com/fupinmarket/market/internal/report"
)

// TestDashboardFollowUpIncludesPoorHouseholds: the list to act on holds the
// households still registered as poor (未脱贫) as well as the monitored ones
// below the monitoring line; a lifted household is not on it.
func TestDashboardFollowUpIncludesPoorHouseholds(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	ctx := context.Background()
	poor, monitored, lifted := w.Households[0], w.Households[1], w.Households[2]
	for id, status := range map[int64]string{poor: "poor", monitored: "monitored_edge", lifted: "lifted"} {
		lift := "NULL"
		if status == "lifted" {
			lift = "2020"
		}
		if _, err := w.DB.Pool.Exec(ctx, `UPDATE households SET status = $2, lifted_year = `+lift+`,
			baseline_income_fen = 300000 WHERE id = $1`, id, status); err != nil {
			t.Fatal(err)
		}
	}
	svc := report.NewService(w.DB.Pool, clock.Clock{})
	d, err := svc.Dashboard(ctx, office, report.DashboardQuery{Code: "653224", Year: clock.Clock{}.Year(), ActionRows: 50})
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, h := range d.Action {
		got = append(got, int64(h.ID))
	}
	if !slices.Contains(got, poor) || !slices.Contains(got, monitored) || slices.Contains(got, lifted) {
		t.Fatalf("follow-up list %v: want %d (poor) and %d (monitored), not %d (lifted)", got, poor, monitored, lifted)
	}
}
