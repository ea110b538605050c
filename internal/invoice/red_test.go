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

// TestRefundAfterTheInvoiceAsksForARedLetterInvoice: an order of two
// cooperatives, A (a box at ¥39.80, shipping ¥8.00) and B (a bag at ¥50.00,
// shipping ¥5.00), each issuing its blue-letter invoice for its part. A
// refund of ¥20.00 of B's line then makes B owe a red-letter invoice (红字发票)
// of exactly ¥20.00: its queue lists it, the buyer's and the institution's
// invoicing say it is owed, and issuing it records a red invoice of that
// amount, after which nothing more is due and a second red one is refused.
// Refunding the rest of the order in full asks each cooperative for the
// rest of its invoices.
func TestRefundAfterTheInvoiceAsksForARedLetterInvoice(t *testing.T) {
	ctx := context.Background()
	w := ordertest.New(t, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1)
	other := newSecondCoop(t, w, 500)
	svc := invoice.NewService(w.DB.Pool)
	coopA := coopAdmin(t, w, "a@coop.test", w.CoopID)
	coopB := coopAdmin(t, w, "b@coop.test", other.coop)
	org := ordertest.Exec(t, w.DB, `INSERT INTO buyer_orgs (name, kind) VALUES ('和田地区机关事务管理局', 'budget_unit') RETURNING id`)
	o := invoicedOrder(t, w, svc, w.VariantID, other.variant)
	ordertest.Exec(t, w.DB, `UPDATE orders SET buyer_org_id = $2 WHERE id = $1 RETURNING id`, int64(o.ID), org)
	var lineA, lineB order.Line
	for _, l := range o.Lines {
		if int64(l.CooperativeID) == w.CoopID {
			lineA = l
		} else {
			lineB = l
		}
	}
	// pending is the invoice the cooperative is asked for on the order.
	pending := func(coop auth.Actor) (invoice.Pending, bool) {
		t.Helper()
		list, err := svc.PendingFor(ctx, coop)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range list {
			if p.OrderID == o.ID {
				return p, true
			}
		}
		return invoice.Pending{}, false
	}
	state := func() (invoice.State, invoice.OrgRow) {
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
		t.Fatal("order not in its institution's invoicing")
		return st, invoice.OrgRow{}
	}
	refund := func(shippingFen int64, lines ...order.RefundLine) order.Order {
		t.Helper()
		o, err := w.Svc.Refund(ctx, w.Admin, int64(o.ID), order.RefundRequest{Reason: "退货", ShippingFen: shippingFen, Lines: lines}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}

	blueA, err := svc.Issue(ctx, coopA, int64(o.ID), "A-0001", samplePDF)
	if err != nil {
		t.Fatal(err)
	}
	blueB, err := svc.Issue(ctx, coopB, int64(o.ID), "B-0001", samplePDF)
	if err != nil {
		t.Fatal(err)
	}
	if blueA.Kind != invoice.Blue || blueA.AmountFen != 3980+800 || blueB.Kind != invoice.Blue || blueB.AmountFen != 5000+500 {
		t.Fatalf("blue invoices: A %s %d, B %s %d", blueA.Kind, blueA.AmountFen, blueB.Kind, blueB.AmountFen)
	}
	if _, ok := pending(coopB); ok {
		t.Fatal("B is asked for an invoice after issuing it")
	}
	if st, r := state(); !st.Issued() || st.RedDueFen != 0 || r.RedDue != 0 || r.Issued != 2 {
		t.Fatalf("issued: buyer %v (red due %d), institution %d issued, %d red due", st.Issued(), st.RedDueFen, r.Issued, r.RedDue)
	}

	refund(0, order.RefundLine{LineID: lineB.ID, AmountFen: 2000}) // ¥20.00 of B's bag, no unit returned
	p, ok := pending(coopB)
	if !ok || !p.Red || p.AmountFen != 2000 {
		t.Fatalf("B after a refund of ¥20.00 of its part: asked %v, red %v, %d fen; want a red-letter invoice of 2000", ok, p.Red, p.AmountFen)
	}
	if _, ok := pending(coopA); ok {
		t.Error("A, whose part was not refunded, is asked for an invoice")
	}
	st, r := state()
	if st.Issued() || st.RedDueFen != 2000 || r.RedDue != 1 || r.Issued != 2 {
		t.Errorf("red owed: buyer issued %v, red due %d fen; institution %d red due, %d issued", st.Issued(), st.RedDueFen, r.RedDue, r.Issued)
	}
	if _, err := svc.IssueKind(ctx, coopA, int64(o.ID), invoice.Red, "A-R-0001", samplePDF); !errs.Is(err, errs.Conflict) {
		t.Errorf("A issues a red-letter invoice it does not owe: %v, want a conflict", err)
	}
	red, err := svc.IssueKind(ctx, coopB, int64(o.ID), invoice.Red, "B-R-0001", samplePDF)
	if err != nil {
		t.Fatal(err)
	}
	if red.Kind != invoice.Red || red.AmountFen != 2000 || red.URL == "" {
		t.Errorf("red-letter invoice: %+v, want kind red and 2000 fen", red)
	}
	if p, ok := pending(coopB); ok {
		t.Errorf("B still asked after its red-letter invoice: %+v", p)
	}
	st, r = state()
	if !st.Issued() || st.RedDueFen != 0 || len(st.Invoices) != 3 || st.BlueCount() != 2 || r.RedDue != 0 || r.Issued != 2 {
		t.Errorf("after the red-letter invoice: buyer issued %v, red due %d, %d invoices (%d blue); institution %d red due, %d issued",
			st.Issued(), st.RedDueFen, len(st.Invoices), st.BlueCount(), r.RedDue, r.Issued)
	}
	if got := r.RedNumbers(); len(got) != 1 || got[0] != "B-R-0001" || len(r.Numbers) != 2 {
		t.Errorf("institution's numbers: blue %v, red %v", r.Numbers, got)
	}
	_, err = svc.IssueKind(ctx, coopB, int64(o.ID), invoice.Red, "B-R-0002", samplePDF)
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.Conflict || e.Fields["kind"] == "" {
		t.Errorf("a second red-letter invoice with nothing owed: %v, want a conflict on the kind field", err)
	}
	if _, err := svc.Issue(ctx, coopB, int64(o.ID), "B-0002", samplePDF); !errs.Is(err, errs.Conflict) {
		t.Errorf("a second blue invoice: %v, want a conflict", err)
	}

	after := refund(800+500, order.RefundLine{LineID: lineA.ID, Quantity: 1, AmountFen: 3980},
		order.RefundLine{LineID: lineB.ID, Quantity: 1, AmountFen: 3000})
	if after.Status != order.Refunded {
		t.Fatalf("status %s after refunding the rest", after.Status)
	}
	for _, c := range []struct {
		name  string
		coop  auth.Actor
		owed  int64
		count int
	}{{"A", coopA, 3980 + 800, 1}, {"B", coopB, 3000 + 500, 2}} {
		p, ok := pending(c.coop)
		if !ok || !p.Red || p.AmountFen != c.owed {
			t.Errorf("%s after the full refund: asked %v, red %v, %d fen; want %d", c.name, ok, p.Red, p.AmountFen, c.owed)
			continue
		}
		inv, err := svc.IssueKind(ctx, c.coop, int64(o.ID), invoice.Red, c.name+"-R-0009", samplePDF)
		if err != nil || inv.AmountFen != c.owed {
			t.Errorf("%s's red-letter invoice: %+v, %v", c.name, inv, err)
		}
	}
	if st, r := state(); !st.Issued() || st.RedDueFen != 0 || len(st.Invoices) != 5 || r.RedDue != 0 {
		t.Errorf("after every red-letter invoice: buyer issued %v, red due %d, %d invoices; institution %d red due",
			st.Issued(), st.RedDueFen, len(st.Invoices), r.RedDue)
	}
	if _, err := svc.IssueKind(ctx, coopA, int64(o.ID), "green", "A-X-1", samplePDF); !errs.Is(err, errs.Invalid) {
		t.Errorf("kind green: %v, want invalid", err)
	}
}
