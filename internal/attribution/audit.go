package attribution

import (
	"context"
	"fmt"
	"time"

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
	for _, check := range []func(context.Context, pgx.Tx) ([]Violation, error){auditI1I2, auditI3, auditI4, auditI5, auditI6, auditI7} {
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

// settledEntries is the ledger less the entries still queued for the
// rollups (ApplyPending): the rollups must equal exactly these, in the
// audit's snapshot.
const settledEntries = `(SELECT * FROM attribution_entries s
	WHERE NOT EXISTS (SELECT 1 FROM (SELECT unnest(entry_ids) AS id FROM rollup_pending) q WHERE q.id = s.id)) AS `

// i6Checks each return the keys where a rollup differs from the same figure
// computed afresh from the settled ledger and payouts.
var i6Checks = []struct{ name, q string }{
	{"household-year income", `
		WITH raw AS (
			SELECT household_id, report_year(at) AS year, sum(amount_fen) AS a, 0::numeric AS p FROM ` + settledEntries + `ae GROUP BY 1, 2
			UNION ALL
			SELECT household_id, extract(year FROM paid_on)::int, 0, sum(amount_fen) FROM payouts GROUP BY 1, 2),
		want AS (SELECT household_id, year, sum(a)::bigint AS a, sum(p)::bigint AS p FROM raw GROUP BY 1, 2)
		SELECT 'household ' || coalesce(w.household_id, i.household_id) || ' year ' || coalesce(w.year, i.year)
		FROM want w FULL JOIN household_year_income i ON i.household_id = w.household_id AND i.year = w.year
		WHERE w.a IS DISTINCT FROM i.attributed_fen OR w.p IS DISTINCT FROM i.paid_fen LIMIT 50`},
	{"village-year rollup", `
		WITH want AS (
			SELECT i.village_code, i.year, sum(i.attributed_fen)::bigint AS a, sum(i.paid_fen)::bigint AS p,
				sum(c.reached)::int AS r, sum(c.reached_members)::int AS m, sum(c.poverty)::int AS cp, sum(c.monitoring)::int AS cm
			FROM household_year_income i JOIN households h ON h.id = i.household_id,
				LATERAL household_crossings(h.baseline_income_fen, h.members, i.attributed_fen, i.village_code, i.year) c
			GROUP BY 1, 2)
		SELECT 'village ' || coalesce(w.village_code, v.village_code) || ' year ' || coalesce(w.year, v.year)
		FROM want w FULL JOIN village_year_rollup v ON v.village_code = w.village_code AND v.year = w.year
		WHERE (w.a, w.p, w.r, w.m, w.cp, w.cm) IS DISTINCT FROM
			(v.attributed_fen, v.paid_out_fen, v.households_reached, v.members_reached, v.crossed_poverty, v.crossed_monitoring)
			AND NOT (w.village_code IS NULL AND v.attributed_fen = 0 AND v.paid_out_fen = 0 AND v.households_reached = 0) LIMIT 50`},
	{"village-month rollup", `
		WITH want AS (
			SELECT i.village_code, date_trunc('month', e.at AT TIME ZONE 'Asia/Shanghai')::date AS month, sum(e.amount_fen)::bigint AS a
			FROM ` + settledEntries + `e JOIN household_year_income i ON i.household_id = e.household_id AND i.year = report_year(e.at)
			GROUP BY 1, 2)
		SELECT 'village ' || coalesce(w.village_code, m.village_code) || ' month ' || coalesce(w.month, m.month)
		FROM want w FULL JOIN village_month_rollup m ON m.village_code = w.village_code AND m.month = w.month
		WHERE w.a IS DISTINCT FROM m.attributed_fen AND NOT (w.a IS NULL AND m.attributed_fen = 0) LIMIT 50`},
	{"cooperative balances", `
		WITH raw AS (
			SELECT cooperative_id, household_id, sum(amount_fen) AS a, 0::numeric AS p FROM ` + settledEntries + `ae GROUP BY 1, 2
			UNION ALL
			SELECT cooperative_id, household_id, 0, sum(amount_fen) FROM payouts GROUP BY 1, 2),
		want AS (SELECT cooperative_id, household_id, sum(a)::bigint AS a, sum(p)::bigint AS p FROM raw GROUP BY 1, 2)
		SELECT 'cooperative ' || coalesce(w.cooperative_id, b.cooperative_id) || ' household ' || coalesce(w.household_id, b.household_id)
		FROM want w FULL JOIN coop_household_balance b ON b.cooperative_id = w.cooperative_id AND b.household_id = w.household_id
		WHERE (w.a, w.p) IS DISTINCT FROM (b.attributed_fen, b.paid_fen) LIMIT 50`},
}

// auditI6 checks that every total an office or cooperative reads (the
// rollups) equals the sum of the ledger entries and payouts under it.
func auditI6(ctx context.Context, tx pgx.Tx) ([]Violation, error) {
	var out []Violation
	for _, c := range i6Checks {
		rows, err := tx.Query(ctx, c.q)
		if err != nil {
			return nil, fmt.Errorf("I6 %s: %w", c.name, err)
		}
		keys, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			out = append(out, Violation{"I6", c.name + " differs from the ledger at " + k})
		}
	}
	// The rollups lag the ledger by the queue, which a pass empties every
	// few seconds; a queue row nobody has applied for long means the passes
	// fail (an entry they cannot apply, locks they never get).
	var stuck int
	var since *time.Time
	err := tx.QueryRow(ctx, `SELECT count(*), min(queued_at) FROM rollup_pending
		WHERE queued_at < now() - interval '10 minutes'`).Scan(&stuck, &since)
	if err != nil {
		return nil, fmt.Errorf("I6 rollup queue: %w", err)
	}
	if stuck > 0 {
		out = append(out, Violation{"I6", fmt.Sprintf("%d ledger statements' entries have waited for the rollups since %s",
			stuck, since.UTC().Format(time.RFC3339))})
	}
	return out, nil
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
