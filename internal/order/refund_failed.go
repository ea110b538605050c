package order

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
)

// A recorded Stripe refund can fail afterwards (a closed card, a refused
// transfer). The refund stays recorded: the buyer is owed the money and the
// households keep the refund's entries. Its failure is kept and listed
// until a platform administrator has returned the money another way (a bank
// transfer) and says so.

// refundFailed marks the recorded refund r failed, once, and tells the
// administrators (outbox payment.refund_failed).
func (s *Service) refundFailed(ctx context.Context, tx pgx.Tx, orderID int64, r StripeRefund) error {
	const q = `UPDATE refunds SET provider_status = $3, failed_at = $4
		WHERE order_id = $1 AND provider = 'stripe' AND provider_ref = $2 AND failed_at IS NULL RETURNING id, amount_fen`
	var id, amount int64
	err := tx.QueryRow(ctx, q, orderID, r.ID, r.Status, s.cfg.Clock.Now()).Scan(&id, &amount)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // marked before
	}
	if err != nil {
		return fmt.Errorf("mark refund %s failed: %w", r.ID, err)
	}
	return notify(ctx, tx, "payment.refund_failed", 0, map[string]any{"order_id": orderID, "refund_id": id,
		"stripe_refund_id": r.ID, "amount_fen": amount, "status": r.Status})
}

// FailedRefund is a recorded refund whose money Stripe could not return.
type FailedRefund struct {
	RefundID       ids.ID    `json:"refund_id"`
	OrderID        ids.ID    `json:"order_id"`
	OrderNumber    string    `json:"order_number"`
	AmountFen      int64     `json:"amount_fen"`
	StripeRefundID string    `json:"stripe_refund_id"`
	Status         string    `json:"status"` // Stripe's: failed, canceled
	FailedAt       time.Time `json:"failed_at"`
}

// FailedRefunds lists, for a platform administrator, the refunds Stripe
// could not pay out whose money has not been returned another way yet,
// oldest failure first.
func (s *Service) FailedRefunds(ctx context.Context, a auth.Actor) ([]FailedRefund, error) {
	if !a.IsAdmin() {
		return nil, errs.E(errs.Forbidden, "only a platform administrator sees payments")
	}
	const q = `SELECT r.id, o.id, o.number, r.amount_fen, r.provider_ref, r.provider_status, r.failed_at
		FROM refunds r JOIN orders o ON o.id = r.order_id
		WHERE r.failed_at IS NOT NULL AND r.returned_at IS NULL ORDER BY r.failed_at, r.id LIMIT 200`
	rows, err := s.db.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[FailedRefund])
}

// MarkRefundReturned records that the money of failed refund refundID went
// back to the buyer another way, with that transfer's reference.
func (s *Service) MarkRefundReturned(ctx context.Context, a auth.Actor, refundID int64, reference string) error {
	if !a.IsAdmin() {
		return errs.E(errs.Forbidden, "only a platform administrator records payments")
	}
	reference, problem := transferReference(reference)
	if problem != "" {
		return errs.Validation("the return is not valid", map[string]string{"reference": problem})
	}
	const q = `UPDATE refunds SET returned_at = $2, returned_reference = $3, returned_by = $4
		WHERE id = $1 AND failed_at IS NOT NULL AND returned_at IS NULL`
	tag, err := s.db.Exec(ctx, q, refundID, s.cfg.Clock.Now(), reference, a.UserID)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return errs.E(errs.NotFound, "no failed refund awaits its money's return with this id")
	}
	return nil
}
