package invoice_test

import (
	"context"
	"testing"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/invoice"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/platform/ids"
)

// secondCoop is another approved cooperative of the world's county, made
// after the world's (so with a higher id), selling a 1 kg bag of walnuts at
// ¥50.00 from a lot of 50 kg, with a flat shipping fee of shippingFen.
type secondCoop struct{ coop, variant int64 }

func newSecondCoop(t *testing.T, w *ordertest.World, shippingFen int64) secondCoop {
	t.Helper()
	var c secondCoop
	c.coop = ordertest.Exec(t, w.DB, `INSERT INTO cooperatives (name, credit_code, county_code, status, shipping_flat_fen)
		VALUES ('第二合作社', '93653224MA79D3K99X', '653224', 'approved', $1) RETURNING id`, shippingFen)
	product := ordertest.Exec(t, w.DB, `INSERT INTO products (cooperative_id, county_code, title, category, base_unit, status, min_price_fen)
		VALUES ($1, '653224', '洛浦核桃', 'dried_fruit', 'kg', 'active', 5000) RETURNING id`, c.coop)
	c.variant = ordertest.Exec(t, w.DB, `INSERT INTO product_variants (product_id, sku, name, price_fen, base_qty)
		VALUES ($1, 'NUT-1', '1公斤袋', 5000, 1) RETURNING id`, product)
	lot := ordertest.Exec(t, w.DB, `INSERT INTO lots (product_id, trace_code, quantity, remaining, received_on, income_kind, fen_per_unit)
		VALUES ($1, 'NUTLOT0000000001', 50, 50, '2026-09-01', 'per_unit', 1000) RETURNING id`, product)
	ordertest.Exec(t, w.DB, `INSERT INTO lot_contributions (lot_id, household_id, quantity) VALUES ($1, $2, 50) RETURNING lot_id`,
		lot, w.Households[0])
	return c
}

// coopAdmin signs up the administrator of a cooperative.
func coopAdmin(t *testing.T, w *ordertest.World, email string, coopID int64) auth.Actor {
	t.Helper()
	ctx := context.Background()
	users := auth.NewUsers(w.DB.Pool)
	id, err := users.Create(ctx, auth.NewUser{Email: email, Name: "合作社", Password: ordertest.Password},
		auth.Grant{Role: auth.RoleCoopAdmin, CooperativeID: coopID})
	if err != nil {
		t.Fatal(err)
	}
	a, err := users.Actor(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// invoicedOrder places an order of one unit of each variant by bank
// transfer, confirms its payment and has the buyer ask for its invoice.
func invoicedOrder(t *testing.T, w *ordertest.World, svc *invoice.Service, variants ...int64) order.Order {
	t.Helper()
	ctx := context.Background()
	req := order.PlaceRequest{ShippingAddress: ordertest.Addr, PaymentMethod: "manual"}
	for _, v := range variants {
		req.Items = append(req.Items, order.Item{VariantID: ids.ID(v), Quantity: 1})
	}
	o, err := w.Svc.Place(ctx, w.Buyer, req)
	if err != nil {
		t.Fatal(err)
	}
	if o, err = w.Svc.ConfirmManual(ctx, w.Admin, int64(o.ID), "REF"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Ask(ctx, w.Buyer, int64(o.ID), invoice.RequestInput{Title: "和田地区机关事务管理局", Kind: invoice.Normal,
		Email: "finance@example.gov.cn"}); err != nil {
		t.Fatal(err)
	}
	return o
}
