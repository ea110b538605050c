package order

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/coop"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/text"
)

// shippingFee is the cooperative's flat fee, waived from its threshold.
func shippingFee(v variantRow, subtotal int64) int64 {
	return coop.ShippingTerms{FlatFen: v.FlatFen, FreeFromFen: v.FreeFromFen}.FeeFor(subtotal)
}

// draft is an order being placed: what Place knows before writing it, and
// the ids its INSERT returns.
type draft struct {
	id, seq     int64 // the order's id and its number's sequence value
	actor       auth.Actor
	req         PlaceRequest
	now         time.Time
	token       string // the public receipt's
	rows        orderRows
	lineIDs     []int64         // in the order of rows.variant
	shipmentIDs map[int64]int64 // by cooperative
}

// number is the order's number: FP, the day in the clock's zone (Beijing),
// seven digits.
func (d *draft) number() string {
	return fmt.Sprintf("FP%s%07d", d.now.Format("20060102"), d.seq)
}

// queueInsert queues, in one statement, the guarded decrement of every lot
// taken from, the order, its shipments (one per cooperative), lines, lot
// allocations and the buyer's notification, and fills in the ids of the
// lines and shipments. The lots are locked, so the guard (remaining ≥ what
// is taken) always holds; were it ever not to, the batch fails instead of
// overselling.
func (s *Service) queueInsert(b *pgx.Batch, d *draft) {
	o, ad := &d.rows, d.req.ShippingAddress
	notice, _ := json.Marshal(map[string]any{"order_id": d.id}) // a map of a number cannot fail
	const q = `WITH taken AS (
			UPDATE lots l SET remaining = l.remaining - u.milli::numeric / 1000
			FROM unnest($1::bigint[], $2::bigint[]) AS u(id, milli)
			WHERE l.id = u.id AND l.remaining * 1000 >= u.milli
			RETURNING l.id),
		o AS (
			INSERT INTO orders (id, number, buyer_id, buyer_org_id, status, items_fen, shipping_fen, total_fen,
				payment_method, ship_name, ship_phone, ship_province, ship_city, ship_district, ship_detail,
				receipt_token, expires_at, created_at, updated_at)
			OVERRIDING SYSTEM VALUE
			VALUES ($3, $33, $5, coalesce(nullif($6::bigint, 0), (SELECT buyer_org_id FROM buyer_org_members WHERE user_id = $5)),
				'pending_payment', $7::bigint, $8::bigint, $7::bigint + $8::bigint, $9, $10, $11, $12, $13, $14, $15, $16, $17, $4, $4)
			RETURNING id),
		s AS (
			INSERT INTO shipments (order_id, cooperative_id, shipping_fen)
			SELECT o.id, u.coop, u.fee FROM o, unnest($18::bigint[], $19::bigint[]) AS u(coop, fee)
			RETURNING id, cooperative_id),
		l AS (
			INSERT INTO order_lines (order_id, shipment_id, variant_id, product_id, cooperative_id, title,
				variant_name, quantity, base_qty, unit_price_fen, amount_fen, names)
			SELECT o.id, s.id, u.variant, u.product, u.coop, u.title, u.name, u.qty, u.base::numeric / 1000, u.price, u.qty * u.price,
				jsonb_strip_nulls(jsonb_build_object('zh', u.title, 'ug', nullif(u.title_ug, ''), 'en', nullif(u.title_en, '')))
			FROM o, unnest($20::bigint[], $21::bigint[], $22::bigint[], $23::text[], $24::text[], $25::int[], $26::bigint[], $27::bigint[],
					$34::text[], $35::text[])
				WITH ORDINALITY AS u(variant, product, coop, title, name, qty, base, price, title_ug, title_en, ord)
			JOIN s ON s.cooperative_id = u.coop
			ORDER BY u.ord
			RETURNING id, variant_id),
		a AS (
			INSERT INTO order_allocations (line_id, lot_id, position, units)
			SELECT l.id, u.lot, u.pos, u.milli::numeric / 1000
			FROM unnest($28::bigint[], $29::bigint[], $30::int[], $31::bigint[]) AS u(variant, lot, pos, milli)
			JOIN l ON l.variant_id = u.variant),
		n AS (
			INSERT INTO outbox (topic, recipient_id, payload) SELECT 'order.placed', $5, $32 FROM o)
		SELECT (SELECT count(*) FROM taken),
			(SELECT array_agg(id ORDER BY id) FROM l), (SELECT array_agg(variant_id ORDER BY id) FROM l),
			(SELECT array_agg(id ORDER BY id) FROM s), (SELECT array_agg(cooperative_id ORDER BY id) FROM s)`
	b.Queue(q, o.takeLots, o.takeMilli, d.id, d.now, d.actor.UserID, d.actor.BuyerOrgID, o.itemsFen, o.shippingFen,
		d.req.PaymentMethod, ad.Name, ad.Phone, ad.Province, ad.City, ad.District, ad.Detail, d.token,
		d.now.Add(s.cfg.ttl(d.req.PaymentMethod)), o.coops, o.fees, o.variant, o.product, o.coop, o.title, o.name, o.qty, o.base, o.price,
		o.aVariant, o.aLot, o.aPos, o.aMilli, notice, d.number(), o.titleUg, o.titleEn).QueryRow(func(row pgx.Row) error {
		var n int
		var lines, lineVariants, ships, shipCoops []int64
		if err := row.Scan(&n, &lines, &lineVariants, &ships, &shipCoops); err != nil {
			return err
		}
		if n != len(o.takeLots) {
			return errors.New("lot stock changed under its lock")
		}
		return d.written(lines, lineVariants, ships, shipCoops)
	})
}

// written takes the ids the INSERT returned: lines by variant (an order has
// one line per variant), shipments by cooperative.
func (d *draft) written(lines, lineVariants, ships, shipCoops []int64) error {
	byVariant := map[int64]int64{}
	for i, id := range lines {
		byVariant[lineVariants[i]] = id
	}
	d.lineIDs = make([]int64, len(d.rows.variant))
	for i, v := range d.rows.variant {
		if d.lineIDs[i] = byVariant[v]; d.lineIDs[i] == 0 {
			return fmt.Errorf("order %d: no line written for variant %d", d.id, v)
		}
	}
	d.shipmentIDs = map[int64]int64{}
	for i, id := range ships {
		d.shipmentIDs[shipCoops[i]] = id
	}
	return nil
}

// order is the placed order as Get would read it: times at the database's
// precision, lines by id, shipments by cooperative.
func (d *draft) order(ttl time.Duration) Order {
	now := d.now.Truncate(time.Microsecond) // in the clock's zone, as the pool scans times
	o := Order{ID: ids.ID(d.id), Number: d.number(), BuyerID: ids.ID(d.actor.UserID), Status: PendingPayment,
		ItemsFen: d.rows.itemsFen, ShippingFen: d.rows.shippingFen, TotalFen: d.rows.itemsFen + d.rows.shippingFen,
		Payment: Payment{Provider: d.req.PaymentMethod, Status: "pending"}, ShippingAddress: d.req.ShippingAddress,
		ExpiresAt: d.now.Add(ttl).Truncate(time.Microsecond), CreatedAt: now, ReceiptToken: d.token,
		Lines: make([]Line, len(d.lineIDs))}
	r := &d.rows
	for i := range o.Lines {
		o.Lines[i] = Line{ID: ids.ID(d.lineIDs[i]), VariantID: ids.ID(r.variant[i]), ProductID: ids.ID(r.product[i]),
			CooperativeID: ids.ID(r.coop[i]), Title: r.title[i], VariantName: r.name[i], Quantity: int(r.qty[i]),
			UnitPriceFen: r.price[i], AmountFen: r.qty[i] * r.price[i], ShipmentID: ids.ID(d.shipmentIDs[r.coop[i]]),
			Names: text.Names{Zh: r.title[i], Ug: r.titleUg[i], En: r.titleEn[i]}}
	}
	sort.Slice(o.Lines, func(i, j int) bool { return o.Lines[i].ID < o.Lines[j].ID })
	for i, c := range r.coops {
		o.Shipments = append(o.Shipments, Shipment{ID: ids.ID(d.shipmentIDs[c]), CooperativeID: ids.ID(c), ShippingFen: r.fees[i]})
	}
	sort.Slice(o.Shipments, func(i, j int) bool { return o.Shipments[i].CooperativeID < o.Shipments[j].CooperativeID })
	return o
}

// orderRows is an order's rows as the arrays its INSERT statement unnests.
type orderRows struct {
	takeLots, takeMilli               []int64
	itemsFen, shippingFen             int64
	coops, fees                       []int64
	variant, product, coop, qty, base []int64
	price                             []int64
	title, name                       []string
	titleUg, titleEn                  []string // the title in Uyghur and English, "" where none
	aVariant, aLot, aPos, aMilli      []int64
}

func newOrderRows(items []Item, variants map[int64]variantRow, allocs [][]allocation) orderRows {
	var o orderRows
	subtotals := map[int64]int64{}
	sample := map[int64]variantRow{}
	taken := map[int64]int64{}
	for i, it := range items {
		v := variants[int64(it.VariantID)]
		amount := int64(it.Quantity) * v.PriceFen
		subtotals[v.CoopID] += amount
		sample[v.CoopID] = v
		o.itemsFen += amount
		o.variant, o.product, o.coop = append(o.variant, v.VariantID), append(o.product, v.ProductID), append(o.coop, v.CoopID)
		o.qty, o.base, o.price = append(o.qty, int64(it.Quantity)), append(o.base, v.BaseMilli), append(o.price, v.PriceFen)
		o.title, o.name = append(o.title, v.Title), append(o.name, v.Name)
		o.titleUg, o.titleEn = append(o.titleUg, v.TitleUg), append(o.titleEn, v.TitleEn)
		for pos, al := range allocs[i] {
			o.aVariant, o.aLot = append(o.aVariant, v.VariantID), append(o.aLot, al.LotID)
			o.aPos, o.aMilli = append(o.aPos, int64(pos)), append(o.aMilli, al.Milli)
			taken[al.LotID] += al.Milli
		}
	}
	for c, sub := range subtotals {
		o.coops, o.fees = append(o.coops, c), append(o.fees, shippingFee(sample[c], sub))
		o.shippingFen += o.fees[len(o.fees)-1]
	}
	for lot, n := range taken {
		o.takeLots, o.takeMilli = append(o.takeLots, lot), append(o.takeMilli, n)
	}
	return o
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
