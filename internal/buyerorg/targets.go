package buyerorg

import (
	"context"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
)

// CanteenSharePercent is the share of a budget unit's yearly canteen food
// purchases reserved for produce from poverty-exited areas (预留份额): at
// least 10 % under the government procurement rules that back the national
// platform for these areas.
const CanteenSharePercent = 10

// maxBudgetFen bounds a target and a canteen budget: ¥10 billion.
const maxBudgetFen = 1_000_000_000_000

// Target is an organisation's purchase target for a year. CanteenBudgetFen,
// when given, is its canteen's food budget for the year; without an explicit
// target the target is then the reserved share of it.
type Target struct {
	TargetFen        int64  `json:"target_fen"`
	CanteenBudgetFen *int64 `json:"canteen_budget_fen,omitempty"`
}

// CanteenShare is the reserved share of a canteen budget, rounded up to the
// fen (the rule says "at least").
func CanteenShare(budgetFen int64) int64 {
	return (budgetFen*CanteenSharePercent + 99) / 100
}

// SetTarget sets the organisation's purchase target for a year and returns
// it as stored: a target of zero with a canteen budget becomes the budget's
// reserved share.
func (s *Service) SetTarget(ctx context.Context, a auth.Actor, orgID int64, year int, t Target) (Target, error) {
	if err := s.admin(ctx, a, orgID); err != nil {
		return t, err
	}
	f := errs.FieldErrors{}
	if year < 2000 || year > 2100 {
		f.Add("year", "must be between 2000 and 2100")
	}
	if t.TargetFen < 0 || t.TargetFen > maxBudgetFen {
		f.Add("target_fen", "must be from 0 to ¥10,000,000,000")
	}
	if b := t.CanteenBudgetFen; b != nil && (*b < 0 || *b > maxBudgetFen) {
		f.Add("canteen_budget_fen", "must be from 0 to ¥10,000,000,000")
	}
	if err := f.Err("the target is not valid"); err != nil {
		return t, err
	}
	if t.TargetFen == 0 && t.CanteenBudgetFen != nil {
		t.TargetFen = CanteenShare(*t.CanteenBudgetFen)
	}
	const q = `INSERT INTO buyer_org_targets (buyer_org_id, year, target_fen, canteen_budget_fen) VALUES ($1, $2, $3, $4)
		ON CONFLICT (buyer_org_id, year) DO UPDATE
		SET target_fen = excluded.target_fen, canteen_budget_fen = excluded.canteen_budget_fen, updated_at = now()`
	_, err := s.db.Exec(ctx, q, orgID, year, t.TargetFen, t.CanteenBudgetFen)
	return t, err
}

// MonthPurchase is one month's net purchases.
type MonthPurchase struct {
	Month        int   `json:"month"`
	PurchasedFen int64 `json:"purchased_fen"`
}

// Progress is the organisation's year against its target.
type Progress struct {
	OrgID            ids.ID          `json:"org_id"`
	Year             int             `json:"year"`
	TargetFen        int64           `json:"target_fen"`
	CanteenBudgetFen *int64          `json:"canteen_budget_fen,omitempty"`
	PurchasedFen     int64           `json:"purchased_fen"`
	RefundedFen      int64           `json:"refunded_fen"`
	NetFen           int64           `json:"net_fen"`
	ByMonth          []MonthPurchase `json:"by_month"`
}

// Percent is how much of the target the year's net purchases reach, in
// whole percent (0 without a target; more than 100 past it).
func (p Progress) Percent() int64 {
	if p.TargetFen <= 0 || p.NetFen <= 0 {
		return 0
	}
	return p.NetFen * 100 / p.TargetFen
}

// LeftFen is what remains to buy to reach the target (0 once reached).
func (p Progress) LeftFen() int64 { return max(p.TargetFen-p.NetFen, 0) }

// Progress sums the paid orders of the organisation's members in the year
// (by payment date, in Beijing) and their refunds.
func (s *Service) Progress(ctx context.Context, a auth.Actor, orgID int64, year int) (Progress, error) {
	if err := s.admin(ctx, a, orgID); err != nil {
		return Progress{}, err
	}
	p := Progress{OrgID: ids.ID(orgID), Year: year}
	const qt = `SELECT coalesce((SELECT target_fen FROM buyer_org_targets WHERE buyer_org_id = $1 AND year = $2), 0),
		(SELECT canteen_budget_fen FROM buyer_org_targets WHERE buyer_org_id = $1 AND year = $2)`
	if err := s.db.QueryRow(ctx, qt, orgID, year).Scan(&p.TargetFen, &p.CanteenBudgetFen); err != nil {
		return p, err
	}
	const q = `SELECT m.n, coalesce(sum(o.total_fen), 0)::bigint, coalesce(sum(o.refunded_fen), 0)::bigint
		FROM generate_series(1, 12) m(n) LEFT JOIN orders o ON o.buyer_org_id = $1 AND o.paid_at IS NOT NULL
			AND report_year(o.paid_at) = $2 AND extract(month FROM o.paid_at AT TIME ZONE 'Asia/Shanghai') = m.n
		GROUP BY m.n ORDER BY m.n`
	rows, err := s.db.Query(ctx, q, orgID, year)
	if err != nil {
		return p, err
	}
	defer rows.Close()
	for rows.Next() {
		var m MonthPurchase
		var refunded int64
		if err := rows.Scan(&m.Month, &m.PurchasedFen, &refunded); err != nil {
			return p, err
		}
		p.PurchasedFen += m.PurchasedFen
		p.RefundedFen += refunded
		m.PurchasedFen -= refunded
		p.ByMonth = append(p.ByMonth, m)
	}
	p.NetFen = p.PurchasedFen - p.RefundedFen
	return p, rows.Err()
}
