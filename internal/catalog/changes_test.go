package catalog_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fupinmarket/market/internal/catalog"
	"github.com/fupinmarket/market/internal/catalog/catalogtest"
	"github.com/fupinmarket/market/internal/dbtest"
	"github.com/fupinmarket/market/internal/media"
)

// listening starts the change listener on a fresh database and waits until
// it is up.
func listening(t *testing.T) (*catalog.Service, *dbtest.DB) {
	t.Helper()
	db := dbtest.New(t)
	svc := catalog.New(db.Pool, media.NewDir(t.TempDir()), nil)
	stop := svc.Listen(context.Background(), nil)
	t.Cleanup(stop)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := svc.WaitListening(ctx); err != nil {
		t.Fatalf("listener not up: %v", err)
	}
	return svc, db
}

func version(t *testing.T, svc *catalog.Service) string {
	t.Helper()
	v, notified, err := svc.CacheVersion(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if notified != strings.HasPrefix(v, "n") {
		t.Fatalf("version %q, notified %v", v, notified)
	}
	return v
}

// versionChanges waits (with a deadline, not a sleep) until the version is
// no longer from; notifications arrive asynchronously.
func versionChanges(t *testing.T, svc *catalog.Service, from string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if v := version(t, svc); v != from {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("catalog version still %s after a committed change", from)
		}
		time.Sleep(time.Millisecond)
	}
}

// A write committed by another connection (not through the service) moves
// the version, which is then read from memory; an uncommitted or rolled-back
// one does not: the window of the sequence, which moves before the commit,
// is closed.
func TestCacheVersionFollowsCommits(t *testing.T) {
	svc, db := listening(t)
	v0 := version(t, svc)
	if !strings.HasPrefix(v0, "n") {
		t.Fatalf("listening, version %q is not from notifications", v0)
	}
	coop := catalogtest.Coop(t, db.Pool, "洛浦县红枣合作社", "653224", "approved")
	v1 := versionChanges(t, svc, v0)

	// A transaction in flight has advanced the sequence but not the version.
	tx, err := db.Pool.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(t.Context(), `UPDATE cooperatives SET status = 'suspended' WHERE id = $1`, coop); err != nil {
		t.Fatal(err)
	}
	var seq int64
	if err := db.Pool.QueryRow(t.Context(), `SELECT last_value FROM catalog_changes`).Scan(&seq); err != nil {
		t.Fatal(err)
	}
	if v := version(t, svc); v != v1 || v == "n"+itoa(seq) {
		t.Fatalf("version moved before the commit: %s → %s (sequence at %d)", v1, v, seq)
	}
	if err := tx.Rollback(t.Context()); err != nil {
		t.Fatal(err)
	}
	// A rolled-back change is never notified: the next version is that of
	// the next commit.
	var payload int64
	if _, err := db.Pool.Exec(t.Context(), `UPDATE cooperatives SET status = 'approved' WHERE id = $1`, coop); err != nil {
		t.Fatal(err)
	}
	if err := db.Pool.QueryRow(t.Context(), `SELECT last_value FROM catalog_changes`).Scan(&payload); err != nil {
		t.Fatal(err)
	}
	if v := versionChanges(t, svc, v1); v != "n"+itoa(payload) {
		t.Errorf("after the commit the version is %s, want n%d (the committed statement's)", v, payload)
	}
}

// A write through the service moves this process's version as soon as it
// returns, before the notification; the version is then one only this
// process uses, until it moves on with later notifications.
func TestOwnWritesMoveTheVersionAtOnce(t *testing.T) {
	f := setup(t)
	stop := f.svc.Listen(context.Background(), nil)
	t.Cleanup(stop)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := f.svc.WaitListening(ctx); err != nil {
		t.Fatal(err)
	}
	v0 := version(t, f.svc)
	if _, err := f.svc.CreateProduct(t.Context(), f.admin, jujube()); err != nil {
		t.Fatal(err)
	}
	v1 := version(t, f.svc)
	if v1 == v0 || strings.Count(v1, ".") != 2 {
		t.Fatalf("after the service's own write: %s → %s", v0, v1)
	}
	catalogtest.SetCoopStatus(t, f.db.Pool, f.other, "suspended")
	if v2 := versionChanges(t, f.svc, v1); strings.Count(v2, ".") != 2 {
		t.Errorf("this process's own generation dropped: %s", v2)
	}
}

// Without the listener the version is read from the change counter on every
// call; when the listener's connection dies, the service falls back to that
// until it is back, and correctness never waits for the listener.
func TestCacheVersionWithoutListener(t *testing.T) {
	db := dbtest.New(t)
	svc := catalog.New(db.Pool, media.NewDir(t.TempDir()), nil)
	v0 := version(t, svc)
	if !strings.HasPrefix(v0, "s") {
		t.Fatalf("not listening, version %q is not the counter's", v0)
	}
	catalogtest.Coop(t, db.Pool, "洛浦县红枣合作社", "653224", "approved")
	if v := version(t, svc); v == v0 {
		t.Errorf("not listening, the version did not move at once after a commit")
	}
}

func TestListenerReconnects(t *testing.T) {
	svc, db := listening(t)
	v0 := version(t, svc)
	var n int
	if err := db.Pool.QueryRow(t.Context(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = $1`, catalog.ListenerName).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("terminated %d listener connections, want 1", n)
	}
	// Whatever state it is in now (falling back or listening again), a
	// commit is seen.
	v1 := versionChanges(t, svc, v0)
	catalogtest.Coop(t, db.Pool, "皮山县核桃合作社", "653223", "approved")
	versionChanges(t, svc, v1)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := svc.WaitListening(ctx); err != nil {
		t.Fatalf("listener not back: %v", err)
	}
	v2 := version(t, svc)
	catalogtest.Coop(t, db.Pool, "于田县玫瑰合作社", "653226", "approved")
	if v := versionChanges(t, svc, v2); !strings.HasPrefix(v, "n") {
		t.Errorf("after reconnecting the version %q is not from notifications", v)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
