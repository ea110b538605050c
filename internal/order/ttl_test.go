package order_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/platform/clock"
)

// TestReservationWindowPerMethod: a bank transfer (对公转账) is held for days,
// as a finance office needs; an online payment for half an hour.
func TestReservationWindowPerMethod(t *testing.T) {
	now := time.Date(2026, 12, 3, 17, 0, 0, 0, time.UTC)
	w := ordertest.New(t, order.Config{TTL: 30 * time.Minute, TransferTTL: 72 * time.Hour,
		Methods: []string{order.Manual, order.Stripe}, Clock: clock.Fixed(now, nil)})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	transfer, err := w.Place(t, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := transfer.ExpiresAt.Sub(now); got < 71*time.Hour {
		t.Errorf("a bank transfer is held %s, want at least 71 h", got)
	}
	online := w.PlaceStripe(t, "pi_test_ttl")
	if got := online.ExpiresAt.Sub(now); got != 30*time.Minute {
		t.Errorf("an online payment is held %s, want 30 min", got)
	}
	if transfer.ExpiresAt.Location().String() != "Asia/Shanghai" {
		t.Errorf("expires_at in %s, want Beijing time", transfer.ExpiresAt.Location())
	}
}

// TestCancelledOrdersStopTheirOnlinePayment: an order paid online that
// expires or that its buyer cancels has its PaymentIntent cancelled, after
// the cancellation commits, so that the buyer cannot pay it any more; a
// bank-transfer order has none to cancel.
func TestCancelledOrdersStopTheirOnlinePayment(t *testing.T) {
	ctx := context.Background()
	var cancelled []string
	var w *ordertest.World // the hook runs once w is set
	w = ordertest.New(t, order.Config{CancelIntent: func(ctx context.Context, intent string) {
		var status string
		if err := w.DB.Pool.QueryRow(ctx, `SELECT status FROM orders WHERE payment_intent_id = $1`, intent).Scan(&status); err != nil || status != "cancelled" {
			t.Errorf("intent %s cancelled while its order is %q (%v)", intent, status, err)
		}
		cancelled = append(cancelled, intent)
	}})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1)
	expiring := w.PlaceStripe(t, "pi_expiring")
	if n, err := w.Svc.ExpireDue(ctx, expiring.ExpiresAt.Add(time.Minute)); err != nil || n != 1 {
		t.Fatalf("expire: %d %v", n, err)
	}
	w.PlaceStripe(t, "pi_cancelled")
	var id int64
	w.DB.Pool.QueryRow(ctx, `SELECT id FROM orders WHERE payment_intent_id = 'pi_cancelled'`).Scan(&id)
	if _, err := w.Svc.Cancel(ctx, w.Buyer, id); err != nil {
		t.Fatal(err)
	}
	manual, err := w.Place(t, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Svc.Cancel(ctx, w.Buyer, int64(manual.ID)); err != nil {
		t.Fatal(err)
	}
	if strings.Join(cancelled, ",") != "pi_expiring,pi_cancelled" {
		t.Fatalf("cancelled intents %v, want pi_expiring then pi_cancelled", cancelled)
	}
}
