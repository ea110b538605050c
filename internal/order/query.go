package order

import (
	"context"
	"errors"
	"fmt"

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

// get reads an order with its lines and shipments in one round trip.
func (s *Service) get(ctx context.Context, db querier, id int64) (Order, error) {
	const q = `SELECT id, number, buyer_id, status, items_fen, shipping_fen, total_fen, refunded_fen,
			payment_method, payment_status, payment_reference, coalesce(payment_intent_id, ''),
			ship_name, ship_phone, ship_province, ship_city, ship_district, ship_detail,
			receipt_token, expires_at, paid_at, created_at
		FROM orders WHERE id = $1`
	const qLines = `SELECT id, variant_id, product_id, cooperative_id, title, variant_name, quantity, unit_price_fen,
			amount_fen, refunded_quantity, refunded_fen, shipment_id
		FROM order_lines WHERE order_id = $1 ORDER BY id`
	const qShip = `SELECT id, cooperative_id, shipping_fen, carrier, tracking_no, shipped_at
		FROM shipments WHERE order_id = $1 ORDER BY cooperative_id`
	batch := &pgx.Batch{}
	batch.Queue(q, id)
	batch.Queue(qLines, id)
	batch.Queue(qShip, id)
	br := db.SendBatch(ctx, batch)
	defer br.Close()
	var o Order
	var ad = &o.ShippingAddress
	err := br.QueryRow().Scan(&o.ID, &o.Number, &o.BuyerID, &o.Status, &o.ItemsFen, &o.ShippingFen,
		&o.TotalFen, &o.RefundedFen, &o.Payment.Provider, &o.Payment.Status, &o.Payment.Reference, &o.PaymentIntentID,
		&ad.Name, &ad.Phone, &ad.Province, &ad.City, &ad.District, &ad.Detail,
		&o.ReceiptToken, &o.ExpiresAt, &o.PaidAt, &o.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Order{}, errNoOrder
	}
	if err != nil {
		return Order{}, fmt.Errorf("get order: %w", err)
	}
	o.ReceiptURL = "/receipts/" + o.ReceiptToken
	if o.Payment.Provider == Manual {
		in := s.cfg.Payee
		in.Reference, in.AmountFen = o.Number, o.TotalFen
		o.Payment.Instructions = &in
	}
	rows, err := br.Query()
	if err != nil {
		return Order{}, err
	}
	if o.Lines, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Line]); err != nil {
		return Order{}, err
	}
	if rows, err = br.Query(); err != nil {
		return Order{}, err
	}
	if o.Shipments, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Shipment]); err != nil {
		return Order{}, err
	}
	return o, br.Close()
}

// Summary is an order in a list.
type Summary struct {
	ID        ids.ID `json:"id"`
	Number    string `json:"number"`
	Status    Status `json:"status"`
	TotalFen  int64  `json:"total_fen"`
	CreatedAt string `json:"created_at"`
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
	const q = `SELECT id, number, status, total_fen, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
		FROM orders WHERE (buyer_id = $1 OR $2) AND id < $3 ORDER BY id DESC LIMIT $4`
	rows, err := s.db.Query(ctx, q, a.UserID, a.IsAdmin(), cursor, limit+1)
	if err != nil {
		return nil, 0, err
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Summary])
	if err != nil {
		return nil, 0, err
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
