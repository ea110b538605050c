package invoice_test

import (
	"context"
	"errors"
	"testing"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/invoice"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/platform/errs"
)

// TestCooperativeRefundedOfItsWholeShareIsNotAskedForAnInvoice: an order
// of two cooperatives, A (the world's: a box at ¥39.80, shipping ¥8.00) and
// B (made after A: a bag at ¥50.00, shipping ¥5.00), refunded in part. A
// cooperative invoices its goods net of refunds and the shipping fee it
// still keeps, refunded shipping being taken from the fees in the order of
// the cooperatives' ids. A cooperative whose part comes to nothing is not
// asked for an invoice (a ¥0.00 invoice no tax system issues), may not
// issue one, and the buyer's and the institution's counts of invoices due
// leave it out, so that the order's invoicing ends.
func TestCooperativeRefundedOfItsWholeShareIsNotAskedForAnInvoice(t *testing.T) {
	ctx := context.Background()
	w := ordertest.New(t, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1)
	other := newSecondCoop(t, w, 500)
	if w.CoopID > other.coop {
		t.Fatalf("the world's co-op %d was made before %d", w.CoopID, other.coop)
	}
	svc := invoice.NewService(w.DB.Pool)
	coopA := coopAdmin(t, w, "a@coop.test", w.CoopID)
	coopB := coopAdmin(t, w, "b@coop.test", other.coop)
	org := ordertest.Exec(t, w.DB, `INSERT INTO buyer_orgs (name, kind) VALUES ('和田地区机关事务管理局', 'budget_unit') RETURNING id`)
	refund := func(o order.Order, shippingFen int64, lines ...order.Line) {
		t.Helper()
		req := order.RefundRequest{Reason: "退货", ShippingFen: shippingFen}
		for _, l := range lines {
			req.Lines = append(req.Lines, order.RefundLine{LineID: l.ID, Quantity: l.Quantity, AmountFen: l.AmountFen})
		}
		o, err := w.Svc.Refund(ctx, w.Admin, int64(o.ID), req, nil)
		if err != nil {
			t.Fatal(err)
		}
		if o.Status != order.PartiallyRefunded {
			t.Fatalf("status %s after a refund of part", o.Status)
		}
	}
	lineOf := func(o order.Order, coop int64) order.Line {
		t.Helper()
		for _, l := range o.Lines {
			if int64(l.CooperativeID) == coop {
				return l
			}
		}
		t.Fatalf("order %s has no line of co-op %d", o.ID, coop)
		return order.Line{}
	}
	// asked is what the cooperative is asked to invoice for the order, -1
	// when it is not asked.
	asked := func(coop auth.Actor, o order.Order) int64 {
		t.Helper()
		pending, err := svc.PendingFor(ctx, coop)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pending {
			if p.OrderID == o.ID {
				return p.AmountFen
			}
		}
		return -1
	}
	due := func(o order.Order) (invoice.State, invoice.OrgRow) {
		t.Helper()
		st, err := svc.Of(ctx, w.Buyer, int64(o.ID))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := svc.ForOrg(ctx, w.Admin, org, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r.OrderID == o.ID {
				return st, r
			}
		}
		t.Fatalf("order %s not in its institution's invoicing", o.ID)
		return st, invoice.OrgRow{}
	}
	place := func() order.Order {
		t.Helper()
		o := invoicedOrder(t, w, svc, w.VariantID, other.variant)
		if o.ShippingFen != 800+500 || o.TotalFen != 3980+5000+800+500 {
			t.Fatalf("order: shipping %d, total %d", o.ShippingFen, o.TotalFen)
		}
		ordertest.Exec(t, w.DB, `UPDATE orders SET buyer_org_id = $2 WHERE id = $1 RETURNING id`, int64(o.ID), org)
		return o
	}

	t.Run("A's goods, then its shipping", func(t *testing.T) {
		o := place()
		refund(o, 0, lineOf(o, w.CoopID))
		if got := asked(coopA, o); got != 800 {
			t.Errorf("A keeps its shipping fee: asked for %d fen, want 800", got)
		}
		if st, r := due(o); st.Cooperatives != 2 || r.Cooperative != 2 {
			t.Errorf("invoices due while A keeps its shipping: buyer %d, institution %d, want 2", st.Cooperatives, r.Cooperative)
		}
		refund(o, 800) // taken from A's fee: A's id is the lower
		if got := asked(coopA, o); got != -1 {
			t.Errorf("A's part is refunded whole: still asked for %d fen", got)
		}
		_, err := svc.Issue(ctx, coopA, int64(o.ID), "A-0001", samplePDF)
		var e *errs.Error
		if !errors.As(err, &e) || e.Kind != errs.Conflict {
			t.Errorf("A issues an invoice of nothing: %v, want a conflict", err)
		}
		if got := asked(coopB, o); got != 5000+500 {
			t.Errorf("B asked for %d fen, want %d", got, 5000+500)
		}
		st, r := due(o)
		if st.Cooperatives != 1 || r.Cooperative != 1 || st.Issued() {
			t.Errorf("invoices due once A's part is refunded: buyer %d (issued %v), institution %d, want 1", st.Cooperatives, st.Issued(), r.Cooperative)
		}
		if _, err := svc.Issue(ctx, coopB, int64(o.ID), "B-0001", samplePDF); err != nil {
			t.Fatal(err)
		}
		if st, r := due(o); !st.Issued() || r.Issued != 1 || r.Cooperative != 1 {
			t.Errorf("after B's invoice: buyer issued %v, institution %d of %d", st.Issued(), r.Issued, r.Cooperative)
		}
	})

	t.Run("B's goods and every shipping fee", func(t *testing.T) {
		o := place()
		refund(o, 800+500, lineOf(o, other.coop)) // A's fee first, then B's
		if got := asked(coopB, o); got != -1 {
			t.Errorf("B's part is refunded whole: still asked for %d fen", got)
		}
		if _, err := svc.Issue(ctx, coopB, int64(o.ID), "B-0002", samplePDF); !errs.Is(err, errs.Conflict) {
			t.Errorf("B issues an invoice of nothing: %v, want a conflict", err)
		}
		if got := asked(coopA, o); got != 3980 {
			t.Errorf("A asked for %d fen, want 3980 (its goods, its shipping refunded)", got)
		}
		if st, r := due(o); st.Cooperatives != 1 || r.Cooperative != 1 {
			t.Errorf("invoices due: buyer %d, institution %d, want 1", st.Cooperatives, r.Cooperative)
		}
		var n int
		w.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM invoices WHERE order_id = $1`, int64(o.ID)).Scan(&n)
		if n != 0 {
			t.Errorf("%d invoices written", n)
		}
	})
}

// TestCooperativeSeesItsOwnInvoicing: in an order of two cooperatives, each
// one's view of the invoicing counts the one invoice it owes, not the
// order's two, so a cooperative that issued its own reads as done while
// the other is still asked; the buyer still waits for both.
func TestCooperativeSeesItsOwnInvoicing(t *testing.T) {
	ctx := context.Background()
	w := ordertest.New(t, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1)
	other := newSecondCoop(t, w, 500)
	svc := invoice.NewService(w.DB.Pool)
	coopA := coopAdmin(t, w, "a@coop.test", w.CoopID)
	coopB := coopAdmin(t, w, "b@coop.test", other.coop)
	o := invoicedOrder(t, w, svc, w.VariantID, other.variant)
	if _, err := svc.Issue(ctx, coopA, int64(o.ID), "20260001", samplePDF); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		actor      auth.Actor
		due, blues int
		issued     bool
	}{
		{"the co-op that issued", coopA, 1, 1, true},
		{"the co-op still asked", coopB, 1, 0, false},
		{"the buyer", w.Buyer, 2, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := svc.Of(ctx, tc.actor, int64(o.ID))
			if err != nil {
				t.Fatal(err)
			}
			if st.Cooperatives != tc.due || st.BlueCount() != tc.blues || st.Issued() != tc.issued {
				t.Errorf("due %d, issued %d, done %v; want %d, %d, %v", st.Cooperatives, st.BlueCount(), st.Issued(), tc.due, tc.blues, tc.issued)
			}
		})
	}
}
