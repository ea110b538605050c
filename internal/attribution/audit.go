package attribution

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Violation is one broken invariant, naming the rows concerned.
type Violation struct {
	Invariant string
	Detail    string
}

func (v Violation) String() string { return v.Invariant + ": " + v.Detail }

// Audit checks DOMAIN.md's invariants on a live database and returns every
// violation found (none means clean). It reads in one repeatable-read
// transaction so that the checks see one consistent state.
func Audit(ctx context.Context, db *pgxpool.Pool) ([]Violation, error) {
	tx, err := db.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	var out []Violation
	for _, check := range []func(context.Context, pgx.Tx) ([]Violation, error){auditI1I2, auditI3, auditI4, auditI5, auditI6} {
		v, err := check(ctx, tx)
		if err != nil {
			return nil, err
		}
		out = append(out, v...)
	}
	return out, nil
}

// auditI1I2 recomputes every paid line's attribution and compares it with
// the ledger (I1), and looks for negative household nets (I2).
func auditI1I2(ctx context.Context, tx pgx.Tx) ([]Violation, error) {
	rows, err := tx.Query(ctx, `SELECT ol.id FROM order_lines ol JOIN orders o ON o.id = ol.order_id
		WHERE o.paid_at IS NOT NULL ORDER BY ol.id`)
	if err != nil {
		return nil, err
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	var out []Violation
	for _, id := range lines {
		want, _, err := Want(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		have, err := held(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		for _, d := range Difference(want, have) {
			out = append(out, Violation{"I1", fmt.Sprintf("line %d lot %d household %d: ledger is off by %d fen", id, d.LotID, d.HouseholdID, -d.AmountFen)})
		}
	}
	const neg = `SELECT line_id, household_id, sum(amount_fen) FROM attribution_entries
		GROUP BY line_id, household_id HAVING sum(amount_fen) < 0 ORDER BY 1, 2`
	rows, err = tx.Query(ctx, neg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var line, hh, sum int64
		if err := rows.Scan(&line, &hh, &sum); err != nil {
			return nil, err
		}
		out = append(out, Violation{"I2", fmt.Sprintf("line %d household %d nets %d fen", line, hh, sum)})
	}
	return out, rows.Err()
}

// auditI3 checks that the triggers refusing UPDATE, DELETE and TRUNCATE on
// the ledger exist and are enabled.
func auditI3(ctx context.Context, tx pgx.Tx) ([]Violation, error) {
	const q = `SELECT count(*) FROM pg_trigger WHERE tgrelid = 'attribution_entries'::regclass
		AND tgname IN ('attribution_entries_no_update', 'attribution_entries_no_truncate') AND tgenabled = 'O'`
	var n int
	if err := tx.QueryRow(ctx, q).Scan(&n); err != nil {
		return nil, err
	}
	if n != 2 {
		return []Violation{{"I3", "the append-only triggers of attribution_entries are missing or disabled"}}, nil
	}
	return nil, nil
}

// auditI4: per lot, quantity = remaining + Σ allocations still held.
func auditI4(ctx context.Context, tx pgx.Tx) ([]Violation, error) {
	const q = `SELECT l.id, l.quantity::text, l.remaining::text, coalesce(sum(a.units - a.released), 0)::text
		FROM lots l LEFT JOIN order_allocations a ON a.lot_id = l.id
		GROUP BY l.id HAVING l.quantity <> l.remaining + coalesce(sum(a.units - a.released), 0) ORDER BY l.id`
	rows, err := tx.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Violation
	for rows.Next() {
		var id int64
		var qty, rem, held string
		if err := rows.Scan(&id, &qty, &rem, &held); err != nil {
			return nil, err
		}
		out = append(out, Violation{"I4", fmt.Sprintf("lot %d: quantity %s ≠ remaining %s + held %s", id, qty, rem, held)})
	}
	return out, rows.Err()
}

// auditI5: an order is marked paid by at most one payment event, and a paid
// order has one.
func auditI5(ctx context.Context, tx pgx.Tx) ([]Violation, error) {
	const q = `SELECT o.id, count(e.*) FROM orders o
		LEFT JOIN payment_events e ON e.order_id = o.id AND e.applied
			AND e.type IN ('manual.confirmed', 'payment_intent.succeeded')
		WHERE o.paid_at IS NOT NULL GROUP BY o.id HAVING count(e.*) <> 1 ORDER BY o.id`
	rows, err := tx.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Violation
	for rows.Next() {
		var id, n int64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out = append(out, Violation{"I5", fmt.Sprintf("order %d was paid by %d payment events", id, n)})
	}
	return out, rows.Err()
}

// auditI6 is extended by the reporting rollups; until then the totals an
// office sees are sums of entries, so it checks that every entry is filed
// under its line's order and cooperative. (The village is the household's
// village at sale time and may differ from today's after a move.)
func auditI6(ctx context.Context, tx pgx.Tx) ([]Violation, error) {
	const q = `SELECT e.id FROM attribution_entries e
		JOIN order_lines ol ON ol.id = e.line_id
		WHERE e.cooperative_id <> ol.cooperative_id OR e.order_id <> ol.order_id
		ORDER BY e.id LIMIT 100`
	rows, err := tx.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	var out []Violation
	for _, id := range ids {
		out = append(out, Violation{"I6", fmt.Sprintf("entry %d is filed under the wrong cooperative or order", id)})
	}
	return out, nil
}
