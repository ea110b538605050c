package app_test

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fupinmarket/market/internal/config"
	"github.com/fupinmarket/market/internal/dbtest"
	"github.com/fupinmarket/market/internal/platform/pgembed"
	"github.com/fupinmarket/market/internal/platform/postgres"
	"github.com/fupinmarket/market/internal/schema"
	"github.com/fupinmarket/market/internal/web/webtest"
)

func testConfig(t *testing.T, prefix string) config.Config {
	t.Helper()
	cfg, _, err := config.Load("test", nil, config.NoEnv, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.RedisPrefix, cfg.DataDir = prefix, t.TempDir()
	return cfg
}

// eventually polls cond until it holds or the deadline passes: recovery is
// asynchronous (pools reconnect on next use), so a condition wait is right.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// privateRedis runs a redis-server of our own on port (0: a free one).
func privateRedis(t *testing.T, port int) (*exec.Cmd, int) {
	t.Helper()
	if port == 0 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port = l.Addr().(*net.TCPAddr).Port
		l.Close()
	}
	cmd := exec.Command("redis-server", "--bind", "127.0.0.1", "--port", fmt.Sprint(port), "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	rdb := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", port)})
	defer rdb.Close()
	eventually(t, "private redis", func() bool { return rdb.Ping(context.Background()).Err() == nil })
	return cmd, port
}

func TestRedisOutage(t *testing.T) {
	cmd, port := privateRedis(t, 0)
	rdb := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", port),
		DialTimeout: 300 * time.Millisecond, ReadTimeout: 300 * time.Millisecond, WriteTimeout: 300 * time.Millisecond})
	t.Cleanup(func() { rdb.Close() })
	s := webtest.StartOn(t, testConfig(t, "outage:"), dbtest.New(t), rdb)
	c := s.Client()
	if r := c.Do("GET", "/readyz", nil); r.Status != 200 {
		t.Fatalf("readyz before: %d", r.Status)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if r := c.Do("GET", "/readyz", nil); r.Status != 503 {
		t.Fatalf("readyz with Redis down: %d, want 503", r.Status)
	}
	for _, p := range []string{"/", "/regions/653224", "/login", "/api/v1/regions/653200"} {
		if r := c.Do("GET", p, nil); r.Status != 200 {
			t.Errorf("%s with Redis down: %d, want 200", p, r.Status)
		}
	}
	privateRedis(t, port)
	eventually(t, "readyz after Redis returns", func() bool { return c.Do("GET", "/readyz", nil).Status == 200 })
}

func TestPostgresOutage(t *testing.T) {
	ctx := context.Background()
	cluster, err := pgembed.Start(ctx, filepath.Join(t.TempDir(), "pg"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cluster.Stop(context.Background()) })
	pool, err := postgres.Open(ctx, cluster.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if _, err := schema.Up(ctx, pool); err != nil {
		t.Fatal(err)
	}
	rdb, prefix := dbtest.Redis(t)
	s := webtest.StartOn(t, testConfig(t, prefix), &dbtest.DB{Pool: pool, URL: cluster.URL(), App: pool}, rdb)
	c := s.Client()
	if r := c.Do("GET", "/", nil); r.Status != 200 {
		t.Fatalf("home before: %d", r.Status)
	}
	if err := cluster.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if r := c.Do("GET", "/readyz", nil); r.Status != 503 {
		t.Fatalf("readyz with PostgreSQL down: %d, want 503", r.Status)
	}
	if r := c.Do("GET", "/", nil); r.Status != 200 {
		t.Errorf("home with PostgreSQL down: %d, want 200 from the region cache", r.Status)
	}
	if r := c.Do("GET", "/api/v1/regions/653224", nil); r.Status != 503 {
		t.Errorf("API needing PostgreSQL: %d, want 503", r.Status)
	}
	if err := cluster.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, "readyz after PostgreSQL returns", func() bool { return c.Do("GET", "/readyz", nil).Status == 200 })
	if r := c.Do("GET", "/api/v1/regions/653224", nil); r.Status != 200 {
		t.Errorf("API after recovery: %d", r.Status)
	}
}
