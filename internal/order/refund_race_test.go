package order_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/platform/errs"
)

// TestStripeRefundNobodyRecordedIsListed: two admins refund the same Stripe
// order at once with different amounts. Stripe makes both refunds; the
// second to reach the order's lock finds too little left to refund and
// cannot record its own. Stripe's money is not lost from sight: the admin
// is told, the refund is listed with those made outside the service (once,
// even after Stripe's charge.refunded lists it), and recording it there
// (the rest of the line and part of the shipping) ends it; the refund that
// was recorded is not listed.
func TestStripeRefundNobodyRecordedIsListed(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1)
	ctx := context.Background()
	o := paidStripe(t, w, "pi_race") // 2 boxes: 7960 + 800 shipping
	line := o.Lines[0]
	var atStripe []order.StripeRefund
	second := func(_ context.Context, _ string, amount int64, _ string) (string, error) {
		atStripe = append(atStripe, order.StripeRefund{ID: "re_B", AmountFen: amount, Status: "succeeded", Ours: true})
		return "re_B", nil
	}
	first := func(ctx context.Context, _ string, amount int64, _ string) (string, error) {
		atStripe = append(atStripe, order.StripeRefund{ID: "re_A", AmountFen: amount, Status: "succeeded", Ours: true})
		// The other admin's refund is recorded while this Stripe call runs.
		if _, err := w.Svc.Refund(ctx, w.Admin, int64(o.ID), order.RefundRequest{Reason: "破损",
			Lines: []order.RefundLine{{LineID: line.ID, Quantity: 1, AmountFen: 4500}}}, second); err != nil {
			t.Fatalf("the other admin's refund: %v", err)
		}
		return "re_A", nil
	}
	_, err := w.Svc.Refund(ctx, w.Admin, int64(o.ID), order.RefundRequest{Reason: "破损",
		Lines: []order.RefundLine{{LineID: line.ID, Quantity: 1, AmountFen: 3980}}}, first)
	if !errs.Is(err, errs.Conflict) || !strings.Contains(err.Error(), "re_A") {
		t.Fatalf("the refund Stripe made but that could not be recorded: %v, want a conflict naming re_A", err)
	}
	listed := func(want ...string) {
		t.Helper()
		pending, err := w.Svc.ExternalRefundsOf(ctx, w.Admin, int64(o.ID))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range pending {
			got = append(got, p.RefundID)
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("listed %v, want %v", got, want)
		}
	}
	listed("re_A")
	if err := w.Svc.ApplyStripeRefunds(ctx, order.StripeRefunds{EventID: "evt_race", PaymentIntentID: "pi_race", ChargeID: "ch_race",
		AmountRefundedFen: 8480, Refunds: atStripe}); err != nil {
		t.Fatal(err)
	}
	listed("re_A")
	got, err := w.Svc.RecordExternalRefund(ctx, w.Admin, int64(o.ID), "re_A", order.RefundRequest{Reason: "破损（重复退款）",
		Lines: []order.RefundLine{{LineID: line.ID, Quantity: 0, AmountFen: 3460}}})
	var e *errs.Error
	if err == nil || !errors.As(err, &e) || !strings.Contains(e.Fields["lines"], "3980") {
		t.Fatalf("recording 3460 of re_A's 3980: %v (%d refunded), want a refusal naming 3980", err, got.RefundedFen)
	}
	listed("re_A") // still in sight
	// What was left of the line and part of the shipping make it up.
	got, err = w.Svc.RecordExternalRefund(ctx, w.Admin, int64(o.ID), "re_A", order.RefundRequest{Reason: "破损（重复退款）",
		ShippingFen: 520, Lines: []order.RefundLine{{LineID: line.ID, Quantity: 1, AmountFen: 3460}}})
	if err != nil || got.RefundedFen != 4500+3980 || got.Status != order.Refunded {
		t.Fatalf("recording re_A as the rest of the line and 5.20 of shipping: %v (%d refunded, %s)", err, got.RefundedFen, got.Status)
	}
	listed()
	w.Audit(t)
}

// TestOwnRefundRacingItsWebhookIsNotAlarmed: Stripe's charge.refunded may
// arrive before Refund has recorded the refund it asked for. It is listed
// meanwhile, without the alarm a dashboard refund raises, and leaves the
// list once Refund records it.
func TestOwnRefundRacingItsWebhookIsNotAlarmed(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1)
	ctx := context.Background()
	o := paidStripe(t, w, "pi_hook")
	early := func(ctx context.Context, _ string, amount int64, _ string) (string, error) {
		if err := w.Svc.ApplyStripeRefunds(ctx, order.StripeRefunds{EventID: "evt_early", PaymentIntentID: "pi_hook", ChargeID: "ch",
			Refunds: []order.StripeRefund{{ID: "re_own", AmountFen: amount, Status: "succeeded", Ours: true}}}); err != nil {
			t.Fatal(err)
		}
		return "re_own", nil
	}
	if _, err := w.Svc.Refund(ctx, w.Admin, int64(o.ID), order.RefundRequest{Reason: "破损",
		Lines: []order.RefundLine{{LineID: o.Lines[0].ID, Quantity: 1, AmountFen: 3980}}}, early); err != nil {
		t.Fatal(err)
	}
	if pending, err := w.Svc.ExternalRefundsOf(ctx, w.Admin, int64(o.ID)); err != nil || len(pending) != 0 {
		t.Fatalf("after recording: %v listed (%v)", pending, err)
	}
	var alarms int
	w.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE topic = 'payment.refunded_externally'`).Scan(&alarms)
	if alarms != 0 {
		t.Fatalf("%d alarms for a refund of our own", alarms)
	}
}
