package order

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/text"
)

// AwaitingTransfer is an unpaid bank-transfer order in the admin's queue.
type AwaitingTransfer struct {
	ID        ids.ID    `json:"id"`
	Number    string    `json:"number"`
	TotalFen  int64     `json:"total_fen"`
	BuyerName string    `json:"buyer_name"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// AwaitingTransfers lists unpaid bank-transfer orders, oldest first.
func (s *Service) AwaitingTransfers(ctx context.Context, a auth.Actor) ([]AwaitingTransfer, error) {
	if !a.IsAdmin() {
		return nil, errs.E(errs.Forbidden, "only a platform administrator confirms payments")
	}
	const q = `SELECT o.id, o.number, o.total_fen, u.name, o.created_at, o.expires_at
		FROM orders o JOIN users u ON u.id = o.buyer_id
		WHERE o.status = 'pending_payment' AND o.payment_method = 'manual' ORDER BY o.id LIMIT 200`
	rows, err := s.db.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[AwaitingTransfer])
}

// CoopShipment is one shipment in a cooperative's queue.
type CoopShipment struct {
	ShipmentID  ids.ID     `json:"shipment_id"`
	OrderID     ids.ID     `json:"order_id"`
	OrderNumber string     `json:"order_number"`
	Status      Status     `json:"order_status"`
	PaidAt      *time.Time `json:"paid_at"`
	ShippedAt   *time.Time `json:"shipped_at"`
	Carrier     string     `json:"carrier"`
	TrackingNo  string     `json:"tracking_no"`
	Items       string     `json:"items"` // the lines in one Chinese string (Lines has them apart)
	ShipTo      string     `json:"ship_to"`
	// Lines are what to pack, one per order line, by line.
	Lines []ShipmentLine `json:"lines"`
	// Sendable is whether anything is left to send: the order is not
	// refunded and a unit of the shipment is not. The queue lists only
	// such shipments (and sent ones); the ship page of one order reads it
	// even after a refund emptied it, to say so instead of "not found".
	Sendable bool `json:"-"`
}

// ShipmentLine is one line of a shipment: the product's title as sold
// (order.Line.Names), the variant and the quantity left after refunds.
type ShipmentLine struct {
	Title    string     `json:"title"`
	Names    text.Names `json:"names"`
	Variant  string     `json:"variant"`
	Quantity int        `json:"quantity"`
}

// TitleIn is the line's title as sold, in lang; Chinese when the product
// had none in lang.
func (l ShipmentLine) TitleIn(lang string) string {
	return text.Names{Zh: l.Title, Ug: l.Names.Ug, En: l.Names.En}.In(lang)
}

// coopShipmentSelect reads a cooperative's shipments of paid orders ($1:
// the cooperative); callers add their filter and order.
const coopShipmentSelect = `SELECT sh.id, o.id, o.number, o.status, o.paid_at, sh.shipped_at, sh.carrier, sh.tracking_no,
		(SELECT string_agg(ol.title || ' ' || ol.variant_name || ' ×' || (ol.quantity - ol.refunded_quantity), '；' ORDER BY ol.id)
			FROM order_lines ol WHERE ol.shipment_id = sh.id),
		o.ship_name || ' ' || o.ship_phone || ' ' || o.ship_province || o.ship_city || o.ship_district || o.ship_detail,
		coalesce((SELECT json_agg(json_build_object('title', ol.title, 'names', coalesce(ol.names, jsonb_build_object('zh', ol.title)),
				'variant', ol.variant_name, 'quantity', ol.quantity - ol.refunded_quantity) ORDER BY ol.id)
			FROM order_lines ol WHERE ol.shipment_id = sh.id), '[]'),
		o.status <> 'refunded' AND ` + shipmentHoldsGoods + `
	FROM shipments sh JOIN orders o ON o.id = sh.order_id
	WHERE sh.cooperative_id = $1 AND o.paid_at IS NOT NULL`

// coopShipmentsQuery is the cooperative's queue: shipments sent, and those
// that still hold goods of an order not refunded.
const coopShipmentsQuery = coopShipmentSelect + ` AND o.status <> 'refunded'
		AND (sh.shipped_at IS NOT NULL OR ` + shipmentHoldsGoods + `)`

// CoopShipments lists the cooperative's shipments of paid orders: those to
// send first, then recently sent ones.
func (s *Service) CoopShipments(ctx context.Context, a auth.Actor) ([]CoopShipment, error) {
	if !a.Has(auth.RoleCoopAdmin) {
		return nil, errs.E(errs.Forbidden, "only a cooperative administrator sees its shipments")
	}
	const q = coopShipmentsQuery + ` ORDER BY sh.shipped_at IS NOT NULL, sh.shipped_at DESC NULLS FIRST, o.paid_at LIMIT 200`
	rows, err := s.db.Query(ctx, q, a.CooperativeID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[CoopShipment])
}

// CoopShipment is the cooperative's shipment of one paid order, however
// far down its list (the ship page of an old order), and also when a
// refund has left nothing to send (Sendable false): the page then says so.
func (s *Service) CoopShipment(ctx context.Context, a auth.Actor, orderID int64) (CoopShipment, error) {
	if !a.Has(auth.RoleCoopAdmin) {
		return CoopShipment{}, errs.E(errs.Forbidden, "only a cooperative administrator sees its shipments")
	}
	const q = coopShipmentSelect + ` AND o.id = $2`
	rows, err := s.db.Query(ctx, q, a.CooperativeID, orderID)
	if err != nil {
		return CoopShipment{}, err
	}
	sh, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[CoopShipment])
	if errors.Is(err, pgx.ErrNoRows) {
		return CoopShipment{}, errs.E(errs.NotFound, "order not found")
	}
	return sh, err
}

// PaidAfterCancel is an order whose payment arrived after it was cancelled
// (it expired meanwhile): its stock went back, so the whole payment must.
type PaidAfterCancel struct {
	OrderID     ids.ID `json:"order_id"`
	OrderNumber string `json:"order_number"`
	LeftFen     int64  `json:"left_fen"` // what is not refunded yet
	Reference   string `json:"reference"`
}

// PaidAfterCancelled lists, for a platform administrator, the orders paid
// after they were cancelled that are not refunded whole yet.
func (s *Service) PaidAfterCancelled(ctx context.Context, a auth.Actor) ([]PaidAfterCancel, error) {
	if !a.IsAdmin() {
		return nil, errs.E(errs.Forbidden, "only a platform administrator sees payments")
	}
	const q = `SELECT id, number, total_fen - refunded_fen, payment_reference FROM orders
		WHERE payment_status = 'succeeded' AND paid_at IS NULL AND refunded_fen < total_fen ORDER BY updated_at LIMIT 200`
	rows, err := s.db.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[PaidAfterCancel])
}
