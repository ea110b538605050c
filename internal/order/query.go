package order

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
)

// querier is a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

var errNoOrder = errs.E(errs.NotFound, "order not found")

// Get returns an order to its buyer or a platform admin; anyone else gets
// 404, so order ids reveal nothing.
func (s *Service) Get(ctx context.Context, a auth.Actor, id int64) (Order, error) {
	o, err := s.get(ctx, s.db, id)
	if err != nil {
		return Order{}, err
	}
	if int64(o.BuyerID) != a.UserID && !a.IsAdmin() {
		return Order{}, errNoOrder
	}
	return o, nil
}

// get reads an order with its lines and shipments in one statement.
func (s *Service) get(ctx context.Context, db querier, id int64) (Order, error) {
	b := &pgx.Batch{}
	o := s.queueGet(b, id)
	if err := db.SendBatch(ctx, b).Close(); err != nil {
		return Order{}, err
	}
	return *o, nil
}

// queueGet queues, on b, the read of an order with its lines and shipments
// (one statement: they come as JSON arrays whose keys are the API's); the
// order is filled when the batch's results are closed, and errNoOrder is
// the batch's error when there is no such order. Use cases queue it before
// their COMMIT to answer with what they wrote.
func (s *Service) queueGet(b *pgx.Batch, id int64) *Order {
	const q = `SELECT o.id, o.number, o.buyer_id, o.status, o.items_fen, o.shipping_fen, o.total_fen, o.refunded_fen,
			o.payment_method, o.payment_status, o.payment_reference, coalesce(o.payment_intent_id, ''),
			o.ship_name, o.ship_phone, o.ship_province, o.ship_city, o.ship_district, o.ship_detail,
			o.receipt_token, o.expires_at, o.paid_at, o.delivered_at, o.created_at,
			(SELECT coalesce(json_agg(json_build_object('id', l.id, 'variant_id', l.variant_id, 'product_id', l.product_id,
					'cooperative_id', l.cooperative_id, 'title', l.title, 'variant_name', l.variant_name, 'quantity', l.quantity,
					'unit_price_fen', l.unit_price_fen, 'amount_fen', l.amount_fen, 'refunded_quantity', l.refunded_quantity,
					'refunded_fen', l.refunded_fen, 'shipment_id', l.shipment_id,
					'names', coalesce(l.names, jsonb_build_object('zh', l.title))) ORDER BY l.id), '[]')
				FROM order_lines l WHERE l.order_id = o.id),
			(SELECT coalesce(json_agg(json_build_object('id', sh.id, 'cooperative_id', sh.cooperative_id,
					'shipping_fen', sh.shipping_fen, 'carrier', sh.carrier, 'tracking_no', sh.tracking_no,
					'shipped_at', sh.shipped_at) ORDER BY sh.cooperative_id), '[]')
				FROM shipments sh WHERE sh.order_id = o.id)
		FROM orders o WHERE o.id = $1`
	o := &Order{}
	b.Queue(q, id).QueryRow(func(row pgx.Row) error {
		ad := &o.ShippingAddress
		var lines, shipments []byte
		err := row.Scan(&o.ID, &o.Number, &o.BuyerID, &o.Status, &o.ItemsFen, &o.ShippingFen,
			&o.TotalFen, &o.RefundedFen, &o.Payment.Provider, &o.Payment.Status, &o.Payment.Reference, &o.PaymentIntentID,
			&ad.Name, &ad.Phone, &ad.Province, &ad.City, &ad.District, &ad.Detail,
			&o.ReceiptToken, &o.ExpiresAt, &o.PaidAt, &o.DeliveredAt, &o.CreatedAt, &lines, &shipments)
		if errors.Is(err, pgx.ErrNoRows) {
			return errNoOrder
		}
		if err != nil {
			return fmt.Errorf("get order: %w", err)
		}
		if err := json.Unmarshal(lines, &o.Lines); err != nil {
			return fmt.Errorf("get order lines: %w", err)
		}
		if err := json.Unmarshal(shipments, &o.Shipments); err != nil {
			return fmt.Errorf("get order shipments: %w", err)
		}
		for i := range o.Shipments {
			if t := o.Shipments[i].ShippedAt; t != nil {
				in := s.cfg.Clock.In(*t) // as the pool gives every other time
				o.Shipments[i].ShippedAt = &in
			}
		}
		*o = s.decorate(*o)
		return nil
	})
	return o
}

// decorate adds what an order's answer derives from its row: the receipt
// link and, for a bank transfer, the payee's details.
func (s *Service) decorate(o Order) Order {
	o.ReceiptURL = "/receipts/" + o.ReceiptToken
	if o.Payment.Provider == Manual {
		in := s.cfg.Payee
		in.Reference, in.AmountFen = o.Number, o.TotalFen
		o.Payment.Instructions = &in
	}
	return o
}

// Summary is an order in a list.
type Summary struct {
	ID        ids.ID    `json:"id"`
	Number    string    `json:"number"`
	Status    Status    `json:"status"`
	TotalFen  int64     `json:"total_fen"`
	CreatedAt time.Time `json:"created_at"` // in the site's zone (Beijing), as every time the API answers
}

// List returns the actor's orders (all orders for a platform admin), newest
// first, after the cursor id.
func (s *Service) List(ctx context.Context, a auth.Actor, cursor int64, limit int) ([]Summary, int64, error) {
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	if cursor <= 0 {
		cursor = 1<<63 - 1
	}
	const q = `SELECT id, number, status, total_fen, created_at
		FROM orders WHERE (buyer_id = $1 OR $2) AND id < $3 ORDER BY id DESC LIMIT $4`
	rows, err := s.db.Query(ctx, q, a.UserID, a.IsAdmin(), cursor, limit+1)
	if err != nil {
		return nil, 0, err
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Summary])
	if err != nil {
		return nil, 0, err
	}
	for i := range list {
		list[i].CreatedAt = s.cfg.Clock.In(list[i].CreatedAt)
	}
	var next int64
	if len(list) > limit {
		list, next = list[:limit], int64(list[limit-1].ID)
	}
	return list, next, nil
}

// IDByReceipt returns the order whose public receipt token is token.
func (s *Service) IDByReceipt(ctx context.Context, token string) (int64, error) {
	if len(token) != 32 {
		return 0, errNoOrder
	}
	var id int64
	err := s.db.QueryRow(ctx, `SELECT id FROM orders WHERE receipt_token = $1`, token).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, errNoOrder
	}
	return id, err
}
