package attribution

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// auditIncomeI1I2 extends I1 and I2 to wages and dividends: every wage (and
// correction) is in the ledger with exactly its amount, and no wage with its
// corrections nets below zero; every paid dividend's split is the
// largest-remainder split of its total over the weights it recorded, and
// its entries equal the split, household by household; a dividend not paid
// has no entries.
func auditIncomeI1I2(ctx context.Context, tx pgx.Tx) ([]Violation, error) {
	var out []Violation
	add := func(inv, format string, args ...any) { out = append(out, Violation{inv, fmt.Sprintf(format, args...)}) }
	const qWages = `SELECT w.id, w.amount_fen, coalesce(sum(e.amount_fen), 0)::bigint
		FROM wages w LEFT JOIN attribution_entries e ON e.wage_id = w.id
		GROUP BY w.id HAVING w.amount_fen <> coalesce(sum(e.amount_fen), 0) ORDER BY w.id LIMIT 50`
	if err := eachRow(ctx, tx, qWages, func(r pgx.Rows) error {
		var id, want, have int64
		if err := r.Scan(&id, &want, &have); err != nil {
			return err
		}
		add("I1", "wage %d: ledger holds %d fen, the wage is %d", id, have, want)
		return nil
	}); err != nil {
		return nil, err
	}
	const qNet = `SELECT coalesce(w.corrects, w.id), sum(e.amount_fen)::bigint
		FROM attribution_entries e JOIN wages w ON w.id = e.wage_id
		GROUP BY 1 HAVING sum(e.amount_fen) < 0 ORDER BY 1 LIMIT 50`
	if err := eachRow(ctx, tx, qNet, func(r pgx.Rows) error {
		var id, net int64
		if err := r.Scan(&id, &net); err != nil {
			return err
		}
		add("I2", "wage %d with its corrections nets %d fen", id, net)
		return nil
	}); err != nil {
		return nil, err
	}
	v, err := auditDividends(ctx, tx)
	return append(out, v...), err
}

// dividendRow is one household of a dividend's split with what the ledger
// holds for it.
type dividendRow struct {
	id, total, household, weight, amount, held int64
	paid                                       bool
}

func auditDividends(ctx context.Context, tx pgx.Tx) ([]Violation, error) {
	const q = `SELECT d.id, d.total_fen, d.status = 'paid', s.household_id, s.weight, s.amount_fen,
			coalesce((SELECT sum(e.amount_fen) FROM attribution_entries e
				WHERE e.dividend_id = d.id AND e.household_id = s.household_id), 0)::bigint
		FROM dividends d JOIN dividend_splits s ON s.dividend_id = d.id
		ORDER BY d.id, s.household_id`
	var out []Violation
	var group []dividendRow
	flush := func() {
		if len(group) > 0 {
			out = append(out, checkDividend(group)...)
		}
		group = group[:0]
	}
	err := eachRow(ctx, tx, q, func(r pgx.Rows) error {
		var d dividendRow
		if err := r.Scan(&d.id, &d.total, &d.paid, &d.household, &d.weight, &d.amount, &d.held); err != nil {
			return err
		}
		if len(group) > 0 && group[0].id != d.id {
			flush()
		}
		group = append(group, d)
		return nil
	})
	flush()
	if err != nil {
		return nil, err
	}
	// Entries of a dividend without a split row cannot exist (their foreign
	// key names the split), so the rows above cover every dividend entry.
	return out, nil
}

// checkDividend checks one dividend's split (by household id) and entries.
func checkDividend(rows []dividendRow) []Violation {
	var out []Violation
	weights := make([]int64, len(rows))
	for i, r := range rows {
		weights[i] = r.weight
	}
	want := Apportion(rows[0].total, weights)
	for i, r := range rows {
		if r.amount != want[i] {
			out = append(out, Violation{"I1", fmt.Sprintf("dividend %d household %d: split holds %d fen, the rule gives %d",
				r.id, r.household, r.amount, want[i])})
		}
		held := r.amount
		if !r.paid {
			held = 0
		}
		if r.held != held {
			out = append(out, Violation{"I1", fmt.Sprintf("dividend %d household %d: ledger holds %d fen, want %d",
				r.id, r.household, r.held, held)})
		}
	}
	return out
}

// eachRow runs q and calls fn for each row.
func eachRow(ctx context.Context, tx pgx.Tx, q string, fn func(pgx.Rows) error) error {
	rows, err := tx.Query(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
