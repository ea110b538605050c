package cache_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fupinmarket/market/internal/platform/cache"
	"github.com/fupinmarket/market/internal/platform/logtest"
	"github.com/fupinmarket/market/internal/platform/redistest"
)

// TestCacheOnRedisCluster: the cache works on a Redis Cluster of three
// masters opened as marketd opens REDIS_URL=redis+cluster://…, where a
// script touching keys of two slots fails. The cache hides Redis failures
// (a miss and a warning), so the test asks for hits served by Redis — a
// second Cache, with nothing in memory, stands for another process — and
// for no warning. Namespaces land on several masters; in each, Lookup
// misses then hits (from Redis, then from memory), Bump makes the next
// Lookup miss at the next version, Through fills once for both processes,
// and LookupAt finds what was stored under its key.
func TestCacheOnRedisCluster(t *testing.T) {
	rdb := redistest.Start(t).Client(t)
	ctx := context.Background()
	// The first commands load the slot map and dial each master: done here,
	// outside the cache's short per-call timeout, so that a slow start under
	// -race with other packages' tests running is not taken for a failure.
	if err := rdb.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return c.Ping(ctx).Err() }); err != nil {
		t.Fatal(err)
	}
	prefix := redistest.Prefix(t)
	var logged logtest.Buffer
	log := slog.New(slog.NewTextHandler(&logged, nil))
	a, b := cache.New(rdb, prefix, log), cache.New(rdb, prefix, log)

	for i := range 8 {
		ns := fmt.Sprintf("ns%d", i)
		key, got, hit := a.Lookup(ctx, ns, "page", "zh-CN")
		if hit || got != nil || key != a.Key(ns, 0, "page", "zh-CN") {
			t.Fatalf("%s: first Lookup: key %q hit %v\n%s", ns, key, hit, logged.String())
		}
		a.SetBytes(ctx, key, []byte("v0 "+ns), time.Minute)
		if _, got, hit := b.Lookup(ctx, ns, "page", "zh-CN"); !hit || string(got) != "v0 "+ns {
			t.Errorf("%s: another process's Lookup: %q hit %v, want the stored entry", ns, got, hit)
		}
		memBefore, _ := a.MemoryStats()
		if _, got, hit := a.Lookup(ctx, ns, "page", "zh-CN"); !hit || string(got) != "v0 "+ns {
			t.Errorf("%s: Lookup again: %q hit %v", ns, got, hit)
		}
		if memAfter, _ := a.MemoryStats(); memAfter != memBefore+1 {
			t.Errorf("%s: the repeated Lookup was not served from memory (%d → %d memory hits)", ns, memBefore, memAfter)
		}

		a.Bump(ctx, ns)
		key, _, hit = b.Lookup(ctx, ns, "page", "zh-CN")
		if hit || key != a.Key(ns, 1, "page", "zh-CN") {
			t.Errorf("%s: Lookup after Bump: key %q hit %v, want a miss at version 1", ns, key, hit)
		}
		b.Set(ctx, key, map[string]int{"v": 1}, time.Minute)
		if _, got, hit := a.Lookup(ctx, ns, "page", "zh-CN"); !hit || string(got) != `{"v":1}` {
			t.Errorf("%s: Lookup of version 1: %q hit %v", ns, got, hit)
		}

		fills := 0
		fill := func() (int, error) { fills++; return 40 + i, nil }
		for _, c := range []*cache.Cache{a, b} {
			if v, err := cache.Through(ctx, c, ns, time.Minute, "answer", fill); err != nil || v != 40+i {
				t.Errorf("%s: Through: %v, %v", ns, v, err)
			}
		}
		if fills != 1 {
			t.Errorf("%s: Through filled %d times for two processes, want once", ns, fills)
		}

		key, _, hit = a.LookupAt(ctx, ns, "v17", "page")
		if hit || key == "" {
			t.Errorf("%s: first LookupAt: key %q hit %v", ns, key, hit)
		}
		a.SetBytes(ctx, key, []byte("at "+ns), time.Minute)
		if _, got, hit := b.LookupAt(ctx, ns, "v17", "page"); !hit || string(got) != "at "+ns {
			t.Errorf("%s: another process's LookupAt: %q hit %v", ns, got, hit)
		}
	}
	if s := logged.String(); s != "" {
		t.Errorf("the cache logged (Redis failed?):\n%s", s)
	}
	if byNode := redistest.Keys(t, rdb, prefix); len(byNode) < 2 {
		t.Errorf("cache keys on %d master(s), want several: %v", len(byNode), byNode)
	}
}
