// Package payment is the online-payment side of checkout: a Provider that
// creates, reads and refunds payments (Stripe PaymentIntents in CNY, paid by
// card, Alipay or WeChat Pay), verifies the provider's signed webhooks, and
// turns verified events into order changes (Apply).
//
// No provider call ever runs inside a database transaction: the web layer
// calls the provider first and the order service afterwards, each order
// change in one short transaction of its own.
package payment

import (
	"context"
	"time"
)

// Intent is a payment the buyer completes in the browser (a Stripe
// PaymentIntent).
type Intent struct {
	ID           string `json:"id"`
	ClientSecret string `json:"client_secret,omitempty"`
	Status       string `json:"status"`   // requires_payment_method, processing, succeeded, canceled …
	AmountFen    int64  `json:"amount"`   // in the currency's minor unit: fen for CNY
	Currency     string `json:"currency"` // "cny"
}

// PaymentIntent statuses that matter here.
const (
	StatusSucceeded             = "succeeded"
	StatusCanceled              = "canceled"
	StatusRequiresPaymentMethod = "requires_payment_method"
)

// Terminal reports whether a PaymentIntent in status can never change again
// (succeeded or canceled). The status of a terminal intent seen in an event
// is therefore current, however late the event arrives.
func Terminal(status string) bool { return status == StatusSucceeded || status == StatusCanceled }

// RefundInfo is one refund of a payment as the provider lists it.
type RefundInfo struct {
	ID        string
	AmountFen int64
	Status    string // pending, succeeded, failed, canceled, requires_action
	// Ours is true when the refund carries the marker this service puts on
	// the refunds it makes (metadata origin=fupinmarket), so it is or will
	// be in the refunds ledger; false for refunds made elsewhere (the Stripe
	// dashboard).
	Ours bool
}

// Event types handled by Apply; every other type is acknowledged and ignored.
const (
	EventIntentSucceeded = "payment_intent.succeeded"
	EventIntentFailed    = "payment_intent.payment_failed"
	EventChargeRefunded  = "charge.refunded"
	// A refund's later change (it failed after Stripe accepted it) comes
	// as one of these, not as charge.refunded: charge.refund.updated, and
	// on recent API versions refund.updated and refund.failed.
	EventChargeRefundUpdated = "charge.refund.updated"
	EventRefundUpdated       = "refund.updated"
	EventRefundFailed        = "refund.failed"
)

// Event is a verified webhook event.
type Event struct {
	ID      string
	Type    string
	Created time.Time
	// Intent is the event's PaymentIntent as it was when the event was
	// made (payment_intent.* events); its status may be stale.
	Intent *Intent
	// Charge is the event's charge (charge.* events), or for a refund's
	// event the charge and payment it refunds.
	Charge *Charge
}

// Charge is what the service needs of a charge.
type Charge struct {
	ID                string
	PaymentIntentID   string
	AmountFen         int64
	AmountRefundedFen int64
}

// Provider is a payment service provider. Implementations are safe for
// concurrent use.
type Provider interface {
	// Name is the provider's name as stored on orders ("stripe").
	Name() string
	// CreateIntent creates the payment of an order. Retries (the same
	// order) return the same intent and never create a second one.
	CreateIntent(ctx context.Context, orderID int64, orderNumber string, amountFen int64) (Intent, error)
	// GetIntent reads a payment's current state.
	GetIntent(ctx context.Context, id string) (Intent, error)
	// Refund returns amountFen of a payment and the refund's id. Its
	// signature is order.Refunder's; the key makes a retry a no-op.
	Refund(ctx context.Context, intentID string, amountFen int64, idempotencyKey string) (string, error)
	// Refunds lists the refunds of a payment.
	Refunds(ctx context.Context, intentID string) ([]RefundInfo, error)
	// CancelIntent cancels the payment of an order that was cancelled or
	// expired unpaid, so that the buyer can no longer pay it. One already
	// paid cannot be: that payment arrives as a late payment, refunded whole
	// (order.ApplyStripeEvent).
	CancelIntent(ctx context.Context, id string) error
	// ParseEvent verifies a signed webhook payload (the Stripe-Signature
	// header) and decodes it. A bad or stale signature is an errs.Invalid
	// error.
	ParseEvent(payload []byte, signature string) (Event, error)
}
