package main

import (
	"context"
	"fmt"
)

// rollupChecks compare rollups with the ledger, after the I6 checks of
// internal/attribution/audit.go, each restricted to a sample where the full
// check would cost minutes at this size. The full audit is no use here: its
// I1 recomputes each paid line's attribution, which the generated entries
// (copies of real lines' entries, for other households) do not match by
// design. Each query returns the number of keys that differ.
var rollupChecks = []struct{ name, q string }{
	{"village-year attributed income of every village and year = ledger sum", `
		WITH want AS (SELECT village_code, report_year(at) AS year, sum(amount_fen)::bigint AS a FROM attribution_entries GROUP BY 1, 2)
		SELECT count(*) FROM want w FULL JOIN village_year_rollup v ON v.village_code = w.village_code AND v.year = w.year
		WHERE w.a IS DISTINCT FROM v.attributed_fen AND NOT (w.a IS NULL AND v.attributed_fen = 0)`},
	{"household-year income of every 500th household = ledger sum and payouts", `
		WITH s AS (SELECT id FROM households WHERE id % 500 = 0),
		raw AS (
			SELECT e.household_id, report_year(e.at) AS year, sum(e.amount_fen) AS a, 0::numeric AS p
			FROM attribution_entries e JOIN s ON s.id = e.household_id GROUP BY 1, 2
			UNION ALL
			SELECT p.household_id, extract(year FROM p.paid_on)::int, 0, sum(p.amount_fen) FROM payouts p JOIN s ON s.id = p.household_id GROUP BY 1, 2),
		want AS (SELECT household_id, year, sum(a)::bigint AS a, sum(p)::bigint AS p FROM raw GROUP BY 1, 2),
		have AS (SELECT i.* FROM household_year_income i JOIN s ON s.id = i.household_id)
		SELECT count(*) FROM want w FULL JOIN have i ON i.household_id = w.household_id AND i.year = w.year
		WHERE w.a IS DISTINCT FROM i.attributed_fen OR w.p IS DISTINCT FROM i.paid_fen`},
	{"cooperative balances of every 500th household = ledger sum and payouts", `
		WITH s AS (SELECT id FROM households WHERE id % 500 = 0),
		raw AS (
			SELECT e.cooperative_id, e.household_id, sum(e.amount_fen) AS a, 0::numeric AS p
			FROM attribution_entries e JOIN s ON s.id = e.household_id GROUP BY 1, 2
			UNION ALL
			SELECT p.cooperative_id, p.household_id, 0, sum(p.amount_fen) FROM payouts p JOIN s ON s.id = p.household_id GROUP BY 1, 2),
		want AS (SELECT cooperative_id, household_id, sum(a)::bigint AS a, sum(p)::bigint AS p FROM raw GROUP BY 1, 2),
		have AS (SELECT b.* FROM coop_household_balance b JOIN s ON s.id = b.household_id)
		SELECT count(*) FROM want w FULL JOIN have b ON b.cooperative_id = w.cooperative_id AND b.household_id = w.household_id
		WHERE (w.a, w.p) IS DISTINCT FROM (b.attributed_fen, b.paid_fen)`},
	{"village-month rollup of 653224 洛浦县 = ledger sum", `
		WITH want AS (
			SELECT i.village_code, date_trunc('month', e.at AT TIME ZONE 'Asia/Shanghai')::date AS month, sum(e.amount_fen)::bigint AS a
			FROM attribution_entries e JOIN household_year_income i ON i.household_id = e.household_id AND i.year = report_year(e.at)
			WHERE e.village_code LIKE '653224%' GROUP BY 1, 2),
		have AS (SELECT * FROM village_month_rollup WHERE village_code LIKE '653224%')
		SELECT count(*) FROM want w FULL JOIN have m ON m.village_code = w.village_code AND m.month = w.month
		WHERE w.a IS DISTINCT FROM m.attributed_fen AND NOT (w.a IS NULL AND m.attributed_fen = 0)`},
	{"village-product rollup of 653224 洛浦县 = ledger sum", `
		WITH want AS (
			SELECT i.village_code, i.year, l.product_id, sum(e.amount_fen)::bigint AS a
			FROM attribution_entries e JOIN household_year_income i ON i.household_id = e.household_id AND i.year = report_year(e.at)
			JOIN lots l ON l.id = e.lot_id WHERE e.village_code LIKE '653224%' GROUP BY 1, 2, 3),
		have AS (SELECT * FROM village_product_rollup WHERE village_code LIKE '653224%')
		SELECT count(*) FROM want w FULL JOIN have p ON p.village_code = w.village_code AND p.year = w.year AND p.product_id = w.product_id
		WHERE w.a IS DISTINCT FROM p.attributed_fen AND NOT (w.a IS NULL AND p.attributed_fen = 0)`},
}

// checkRollups runs rollupChecks and returns one line per check, the
// comparisons made while measuring the summaries first; any difference is
// an error.
func checkRollups(ctx context.Context, b *bench) ([]string, error) {
	out := append([]string(nil), b.regionChecks...)
	for _, c := range rollupChecks {
		var bad int
		if err := b.pool.QueryRow(ctx, c.q).Scan(&bad); err != nil {
			return nil, fmt.Errorf("I6 %s: %w", c.name, err)
		}
		if bad > 0 {
			return nil, fmt.Errorf("I6: %s: %d keys differ", c.name, bad)
		}
		logf("I6 ok: %s", c.name)
		out = append(out, c.name+": equal")
	}
	return out, nil
}
