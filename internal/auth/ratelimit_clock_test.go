package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/dbtest"
)

var streak = auth.Backoff{Free: 1, Base: 10 * time.Second, Cap: time.Minute, Forget: time.Hour}

// TestBackoffIsTimedByRedis: a back-off is timed by Redis's clock, not by
// the clock of the node that asks. The in-process Redis of `make run`
// (miniredis) lets the test move Redis's clock while the nodes' clocks
// stand still: the back-off ends when Redis's clock says so, and, with
// Redis's clock held back, not when the nodes' clocks pass it.
func TestBackoffIsTimedByRedis(t *testing.T) {
	ctx := context.Background()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	redisNow := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) // a year no node's clock reads
	mr.SetTime(redisNow)
	nodeA, nodeB := auth.NewLimiter(rdb, "t:"), auth.NewLimiter(rdb, "t:")

	reserve(t, ctx, nodeA, true)
	if wait := reserve(t, ctx, nodeB, false); wait != streak.Base {
		t.Fatalf("the other node's attempt at once: wait %v, want the whole %v back-off", wait, streak.Base)
	}
	mr.SetTime(redisNow.Add(streak.Base - time.Second))
	if wait := reserve(t, ctx, nodeA, false); wait != time.Second {
		t.Fatalf("a second before Redis's clock ends the back-off: wait %v, want 1s", wait)
	}
	mr.SetTime(redisNow.Add(streak.Base))
	reserve(t, ctx, nodeB, true)
}

// TestNodesShareOneBackoff: on the real Redis, a streak reserved through
// one node is refused through another, for at most the back-off.
func TestNodesShareOneBackoff(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := dbtest.Redis(t)
	nodeA, nodeB := auth.NewLimiter(rdb, prefix), auth.NewLimiter(rdb, prefix)
	reserve(t, ctx, nodeA, true)
	if wait := reserve(t, ctx, nodeB, false); wait <= 0 || wait > streak.Base {
		t.Fatalf("the other node's attempt at once: wait %v, want at most %v", wait, streak.Base)
	}
}

// reserve reserves an attempt of the test's streak, fails the test unless
// the answer is want, and returns the wait.
func reserve(tb testing.TB, ctx context.Context, l *auth.Limiter, want bool) time.Duration {
	tb.Helper()
	ok, wait, err := l.Reserve(ctx, "login:owner", streak)
	if err != nil {
		tb.Fatal(err)
	}
	if ok != want {
		tb.Fatalf("reserve: ok %v (wait %v), want %v", ok, wait, want)
	}
	return wait
}
