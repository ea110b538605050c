package site_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/fupinmarket/market/internal/config"
	"github.com/fupinmarket/market/internal/dbtest"
	"github.com/fupinmarket/market/internal/platform/postgres"
	"github.com/fupinmarket/market/internal/web/site"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// TestFeedDeliversThroughATransactionPooler: behind PgBouncer in
// transaction pooling (docs/SCALING.md), marketd's feed passes deliver every
// event and leave no lock behind. The pass lock is a session-level advisory
// lock: taken through the pooler, it stays on whichever server connection
// ran the statement, and its unlock goes to another one; every later pass
// whose try-lock lands elsewhere then believes another pass is running and
// delivers nothing.
func TestFeedDeliversThroughATransactionPooler(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	pooler, err := postgres.Open(ctx, dbtest.PgBouncer(t, db)+"&default_query_exec_mode=cache_describe", postgres.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pooler.Close)
	// Several server connections behind the pooler, as a busy node has.
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tx, err := pooler.Begin(ctx)
			if err == nil {
				tx.Exec(ctx, `SELECT pg_sleep(0.05)`)
				tx.Commit(ctx)
			}
		}()
	}
	wg.Wait()

	var mu sync.Mutex
	received := map[string]int{}
	platform := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		received[string(body)]++
		mu.Unlock()
	}))
	t.Cleanup(platform.Close)

	rdb, prefix := dbtest.Redis(t)
	cfg, _, err := config.Load("test", nil, config.NoEnv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg.RedisPrefix, cfg.DataDir, cfg.DataKey = prefix, t.TempDir(), webtest.TestDataKey
	cfg.FeedURL, cfg.FeedSecret = platform.URL, "test-feed-secret-0123456789"
	svc, err := site.NewServices(cfg, pooler, rdb, slog.New(slog.NewTextHandler(io.Discard, nil)), site.Pools{Direct: db.AppPool(t)})
	if err != nil {
		t.Fatal(err)
	}
	const passes = 6
	for pass := 1; pass <= passes; pass++ {
		for coop := 1; coop <= 2; coop++ {
			if _, err := db.Pool.Exec(ctx, `INSERT INTO feed_events (cooperative_id, type, occurred_at, data)
				VALUES ($1, 'payout.recorded', now(), jsonb_build_object('pass', $2::int))`, coop, pass); err != nil {
				t.Fatal(err)
			}
		}
		p, err := svc.Feed.DeliverDue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var held int
		db.Pool.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND database =
			(SELECT oid FROM pg_database WHERE datname = current_database())`, 0x66656564).Scan(&held)
		if p.Delivered != 2 || held != 0 {
			t.Errorf("pass %d delivered %d of 2 events, and the pass lock is still held %d time(s) after it", pass, p.Delivered, held)
		}
	}
	var pending int
	db.Pool.QueryRow(ctx, `SELECT count(*) FROM feed_events WHERE delivered_at IS NULL`).Scan(&pending)
	if pending != 0 || len(received) != 2*passes {
		t.Fatalf("%d events pending, %d received", pending, len(received))
	}
}
