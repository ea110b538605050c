package attribution

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Kinds of ledger entries.
const (
	KindSale   = "sale"
	KindRefund = "refund"
)

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

// LockHouseholdVillages takes a transaction advisory lock on the village
// of every given household, in code order. Every writer of the rollups
// (payouts, household changes, ApplyPending) locks its villages this way
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
