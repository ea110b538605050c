package report_test

import (
	"context"
	"testing"
	"time"

	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/platform/clock"
	"github.com/fupinmarket/market/internal/report"
)

// TestProjectionAgreesWithTheLinesWhenAYearLosesIncome: a sale paid in
// December and refunded in January leaves the new year's gain negative. The
// per-person figures are then rounded down, as the verdict against the lines
// is exact: a household whose projected income shows the line is at or above
// it, and one short of the line is short by at least a fen.
func TestProjectionAgreesWithTheLinesWhenAYearLosesIncome(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 31, 4, 0, 0, 0, time.UTC) // 12:00 in Beijing
	clk := clock.Clock{}.WithNow(func() time.Time { return now })
	w := ordertest.New(t, order.Config{Clock: clk})
	w.Lot(t, "1000", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	o := paidOrder(t, w, 1) // 2.5 kg at ¥10.00: ¥6.25, ¥6.25, ¥12.50
	now = time.Date(2027, 1, 2, 4, 0, 0, 0, time.UTC)
	if _, err := w.Svc.Refund(ctx, w.Admin, int64(o.ID), order.RefundRequest{Reason: "退货",
		Lines: []order.RefundLine{{LineID: o.Lines[0].ID, Quantity: 1, AmountFen: o.Lines[0].AmountFen}}}, nil); err != nil {
		t.Fatal(err)
	}
	// 2027: −625 fen for two people, −312.5 each. A baseline of ¥4,003.12
	// against the ¥4,000.00 line leaves them half a fen short per person.
	if _, err := w.DB.Pool.Exec(ctx, `UPDATE households SET baseline_income_fen = 400312, members = 2 WHERE id = $1`, w.Households[0]); err != nil {
		t.Fatal(err)
	}
	svc := report.NewService(w.DB.Pool, clk)
	inc, err := svc.HouseholdIncome(ctx, office, w.Households[0], 2027)
	if err != nil {
		t.Fatal(err)
	}
	h := inc.Household
	if h.AttributedFen != -625 || inc.TotalFen != -625 || h.PovertyLineFen != 400000 {
		t.Fatalf("2027: attributed %d, entries %d, line %d", h.AttributedFen, inc.TotalFen, h.PovertyLineFen)
	}
	for _, tc := range []struct {
		name  string
		line  int64
		above bool
	}{
		{"poverty line", h.PovertyLineFen, h.AbovePovertyLine},
		{"monitoring line", h.MonitoringLineFen, h.AboveMonitoringLine},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.above != (h.ProjectedFen >= tc.line) {
				t.Errorf("projected %d per person against the line %d, but above = %v", h.ProjectedFen, tc.line, tc.above)
			}
		})
	}
	t.Run("the gain per person is rounded down", func(t *testing.T) {
		if h.PerCapitaGainFen != -313 || h.ProjectedFen != 399999 {
			t.Errorf("gain per person %d, projected %d; want -313 and 399999", h.PerCapitaGainFen, h.ProjectedFen)
		}
	})
}
