package cache

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fupinmarket/market/internal/dbtest"
)

func TestLRUBoundsBytesAndTime(t *testing.T) {
	now := time.Now()
	l := newLRU(16 * 100) // entries up to 100 bytes (key + value)
	for i := range 20 {
		l.add(string(rune('a'+i)), make([]byte, 90), time.Minute, now)
	}
	if l.size > l.max {
		t.Fatalf("size %d over budget %d", l.size, l.max)
	}
	if _, ok := l.get("a", now); ok {
		t.Errorf("the oldest entry survived eviction")
	}
	if _, ok := l.get("t", now); !ok {
		t.Errorf("the newest entry was evicted")
	}
	l.add("big", make([]byte, 200), time.Minute, now)
	if l.has("big", now) {
		t.Errorf("an entry over 1/16 of the budget was kept")
	}
	l.add("short", []byte("x"), time.Second, now)
	if !l.has("short", now) || l.has("short", now.Add(time.Second)) {
		t.Errorf("an entry outlived its time to live")
	}
	if _, ok := l.get("short", now.Add(2*time.Second)); ok || l.has("short", now) {
		t.Errorf("an expired entry was served or kept")
	}
}

func newTestCache(t *testing.T) (*Cache, *redis.Client, string) {
	t.Helper()
	rdb, prefix := dbtest.Redis(t)
	return New(rdb, prefix, nil), rdb, prefix
}

// Lookup: a miss names the key to fill; a stored entry is then served from
// memory with only the version asked of Redis; a bump by another process
// (another Cache on the same Redis) is seen by the very next lookup.
func TestLookupOneRoundTripAndBumps(t *testing.T) {
	ctx := context.Background()
	a, rdb, prefix := newTestCache(t)
	b := New(rdb, prefix, nil) // another process
	key, got, hit := a.Lookup(ctx, "catalog", "page", "n7", "zh-CN", "x")
	if hit || got != nil || key != a.Key("catalog", 0, "page", "n7", "zh-CN", "x") {
		t.Fatalf("first lookup: key %q hit %v", key, hit)
	}
	a.SetBytes(ctx, key, []byte("<p>v0</p>"), time.Minute)

	if _, got, hit := a.Lookup(ctx, "catalog", "page", "n7", "zh-CN", "x"); !hit || string(got) != "<p>v0</p>" {
		t.Fatalf("second lookup: %q %v", got, hit)
	}
	if h, n := a.MemoryStats(); h != 1 || n != 1 {
		t.Errorf("memory: %d hits, %d entries; want 1, 1", h, n)
	}
	// The other process reads it from Redis and keeps it no longer than
	// Redis does.
	if _, got, hit := b.Lookup(ctx, "catalog", "page", "n7", "zh-CN", "x"); !hit || string(got) != "<p>v0</p>" {
		t.Fatalf("other process: %q %v", got, hit)
	}
	if el, ok := b.mem.items[key]; !ok || el.Value.(*lruEntry).expires.After(time.Now().Add(time.Minute)) {
		t.Errorf("the memory copy outlives the Redis entry")
	}

	b.Bump(ctx, "catalog")
	key1, got, hit := a.Lookup(ctx, "catalog", "page", "n7", "zh-CN", "x")
	if hit || got != nil {
		t.Fatalf("after another process's bump the old page was served")
	}
	if !strings.Contains(key1, ":{catalog}:1:") {
		t.Errorf("key after the bump: %s", key1)
	}
	a.SetBytes(ctx, key1, []byte("<p>v1</p>"), time.Minute)
	if _, got, _ := b.Lookup(ctx, "catalog", "page", "n7", "zh-CN", "x"); string(got) != "<p>v1</p>" {
		t.Errorf("other process after the bump: %q", got)
	}
	// A part of the key (the database's version) changes: a miss.
	if _, _, hit := a.Lookup(ctx, "catalog", "page", "n8", "zh-CN", "x"); hit {
		t.Errorf("a page of another database version was served")
	}
}

// LookupAt: the caller's version is in the key; a stored entry is served
// from memory without asking Redis, and another process finds it in Redis.
func TestLookupAtAndThrough(t *testing.T) {
	ctx := context.Background()
	a, rdb, prefix := newTestCache(t)
	b := New(rdb, prefix, nil)
	key, got, hit := a.LookupAt(ctx, "catalog", "n42", "page", "x")
	if hit || got != nil || key != prefix+"cache:catalog:at:n42:page:x" {
		t.Fatalf("first lookup: %q %v", key, hit)
	}
	a.SetBytes(ctx, key, []byte("<p>42</p>"), time.Minute)
	if _, got, hit := a.LookupAt(ctx, "catalog", "n42", "page", "x"); !hit || string(got) != "<p>42</p>" {
		t.Fatalf("second lookup: %q %v", got, hit)
	}
	if h, _ := a.MemoryStats(); h != 1 {
		t.Errorf("not served from memory")
	}
	if _, got, hit := b.LookupAt(ctx, "catalog", "n42", "page", "x"); !hit || string(got) != "<p>42</p>" {
		t.Fatalf("other process: %q %v", got, hit)
	}
	if h, n := b.MemoryStats(); h != 0 || n != 1 {
		t.Errorf("other process: %d memory hits, %d entries; want 0, 1", h, n)
	}
	if _, _, hit := a.LookupAt(ctx, "catalog", "n43", "page", "x"); hit {
		t.Errorf("an entry of another version was served")
	}

	calls := 0
	fill := func() (int, error) { calls++; return 7, nil }
	for range 2 {
		if v, err := Through(ctx, a, "catalog", time.Minute, "k", fill); err != nil || v != 7 {
			t.Fatalf("Through: %d %v", v, err)
		}
	}
	if calls != 1 {
		t.Errorf("Through filled %d times", calls)
	}
	if _, err := Through(ctx, a, "catalog", time.Minute, "k2", func() (int, error) { return 0, errors.New("boom") }); err == nil {
		t.Fatal("fill's error lost")
	}
	if _, _, hit := a.Lookup(ctx, "catalog", "k2"); hit {
		t.Error("a failed fill was cached")
	}
}

// With Redis unreachable, lookups miss without a key (nothing is stored) and
// Through just fills.
func TestLookupRedisDown(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 50 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	c := New(rdb, "down:", nil)
	ctx := context.Background()
	if key, b, hit := c.Lookup(ctx, "catalog", "p"); key != "" || b != nil || hit {
		t.Fatalf("Redis down: key %q hit %v", key, hit)
	}
	if key, b, hit := c.LookupAt(ctx, "catalog", "n1", "p"); key != "" || b != nil || hit {
		t.Fatalf("Redis down: key %q hit %v", key, hit)
	}
	v, err := Through(ctx, c, "catalog", time.Minute, "p", func() (int, error) { return 7, nil })
	if err != nil || v != 7 {
		t.Fatalf("Through with Redis down: %d %v", v, err)
	}
	var nilCache *Cache
	if key, _, hit := nilCache.Lookup(ctx, "catalog", "p"); key != "" || hit {
		t.Fatal("nil cache")
	}
}
