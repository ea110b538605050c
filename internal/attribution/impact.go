package attribution

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/platform/text"
)

// CountyImpact is what one county's households earned from an order.
type CountyImpact struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	AmountFen  int64  `json:"amount_fen"`
	Households int    `json:"households"`
	Villages   int    `json:"villages"`
	// Names is the county's name in every language curated (Name is the
	// Chinese).
	Names text.Names `json:"names"`
}

// NameIn is the county's name in lang, Chinese when it has none there.
func (c CountyImpact) NameIn(lang string) string {
	return text.Names{Zh: c.Name, Ug: c.Names.Ug, En: c.Names.En}.In(lang)
}

// Impact says how much of an order reached how many registered households in
// which places. It names no person.
type Impact struct {
	AmountFen  int64          `json:"amount_fen"`
	Households int            `json:"households"`
	Villages   int            `json:"villages"`
	Counties   []CountyImpact `json:"counties"`
	// TakenBack: the order was attributed, and refunds took all of it
	// back (AmountFen is then 0). False for an order never paid.
	TakenBack bool `json:"-"`
}

// OrderImpact sums the order's ledger (net of refunds) by county. A
// household is netted over all its entries before it counts: an entry keeps
// the village the household had when it was written, so a refund after a
// move lies in another village than the sale it takes back, and netting
// per village would count the sale and drop the refund. A household with
// something left is placed in the village of its first entry for the order
// (a sale: where it lived when the order was paid), so the amount is the
// ledger's net and each household is counted once.
func OrderImpact(ctx context.Context, db *pgxpool.Pool, orderID int64) (Impact, error) {
	const q = `WITH net AS (
			SELECT household_id, (array_agg(village_code ORDER BY id))[1] AS village_code, sum(amount_fen) AS amount
			FROM attribution_entries WHERE order_id = $1
			GROUP BY household_id HAVING sum(amount_fen) > 0)
		SELECT r.code, r.name, sum(n.amount)::bigint, count(DISTINCT n.household_id)::int, count(DISTINCT n.village_code)::int,
			r.name_ug, r.name_en
		FROM net n JOIN regions r ON r.code = substr(n.village_code, 1, 6)
		GROUP BY r.code, r.name, r.name_ug, r.name_en ORDER BY sum(n.amount) DESC, r.code`
	rows, err := db.Query(ctx, q, orderID)
	if err != nil {
		return Impact{}, fmt.Errorf("order impact: %w", err)
	}
	counties, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (CountyImpact, error) {
		var c CountyImpact
		err := r.Scan(&c.Code, &c.Name, &c.AmountFen, &c.Households, &c.Villages, &c.Names.Ug, &c.Names.En)
		c.Names.Zh = c.Name
		return c, err
	})
	if err != nil {
		return Impact{}, err
	}
	im := Impact{Counties: counties}
	if im.Counties == nil {
		im.Counties = []CountyImpact{}
	}
	for _, c := range counties {
		im.AmountFen += c.AmountFen
		im.Households += c.Households
		im.Villages += c.Villages
	}
	if im.AmountFen == 0 {
		const attributed = `SELECT EXISTS (SELECT 1 FROM attribution_entries WHERE order_id = $1)`
		if err := db.QueryRow(ctx, attributed, orderID).Scan(&im.TakenBack); err != nil {
			return Impact{}, fmt.Errorf("order impact: %w", err)
		}
	}
	return im, nil
}
