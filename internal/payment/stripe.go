package payment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/fupinmarket/market/internal/platform/errs"
)

// StripeConfig configures the Stripe provider.
type StripeConfig struct {
	SecretKey     string // sk_live_… / sk_test_…
	WebhookSecret string // whsec_…: the signing secret of the webhook endpoint
	// APIBase replaces https://api.stripe.com (stripe-mock in tests); empty
	// uses Stripe.
	APIBase string
	// Timeout bounds one HTTP call to Stripe (default 20 s).
	Timeout time.Duration
	// Log receives the client library's warnings; nil discards them.
	Log *slog.Logger
}

// WebhookTolerance is how old a webhook's signed timestamp may be.
const WebhookTolerance = 300 * time.Second

// Currency is the currency of every payment: amounts are in fen, CNY's
// minor unit.
const Currency = "cny"

// refundOrigin marks the refunds this service makes (metadata origin).
const refundOrigin = "fupinmarket"

// Stripe is the Stripe provider.
type Stripe struct {
	api    *client.API
	secret string
}

var _ Provider = (*Stripe)(nil)

// NewStripe returns a Stripe provider; it makes no network call.
func NewStripe(cfg StripeConfig) (*Stripe, error) {
	if cfg.SecretKey == "" {
		return nil, errors.New("stripe: secret key is empty")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 20 * time.Second
	}
	var logger stripe.LeveledLoggerInterface = &stripe.LeveledLogger{Level: stripe.LevelNull}
	if cfg.Log != nil {
		logger = slogAdapter{cfg.Log}
	}
	backend := func(t stripe.SupportedBackend, url string) stripe.Backend {
		c := &stripe.BackendConfig{HTTPClient: &http.Client{Timeout: cfg.Timeout}, LeveledLogger: logger,
			MaxNetworkRetries: stripe.Int64(2), EnableTelemetry: stripe.Bool(false)}
		if url != "" {
			c.URL = stripe.String(url)
		}
		return stripe.GetBackendWithConfig(t, c)
	}
	backends := &stripe.Backends{
		API:     backend(stripe.APIBackend, cfg.APIBase),
		Connect: backend(stripe.ConnectBackend, ""),
		Uploads: backend(stripe.UploadsBackend, ""),
	}
	return &Stripe{api: client.New(cfg.SecretKey, backends), secret: cfg.WebhookSecret}, nil
}

// Name implements Provider.
func (s *Stripe) Name() string { return "stripe" }

// CreateIntent creates a PaymentIntent in CNY for card, Alipay and WeChat Pay
// (web client), tagged with the order. The idempotency key order-<id> makes a
// retry return the intent created first.
func (s *Stripe) CreateIntent(ctx context.Context, orderID int64, orderNumber string, amountFen int64) (Intent, error) {
	if amountFen <= 0 {
		return Intent{}, errs.E(errs.Invalid, "a payment must be of a positive amount")
	}
	p := &stripe.PaymentIntentParams{
		Amount:             stripe.Int64(amountFen),
		Currency:           stripe.String(Currency),
		PaymentMethodTypes: stripe.StringSlice([]string{"card", "alipay", "wechat_pay"}),
		PaymentMethodOptions: &stripe.PaymentIntentPaymentMethodOptionsParams{
			WeChatPay: &stripe.PaymentIntentPaymentMethodOptionsWeChatPayParams{Client: stripe.String("web")},
		},
		Description: stripe.String("扶贫集市订单 " + orderNumber),
	}
	p.Context = ctx
	p.AddMetadata("order_id", strconv.FormatInt(orderID, 10))
	p.AddMetadata("order_number", orderNumber)
	p.SetIdempotencyKey(fmt.Sprintf("order-%d", orderID))
	pi, err := s.api.PaymentIntents.New(p)
	if err != nil {
		return Intent{}, stripeError("create the payment", err)
	}
	return intentOf(pi), nil
}

// GetIntent implements Provider.
func (s *Stripe) GetIntent(ctx context.Context, id string) (Intent, error) {
	if id == "" {
		return Intent{}, errs.E(errs.Invalid, "no payment id")
	}
	p := &stripe.PaymentIntentParams{}
	p.Context = ctx
	pi, err := s.api.PaymentIntents.Get(id, p)
	if err != nil {
		return Intent{}, stripeError("read the payment", err)
	}
	return intentOf(pi), nil
}

// Refund refunds amountFen of the PaymentIntent. The refund carries the
// origin marker (so the charge.refunded webhook knows it is in the ledger)
// and the idempotency key, also sent as the request's Idempotency-Key.
func (s *Stripe) Refund(ctx context.Context, intentID string, amountFen int64, idempotencyKey string) (string, error) {
	if intentID == "" {
		return "", errs.E(errs.Conflict, "the order has no online payment to refund")
	}
	if amountFen <= 0 {
		return "", errs.E(errs.Invalid, "a refund must be of a positive amount")
	}
	p := &stripe.RefundParams{PaymentIntent: stripe.String(intentID), Amount: stripe.Int64(amountFen)}
	p.Context = ctx
	p.AddMetadata("origin", refundOrigin)
	if idempotencyKey != "" {
		p.AddMetadata("idempotency_key", idempotencyKey)
		p.SetIdempotencyKey(idempotencyKey)
	}
	r, err := s.api.Refunds.New(p)
	if err != nil {
		return "", stripeError("refund the payment", err)
	}
	if r.Amount != amountFen {
		return "", fmt.Errorf("stripe refund %s is of %d fen, asked %d", r.ID, r.Amount, amountFen)
	}
	return r.ID, nil
}

// CancelIntent implements Provider. Stripe refuses to cancel an intent that
// succeeded or is processing (payment_intent_unexpected_state): a conflict.
func (s *Stripe) CancelIntent(ctx context.Context, id string) error {
	p := &stripe.PaymentIntentCancelParams{CancellationReason: stripe.String(string(stripe.PaymentIntentCancellationReasonAbandoned))}
	p.Context = ctx
	if _, err := s.api.PaymentIntents.Cancel(id, p); err != nil {
		return stripeError("cancel the payment", err)
	}
	return nil
}

// maxListedRefunds bounds Refunds; a payment has a handful at most.
const maxListedRefunds = 1000

// Refunds implements Provider.
func (s *Stripe) Refunds(ctx context.Context, intentID string) ([]RefundInfo, error) {
	p := &stripe.RefundListParams{PaymentIntent: stripe.String(intentID)}
	p.Context = ctx
	p.Limit = stripe.Int64(100)
	it := s.api.Refunds.List(p)
	var out []RefundInfo
	for it.Next() && len(out) < maxListedRefunds {
		r := it.Refund()
		out = append(out, RefundInfo{ID: r.ID, AmountFen: r.Amount, Status: string(r.Status),
			Ours: r.Metadata["origin"] == refundOrigin})
	}
	if err := it.Err(); err != nil {
		return nil, stripeError("list the refunds", err)
	}
	return out, nil
}

// ParseEvent verifies the Stripe-Signature header (HMAC-SHA256 with the
// webhook secret, timestamp at most WebhookTolerance old) and decodes the
// event's object for the types Apply handles.
func (s *Stripe) ParseEvent(payload []byte, signature string) (Event, error) {
	if s.secret == "" {
		return Event{}, errs.E(errs.Unavailable, "the Stripe webhook secret is not configured")
	}
	ev, err := webhook.ConstructEventWithOptions(payload, signature, s.secret,
		webhook.ConstructEventOptions{Tolerance: WebhookTolerance, IgnoreAPIVersionMismatch: true})
	switch {
	case errors.Is(err, webhook.ErrTooOld):
		return Event{}, errs.E(errs.Invalid, "the webhook's signed timestamp is too old")
	case errors.Is(err, webhook.ErrNotSigned), errors.Is(err, webhook.ErrInvalidHeader), errors.Is(err, webhook.ErrNoValidSignature):
		return Event{}, errs.E(errs.Invalid, "the webhook signature is not valid")
	case err != nil:
		return Event{}, errs.E(errs.Invalid, "the webhook payload is not a Stripe event")
	}
	return decodeEvent(ev)
}

func decodeEvent(ev stripe.Event) (Event, error) {
	out := Event{ID: ev.ID, Type: string(ev.Type), Created: time.Unix(ev.Created, 0).UTC()}
	if ev.ID == "" || ev.Type == "" {
		return Event{}, errs.E(errs.Invalid, "the event has no id or type")
	}
	if ev.Data == nil {
		return out, nil
	}
	switch out.Type {
	case EventIntentSucceeded, EventIntentFailed:
		var pi stripe.PaymentIntent
		if err := json.Unmarshal(ev.Data.Raw, &pi); err != nil || pi.ID == "" {
			return Event{}, errs.E(errs.Invalid, "the event's payment intent cannot be read")
		}
		in := intentOf(&pi)
		out.Intent = &in
	case EventChargeRefunded:
		var ch stripe.Charge
		if err := json.Unmarshal(ev.Data.Raw, &ch); err != nil || ch.ID == "" {
			return Event{}, errs.E(errs.Invalid, "the event's charge cannot be read")
		}
		out.Charge = &Charge{ID: ch.ID, AmountFen: ch.Amount, AmountRefundedFen: ch.AmountRefunded}
		if ch.PaymentIntent != nil {
			out.Charge.PaymentIntentID = ch.PaymentIntent.ID
		}
	case EventChargeRefundUpdated, EventRefundUpdated, EventRefundFailed:
		var r stripe.Refund
		if err := json.Unmarshal(ev.Data.Raw, &r); err != nil || r.ID == "" {
			return Event{}, errs.E(errs.Invalid, "the event's refund cannot be read")
		}
		out.Charge = &Charge{}
		if r.Charge != nil {
			out.Charge.ID = r.Charge.ID
		}
		if r.PaymentIntent != nil {
			out.Charge.PaymentIntentID = r.PaymentIntent.ID
		}
	}
	return out, nil
}

func intentOf(pi *stripe.PaymentIntent) Intent {
	return Intent{ID: pi.ID, ClientSecret: pi.ClientSecret, Status: string(pi.Status), AmountFen: pi.Amount, Currency: string(pi.Currency)}
}

// stripeError classifies a failed Stripe call: Stripe or the network being
// down is Unavailable (the client may retry); Stripe refusing the request is
// a Conflict. The cause stays in the chain for the log.
func stripeError(what string, err error) error {
	var se *stripe.Error
	if errors.As(err, &se) && se.HTTPStatusCode != 0 && se.HTTPStatusCode < 500 && se.HTTPStatusCode != http.StatusTooManyRequests {
		msg := "the payment provider refused to " + what
		if se.Code != "" {
			msg += " (" + string(se.Code) + ")"
		}
		return fmt.Errorf("%w: %v", errs.E(errs.Conflict, "%s", msg), err)
	}
	return fmt.Errorf("%w: %v", errs.E(errs.Unavailable, "the payment provider cannot be reached to %s; try again", what), err)
}

// slogAdapter routes the Stripe library's log lines to slog. Its errors are
// returned to the caller too, so they are logged at warning level only.
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Debugf(format string, v ...any) {
	a.l.Debug("stripe: " + fmt.Sprintf(format, v...))
}
func (a slogAdapter) Infof(format string, v ...any) {
	a.l.Debug("stripe: " + fmt.Sprintf(format, v...))
}
func (a slogAdapter) Warnf(format string, v ...any) { a.l.Warn("stripe: " + fmt.Sprintf(format, v...)) }
func (a slogAdapter) Errorf(format string, v ...any) {
	a.l.Warn("stripe: " + fmt.Sprintf(format, v...))
}
