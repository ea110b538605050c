package postgres

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

func TestParseLSN(t *testing.T) {
	for text, want := range map[string]LSN{"0/0": 0, "0/16B3748": 0x16B3748, "16/B374D848": 0x16_B374D848} {
		got, err := ParseLSN(text)
		if err != nil || got != want {
			t.Errorf("%s: %x %v, want %x", text, got, err, want)
		}
	}
	if _, err := ParseLSN("nonsense"); err == nil {
		t.Error("no error for nonsense")
	}
}

func TestLagOf(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	secs := func(f float64) *float64 { return &f }
	// The primary at 100 since an hour ago (idle), then at 200 from 50 ms
	// ago, at 300 from 10 ms ago.
	idle := []position{{ago(time.Hour), 100}}
	busy := []position{{ago(time.Hour), 100}, {ago(50 * time.Millisecond), 200}, {ago(10 * time.Millisecond), 300}}
	tests := []struct {
		name     string
		history  []position
		replayed LSN
		since    *float64
		want     time.Duration
		known    bool
	}{
		{"caught up while the primary idles: the last replay is old, no lag", idle, 100, secs(3600), 0, true},
		{"ahead of the primary's last sample", busy, 320, secs(5), 0, true},
		{"writes after an idle hour: behind by the time since the newest position it has", busy, 200, secs(3600), 50 * time.Millisecond, true},
		{"behind every write since the idle hour", busy, 150, secs(4000), time.Hour, true},
		{"a recent replayed commit bounds it closer", busy, 150, secs(0.02), 20 * time.Millisecond, true},
		{"behind every position remembered: the age of its last commit", busy, 50, secs(1.5), 1500 * time.Millisecond, true},
		{"clock skew never makes it negative", busy, 50, secs(-0.2), 0, true},
		{"behind every position and no commit replayed since it started: unknown", busy, 50, nil, 0, false},
		{"no commit replayed since it started, but past a position", busy, 250, nil, 50 * time.Millisecond, true},
		{"no history yet (a node just started), behind, no commit replayed: unknown", nil, 50, nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, known := lagOf(tt.history, tt.replayed, tt.since, now)
			if known != tt.known || (known && got != tt.want) {
				t.Errorf("lag %v known %v, want %v known %v", got, known, tt.want, tt.known)
			}
		})
	}
}

func TestRememberKeepsWhatTellsALag(t *testing.T) {
	r := NewReads(nil, nil, 2*time.Second, nil)
	t0 := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	for i := range 300 { // 30 s, idle: one position, its newest time
		r.remember(position{t0.Add(time.Duration(i) * 100 * time.Millisecond), 7})
	}
	if len(r.history) != 1 || !r.history[0].at.Equal(t0.Add(29900*time.Millisecond)) {
		t.Fatalf("idle history %+v, want the one position at its newest time", r.history)
	}
	for i := range 300 { // 30 s, busy
		r.remember(position{t0.Add(30*time.Second + time.Duration(i)*100*time.Millisecond), LSN(100 + i)})
	}
	if first, last := r.history[0].at, r.history[len(r.history)-1].at; last.Sub(first) > 10*time.Second+100*time.Millisecond {
		t.Fatalf("history spans %v, want about 10 s", last.Sub(first))
	}
}

// lazyPool is a pool that never connects (the routing tests compare
// pools, they do not query them).
func lazyPool(t *testing.T, db string) *pgxpool.Pool {
	t.Helper()
	p, err := pgxpool.New(context.Background(), "postgres://nobody@127.0.0.1:1/"+db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

func TestReadsRouting(t *testing.T) {
	primary, replica := lazyPool(t, "primary"), lazyPool(t, "replica")
	r := NewReads(primary, replica, 2*time.Second, nil)
	tests := []struct {
		name       string
		state      *replicaState
		pool       *pgxpool.Pool
		at         LSN
		poolAt     *pgxpool.Pool
		lagMetric  bool
		wantLagged time.Duration
	}{
		{"not sampled yet", nil, primary, 0, primary, false, 0},
		{"down", &replicaState{}, primary, 0, primary, false, 0},
		{"behind by a time nobody can tell", &replicaState{up: true, lagUnknown: true, replayed: 900}, primary, 500, primary, true, unknownLag},
		{"caught up", &replicaState{up: true, replayed: 500}, replica, 500, replica, true, 0},
		{"within the bound but not at the fence", &replicaState{up: true, lag: time.Second, replayed: 400}, replica, 500, primary, true, time.Second},
		{"over the bound", &replicaState{up: true, lag: 3 * time.Second, replayed: 900}, primary, 500, primary, true, 3 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r.state.Store(tt.state)
			if got := r.Pool(); got != tt.pool {
				t.Errorf("Pool: the %s", nameOf(got, primary))
			}
			if got := r.PoolAt(tt.at); got != tt.poolAt {
				t.Errorf("PoolAt: the %s", nameOf(got, primary))
			}
			lag, ok := r.Lag()
			if ok != tt.lagMetric || lag != tt.wantLagged {
				t.Errorf("Lag %v %v", lag, ok)
			}
		})
	}
	t.Run("without a replica everything reads the primary", func(t *testing.T) {
		var none *Reads
		if none.HasReplica() {
			t.Fatal("nil Reads has a replica")
		}
		only := NewReads(primary, nil, time.Second, nil)
		only.state.Store(&replicaState{up: true})
		if only.Pool() != primary || only.PoolAt(0) != primary {
			t.Fatal("a Reads without a replica answered something else than the primary")
		}
	})
}

// testServerURL is the shared test server (see dbtest), which is no replica.
func testServerURL() string {
	if url := os.Getenv("MARKET_TEST_DATABASE_URL"); url != "" {
		return url
	}
	return "postgres://postgres@127.0.0.1:5432/postgres"
}

func nameOf(p, primary *pgxpool.Pool) string {
	if p == primary {
		return "primary"
	}
	return "replica"
}

// A server that is not in recovery (here the test server, given as its
// own replica) is never read from: it is a primary, perhaps a promoted one.
func TestReadsRefuseAServerNotInRecovery(t *testing.T) {
	ctx := context.Background()
	pool, err := Open(ctx, testServerURL())
	if err != nil {
		t.Skipf("no test database: %v", err)
	}
	defer pool.Close()
	r := NewReads(pool, pool, time.Hour, nil)
	if st := r.sample(ctx); st.up || st.down != notInRecovery {
		t.Fatalf("a primary as a replica: %+v, want refused as %q (both positions read)", st, notInRecovery)
	}
}
