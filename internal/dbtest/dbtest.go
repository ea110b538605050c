// Package dbtest gives tests a fresh, migrated PostgreSQL database cloned from
// a template (built once per schema version, shared by all test packages) and
// an isolated Redis key prefix.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/fupinmarket/market/internal/platform/postgres"
	"github.com/fupinmarket/market/internal/schema"
)

// AdminURL is the server tests create their databases on.
func AdminURL() string {
	if v := os.Getenv("MARKET_TEST_DATABASE_URL"); v != "" {
		return v
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// RedisURL is the Redis server tests use, each under its own key prefix.
func RedisURL() string {
	if v := os.Getenv("MARKET_TEST_REDIS_URL"); v != "" {
		return v
	}
	return "redis://127.0.0.1:6379/0"
}

// AppPassword is the test password of the service's role (market_app):
// roles belong to the whole cluster, and every test sets the same one.
const AppPassword = "market-app-test-password"

// DB is a fresh database for one test. Pool and URL connect as the tables'
// owner (fixtures, marketctl); AppURL as the service's role, which test
// servers use, so that every HTTP test runs with the service's privileges.
type DB struct {
	Pool   *pgxpool.Pool
	URL    string
	AppURL string
	Name   string
	// App, when set, is the pool AppPool returns (a test that wraps it).
	App *pgxpool.Pool
}

// AppPool opens a pool on the database as the service's role, closed when
// the test ends.
func (d *DB) AppPool(tb testing.TB) *pgxpool.Pool {
	tb.Helper()
	if d.App != nil {
		return d.App
	}
	pool, err := postgres.Open(context.Background(), d.AppURL)
	if err != nil {
		tb.Fatalf("dbtest: open as %s: %v", schema.AppRole, err)
	}
	tb.Cleanup(pool.Close)
	return pool
}

// New creates a migrated database for tb, dropped when the test ends.
func New(tb testing.TB) *DB {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tmpl, err := ensureTemplate(ctx)
	if err != nil {
		tb.Fatalf("dbtest: template: %v", err)
	}
	name := "t_" + randomHex(8)
	if err := adminExec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, tmpl)); err != nil {
		tb.Fatalf("dbtest: create database: %v", err)
	}
	dbURL := withDatabase(AdminURL(), name)
	pool, err := postgres.Open(ctx, dbURL)
	if err != nil {
		tb.Fatalf("dbtest: open: %v", err)
	}
	tb.Cleanup(func() {
		pool.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := adminExec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Logf("dbtest: drop %s: %v", name, err)
		}
	})
	return &DB{Pool: pool, URL: dbURL, AppURL: asAppRole(dbURL), Name: name}
}

// Redis returns a client on the test Redis and a key prefix unique to tb; the
// keys under it are deleted when the test ends.
func Redis(tb testing.TB) (*redis.Client, string) {
	tb.Helper()
	opt, err := redis.ParseURL(RedisURL())
	if err != nil {
		tb.Fatalf("dbtest: redis url: %v", err)
	}
	rdb := redis.NewClient(opt)
	prefix := "test:" + randomHex(6) + ":"
	tb.Cleanup(func() {
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+"*", 500).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
		rdb.Close()
	})
	return rdb, prefix
}

// ensureTemplate builds the template database for the current schema once,
// under an advisory lock so that parallel test packages wait for one builder.
func ensureTemplate(ctx context.Context) (string, error) {
	name := "market_tmpl_" + schemaHash()
	conn, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(hashtext('fupin_market_dbtest_template'))"); err != nil {
		return "", err
	}
	defer conn.Exec(context.Background(), "SELECT pg_advisory_unlock(hashtext('fupin_market_dbtest_template'))")
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_b"
	conn.Exec(ctx, "DROP DATABASE IF EXISTS "+building+" WITH (FORCE)")
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+building); err != nil {
		return "", err
	}
	pool, err := postgres.Open(ctx, withDatabase(AdminURL(), building))
	if err != nil {
		return "", err
	}
	_, err = schema.Up(ctx, pool)
	if err == nil {
		err = schema.EnsureAppRole(ctx, pool, AppPassword)
	}
	pool.Close()
	if err != nil {
		return "", err
	}
	dropStaleTemplates(ctx, conn, name)
	if _, err := conn.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s RENAME TO %s", building, name)); err != nil {
		return "", err
	}
	return name, nil
}

// dropStaleTemplates removes templates of older schemas so they do not pile up.
func dropStaleTemplates(ctx context.Context, conn *pgx.Conn, keep string) {
	rows, err := conn.Query(ctx, "SELECT datname FROM pg_database WHERE datname LIKE 'market_tmpl_%' AND datname NOT LIKE '%_b' AND datname <> $1", keep)
	if err != nil {
		return
	}
	names, _ := pgx.CollectRows(rows, pgx.RowTo[string])
	for _, n := range names {
		conn.Exec(ctx, "DROP DATABASE IF EXISTS "+n)
	}
}

// schemaHash fingerprints the embedded migrations so that a schema change
// builds a new template.
func schemaHash() string {
	h := sha256.New()
	fs.WalkDir(postgres.Sources(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(postgres.Sources(), path)
		if err != nil {
			return err
		}
		h.Write([]byte(path))
		h.Write(b)
		return nil
	})
	h.Write([]byte(schema.SeedVersion))
	h.Write([]byte(schema.AppPrivileges()))
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func adminExec(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	for attempt := 0; ; attempt++ {
		_, err = conn.Exec(ctx, sql)
		// Two clones of one template at the same instant can collide briefly.
		if err == nil || attempt == 20 || !strings.Contains(err.Error(), "is being accessed by other users") {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func withDatabase(raw, name string) string {
	u, err := url.Parse(raw)
	if err != nil {
		panic(err)
	}
	u.Path = "/" + name
	return u.String()
}

// asAppRole is raw with the service's role and its test password.
func asAppRole(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		panic(err)
	}
	u.User = url.UserPassword(schema.AppRole, AppPassword)
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
