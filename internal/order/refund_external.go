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

// ExternalRefund is a refund made outside the service (in the Stripe
// dashboard) that a charge.refunded event surfaced and that awaits
// recording against the order's lines.
type ExternalRefund struct {
	OrderID     ids.ID    `json:"order_id"`
	OrderNumber string    `json:"order_number"`
	OrderStatus Status    `json:"order_status"`
	RefundID    string    `json:"refund_id"` // Stripe's re_…
	AmountFen   int64     `json:"amount_fen"`
	Status      string    `json:"status"` // Stripe's: succeeded, pending …
	SeenAt      time.Time `json:"seen_at"`
}

// ExternalRefunds lists the Stripe refunds made outside the service that
// await recording, oldest first (at most 200).
func (s *Service) ExternalRefunds(ctx context.Context, a auth.Actor) ([]ExternalRefund, error) {
	return s.externalRefunds(ctx, a, 0)
}

// ExternalRefundsOf lists those of one order.
func (s *Service) ExternalRefundsOf(ctx context.Context, a auth.Actor, orderID int64) ([]ExternalRefund, error) {
	return s.externalRefunds(ctx, a, orderID)
}

// pendingExternal is the condition on stripe_external_refunds x of a refund
// awaiting recording: it moved money and no refund of the order carries its id.
const pendingExternal = `x.status NOT IN ('failed', 'canceled') AND NOT EXISTS (SELECT 1 FROM refunds r
	WHERE r.order_id = x.order_id AND r.provider = 'stripe' AND r.provider_ref = x.stripe_refund_id)`

func (s *Service) externalRefunds(ctx context.Context, a auth.Actor, orderID int64) ([]ExternalRefund, error) {
	if !a.IsAdmin() {
		return nil, errs.E(errs.Forbidden, "only a platform administrator records refunds")
	}
	q := `SELECT o.id, o.number, o.status, x.stripe_refund_id, x.amount_fen, x.status, x.seen_at
		FROM stripe_external_refunds x JOIN orders o ON o.id = x.order_id
		WHERE ($1::bigint = 0 OR x.order_id = $1) AND ` + pendingExternal + `
		ORDER BY x.seen_at, x.stripe_refund_id LIMIT 200`
	rows, err := s.db.Query(ctx, q, orderID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[ExternalRefund])
}

// RecordExternalRefund records a refund made in the Stripe dashboard against
// the order's lines, so that the ledger follows it: req names the lines,
// units and amounts, which must add up to exactly what Stripe refunded. No
// money moves (Stripe already returned it); one transaction writes the
// refund (provider stripe, provider_ref the Stripe refund id), its lines,
// the refund entries and the order, as Refund does. A refund is recorded
// once: a second recording is a conflict.
func (s *Service) RecordExternalRefund(ctx context.Context, a auth.Actor, orderID int64, stripeRefundID string, req RefundRequest) (Order, error) {
	if !a.IsAdmin() {
		return Order{}, errs.E(errs.Forbidden, "only a platform administrator records refunds")
	}
	// The order's lock serialises this with Refund and ApplyStripeRefunds.
	tx, _, _, err := s.beginLocked(ctx, orderID)
	if err != nil {
		return Order{}, err
	}
	defer tx.Rollback(ctx)
	var amount int64
	var status string
	var recorded bool
	const qExt = `SELECT x.amount_fen, x.status, EXISTS (SELECT 1 FROM refunds r
			WHERE r.order_id = x.order_id AND r.provider = 'stripe' AND r.provider_ref = x.stripe_refund_id)
		FROM stripe_external_refunds x WHERE x.stripe_refund_id = $1 AND x.order_id = $2`
	err = tx.QueryRow(ctx, qExt, stripeRefundID, orderID).Scan(&amount, &status, &recorded)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return Order{}, errs.E(errs.NotFound, "the order has no refund made outside the service with this id")
	case err != nil:
		return Order{}, err
	case recorded:
		return Order{}, errs.E(errs.Conflict, "this Stripe refund is already recorded")
	case status == "failed" || status == "canceled":
		return Order{}, errs.E(errs.Conflict, "this Stripe refund failed and returned no money")
	}
	return s.recordRefund(ctx, tx, a, orderID, req, Stripe, stripeRefundID, func(err error) error {
		return checkExternalTotal(req, amount, err)
	})
}

// checkExternalTotal adds, to checkRefund's answer err, the requirement that
// the lines and the shipping add up to the Stripe refund's amount: one 422
// lists every field.
func checkExternalTotal(req RefundRequest, amountFen int64, err error) error {
	sum := req.ShippingFen
	for _, rl := range req.Lines {
		sum += rl.AmountFen
	}
	if sum == amountFen {
		return err
	}
	reason := fmt.Sprintf("must add up to the Stripe refund's %d fen (they add up to %d)", amountFen, sum) // lines and shipping
	var e *errs.Error
	switch {
	case err == nil:
		return errs.Validation("the refund is not valid", map[string]string{"lines": reason})
	case errors.As(err, &e) && e.Kind == errs.Invalid:
		fields := errs.FieldErrors{}
		for k, v := range e.Fields {
			fields[k] = v
		}
		fields.Add("lines", reason)
		return errs.Validation(e.Message, fields)
	}
	return err
}
