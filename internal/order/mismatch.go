package order

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
)

// recordMismatch records, once, a provider's "succeeded" whose amount or
// currency is not the order's: the event is kept as not applied, the order
// stays as it is, and the platform administrators are told (outbox
// payment.mismatch, and PaymentMismatches on /admin/payments). Nobody is
// paid for less than the order, or in another currency.
func (s *Service) recordMismatch(ctx context.Context, tx pgx.Tx, orderID, expectedFen int64, ev StripeEvent) error {
	const q = `INSERT INTO payment_events (provider, event_id, order_id, type, applied) VALUES ($1, $2, $3, $4, false)
		ON CONFLICT DO NOTHING`
	tag, err := tx.Exec(ctx, q, Stripe, ev.ID, orderID, ev.Type)
	if err != nil {
		return fmt.Errorf("record payment event: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return nil // seen before (I5)
	}
	currency := strings.ToLower(ev.Currency)
	const qm = `INSERT INTO payment_mismatches (provider, event_id, order_id, amount_fen, currency, expected_fen, seen_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`
	if _, err := tx.Exec(ctx, qm, Stripe, ev.ID, orderID, ev.AmountFen, currency, expectedFen, s.cfg.Clock.Now()); err != nil {
		return fmt.Errorf("record payment mismatch: %w", err)
	}
	return notify(ctx, tx, "payment.mismatch", 0, map[string]any{"order_id": orderID, "event_id": ev.ID,
		"payment_intent_id": ev.PaymentIntentID, "amount": ev.AmountFen, "currency": currency, "expected_fen": expectedFen})
}

// PaymentMismatch is a payment whose amount or currency was not its order's.
type PaymentMismatch struct {
	OrderID     ids.ID    `json:"order_id"`
	OrderNumber string    `json:"order_number"`
	EventID     string    `json:"event_id"`
	Amount      int64     `json:"amount"` // in the minor unit of Currency
	Currency    string    `json:"currency"`
	ExpectedFen int64     `json:"expected_fen"`
	OrderStatus Status    `json:"order_status"`
	SeenAt      time.Time `json:"seen_at"`
}

// PaymentMismatches lists the mismatched payments, newest first, for a
// platform administrator.
func (s *Service) PaymentMismatches(ctx context.Context, a auth.Actor) ([]PaymentMismatch, error) {
	if !a.IsAdmin() {
		return nil, errs.E(errs.Forbidden, "only a platform administrator sees payment mismatches")
	}
	const q = `SELECT o.id, o.number, m.event_id, m.amount_fen, m.currency, m.expected_fen, o.status, m.seen_at
		FROM payment_mismatches m JOIN orders o ON o.id = m.order_id ORDER BY m.seen_at DESC LIMIT 200`
	rows, err := s.db.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[PaymentMismatch])
}
