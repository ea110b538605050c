package order_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/invoice"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
)

// TestRefundsReturnTheShippingFee: a refund may return the shipping fee
// beside the lines, never more of it than was paid, and the shipping part
// reaches no household: a refund of everything leaves the order refunded to
// the fen, the households at zero and the audit clean; a refund of the
// shipping alone writes no entry.
func TestRefundsReturnTheShippingFee(t *testing.T) {
	ctx := context.Background()
	paid := func(t *testing.T) (*ordertest.World, order.Order) {
		w, o := paidTwoBoxes(t)
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
// says the money arrived and lists it for an administrator. Each line goes
// back whole (a line kept in part, or its money back with its units kept,
// would be a sale that never happened), the shipping as it comes, in one
// refund or several (as the Stripe dashboard may make them); nothing is
// ever attributed.
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
	listed := func(want int64) {
		t.Helper()
		late, err := w.Svc.PaidAfterCancelled(ctx, w.Admin)
		switch {
		case err != nil:
			t.Fatal(err)
		case want == 0 && len(late) != 0:
			t.Fatalf("still listed: %+v", late)
		case want > 0 && (len(late) != 1 || late[0].OrderID != o.ID || late[0].LeftFen != want || late[0].Reference != "pi_late"):
			t.Fatalf("listed %+v, want ¥%d left", late, want)
		}
	}
	listed(o.TotalFen)
	line := o.Lines[0]
	for name, rl := range map[string]order.RefundLine{
		"one unit of two":           {LineID: line.ID, Quantity: 1, AmountFen: line.AmountFen / 2},
		"the money, the units kept": {LineID: line.ID, Quantity: 0, AmountFen: line.AmountFen},
	} {
		_, err := w.Svc.Refund(ctx, w.Admin, int64(o.ID), order.RefundRequest{Reason: "取消后到账", ShippingFen: o.ShippingFen,
			Lines: []order.RefundLine{rl}}, nil)
		var e *errs.Error
		if !errors.As(err, &e) || !strings.Contains(e.Fields["lines[0]"], "whole") {
			t.Fatalf("%s: %v, want the line refused", name, err)
		}
	}
	var stripe []int64
	refund := func(_ context.Context, _ string, amount int64, _ string) (string, error) {
		stripe = append(stripe, amount)
		return fmt.Sprintf("re_late_%d", len(stripe)), nil
	}
	got, err = w.Svc.Refund(ctx, w.Admin, int64(o.ID), order.RefundRequest{Reason: "取消后到账：货款",
		Lines: []order.RefundLine{{LineID: line.ID, Quantity: line.Quantity, AmountFen: line.AmountFen}}}, refund)
	if err != nil || got.Status != order.Refunded || got.RefundedFen != line.AmountFen {
		t.Fatalf("the lines back whole: %v %s %d", err, got.Status, got.RefundedFen)
	}
	listed(o.ShippingFen)
	got, err = w.Svc.Refund(ctx, w.Admin, int64(o.ID), got.WholeRefund("取消后到账：运费"), refund)
	if err != nil || got.Status != order.Refunded || got.RefundedFen != o.TotalFen || fmt.Sprint(stripe) != fmt.Sprint([]int64{line.AmountFen, o.ShippingFen}) {
		t.Fatalf("then the shipping: %v %s %d (Stripe %v)", err, got.Status, got.RefundedFen, stripe)
	}
	listed(0)
	var entries int
	w.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM attribution_entries WHERE order_id = $1`, int64(o.ID)).Scan(&entries)
	if entries != 0 {
		t.Fatalf("%d ledger entries for an order never sold", entries)
	}
	w.Audit(t)
}

// TestShippingRefundedAfterTheLines: every line refunded leaves the order
// refunded, and the shipping it still keeps can be refunded after.
func TestShippingRefundedAfterTheLines(t *testing.T) {
	ctx := context.Background()
	w, o := paidTwoBoxes(t)
	got, err := w.Svc.Refund(ctx, w.Admin, int64(o.ID), order.RefundRequest{Reason: "退货",
		Lines: []order.RefundLine{{LineID: o.Lines[0].ID, Quantity: 2, AmountFen: 7960}}}, nil)
	if err != nil || got.Status != order.Refunded || got.RefundableShippingFen() != 800 {
		t.Fatalf("every line: %v %s, shipping left %d", err, got.Status, got.RefundableShippingFen())
	}
	got, err = w.Svc.Refund(ctx, w.Admin, int64(o.ID), order.RefundRequest{Reason: "退运费", ShippingFen: 800}, nil)
	if err != nil || got.Status != order.Refunded || got.RefundedFen != o.TotalFen || got.RefundableFen() != 0 {
		t.Fatalf("then the shipping: %v %s %d", err, got.Status, got.RefundedFen)
	}
	if _, err := w.Svc.Refund(ctx, w.Admin, int64(o.ID), order.RefundRequest{Reason: "再退", ShippingFen: 1}, nil); !errs.Is(err, errs.Conflict) {
		t.Fatalf("a refund of an order refunded whole: %v", err)
	}
	w.Audit(t)
}

// TestInvoicesLeaveOutRefundedShipping: each cooperative is asked to
// invoice its goods and the shipping it still keeps. Shipping refunded on an
// order of two cooperatives is taken from their fees in the order of their
// ids, so the invoices add up to what the buyer paid and kept.
func TestInvoicesLeaveOutRefundedShipping(t *testing.T) {
	ctx := context.Background()
	w := ordertest.New(t, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1)
	other := secondCooperative(t, w)
	w.DB.Pool.Exec(ctx, `UPDATE cooperatives SET shipping_flat_fen = 500 WHERE id = $1`, other.coop)
	o, err := w.Svc.Place(ctx, w.Buyer, order.PlaceRequest{ShippingAddress: ordertest.Addr, PaymentMethod: "manual",
		Items: []order.Item{{VariantID: ids.ID(w.VariantID), Quantity: 1}, {VariantID: ids.ID(other.variant), Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if o.ShippingFen != 1300 || o.TotalFen != 3980+5000+1300 {
		t.Fatalf("order: shipping %d, total %d", o.ShippingFen, o.TotalFen)
	}
	if _, err := w.Svc.ConfirmManual(ctx, w.Admin, int64(o.ID), "REF-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Svc.Refund(ctx, w.Admin, int64(o.ID), order.RefundRequest{Reason: "运费减免", ShippingFen: 1000}, nil); err != nil {
		t.Fatal(err)
	}
	inv := invoice.NewService(w.DB.Pool)
	if _, err := inv.Ask(ctx, w.Buyer, int64(o.ID), invoice.RequestInput{Title: "某某单位", Kind: invoice.Normal, Email: "finance@example.com"}); err != nil {
		t.Fatal(err)
	}
	first, second := w.CoopID, other.coop // ids in the order the rule takes them
	if first > second {
		t.Fatalf("the fixture's co-op %d was made before %d", first, second)
	}
	for coop, want := range map[int64]int64{first: 3980 + 0, second: 5000 + 300} {
		pending, err := inv.PendingFor(ctx, auth.Actor{UserID: w.Admin.UserID, Roles: []auth.Role{auth.RoleCoopAdmin}, CooperativeID: coop})
		if err != nil || len(pending) != 1 || pending[0].AmountFen != want {
			t.Errorf("co-op %d asked to invoice %+v (%v), want %d fen", coop, pending, err, want)
		}
	}
}
