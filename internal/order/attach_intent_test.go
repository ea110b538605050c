package order_test

import (
	"context"
	"testing"

	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/platform/ids"
)

// TestNoPaymentIsAttachedToAnOrderThatCannotBePaid: a card order placed
// while Stripe was down gets its PaymentIntent later, when its buyer opens
// it. An order cancelled (by its buyer, or by expiry) in between, or past
// its deadline, must not take one: its stock is released, and expiry,
// which cancels the intent it finds, has already looked.
func TestNoPaymentIsAttachedToAnOrderThatCannotBePaid(t *testing.T) {
	for _, tc := range []struct {
		name  string
		after func(t *testing.T, w *ordertest.World, o order.Order)
	}{
		{"cancelled", func(t *testing.T, w *ordertest.World, o order.Order) {
			if _, err := w.Svc.Cancel(context.Background(), w.Buyer, int64(o.ID)); err != nil {
				t.Fatal(err)
			}
		}},
		{"past its deadline", func(t *testing.T, w *ordertest.World, o order.Order) {
			if _, err := w.DB.Pool.Exec(context.Background(), `UPDATE orders SET expires_at = now() - interval '1 minute' WHERE id = $1`, o.ID); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := ordertest.New(t, order.Config{})
			w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2)
			ctx := context.Background()
			o, err := w.Svc.Place(ctx, w.Buyer, order.PlaceRequest{Items: []order.Item{{VariantID: ids.ID(w.VariantID), Quantity: 1}},
				ShippingAddress: ordertest.Addr, PaymentMethod: order.Stripe})
			if err != nil {
				t.Fatal(err)
			}
			tc.after(t, w, o)
			if err := w.Svc.AttachPaymentIntent(ctx, int64(o.ID), "pi_late"); err == nil {
				t.Error("a payment was attached to an order that cannot be paid")
			}
			var intent string
			w.DB.Pool.QueryRow(ctx, `SELECT coalesce(payment_intent_id, '') FROM orders WHERE id = $1`, o.ID).Scan(&intent)
			if intent != "" {
				t.Errorf("the order's payment intent is %q, want none", intent)
			}
		})
	}
}
