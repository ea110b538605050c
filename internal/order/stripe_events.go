package order

import (
	"context"
	"errors"
	"fmt"

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

// ApplyStripeRefunds records a charge.refunded event once (I5). Refunds
// already recorded (their id is a refund's provider_ref) are left alone; any
// other refund that moved money is kept with its amount in
// stripe_external_refunds until a platform admin records it against the
// order's lines (RecordExternalRefund) so that the attribution entries
// follow. One made in the Stripe dashboard is also announced, once, by an
// outbox message "payment.refunded_externally"; one of ours (our marker)
// that is not recorded is one whose recording failed or has not committed
// yet: it is listed, and leaves the list once recorded. The ledger itself is not changed here: an external refund names
// no lines.
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
	if _, _, err := lockOrder(ctx, tx, orderID); err != nil {
		return err
	}
	for _, r := range ev.Refunds {
		if r.ID == "" {
			continue
		}
		known, err := stripeRefundRecorded(ctx, tx, orderID, r.ID)
		if err != nil {
			return err
		}
		if known {
			if r.Status == "failed" || r.Status == "canceled" {
				if err := s.refundFailed(ctx, tx, orderID, r); err != nil {
					return err
				}
			}
			continue
		}
		if r.AmountFen <= 0 || r.Status == "failed" || r.Status == "canceled" {
			// Moved no money. One surfaced earlier (while pending) that has
			// since failed no longer awaits recording.
			if err := setExternalStatus(ctx, tx, orderID, r.ID, r.Status); err != nil {
				return err
			}
			continue
		}
		// Each external refund is surfaced once, whichever of the charge's
		// charge.refunded events lists it first.
		first, err := recordEvent(ctx, tx, Stripe, "refund:"+r.ID, "refund.external", orderID, 0)
		if err != nil {
			return err
		}
		if !first {
			if err := setExternalStatus(ctx, tx, orderID, r.ID, r.Status); err != nil {
				return err
			}
			continue
		}
		const qExternal = `INSERT INTO stripe_external_refunds (stripe_refund_id, order_id, amount_fen, status, charge_id, seen_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (stripe_refund_id) DO UPDATE SET status = excluded.status, charge_id = excluded.charge_id
			WHERE stripe_external_refunds.status NOT IN ('failed', 'canceled')`
		if _, err := tx.Exec(ctx, qExternal, r.ID, orderID, r.AmountFen, r.Status, ev.ChargeID, s.cfg.Clock.Now()); err != nil {
			return fmt.Errorf("record external refund: %w", err)
		}
		if r.Ours {
			// Made through Refund, which is recording it (it then leaves the
			// list) or could not, and said so: listed, without an alarm.
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

// stripeRefundRecorded says whether the Stripe refund is already a refund of
// the order (made through Refund, or recorded by RecordExternalRefund).
func stripeRefundRecorded(ctx context.Context, tx pgx.Tx, orderID int64, stripeRefundID string) (bool, error) {
	var known bool
	const q = `SELECT EXISTS (SELECT 1 FROM refunds WHERE order_id = $1 AND provider = 'stripe' AND provider_ref = $2)`
	err := tx.QueryRow(ctx, q, orderID, stripeRefundID).Scan(&known)
	return known, err
}

// setExternalStatus keeps Stripe's latest status of a surfaced refund; failed
// and canceled are final.
func setExternalStatus(ctx context.Context, tx pgx.Tx, orderID int64, stripeRefundID, status string) error {
	const q = `UPDATE stripe_external_refunds SET status = $3
		WHERE stripe_refund_id = $1 AND order_id = $2 AND status <> $3 AND status NOT IN ('failed', 'canceled')`
	_, err := tx.Exec(ctx, q, stripeRefundID, orderID, status)
	return err
}
