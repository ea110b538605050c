package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/app"
	"github.com/fupinmarket/market/internal/dbtest"
)

// TestServicePoolWorksThroughATransactionPooler: with DATABASE_DIRECT_URL
// set, DATABASE_URL goes through a transaction pooler (docs/SCALING.md).
// pgx's default mode prepares every statement under a name, on whichever
// server connection the pooler gave that round trip; PgBouncer before 1.21
// keeps no prepared statement across transactions, so the next round trip
// finds it missing (or another client's under the same name). marketd must
// then use no named statement even when the URL does not say
// default_query_exec_mode=cache_describe; a URL that names a mode keeps it.
func TestServicePoolWorksThroughATransactionPooler(t *testing.T) {
	db := dbtest.New(t)
	pooled := dbtest.PgBouncer(t, db)
	cfg := testConfig(t, "pooler:")
	cfg.DatabaseURL, cfg.DatabaseDirectURL = pooled, db.AppURL
	ctx := context.Background()
	in, err := app.OpenInfra(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Service, false)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failed []error
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 30 {
				var n int
				if err := in.DB.QueryRow(ctx, fmt.Sprintf("SELECT %d + $1::int", i%7), g).Scan(&n); err != nil {
					mu.Lock()
					failed = append(failed, err)
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	if len(failed) > 0 {
		t.Fatalf("%d of 6 workers failed through the pooler; the first: %v", len(failed), failed[0])
	}
	if mode := in.DB.Config().ConnConfig.DefaultQueryExecMode; mode != pgx.QueryExecModeCacheDescribe {
		t.Errorf("exec mode %s behind a pooler, want cache describe", mode)
	}

	// A URL that names a mode keeps it (PgBouncer 1.21 or later keeps
	// prepared statements: the default mode may be asked for there).
	cfg.DatabaseURL = pooled + "&default_query_exec_mode=exec"
	named, err := app.OpenInfra(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Service, false)
	if err != nil {
		t.Fatal(err)
	}
	defer named.Close()
	if mode := named.DB.Config().ConnConfig.DefaultQueryExecMode; mode != pgx.QueryExecModeExec {
		t.Errorf("exec mode %s, want the URL's exec", mode)
	}
}

// DATABASE_URL through PgBouncer without DATABASE_DIRECT_URL: the pooler
// refuses the session limits sent at connect. marketd must then say what
// to set, not only repeat PgBouncer's complaint.
func TestPooledURLWithoutDirectURLSaysWhatToSet(t *testing.T) {
	db := dbtest.New(t)
	pooled := dbtest.PgBouncer(t, db)
	cfg := testConfig(t, "pooler-nodirect:")
	cfg.DatabaseURL = pooled
	in, err := app.OpenInfra(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Service, false)
	if err == nil {
		in.Close()
		t.Fatal("marketd started through a transaction pooler with session limits it cannot keep")
	}
	if !strings.Contains(err.Error(), "DATABASE_DIRECT_URL") {
		t.Errorf("error %q does not name DATABASE_DIRECT_URL", err)
	}
}
