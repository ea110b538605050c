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
	tests := []struct {
		name              string
		primary, replayed LSN
		since             float64
		want              time.Duration
	}{
		{"caught up while the primary idles: the last replay is old, no lag", 100, 100, 3600, 0},
		{"ahead of the primary's earlier sample", 100, 120, 5, 0},
		{"behind: the age of the last replayed commit", 200, 100, 1.5, 1500 * time.Millisecond},
		{"clock skew never makes it negative", 200, 100, -0.2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := lagOf(tt.primary, tt.replayed, tt.since); got != tt.want {
				t.Errorf("lag %v, want %v", got, tt.want)
			}
		})
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

func nameOf(p, primary *pgxpool.Pool) string {
	if p == primary {
		return "primary"
	}
	return "replica"
}

// A server that is not in recovery (here the test server, given as its
// own replica) is never read from: it is a primary, perhaps a promoted one.
func TestReadsRefuseAServerNotInRecovery(t *testing.T) {
	url := os.Getenv("MARKET_TEST_DATABASE_URL")
	if url == "" {
		url = "postgres://postgres@127.0.0.1:5432/postgres"
	}
	ctx := context.Background()
	pool, err := Open(ctx, url)
	if err != nil {
		t.Skipf("no test database: %v", err)
	}
	defer pool.Close()
	r := NewReads(pool, pool, time.Hour, nil)
	if st := r.sample(ctx); st.up || st.down != notInRecovery {
		t.Fatalf("a primary as a replica: %+v, want refused as %q (both positions read)", st, notInRecovery)
	}
}
