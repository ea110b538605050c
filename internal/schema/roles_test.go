package schema_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fupinmarket/market/internal/dbtest"
	"github.com/fupinmarket/market/internal/ledger"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/platform/postgres"
	"github.com/fupinmarket/market/internal/schema"
)

// TestServiceRoleCannotRewriteTheLedger: whoever holds the service's
// credentials cannot change, remove or forge ledger entries or rollups, nor
// switch the triggers that guard them off; it can add seals of the ledger
// but never change or remove one.
func TestServiceRoleCannotRewriteTheLedger(t *testing.T) {
	ctx := context.Background()
	w := ordertest.New(t, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1)
	o, err := w.Place(t, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Svc.ConfirmManual(ctx, w.Admin, int64(o.ID), "REF"); err != nil {
		t.Fatal(err)
	}
	app := w.DB.AppPool(t)
	// The service seals the ledger (marketd's job): it may insert seals.
	if seals, err := (ledger.Sealer{DB: app}).Seal(ctx); err != nil || len(seals) != 1 {
		t.Fatalf("the service's role cannot seal: %v %v", seals, err)
	}
	if err := postgres.CheckNotPrivileged(ctx, app); err != nil {
		t.Fatalf("the service's role is privileged: %v", err)
	}
	if err := postgres.CheckNotPrivileged(ctx, w.DB.Pool); !errors.Is(err, postgres.ErrPrivileged) {
		t.Fatalf("the owner passes the check: %v", err)
	}
	var line, hh, lot, coop int64
	var village string
	if err := w.DB.Pool.QueryRow(ctx, `SELECT line_id, household_id, lot_id, cooperative_id, village_code
		FROM attribution_entries LIMIT 1`).Scan(&line, &hh, &lot, &coop, &village); err != nil {
		t.Fatal(err)
	}
	refused := map[string]string{
		"update entry":     `UPDATE attribution_entries SET amount_fen = amount_fen + 100`,
		"delete entry":     `DELETE FROM attribution_entries`,
		"truncate ledger":  `TRUNCATE attribution_entries`,
		"insert sale":      `INSERT INTO attribution_entries (household_id, order_id, line_id, lot_id, cooperative_id, village_code, amount_fen, kind) SELECT household_id, order_id, line_id, lot_id, cooperative_id, village_code, 999, 'sale' FROM attribution_entries LIMIT 1`,
		"disable triggers": `ALTER TABLE attribution_entries DISABLE TRIGGER ALL`,
		"replica role":     `SET session_replication_role = replica`,
		"pad a rollup":     `UPDATE village_year_rollup SET attributed_fen = attributed_fen + 100000`,
		"pad a balance":    `UPDATE coop_household_balance SET attributed_fen = attributed_fen + 100000`,
		"empty the queue":  `DELETE FROM rollup_pending`,
		"rewrite a payout": `UPDATE payouts SET amount_fen = 1`,
		"drop a table":     `DROP TABLE cart_items`,
		"rewrite a seal":   `UPDATE ledger_seals SET root = prev`,
		"delete a seal":    `DELETE FROM ledger_seals`,
		"truncate seals":   `TRUNCATE ledger_seals`,
		"unchain seals":    `ALTER TABLE ledger_seals DISABLE TRIGGER ALL`,
		// bump_village adds any deltas to a village's year; only the
		// owner's payout trigger may call it.
		"pad through bump_village": fmt.Sprintf(`SELECT bump_village(%d, '%s', 2026, 1, 100000000, 0, 99999900)`, hh, village),
	}
	for name, q := range refused {
		t.Run(name, func(t *testing.T) {
			_, err := app.Exec(ctx, q)
			var pg *pgconn.PgError
			if !errors.As(err, &pg) || pg.Code != "42501" {
				t.Fatalf("%s: %v, want insufficient_privilege (42501)", q, err)
			}
		})
	}
	t.Run("append_ledger refuses a second sale of the line", func(t *testing.T) {
		_, err := app.Exec(ctx, `SELECT append_ledger($1, $2, $3, $4, $5, $6, $7, 'sale', NULL, now())`,
			[]int64{hh}, []int64{int64(o.ID)}, []int64{line}, []int64{lot}, []int64{coop}, []string{village}, []int64{500})
		var pg *pgconn.PgError
		if !errors.As(err, &pg) || pg.Code != "23514" {
			t.Fatalf("%v, want check_violation", err)
		}
	})
	t.Run("append_ledger refuses a refund that is not the order's", func(t *testing.T) {
		_, err := app.Exec(ctx, `SELECT append_ledger($1, $2, $3, $4, $5, $6, $7, 'refund', 424242, now())`,
			[]int64{hh}, []int64{int64(o.ID)}, []int64{line}, []int64{lot}, []int64{coop}, []string{village}, []int64{-1})
		var pg *pgconn.PgError
		if !errors.As(err, &pg) || pg.Code != "23514" {
			t.Fatalf("%v, want check_violation", err)
		}
	})
}

// TestEnsureAppRoleIsIdempotent: migrate up runs it every time.
func TestEnsureAppRoleIsIdempotent(t *testing.T) {
	db := dbtest.New(t)
	for range 2 {
		if err := schema.EnsureAppRole(context.Background(), db.Pool, dbtest.AppPassword); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := db.AppPool(t).QueryRow(context.Background(), `SELECT count(*) FROM orders`).Scan(&n); err != nil {
		t.Fatal(err)
	}
}
