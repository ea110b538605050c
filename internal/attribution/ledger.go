package attribution

import (
	"context"
	"fmt"
	"time"

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

// Want is the attribution the ledger must hold for a line now (I1).
func Want(ctx context.Context, tx pgx.Tx, lineID int64) ([]Share, map[int64]string, error) {
	l, err := loadLine(ctx, tx, lineID)
	if err != nil {
		return nil, nil, err
	}
	return want(ctx, tx, l)
}

func want(ctx context.Context, tx pgx.Tx, l lineState) ([]Share, map[int64]string, error) {
	allocs, villages, err := loadAllocations(ctx, tx, l.ID)
	if err != nil {
		return nil, nil, err
	}
	kept, net := l.kept(allocs)
	return Attribute(net, kept), villages, nil
}

func loadLine(ctx context.Context, tx pgx.Tx, lineID int64) (lineState, error) {
	const q = `SELECT id, order_id, cooperative_id, amount_fen, refunded_fen, quantity, refunded_quantity,
			(base_qty * 1000)::bigint FROM order_lines WHERE id = $1`
	var l lineState
	err := tx.QueryRow(ctx, q, lineID).Scan(&l.ID, &l.OrderID, &l.CoopID, &l.AmountFen, &l.RefundedFen,
		&l.Quantity, &l.RefundedQty, &l.BaseMilli)
	if err != nil {
		return l, fmt.Errorf("load line %d: %w", lineID, err)
	}
	return l, nil
}

// loadAllocations returns the line's allocations in FIFO order with their
// lots' rules and contributions, and each contributing household's village.
func loadAllocations(ctx context.Context, tx pgx.Tx, lineID int64) ([]Allocation, map[int64]string, error) {
	const q = `SELECT a.lot_id, (a.units * 1000)::bigint, l.income_kind, coalesce(l.fen_per_unit, 0),
			coalesce(l.share_bps, 0), c.household_id, (c.quantity * 1000)::bigint, h.village_code
		FROM order_allocations a
		JOIN lots l ON l.id = a.lot_id
		JOIN lot_contributions c ON c.lot_id = a.lot_id
		JOIN households h ON h.id = c.household_id
		WHERE a.line_id = $1 ORDER BY a.position, c.household_id`
	rows, err := tx.Query(ctx, q, lineID)
	if err != nil {
		return nil, nil, fmt.Errorf("load allocations: %w", err)
	}
	defer rows.Close()
	var out []Allocation
	villages := map[int64]string{}
	for rows.Next() {
		var lot, units, fen, bps, hh, qty int64
		var kind, village string
		if err := rows.Scan(&lot, &units, &kind, &fen, &bps, &hh, &qty, &village); err != nil {
			return nil, nil, err
		}
		if len(out) == 0 || out[len(out)-1].LotID != lot {
			out = append(out, Allocation{LotID: lot, Units: units, Rule: Rule{Kind: RuleKind(kind), FenPerUnit: fen, BPS: bps}})
		}
		last := &out[len(out)-1]
		last.Contributions = append(last.Contributions, Contribution{HouseholdID: hh, Quantity: qty})
		villages[hh] = village
	}
	return out, villages, rows.Err()
}

// held returns the line's current ledger sums per (lot, household).
func held(ctx context.Context, tx pgx.Tx, lineID int64) ([]Share, error) {
	const q = `SELECT lot_id, household_id, sum(amount_fen)::bigint FROM attribution_entries
		WHERE line_id = $1 GROUP BY lot_id, household_id`
	rows, err := tx.Query(ctx, q, lineID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Share])
}

// Reconcile appends entries so that each line's ledger equals the
// attribution of what the buyer keeps now: kind sale when the order is
// marked paid, refund after a refund (refundID). It never edits an entry.
// All entries go in one INSERT, so the rollup trigger runs once.
func Reconcile(ctx context.Context, tx pgx.Tx, lineIDs []int64, kind string, refundID int64, at time.Time) (int, error) {
	var hh, order, line, lot, coop, amount []int64
	var village []string
	for _, id := range lineIDs {
		l, err := loadLine(ctx, tx, id)
		if err != nil {
			return 0, err
		}
		want, villages, err := want(ctx, tx, l)
		if err != nil {
			return 0, err
		}
		var have []Share
		if kind != KindSale { // a sale is the line's first attribution: nothing is held yet
			if have, err = held(ctx, tx, id); err != nil {
				return 0, err
			}
		}
		for _, d := range Difference(want, have) {
			hh, order, line, lot = append(hh, d.HouseholdID), append(order, l.OrderID), append(line, l.ID), append(lot, d.LotID)
			coop, amount, village = append(coop, l.CoopID), append(amount, d.AmountFen), append(village, villages[d.HouseholdID])
		}
	}
	if len(hh) == 0 {
		return 0, nil
	}
	const q = `INSERT INTO attribution_entries (household_id, order_id, line_id, lot_id, cooperative_id, village_code,
			amount_fen, kind, refund_id, at)
		SELECT u.hh, u.o, u.l, u.lot, u.c, u.v, u.a, $8, nullif($9::bigint, 0), $10
		FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[], $7::bigint[])
			AS u(hh, o, l, lot, c, v, a)`
	if _, err := tx.Exec(ctx, q, hh, order, line, lot, coop, village, amount, kind, refundID, at); err != nil {
		return 0, fmt.Errorf("append entries: %w", err)
	}
	return len(hh), nil
}

// LockVillages takes a transaction-scoped advisory lock on every village
// whose households earn from the given order lines, in code order. Every
// writer of the rollups (payments, refunds, payouts) locks villages this way
// before touching them, so concurrent writers queue instead of deadlocking
// on rollup rows taken in different orders.
func LockVillages(ctx context.Context, tx pgx.Tx, lineIDs []int64) error {
	const q = `SELECT pg_advisory_xact_lock(hashtextextended(v.village_code, 0)) FROM (
			SELECT DISTINCT h.village_code FROM order_allocations a
			JOIN lot_contributions c ON c.lot_id = a.lot_id JOIN households h ON h.id = c.household_id
			WHERE a.line_id = ANY($1) ORDER BY h.village_code) v`
	_, err := tx.Exec(ctx, q, lineIDs)
	if err != nil {
		return fmt.Errorf("lock villages: %w", err)
	}
	return nil
}

// LockHouseholdVillages is LockVillages for payouts to households.
func LockHouseholdVillages(ctx context.Context, tx pgx.Tx, householdIDs []int64) error {
	const q = `SELECT pg_advisory_xact_lock(hashtextextended(v.village_code, 0)) FROM (
			SELECT DISTINCT village_code FROM households WHERE id = ANY($1) ORDER BY village_code) v`
	_, err := tx.Exec(ctx, q, householdIDs)
	if err != nil {
		return fmt.Errorf("lock villages: %w", err)
	}
	return nil
}
