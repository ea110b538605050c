package site_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fupinmarket/market/internal/order/ordertest"
)

// TestStripePaymentMismatchLeavesOrderUnpaid: a signed
// payment_intent.succeeded whose amount or currency is not the order's is
// recorded once, leaves the order unpaid and is listed for the platform
// administrators on /admin/payments.
func TestStripePaymentMismatchLeavesOrderUnpaid(t *testing.T) {
	sw := newStripeWorld(t)
	o := sw.w.PlaceStripe(t, "pi_mismatch")
	id := int64(o.ID)
	event := func(evt string, amount int64, currency string) []byte {
		return []byte(fmt.Sprintf(`{"id":%q,"object":"event","type":"payment_intent.succeeded","created":%d,"api_version":"2023-10-16",
			"livemode":false,"data":{"object":{"id":"pi_mismatch","object":"payment_intent","amount":%d,"currency":%q,"status":"succeeded"}}}`,
			evt, time.Now().Unix(), amount, currency))
	}
	for _, tt := range []struct {
		evt      string
		amount   int64
		currency string
	}{{"evt_one_cent", 1, "usd"}, {"evt_dollars", o.TotalFen, "usd"}, {"evt_short", o.TotalFen - 1, "cny"}} {
		for range 2 { // a replay records nothing more
			expectAck(t, deliver(t, sw.srv, event(tt.evt, tt.amount, tt.currency)), "applied")
		}
		if status, pay, entries := sw.state(t, id); status != "pending_payment" || pay == "succeeded" || entries != 0 {
			t.Fatalf("%s (%d %s) for an order of %d fen: %s/%s, %d entries; want it unpaid", tt.evt, tt.amount, tt.currency,
				o.TotalFen, status, pay, entries)
		}
	}
	var recorded int
	sw.srv.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM payment_events WHERE order_id = $1`, id).Scan(&recorded)
	if recorded != 3 {
		t.Errorf("%d events recorded, want 3", recorded)
	}
	admin := sw.srv.LoginPage("admin@example.com", ordertest.Password)
	page := string(admin.Do("GET", "/admin/payments", nil).Body)
	short := fmt.Sprintf("%d.%02d", (o.TotalFen-1)/100, (o.TotalFen-1)%100)
	for _, want := range []string{o.Number, "evt_one_cent", "USD", "0.01", short} {
		if !strings.Contains(page, want) {
			t.Errorf("/admin/payments lacks %q of the mismatches", want)
		}
	}
	// The right amount still pays.
	expectAck(t, deliver(t, sw.srv, event("evt_right", o.TotalFen, "cny")), "applied")
	if status, _, entries := sw.state(t, id); status != "paid" || entries != 3 {
		t.Fatalf("the right payment: %s, %d entries", status, entries)
	}
	ordertest.Audit(t, sw.srv.DB)
}
