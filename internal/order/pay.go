package order

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/attribution"
	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
)

// lockOrder locks the order row for the rest of the transaction.
func lockOrder(ctx context.Context, tx pgx.Tx, id int64) (status Status, method string, buyer int64, err error) {
	const q = `SELECT status, payment_method, buyer_id FROM orders WHERE id = $1 FOR UPDATE`
	err = tx.QueryRow(ctx, q, id).Scan(&status, &method, &buyer)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", 0, errNoOrder
	}
	return status, method, buyer, err
}

// recordEvent stores a payment event once (I5). applied is false when the
// event was seen before: the caller then changes nothing.
func recordEvent(ctx context.Context, tx pgx.Tx, provider, eventID, typ string, orderID, actor int64) (bool, error) {
	const q = `INSERT INTO payment_events (provider, event_id, order_id, type, applied, actor_id)
		VALUES ($1, $2, nullif($3, 0), $4, true, nullif($5, 0)) ON CONFLICT DO NOTHING`
	tag, err := tx.Exec(ctx, q, provider, eventID, orderID, typ, actor)
	if err != nil {
		return false, fmt.Errorf("record payment event: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// ConfirmManual records that a bank transfer for the order arrived. Only a
// platform admin may; a second confirmation changes nothing.
func (s *Service) ConfirmManual(ctx context.Context, a auth.Actor, orderID int64, reference string) (Order, error) {
	if !a.IsAdmin() {
		return Order{}, errs.E(errs.Forbidden, "only a platform administrator confirms payments")
	}
	reference = strings.TrimSpace(reference)
	if reference == "" || len(reference) > 64 {
		return Order{}, errs.Validation("the confirmation is not valid", map[string]string{"reference": "is required (the bank's transfer reference, at most 64 characters)"})
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return Order{}, err
	}
	defer tx.Rollback(ctx)
	status, method, _, err := lockOrder(ctx, tx, orderID)
	if err != nil {
		return Order{}, err
	}
	if method != Manual {
		return Order{}, errs.E(errs.Conflict, "the order is paid by %s, not by bank transfer", method)
	}
	fresh, err := recordEvent(ctx, tx, Manual, fmt.Sprintf("confirm:%d", orderID), "manual.confirmed", orderID, a.UserID)
	if err != nil {
		return Order{}, err
	}
	if fresh {
		if status != PendingPayment {
			return Order{}, errs.E(errs.Conflict, "the order is %s and cannot be paid", status)
		}
		if err := s.markPaid(ctx, tx, orderID, reference); err != nil {
			return Order{}, err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return Order{}, err
	}
	return s.get(ctx, s.db, orderID)
}

// markPaid moves a pending order to paid and writes its attribution entries
// in the caller's transaction.
func (s *Service) markPaid(ctx context.Context, tx pgx.Tx, orderID int64, reference string) error {
	const q = `WITH paid AS (
			UPDATE orders SET status = 'paid', payment_status = 'succeeded', payment_reference = $2,
				paid_at = $3, updated_at = $3
			WHERE id = $1 AND status = 'pending_payment' RETURNING id, buyer_id)
		SELECT paid.buyer_id, array_agg(l.id ORDER BY l.id) FROM paid JOIN order_lines l ON l.order_id = paid.id
		GROUP BY paid.buyer_id`
	var buyer int64
	var lines []int64
	now := s.now()
	if err := tx.QueryRow(ctx, q, orderID, reference, now).Scan(&buyer, &lines); err != nil {
		return fmt.Errorf("mark paid: %w", err)
	}
	if err := attribution.LockVillages(ctx, tx, lines); err != nil {
		return err
	}
	if _, err := attribution.Reconcile(ctx, tx, lines, attribution.KindSale, 0, now); err != nil {
		return err
	}
	return notify(ctx, tx, "order.paid", buyer, map[string]any{"order_id": orderID})
}

// StripeEvent is a verified Stripe event about a PaymentIntent.
type StripeEvent struct {
	ID              string
	Type            string // payment_intent.succeeded, payment_intent.payment_failed
	PaymentIntentID string
	Status          string // the PaymentIntent's current status, re-fetched when needed
}

// ApplyStripeEvent applies a PaymentIntent event once (I5). The final state
// follows the PaymentIntent's status, so events arriving out of order (failed
// after succeeded) cannot undo a payment.
func (s *Service) ApplyStripeEvent(ctx context.Context, ev StripeEvent) error {
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	var orderID int64
	err = tx.QueryRow(ctx, `SELECT id FROM orders WHERE payment_intent_id = $1`, ev.PaymentIntentID).Scan(&orderID)
	if errors.Is(err, pgx.ErrNoRows) {
		_, err = recordEvent(ctx, tx, Stripe, ev.ID, ev.Type, 0, 0)
		if err != nil {
			return err
		}
		return tx.Commit(ctx) // not ours (or not yet stored): recorded, nothing to change
	}
	if err != nil {
		return err
	}
	fresh, err := recordEvent(ctx, tx, Stripe, ev.ID, ev.Type, orderID, 0)
	if err != nil || !fresh {
		return err
	}
	status, _, _, err := lockOrder(ctx, tx, orderID)
	if err != nil {
		return err
	}
	switch {
	case ev.Status == "succeeded" && status == PendingPayment:
		if err := s.markPaid(ctx, tx, orderID, ev.PaymentIntentID); err != nil {
			return err
		}
	case ev.Status == "succeeded" && status == Cancelled:
		// Paid after expiry: the stock is gone, so an admin must refund.
		if err := notify(ctx, tx, "payment.after_cancel", 0, map[string]any{"order_id": orderID}); err != nil {
			return err
		}
	case ev.Status == "requires_payment_method" && status == PendingPayment:
		if _, err := tx.Exec(ctx, `UPDATE orders SET payment_status = 'failed', updated_at = now() WHERE id = $1`, orderID); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}

// AttachPaymentIntent stores the PaymentIntent created for a pending order.
func (s *Service) AttachPaymentIntent(ctx context.Context, orderID int64, intentID string) error {
	const q = `UPDATE orders SET payment_intent_id = $2, updated_at = now()
		WHERE id = $1 AND payment_method = 'stripe' AND (payment_intent_id IS NULL OR payment_intent_id = $2)`
	tag, err := s.db.Exec(ctx, q, orderID, intentID)
	if err != nil {
		return err
	}
	if tag.RowsAffected() != 1 {
		return errs.E(errs.Conflict, "the order already has another payment")
	}
	return nil
}
