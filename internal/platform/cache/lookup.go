package cache

import (
	"context"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// lookupScript reads a namespace's version and the entry under it in one
// round trip (Version then GetBytes would take two, and a hot page pays them
// on every request). KEYS[1] is the version key; the entry's key is
// ARGV[1] .. version .. ARGV[2]. ARGV[3] is the key of an entry the caller
// already holds in memory ("" if none): when the current key is that one,
// only the version comes back and the page is not copied over the socket.
// Otherwise the reply is the version, the entry (nil on a miss) and its
// remaining time to live in milliseconds, which bounds the in-memory copy.
//
// The entry's key is computed inside the script, so the script needs every
// key of the namespace on one server: on a Redis Cluster the namespace is
// the keys' hash tag (Cache.base), which puts them in one slot.
var lookupScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1]) or '0'
local k = ARGV[1] .. v .. ARGV[2]
if k == ARGV[3] then
	return {v}
end
return {v, redis.call('GET', k), redis.call('PTTL', k)}
`)

// Lookup returns the entry of namespace ns under parts at the namespace's
// current version, asking Redis once. key is where a fresh entry belongs
// (pass it to SetBytes after computing it from data read after this call); it
// is "" when Redis cannot be used, and then nothing should be stored. The
// returned bytes must not be modified.
//
// The hottest entries are also kept in memory, keyed by the full key: a hit
// there still asks Redis for the version (so a bump by any process is seen
// at once) but receives only the version back.
func (c *Cache) Lookup(ctx context.Context, ns string, parts ...string) (key string, b []byte, hit bool) {
	if !c.usable() {
		return "", nil, false
	}
	base := c.base(ns)
	suffix := ""
	if len(parts) > 0 {
		suffix = ":" + strings.Join(parts, ":")
	}
	now := time.Now()
	have := ""
	if seen, ok := c.seen.Load(ns); ok {
		if k := base + seen.(string) + suffix; c.mem.has(k, now) {
			have = k
		}
	}
	rctx, cancel := c.ctx(ctx)
	defer cancel()
	res, err := lookupScript.Run(rctx, c.rdb, []string{base + "v"}, base, suffix, have).Slice()
	var v string
	if err == nil {
		if len(res) == 1 || len(res) == 3 {
			v, _ = res[0].(string)
		}
		if v == "" {
			err = errUnexpectedReply
		}
	}
	if err != nil {
		c.failed("lookup", err)
		c.misses.Add(1)
		return "", nil, false
	}
	if old, ok := c.seen.Load(ns); !ok || old.(string) != v {
		c.seen.Store(ns, v)
	}
	key = base + v + suffix
	if len(res) == 1 {
		// Still current: serve the copy in memory. (Had it just expired or
		// been evicted, this is a miss and the caller renders.)
		if b, ok := c.mem.get(key, now); ok {
			c.hits.Add(1)
			c.memHits.Add(1)
			return key, b, true
		}
		c.misses.Add(1)
		return key, nil, false
	}
	s, ok := res[1].(string)
	if !ok {
		c.misses.Add(1)
		return key, nil, false
	}
	b = []byte(s)
	if ttl, ok := res[2].(int64); ok && ttl > 0 {
		c.mem.add(key, b, time.Duration(ttl)*time.Millisecond, now)
	}
	c.hits.Add(1)
	return key, b, true
}

type cacheError string

func (e cacheError) Error() string { return string(e) }

const errUnexpectedReply = cacheError("cache: unexpected reply from the lookup script")

// getScript reads an entry and its remaining time to live (milliseconds) in
// one round trip.
var getScript = redis.NewScript(`return {redis.call('GET', KEYS[1]), redis.call('PTTL', KEYS[1])}`)

// LookupAt returns the entry of namespace ns under parts, for callers that
// know the version of what they cache themselves and put it in parts (the
// catalog's, from PostgreSQL's notifications): no Redis version is read. A
// hit in memory costs no round trip at all; otherwise Redis is asked once.
// key is where a fresh entry belongs (SetBytes), "" when Redis cannot be
// used (then nothing is cached). The returned bytes must not be modified.
func (c *Cache) LookupAt(ctx context.Context, ns string, parts ...string) (key string, b []byte, hit bool) {
	if !c.usable() {
		return "", nil, false
	}
	key = c.prefix + ns + ":at:" + strings.Join(parts, ":")
	now := time.Now()
	if b, ok := c.mem.get(key, now); ok {
		c.hits.Add(1)
		c.memHits.Add(1)
		return key, b, true
	}
	rctx, cancel := c.ctx(ctx)
	defer cancel()
	res, err := getScript.Run(rctx, c.rdb, []string{key}).Slice()
	if err == nil && len(res) != 2 {
		err = errUnexpectedReply
	}
	if err != nil {
		c.failed("lookup", err)
		c.misses.Add(1)
		return "", nil, false
	}
	s, ok := res[0].(string)
	if !ok {
		c.misses.Add(1)
		return key, nil, false
	}
	b = []byte(s)
	if ttl, ok := res[1].(int64); ok && ttl > 0 {
		c.mem.add(key, b, time.Duration(ttl)*time.Millisecond, now)
	}
	c.hits.Add(1)
	return key, b, true
}

// MemoryStats returns how many hits were served from memory and how many
// entries are held there (tests and metrics).
func (c *Cache) MemoryStats() (hits int64, entries int) {
	return c.memHits.Load(), c.mem.len()
}
