package payment

import (
	"context"

	"github.com/fupinmarket/market/internal/order"
)

// Orders is what event handling needs of the order service (*order.Service).
// Each method applies one event in one short transaction and records the
// event id once, so a replayed event changes nothing (I5).
type Orders interface {
	ApplyStripeEvent(ctx context.Context, ev order.StripeEvent) error
	ApplyStripeRefunds(ctx context.Context, ev order.StripeRefunds) error
}

// Result says what Apply did with an event.
type Result string

const (
	Applied Result = "applied" // handed to the order service (a replay changes nothing there)
	Ignored Result = "ignored" // a type this service does not act on
)

// Apply acts on a verified event. Provider calls (re-reading a payment,
// listing refunds) happen here, before and outside the order service's
// transaction.
//
// Staleness policy for payment_intent.succeeded / payment_failed: Stripe
// delivers events out of order and may retry an old one days later, so the
// object in an event is a snapshot that may be stale. A snapshot in a
// terminal status (succeeded, canceled) is current, because a PaymentIntent
// never leaves a terminal status: it is used as is, with no Stripe call.
// Any other status (a payment_failed event's requires_payment_method,
// processing …) may have been overtaken by a later attempt, so the
// PaymentIntent is re-read with GetIntent and its current status is applied.
// This needs no event ordering in the database (event creation times are
// only second-precise and Stripe does not guarantee them monotonic), costs one
// Stripe call per failure event, and makes "failed then succeeded" and
// "succeeded then a late failed" both end paid. If the re-read fails the
// error is returned (503) and Stripe retries the event later.
//
// charge.refunded, and a refund's later change (charge.refund.updated,
// refund.updated, refund.failed): the payment's refunds are listed and
// handed to the order service, which surfaces each made in the Stripe
// dashboard once (outbox topic payment.refunded_externally) and marks each
// of ours that Stripe could not pay out (payment.refund_failed).
func Apply(ctx context.Context, p Provider, orders Orders, ev Event) (Result, error) {
	switch ev.Type {
	case EventIntentSucceeded, EventIntentFailed:
		if ev.Intent == nil {
			return Ignored, nil
		}
		cur, err := Current(ctx, p, *ev.Intent)
		if err != nil {
			return "", err
		}
		return Applied, orders.ApplyStripeEvent(ctx, order.StripeEvent{ID: ev.ID, Type: ev.Type,
			PaymentIntentID: ev.Intent.ID, Status: cur.Status, AmountFen: cur.AmountFen, Currency: cur.Currency})
	case EventChargeRefunded, EventChargeRefundUpdated, EventRefundUpdated, EventRefundFailed:
		// A refund's own event (it failed later) is handled as the charge's:
		// the payment's refunds are listed again and handed over, and the
		// order service marks ours that failed (order.refundFailed).
		if ev.Charge == nil {
			return Ignored, nil
		}
		rf := order.StripeRefunds{EventID: ev.ID, PaymentIntentID: ev.Charge.PaymentIntentID,
			ChargeID: ev.Charge.ID, AmountRefundedFen: ev.Charge.AmountRefundedFen}
		if rf.PaymentIntentID != "" {
			list, err := p.Refunds(ctx, rf.PaymentIntentID)
			if err != nil {
				return "", err
			}
			for _, r := range list {
				rf.Refunds = append(rf.Refunds, order.StripeRefund{ID: r.ID, AmountFen: r.AmountFen, Status: r.Status, Ours: r.Ours})
			}
		}
		return Applied, orders.ApplyStripeRefunds(ctx, rf)
	}
	return Ignored, nil
}

// Current is the policy above: the snapshot when its status is terminal,
// else the PaymentIntent re-read from the provider. Its amount and currency
// go with its status: the order service pays an order only when they are
// the order's.
func Current(ctx context.Context, p Provider, snapshot Intent) (Intent, error) {
	if Terminal(snapshot.Status) {
		return snapshot, nil
	}
	return p.GetIntent(ctx, snapshot.ID)
}
