package attribution_test

import (
	"context"
	"testing"

	"github.com/fupinmarket/market/internal/attribution"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
)

// TestAuditSeesFiguresOfAVillageYearWithNoIncome: a village-year that no
// household's income explains must hold zeros in every figure an office
// reads, the households reached and the crossings of the lines too, not
// only the money.
func TestAuditSeesFiguresOfAVillageYearWithNoIncome(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	ctx := context.Background()
	var village string
	if err := w.DB.Pool.QueryRow(ctx, `SELECT village_code FROM households WHERE id = $1`, w.Households[0]).Scan(&village); err != nil {
		t.Fatal(err)
	}
	w.Audit(t)
	for _, column := range []string{"members_reached", "crossed_poverty", "crossed_monitoring", "households_reached", "paid_out_fen"} {
		t.Run(column, func(t *testing.T) {
			ordertest.Exec(t, w.DB, `INSERT INTO village_year_rollup (village_code, year, `+column+`) VALUES ($1, 2019, 5)
				ON CONFLICT (village_code, year) DO UPDATE SET `+column+` = 5 RETURNING 1::bigint`, village)
			defer ordertest.Exec(t, w.DB, `DELETE FROM village_year_rollup WHERE village_code = $1 AND year = 2019 RETURNING 1::bigint`, village)
			v, err := attribution.Audit(ctx, w.DB.Pool)
			if err != nil {
				t.Fatal(err)
			}
			if len(v) != 1 || v[0].Invariant != "I6" {
				t.Fatalf("village %s 2019 with %s = 5 and no income: audit %v", village, column, v)
			}
		})
	}
}
