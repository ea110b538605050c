package order

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
)

// StripeRefund is one refund of a payment as Stripe lists it.
type StripeRefund struct {
	ID        string
	AmountFen int64
	Status    string // pending, succeeded, failed, canceled, requires_action
	Ours      bool   // carries this service's marker: made through Refund
}

// StripeRefunds is a verified charge.refunded event with the payment's
// refunds, listed from Stripe outside any transaction.
type StripeRefunds struct {
	EventID           string
	PaymentIntentID   string
	ChargeID          string
	AmountRefundedFen int64 // the charge's refunded total, for the record
	Refunds           []StripeRefund
}

// ApplyStripeRefunds records a charge.refunded event once (I5). Refunds made
// through Refund are already in the ledger (they carry our marker, or their
// id is a refund's provider_ref); any other refund that moved money (made in
// the Stripe dashboard) is surfaced once per refund id as an outbox message
// "payment.refunded_externally" for a platform admin, who records it so that
// the attribution entries follow. The ledger itself is not changed here: an
// external refund names no lines.
func (s *Service) ApplyStripeRefunds(ctx context.Context, ev StripeRefunds) error {
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	var orderID, buyer int64
	err = tx.QueryRow(ctx, `SELECT id, buyer_id FROM orders WHERE payment_intent_id = $1`, ev.PaymentIntentID).Scan(&orderID, &buyer)
	if errors.Is(err, pgx.ErrNoRows) || ev.PaymentIntentID == "" {
		if _, err := recordEvent(ctx, tx, Stripe, ev.EventID, "charge.refunded", 0, 0); err != nil {
			return err
		}
		return tx.Commit(ctx) // not an order of ours: recorded, nothing to change
	}
	if err != nil {
		return err
	}
	fresh, err := recordEvent(ctx, tx, Stripe, ev.EventID, "charge.refunded", orderID, 0)
	if err != nil || !fresh {
		return err
	}
	// Serialise with Refund's recording transaction.
	if _, _, _, err := lockOrder(ctx, tx, orderID); err != nil {
		return err
	}
	for _, r := range ev.Refunds {
		if r.Ours || r.ID == "" || r.Status == "failed" || r.Status == "canceled" {
			continue
		}
		var known bool
		const qKnown = `SELECT EXISTS (SELECT 1 FROM refunds WHERE order_id = $1 AND provider = 'stripe' AND provider_ref = $2)`
		if err := tx.QueryRow(ctx, qKnown, orderID, r.ID).Scan(&known); err != nil {
			return err
		}
		if known {
			continue
		}
		// Each external refund is surfaced once, whichever of the charge's
		// charge.refunded events lists it first.
		first, err := recordEvent(ctx, tx, Stripe, "refund:"+r.ID, "refund.external", orderID, 0)
		if err != nil {
			return err
		}
		if !first {
			continue
		}
		if err := notify(ctx, tx, "payment.refunded_externally", 0, map[string]any{
			"order_id": orderID, "buyer_id": buyer, "payment_intent_id": ev.PaymentIntentID, "charge_id": ev.ChargeID,
			"refund_id": r.ID, "amount_fen": r.AmountFen, "status": r.Status, "charge_refunded_fen": ev.AmountRefundedFen,
		}); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}
