package order_test

import (
	"context"
	"math"
	"testing"

	"github.com/fupinmarket/market/internal/feed"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
)

// BenchmarkPlace and BenchmarkPlaceAndPay time one checkout's two halves on
// the world fixture (three households per lot); scripts/bench-checkout.sh
// measures the concurrent case beside pgbench.
func BenchmarkPlace(b *testing.B) {
	// One buyer places b.N unpaid orders: no holding limits here.
	w := ordertest.New(b, order.Config{MaxUnpaidOrders: math.MaxInt32, MaxUnitsPerVariant: math.MaxInt32})
	w.Lot(b, "10000000", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := w.Place(b, 1); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPlaceAndPay(b *testing.B) {
	w := ordertest.New(b, order.Config{})
	w.Lot(b, "10000000", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		o, err := w.Place(b, 1)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := w.Svc.ConfirmManual(ctx, w.Admin, int64(o.ID), "BENCH"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPlaceAndPayWithFeed is BenchmarkPlaceAndPay with the sales feed
// on and the product certified: the paying batch also writes the line's
// sale.paid event (no round trip of its own).
func BenchmarkPlaceAndPayWithFeed(b *testing.B) {
	w := ordertest.New(b, order.Config{Feed: &feed.Outbox{}})
	w.Lot(b, "10000000", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	ordertest.Exec(b, w.DB, `INSERT INTO product_certifications (product_id, certificate_no, county_code, valid_from, valid_until,
			status, certified_by, confirmed_by, confirmed_at)
		VALUES ($1, 'XJ-BENCH-0001', '653224', '2020-01-01', '2099-12-31', 'confirmed', $2, $2, now() - interval '1 hour') RETURNING id`,
		w.ProductID, w.Admin.UserID)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		o, err := w.Place(b, 1)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := w.Svc.ConfirmManual(ctx, w.Admin, int64(o.ID), "BENCH"); err != nil {
			b.Fatal(err)
		}
	}
}
