package order

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/attribution"
	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/text"
	"github.com/fupinmarket/market/internal/platform/textenc"
)

// payment is an order locked for a payment event, in a batch.
type payment struct {
	Status Status // before the event
	Method string
	Buyer  int64
	Fresh  bool // the event was recorded now, not seen before
	Marked bool // the order was pending and is now paid
	plan   *attribution.Plan
}

// paymentEvent is what a payment provider (or an admin) says about an order.
type paymentEvent struct {
	Provider, ID, Type string
	Actor              int64  // the admin who confirmed; 0 for a provider's webhook
	Pays               bool   // the event pays the order, if it is pending
	Reference          string // kept as the order's payment reference
	At                 time.Time
}

// queuePayment queues, on b, one statement that locks the order row,
// records the event once (I5) and, when the event pays, is fresh, and the
// order is pending and paid through this provider, marks the order paid and
// notifies the buyer. When the event pays, the next statement reads what
// its attribution needs; queueLedger then writes the entries (and queues
// them for the rollups). The batch fails with errNoOrder when there is no such
// order.
func queuePayment(b *pgx.Batch, orderID int64, ev paymentEvent) *payment {
	const q = `WITH o AS (SELECT id, status, payment_method, buyer_id FROM orders WHERE id = $1 FOR UPDATE),
			e AS (INSERT INTO payment_events (provider, event_id, order_id, type, applied, actor_id)
				SELECT $2, $3, o.id, $4, true, nullif($5::bigint, 0) FROM o ON CONFLICT DO NOTHING RETURNING 1),
			p AS (UPDATE orders SET status = 'paid', payment_status = 'succeeded', payment_reference = $7,
					paid_at = $8, updated_at = $8
				FROM o WHERE orders.id = o.id AND $6 AND o.status = 'pending_payment' AND o.payment_method = $2
					AND EXISTS (SELECT 1 FROM e)
				RETURNING 1),
			n AS (INSERT INTO outbox (topic, recipient_id, payload)
				SELECT 'order.paid', o.buyer_id, jsonb_build_object('order_id', o.id) FROM o WHERE EXISTS (SELECT 1 FROM p))
		SELECT o.status, o.payment_method, o.buyer_id, EXISTS (SELECT 1 FROM e), EXISTS (SELECT 1 FROM p) FROM o`
	p := &payment{}
	b.Queue(q, orderID, ev.Provider, ev.ID, ev.Type, ev.Actor, ev.Pays, ev.Reference, ev.At).QueryRow(func(row pgx.Row) error {
		err := row.Scan(&p.Status, &p.Method, &p.Buyer, &p.Fresh, &p.Marked)
		if errors.Is(err, pgx.ErrNoRows) {
			return errNoOrder
		}
		return err
	})
	if ev.Pays {
		p.plan = attribution.QueuePlan(b, orderID, false)
	}
	return p
}

// queueLedger queues the order's sale entries and, in the same batch, the
// feed's sale.paid events of its certified lines.
func (s *Service) queueLedger(b *pgx.Batch, p *payment, orderID int64, now time.Time) {
	p.plan.QueueAppend(b, nil, attribution.KindSale, 0, now)
	s.cfg.Feed.QueueSalePaid(b, orderID)
}

// lockOrder locks the order row for the rest of the transaction and
// returns its status and buyer.
func lockOrder(ctx context.Context, tx pgx.Tx, id int64) (status Status, buyer int64, err error) {
	const q = `SELECT status, buyer_id FROM orders WHERE id = $1 FOR UPDATE`
	err = tx.QueryRow(ctx, q, id).Scan(&status, &buyer)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", 0, errNoOrder
	}
	return status, buyer, err
}

// beginLocked begins the transaction of a use case that changes one order,
// with the order's row locked, and returns the order's status and buyer. The
// caller defers tx.Rollback.
func (s *Service) beginLocked(ctx context.Context, orderID int64) (tx pgx.Tx, status Status, buyer int64, err error) {
	if tx, err = s.db.Begin(ctx); err != nil {
		return nil, "", 0, err
	}
	if status, buyer, err = lockOrder(ctx, tx, orderID); err != nil {
		tx.Rollback(ctx)
		return nil, "", 0, err
	}
	return tx, status, buyer, nil
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

// ConfirmManual records that a bank transfer for the order arrived and
// returns the order as it now is. Only a platform admin may; a second
// confirmation changes nothing. Two round trips: the first locks, records,
// marks paid and notifies, reads what attribution needs and the order as
// paid (the answer: a separate read would cost a third round trip and a
// transaction of its own); the second writes the ledger entries and
// commits.
func (s *Service) ConfirmManual(ctx context.Context, a auth.Actor, orderID int64, reference string) (Order, error) {
	if !a.IsAdmin() {
		return Order{}, errs.E(errs.Forbidden, "only a platform administrator confirms payments")
	}
	reference, problem := transferReference(reference)
	if problem != "" {
		return Order{}, errs.Validation("the confirmation is not valid", map[string]string{"reference": problem})
	}
	now := s.cfg.Clock.Now()
	b := &pgx.Batch{}
	pay := queuePayment(b, orderID, paymentEvent{Provider: Manual, ID: fmt.Sprintf("confirm:%d", orderID),
		Type: "manual.confirmed", Actor: a.UserID, Pays: true, Reference: reference, At: now})
	answer := s.queueGet(b, orderID)
	tx, err := beginPipe(ctx, s.db, b)
	if err != nil {
		return Order{}, err
	}
	defer tx.close(ctx)
	switch {
	case pay.Method != Manual:
		return Order{}, errs.E(errs.Conflict, "the order is paid by %s, not by bank transfer", pay.Method)
	case !pay.Fresh:
		return *answer, nil // confirmed before: nothing changes
	case !pay.Marked:
		return Order{}, errs.E(errs.Conflict, "the order is %s and cannot be paid", pay.Status)
	}
	b = &pgx.Batch{}
	s.queueLedger(b, pay, orderID, now)
	if err := tx.commit(ctx, b); err != nil {
		return Order{}, err
	}
	return *answer, nil
}

// transferReference trims a bank transfer's reference as an admin typed it
// and says what is wrong with it, if anything: a payment's confirmation and
// a failed refund's return both name the transfer by it.
func transferReference(typed string) (reference, problem string) {
	reference = strings.TrimSpace(typed)
	if msg := text.CheckBidi(reference); msg != "" {
		return reference, msg
	}
	if reference == "" || len(reference) > 64 || !textenc.Clean(reference, false) {
		return reference, "is required (the bank's transfer reference, at most 64 characters)"
	}
	return reference, ""
}

// StripeEvent is a verified Stripe event about a PaymentIntent.
type StripeEvent struct {
	ID              string
	Type            string // payment_intent.succeeded, payment_intent.payment_failed
	PaymentIntentID string
	Status          string // the PaymentIntent's current status, re-fetched when needed
	// AmountFen and Currency are the PaymentIntent's (with Status): a
	// payment pays an order only when they are the order's total in CNY.
	AmountFen int64
	Currency  string
}

// Currency is the currency orders are priced and paid in (amounts in fen).
const Currency = "cny"

// ApplyStripeEvent applies a PaymentIntent event once (I5). The final state
// follows the PaymentIntent's status, so events arriving out of order (failed
// after succeeded) cannot undo a payment.
func (s *Service) ApplyStripeEvent(ctx context.Context, ev StripeEvent) error {
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	var orderID, totalFen int64
	err = tx.QueryRow(ctx, `SELECT id, total_fen FROM orders WHERE payment_intent_id = $1`, ev.PaymentIntentID).Scan(&orderID, &totalFen)
	if errors.Is(err, pgx.ErrNoRows) {
		if _, err := recordEvent(ctx, tx, Stripe, ev.ID, ev.Type, 0, 0); err != nil {
			return err
		}
		return tx.Commit(ctx) // not ours (or not yet stored): recorded, nothing to change
	}
	if err != nil {
		return err
	}
	if ev.Status == "succeeded" && (ev.AmountFen != totalFen || !strings.EqualFold(ev.Currency, Currency)) {
		if err := s.recordMismatch(ctx, tx, orderID, totalFen, ev); err != nil {
			return err
		}
		return tx.Commit(ctx)
	}
	now := s.cfg.Clock.Now()
	b := &pgx.Batch{}
	pay := queuePayment(b, orderID, paymentEvent{Provider: Stripe, ID: ev.ID, Type: ev.Type,
		Pays: ev.Status == "succeeded", Reference: ev.PaymentIntentID, At: now})
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return err
	}
	switch {
	case !pay.Fresh:
		return nil
	case pay.Marked:
		b = &pgx.Batch{}
		s.queueLedger(b, pay, orderID, now)
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("append entries: %w", err)
		}
	case ev.Status == "succeeded" && pay.Status == Cancelled:
		// Paid after expiry: the stock is gone, so the whole payment goes
		// back. The order says the money arrived (PaidAfterCancel lists it
		// for an admin, and Refund then takes it whole); it stays cancelled,
		// unpaid for every sale and report.
		const q = `UPDATE orders SET payment_status = 'succeeded', payment_reference = $2, updated_at = now() WHERE id = $1`
		if _, err := tx.Exec(ctx, q, orderID, ev.PaymentIntentID); err != nil {
			return err
		}
		if err := notify(ctx, tx, "payment.after_cancel", 0, map[string]any{"order_id": orderID}); err != nil {
			return err
		}
	case ev.Status == "requires_payment_method" && pay.Status == PendingPayment:
		if _, err := tx.Exec(ctx, `UPDATE orders SET payment_status = 'failed', updated_at = now() WHERE id = $1`, orderID); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}

// AttachPaymentIntent stores the PaymentIntent created for a pending order.
// The payment of an order placed while Stripe was down is created later,
// when its buyer opens it: an order cancelled meanwhile, or past its
// deadline, takes none (expiry cancels only the intent it finds, so one
// attached after it would stay payable for an order whose stock is gone).
func (s *Service) AttachPaymentIntent(ctx context.Context, orderID int64, intentID string) error {
	const q = `UPDATE orders SET payment_intent_id = $2, updated_at = now()
		WHERE id = $1 AND payment_method = 'stripe' AND (payment_intent_id IS NULL OR payment_intent_id = $2)
			AND status = 'pending_payment' AND expires_at > $3`
	tag, err := s.db.Exec(ctx, q, orderID, intentID, s.cfg.Clock.Now())
	if err != nil {
		return err
	}
	if tag.RowsAffected() != 1 {
		return errs.E(errs.Conflict, "the order cannot take this payment: it has another, or it is no longer awaiting payment")
	}
	return nil
}
