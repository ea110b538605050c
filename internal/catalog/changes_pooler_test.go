package catalog_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/catalog"
	"github.com/fupinmarket/market/internal/catalog/catalogtest"
	"github.com/fupinmarket/market/internal/dbtest"
	"github.com/fupinmarket/market/internal/media"
	"github.com/fupinmarket/market/internal/platform/postgres"
)

// recordsTo hands every log record at or above Warn to a channel.
type recordsTo chan slog.Record

func (h recordsTo) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (h recordsTo) Handle(_ context.Context, r slog.Record) error {
	select {
	case h <- r:
	default:
	}
	return nil
}
func (h recordsTo) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h recordsTo) WithGroup(string) slog.Handler      { return h }

// pooledCatalog is the catalog service on a fresh database reached through
// PgBouncer in transaction pooling, with the database and the pooled pool.
func pooledCatalog(t *testing.T) (*catalog.Service, *dbtest.DB, *pgxpool.Pool) {
	t.Helper()
	db := dbtest.New(t)
	pooled := dbtest.PgBouncer(t, db)
	pool, err := pgxpool.New(t.Context(), pooled+"&default_query_exec_mode=cache_describe")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return catalog.New(pool, media.NewDir(t.TempDir()), nil), db, pool
}

// Through a transaction pooler LISTEN succeeds but its notifications never
// reach the client: the server connection that listens goes back to the
// pool after the statement. A listener that trusted LISTEN would keep its
// version for ever and every node would serve stale pages (prices, stock).
// It must find out, say so, and leave the version to the change counter,
// which follows every commit.
func TestListenerThroughATransactionPoolerFallsBackToTheCounter(t *testing.T) {
	ctx := t.Context()
	svc, db, _ := pooledCatalog(t)
	logs := make(recordsTo, 16)
	stop := svc.Listen(context.Background(), slog.New(logs))
	defer stop()

	wait, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for said := false; !said; {
		select {
		case r := <-logs:
			t.Logf("log: %s", r.Message)
			r.Attrs(func(a slog.Attr) bool {
				t.Logf("  %s=%s", a.Key, a.Value)
				said = said || strings.Contains(a.Value.String(), "DATABASE_DIRECT_URL")
				return !said
			})
		case <-wait.Done():
			t.Fatalf("no warning that notifications do not arrive through the pooler; listening=%v", svc.Listening())
		}
	}
	if svc.Listening() {
		t.Fatal("the listener counts itself up through a transaction pooler")
	}
	v0, notified, err := svc.CacheVersion(ctx)
	if err != nil || notified {
		t.Fatalf("version %q notified=%v err=%v, want the counter's", v0, notified, err)
	}
	catalogtest.Coop(t, db.Pool, "洛浦县红枣合作社", "653224", "approved")
	if v, _, err := svc.CacheVersion(ctx); err != nil || v == v0 {
		t.Errorf("after a commit the version is %q (was %q, err %v): pages would stay stale", v, v0, err)
	}
}

// Beside the pooler, the direct URL (DATABASE_DIRECT_URL) carries the
// listener: its probe arrives and versions come from notifications, also
// for a write through the pooled pool.
func TestListenerOnTheDirectURLBesideAPooler(t *testing.T) {
	ctx := t.Context()
	svc, db, pool := pooledCatalog(t)
	svc.UseReplica(postgres.NewReads(pool, nil, 0, nil), db.Pool)
	stop := svc.Listen(context.Background(), nil)
	defer stop()
	wait, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := svc.WaitListening(wait); err != nil {
		t.Fatalf("listener on the direct URL not up: %v", err)
	}
	v0 := version(t, svc)
	catalogtest.Coop(t, pool, "皮山县核桃合作社", "653223", "approved")
	if v := versionChanges(t, svc, v0); !strings.HasPrefix(v, "n") {
		t.Errorf("version %q after a write through the pooler, want one from notifications", v)
	}
}
