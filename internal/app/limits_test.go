package app_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/app"
	"github.com/fupinmarket/market/internal/dbtest"
)

// TestServicePoolsBoundStatements: the pools marketd opens (OpenInfra as
// the Service, the function cmd/marketd calls) carry statement_timeout and
// idle_in_transaction_session_timeout, so that a runaway statement is
// cancelled by the server itself (SQLSTATE 57014) even when the caller's
// context has no deadline; marketctl's pool (the owner's, which migrates)
// is left unbounded.
func TestServicePoolsBoundStatements(t *testing.T) {
	db := dbtest.New(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	const limit = 200 * time.Millisecond
	tests := []struct {
		name    string
		role    app.Role
		url     string
		direct  bool // DATABASE_DIRECT_URL set (a transaction pooler in front)
		pool    func(*app.Infra) *pgxpool.Pool
		bounded bool
	}{
		{"marketd's pool", app.Service, db.AppURL, false,
			func(in *app.Infra) *pgxpool.Pool { return in.DB }, true},
		{"marketd's direct pool beside a transaction pooler", app.Service, db.AppURL, true,
			func(in *app.Infra) *pgxpool.Pool { return in.Direct }, true},
		{"marketctl's pool as the owner is not bounded", app.Owner, db.URL, false,
			func(in *app.Infra) *pgxpool.Pool { return in.DB }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(t, "limits:")
			cfg.DatabaseURL, cfg.StatementTimeout = tt.url, limit
			if tt.direct {
				cfg.DatabaseDirectURL = tt.url
			}
			ctx := context.Background()
			in, err := app.OpenInfra(ctx, cfg, log, tt.role, false)
			if err != nil {
				t.Fatal(err)
			}
			defer in.Close()
			pool := tt.pool(in)
			if tt.direct && pool == in.DB {
				t.Fatal("DATABASE_DIRECT_URL set but the direct pool is the main one")
			}
			show := func(name string) string {
				t.Helper()
				var v string
				if err := pool.QueryRow(ctx, "SHOW "+name).Scan(&v); err != nil {
					t.Fatalf("SHOW %s: %v", name, err)
				}
				return v
			}
			statement, idle := show("statement_timeout"), show("idle_in_transaction_session_timeout")
			if !tt.bounded {
				if statement == "200ms" {
					t.Errorf("statement_timeout %s: the owner's pool took the service's limit", statement)
				}
				return
			}
			// The idle-in-transaction limit is twice the statement's, at least a minute.
			if statement != "200ms" || idle != "1min" {
				t.Fatalf("statement_timeout %q, idle_in_transaction_session_timeout %q; want 200ms and 1min", statement, idle)
			}
			// No deadline on the context: only the server's limit can stop it.
			_, err = pool.Exec(ctx, "SELECT pg_sleep(5)")
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) || pgErr.Code != "57014" || !strings.Contains(pgErr.Message, "statement timeout") {
				t.Fatalf("pg_sleep(5) under a %v limit: %v, want SQLSTATE 57014 (statement timeout)", limit, err)
			}
			// The pool stays usable after the cancellation.
			if show("statement_timeout") != "200ms" {
				t.Fatal("the limit is gone after a cancelled statement")
			}
		})
	}
}
