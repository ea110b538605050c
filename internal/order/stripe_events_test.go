package order_test

import (
	"context"
	"testing"

	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
)

func externalRefunds(t *testing.T, w *ordertest.World) []string {
	t.Helper()
	rows, err := w.DB.Pool.Query(context.Background(),
		`SELECT payload->>'refund_id' FROM outbox WHERE topic = 'payment.refunded_externally' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		out = append(out, s)
	}
	return out
}

func TestChargeRefundedSurfacesDashboardRefundsOnce(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1)
	ctx := context.Background()
	o := w.PlaceStripe(t, "pi_refunds")
	if err := w.Svc.ApplyStripeEvent(ctx, order.StripeEvent{ID: "evt_paid", Type: "payment_intent.succeeded",
		PaymentIntentID: "pi_refunds", Status: "succeeded", AmountFen: o.TotalFen, Currency: "cny"}); err != nil {
		t.Fatal(err)
	}
	// A refund through the service: Stripe's id is stored as provider_ref.
	refunder := func(_ context.Context, pi string, amount int64, key string) (string, error) {
		return "re_ours_ledger", nil
	}
	if _, err := w.Svc.Refund(ctx, w.Admin, int64(o.ID), order.RefundRequest{Reason: "破损",
		Lines: []order.RefundLine{{LineID: o.Lines[0].ID, Quantity: 0, AmountFen: 500}}}, refunder); err != nil {
		t.Fatal(err)
	}
	ev := order.StripeRefunds{EventID: "evt_r1", PaymentIntentID: "pi_refunds", ChargeID: "ch_1", AmountRefundedFen: 1800,
		Refunds: []order.StripeRefund{
			{ID: "re_ours_ledger", AmountFen: 500, Status: "succeeded"},             // in the ledger by id
			{ID: "re_ours_inflight", AmountFen: 300, Status: "pending", Ours: true}, // ours, not yet recorded
			{ID: "re_dash", AmountFen: 1000, Status: "succeeded"},                   // made in the dashboard
			{ID: "re_failed", AmountFen: 700, Status: "failed"},                     // moved no money
		}}
	for range 2 { // a replayed event changes nothing
		if err := w.Svc.ApplyStripeRefunds(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	if got := externalRefunds(t, w); len(got) != 1 || got[0] != "re_dash" {
		t.Fatalf("surfaced %v, want [re_dash]", got)
	}
	// A later charge.refunded lists every refund again: only the new
	// dashboard refund is surfaced.
	ev.EventID, ev.Refunds = "evt_r2", append(ev.Refunds, order.StripeRefund{ID: "re_dash2", AmountFen: 200, Status: "succeeded"})
	if err := w.Svc.ApplyStripeRefunds(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if got := externalRefunds(t, w); len(got) != 2 || got[1] != "re_dash2" {
		t.Fatalf("surfaced %v, want [re_dash re_dash2]", got)
	}
	// The ledger is untouched by external refunds.
	got, _ := w.Svc.Get(ctx, w.Admin, int64(o.ID))
	if got.RefundedFen != 500 || got.Status != order.PartiallyRefunded {
		t.Fatalf("order %s refunded %d", got.Status, got.RefundedFen)
	}
	// A charge of a payment that is not ours is recorded and ignored.
	if err := w.Svc.ApplyStripeRefunds(ctx, order.StripeRefunds{EventID: "evt_r3", PaymentIntentID: "pi_elsewhere",
		Refunds: []order.StripeRefund{{ID: "re_x", AmountFen: 1, Status: "succeeded"}}}); err != nil {
		t.Fatal(err)
	}
	var events int
	w.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM payment_events WHERE type = 'charge.refunded'`).Scan(&events)
	if events != 3 || len(externalRefunds(t, w)) != 2 {
		t.Fatalf("%d charge events recorded, %d surfaced", events, len(externalRefunds(t, w)))
	}
	w.Audit(t)
}

// TestSucceededOfAnotherAmountPaysNothing: a succeeded PaymentIntent of
// another amount or currency is recorded once and raised; the order stays
// unpaid.
func TestSucceededOfAnotherAmountPaysNothing(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1)
	ctx := context.Background()
	o := w.PlaceStripe(t, "pi_cheap")
	for _, ev := range []order.StripeEvent{
		{ID: "evt_cent", AmountFen: 1, Currency: "usd"},
		{ID: "evt_cent", AmountFen: 1, Currency: "usd"}, // replayed
		{ID: "evt_usd", AmountFen: o.TotalFen, Currency: "USD"},
		{ID: "evt_more", AmountFen: o.TotalFen + 1, Currency: "cny"},
	} {
		ev.Type, ev.PaymentIntentID, ev.Status = "payment_intent.succeeded", "pi_cheap", "succeeded"
		if err := w.Svc.ApplyStripeEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := w.Svc.Get(ctx, w.Admin, int64(o.ID))
	if got.Status != order.PendingPayment {
		t.Fatalf("order %s after payments of other amounts", got.Status)
	}
	list, err := w.Svc.PaymentMismatches(ctx, w.Admin)
	if err != nil || len(list) != 3 {
		t.Fatalf("mismatches %+v, %v; want 3", list, err)
	}
	if _, err := w.Svc.PaymentMismatches(ctx, w.Buyer); err == nil {
		t.Error("a buyer read the mismatches")
	}
	w.Audit(t)
}
