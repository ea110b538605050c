package payment_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/payment"
	"github.com/fupinmarket/market/internal/platform/errs"
)

// sign builds a Stripe-Signature header: t=<ts>,v1=<hex HMAC-SHA256 of
// "<ts>.<payload>">.
func sign(payload []byte, secret string, at time.Time) string {
	ts := fmt.Sprint(at.Unix())
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "." + string(payload)))
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

func intentEvent(id, typ, intentID, status string) []byte {
	return []byte(fmt.Sprintf(`{"id":%q,"object":"event","type":%q,"created":%d,"api_version":"2023-10-16",
		"data":{"object":{"id":%q,"object":"payment_intent","amount":3980,"currency":"cny","status":%q}}}`,
		id, typ, time.Now().Unix(), intentID, status))
}

func TestParseEventVerifiesSignature(t *testing.T) {
	const secret = "whsec_unit"
	p, err := payment.NewStripe(payment.StripeConfig{SecretKey: "sk_test_x", WebhookSecret: secret, APIBase: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	body := intentEvent("evt_1", payment.EventIntentSucceeded, "pi_1", "succeeded")
	now := time.Now()
	ev, err := p.ParseEvent(body, sign(body, secret, now))
	if err != nil {
		t.Fatal(err)
	}
	if ev.ID != "evt_1" || ev.Type != payment.EventIntentSucceeded || ev.Intent == nil ||
		ev.Intent.ID != "pi_1" || ev.Intent.Status != "succeeded" || ev.Intent.AmountFen != 3980 {
		t.Fatalf("event %+v intent %+v", ev, ev.Intent)
	}
	for name, header := range map[string]string{
		"wrong secret":   sign(body, "whsec_other", now),
		"stale":          sign(body, secret, now.Add(-301*time.Second)),
		"no header":      "",
		"garbage header": "v1=abc",
		"other payload":  sign([]byte(`{"id":"evt_2"}`), secret, now),
	} {
		if _, err := p.ParseEvent(body, header); !errs.Is(err, errs.Invalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	charge := []byte(`{"id":"evt_3","object":"event","type":"charge.refunded","created":1700000000,
		"data":{"object":{"id":"ch_1","object":"charge","amount":3980,"amount_refunded":1000,"payment_intent":"pi_1"}}}`)
	ev, err = p.ParseEvent(charge, sign(charge, secret, now))
	if err != nil || ev.Charge == nil || ev.Charge.PaymentIntentID != "pi_1" || ev.Charge.AmountRefundedFen != 1000 {
		t.Fatalf("charge event %+v %v", ev, err)
	}

	off, _ := payment.NewStripe(payment.StripeConfig{SecretKey: "sk_test_x"})
	if _, err := off.ParseEvent(body, sign(body, "", now)); !errs.Is(err, errs.Unavailable) {
		t.Errorf("no webhook secret: %v", err)
	}
}

// fakeProvider answers GetIntent and Refunds from fields and counts calls.
type fakeProvider struct {
	payment.Provider
	status  string
	refunds []payment.RefundInfo
	err     error
	gets    int
}

func (f *fakeProvider) GetIntent(_ context.Context, id string) (payment.Intent, error) {
	f.gets++
	return payment.Intent{ID: id, Status: f.status}, f.err
}

func (f *fakeProvider) CancelIntent(context.Context, string) error { return nil }

func (f *fakeProvider) Refunds(context.Context, string) ([]payment.RefundInfo, error) {
	return f.refunds, f.err
}

type fakeOrders struct {
	events  []order.StripeEvent
	refunds []order.StripeRefunds
}

func (f *fakeOrders) ApplyStripeEvent(_ context.Context, ev order.StripeEvent) error {
	f.events = append(f.events, ev)
	return nil
}

func (f *fakeOrders) ApplyStripeRefunds(_ context.Context, ev order.StripeRefunds) error {
	f.refunds = append(f.refunds, ev)
	return nil
}

func TestApplyStalenessPolicy(t *testing.T) {
	ctx := context.Background()
	intent := func(status string) *payment.Intent { return &payment.Intent{ID: "pi_1", Status: status} }

	// A succeeded snapshot is current: no Stripe call.
	p, o := &fakeProvider{status: "requires_payment_method"}, &fakeOrders{}
	res, err := payment.Apply(ctx, p, o, payment.Event{ID: "evt_1", Type: payment.EventIntentSucceeded, Intent: intent("succeeded")})
	if err != nil || res != payment.Applied || p.gets != 0 || len(o.events) != 1 || o.events[0].Status != "succeeded" {
		t.Fatalf("succeeded: %v %s gets=%d %+v", err, res, p.gets, o.events)
	}

	// A failure snapshot may be stale: the current status is applied.
	p, o = &fakeProvider{status: "succeeded"}, &fakeOrders{}
	_, err = payment.Apply(ctx, p, o, payment.Event{ID: "evt_2", Type: payment.EventIntentFailed, Intent: intent("requires_payment_method")})
	want := order.StripeEvent{ID: "evt_2", Type: payment.EventIntentFailed, PaymentIntentID: "pi_1", Status: "succeeded"}
	if err != nil || p.gets != 1 || len(o.events) != 1 || o.events[0] != want {
		t.Fatalf("failed: %v gets=%d %+v", err, p.gets, o.events)
	}

	// Stripe unreachable: nothing is applied, the error goes back (503) and
	// Stripe retries the event.
	down := errs.E(errs.Unavailable, "down")
	p, o = &fakeProvider{err: down}, &fakeOrders{}
	if _, err := payment.Apply(ctx, p, o, payment.Event{ID: "evt_3", Type: payment.EventIntentFailed, Intent: intent("requires_payment_method")}); !errors.Is(err, down) || len(o.events) != 0 {
		t.Fatalf("Stripe down: %v %+v", err, o.events)
	}

	// Unknown types are acknowledged and ignored.
	p, o = &fakeProvider{}, &fakeOrders{}
	res, err = payment.Apply(ctx, p, o, payment.Event{ID: "evt_4", Type: "customer.created"})
	if err != nil || res != payment.Ignored || p.gets != 0 || len(o.events)+len(o.refunds) != 0 {
		t.Fatalf("unknown type: %v %s", err, res)
	}
}

func TestApplyChargeRefunded(t *testing.T) {
	p := &fakeProvider{refunds: []payment.RefundInfo{{ID: "re_ours", AmountFen: 100, Status: "succeeded", Ours: true},
		{ID: "re_dash", AmountFen: 500, Status: "succeeded"}}}
	o := &fakeOrders{}
	_, err := payment.Apply(context.Background(), p, o, payment.Event{ID: "evt_5", Type: payment.EventChargeRefunded,
		Charge: &payment.Charge{ID: "ch_1", PaymentIntentID: "pi_1", AmountFen: 3980, AmountRefundedFen: 600}})
	if err != nil || len(o.refunds) != 1 {
		t.Fatalf("%v %+v", err, o.refunds)
	}
	got := o.refunds[0]
	if got.EventID != "evt_5" || got.PaymentIntentID != "pi_1" || got.ChargeID != "ch_1" || got.AmountRefundedFen != 600 ||
		len(got.Refunds) != 2 || !got.Refunds[0].Ours || got.Refunds[1].Ours || got.Refunds[1].AmountFen != 500 {
		t.Fatalf("refunds %+v", got)
	}
}

// TestRefundFailedLaterIsHandedOver: Stripe tells of a refund that failed
// after it accepted it by the refund's own event (charge.refund.updated,
// or refund.failed on recent API versions), not by charge.refunded. Each is
// read and handed to the order service with the payment's refunds listed
// again, so the order service sees the failure.
func TestRefundFailedLaterIsHandedOver(t *testing.T) {
	const secret = "whsec_unit"
	p, err := payment.NewStripe(payment.StripeConfig{SecretKey: "sk_test_x", WebhookSecret: secret, APIBase: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{payment.EventChargeRefundUpdated, payment.EventRefundFailed, payment.EventRefundUpdated} {
		body := []byte(`{"id":"evt_` + typ + `","object":"event","type":"` + typ + `","created":1700000000,
			"data":{"object":{"id":"re_F","object":"refund","amount":3980,"status":"failed","charge":"ch_1","payment_intent":"pi_1"}}}`)
		ev, err := p.ParseEvent(body, sign(body, secret, time.Now()))
		if err != nil || ev.Charge == nil || ev.Charge.PaymentIntentID != "pi_1" || ev.Charge.ID != "ch_1" {
			t.Fatalf("%s: %+v %v", typ, ev, err)
		}
		listed := &fakeProvider{refunds: []payment.RefundInfo{{ID: "re_F", AmountFen: 3980, Status: "failed", Ours: true}}}
		o := &fakeOrders{}
		if res, err := payment.Apply(context.Background(), listed, o, ev); err != nil || res != payment.Applied || len(o.refunds) != 1 {
			t.Fatalf("%s: %s %v %+v", typ, res, err, o.refunds)
		}
		if got := o.refunds[0]; got.EventID != "evt_"+typ || got.PaymentIntentID != "pi_1" || len(got.Refunds) != 1 ||
			got.Refunds[0].Status != "failed" || !got.Refunds[0].Ours {
			t.Fatalf("%s: handed %+v", typ, got)
		}
	}
}
