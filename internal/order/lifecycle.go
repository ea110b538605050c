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
	"github.com/fupinmarket/market/internal/platform/text"
)

// Cancel cancels an unpaid order of the actor (or any, for an admin) and
// returns its stock to the lots. Paid orders are refunded instead.
func (s *Service) Cancel(ctx context.Context, a auth.Actor, orderID int64) (Order, error) {
	tx, status, buyer, err := s.beginLocked(ctx, orderID)
	if err != nil {
		return Order{}, err
	}
	defer tx.Rollback(ctx)
	if buyer != a.UserID && !a.IsAdmin() {
		return Order{}, errNoOrder
	}
	if status != PendingPayment {
		return Order{}, errs.E(errs.Conflict, "the order is %s; only unpaid orders can be cancelled", status)
	}
	if err := cancelLocked(ctx, tx, orderID, buyer, "order.cancelled"); err != nil {
		return Order{}, err
	}
	if err := tx.Commit(ctx); err != nil {
		return Order{}, err
	}
	o, err := s.get(ctx, s.db, orderID)
	if err == nil {
		s.cancelIntent(ctx, o.PaymentIntentID)
	}
	return o, err
}

// cancelIntent stops the online payment of an order just cancelled, when
// it has one and the service can (Config.CancelIntent).
func (s *Service) cancelIntent(ctx context.Context, intentID string) {
	if intentID != "" && s.cfg.CancelIntent != nil {
		s.cfg.CancelIntent(ctx, intentID)
	}
}

// cancelLocked releases the order's allocations and marks it cancelled; the
// order row is locked by the caller.
func cancelLocked(ctx context.Context, tx pgx.Tx, orderID, buyer int64, topic string) error {
	// Lock the lots in the order checkout uses (product, received date, id),
	// so that cancelling never deadlocks with a checkout.
	const lock = `SELECT l.id FROM lots l WHERE l.id IN (
			SELECT a.lot_id FROM order_allocations a JOIN order_lines ol ON ol.id = a.line_id WHERE ol.order_id = $1)
		ORDER BY l.product_id, l.received_on, l.id FOR UPDATE`
	if _, err := tx.Exec(ctx, lock, orderID); err != nil {
		return fmt.Errorf("lock lots: %w", err)
	}
	const release = `UPDATE lots l SET remaining = l.remaining + x.units
		FROM (SELECT a.lot_id, sum(a.units - a.released) AS units
			FROM order_allocations a JOIN order_lines ol ON ol.id = a.line_id
			WHERE ol.order_id = $1 GROUP BY a.lot_id) x
		WHERE l.id = x.lot_id AND x.units > 0`
	if _, err := tx.Exec(ctx, release, orderID); err != nil {
		return fmt.Errorf("release stock: %w", err)
	}
	const mark = `UPDATE order_allocations SET released = units
		WHERE line_id IN (SELECT id FROM order_lines WHERE order_id = $1)`
	if _, err := tx.Exec(ctx, mark, orderID); err != nil {
		return err
	}
	const q = `UPDATE orders SET status = 'cancelled', cancelled_at = now(), updated_at = now() WHERE id = $1`
	if _, err := tx.Exec(ctx, q, orderID); err != nil {
		return err
	}
	return notify(ctx, tx, topic, buyer, map[string]any{"order_id": orderID})
}

// ExpireDue cancels unpaid orders whose time ran out and returns how many.
// Each order is its own transaction, so one failure does not hold the rest.
func (s *Service) ExpireDue(ctx context.Context, now time.Time) (int, error) {
	rows, err := s.db.Query(ctx, `SELECT id FROM orders WHERE status = 'pending_payment' AND expires_at <= $1 ORDER BY id LIMIT 500`, now)
	if err != nil {
		return 0, err
	}
	due, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range due {
		ok, err := s.ExpireOne(ctx, id, now)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// ExpireOne cancels the order if it is still unpaid at its deadline; it
// reports whether it did.
func (s *Service) ExpireOne(ctx context.Context, id int64, now time.Time) (bool, error) {
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback(ctx)
	var buyer int64
	var expires time.Time
	var status Status
	var intent string
	err = tx.QueryRow(ctx, `SELECT status, buyer_id, expires_at, coalesce(payment_intent_id, '') FROM orders WHERE id = $1 FOR UPDATE`,
		id).Scan(&status, &buyer, &expires, &intent)
	if err != nil {
		return false, err
	}
	if status != PendingPayment || expires.After(now) {
		return false, nil // paid or cancelled meanwhile
	}
	if err := cancelLocked(ctx, tx, id, buyer, "order.expired"); err != nil {
		return false, err
	}
	if err := tx.Commit(ctx); err != nil {
		return false, err
	}
	s.cancelIntent(ctx, intent)
	return true, nil
}

// ShipRequest is what a cooperative sends when it hands a parcel over.
type ShipRequest struct {
	Carrier    string   `json:"carrier"`
	TrackingNo string   `json:"tracking_no"`
	LineIDs    []ids.ID `json:"line_ids"`
}

// Ship marks the actor's cooperative's shipment of a paid order as sent. The
// order becomes shipped when every shipment is.
func (s *Service) Ship(ctx context.Context, a auth.Actor, orderID int64, req ShipRequest) (Order, error) {
	if !a.Has(auth.RoleCoopAdmin) {
		return Order{}, errs.E(errs.Forbidden, "only the cooperative ships")
	}
	req.Carrier, req.TrackingNo = strings.TrimSpace(req.Carrier), strings.TrimSpace(req.TrackingNo)
	f := errs.FieldErrors{}
	if req.Carrier == "" || len([]rune(req.Carrier)) > 32 {
		f.Add("carrier", "is required (at most 32 characters)")
	} else if msg := text.Problem(req.Carrier, false); msg != "" {
		f.Add("carrier", msg)
	}
	if req.TrackingNo == "" || len(req.TrackingNo) > 40 {
		f.Add("tracking_no", "is required (at most 40 characters)")
	} else if msg := text.Problem(req.TrackingNo, false); msg != "" {
		f.Add("tracking_no", msg)
	}
	if err := f.Err("the shipment is not valid"); err != nil {
		return Order{}, err
	}
	tx, status, buyer, err := s.beginLocked(ctx, orderID)
	if err != nil {
		return Order{}, err
	}
	defer tx.Rollback(ctx)
	var shipmentID int64
	var shipped *time.Time
	var holdsGoods bool
	err = tx.QueryRow(ctx, `SELECT sh.id, sh.shipped_at, `+shipmentHoldsGoods+` FROM shipments sh WHERE sh.order_id = $1 AND sh.cooperative_id = $2`,
		orderID, a.CooperativeID).Scan(&shipmentID, &shipped, &holdsGoods)
	if err == pgx.ErrNoRows {
		return Order{}, errNoOrder // another cooperative's order: reveal nothing
	}
	if err != nil {
		return Order{}, err
	}
	if status != Paid && status != Shipped && status != PartiallyRefunded {
		return Order{}, errs.E(errs.Conflict, "the order is %s and cannot be shipped", status)
	}
	if shipped != nil {
		return Order{}, errs.E(errs.Conflict, "this shipment was already sent")
	}
	if !holdsGoods {
		return Order{}, errs.E(errs.Conflict, "every unit of this shipment was refunded: nothing is left to send")
	}
	if len(req.LineIDs) > 0 {
		var foreign int
		ids64 := make([]int64, len(req.LineIDs))
		for i, id := range req.LineIDs {
			ids64[i] = int64(id)
		}
		tx.QueryRow(ctx, `SELECT count(*) FROM unnest($1::bigint[]) x(id) WHERE NOT EXISTS (
			SELECT 1 FROM order_lines WHERE id = x.id AND shipment_id = $2)`, ids64, shipmentID).Scan(&foreign)
		if foreign > 0 {
			return Order{}, errs.Validation("the shipment is not valid", map[string]string{"line_ids": "name lines of this cooperative's shipment only"})
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE shipments SET carrier = $2, tracking_no = $3, shipped_at = now() WHERE id = $1`,
		shipmentID, req.Carrier, req.TrackingNo); err != nil {
		return Order{}, err
	}
	const all = `UPDATE orders SET status = 'shipped', updated_at = now() WHERE id = $1 AND status = 'paid'
		AND NOT EXISTS (SELECT 1 FROM shipments WHERE order_id = $1 AND shipped_at IS NULL)`
	if _, err := tx.Exec(ctx, all, orderID); err != nil {
		return Order{}, err
	}
	if err := notify(ctx, tx, "order.shipped", buyer, map[string]any{"order_id": orderID, "shipment_id": shipmentID}); err != nil {
		return Order{}, err
	}
	if err := tx.Commit(ctx); err != nil {
		return Order{}, err
	}
	return s.get(ctx, s.db, orderID)
}

// A partial refund marks an order partially_refunded at whatever step it
// was: paid, shipped or delivered. Its lifecycle goes on from there, read
// from what happened (its shipments, delivered_at), and the next step
// gives it that step's status; refunded_fen keeps showing the refund.
const (
	// shipmentHoldsGoods is whether shipment sh still holds a unit not
	// refunded: one whose units were all refunded has nothing to send.
	shipmentHoldsGoods = `EXISTS (SELECT 1 FROM order_lines gl WHERE gl.shipment_id = sh.id AND gl.refunded_quantity < gl.quantity)`
	// awaitsDelivery is an order o whose buyer may confirm receipt
	// (Order.AwaitsDelivery): shipped, or partially refunded with every
	// shipment that still holds goods sent, and not yet delivered. A
	// shipment whose goods were all refunded has nothing to send.
	awaitsDelivery = `(o.status = 'shipped' OR o.status = 'partially_refunded' AND o.delivered_at IS NULL
		AND EXISTS (SELECT 1 FROM shipments s WHERE s.order_id = o.id AND s.shipped_at IS NOT NULL)
		AND NOT EXISTS (SELECT 1 FROM shipments sh WHERE sh.order_id = o.id AND sh.shipped_at IS NULL AND ` + shipmentHoldsGoods + `))`
	// awaitsCompletion is an order o delivered and not yet completed.
	awaitsCompletion = `(o.status = 'delivered' OR o.status = 'partially_refunded' AND o.delivered_at IS NOT NULL
		AND o.completed_at IS NULL)`
)

// ConfirmDelivered records that the buyer received a shipped order.
func (s *Service) ConfirmDelivered(ctx context.Context, a auth.Actor, orderID int64) (Order, error) {
	const q = `UPDATE orders o SET status = 'delivered', delivered_at = now(), updated_at = now()
		WHERE o.id = $1 AND (o.buyer_id = $2 OR $3) AND ` + awaitsDelivery
	tag, err := s.db.Exec(ctx, q, orderID, a.UserID, a.IsAdmin())
	if err != nil {
		return Order{}, err
	}
	if tag.RowsAffected() == 0 {
		o, err := s.Get(ctx, a, orderID)
		if err != nil {
			return Order{}, err
		}
		return Order{}, errs.E(errs.Conflict, "the order is %s, not shipped", o.Status)
	}
	return s.get(ctx, s.db, orderID)
}

// DeliverDue marks orders shipped before cutoff as delivered (the buyer did
// not confirm within the period).
func (s *Service) DeliverDue(ctx context.Context, cutoff time.Time) (int64, error) {
	const q = `UPDATE orders o SET status = 'delivered', delivered_at = now(), updated_at = now()
		WHERE ` + awaitsDelivery + ` AND (SELECT max(shipped_at) FROM shipments WHERE order_id = o.id) <= $1`
	tag, err := s.db.Exec(ctx, q, cutoff)
	return tag.RowsAffected(), err
}

// CompleteDue completes personal orders delivered before cutoff (the
// return window is over); orders of buyer organisations wait for the
// organisation's acceptance instead.
func (s *Service) CompleteDue(ctx context.Context, cutoff time.Time) (int64, error) {
	const q = `UPDATE orders o SET status = 'completed', completed_at = now(), updated_at = now()
		WHERE ` + awaitsCompletion + ` AND o.buyer_org_id IS NULL AND o.delivered_at <= $1`
	tag, err := s.db.Exec(ctx, q, cutoff)
	return tag.RowsAffected(), err
}

// AcceptTx completes delivered order orderID with its buyer organisation's
// acceptance (验收) by user acceptedBy, in the caller's transaction, and
// reports whether the order was delivered (else nothing changes). The
// caller checks that acceptedBy may accept for the order's organisation
// (buyerorg.Service.Accept); orders are written by this package only.
func AcceptTx(ctx context.Context, tx pgx.Tx, orderID, acceptedBy int64) (bool, error) {
	const q = `UPDATE orders o SET status = 'completed', completed_at = now(), accepted_at = now(), accepted_by = $2, updated_at = now()
		WHERE o.id = $1 AND ` + awaitsCompletion
	tag, err := tx.Exec(ctx, q, orderID, acceptedBy)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() > 0, nil
}
