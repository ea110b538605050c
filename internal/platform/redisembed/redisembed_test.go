package redisembed

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func client(t *testing.T, s *Server) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(s.URL())
	if err != nil {
		t.Fatalf("ParseURL(%q): %v", s.URL(), err)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

func start(t *testing.T) *Server {
	t.Helper()
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestAddressAndURL(t *testing.T) {
	s := start(t)
	if !strings.HasPrefix(s.Addr(), "127.0.0.1:") {
		t.Errorf("Addr() = %q, want 127.0.0.1:PORT", s.Addr())
	}
	if want := "redis://" + s.Addr() + "/0"; s.URL() != want {
		t.Errorf("URL() = %q, want %q", s.URL(), want)
	}
}

// TestKeysExpireInRealTime is the reason for the clock: a key set with EX
// must vanish once that much wall time has passed.
func TestKeysExpireInRealTime(t *testing.T) {
	s := start(t)
	rdb := client(t, s)
	ctx := context.Background()
	if err := rdb.Set(ctx, "k", "v", time.Second).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Set(ctx, "forever", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if v, err := rdb.Get(ctx, "k").Result(); err != nil || v != "v" {
		t.Fatalf("GET right after SET = %q, %v", v, err)
	}
	set := time.Now()
	deadline := set.Add(5 * time.Second)
	for {
		_, err := rdb.Get(ctx, "k").Result()
		if errors.Is(err, redis.Nil) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatal("key with EX 1 still present after 5s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if elapsed := time.Since(set); elapsed < 900*time.Millisecond {
		t.Errorf("key expired after %v, before its 1s TTL", elapsed)
	}
	if n, err := rdb.Exists(ctx, "forever").Result(); err != nil || n != 1 {
		t.Errorf("key without TTL: EXISTS = %d, %v; want 1", n, err)
	}
}

func TestTTLIncrExpire(t *testing.T) {
	s := start(t)
	rdb := client(t, s)
	ctx := context.Background()

	for want := int64(1); want <= 3; want++ {
		if n, err := rdb.Incr(ctx, "hits").Result(); err != nil || n != want {
			t.Fatalf("INCR = %d, %v; want %d", n, err, want)
		}
	}
	if ttl, err := rdb.TTL(ctx, "hits").Result(); err != nil || ttl != -1 {
		t.Fatalf("TTL without expiry = %v, %v; want -1 (no TTL)", ttl, err)
	}
	if ok, err := rdb.Expire(ctx, "hits", time.Minute).Result(); err != nil || !ok {
		t.Fatalf("EXPIRE = %v, %v", ok, err)
	}
	ttl, err := rdb.TTL(ctx, "hits").Result()
	if err != nil || ttl <= 58*time.Second || ttl > time.Minute {
		t.Fatalf("TTL after EXPIRE 60 = %v, %v; want about 60s", ttl, err)
	}

	// The clock counts the TTL down with real time.
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := rdb.TTL(ctx, "hits").Result()
		if err != nil {
			t.Fatal(err)
		}
		if got < ttl {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("TTL stuck at %v for 5s", got)
		}
		time.Sleep(50 * time.Millisecond)
	}

	if ttl, err := rdb.TTL(ctx, "missing").Result(); err != nil || ttl != -2 {
		t.Fatalf("TTL of a missing key = %v, %v; want -2", ttl, err)
	}
}

func TestCloseStopsServing(t *testing.T) {
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	rdb := client(t, s)
	ctx := context.Background()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s.Close() // harmless
	if conn, err := net.DialTimeout("tcp", s.Addr(), time.Second); err == nil {
		conn.Close()
		t.Fatal("still accepting connections after Close")
	}
}
