package attribution

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/ledger"
)

// Violation is one broken invariant, naming the rows concerned.
type Violation struct {
	Invariant string
	Detail    string
}

func (v Violation) String() string { return v.Invariant + ": " + v.Detail }

// Audit checks docs/DOMAIN.md's invariants on a live database and returns every
// violation found (none means clean). It reads in one repeatable-read
// transaction so that the checks see one consistent state.
func Audit(ctx context.Context, db *pgxpool.Pool) ([]Violation, error) {
	tx, err := db.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	var out []Violation
	checks := []func(context.Context, pgx.Tx) ([]Violation, error){auditI1I2, auditIncomeI1I2, auditI3, auditI4, auditI5, auditI6, auditI7}
	for _, check := range checks {
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
	rows, err := tx.Query(ctx, `SELECT id FROM orders WHERE paid_at IS NOT NULL ORDER BY id`)
	if err != nil {
		return nil, err
	}
	orders, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	var out []Violation
	for _, id := range orders {
		b := &pgx.Batch{}
		p := QueuePlan(b, id, true)
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return nil, err
		}
		off := p.Off()
		for _, line := range p.Lines() {
			for _, d := range off[line] {
				out = append(out, Violation{"I1", fmt.Sprintf("line %d lot %d household %d: ledger is off by %d fen", line, d.LotID, d.HouseholdID, -d.AmountFen)})
			}
		}
	}
	const neg = `SELECT line_id, household_id, sum(amount_fen) FROM attribution_entries WHERE line_id IS NOT NULL
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

// auditI5: each payment event is stored once (its primary key), so a replay
// cannot change an order twice; a paid order must have been paid by a
// recorded event (a manual confirmation or a Stripe event for it). A second
// application would also break I1, which the sale entries are checked by.
func auditI5(ctx context.Context, tx pgx.Tx) ([]Violation, error) {
	const q = `SELECT o.id, count(e.*) FROM orders o
		LEFT JOIN payment_events e ON e.order_id = o.id AND e.applied
			AND (e.type = 'manual.confirmed' OR e.provider = 'stripe')
		WHERE o.paid_at IS NOT NULL GROUP BY o.id HAVING count(e.*) = 0 ORDER BY o.id`
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
		out = append(out, Violation{"I5", fmt.Sprintf("order %d is paid but no payment event paid it (%d)", id, n)})
	}
	return out, rows.Err()
}

// auditI7 recomputes every seal of the ledger (ledger.VerifyTx): each
// sealed entry still hashes to its leaf and the leaves to the seal's root,
// and the seals chain without a gap.
func auditI7(ctx context.Context, tx pgx.Tx) ([]Violation, error) {
	r, err := ledger.VerifyTx(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("I7: %w", err)
	}
	out := make([]Violation, 0, len(r.Problems))
	for _, p := range r.Problems {
		out = append(out, Violation{"I7", p.String()})
	}
	return out, nil
}
