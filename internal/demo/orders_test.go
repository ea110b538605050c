package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/fupinmarket/market/internal/attribution"
	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/dbtest"
	"github.com/fupinmarket/market/internal/demo"
	"github.com/fupinmarket/market/internal/pii"
)

// TestDemoOrders loads the whole demo (registry, catalog, orders) into a
// fresh database and checks that the ledger it produces is sound.
func TestDemoOrders(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the whole demo")
	}
	db := dbtest.New(t)
	ctx := context.Background()
	ring, err := pii.ParseRing("5f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0")
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.LoadAccounts(ctx, db.Pool, auth.NewUsers(db.Pool)); err != nil {
		t.Fatal(err)
	}
	if err := demo.LoadRegistry(ctx, db.Pool, ring, demo.RegistryOptions{Households: 600, Seed: demo.DefaultSeed}); err != nil {
		t.Fatal(err)
	}
	if err := demo.LoadCatalogWith(ctx, db.Pool, t.TempDir(), ring); err != nil {
		t.Fatal(err)
	}
	until := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	if err := demo.LoadOrders(ctx, db.Pool, demo.OrdersOptions{Count: 60, Until: until, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	var orders, paid, months, orgOrders int
	db.Pool.QueryRow(ctx, `SELECT count(*), count(paid_at), count(DISTINCT date_trunc('month', created_at)), count(buyer_org_id) FROM orders`).Scan(&orders, &paid, &months, &orgOrders)
	if orders != 60 || paid != 60 || months < 6 || orgOrders == 0 {
		t.Fatalf("%d orders, %d paid, over %d months, %d for the budget unit", orders, paid, months, orgOrders)
	}
	v, err := attribution.Audit(ctx, db.Pool)
	if err != nil || len(v) > 0 {
		t.Fatalf("audit: %v %v", v, err)
	}
	if err := demo.LoadOrders(ctx, db.Pool, demo.OrdersOptions{Count: 60, Until: until, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	var again int
	db.Pool.QueryRow(ctx, `SELECT count(*) FROM orders`).Scan(&again)
	if again != orders {
		t.Fatalf("a second run placed %d more orders", again-orders)
	}
	t.Run("wages and dividends of the demo cooperatives", func(t *testing.T) {
		if err := demo.LoadIncome(ctx, db.Pool, demo.IncomeOptions{Until: until, Seed: 1}); err != nil {
			t.Fatal(err)
		}
		var wages, paid int
		var operating, wage, asset int64
		db.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM wages), (SELECT count(*) FROM dividends WHERE status = 'paid'),
			sum(operating_fen), sum(wage_fen), sum(asset_fen) FROM village_year_rollup WHERE year = 2026`).
			Scan(&wages, &paid, &operating, &wage, &asset)
		if wages == 0 || paid == 0 || operating <= 0 || wage <= 0 || asset <= 0 {
			t.Fatalf("%d wages, %d dividends; 2026 by type: %d %d %d", wages, paid, operating, wage, asset)
		}
		if v, err := attribution.Audit(ctx, db.Pool); err != nil || len(v) > 0 {
			t.Fatalf("audit: %v %v", v, err)
		}
		if err := demo.LoadIncome(ctx, db.Pool, demo.IncomeOptions{Until: until, Seed: 1}); err != nil {
			t.Fatal(err)
		}
		var wagesAgain int
		db.Pool.QueryRow(ctx, `SELECT count(*) FROM wages`).Scan(&wagesAgain)
		if wagesAgain != wages {
			t.Fatalf("a second run recorded %d more wages", wagesAgain-wages)
		}
	})
}
