package schema_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/dbtest"
	"github.com/fupinmarket/market/internal/platform/postgres"
	"github.com/fupinmarket/market/internal/schema"
)

// TestEveryMigrationGoesDownAndUpAgain: rolling every migration back, one
// by one, succeeds, leaves no object of ours behind (river's job tables
// are river's), and applying them again
// gives the same schema: the same columns, constraints, indexes, triggers,
// functions and grants (column order aside: a column dropped and added again
// comes last).
func TestEveryMigrationGoesDownAndUpAgain(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	before := schemaOf(t, db.Pool)
	m, err := postgres.NewMigrator(db.Pool)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.DownTo(ctx, 0); err != nil {
		t.Fatalf("down to nothing: %v", err)
	}
	var left []string // river's tables are river's migrations' (schema.Up), not ours
	for _, l := range schemaOf(t, db.Pool) {
		if !strings.Contains(l, "river") {
			left = append(left, l)
		}
	}
	if len(left) > 0 {
		t.Errorf("after every Down, still there:\n%s", strings.Join(left, "\n"))
	}
	if _, err := schema.Up(ctx, db.Pool); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if err := schema.EnsureAppRole(ctx, db.Pool, dbtest.AppPassword); err != nil { // as every deployment does after Up
		t.Fatal(err)
	}
	after := schemaOf(t, db.Pool)
	if strings.Join(before, "\n") != strings.Join(after, "\n") {
		t.Errorf("the schema differs after down and up:\n%s", diff(before, after))
	}
}

// schemaOf lists the public schema's objects, one line each, sorted
// (goose's own version table left out).
func schemaOf(tb testing.TB, db postgres.Querier) []string {
	tb.Helper()
	const q = `SELECT line FROM (
			SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable
				|| ' ' || coalesce(column_default, '') AS line
			FROM information_schema.columns WHERE table_schema = 'public'
			UNION ALL SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
			FROM pg_constraint WHERE connamespace = 'public'::regnamespace
			UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
			UNION ALL SELECT 'trigger ' || pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal
			UNION ALL SELECT 'function ' || pg_get_functiondef(p.oid) || coalesce(array_to_string(p.proacl, ','), '')
			FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND p.prokind IN ('f', 'p')
			UNION ALL SELECT 'type ' || t.typname || ' ' || t.typtype::text FROM pg_type t
			WHERE t.typnamespace = 'public'::regnamespace AND t.typtype IN ('e', 'd', 'c') AND t.typrelid = 0
				OR t.typnamespace = 'public'::regnamespace AND t.typtype = 'c'
					AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'
			UNION ALL SELECT 'sequence ' || sequence_name FROM information_schema.sequences WHERE sequence_schema = 'public'
			UNION ALL SELECT 'grant ' || table_name || ' ' || grantee || ' ' || privilege_type
			FROM information_schema.role_table_grants WHERE table_schema = 'public'
		) x WHERE line NOT LIKE '%goose_db_version%' ORDER BY line`
	rows, err := db.Query(context.Background(), q)
	if err != nil {
		tb.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		tb.Fatal(err)
	}
	return lines
}

// diff names the lines only one side has.
func diff(before, after []string) string {
	in := func(list []string) map[string]bool {
		m := map[string]bool{}
		for _, l := range list {
			m[l] = true
		}
		return m
	}
	b, a := in(before), in(after)
	var out []string
	for _, l := range before {
		if !a[l] {
			out = append(out, "- "+l)
		}
	}
	for _, l := range after {
		if !b[l] {
			out = append(out, "+ "+l)
		}
	}
	return strings.Join(out, "\n")
}
