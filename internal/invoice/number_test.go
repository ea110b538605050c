package invoice_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/invoice"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/platform/errs"
)

// TestInvoiceNumberIsUsedOnceByItsCooperative: an issuer's invoice numbers
// are unique, so a number a cooperative has already issued, typed again on
// another order, is a typing mistake (the institution's accounts would
// reject the invoice). It is refused on the number field and nothing is
// written; another cooperative, another issuer, may have the same number.
// Two issues of one number at once on two orders: exactly one is recorded.
func TestInvoiceNumberIsUsedOnceByItsCooperative(t *testing.T) {
	ctx := context.Background()
	w := ordertest.New(t, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1)
	other := newSecondCoop(t, w, 0)
	svc := invoice.NewService(w.DB.Pool)
	coop := coopAdmin(t, w, "coop@coop.test", w.CoopID)
	otherCoop := coopAdmin(t, w, "other@coop.test", other.coop)
	both := invoicedOrder(t, w, svc, w.VariantID, other.variant)
	second := invoicedOrder(t, w, svc, w.VariantID)

	if _, err := svc.Issue(ctx, coop, int64(both.ID), "20260001", samplePDF); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Issue(ctx, otherCoop, int64(both.ID), "20260001", samplePDF); err != nil {
		t.Errorf("another cooperative's invoice of the same number: %v", err)
	}
	_, err := svc.Issue(ctx, coop, int64(second.ID), "20260001", samplePDF)
	if !repeatedNumber(err) {
		t.Errorf("the number again on another order: %v, want a conflict on the number", err)
	}
	var n int
	w.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM invoices WHERE order_id = $1`, int64(second.ID)).Scan(&n)
	if n != 0 {
		t.Errorf("%d invoices written for the refused one", n)
	}
	if pending, err := svc.PendingFor(ctx, coop); err != nil || len(pending) != 1 || pending[0].OrderID != second.ID {
		t.Errorf("after the refusal, still to issue: %+v %v", pending, err)
	}

	t.Run("at once on two orders", func(t *testing.T) {
		orders := []order.Order{invoicedOrder(t, w, svc, w.VariantID), invoicedOrder(t, w, svc, w.VariantID)}
		start := make(chan struct{})
		results := make([]error, len(orders))
		var wg sync.WaitGroup
		for i, o := range orders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, results[i] = svc.Issue(ctx, coop, int64(o.ID), "20260002", samplePDF)
			}()
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, err := range results {
			switch {
			case err == nil:
				ok++
			case !repeatedNumber(err):
				t.Errorf("the loser's refusal: %v, want a conflict on the number", err)
			}
		}
		if ok != 1 {
			t.Errorf("%d of 2 concurrent issues of one number succeeded: %v", ok, results)
		}
		var n int
		w.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM invoices WHERE cooperative_id = $1 AND number = '20260002'`, w.CoopID).Scan(&n)
		if n != 1 {
			t.Errorf("%d invoices numbered 20260002", n)
		}
	})
}

// repeatedNumber reports whether err refuses an invoice number already used
// by the cooperative: a conflict that names the number field.
func repeatedNumber(err error) bool {
	var e *errs.Error
	return errors.As(err, &e) && e.Kind == errs.Conflict && e.Fields["number"] != ""
}

// TestInvoiceNumberIgnoresLetterCase: a number with letters is one number
// however it is typed, so "fp-0001" after "FP-0001" is the same mistake,
// and the number is kept in capitals as the tax documents print it.
func TestInvoiceNumberIgnoresLetterCase(t *testing.T) {
	ctx := context.Background()
	_, svc, coop, first, second := twoToInvoice(t)
	inv, err := svc.Issue(ctx, coop, int64(first.ID), " fp-0001 ", samplePDF)
	if err != nil {
		t.Fatal(err)
	}
	if inv.Number != "FP-0001" {
		t.Errorf("number kept as %q, want FP-0001", inv.Number)
	}
	if _, err := svc.Issue(ctx, coop, int64(second.ID), "Fp-0001", samplePDF); !repeatedNumber(err) {
		t.Errorf("the number again in other letter case: %v, want a conflict on the number", err)
	}
}

// TestInvoiceNumberIgnoresTheCaseOfNumbersStoredBefore: an invoice recorded
// before numbers were kept in capitals may hold "fp-0002" as typed; typing
// FP-0002 on another order is still the same number, refused.
func TestInvoiceNumberIgnoresTheCaseOfNumbersStoredBefore(t *testing.T) {
	ctx := context.Background()
	w, svc, coop, first, second := twoToInvoice(t)
	inv, err := svc.Issue(ctx, coop, int64(first.ID), "FP-0002", samplePDF)
	if err != nil {
		t.Fatal(err)
	}
	// As recorded before this version: the letters as typed.
	if _, err := w.DB.Pool.Exec(ctx, `UPDATE invoices SET number = 'fp-0002' WHERE id = $1`, int64(inv.ID)); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Issue(ctx, coop, int64(second.ID), "FP-0002", samplePDF); !repeatedNumber(err) {
		t.Errorf("a number stored in small letters, typed again in capitals: %v, want a conflict on the number", err)
	}
}

// twoToInvoice is a world whose cooperative has been asked to invoice two
// orders, with its administrator.
func twoToInvoice(t *testing.T) (*ordertest.World, *invoice.Service, auth.Actor, order.Order, order.Order) {
	t.Helper()
	w := ordertest.New(t, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1)
	svc := invoice.NewService(w.DB.Pool)
	coop := coopAdmin(t, w, "coop@coop.test", w.CoopID)
	return w, svc, coop, invoicedOrder(t, w, svc, w.VariantID), invoicedOrder(t, w, svc, w.VariantID)
}
