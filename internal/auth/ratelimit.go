package auth

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// Limiter counts events per key in fixed windows in Redis.
type Limiter struct {
	rdb    redis.UniversalClient
	prefix string
}

// NewLimiter returns a limiter whose keys start with prefix.
func NewLimiter(rdb redis.UniversalClient, prefix string) *Limiter {
	return &Limiter{rdb: rdb, prefix: prefix + "rl:"}
}

// key is the Redis key of a counter, its name a hash tag: whatever a
// pipeline or script does with one counter's keys stays in one slot of a
// Redis Cluster.
func (l *Limiter) key(k string) string { return l.prefix + "{" + k + "}" }

// Blocked reports whether key has reached limit in its current window and,
// if so, how long until the window ends.
func (l *Limiter) Blocked(ctx context.Context, key string, limit int) (bool, time.Duration, error) {
	pipe := l.rdb.Pipeline()
	get := pipe.Get(ctx, l.key(key))
	ttl := pipe.TTL(ctx, l.key(key))
	_, err := pipe.Exec(ctx)
	if err == redis.Nil {
		return false, 0, nil
	}
	if err != nil {
		return false, 0, err
	}
	n, _ := get.Int()
	if n < limit {
		return false, 0, nil
	}
	wait := ttl.Val()
	if wait < time.Second {
		wait = time.Second
	}
	return true, wait, nil
}

// Hit counts one event for key; the window starts with the first event.
func (l *Limiter) Hit(ctx context.Context, key string, window time.Duration) error {
	pipe := l.rdb.Pipeline()
	pipe.Incr(ctx, l.key(key))
	pipe.ExpireNX(ctx, l.key(key), window)
	_, err := pipe.Exec(ctx)
	return err
}

// Reset forgets key, after a successful login.
func (l *Limiter) Reset(ctx context.Context, key string) error {
	return l.rdb.Del(ctx, l.key(key)).Err()
}
