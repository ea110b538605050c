package attribution

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// settledEntries is the ledger less the entries still queued for the
// rollups (ApplyPending), with each entry's amount also under its income
// type (op, wage, asset): the rollups must equal exactly these, in the
// audit's snapshot.
const settledEntries = `(SELECT s.*,
		CASE WHEN s.income_type = 'operating' THEN s.amount_fen ELSE 0 END AS op,
		CASE WHEN s.income_type = 'wage' THEN s.amount_fen ELSE 0 END AS wage,
		CASE WHEN s.income_type = 'asset' THEN s.amount_fen ELSE 0 END AS asset
	FROM attribution_entries s
	WHERE NOT EXISTS (SELECT 1 FROM (SELECT unnest(entry_ids) AS id FROM rollup_pending) q WHERE q.id = s.id)) AS `

// i6Checks each return the keys where a rollup differs from the same figure
// computed afresh from the settled ledger and payouts: the total, each
// income type and what was paid (payouts, and wages and dividends, which
// are paid as they are recorded).
var i6Checks = []struct{ name, q string }{
	{"household-year income", `
		WITH raw AS (
			SELECT household_id, report_year(at) AS year, sum(amount_fen) AS a, sum(op) AS op, sum(wage) AS w,
				sum(asset) AS s, sum(wage + asset) AS p FROM ` + settledEntries + `ae GROUP BY 1, 2
			UNION ALL
			SELECT household_id, extract(year FROM paid_on)::int, 0, 0, 0, 0, sum(amount_fen) FROM payouts GROUP BY 1, 2),
		want AS (SELECT household_id, year, sum(a)::bigint AS a, sum(op)::bigint AS op, sum(w)::bigint AS w,
				sum(s)::bigint AS s, sum(p)::bigint AS p FROM raw GROUP BY 1, 2)
		SELECT 'household ' || coalesce(w.household_id, i.household_id) || ' year ' || coalesce(w.year, i.year)
		FROM want w FULL JOIN household_year_income i ON i.household_id = w.household_id AND i.year = w.year
		WHERE (w.a, w.op, w.w, w.s, w.p) IS DISTINCT FROM (i.attributed_fen, i.operating_fen, i.wage_fen, i.asset_fen, i.paid_fen)
		LIMIT 50`},
	// A household's years are reported under its village (migration
	// 00630): the registry moves them when it moves the household.
	{"household-year village", `
		SELECT 'household ' || i.household_id || ' year ' || i.year || ' filed under ' || i.village_code || ', registered in ' || h.village_code
		FROM household_year_income i JOIN households h ON h.id = i.household_id
		WHERE i.village_code <> h.village_code LIMIT 50`},
	{"village-year rollup", `
		WITH want AS (
			SELECT i.village_code, i.year, sum(i.attributed_fen)::bigint AS a, sum(i.operating_fen)::bigint AS op,
				sum(i.wage_fen)::bigint AS w, sum(i.asset_fen)::bigint AS s, sum(i.paid_fen)::bigint AS p,
				sum(c.reached)::int AS r, sum(c.reached_members)::int AS m, sum(c.poverty)::int AS cp, sum(c.monitoring)::int AS cm
			FROM household_year_income i JOIN households h ON h.id = i.household_id,
				LATERAL household_crossings(h.baseline_income_fen, h.members, i.attributed_fen, i.village_code, i.year) c
			GROUP BY 1, 2)
		SELECT 'village ' || coalesce(w.village_code, v.village_code) || ' year ' || coalesce(w.year, v.year)
		FROM want w FULL JOIN village_year_rollup v ON v.village_code = w.village_code AND v.year = w.year
		WHERE (w.a, w.op, w.w, w.s, w.p, w.r, w.m, w.cp, w.cm) IS DISTINCT FROM
			(v.attributed_fen, v.operating_fen, v.wage_fen, v.asset_fen, v.paid_out_fen, v.households_reached,
				v.members_reached, v.crossed_poverty, v.crossed_monitoring)
			AND NOT (w.village_code IS NULL AND (v.attributed_fen, v.operating_fen, v.wage_fen, v.asset_fen, v.paid_out_fen,
				v.households_reached, v.members_reached, v.crossed_poverty, v.crossed_monitoring) = (0, 0, 0, 0, 0, 0, 0, 0, 0))
		LIMIT 50`},
	{"village-month rollup", `
		WITH want AS (
			SELECT i.village_code, date_trunc('month', e.at AT TIME ZONE 'Asia/Shanghai')::date AS month,
				sum(e.amount_fen)::bigint AS a, sum(e.op)::bigint AS op, sum(e.wage)::bigint AS w, sum(e.asset)::bigint AS s
			FROM ` + settledEntries + `e JOIN household_year_income i ON i.household_id = e.household_id AND i.year = report_year(e.at)
			GROUP BY 1, 2)
		SELECT 'village ' || coalesce(w.village_code, m.village_code) || ' month ' || coalesce(w.month, m.month)
		FROM want w FULL JOIN village_month_rollup m ON m.village_code = w.village_code AND m.month = w.month
		WHERE (w.a, w.op, w.w, w.s) IS DISTINCT FROM (m.attributed_fen, m.operating_fen, m.wage_fen, m.asset_fen)
			AND NOT (w.a IS NULL AND m.attributed_fen = 0 AND m.operating_fen = 0 AND m.wage_fen = 0 AND m.asset_fen = 0)
		LIMIT 50`},
	// The dashboard's top products: a lot's entries under the village its
	// household's year is filed under (household_year_income), as
	// apply_pending_rollups and the rebuild file them, not the entry's own
	// village.
	{"village-product rollup", `
		WITH want AS (
			SELECT i.village_code, i.year, l.product_id, sum(e.amount_fen)::bigint AS a
			FROM ` + settledEntries + `e JOIN household_year_income i ON i.household_id = e.household_id AND i.year = report_year(e.at)
				JOIN lots l ON l.id = e.lot_id
			GROUP BY 1, 2, 3)
		SELECT 'village ' || coalesce(w.village_code, p.village_code) || ' year ' || coalesce(w.year, p.year)
			|| ' product ' || coalesce(w.product_id, p.product_id)
		FROM want w FULL JOIN village_product_rollup p
			ON p.village_code = w.village_code AND p.year = w.year AND p.product_id = w.product_id
		WHERE w.a IS DISTINCT FROM p.attributed_fen AND NOT (w.a IS NULL AND p.attributed_fen = 0)
		LIMIT 50`},
	{"cooperative balances", `
		WITH raw AS (
			SELECT cooperative_id, household_id, sum(amount_fen) AS a, sum(op) AS op, sum(wage) AS w, sum(asset) AS s,
				sum(wage + asset) AS p FROM ` + settledEntries + `ae GROUP BY 1, 2
			UNION ALL
			SELECT cooperative_id, household_id, 0, 0, 0, 0, sum(amount_fen) FROM payouts GROUP BY 1, 2),
		want AS (SELECT cooperative_id, household_id, sum(a)::bigint AS a, sum(op)::bigint AS op, sum(w)::bigint AS w,
				sum(s)::bigint AS s, sum(p)::bigint AS p FROM raw GROUP BY 1, 2)
		SELECT 'cooperative ' || coalesce(w.cooperative_id, b.cooperative_id) || ' household ' || coalesce(w.household_id, b.household_id)
		FROM want w FULL JOIN coop_household_balance b ON b.cooperative_id = w.cooperative_id AND b.household_id = w.household_id
		WHERE (w.a, w.op, w.w, w.s, w.p) IS DISTINCT FROM (b.attributed_fen, b.operating_fen, b.wage_fen, b.asset_fen, b.paid_fen)
		LIMIT 50`},
}

// auditI6 checks that every total an office or cooperative reads (the
// rollups) equals the sum of the ledger entries and payouts under it, per
// income type and in total.
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
