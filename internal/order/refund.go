package order

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/attribution"
	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/text"
)

// RefundLine returns quantity units and amount_fen of one line.
type RefundLine struct {
	LineID    ids.ID `json:"line_id"`
	Quantity  int    `json:"quantity"`
	AmountFen int64  `json:"amount_fen"`
}

// RefundRequest is a platform admin's refund of parts of an order: of its
// lines (attributed: the ledger follows) and of its shipping fee (not
// attributed: it was never the households'), or of either alone.
type RefundRequest struct {
	Lines       []RefundLine `json:"lines"`
	ShippingFen int64        `json:"shipping_fen,omitempty"`
	Reason      string       `json:"reason"`
}

// Refunder moves the money back (Stripe) and returns its reference; manual
// refunds pass nil. It is called outside any database transaction.
type Refunder func(ctx context.Context, paymentIntentID string, amountFen int64, idempotencyKey string) (string, error)

var refundable = map[Status]bool{Paid: true, Shipped: true, Delivered: true, Completed: true, PartiallyRefunded: true}

// Refund returns money for whole or part of lines and appends refund entries
// so that the ledger equals the attribution of what the buyer keeps. The
// request is checked first, then the money moves (outside a transaction),
// then one transaction records it, checking again under lock.
func (s *Service) Refund(ctx context.Context, a auth.Actor, orderID int64, req RefundRequest, refund Refunder) (Order, error) {
	if !a.IsAdmin() {
		return Order{}, errs.E(errs.Forbidden, "only a platform administrator refunds")
	}
	o, err := s.get(ctx, s.db, orderID)
	if err != nil {
		return Order{}, err
	}
	total, err := checkRefund(o, &req)
	if err != nil {
		return Order{}, err
	}
	provider, ref := Manual, "manual"
	if o.Payment.Provider == Stripe && refund != nil {
		key := fmt.Sprintf("refund-%d-%d-%d", orderID, o.RefundedFen, total)
		if ref, err = refund(ctx, o.PaymentIntentID, total, key); err != nil {
			return Order{}, fmt.Errorf("stripe refund: %w", err)
		}
		provider = Stripe
	}
	tx, _, _, err := s.beginLocked(ctx, orderID)
	if err != nil {
		return Order{}, err
	}
	defer tx.Rollback(ctx)
	if provider == Stripe {
		// Two identical requests at once send Stripe the same idempotency
		// key and get the same refund back: it is recorded once.
		dup, err := stripeRefundRecorded(ctx, tx, orderID, ref)
		if err != nil {
			return Order{}, err
		}
		if dup {
			tx.Rollback(ctx)
			return s.get(ctx, s.db, orderID)
		}
	}
	o, err = s.recordRefund(ctx, tx, a, orderID, req, provider, ref, nil)
	if err != nil && provider == Stripe {
		tx.Rollback(ctx)
		return Order{}, s.surfaceUnrecorded(ctx, orderID, ref, total, err)
	}
	return o, err
}

// surfaceUnrecorded keeps a Stripe refund that moved money but could not be
// recorded (the order changed between the check and the lock: another
// refund came first; or the write failed) with the refunds made outside the
// service, where an admin records it against the order's lines, and answers
// why. Nothing that Stripe returned goes unseen.
func (s *Service) surfaceUnrecorded(ctx context.Context, orderID int64, ref string, amountFen int64, cause error) error {
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	const q = `INSERT INTO stripe_external_refunds (stripe_refund_id, order_id, amount_fen, status, seen_at)
		VALUES ($1, $2, $3, 'pending', $4) ON CONFLICT (stripe_refund_id) DO NOTHING`
	if _, err := tx.Exec(ctx, q, ref, orderID, amountFen, s.cfg.Clock.Now()); err != nil {
		return fmt.Errorf("keep refund %s (%d fen) that Stripe made and we could not record: %w", ref, amountFen, err)
	}
	if err := notify(ctx, tx, "payment.refund_unrecorded", 0, map[string]any{"order_id": orderID, "refund_id": ref,
		"amount_fen": amountFen, "cause": cause.Error()}); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	return errs.E(errs.Conflict, "Stripe returned %d fen (refund %s), but it could not be recorded against the order's lines (%v); "+
		"it is listed with the refunds made outside the service, to be recorded there", amountFen, ref, cause)
}

// recordRefund checks the request again against the order locked in tx
// (check, when set, adds to checkRefund's verdict), writes the refund and
// commits.
func (s *Service) recordRefund(ctx context.Context, tx pgx.Tx, a auth.Actor, orderID int64, req RefundRequest,
	provider, ref string, check func(err error) error) (Order, error) {
	locked, err := s.get(ctx, tx, orderID)
	if err != nil {
		return Order{}, err
	}
	total, err := checkRefund(locked, &req)
	if check != nil {
		err = check(err)
	}
	if err != nil {
		return Order{}, err
	}
	now := s.cfg.Clock.Now()
	refundID, err := applyRefund(ctx, tx, a, locked, req, total, provider, ref, now)
	if err != nil {
		return Order{}, err
	}
	if err := s.cfg.Feed.RefundTx(ctx, tx, refundID, now); err != nil {
		return Order{}, err
	}
	if err := tx.Commit(ctx); err != nil {
		return Order{}, err
	}
	return s.get(ctx, s.db, orderID)
}

// neverSold is an order whose payment arrived after it was cancelled
// (expired): its stock went back and no household was credited, so it is
// refunded line by line whole, and shipping as it comes; it stays
// cancelled until its lines are all refunded. Nothing of it is attributed.
func neverSold(o Order) bool { return o.Payment.Status == "succeeded" && o.PaidAt == nil }

// mayRefund reports whether the order can be refunded at all: paid (at
// whatever step), paid after it was cancelled, or refunded in its lines
// with money (the shipping) still kept.
func mayRefund(o Order) bool {
	return refundable[o.Status] || neverSold(o) && o.Status == Cancelled || o.Status == Refunded && o.RefundableFen() > 0
}

// checkRefund validates the request against the order and returns the total.
func checkRefund(o Order, req *RefundRequest) (int64, error) {
	if !mayRefund(o) {
		return 0, errs.E(errs.Conflict, "the order is %s and cannot be refunded", o.Status)
	}
	req.Reason = strings.TrimSpace(req.Reason)
	f := errs.FieldErrors{}
	if req.Reason == "" {
		f.Add("reason", "is required")
	} else if msg := text.Problem(req.Reason, true); msg != "" {
		f.Add("reason", msg)
	}
	if left := o.RefundableShippingFen(); req.ShippingFen < 0 || req.ShippingFen > left {
		f.Add("shipping_fen", fmt.Sprintf("must be between 0 and %d", left))
	}
	if len(req.Lines) == 0 && req.ShippingFen == 0 {
		f.Add("lines", "must name at least one line")
	}
	byID := map[ids.ID]Line{}
	for _, l := range o.Lines {
		byID[l.ID] = l
	}
	seen := map[ids.ID]bool{}
	var total int64
	for i, rl := range req.Lines {
		l, ok := byID[rl.LineID]
		field := fmt.Sprintf("lines[%d]", i)
		leftQty, leftFen := l.Quantity-l.RefundedQuantity, l.AmountFen-l.RefundedFen
		switch {
		case !ok || seen[rl.LineID]:
			f.Add(field+".line_id", "is not a line of this order (or is named twice)")
		case rl.Quantity < 0 || rl.Quantity > leftQty:
			f.Add(field+".quantity", fmt.Sprintf("must be between 0 and %d", leftQty))
		case rl.AmountFen < 0 || rl.AmountFen > leftFen:
			f.Add(field+".amount_fen", fmt.Sprintf("must be between 0 and %d", leftFen))
		case rl.AmountFen == 0 && rl.Quantity == 0:
			f.Add(field, "refunds nothing")
		case neverSold(o) && (rl.Quantity != leftQty || rl.AmountFen != leftFen):
			// Its stock went back at expiry: a line kept in part would be a
			// sale that never happened.
			f.Add(field, "an order paid after it was cancelled gives each line back whole")
		case rl.Quantity == leftQty && rl.AmountFen != leftFen:
			f.Add(field+".amount_fen", "must refund the whole remaining amount when every unit is returned")
		}
		seen[rl.LineID] = true
		total += rl.AmountFen
	}
	total += req.ShippingFen
	if len(f) == 0 && total <= 0 {
		f.Add("lines", "a refund must return some money")
	}
	if err := f.Err("the refund is not valid"); err != nil {
		return 0, err
	}
	return total, nil
}

// applyRefund writes the refund, its lines and its ledger entries, and
// returns its id.
func applyRefund(ctx context.Context, tx pgx.Tx, a auth.Actor, o Order, req RefundRequest, total int64, provider, ref string, now time.Time) (int64, error) {
	var refundID int64
	const qRefund = `INSERT INTO refunds (order_id, amount_fen, shipping_fen, reason, provider, provider_ref, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`
	if err := tx.QueryRow(ctx, qRefund, int64(o.ID), total, req.ShippingFen, req.Reason, provider, ref, a.UserID, now).Scan(&refundID); err != nil {
		return 0, fmt.Errorf("insert refund: %w", err)
	}
	lineIDs := make([]int64, len(req.Lines))
	for i, rl := range req.Lines {
		lineIDs[i] = int64(rl.LineID)
	}
	// A payout must not pay out what this refund takes back.
	if err := attribution.LockVillages(ctx, tx, int64(o.ID)); err != nil {
		return 0, err
	}
	const qLine = `INSERT INTO refund_lines (refund_id, line_id, quantity, amount_fen) VALUES ($1, $2, $3, $4)`
	const qUpd = `UPDATE order_lines SET refunded_quantity = refunded_quantity + $2, refunded_fen = refunded_fen + $3 WHERE id = $1`
	for _, rl := range req.Lines {
		if _, err := tx.Exec(ctx, qLine, refundID, int64(rl.LineID), rl.Quantity, rl.AmountFen); err != nil {
			return 0, err
		}
		if _, err := tx.Exec(ctx, qUpd, int64(rl.LineID), rl.Quantity, rl.AmountFen); err != nil {
			return 0, err
		}
	}
	if o.PaidAt != nil { // an order never sold has no entries, nor may it get any
		if _, err := attribution.Reconcile(ctx, tx, int64(o.ID), lineIDs, refundID, now); err != nil {
			return 0, err
		}
	}
	const qOrder = `UPDATE orders SET refunded_fen = refunded_fen + $2, updated_at = now(),
			status = CASE WHEN NOT EXISTS (SELECT 1 FROM order_lines WHERE order_id = $1
				AND (refunded_quantity < quantity OR refunded_fen < amount_fen)) THEN 'refunded'
				WHEN status = 'cancelled' THEN 'cancelled' ELSE 'partially_refunded' END
		WHERE id = $1`
	if _, err := tx.Exec(ctx, qOrder, int64(o.ID), total); err != nil {
		return 0, err
	}
	return refundID, notify(ctx, tx, "order.refunded", int64(o.BuyerID), map[string]any{"order_id": int64(o.ID), "refund_id": refundID, "amount_fen": total})
}
