package site_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// TestProductShowsSoldUnitsAndShipping: a product's answer carries 销量 (paid
// units the buyers kept) and its cooperative's shipping terms.
func TestProductShowsSoldUnitsAndShipping(t *testing.T) {
	s := webtest.Start(t)
	w := ordertest.Seed(t, s.DB, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	ctx := context.Background()
	if _, err := s.DB.Pool.Exec(ctx, `UPDATE cooperatives SET shipping_flat_fen = 1200, shipping_free_from_fen = 9900 WHERE id = $1`, w.CoopID); err != nil {
		t.Fatal(err)
	}
	paid, err := w.Place(t, 3)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Svc.ConfirmManual(ctx, w.Admin, int64(paid.ID), "REF"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Place(t, 5); err != nil { // unpaid: not sold
		t.Fatal(err)
	}
	var p struct {
		SoldUnits *int64 `json:"sold_units"`
		Shipping  struct {
			FeeFen      int64  `json:"fee_fen"`
			FreeOverFen *int64 `json:"free_over_fen"`
		} `json:"shipping"`
	}
	r := s.Client().Do("GET", fmt.Sprintf("/api/v1/products/%d", w.ProductID), nil)
	r.JSON(t, &p)
	if r.Status != 200 || p.SoldUnits == nil || *p.SoldUnits != 3 {
		t.Fatalf("sold_units %v (%d %s), want 3", p.SoldUnits, r.Status, r.Body)
	}
	if p.Shipping.FeeFen != 1200 || p.Shipping.FreeOverFen == nil || *p.Shipping.FreeOverFen != 9900 {
		t.Fatalf("shipping %+v", p.Shipping)
	}
}
