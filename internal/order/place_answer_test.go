package order_test

import (
	"context"
	"encoding/json"
	"regexp"
	"testing"
	"time"

	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/platform/ids"
)

// TestPlaceAnswersWhatGetReads: Place builds its answer from what it wrote
// instead of reading the order back, so the answer must be exactly what Get
// reads afterwards, for an order of several lines over two cooperatives
// (items asked for out of order, one of them twice).
func TestPlaceAnswersWhatGetReads(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1200, 1, 2)
	second := ordertest.Exec(t, w.DB, `INSERT INTO product_variants (product_id, sku, name, price_fen, base_qty)
		VALUES ($1, 'BOX-5', '5公斤箱', 7600, 5) RETURNING id`, w.ProductID)
	coop := ordertest.Exec(t, w.DB, `INSERT INTO cooperatives (name, credit_code, county_code, status, shipping_flat_fen)
		VALUES ('第二合作社', '93653224MA79D3K13X', '653224', 'approved', 1500) RETURNING id`)
	product := ordertest.Exec(t, w.DB, `INSERT INTO products (cooperative_id, county_code, title, category, base_unit, status, min_price_fen)
		VALUES ($1, '653224', '洛浦核桃', 'dried_fruit', 'kg', 'active', 2500) RETURNING id`, coop)
	walnut := ordertest.Exec(t, w.DB, `INSERT INTO product_variants (product_id, sku, name, price_fen, base_qty)
		VALUES ($1, 'BAG-1', '1公斤袋', 2500, 1) RETURNING id`, product)
	lot := ordertest.Exec(t, w.DB, `INSERT INTO lots (product_id, trace_code, quantity, remaining, received_on, income_kind, fen_per_unit)
		VALUES ($1, 'walnut-lot-1', 50, 50, '2026-10-01', 'per_unit', 900) RETURNING id`, product)
	ordertest.Exec(t, w.DB, `INSERT INTO lot_contributions (lot_id, household_id, quantity) VALUES ($1, $2, 50) RETURNING lot_id`,
		lot, w.Households[0])

	ctx := context.Background()
	placed, err := w.Svc.Place(ctx, w.Buyer, order.PlaceRequest{PaymentMethod: "manual", ShippingAddress: ordertest.Addr,
		Items: []order.Item{{VariantID: ids.ID(walnut), Quantity: 2}, {VariantID: ids.ID(second), Quantity: 1},
			{VariantID: ids.ID(w.VariantID), Quantity: 1}, {VariantID: ids.ID(w.VariantID), Quantity: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	read, err := w.Svc.Get(ctx, w.Buyer, int64(placed.ID))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.MarshalIndent(placed, "", " ")
	want, _ := json.MarshalIndent(read, "", " ")
	if string(got) != string(want) {
		t.Fatalf("Place answered\n%s\nGet reads\n%s", got, want)
	}
	if len(read.Lines) != 3 || len(read.Shipments) != 2 || read.ShippingFen != 1500 {
		t.Fatalf("lines %d, shipments %d, shipping %d", len(read.Lines), len(read.Shipments), read.ShippingFen)
	}
	day := time.Now().In(time.FixedZone("CST", 8*3600)).Format("20060102")
	if !regexp.MustCompile(`^FP` + day + `\d{7}$`).MatchString(read.Number) {
		t.Errorf("order number %q is not FP, the day in China (%s) and seven digits", read.Number, day)
	}
}
