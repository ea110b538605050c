package order_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fupinmarket/market/internal/order/ordertest"

	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/platform/errs"
)

func TestPlaceAllocatesFIFO(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	old := w.Lot(t, "5", "2026-09-01", "per_unit", 1200, 1, 1)
	newer := w.Lot(t, "100", "2026-10-01", "per_unit", 1200, 1, 1)
	o, err := w.Place(t, 3) // 7.5 kg: 5 from the older lot, 2.5 from the newer
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != order.PendingPayment || o.ItemsFen != 3*3980 || o.ShippingFen != 0 || o.TotalFen != 11940 {
		t.Fatalf("order %+v", o)
	}
	if got := w.Remaining(t, old); got != "0.000" {
		t.Errorf("older lot remaining %s", got)
	}
	if got := w.Remaining(t, newer); got != "97.500" {
		t.Errorf("newer lot remaining %s", got)
	}
	if o.Payment.Instructions == nil || o.Payment.Instructions.Reference != o.Number {
		t.Errorf("manual payment instructions %+v", o.Payment)
	}
	w.Audit(t)
	t.Run("shipping below the free threshold", func(t *testing.T) {
		o, err := w.Place(t, 1)
		if err != nil {
			t.Fatal(err)
		}
		if o.ShippingFen != 800 || o.TotalFen != 3980+800 {
			t.Fatalf("shipping %d total %d", o.ShippingFen, o.TotalFen)
		}
	})
}

func TestShortStockReservesNothing(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	lot := w.Lot(t, "10", "2026-09-01", "per_unit", 1200, 1)
	_, err := w.Place(t, 5) // 12.5 kg > 10 kg
	var e *errs.Error
	if !errs.Is(err, errs.Conflict) || !asError(err, &e) {
		t.Fatalf("err = %v, want conflict", err)
	}
	if len(e.Fields) != 1 {
		t.Fatalf("fields %v", e.Fields)
	}
	for k, v := range e.Fields {
		if v != "only 4 available" {
			t.Errorf("%s: %s", k, v)
		}
	}
	if got := w.Remaining(t, lot); got != "10.000" {
		t.Errorf("remaining %s after a short order", got)
	}
}

func TestValidation(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	w.Lot(t, "10", "2026-09-01", "per_unit", 1200, 1)
	bad := order.PlaceRequest{Items: []order.Item{{VariantID: 0, Quantity: 0}},
		ShippingAddress: order.Address{Phone: "12345"}, PaymentMethod: "cash"}
	_, err := w.Svc.Place(context.Background(), w.Buyer, bad)
	var e *errs.Error
	if !asError(err, &e) || !e.Unprocessable {
		t.Fatalf("err = %v", err)
	}
	for _, f := range []string{"items[0].variant_id", "items[0].quantity", "shipping_address.phone", "shipping_address.name", "payment_method"} {
		if e.Fields[f] == "" {
			t.Errorf("no message for %s: %v", f, e.Fields)
		}
	}
}

// TestLastUnitsUnderConcurrency: 100 checkouts race for the last 20 units
// (of one buyer, allowed as many unpaid orders).
func TestLastUnitsUnderConcurrency(t *testing.T) {
	w := ordertest.New(t, order.Config{MaxUnpaidOrders: 1000})
	w.Lot(t, "30", "2026-09-01", "per_unit", 1200, 1, 2)
	w.Lot(t, "20", "2026-09-02", "revenue_share", 3000, 3, 1, 1) // 50 kg = 20 boxes of 2.5
	var ok, short atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := w.Place(t, 1)
			switch {
			case err == nil:
				ok.Add(1)
			case errs.Is(err, errs.Conflict):
				short.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if ok.Load() != 20 || short.Load() != 80 {
		t.Fatalf("%d succeeded, %d short; want 20 and 80", ok.Load(), short.Load())
	}
	var negative int
	w.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM lots WHERE remaining < 0`).Scan(&negative)
	if negative > 0 {
		t.Fatal("negative stock")
	}
	w.Audit(t)
}

func TestCancelAndExpiryReturnStock(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	lot := w.Lot(t, "10", "2026-09-01", "per_unit", 1200, 1)
	o, err := w.Place(t, 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Svc.Cancel(context.Background(), w.Buyer, int64(o.ID)); err != nil {
		t.Fatal(err)
	}
	if got := w.Remaining(t, lot); got != "10.000" {
		t.Fatalf("after cancel remaining %s", got)
	}
	if _, err := w.Svc.Cancel(context.Background(), w.Buyer, int64(o.ID)); !errs.Is(err, errs.Conflict) {
		t.Fatalf("second cancel: %v", err)
	}
	o2, _ := w.Place(t, 4)
	if n, err := w.Svc.ExpireDue(context.Background(), time.Now()); err != nil || n != 0 {
		t.Fatalf("expired %d early (%v)", n, err)
	}
	if n, err := w.Svc.ExpireDue(context.Background(), time.Now().Add(31*time.Minute)); err != nil || n != 1 {
		t.Fatalf("expired %d, %v", n, err)
	}
	got, _ := w.Svc.Get(context.Background(), w.Buyer, int64(o2.ID))
	if got.Status != order.Cancelled || w.Remaining(t, lot) != "10.000" {
		t.Fatalf("after expiry: %s, remaining %s", got.Status, w.Remaining(t, lot))
	}
	if _, err := w.Svc.ConfirmManual(context.Background(), w.Admin, int64(o2.ID), "BANK-1"); !errs.Is(err, errs.Conflict) {
		t.Fatalf("paying an expired order: %v", err)
	}
	w.Audit(t)
}

func asError(err error, target **errs.Error) bool {
	e, ok := err.(*errs.Error)
	if ok {
		*target = e
	}
	return ok
}
