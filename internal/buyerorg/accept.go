package buyerorg

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/text"
)

// AwaitingOrder is a member's delivered order to accept, with what it holds
// (net of refunds), so that the canteen can check it against what arrived.
type AwaitingOrder struct {
	ID          ids.ID         `json:"id"`
	Number      string         `json:"number"`
	Buyer       string         `json:"buyer"`
	TotalFen    int64          `json:"total_fen"`
	DeliveredAt *time.Time     `json:"delivered_at"`
	Items       []AwaitingItem `json:"items"`
}

// AwaitingItem is a line of an order to accept.
type AwaitingItem struct {
	Title       string `json:"title"`
	Variant     string `json:"variant"`
	Quantity    int    `json:"quantity"`
	Cooperative string `json:"cooperative"`
	// Names is the title as sold in every language the product had then
	// (order.Line.Names); CooperativeNames the cooperative's names.
	Names            text.Names `json:"names"`
	CooperativeNames text.Names `json:"cooperative_names"`
}

// TitleIn is the item's title as sold, in lang; Chinese when it had none there.
func (i AwaitingItem) TitleIn(lang string) string {
	return text.Names{Zh: i.Title, Ug: i.Names.Ug, En: i.Names.En}.In(lang)
}

// CooperativeIn is the cooperative's name in lang, Chinese when it has none there.
func (i AwaitingItem) CooperativeIn(lang string) string {
	return text.Names{Zh: i.Cooperative, Ug: i.CooperativeNames.Ug, En: i.CooperativeNames.En}.In(lang)
}

// Awaiting lists the members' delivered orders waiting for acceptance,
// oldest delivery first.
func (s *Service) Awaiting(ctx context.Context, a auth.Actor, orgID int64) ([]AwaitingOrder, error) {
	if err := s.admin(ctx, a, orgID); err != nil {
		return nil, err
	}
	const q = `SELECT o.id, o.number, u.name, o.total_fen - o.refunded_fen, o.delivered_at,
			coalesce((SELECT json_agg(json_build_object('title', l.title, 'variant', l.variant_name,
					'quantity', l.quantity - l.refunded_quantity, 'cooperative', c.name,
					'names', coalesce(l.names, jsonb_build_object('zh', l.title)),
					'cooperative_names', jsonb_strip_nulls(jsonb_build_object('zh', c.name,
						'ug', nullif(c.name_ug, ''), 'en', nullif(c.name_en, '')))) ORDER BY l.id)
				FROM order_lines l JOIN cooperatives c ON c.id = l.cooperative_id
				WHERE l.order_id = o.id AND l.quantity > l.refunded_quantity), '[]')
		FROM orders o JOIN users u ON u.id = o.buyer_id
		WHERE o.buyer_org_id = $1 AND (o.status = 'delivered' OR o.status = 'partially_refunded' AND o.delivered_at IS NOT NULL
			AND o.completed_at IS NULL) ORDER BY o.delivered_at NULLS FIRST, o.id`
	rows, err := s.db.Query(ctx, q, orgID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[AwaitingOrder])
}

// maxAcceptBatch bounds the orders one acceptance takes.
const maxAcceptBatch = 500

// AcceptMany records the organisation's acceptance of several delivered
// orders of its members at once: all of them, or none when one is not the
// organisation's (not found) or no longer waiting (a conflict: another
// administrator accepted it meanwhile, or it was refunded).
func (s *Service) AcceptMany(ctx context.Context, a auth.Actor, orgID int64, orderIDs []int64) (int, error) {
	if err := s.admin(ctx, a, orgID); err != nil {
		return 0, err
	}
	if len(orderIDs) == 0 || len(orderIDs) > maxAcceptBatch {
		return 0, errs.Validation("nothing to accept", map[string]string{"orders": "choose from 1 to 500 delivered orders"})
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(ctx)
	const q = `SELECT id FROM orders WHERE id = ANY($1) AND buyer_org_id = $2 ORDER BY id FOR UPDATE`
	rows, err := tx.Query(ctx, q, orderIDs, orgID)
	if err != nil {
		return 0, err
	}
	orders, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, err
	}
	if len(orders) != len(uniq(orderIDs)) {
		return 0, errs.E(errs.NotFound, "order not found")
	}
	// Whether an order may be accepted is order.AcceptTx's rule; the batch
	// is all or nothing, so one order it refuses rolls back the rest.
	late := 0
	for _, id := range orders {
		accepted, err := order.AcceptTx(ctx, tx, id, a.UserID)
		if err != nil {
			return 0, err
		}
		if !accepted {
			late++
		}
	}
	if late > 0 {
		return 0, errs.E(errs.Conflict, "%d of the chosen orders are no longer waiting for acceptance; nothing was accepted", late)
	}
	return len(orders), tx.Commit(ctx)
}

// uniq is ids without repeats.
func uniq(in []int64) map[int64]bool {
	out := make(map[int64]bool, len(in))
	for _, id := range in {
		out[id] = true
	}
	return out
}
