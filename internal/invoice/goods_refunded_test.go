package invoice_test

import (
	"context"
	"testing"

	"github.com/fupinmarket/market/internal/invoice"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
)

// TestGoodsRefundedShippingKeptIsNotLeftWaiting: every line of an order is
// refunded whole but its shipping fee is kept. The order is 'refunded', so
// the cooperative is not asked for an invoice and may not issue one; the
// buyer must then not be told it waits for 0 of 1 invoices for ever.
func TestGoodsRefundedShippingKeptIsNotLeftWaiting(t *testing.T) {
	ctx := context.Background()
	w := ordertest.New(t, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1)
	svc := invoice.NewService(w.DB.Pool)
	coop := coopAdmin(t, w, "a@coop.test", w.CoopID)
	o := invoicedOrder(t, w, svc, w.VariantID)
	if o.ShippingFen == 0 {
		t.Fatal("the world's co-op charges no shipping")
	}
	l := o.Lines[0]
	o, err := w.Svc.Refund(ctx, w.Admin, int64(o.ID), order.RefundRequest{Reason: "退货",
		Lines: []order.RefundLine{{LineID: l.ID, Quantity: l.Quantity, AmountFen: l.AmountFen}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != order.Refunded {
		t.Fatalf("status %s", o.Status)
	}
	_, issueErr := svc.Issue(ctx, coop, int64(o.ID), "12345678", samplePDF)
	pending, err := svc.PendingFor(ctx, coop)
	if err != nil {
		t.Fatal(err)
	}
	st, err := svc.Of(ctx, w.Buyer, int64(o.ID))
	if err != nil {
		t.Fatal(err)
	}
	if issueErr != nil && len(pending) == 0 && st.Cooperatives != 0 {
		t.Errorf("the co-op may not issue (%v) nor is asked, yet the buyer waits for %d of %d invoices",
			issueErr, st.BlueCount(), st.Cooperatives)
	}
}
