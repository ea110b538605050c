// Package cache keeps derived data (rendered pages, query results) in Redis
// under versioned keys. A write bumps its namespace's version, so every entry
// computed before it is never read again and expires on its own; a reader
// reads the version before the database, so an entry computed from data older
// than a write is stored under the older version.
//
// Callers that know the version of what they cache themselves (the catalog,
// from PostgreSQL's notifications) put it in the key and use LookupAt
// instead: no Redis version is read. Both keep the hottest entries in memory
// too, under the same full key (lru.go), so they invalidate alike.
//
// The cache is an optimisation only: when Redis fails, Get misses, Set does
// nothing and the caller reads the database. After a failure Redis is left
// alone for a few seconds, so a dead Redis does not slow every request.
package cache

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Cache is a versioned Redis cache under a key prefix.
type Cache struct {
	rdb       redis.UniversalClient
	prefix    string
	log       *slog.Logger
	timeout   time.Duration
	downUntil atomic.Int64 // unix nanoseconds
	hits      atomic.Int64
	misses    atomic.Int64
	mem       *lru // hottest entries, keyed by full key (lru.go)
	memHits   atomic.Int64
	seen      sync.Map // namespace → last version Lookup saw (string)
}

// MemoryBytes bounds the in-process copy of the hottest entries.
const MemoryBytes = 32 << 20

// New returns a cache on rdb whose keys start with prefix + "cache:".
func New(rdb redis.UniversalClient, prefix string, log *slog.Logger) *Cache {
	if log == nil {
		log = slog.Default()
	}
	return &Cache{rdb: rdb, prefix: prefix + "cache:", log: log, timeout: 250 * time.Millisecond, mem: newLRU(MemoryBytes)}
}

func (c *Cache) usable() bool {
	return c != nil && c.rdb != nil && time.Now().UnixNano() >= c.downUntil.Load()
}

func (c *Cache) failed(op string, err error) {
	if errors.Is(err, redis.Nil) {
		return
	}
	c.downUntil.Store(time.Now().Add(5 * time.Second).UnixNano())
	c.log.Warn("cache unavailable; reading the database", "op", op, "err", err)
}

func (c *Cache) ctx(parent context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(parent), c.timeout)
}

// Bump invalidates every entry of the namespace. It retries Redis even
// during a back-off: a missed bump would leave stale pages for their TTL.
func (c *Cache) Bump(ctx context.Context, ns string) {
	if c == nil || c.rdb == nil {
		return
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	if err := c.rdb.Incr(ctx, c.base(ns)+"v").Err(); err != nil {
		c.failed("bump", err)
	}
}

// base starts the keys of namespace ns. The namespace is a hash tag: its
// version and its entries live in one slot of a Redis Cluster, as the
// lookup script, which reads both, needs (lookup.go).
func (c *Cache) base(ns string) string { return c.prefix + "{" + ns + "}:" }

// Key builds the key of an entry of namespace ns at version v.
func (c *Cache) Key(ns string, v int64, parts ...string) string {
	k := c.base(ns) + strconv.FormatInt(v, 10)
	for _, p := range parts {
		k += ":" + p
	}
	return k
}

// SetBytes stores an entry for ttl.
func (c *Cache) SetBytes(ctx context.Context, key string, b []byte, ttl time.Duration) {
	if !c.usable() {
		return
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	if err := c.rdb.Set(ctx, key, b, ttl).Err(); err != nil {
		c.failed("set", err)
		return
	}
	c.mem.add(key, b, ttl, time.Now())
}

// Set stores v as JSON.
func (c *Cache) Set(ctx context.Context, key string, v any, ttl time.Duration) {
	b, err := json.Marshal(v)
	if err == nil {
		c.SetBytes(ctx, key, b, ttl)
	}
}

// Stats returns the hits and misses so far (tests and metrics).
func (c *Cache) Stats() (hits, misses int64) { return c.hits.Load(), c.misses.Load() }

// Through returns the cached value of key in namespace ns, or computes it
// with fill and caches it for ttl. A hit costs one Redis round trip (see
// Lookup). With Redis down it just calls fill.
func Through[T any](ctx context.Context, c *Cache, ns string, ttl time.Duration, key string, fill func() (T, error)) (T, error) {
	k, b, hit := c.Lookup(ctx, ns, key)
	var out T
	if hit && json.Unmarshal(b, &out) == nil {
		return out, nil
	}
	out, err := fill()
	if err == nil && k != "" {
		c.Set(ctx, k, out, ttl)
	}
	return out, err
}
