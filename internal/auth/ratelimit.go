package auth

import (
	"context"
	"net/netip"
	"time"

	"github.com/redis/go-redis/v9"
)

// Limiter keeps rate limits in Redis. Every decision is one Lua script, so
// that counting an attempt and comparing it with the limit happen at once:
// parallel attempts cannot all read "under the limit" before any is counted.
type Limiter struct {
	rdb    redis.UniversalClient
	prefix string
	now    func() time.Time // nil: Redis's own clock
}

// NewLimiter returns a limiter whose keys start with prefix. Its back-offs
// are timed by Redis's clock, which every node shares: one node's clock
// running ahead of another's cannot shorten a back-off that the other set.
func NewLimiter(rdb redis.UniversalClient, prefix string) *Limiter {
	return &Limiter{rdb: rdb, prefix: prefix + "rl:"}
}

// ClientNetwork is what a per-address rate limit counts a client address
// by: an IPv4 address whole, an IPv4-mapped IPv6 address as the IPv4
// address it maps, and an IPv6 address by its /64 (a customer's usual
// allocation, every address of which it may use: counted alone, each would
// bring a fresh budget). Anything that is not an address is kept as it is.
func ClientNetwork(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is4() {
		return ip.String()
	}
	p, err := ip.Prefix(64)
	if err != nil {
		return addr
	}
	return p.String()
}

// key is the Redis key of a counter, its name a hash tag: whatever a
// script does with one counter's keys stays in one slot of a Redis Cluster.
func (l *Limiter) key(k string) string { return l.prefix + "{" + k + "}" }

// SetClock times back-offs by now instead of Redis's clock (tests move time
// on).
func (l *Limiter) SetClock(now func() time.Time) { l.now = now }

// takeScript counts one event in a fixed window that starts with the
// window's first event, and answers the count and the window's remaining
// milliseconds.
var takeScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}`)

// Take counts one event for key and reports whether it is within limit
// events per window; when not, wait is how long until the window ends.
func (l *Limiter) Take(ctx context.Context, key string, limit int, window time.Duration) (ok bool, wait time.Duration, err error) {
	res, err := takeScript.Run(ctx, l.rdb, []string{l.key(key)}, window.Milliseconds()).Int64Slice()
	if err != nil {
		return false, 0, err
	}
	if res[0] <= int64(limit) {
		return true, 0, nil
	}
	return false, time.Duration(max(res[1], 1000)) * time.Millisecond, nil
}

// reserveScript reserves an attempt of a streak (KEYS[1], a hash of n, the
// attempts so far, and until, when the next one may come, in Unix
// milliseconds). ARGV: now (negative: Redis's TIME), free attempts,
// back-off base and cap (ms), how long the streak is remembered (ms). The first free attempts go through at
// once; each later one waits a back-off that doubles, up to the cap. The
// answer is {1, 0} for a reserved attempt, {0, wait ms} for a refused one.
var reserveScript = redis.NewScript(`
local now, free, base, cap, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
if now < 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local n = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')
local next = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
if n >= free and now < next then return {0, next - now} end
n = redis.call('HINCRBY', KEYS[1], 'n', 1)
if n >= free then
  redis.call('HSET', KEYS[1], 'until', now + math.min(base * 2 ^ (n - free), cap))
end
redis.call('PEXPIRE', KEYS[1], ttl)
return {1, 0}`)

// Backoff is an exponential back-off: Free attempts at once, then one per
// Base, 2×Base, 4×Base … up to Cap; a streak is forgotten Forget after its
// last attempt, or at Reset.
type Backoff struct {
	Free      int
	Base, Cap time.Duration
	Forget    time.Duration
}

// Reserve counts an attempt of key's streak before it is made, and reports
// whether it may be made now; when not, wait is how long until it may.
func (l *Limiter) Reserve(ctx context.Context, key string, b Backoff) (ok bool, wait time.Duration, err error) {
	now := int64(-1)
	if l.now != nil {
		now = l.now().UnixMilli()
	}
	res, err := reserveScript.Run(ctx, l.rdb, []string{l.key(key)}, now, b.Free,
		b.Base.Milliseconds(), b.Cap.Milliseconds(), b.Forget.Milliseconds()).Int64Slice()
	if err != nil {
		return false, 0, err
	}
	if res[0] == 1 {
		return true, 0, nil
	}
	return false, time.Duration(max(res[1], 1000)) * time.Millisecond, nil
}

// Reset forgets key, after a successful login.
func (l *Limiter) Reset(ctx context.Context, key string) error {
	return l.rdb.Del(ctx, l.key(key)).Err()
}
