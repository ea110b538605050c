package order_test

import (
	"context"
	"testing"

	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/platform/errs"
)

// TestRefundStripeCouldNotPayOutIsListedUntilReturned: Stripe reports, after
// the refund was recorded, that it could not pay it out. The refund stays
// recorded (the buyer is owed it, the households keep its entries), is
// listed once however often Stripe repeats it, and leaves the list when an
// administrator has returned the money by bank transfer and gives its
// reference (required).
func TestRefundStripeCouldNotPayOutIsListedUntilReturned(t *testing.T) {
	ctx := context.Background()
	w := ordertest.New(t, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1)
	o := paidStripe(t, w, "pi_fail")
	refunder := func(context.Context, string, int64, string) (string, error) { return "re_F", nil }
	if _, err := w.Svc.Refund(ctx, w.Admin, int64(o.ID), order.RefundRequest{Reason: "破损",
		Lines: []order.RefundLine{{LineID: o.Lines[0].ID, Quantity: 1, AmountFen: 3980}}}, refunder); err != nil {
		t.Fatal(err)
	}
	before := ledger(t, w, int64(o.ID))
	for _, ev := range []string{"evt_f1", "evt_f2"} {
		if err := w.Svc.ApplyStripeRefunds(ctx, order.StripeRefunds{EventID: ev, PaymentIntentID: "pi_fail", ChargeID: "ch",
			Refunds: []order.StripeRefund{{ID: "re_F", AmountFen: 3980, Status: "failed", Ours: true}}}); err != nil {
			t.Fatal(err)
		}
	}
	failed, err := w.Svc.FailedRefunds(ctx, w.Admin)
	if err != nil || len(failed) != 1 || failed[0].StripeRefundID != "re_F" || failed[0].AmountFen != 3980 || failed[0].OrderID != o.ID {
		t.Fatalf("listed %+v %v", failed, err)
	}
	for hh, fen := range ledger(t, w, int64(o.ID)) {
		if before[hh] != fen {
			t.Fatalf("household %d: %d before the failure, %d after", hh, before[hh], fen)
		}
	}
	if err := w.Svc.MarkRefundReturned(ctx, w.Admin, int64(failed[0].RefundID), " "); !errs.Is(err, errs.Invalid) {
		t.Fatalf("without a reference: %v", err)
	}
	if err := w.Svc.MarkRefundReturned(ctx, w.Buyer, int64(failed[0].RefundID), "ABC-1"); !errs.Is(err, errs.Forbidden) {
		t.Fatalf("a buyer: %v", err)
	}
	if err := w.Svc.MarkRefundReturned(ctx, w.Admin, int64(failed[0].RefundID), "农行对公 20261205-001"); err != nil {
		t.Fatal(err)
	}
	if failed, _ := w.Svc.FailedRefunds(ctx, w.Admin); len(failed) != 0 {
		t.Fatalf("still listed: %+v", failed)
	}
	if err := w.Svc.MarkRefundReturned(ctx, w.Admin, int64(failed[0].RefundID), "again"); !errs.Is(err, errs.NotFound) {
		t.Fatalf("a second return: %v", err)
	}
	w.Audit(t)
}
