package api

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/payment"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/web"
)

// webhookBudget bounds the work on one event. Past it the answer is 503 and
// Stripe delivers the event again later.
const webhookBudget = 10 * time.Second

// webhookAck is the answer to an accepted event.
type webhookAck struct {
	Received bool           `json:"received"`
	Result   payment.Result `json:"result"`
}

// stripeWebhook verifies a Stripe event and applies it. It answers fast:
// at most one Stripe read (the payment's current state or its refunds),
// then one short transaction. A bad or stale signature is 400 (Stripe does
// not retry a 4xx); Stripe or the database being down is 503, and Stripe
// retries the event later, which the event-id record makes safe.
func (s handlers) stripeWebhook(c *fiber.Ctx) error {
	if s.Payments == nil || s.Orders == nil {
		return errs.E(errs.Unavailable, "online payments are not enabled")
	}
	ev, err := s.Payments.ParseEvent(c.Body(), c.Get("Stripe-Signature"))
	if err != nil {
		if errs.Is(err, errs.Invalid) {
			// Worth a look: a wrong STRIPE_WEBHOOK_SECRET refuses every event.
			s.Log.Warn("stripe webhook refused", "err", err, "request_id", web.RequestIDOf(c))
		}
		return err
	}
	cctx, cancel := context.WithTimeout(web.Ctx(c), webhookBudget)
	defer cancel()
	res, err := payment.Apply(cctx, s.Payments, s.Orders, ev)
	if err != nil {
		return err
	}
	return c.JSON(webhookAck{Received: true, Result: res})
}
