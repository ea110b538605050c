package order

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/auth"
)

// shippingFee is the cooperative's flat fee, waived from its threshold.
func shippingFee(v variantRow, subtotal int64) int64 {
	if v.FreeFromFen != nil && subtotal >= *v.FreeFromFen {
		return 0
	}
	return v.FlatFen
}

func (s *Service) insertOrder(ctx context.Context, tx pgx.Tx, a auth.Actor, req PlaceRequest, items []Item,
	variants map[int64]variantRow, allocs [][]allocation) (int64, error) {
	subtotals := map[int64]int64{}
	sample := map[int64]variantRow{}
	var itemsFen int64
	for _, it := range items {
		v := variants[int64(it.VariantID)]
		amount := int64(it.Quantity) * v.PriceFen
		subtotals[v.CoopID] += amount
		sample[v.CoopID] = v
		itemsFen += amount
	}
	coops := make([]int64, 0, len(subtotals))
	var shippingFen int64
	for c, sub := range subtotals {
		coops = append(coops, c)
		shippingFen += shippingFee(sample[c], sub)
	}
	sort.Slice(coops, func(i, j int) bool { return coops[i] < coops[j] })

	const qOrder = `INSERT INTO orders (number, buyer_id, buyer_org_id, status, items_fen, shipping_fen, total_fen,
			payment_method, ship_name, ship_phone, ship_province, ship_city, ship_district, ship_detail,
			receipt_token, expires_at, created_at, updated_at)
		VALUES ('FP' || to_char($14::timestamptz AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || lpad(nextval('order_number_seq')::text, 7, '0'),
			$1, coalesce(nullif($2::bigint, 0), (SELECT buyer_org_id FROM buyer_org_members WHERE user_id = $1)), 'pending_payment', $3::bigint, $4::bigint, $3::bigint + $4::bigint, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)
		RETURNING id`
	ad := req.ShippingAddress
	var id int64
	err := tx.QueryRow(ctx, qOrder, a.UserID, a.BuyerOrgID, itemsFen, shippingFen, req.PaymentMethod,
		ad.Name, ad.Phone, ad.Province, ad.City, ad.District, ad.Detail, auth.RandomToken(16), s.now().Add(s.cfg.TTL), s.now()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert order: %w", err)
	}
	shipments := map[int64]int64{}
	const qShip = `INSERT INTO shipments (order_id, cooperative_id, shipping_fen) VALUES ($1, $2, $3) RETURNING id`
	for _, c := range coops {
		var sid int64
		if err := tx.QueryRow(ctx, qShip, id, c, shippingFee(sample[c], subtotals[c])).Scan(&sid); err != nil {
			return 0, fmt.Errorf("insert shipment: %w", err)
		}
		shipments[c] = sid
	}
	const qLine = `INSERT INTO order_lines (order_id, shipment_id, variant_id, product_id, cooperative_id, title,
			variant_name, quantity, base_qty, unit_price_fen, amount_fen)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8::int, $9::numeric / 1000, $10::bigint, $8::int * $10::bigint) RETURNING id`
	const qAlloc = `INSERT INTO order_allocations (line_id, lot_id, position, units) VALUES ($1, $2, $3, $4::numeric / 1000)`
	rest := &pgx.Batch{} // allocations and the notification go in one round trip
	for i, it := range items {
		v := variants[int64(it.VariantID)]
		var lineID int64
		if err := tx.QueryRow(ctx, qLine, id, shipments[v.CoopID], v.VariantID, v.ProductID, v.CoopID, v.Title, v.Name,
			it.Quantity, v.BaseMilli, v.PriceFen).Scan(&lineID); err != nil {
			return 0, fmt.Errorf("insert line: %w", err)
		}
		for pos, al := range allocs[i] {
			rest.Queue(qAlloc, lineID, al.LotID, pos, al.Milli)
		}
	}
	b, _ := json.Marshal(map[string]any{"order_id": id})
	rest.Queue(qNotify, "order.placed", a.UserID, b)
	if err := tx.SendBatch(ctx, rest).Close(); err != nil {
		return 0, fmt.Errorf("insert allocations: %w", err)
	}
	return id, nil
}

const qNotify = `INSERT INTO outbox (topic, recipient_id, payload) VALUES ($1, nullif($2::bigint, 0), $3)`

// notify writes a notification to the outbox in the caller's transaction.
func notify(ctx context.Context, tx pgx.Tx, topic string, recipient int64, payload any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, qNotify, topic, recipient, b); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	return nil
}
