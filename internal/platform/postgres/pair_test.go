package postgres

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/fupinmarket/market/internal/platform/pgembed"
)

// streamingPair starts a private primary and a streaming replica of it
// (pgembed), stopped when t ends. It is skipped where PostgreSQL's server
// programs are missing and cannot be installed.
func streamingPair(t *testing.T) (primary, standby *pgembed.Cluster) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts two PostgreSQL servers")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	primary, err := pgembed.Start(ctx, filepath.Join(dir, "primary"), nil)
	if err != nil {
		if os.Geteuid() != 0 {
			t.Skipf("no private PostgreSQL: %v", err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() { primary.Stop(context.Background()) })
	standby, err = primary.StartStandby(ctx, filepath.Join(dir, "standby"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { standby.Stop(context.Background()) })
	return primary, standby
}

// waitFor polls ok every 10 ms until it holds or within passes.
func waitFor(t *testing.T, within time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The monitor against a real streaming replica: the lag it reports is how
// far behind the replica's data is, whatever the primary did before, and a
// replica whose lag cannot be told is not read from.
func TestReadsFollowAStreamingReplica(t *testing.T) {
	p, s := streamingPair(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	primary, err := Open(ctx, p.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer primary.Close()
	replica, err := Open(ctx, s.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer replica.Close()
	exec := func(db interface {
		Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
	}, sql string) {
		t.Helper()
		if _, err := db.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(primary, `CREATE TABLE marks (at timestamptz DEFAULT now())`)

	const maxLag = 400 * time.Millisecond
	r := NewReads(primary, replica, maxLag, nil)
	r.every = 20 * time.Millisecond
	mctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); r.Run(mctx) }()
	defer func() { stop(); <-done }()
	onReplica := func() bool { return r.Pool() == replica }
	waitFor(t, 10*time.Second, "the replica caught up", func() bool { lag, ok := r.Lag(); return ok && lag == 0 && onReplica() })

	t.Run("a standby of another cluster is not read from", func(t *testing.T) {
		other, err := Open(ctx, testServerURL())
		if err != nil {
			t.Skipf("no test database: %v", err)
		}
		defer other.Close()
		// The replica has just replayed a commit: its lag, were it the
		// other server's, would look small.
		exec(primary, `INSERT INTO marks DEFAULT VALUES`)
		waitFor(t, 5*time.Second, "the commit replayed", func() bool { lag, ok := r.Lag(); return ok && lag == 0 })
		wrong := NewReads(other, replica, maxLag, nil)
		st := wrong.sample(ctx)
		wrong.state.Store(&st)
		if wrong.Pool() == replica || st.down != notOurs {
			t.Errorf("a standby of another cluster than the primary: %+v, want refused as %q", st, notOurs)
		}
	})

	t.Run("a commit after an idle spell is as old as the commit", func(t *testing.T) {
		// The primary idles for longer than the bound: the replica's last
		// replayed commit is then old, but it is not behind.
		time.Sleep(3 * maxLag)
		exec(replica, `SELECT pg_wal_replay_pause()`)
		waitFor(t, 5*time.Second, "replay paused", func() bool {
			var st string
			return replica.QueryRow(ctx, `SELECT pg_get_wal_replay_pause_state()`).Scan(&st) == nil && st == "paused"
		})
		written := time.Now()
		exec(primary, `INSERT INTO marks DEFAULT VALUES`)
		time.Sleep(4 * r.every)
		// At most the time since the last sample before the commit.
		lag, ok := r.Lag()
		if since := time.Since(written); since < maxLag && (!ok || lag > since+2*r.every || !onReplica()) {
			t.Errorf("%v after the first commit in %v the lag reads %v (ok %v), replica in use %v; want at most %v, in use",
				since, 3*maxLag, lag, ok, onReplica(), since+2*r.every)
		}
		// Still paused: the replica really falls behind, and is left.
		waitFor(t, 5*time.Second, "left a replica behind by more than the bound", func() bool {
			lag, ok := r.Lag()
			return ok && lag > maxLag && !onReplica()
		})
		exec(replica, `SELECT pg_wal_replay_resume()`)
		waitFor(t, 5*time.Second, "back on the replica once it replayed", func() bool { lag, ok := r.Lag(); return ok && lag == 0 && onReplica() })
	})

	t.Run("a read that must see earlier commits waits for the replica or reads the primary", func(t *testing.T) {
		if got := r.Fresh(ctx); got != replica {
			t.Fatal("Fresh: the primary, with the replica caught up")
		}
		exec(replica, `SELECT pg_wal_replay_pause()`)
		waitFor(t, 5*time.Second, "replay paused", func() bool {
			var st string
			return replica.QueryRow(ctx, `SELECT pg_get_wal_replay_pause_state()`).Scan(&st) == nil && st == "paused"
		})
		exec(primary, `INSERT INTO marks DEFAULT VALUES`)
		if r.Pool() != replica {
			t.Fatal("the lag-tolerant reads left a replica a moment behind")
		}
		if got := r.Fresh(ctx); got != primary {
			t.Error("Fresh: the replica, which has not replayed a commit made before the call")
		}
		exec(replica, `SELECT pg_wal_replay_resume()`)
		exec(primary, `INSERT INTO marks DEFAULT VALUES`)
		// Streaming replays a commit within milliseconds: Fresh waits for it.
		var onIt int
		for range 10 {
			exec(primary, `INSERT INTO marks DEFAULT VALUES`)
			if r.Fresh(ctx) == replica {
				onIt++
			}
		}
		if onIt < 5 {
			t.Errorf("Fresh right after a commit read the replica %d times of 10, want most", onIt)
		}
	})

	t.Run("a restarted replica that replays nothing is not read from", func(t *testing.T) {
		// A replica restarted from a restart point after the last commit
		// has replayed no commit (pg_last_xact_replay_timestamp is null);
		// here it cannot stream either, so it stays where it was.
		exec(primary, `CHECKPOINT`)
		var at string
		if err := primary.QueryRow(ctx, `SELECT pg_current_wal_lsn()::text`).Scan(&at); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "the checkpoint replayed", func() bool {
			var ok bool
			return replica.QueryRow(ctx, `SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn`, at).Scan(&ok) == nil && ok
		})
		exec(replica, `ALTER SYSTEM SET primary_conninfo = 'host=127.0.0.1 port=1 user=postgres connect_timeout=1'`)
		exec(replica, `SELECT pg_reload_conf()`)
		if err := s.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.Restart(ctx); err != nil {
			t.Fatal(err)
		}
		var none bool
		waitFor(t, 10*time.Second, "the restarted replica answers", func() bool {
			return replica.QueryRow(ctx, `SELECT pg_last_xact_replay_timestamp() IS NULL`).Scan(&none) == nil
		})
		if !none {
			t.Fatal("the restarted replica reports a replayed commit; the case is not set up")
		}
		exec(primary, `INSERT INTO marks DEFAULT VALUES`)
		// A node that starts now knows no earlier position of the primary.
		fresh := NewReads(primary, replica, maxLag, nil)
		st := fresh.sample(ctx)
		fresh.state.Store(&st)
		if fresh.Pool() == replica {
			t.Errorf("a new node reads a replica that is behind and has replayed nothing since its start: %+v", st)
		}
		if got := gauge(t, fresh, "market_db_replica_lag_seconds"); !math.IsInf(got, 1) {
			t.Errorf("market_db_replica_lag_seconds %v, want +Inf (behind by a time nobody can tell)", got)
		}
		// The running monitor sees it fall behind from the commit on.
		time.Sleep(maxLag + 5*r.every)
		if lag, ok := r.Lag(); onReplica() || !ok || lag <= maxLag {
			t.Errorf("%v after a commit the replica never got, lag %v (ok %v), replica in use %v", maxLag, lag, ok, onReplica())
		}
	})
}

// gauge is the value of one of r's metrics.
func gauge(t *testing.T, r *Reads, name string) float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(r.Collectors()...)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name {
			return f.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}
