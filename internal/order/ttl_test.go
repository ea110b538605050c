package order_test

import (
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
