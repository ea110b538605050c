package dbtest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fupinmarket/market/internal/platform/pgembed"
	"github.com/fupinmarket/market/internal/platform/postgres"
	"github.com/fupinmarket/market/internal/schema"
)

// Replicated is a private PostgreSQL primary with the migrated schema and a
// streaming replica of it, for tests of what reads the replica (the shared
// test server has none). It takes some ten seconds to make.
type Replicated struct {
	Primary, Standby *pgembed.Cluster
	// DB is the primary's database; Pool and URL connect as the tables'
	// owner, AppURL as the service's role.
	DB *DB
	// StandbyURL and StandbyAppURL name the same database on the replica,
	// as the owner (a superuser: it may pause replay) and as the service.
	StandbyURL, StandbyAppURL string
}

// NewReplicated starts a primary and its replica under tb's temporary
// directory, stopped when tb ends. It skips tb under -short, and where
// PostgreSQL's server programs are missing and cannot be installed.
func NewReplicated(tb testing.TB) *Replicated {
	tb.Helper()
	if testing.Short() {
		tb.Skip("dbtest: starts a PostgreSQL primary and replica")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := tb.TempDir()
	primary, err := pgembed.Start(ctx, filepath.Join(dir, "primary"), nil)
	if errors.Is(err, pgembed.ErrNoBinaries) || (err != nil && os.Geteuid() != 0) {
		tb.Skipf("dbtest: no private PostgreSQL: %v", err)
	}
	if err != nil {
		tb.Fatalf("dbtest: primary: %v", err)
	}
	tb.Cleanup(func() { primary.Stop(context.Background()) })
	pool, err := postgres.Open(ctx, primary.URL())
	if err != nil {
		tb.Fatalf("dbtest: open the primary: %v", err)
	}
	tb.Cleanup(pool.Close)
	if _, err := schema.Up(ctx, pool); err != nil {
		tb.Fatalf("dbtest: migrate the primary: %v", err)
	}
	if err := schema.EnsureAppRole(ctx, pool, AppPassword); err != nil {
		tb.Fatalf("dbtest: service role: %v", err)
	}
	standby, err := primary.StartStandby(ctx, filepath.Join(dir, "standby"), nil)
	if err != nil {
		tb.Fatalf("dbtest: replica: %v", err)
	}
	tb.Cleanup(func() { standby.Stop(context.Background()) })
	return &Replicated{Primary: primary, Standby: standby,
		DB:         &DB{Pool: pool, URL: primary.URL(), AppURL: asAppRole(primary.URL()), Name: pgembed.Database},
		StandbyURL: standby.URL(), StandbyAppURL: asAppRole(standby.URL())}
}
