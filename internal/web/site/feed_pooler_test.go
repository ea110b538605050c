package site_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/fupinmarket/market/internal/config"
	"github.com/fupinmarket/market/internal/dbtest"
	"github.com/fupinmarket/market/internal/platform/postgres"
	"github.com/fupinmarket/market/internal/schema"
	"github.com/fupinmarket/market/internal/web/site"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// startPgBouncer runs PgBouncer in transaction pooling, as
// scripts/cluster.sh sets it up, in front of db for the service's role, and
// returns its URL. The test is skipped where PgBouncer is not installed.
// Server connections are handed out round robin: a pooler gives each
// transaction whichever server connection is free, and round robin makes
// that independent of the traffic a real node has.
func startPgBouncer(t *testing.T, db *dbtest.DB) string {
	t.Helper()
	bin, err := exec.LookPath("pgbouncer")
	if err != nil {
		if bin, err = exec.LookPath("/usr/sbin/pgbouncer"); err != nil {
			t.Skip("pgbouncer is not installed")
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	dir, err := os.MkdirTemp("", "pgbouncer")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o777) // PgBouncer refuses to run as root: it runs as postgres then
	ini := fmt.Sprintf(`[databases]
%s = host=127.0.0.1 port=5432 dbname=%s user=%s password=%s

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = any
pool_mode = transaction
default_pool_size = 4
server_round_robin = 1
ignore_startup_parameters = extra_float_digits
server_reset_query =
pidfile = %s
`, db.Name, db.Name, schema.AppRole, dbtest.AppPassword, port, filepath.Join(dir, "pgbouncer.pid"))
	path := filepath.Join(dir, "pgbouncer.ini")
	if err := os.WriteFile(path, []byte(ini), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{path}
	if os.Geteuid() == 0 {
		args = []string{"-u", "postgres", path}
	}
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	// In the foreground PgBouncer logs to stderr; it is ready once it says
	// it listens.
	lines := bufio.NewScanner(stderr)
	var said []string
	for lines.Scan() {
		said = append(said, lines.Text())
		if strings.Contains(lines.Text(), "listening on 127.0.0.1") {
			break
		}
	}
	if len(said) == 0 || !strings.Contains(said[len(said)-1], "listening on 127.0.0.1") {
		t.Fatalf("pgbouncer did not start:\n%s", strings.Join(said, "\n"))
	}
	go io.Copy(io.Discard, stderr)
	url := fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable&default_query_exec_mode=cache_describe", schema.AppRole, port, db.Name)
	return url
}

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
	pooler, err := postgres.Open(ctx, startPgBouncer(t, db), postgres.Limits{})
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
