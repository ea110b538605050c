package order_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/platform/errs"
)

// TestRefundsReturnTheShippingFee: a refund may return the shipping fee
// beside the lines, never more of it than was paid, and the shipping part
// reaches no household: a refund of everything leaves the order refunded to
// the fen, the households at zero and the audit clean; a refund of the
// shipping alone writes no entry.
func TestRefundsReturnTheShippingFee(t *testing.T) {
	ctx := context.Background()
	paid := func(t *testing.T) (*ordertest.World, order.Order) {
		w := ordertest.New(t, order.Config{})
		w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1)
		o, err := w.Place(t, 2) // 2 × 39.80 + 8.00 shipping
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Svc.ConfirmManual(ctx, w.Admin, int64(o.ID), "REF-1"); err != nil {
			t.Fatal(err)
		}
		if o.ShippingFen != 800 {
			t.Fatalf("shipping %d, want 800", o.ShippingFen)
		}
		return w, o
	}
	entries := func(t *testing.T, w *ordertest.World) (n int) {
		w.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM attribution_entries`).Scan(&n)
		return n
	}
	t.Run("everything, shipping included", func(t *testing.T) {
		w, o := paid(t)
		got, err := w.Svc.Refund(ctx, w.Admin, int64(o.ID), order.RefundRequest{Reason: "整单退款", ShippingFen: 800,
			Lines: []order.RefundLine{{LineID: o.Lines[0].ID, Quantity: 2, AmountFen: 7960}}}, nil)
		if err != nil || got.Status != order.Refunded || got.RefundedFen != 8760 {
			t.Fatalf("refund of everything: %v %s %d", err, got.Status, got.RefundedFen)
		}
		for hh, net := range ledger(t, w, int64(o.ID)) {
			if net != 0 {
				t.Errorf("household %d nets %d", hh, net)
			}
		}
		w.Audit(t)
	})
	t.Run("the shipping alone, then never more than paid", func(t *testing.T) {
		w, o := paid(t)
		before := entries(t, w)
		got, err := w.Svc.Refund(ctx, w.Admin, int64(o.ID), order.RefundRequest{Reason: "运费减免", ShippingFen: 500}, nil)
		if err != nil || got.RefundedFen != 500 || got.Status != order.PartiallyRefunded {
			t.Fatalf("shipping refund: %v %d %s", err, got.RefundedFen, got.Status)
		}
		if after := entries(t, w); after != before {
			t.Fatalf("a shipping refund wrote %d ledger entries", after-before)
		}
		_, err = w.Svc.Refund(ctx, w.Admin, int64(o.ID), order.RefundRequest{Reason: "运费减免", ShippingFen: 301}, nil)
		var e *errs.Error
		if !errors.As(err, &e) || e.Kind != errs.Invalid || !strings.Contains(e.Fields["shipping_fen"], "300") {
			t.Fatalf("301 of the 300 fen of shipping left: %v", err)
		}
		w.Audit(t)
	})
	t.Run("a dashboard refund of the whole payment is recorded", func(t *testing.T) {
		w := ordertest.New(t, order.Config{})
		w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1)
		o := paidStripe(t, w, "pi_whole")
		if err := w.Svc.ApplyStripeRefunds(ctx, order.StripeRefunds{EventID: "evt_whole", PaymentIntentID: "pi_whole", ChargeID: "ch",
			Refunds: []order.StripeRefund{{ID: "re_whole", AmountFen: o.TotalFen, Status: "succeeded"}}}); err != nil {
			t.Fatal(err)
		}
		got, err := w.Svc.RecordExternalRefund(ctx, w.Admin, int64(o.ID), "re_whole", order.RefundRequest{Reason: "后台整单退款",
			ShippingFen: o.ShippingFen, Lines: []order.RefundLine{{LineID: o.Lines[0].ID, Quantity: o.Lines[0].Quantity, AmountFen: o.Lines[0].AmountFen}}})
		if err != nil || got.Status != order.Refunded || got.RefundedFen != o.TotalFen {
			t.Fatalf("recording the whole payment: %v %s %d", err, got.Status, got.RefundedFen)
		}
		if pending, _ := w.Svc.ExternalRefundsOf(ctx, w.Admin, int64(o.ID)); len(pending) != 0 {
			t.Fatalf("still listed: %v", pending)
		}
		w.Audit(t)
	})
}

// TestPaymentAfterExpiryIsRefundedWhole: a Stripe payment that arrives
// after its order expired leaves the order cancelled (no sale, no entry),
// says the money arrived, lists it for an administrator, and is refunded
// whole, shipping included, and only whole.
func TestPaymentAfterExpiryIsRefundedWhole(t *testing.T) {
	ctx := context.Background()
	w := ordertest.New(t, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1)
	o := w.PlaceStripe(t, "pi_late")
	if n, err := w.Svc.ExpireDue(ctx, o.ExpiresAt.Add(time.Minute)); err != nil || n != 1 {
		t.Fatalf("expire: %d %v", n, err)
	}
	if err := w.Svc.ApplyStripeEvent(ctx, order.StripeEvent{ID: "evt_late", Type: "payment_intent.succeeded",
		PaymentIntentID: "pi_late", Status: "succeeded", AmountFen: o.TotalFen, Currency: "cny"}); err != nil {
		t.Fatal(err)
	}
	got, err := w.Svc.Get(ctx, w.Admin, int64(o.ID))
	if err != nil || got.Status != order.Cancelled || got.Payment.Status != "succeeded" || got.PaidAt != nil || got.RefundableFen() != o.TotalFen {
		t.Fatalf("paid after expiry: %v %s %s paid_at %v", err, got.Status, got.Payment.Status, got.PaidAt)
	}
	late, err := w.Svc.PaidAfterCancelled(ctx, w.Admin)
	if err != nil || len(late) != 1 || late[0].OrderID != o.ID || late[0].Reference != "pi_late" {
		t.Fatalf("listed %+v %v", late, err)
	}
	_, err = w.Svc.Refund(ctx, w.Admin, int64(o.ID), order.RefundRequest{Reason: "取消后到账",
		Lines: []order.RefundLine{{LineID: o.Lines[0].ID, Quantity: o.Lines[0].Quantity, AmountFen: o.Lines[0].AmountFen}}}, nil)
	var e *errs.Error
	if !errors.As(err, &e) || !strings.Contains(e.Fields["lines"], "refunded whole") {
		t.Fatalf("the lines without the shipping: %v", err)
	}
	var refunded int64
	refund := func(_ context.Context, _ string, amount int64, _ string) (string, error) {
		refunded = amount
		return "re_late", nil
	}
	got, err = w.Svc.Refund(ctx, w.Admin, int64(o.ID), got.WholeRefund("取消后到账，整单退款"), refund)
	if err != nil || got.Status != order.Refunded || got.RefundedFen != o.TotalFen || refunded != o.TotalFen {
		t.Fatalf("whole refund: %v %s %d (Stripe %d)", err, got.Status, got.RefundedFen, refunded)
	}
	var entries int
	w.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM attribution_entries WHERE order_id = $1`, int64(o.ID)).Scan(&entries)
	if entries != 0 {
		t.Fatalf("%d ledger entries for an order never sold", entries)
	}
	if late, _ := w.Svc.PaidAfterCancelled(ctx, w.Admin); len(late) != 0 {
		t.Fatalf("still listed after the refund: %+v", late)
	}
	w.Audit(t)
}
