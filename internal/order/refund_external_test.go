package order_test

import (
	"context"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/platform/errs"
)

// paidStripe places a Stripe order of two 2.5 kg boxes and marks it paid.
func paidStripe(t *testing.T, w *ordertest.World, intent string) order.Order {
	t.Helper()
	o := w.PlaceStripe(t, intent)
	if err := w.Svc.ApplyStripeEvent(context.Background(), order.StripeEvent{ID: "evt_paid_" + intent,
		Type: "payment_intent.succeeded", PaymentIntentID: intent, Status: "succeeded", AmountFen: o.TotalFen, Currency: "cny"}); err != nil {
		t.Fatal(err)
	}
	return o
}

// counts is what a failed recording must leave as it was.
type counts struct{ refunds, refundLines, entries, outbox int }

func countRows(t *testing.T, w *ordertest.World) counts {
	t.Helper()
	var c counts
	err := w.DB.Pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM refunds), (SELECT count(*) FROM refund_lines),
		(SELECT count(*) FROM attribution_entries), (SELECT count(*) FROM outbox)`).Scan(&c.refunds, &c.refundLines, &c.entries, &c.outbox)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func pendingIDs(t *testing.T, w *ordertest.World) []string {
	t.Helper()
	list, err := w.Svc.ExternalRefunds(context.Background(), w.Admin)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, x := range list {
		out = append(out, x.RefundID)
	}
	return out
}

func TestRecordExternalRefund(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	w.Lot(t, "2.5", "2026-09-01", "per_unit", 1000, 1, 1)      // the first box: ¥10.00 per kg to two households
	w.Lot(t, "100", "2026-09-02", "revenue_share", 2500, 1, 3) // the second: 25 % of its price, 1:3
	ctx := context.Background()
	o := paidStripe(t, w, "pi_ext")
	other := paidStripe(t, w, "pi_other")
	line := o.Lines[0]
	paidLedger := ledger(t, w, int64(o.ID))

	// Two refunds made in the Stripe dashboard, and one of another order.
	ev := order.StripeRefunds{EventID: "evt_ext1", PaymentIntentID: "pi_ext", ChargeID: "ch_ext", AmountRefundedFen: 4480,
		Refunds: []order.StripeRefund{{ID: "re_box", AmountFen: 3980, Status: "succeeded"}, {ID: "re_adjust", AmountFen: 500, Status: "succeeded"}}}
	if err := w.Svc.ApplyStripeRefunds(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if err := w.Svc.ApplyStripeRefunds(ctx, order.StripeRefunds{EventID: "evt_other1", PaymentIntentID: "pi_other",
		Refunds: []order.StripeRefund{{ID: "re_other", AmountFen: 100, Status: "succeeded"}}}); err != nil {
		t.Fatal(err)
	}

	if _, err := w.Svc.ExternalRefunds(ctx, w.Buyer); !errs.Is(err, errs.Forbidden) {
		t.Fatalf("a buyer listing external refunds: %v", err)
	}
	list, err := w.Svc.ExternalRefundsOf(ctx, w.Admin, int64(o.ID))
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].RefundID != "re_box" || list[0].AmountFen != 3980 || list[0].OrderNumber != o.Number ||
		list[0].OrderID != o.ID || list[1].RefundID != "re_adjust" {
		t.Fatalf("pending external refunds of the order: %+v", list)
	}
	if got := pendingIDs(t, w); len(got) != 3 {
		t.Fatalf("all pending external refunds: %v", got)
	}

	oneBox := order.RefundRequest{Reason: "Stripe 后台退款：少发一箱",
		Lines: []order.RefundLine{{LineID: line.ID, Quantity: 1, AmountFen: 3980}}}
	before := countRows(t, w)
	t.Run("a buyer cannot record", func(t *testing.T) {
		if _, err := w.Svc.RecordExternalRefund(ctx, w.Buyer, int64(o.ID), "re_box", oneBox); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("an unknown refund id, or another order's, is not found", func(t *testing.T) {
		for _, id := range []string{"re_nope", "re_other", ""} {
			if _, err := w.Svc.RecordExternalRefund(ctx, w.Admin, int64(o.ID), id, oneBox); !errs.Is(err, errs.NotFound) {
				t.Fatalf("%q: %v", id, err)
			}
		}
		if _, err := w.Svc.RecordExternalRefund(ctx, w.Admin, 987654, "re_box", oneBox); !errs.Is(err, errs.NotFound) {
			t.Fatalf("no such order: %v", err)
		}
	})
	t.Run("lines not adding up to Stripe's amount are refused", func(t *testing.T) {
		short := order.RefundRequest{Reason: "x", Lines: []order.RefundLine{{LineID: line.ID, Quantity: 1, AmountFen: 3000}}}
		_, err := w.Svc.RecordExternalRefund(ctx, w.Admin, int64(o.ID), "re_box", short)
		var e *errs.Error
		if !errs.Is(err, errs.Invalid) || !asError(err, &e) || !e.Unprocessable || !strings.Contains(e.Fields["lines"], "3980 fen") {
			t.Fatalf("%#v", err)
		}
		// Other problems are listed with it.
		noReason := order.RefundRequest{Lines: []order.RefundLine{{LineID: line.ID, Quantity: 9, AmountFen: 1}}}
		_, err = w.Svc.RecordExternalRefund(ctx, w.Admin, int64(o.ID), "re_box", noReason)
		if !asError(err, &e) || e.Fields["reason"] == "" || e.Fields["lines[0].quantity"] == "" || e.Fields["lines"] == "" {
			t.Fatalf("%#v", err)
		}
	})
	if after := countRows(t, w); after != before {
		t.Fatalf("a refused recording wrote rows: %+v → %+v", before, after)
	}
	if got, _ := w.Svc.Get(ctx, w.Admin, int64(o.ID)); got.Status != order.Paid || got.RefundedFen != 0 {
		t.Fatalf("a refused recording changed the order: %s %d", got.Status, got.RefundedFen)
	}

	got, err := w.Svc.RecordExternalRefund(ctx, w.Admin, int64(o.ID), "re_box", oneBox)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != order.PartiallyRefunded || got.RefundedFen != 3980 || got.Lines[0].RefundedQuantity != 1 {
		t.Fatalf("after recording: %s %d %+v", got.Status, got.RefundedFen, got.Lines[0])
	}
	var provider, ref string
	var by int64
	w.DB.Pool.QueryRow(ctx, `SELECT provider, provider_ref, created_by FROM refunds WHERE order_id = $1`, int64(o.ID)).Scan(&provider, &ref, &by)
	if provider != "stripe" || ref != "re_box" || by != w.Admin.UserID {
		t.Fatalf("refund row %s %s %d", provider, ref, by)
	}
	// The box comes back from the last allocation (the revenue-share lot):
	// its households lose their share, the first lot's keep theirs.
	after := ledger(t, w, int64(o.ID))
	if after[w.Households[0]] != 1250 || after[w.Households[1]] != 1250 || paidLedger[w.Households[0]] != 1250+249 {
		t.Fatalf("ledger %v → %v", paidLedger, after)
	}
	w.Audit(t)

	t.Run("a second recording is a conflict", func(t *testing.T) {
		if _, err := w.Svc.RecordExternalRefund(ctx, w.Admin, int64(o.ID), "re_box", oneBox); !errs.Is(err, errs.Conflict) {
			t.Fatalf("%v", err)
		}
	})
	if got := pendingIDs(t, w); len(got) != 2 || got[0] != "re_adjust" || got[1] != "re_other" {
		t.Fatalf("pending after recording: %v", got)
	}
	// A later charge.refunded lists the recorded refund again: it is known.
	ev.EventID = "evt_ext2"
	if err := w.Svc.ApplyStripeRefunds(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if got := externalRefunds(t, w); len(got) != 3 {
		t.Fatalf("surfaced %v", got)
	}

	// A price adjustment: money back, no units.
	if _, err := w.Svc.RecordExternalRefund(ctx, w.Admin, int64(o.ID), "re_adjust", order.RefundRequest{Reason: "差价",
		Lines: []order.RefundLine{{LineID: line.ID, Quantity: 0, AmountFen: 500}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Svc.RecordExternalRefund(ctx, w.Admin, int64(other.ID), "re_other", order.RefundRequest{Reason: "差价",
		Lines: []order.RefundLine{{LineID: other.Lines[0].ID, AmountFen: 100}}}); err != nil {
		t.Fatal(err)
	}
	if got := pendingIDs(t, w); len(got) != 0 {
		t.Fatalf("pending after recording all: %v", got)
	}
	w.Audit(t)
}

func TestExternalRefundThatFailedIsNotRecorded(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1)
	ctx := context.Background()
	o := paidStripe(t, w, "pi_fail")
	pending := order.StripeRefund{ID: "re_slow", AmountFen: 700, Status: "pending"}
	if err := w.Svc.ApplyStripeRefunds(ctx, order.StripeRefunds{EventID: "evt_f1", PaymentIntentID: "pi_fail",
		Refunds: []order.StripeRefund{pending}}); err != nil {
		t.Fatal(err)
	}
	list, _ := w.Svc.ExternalRefunds(ctx, w.Admin)
	if len(list) != 1 || list[0].Status != "pending" {
		t.Fatalf("%+v", list)
	}
	// The next charge.refunded lists it as failed: nothing to record.
	pending.Status = "failed"
	if err := w.Svc.ApplyStripeRefunds(ctx, order.StripeRefunds{EventID: "evt_f2", PaymentIntentID: "pi_fail",
		Refunds: []order.StripeRefund{pending, {ID: "re_zero", Status: "succeeded"}}}); err != nil {
		t.Fatal(err)
	}
	if got := pendingIDs(t, w); len(got) != 0 {
		t.Fatalf("pending %v", got)
	}
	_, err := w.Svc.RecordExternalRefund(ctx, w.Admin, int64(o.ID), "re_slow", order.RefundRequest{Reason: "x",
		Lines: []order.RefundLine{{LineID: o.Lines[0].ID, AmountFen: 700}}})
	if !errs.Is(err, errs.Conflict) {
		t.Fatalf("recording a failed refund: %v", err)
	}
	if _, err := w.Svc.RecordExternalRefund(ctx, w.Admin, int64(o.ID), "re_zero", order.RefundRequest{}); !errs.Is(err, errs.NotFound) {
		t.Fatalf("a refund of nothing is not surfaced: %v", err)
	}
}

// TestStripeRefundRecordedOnce: two identical refund requests at once send
// the same idempotency key and get the same refund back from Stripe (played
// here one after the other); it is recorded once.
func TestStripeRefundRecordedOnce(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1)
	ctx := context.Background()
	o := paidStripe(t, w, "pi_twice")
	refunder := func(context.Context, string, int64, string) (string, error) { return "re_same", nil }
	req := order.RefundRequest{Reason: "破损", Lines: []order.RefundLine{{LineID: o.Lines[0].ID, AmountFen: 500}}}
	for range 2 {
		got, err := w.Svc.Refund(ctx, w.Admin, int64(o.ID), req, refunder)
		if err != nil || got.RefundedFen != 500 {
			t.Fatalf("%v, refunded %d", err, got.RefundedFen)
		}
	}
	var n int
	w.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM refunds WHERE provider_ref = 're_same'`).Scan(&n)
	if n != 1 {
		t.Fatalf("%d refunds recorded for one Stripe refund", n)
	}
	w.Audit(t)
}
