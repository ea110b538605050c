package site_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fupinmarket/market/internal/config"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/payment/stripemock"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// flakyStripe is stripe-mock behind a switch: while down, creating a
// PaymentIntent answers 503 (and tells the client library not to retry).
type flakyStripe struct {
	URL  string
	down atomic.Bool
}

func startFlakyStripe(t *testing.T) *flakyStripe {
	t.Helper()
	mock := stripemock.Start(t)
	target, err := url.Parse(mock.URL)
	if err != nil {
		t.Fatal(err)
	}
	f := &flakyStripe{}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f.down.Load() && r.Method == "POST" && r.URL.Path == "/v1/payment_intents" {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Stripe-Should-Retry", "false")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `{"error":{"type":"api_error","message":"unavailable"}}`)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

// stripeShop is a server paying by card through a switchable Stripe, with
// the order world's product in stock.
func stripeShop(t *testing.T) (*flakyStripe, *webtest.Server, *ordertest.World) {
	t.Helper()
	stripe := startFlakyStripe(t)
	s := webtest.Start(t, func(c *config.Config) {
		c.StripeSecretKey, c.StripeWebhookSecret, c.StripeAPIBase = stripemock.Key, webhookSecret, stripe.URL
	})
	w := ordertest.Seed(t, s.DB, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	return stripe, s, w
}

// onlyOrdersIntent is the payment intent of the server's one order ("" for
// none).
func onlyOrdersIntent(t *testing.T, s *webtest.Server) string {
	t.Helper()
	var intent string
	if err := s.DB.Pool.QueryRow(context.Background(), `SELECT coalesce(payment_intent_id, '') FROM orders`).Scan(&intent); err != nil {
		t.Fatal(err)
	}
	return intent
}

// buyerWithACart is the world's buyer signed in on the pages with one unit
// of its variant in the cart.
func buyerWithACart(t *testing.T, s *webtest.Server, w *ordertest.World) *webtest.Client {
	t.Helper()
	buyer := s.LoginPage("buyer@example.com", ordertest.Password)
	tok := webtest.CSRFField(buyer.Do("GET", "/cart", nil).Body)
	if r := buyer.Do("POST", "/cart/add", url.Values{"_csrf": {tok}, "variant_id": {fmt.Sprint(w.VariantID)}, "quantity": {"1"}}); r.Status != 303 {
		t.Fatalf("add: %d", r.Status)
	}
	return buyer
}

// TestCheckoutWhileStripeIsDown: the order is written before its online
// payment is created. When Stripe cannot be reached at that moment, the
// buyer used to get an error page with the order already placed, the cart
// still full (a second try placed a second order) and an order whose "pay"
// button led back to itself, since it had no payment to confirm. The order
// now stands: the cart is emptied and the payment step creates the
// payment once Stripe answers again.
func TestCheckoutWhileStripeIsDown(t *testing.T) {
	stripe, s, w := stripeShop(t)
	buyer := buyerWithACart(t, s, w)
	form := buyer.Do("GET", "/checkout", nil)

	stripe.down.Store(true)
	r := buyer.Do("POST", "/checkout", url.Values{"_csrf": {webtest.CSRFField(form.Body)}, "name": {"李明"}, "phone": {"13912345678"},
		"province": {"北京市"}, "city": {"北京市"}, "district": {"海淀区"}, "detail": {"中关村大街1号"}, "payment_method": {"stripe"}})
	pay := r.Header.Get("Location")
	if r.Status != 303 || !strings.HasPrefix(pay, "/checkout/pay/") {
		t.Fatalf("checkout while Stripe is down: %d %q, want 303 to the payment step", r.Status, pay)
	}
	var orders int
	s.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM orders`).Scan(&orders)
	if orders != 1 {
		t.Fatalf("%d orders, want 1", orders)
	}
	var cart struct {
		Items []any `json:"items"`
	}
	buyer.Do("GET", "/api/v1/cart", nil).JSON(t, &cart)
	if len(cart.Items) != 0 {
		t.Errorf("the cart still holds %d items after the order was placed: checking out again places a second order", len(cart.Items))
	}
	if r := buyer.Do("GET", pay, nil); r.Status != 503 {
		t.Errorf("payment step while Stripe is still down: %d, want 503 (try again)", r.Status)
	}

	stripe.down.Store(false)
	page := buyer.Do("GET", pay, nil)
	if page.Status != 200 || !strings.Contains(string(page.Body), `data-secret="pi_`) {
		t.Fatalf("payment step once Stripe answers: %d %s\n%s", page.Status, page.Header.Get("Location"), page.Body)
	}
	if intent := onlyOrdersIntent(t, s); !strings.HasPrefix(intent, "pi_") {
		t.Errorf("the order's payment intent is %q after the payment step", intent)
	}
}

// TestAPIOrderWhileStripeIsDown: through the API, an order placed while
// Stripe could not be reached answered a 5xx, and the idempotency guard let
// the client's retry, with the same key, place a second order. The order
// now stands (201, with no client_secret yet), a retry replays it, and the
// buyer's GET of the order (shown meanwhile without one) carries the
// payment's client_secret once Stripe answers, creating the payment then.
func TestAPIOrderWhileStripeIsDown(t *testing.T) {
	stripe, s, w := stripeShop(t)
	buyer, _ := s.Login("buyer@example.com", ordertest.Password)
	buyer.Header.Set("Idempotency-Key", "stripe-down-1")
	body := map[string]any{"items": []map[string]any{{"variant_id": fmt.Sprint(w.VariantID), "quantity": 1}},
		"shipping_address": ordertest.Addr, "payment_method": "stripe"}

	stripe.down.Store(true)
	var placed, again struct {
		ID      string `json:"id"`
		Payment struct {
			ClientSecret string `json:"client_secret"`
		} `json:"payment"`
	}
	r := buyer.Do("POST", "/api/v1/orders", body)
	if r.Status != 201 {
		t.Fatalf("order while Stripe is down: %d %s, want 201 (the order stands)", r.Status, r.Body)
	}
	r.JSON(t, &placed)
	if placed.Payment.ClientSecret != "" {
		t.Errorf("a client secret %q without a payment", placed.Payment.ClientSecret)
	}
	buyer.Do("POST", "/api/v1/orders", body).JSON(t, &again)
	var orders int
	s.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM orders`).Scan(&orders)
	if orders != 1 || again.ID != placed.ID {
		t.Fatalf("a retry with the same key: %d orders (ids %s, %s), want the one order", orders, placed.ID, again.ID)
	}
	buyer.Header.Del("Idempotency-Key")
	if r := buyer.Do("GET", "/api/v1/orders/"+placed.ID, nil); r.Status != 200 || strings.Contains(string(r.Body), "client_secret") {
		t.Errorf("the order while Stripe is still down: %d %s, want it without a client secret", r.Status, r.Body)
	}

	stripe.down.Store(false)
	var got struct {
		Payment struct {
			ClientSecret string `json:"client_secret"`
		} `json:"payment"`
	}
	r = buyer.Do("GET", "/api/v1/orders/"+placed.ID, nil)
	r.JSON(t, &got)
	if r.Status != 200 || !strings.HasPrefix(got.Payment.ClientSecret, "pi_") {
		t.Fatalf("the order once Stripe answers: %d, client secret %q", r.Status, got.Payment.ClientSecret)
	}
	if intent := onlyOrdersIntent(t, s); !strings.HasPrefix(intent, "pi_") {
		t.Errorf("the order's payment intent is %q", intent)
	}
}

// TestUnpaidCardOrderShowsItsDeadline: an unpaid card order is cancelled at
// its deadline as a bank transfer's is; its page says when, in Beijing
// time, beside the button that pays it.
func TestUnpaidCardOrderShowsItsDeadline(t *testing.T) {
	_, s, w := stripeShop(t)
	buyer, _ := s.Login("buyer@example.com", ordertest.Password)
	var placed struct {
		ID        string    `json:"id"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	r := buyer.Do("POST", "/api/v1/orders", map[string]any{"items": []map[string]any{{"variant_id": fmt.Sprint(w.VariantID), "quantity": 1}},
		"shipping_address": ordertest.Addr, "payment_method": "stripe"})
	if r.Status != 201 {
		t.Fatalf("order: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &placed)
	page := s.LoginPage("buyer@example.com", ordertest.Password)
	page.Do("GET", "/lang/en?next=/", nil)
	body := string(page.Do("GET", "/orders/"+placed.ID, nil).Body)
	deadline := placed.ExpiresAt.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04")
	if !strings.Contains(body, "Pay by "+deadline+" (Beijing time)") {
		t.Errorf("the order page does not give the deadline %s:\n%s", deadline, body)
	}
}

// TestPaymentStepIsTheBuyersOnly: the payment step creates an order's
// PaymentIntent when Stripe could not be reached as it was placed. A
// platform administrator may read any order, but opening another buyer's
// payment step must neither create a payment for an order that is not
// theirs nor hand them its client secret: they are sent to the order.
func TestPaymentStepIsTheBuyersOnly(t *testing.T) {
	stripe, s, w := stripeShop(t)
	buyer, _ := s.Login("buyer@example.com", ordertest.Password)
	stripe.down.Store(true)
	var placed struct {
		ID string `json:"id"`
	}
	r := buyer.Do("POST", "/api/v1/orders", map[string]any{"items": []map[string]any{{"variant_id": fmt.Sprint(w.VariantID), "quantity": 1}},
		"shipping_address": ordertest.Addr, "payment_method": "stripe"})
	if r.Status != 201 {
		t.Fatalf("order while Stripe is down: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &placed)
	stripe.down.Store(false)

	admin := s.LoginPage("admin@example.com", ordertest.Password)
	page := admin.Do("GET", "/checkout/pay/"+placed.ID, nil)
	if page.Status != 303 || page.Header.Get("Location") != "/orders/"+placed.ID || strings.Contains(string(page.Body), "data-secret") {
		t.Errorf("an administrator's visit to the buyer's payment step: %d %q, want 303 to the order", page.Status, page.Header.Get("Location"))
	}
	var intent string
	s.DB.Pool.QueryRow(context.Background(), `SELECT coalesce(payment_intent_id, '') FROM orders`).Scan(&intent)
	if intent != "" {
		t.Errorf("an administrator's visit created the buyer's payment %q", intent)
	}
}
