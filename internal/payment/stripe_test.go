package payment_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/fupinmarket/market/internal/payment"
	"github.com/fupinmarket/market/internal/payment/stripemock"
	"github.com/fupinmarket/market/internal/platform/errs"
)

// recorded is one request the provider sent to Stripe.
type recorded struct {
	Method, Path, IdempotencyKey string
	Form                         url.Values
}

// recorder is a proxy in front of stripe-mock that keeps every request, so
// tests see the parameters stripe-mock does not echo (metadata, payment
// method options, the Idempotency-Key header).
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
}

func (r *recorder) last(t *testing.T) recorded {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.reqs) == 0 {
		t.Fatal("no request reached Stripe")
	}
	return r.reqs[len(r.reqs)-1]
}

func newProvider(t *testing.T) (*payment.Stripe, *recorder) {
	t.Helper()
	mock := stripemock.Start(t)
	target, _ := url.Parse(mock.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	rec := &recorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		if req.Method == http.MethodGet {
			form = req.URL.Query()
		}
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, recorded{Method: req.Method, Path: req.URL.Path, IdempotencyKey: req.Header.Get("Idempotency-Key"), Form: form})
		rec.mu.Unlock()
		proxy.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	p, err := payment.NewStripe(payment.StripeConfig{SecretKey: stripemock.Key, WebhookSecret: "whsec_test", APIBase: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return p, rec
}

func TestStripeCreateIntent(t *testing.T) {
	p, rec := newProvider(t)
	ctx := context.Background()
	in, err := p.CreateIntent(ctx, 42, "FP202611280000042", 3980)
	if err != nil {
		t.Fatal(err)
	}
	if in.ID == "" || in.ClientSecret == "" || in.AmountFen != 3980 || in.Currency != "cny" {
		t.Fatalf("intent %+v", in)
	}
	r := rec.last(t)
	want := map[string]string{
		"amount": "3980", "currency": "cny",
		"payment_method_options[wechat_pay][client]": "web",
		"metadata[order_id]":                         "42",
		"metadata[order_number]":                     "FP202611280000042",
	}
	if r.Method != "POST" || r.Path != "/v1/payment_intents" {
		t.Fatalf("request %s %s", r.Method, r.Path)
	}
	for k, v := range want {
		if got := r.Form.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	types := map[string]bool{}
	for k, vs := range r.Form {
		if k == "payment_method_types[]" || len(k) > 21 && k[:21] == "payment_method_types[" {
			for _, v := range vs {
				types[v] = true
			}
		}
	}
	if !types["card"] || !types["alipay"] || !types["wechat_pay"] || len(types) != 3 {
		t.Errorf("payment_method_types %v", types)
	}
	if r.IdempotencyKey != "order-42" {
		t.Errorf("Idempotency-Key %q, want order-42", r.IdempotencyKey)
	}
	// A retry for the same order sends the same key, so Stripe answers with
	// the intent it created first.
	if _, err := p.CreateIntent(ctx, 42, "FP202611280000042", 3980); err != nil {
		t.Fatal(err)
	}
	if k := rec.last(t).IdempotencyKey; k != "order-42" {
		t.Errorf("retry Idempotency-Key %q", k)
	}
	if _, err := p.CreateIntent(ctx, 43, "FP1", 0); !errs.Is(err, errs.Invalid) {
		t.Errorf("zero amount: %v", err)
	}
}

func TestStripeGetIntentAndRefund(t *testing.T) {
	p, rec := newProvider(t)
	ctx := context.Background()
	in, err := p.GetIntent(ctx, "pi_123")
	if err != nil {
		t.Fatal(err)
	}
	if in.ID != "pi_123" || in.Status == "" {
		t.Fatalf("intent %+v", in)
	}
	if r := rec.last(t); r.Method != "GET" || r.Path != "/v1/payment_intents/pi_123" {
		t.Fatalf("request %s %s", r.Method, r.Path)
	}

	id, err := p.Refund(ctx, "pi_123", 1990, "refund-7-0-1990")
	if err != nil {
		t.Fatal(err)
	}
	if id == "" {
		t.Fatal("no refund id")
	}
	r := rec.last(t)
	if r.Path != "/v1/refunds" || r.Form.Get("payment_intent") != "pi_123" || r.Form.Get("amount") != "1990" {
		t.Fatalf("refund request %s %v", r.Path, r.Form)
	}
	if r.IdempotencyKey != "refund-7-0-1990" || r.Form.Get("metadata[origin]") != "fupinmarket" {
		t.Fatalf("refund key %q, metadata %v", r.IdempotencyKey, r.Form)
	}

	list, err := p.Refunds(ctx, "pi_123")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) == 0 || list[0].ID == "" || list[0].AmountFen <= 0 {
		t.Fatalf("refunds %+v", list)
	}
	if r := rec.last(t); r.Path != "/v1/refunds" || r.Form.Get("payment_intent") != "pi_123" {
		t.Fatalf("list request %s %v", r.Path, r.Form)
	}
}

func TestStripeUnreachableIsUnavailable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close() // nothing listens there any more
	p, err := payment.NewStripe(payment.StripeConfig{SecretKey: stripemock.Key, APIBase: base})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.GetIntent(context.Background(), "pi_123"); !errs.Is(err, errs.Unavailable) {
		t.Fatalf("unreachable Stripe: %v", err)
	}
}

func TestStripeRefusalIsConflict(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":{"type":"invalid_request_error","code":"charge_already_refunded","message":"Charge has already been refunded."}}`)
	}))
	defer srv.Close()
	p, err := payment.NewStripe(payment.StripeConfig{SecretKey: stripemock.Key, APIBase: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Refund(context.Background(), "pi_123", 100, "k")
	if !errs.Is(err, errs.Conflict) || !strings.Contains(err.Error(), "charge_already_refunded") {
		t.Fatalf("refused refund: %v", err)
	}
}

// TestStripeCancelIntent: cancelling the payment of an abandoned order asks
// Stripe to cancel the PaymentIntent as abandoned; Stripe's refusal (an
// intent already paid) is a conflict, not an outage.
func TestStripeCancelIntent(t *testing.T) {
	p, rec := newProvider(t)
	if err := p.CancelIntent(context.Background(), "pi_123"); err != nil {
		t.Fatal(err)
	}
	if r := rec.last(t); r.Method != "POST" || r.Path != "/v1/payment_intents/pi_123/cancel" || r.Form.Get("cancellation_reason") != "abandoned" {
		t.Fatalf("request %s %s %v", r.Method, r.Path, r.Form)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":{"type":"invalid_request_error","code":"payment_intent_unexpected_state","message":"already succeeded"}}`)
	}))
	defer srv.Close()
	paid, err := payment.NewStripe(payment.StripeConfig{SecretKey: stripemock.Key, APIBase: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if err := paid.CancelIntent(context.Background(), "pi_paid"); !errs.Is(err, errs.Conflict) {
		t.Fatalf("cancelling a paid intent: %v", err)
	}
}
