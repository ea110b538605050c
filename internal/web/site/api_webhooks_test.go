package site_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/fupinmarket/market/internal/config"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/payment/stripemock"
	"github.com/fupinmarket/market/internal/web/webtest"
)

const webhookSecret = "whsec_webtest"

// stripeWorld is a server with Stripe on stripe-mock and an order world on
// its database (one lot, three households 1:1:2, ¥10.00 per kg).
type stripeWorld struct {
	srv *webtest.Server
	w   *ordertest.World
}

func newStripeWorld(t *testing.T) *stripeWorld {
	t.Helper()
	mock := stripemock.Start(t)
	srv := webtest.Start(t, func(c *config.Config) {
		c.StripeSecretKey, c.StripeWebhookSecret, c.StripeAPIBase = stripemock.Key, webhookSecret, mock.URL
	})
	w := ordertest.Seed(t, srv.DB, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	return &stripeWorld{srv: srv, w: w}
}

// stripeSignature is the Stripe-Signature header of payload signed at ts.
func stripeSignature(payload []byte, secret string, ts time.Time) string {
	t := fmt.Sprint(ts.Unix())
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(t + "." + string(payload)))
	return "t=" + t + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// intentEvent is an event of a PaymentIntent for the order PlaceStripe
// places (two boxes and shipping: ¥87.60).
func intentEvent(id, typ, intent, status string) []byte {
	return []byte(fmt.Sprintf(`{"id":%q,"object":"event","type":%q,"created":%d,"api_version":"2023-10-16","livemode":false,
		"data":{"object":{"id":%q,"object":"payment_intent","amount":8760,"currency":"cny","status":%q}}}`,
		id, typ, time.Now().Unix(), intent, status))
}

// deliver posts a webhook signed now with the server's secret.
func deliver(t *testing.T, srv *webtest.Server, payload []byte) *webtest.Response {
	t.Helper()
	return deliverSigned(t, srv, payload, stripeSignature(payload, webhookSecret, time.Now()))
}

func deliverSigned(t *testing.T, srv *webtest.Server, payload []byte, signature string) *webtest.Response {
	t.Helper()
	c := srv.Client()
	c.Header.Set("Content-Type", "application/json")
	if signature != "" {
		c.Header.Set("Stripe-Signature", signature)
	}
	return c.Do("POST", "/webhooks/stripe", payload)
}

func expectAck(t *testing.T, r *webtest.Response, result string) {
	t.Helper()
	var ack struct {
		Received bool   `json:"received"`
		Result   string `json:"result"`
	}
	if r.Status != 200 {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	if err := json.Unmarshal(r.Body, &ack); err != nil || !ack.Received || ack.Result != result {
		t.Fatalf("ack %s, want result %s", r.Body, result)
	}
}

func (sw *stripeWorld) state(t *testing.T, orderID int64) (status, paymentStatus string, entries int) {
	t.Helper()
	ctx := context.Background()
	sw.srv.DB.Pool.QueryRow(ctx, `SELECT status, payment_status FROM orders WHERE id = $1`, orderID).Scan(&status, &paymentStatus)
	sw.srv.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM attribution_entries WHERE order_id = $1`, orderID).Scan(&entries)
	return
}

func TestStripeWebhookSignature(t *testing.T) {
	sw := newStripeWorld(t)
	id := int64(sw.w.PlaceStripe(t, "pi_sig").ID)
	body := intentEvent("evt_sig", "payment_intent.succeeded", "pi_sig", "succeeded")
	now := time.Now()
	for name, sig := range map[string]string{
		"wrong secret":    stripeSignature(body, "whsec_attacker", now),
		"stale timestamp": stripeSignature(body, webhookSecret, now.Add(-301*time.Second)),
		"no signature":    "",
		"malformed":       "t=abc,v1=zz",
	} {
		r := deliverSigned(t, sw.srv, body, sig)
		var e struct {
			Error struct{ Code string } `json:"error"`
		}
		json.Unmarshal(r.Body, &e)
		if r.Status != 400 || e.Error.Code != "invalid" {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
	}
	// A body changed after signing fails too.
	tampered := intentEvent("evt_sig", "payment_intent.succeeded", "pi_other", "succeeded")
	if r := deliverSigned(t, sw.srv, tampered, stripeSignature(body, webhookSecret, now)); r.Status != 400 {
		t.Errorf("tampered body: %d", r.Status)
	}
	if status, _, entries := sw.state(t, id); status != "pending_payment" || entries != 0 {
		t.Fatalf("a refused webhook changed the order: %s, %d entries", status, entries)
	}
	// Within the tolerance, and an event type we do not act on: 200.
	expectAck(t, deliverSigned(t, sw.srv, body, stripeSignature(body, webhookSecret, now.Add(-299*time.Second))), "applied")
	other := []byte(`{"id":"evt_other","object":"event","type":"customer.created","created":1700000000,"data":{"object":{"id":"cus_1","object":"customer"}}}`)
	expectAck(t, deliver(t, sw.srv, other), "ignored")
}

func TestStripeWebhookFailedThenSucceeded(t *testing.T) {
	sw := newStripeWorld(t)
	id := int64(sw.w.PlaceStripe(t, "pi_flow").ID)
	// The failure's status is not terminal: it is re-read from Stripe
	// (stripe-mock answers requires_payment_method).
	expectAck(t, deliver(t, sw.srv, intentEvent("evt_fail", "payment_intent.payment_failed", "pi_flow", "requires_payment_method")), "applied")
	if status, pay, entries := sw.state(t, id); status != "pending_payment" || pay != "failed" || entries != 0 {
		t.Fatalf("after payment_failed: %s/%s, %d entries", status, pay, entries)
	}
	succeeded := intentEvent("evt_ok", "payment_intent.succeeded", "pi_flow", "succeeded")
	expectAck(t, deliver(t, sw.srv, succeeded), "applied")
	status, pay, entries := sw.state(t, id)
	if status != "paid" || pay != "succeeded" || entries != 3 {
		t.Fatalf("after succeeded: %s/%s, %d entries (want paid, 3)", status, pay, entries)
	}
	// Stripe delivers an event again (a retry): applied once.
	for range 2 {
		expectAck(t, deliver(t, sw.srv, succeeded), "applied")
	}
	if status, _, n := sw.state(t, id); status != "paid" || n != entries {
		t.Fatalf("after a duplicate: %s, %d entries (want %d)", status, n, entries)
	}
	var sum int64
	sw.srv.DB.Pool.QueryRow(context.Background(), `SELECT sum(amount_fen) FROM attribution_entries WHERE order_id = $1`, id).Scan(&sum)
	if sum != 5000 { // 5 kg × ¥10.00
		t.Fatalf("attributed %d fen, want 5000", sum)
	}
	var events int
	sw.srv.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM payment_events WHERE order_id = $1`, id).Scan(&events)
	if events != 2 {
		t.Fatalf("%d payment events recorded, want 2", events)
	}
	ordertest.Audit(t, sw.srv.DB)
}

func TestStripeWebhookLateFailureStaysPaid(t *testing.T) {
	sw := newStripeWorld(t)
	id := int64(sw.w.PlaceStripe(t, "pi_late").ID)
	expectAck(t, deliver(t, sw.srv, intentEvent("evt_ok2", "payment_intent.succeeded", "pi_late", "succeeded")), "applied")
	// An earlier attempt's failure arrives late; Stripe (stripe-mock) even
	// answers the re-read with a non-succeeded status: a paid order stays paid.
	expectAck(t, deliver(t, sw.srv, intentEvent("evt_fail2", "payment_intent.payment_failed", "pi_late", "requires_payment_method")), "applied")
	if status, pay, entries := sw.state(t, id); status != "paid" || pay != "succeeded" || entries != 3 {
		t.Fatalf("after a late failure: %s/%s, %d entries", status, pay, entries)
	}
	ordertest.Audit(t, sw.srv.DB)
}

func TestStripeWebhookChargeRefunded(t *testing.T) {
	sw := newStripeWorld(t)
	id := int64(sw.w.PlaceStripe(t, "pi_refunded").ID)
	expectAck(t, deliver(t, sw.srv, intentEvent("evt_paid", "payment_intent.succeeded", "pi_refunded", "succeeded")), "applied")
	// A refund made in the Stripe dashboard: stripe-mock lists one refund
	// without our marker, so it is surfaced for an admin, once.
	refunded := []byte(`{"id":"evt_refunded","object":"event","type":"charge.refunded","created":1700000000,
		"data":{"object":{"id":"ch_1","object":"charge","amount":7960,"amount_refunded":100,"currency":"cny","payment_intent":"pi_refunded"}}}`)
	for range 2 {
		expectAck(t, deliver(t, sw.srv, refunded), "applied")
	}
	var n int
	var orderID int64
	sw.srv.DB.Pool.QueryRow(context.Background(), `SELECT count(*), max((payload->>'order_id')::bigint) FROM outbox
		WHERE topic = 'payment.refunded_externally'`).Scan(&n, &orderID)
	if n != 1 || orderID != id {
		t.Fatalf("%d external-refund messages for order %d, want 1 for %d", n, orderID, id)
	}
	if status, _, entries := sw.state(t, id); status != "paid" || entries != 3 {
		t.Fatalf("an external refund changed the ledger: %s, %d entries", status, entries)
	}
	ordertest.Audit(t, sw.srv.DB)
}

func TestStripeCheckoutCreatesIntent(t *testing.T) {
	sw := newStripeWorld(t)
	c, _ := sw.srv.Login("buyer@example.com", ordertest.Password)
	r := c.Do("POST", "/api/v1/orders", map[string]any{
		"items":            []map[string]any{{"variant_id": fmt.Sprint(sw.w.VariantID), "quantity": 1}},
		"shipping_address": ordertest.Addr, "payment_method": "stripe"})
	if r.Status != 201 {
		t.Fatalf("place: %d %s", r.Status, r.Body)
	}
	var o struct {
		ID      string `json:"id"`
		Payment struct {
			Provider     string `json:"provider"`
			ClientSecret string `json:"client_secret"`
		} `json:"payment"`
	}
	r.JSON(t, &o)
	if o.Payment.Provider != "stripe" || o.Payment.ClientSecret == "" {
		t.Fatalf("payment %+v", o.Payment)
	}
	var intent string
	sw.srv.DB.Pool.QueryRow(context.Background(), `SELECT coalesce(payment_intent_id, '') FROM orders WHERE id = $1`, o.ID).Scan(&intent)
	if intent == "" {
		t.Fatal("no PaymentIntent attached to the order")
	}
}

func TestStripeWebhookWhenStripeIsOff(t *testing.T) {
	srv := webtest.Start(t)
	body := intentEvent("evt_off", "payment_intent.succeeded", "pi_off", "succeeded")
	if r := deliverSigned(t, srv, body, stripeSignature(body, webhookSecret, time.Now())); r.Status != 503 {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
}
