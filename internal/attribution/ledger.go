package attribution

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Kinds of ledger entries (docs/DOMAIN.md). A sale or refund names its
// order, line and lot; a wage or its correction its wage (wage_id); a
// dividend its dividend (dividend_id).
const (
	KindSale           = "sale"
	KindRefund         = "refund"
	KindWage           = "wage"
	KindWageCorrection = "wage_correction"
	KindDividend       = "dividend"
)

// Income types of ledger entries: sales and refunds are operating income,
// wages wage income, dividends property (asset) income.
const (
	Operating = "operating"
	Wage      = "wage"
	Asset     = "asset"
)

// ByType is an amount split by income type, in fen; the total is their sum.
type ByType struct {
	Operating int64 `json:"operating"`
	Wage      int64 `json:"wage"`
	Asset     int64 `json:"asset"`
}

// Total is the sum of the three types.
func (b ByType) Total() int64 { return b.Operating + b.Wage + b.Asset }

// Add adds amount under income type typ.
func (b *ByType) Add(typ string, amount int64) {
	switch typ {
	case Wage:
		b.Wage += amount
	case Asset:
		b.Asset += amount
	default:
		b.Operating += amount
	}
}

// Plus returns the sum of b and o, type by type.
func (b ByType) Plus(o ByType) ByType {
	return ByType{Operating: b.Operating + o.Operating, Wage: b.Wage + o.Wage, Asset: b.Asset + o.Asset}
}

// lineState is what the rule needs of an order line.
type lineState struct {
	ID, OrderID, CoopID              int64
	AmountFen, RefundedFen           int64
	Quantity, RefundedQty, BaseMilli int64
}

// Kept returns the line's allocations after refunds, and its net amount.
func (l lineState) kept(allocs []Allocation) ([]Allocation, int64) {
	return Keep(allocs, l.RefundedQty*l.BaseMilli), l.AmountFen - l.RefundedFen
}

// LockVillages takes a transaction advisory lock on every village whose
// households earn from the order, in code order (see LockHouseholdVillages).
// A refund takes them before reading the balances its entries will change,
// so that a payout reading those balances waits for it.
func LockVillages(ctx context.Context, tx pgx.Tx, orderID int64) error {
	const q = `SELECT pg_advisory_xact_lock(hashtextextended(v.village_code, 0)) FROM (
			SELECT DISTINCT h.village_code FROM order_lines ol
			JOIN order_allocations a ON a.line_id = ol.id
			JOIN lot_contributions c ON c.lot_id = a.lot_id JOIN households h ON h.id = c.household_id
			WHERE ol.order_id = $1 ORDER BY h.village_code) v`
	if _, err := tx.Exec(ctx, q, orderID); err != nil {
		return fmt.Errorf("lock villages: %w", err)
	}
	return nil
}

// LockHouseholdVillages takes a transaction advisory lock on the village
// of every given household, in code order. Every writer of the rollups
// (payouts, refunds, household changes, ApplyPending) locks its villages this way
// before touching them, so concurrent writers queue instead of deadlocking
// on rollup rows taken in different orders.
func LockHouseholdVillages(ctx context.Context, tx pgx.Tx, householdIDs []int64) error {
	const q = `SELECT pg_advisory_xact_lock(hashtextextended(v.village_code, 0)) FROM (
			SELECT DISTINCT village_code FROM households WHERE id = ANY($1) ORDER BY village_code) v`
	_, err := tx.Exec(ctx, q, householdIDs)
	if err != nil {
		return fmt.Errorf("lock villages: %w", err)
	}
	return nil
}

// ErrNothingOwed is LockOwed's answer for a household the cooperative never
// earned anything for.
var ErrNothingOwed = errors.New("no income of the cooperative was attributed to the household")

// LockOwed returns what the cooperative owes the household (attributed less
// paid out, counting the entries still queued for the rollups) and locks the
// balance row for the rest of tx. The caller holds the household's village
// lock (LockHouseholdVillages), which refunds take too, so no queued entry
// appears until tx ends.
func LockOwed(ctx context.Context, tx pgx.Tx, coopID, householdID int64) (int64, error) {
	// lock_owed (migration 00500) reads and locks as the rollups' owner:
	// locking a row needs UPDATE, which the service's role lacks there.
	const q = `SELECT lock_owed($1, $2)`
	var owed *int64
	if err := tx.QueryRow(ctx, q, coopID, householdID).Scan(&owed); err != nil {
		return 0, fmt.Errorf("owed: %w", err)
	}
	if owed == nil {
		return 0, ErrNothingOwed
	}
	return *owed, nil
}
