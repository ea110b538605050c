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

var samplePDF = []byte("%PDF-1.4\n%%EOF\n")

// TestRefundedOrderIsNoLongerInvoiced: a buyer asks for the invoice of a
// paid order, then the order is refunded whole. The buyer's page stops
// offering its invoicing (shop: not Invoiceable) and the buyer may no
// longer ask; the cooperative must not be left asked for an invoice of
// nothing (a ¥0.00 invoice no tax system issues), nor be able to issue one.
func TestRefundedOrderIsNoLongerInvoiced(t *testing.T) {
	ctx := context.Background()
	w := ordertest.New(t, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1)
	o, err := w.Place(t, 1)
	if err != nil {
		t.Fatal(err)
	}
	if o, err = w.Svc.ConfirmManual(ctx, w.Admin, int64(o.ID), "REF"); err != nil {
		t.Fatal(err)
	}
	users := auth.NewUsers(w.DB.Pool)
	coopUser, err := users.Create(ctx, auth.NewUser{Email: "coop@coop.test", Name: "合作社", Password: ordertest.Password},
		auth.Grant{Role: auth.RoleCoopAdmin, CooperativeID: w.CoopID})
	if err != nil {
		t.Fatal(err)
	}
	coop, err := users.Actor(ctx, coopUser)
	if err != nil {
		t.Fatal(err)
	}
	svc := invoice.NewService(w.DB.Pool)
	if _, err := svc.Ask(ctx, w.Buyer, int64(o.ID), invoice.RequestInput{Title: "和田地区机关事务管理局", Kind: invoice.Normal,
		Email: "finance@example.gov.cn"}); err != nil {
		t.Fatal(err)
	}
	if pending, err := svc.PendingFor(ctx, coop); err != nil || len(pending) != 1 || pending[0].AmountFen != o.TotalFen {
		t.Fatalf("before the refund: %+v %v", pending, err)
	}
	line := o.Lines[0]
	o, err = w.Svc.Refund(ctx, w.Admin, int64(o.ID), order.RefundRequest{Reason: "damaged", ShippingFen: o.ShippingFen,
		Lines: []order.RefundLine{{LineID: line.ID, Quantity: line.Quantity, AmountFen: line.AmountFen}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != order.Refunded {
		t.Fatalf("status %s after a whole refund", o.Status)
	}
	pending, err := svc.PendingFor(ctx, coop)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 0 {
		t.Errorf("the cooperative is still asked for the invoice of a refunded order: %+v", pending)
	}
	_, err = svc.Issue(ctx, coop, int64(o.ID), "12345678", samplePDF)
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.Conflict {
		t.Errorf("issuing the invoice of a refunded order: %v, want a conflict", err)
	}
}
