package household

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// checkStaging runs the checks that need the whole file or the database over
// the staged rows and records each offending row in problems. Results are
// streamed, so a file full of problems does not fill memory.
func checkStaging(ctx context.Context, tx pgx.Tx, scope string, problems *problemList) error {
	if _, err := tx.Exec(ctx, `ANALYZE household_import`); err != nil {
		return fmt.Errorf("import: analyze staging: %w", err)
	}
	checks := []struct {
		name   string
		q      string
		args   []any
		column string
		reason func(first int) string
	}{
		{
			name: "registry numbers repeated in the file",
			q: `SELECT row_no, first_row FROM (
					SELECT row_no, min(row_no) OVER (PARTITION BY registry_no) AS first_row FROM household_import) d
				WHERE row_no <> first_row ORDER BY row_no`,
			column: "registry_no",
			reason: func(first int) string { return fmt.Sprintf("repeats the registry number of row %d", first) },
		},
		{
			name: "ID numbers repeated in the file",
			q: `SELECT row_no, first_row FROM (
					SELECT row_no, min(row_no) OVER (PARTITION BY head_id_hashes[1]) AS first_row FROM household_import) d
				WHERE row_no <> first_row ORDER BY row_no`,
			column: "head_id_number",
			reason: func(first int) string { return fmt.Sprintf("repeats the ID number of row %d", first) },
		},
		{
			name: "unknown villages",
			q: `SELECT s.row_no, 0 FROM household_import s LEFT JOIN regions r ON r.code = s.village_code
				WHERE r.code IS NULL OR r.level <> 'village' ORDER BY s.row_no`,
			column: "village_code",
			reason: func(int) string { return "unknown village" },
		},
		{
			name: "villages outside the jurisdiction",
			q: `SELECT s.row_no, 0 FROM household_import s JOIN regions r ON r.code = s.village_code
				WHERE r.level = 'village' AND s.village_code NOT LIKE $1 || '%' ORDER BY s.row_no`,
			args:   []any{scope},
			column: "village_code",
			reason: func(int) string { return "village outside your jurisdiction" },
		},
		{
			name: "registry numbers held outside the jurisdiction",
			q: `SELECT s.row_no, 0 FROM household_import s JOIN households h ON h.registry_no = s.registry_no
				WHERE h.village_code NOT LIKE $1 || '%' ORDER BY s.row_no`,
			args:   []any{scope},
			column: "registry_no",
			// The same answer as for a registry number held inside (Create):
			// nothing about where it is held.
			reason: func(int) string { return "already registered" },
		},
		{
			// Only households the office may see: a duplicate elsewhere is
			// accepted and raised as a conflict (conflicts.go).
			name: "ID numbers of other households",
			q: `SELECT DISTINCT s.row_no, 0 FROM household_import s
					CROSS JOIN LATERAL unnest(s.head_id_hashes) AS x(hash)
					JOIN households h ON h.head_id_hash = x.hash
				WHERE h.registry_no <> s.registry_no AND h.village_code LIKE $1 || '%' ORDER BY s.row_no`,
			args:   []any{scope},
			column: "head_id_number",
			reason: func(int) string { return "already registered as the head of another household" },
		},
	}
	for _, c := range checks {
		rows, err := tx.Query(ctx, c.q, c.args...)
		if err != nil {
			return fmt.Errorf("import: check %s: %w", c.name, err)
		}
		var rowNo, first int
		_, err = pgx.ForEachRow(rows, []any{&rowNo, &first}, func() error {
			problems.add(rowKey(rowNo, c.column), c.reason(first))
			return nil
		})
		if err != nil {
			return fmt.Errorf("import: check %s: %w", c.name, err)
		}
	}
	return nil
}
