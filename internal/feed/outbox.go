// Package feed reports sales of certified products, refunds, payouts, wages
// and dividends to a supervising platform (the national 832 platform, a
// provincial 消费扶贫 system), as docs/FEED.md describes: each is an event
// written to an outbox (feed_events) in the transaction of the change it
// announces, and a river job delivers the outbox by signed POSTs, at least
// once, one cooperative's events at a time in order, retrying with back-off
// for days. Events carry places, codes and amounts, never a person.
package feed

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Event types.
const (
	SalePaid       = "sale.paid"
	SaleRefunded   = "sale.refunded"
	PayoutRecorded = "payout.recorded"
	WageRecorded   = "wage.recorded"
	DividendPaid   = "dividend.paid"
)

// Types lists the event types in the order docs/FEED.md describes them.
var Types = []string{SalePaid, SaleRefunded, PayoutRecorded, WageRecorded, DividendPaid}

// Outbox writes feed events in the transactions of the changes they
// announce. A nil *Outbox writes nothing: no feed is configured
// (MARKET_FEED_URL is empty), and nothing is owed to a platform.
type Outbox struct{}

// certified is the certificate that made an order line's product certified
// when the order was paid: a certificate the prefecture had confirmed by
// then (catalog.ConfirmCertification) and valid on that day in Beijing time.
// It is read the same way when the line is paid and when it is refunded,
// so a refund is reported exactly for the lines whose sale was.
const certified = `CROSS JOIN LATERAL (
		SELECT pc.certificate_no FROM product_certifications pc
		WHERE pc.product_id = ol.product_id AND pc.status = 'confirmed' AND pc.confirmed_at <= o.paid_at
			AND (o.paid_at AT TIME ZONE 'Asia/Shanghai')::date BETWEEN pc.valid_from AND pc.valid_until
		ORDER BY pc.valid_until DESC, pc.id DESC LIMIT 1) c`

// lineData is the part of a sale's or refund's data that names the line.
const lineData = `'order_number', o.number, 'line_id', ol.id::text, 'product_id', ol.product_id::text,
		'product', ol.title, 'variant', ol.variant_name, 'certificate_no', c.certificate_no,
		'county_code', p.county_code, 'cooperative_credit_code', co.credit_code, 'cooperative', co.name`

// QueueSalePaid queues on b, the batch that writes a paid order's ledger
// entries, one INSERT of a sale.paid event for each of the order's lines
// whose product was certified when it was paid: no round trip of its own.
func (o *Outbox) QueueSalePaid(b *pgx.Batch, orderID int64) {
	if o == nil {
		return
	}
	const q = `INSERT INTO feed_events (cooperative_id, type, occurred_at, data)
		SELECT ol.cooperative_id, 'sale.paid', o.paid_at, jsonb_build_object(` + lineData + `,
			'quantity', ol.quantity, 'unit_price_fen', ol.unit_price_fen, 'amount_fen', ol.amount_fen,
			'base_unit', p.base_unit, 'base_qty', ol.base_qty::text)
		FROM orders o JOIN order_lines ol ON ol.order_id = o.id JOIN products p ON p.id = ol.product_id
		JOIN cooperatives co ON co.id = ol.cooperative_id ` + certified + `
		WHERE o.id = $1 AND o.paid_at IS NOT NULL ORDER BY ol.id`
	b.Queue(q, orderID)
}

// RefundTx writes a sale.refunded event for each line of the refund whose
// sale was reported (its product certified when the order was paid).
func (o *Outbox) RefundTx(ctx context.Context, tx pgx.Tx, refundID int64, at time.Time) error {
	if o == nil {
		return nil
	}
	const q = `INSERT INTO feed_events (cooperative_id, type, occurred_at, data)
		SELECT ol.cooperative_id, 'sale.refunded', $2, jsonb_build_object(` + lineData + `,
			'refund_id', r.id::text, 'quantity', rl.quantity, 'amount_fen', rl.amount_fen)
		FROM refunds r JOIN refund_lines rl ON rl.refund_id = r.id JOIN order_lines ol ON ol.id = rl.line_id
		JOIN orders o ON o.id = r.order_id JOIN products p ON p.id = ol.product_id
		JOIN cooperatives co ON co.id = ol.cooperative_id ` + certified + `
		WHERE r.id = $1 ORDER BY ol.id`
	if _, err := tx.Exec(ctx, q, refundID, at); err != nil {
		return fmt.Errorf("feed: refund events: %w", err)
	}
	return nil
}

// PayoutsTx writes a payout.recorded event for each payout.
func (o *Outbox) PayoutsTx(ctx context.Context, tx pgx.Tx, payoutIDs []int64, at time.Time) error {
	if o == nil || len(payoutIDs) == 0 {
		return nil
	}
	const q = `INSERT INTO feed_events (cooperative_id, type, occurred_at, data)
		SELECT p.cooperative_id, 'payout.recorded', $2, jsonb_build_object('payout_id', p.id::text,
			'cooperative_credit_code', co.credit_code, 'cooperative', co.name, 'county_code', co.county_code,
			'amount_fen', p.amount_fen, 'paid_on', p.paid_on::text, 'method', p.method)
		FROM payouts p JOIN cooperatives co ON co.id = p.cooperative_id WHERE p.id = ANY ($1) ORDER BY p.id`
	if _, err := tx.Exec(ctx, q, payoutIDs, at); err != nil {
		return fmt.Errorf("feed: payout events: %w", err)
	}
	return nil
}

// WagesTx writes a wage.recorded event for each wage (or correction).
func (o *Outbox) WagesTx(ctx context.Context, tx pgx.Tx, wageIDs []int64, at time.Time) error {
	if o == nil || len(wageIDs) == 0 {
		return nil
	}
	const q = `INSERT INTO feed_events (cooperative_id, type, occurred_at, data)
		SELECT w.cooperative_id, 'wage.recorded', $2, jsonb_build_object('wage_id', w.id::text,
			'cooperative_credit_code', co.credit_code, 'cooperative', co.name, 'county_code', co.county_code,
			'kind', w.kind, 'work_from', w.work_from::text, 'work_to', w.work_to::text, 'amount_fen', w.amount_fen,
			'paid_on', w.paid_on::text, 'corrects', w.corrects::text)
		FROM wages w JOIN cooperatives co ON co.id = w.cooperative_id WHERE w.id = ANY ($1) ORDER BY w.id`
	if _, err := tx.Exec(ctx, q, wageIDs, at); err != nil {
		return fmt.Errorf("feed: wage events: %w", err)
	}
	return nil
}

// DividendTx writes the dividend.paid event of a dividend just confirmed.
func (o *Outbox) DividendTx(ctx context.Context, tx pgx.Tx, dividendID int64) error {
	if o == nil {
		return nil
	}
	const q = `INSERT INTO feed_events (cooperative_id, type, occurred_at, data)
		SELECT d.cooperative_id, 'dividend.paid', d.paid_at, jsonb_build_object('dividend_id', d.id::text,
			'cooperative_credit_code', co.credit_code, 'cooperative', co.name, 'county_code', co.county_code,
			'year', d.year, 'basis', d.basis, 'total_fen', d.total_fen,
			'households', (SELECT count(*) FROM dividend_splits s WHERE s.dividend_id = d.id AND s.amount_fen > 0))
		FROM dividends d JOIN cooperatives co ON co.id = d.cooperative_id WHERE d.id = $1 AND d.status = 'paid'`
	if _, err := tx.Exec(ctx, q, dividendID); err != nil {
		return fmt.Errorf("feed: dividend event: %w", err)
	}
	return nil
}
