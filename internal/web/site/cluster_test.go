package site_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/fupinmarket/market/internal/config"
	"github.com/fupinmarket/market/internal/dbtest"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/platform/redistest"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// TestTheSiteOnRedisCluster: the whole service on a private three-master
// Redis Cluster, as REDIS_URL=redis+cluster://… runs it. Sessions, the login
// limiter, idempotent replies and the page cache each have keys in several
// hash slots; a command naming two of them would fail with CROSSSLOT here.
// A checkout with Idempotency-Keys is replayed, a reused key with another
// body refused, and a product page served from the cache.
func TestTheSiteOnRedisCluster(t *testing.T) {
	cluster := redistest.Start(t)
	rdb := cluster.Client(t)
	// The first commands load the slot map and dial each master: done here,
	// not inside a request's deadline.
	if err := rdb.ForEachMaster(context.Background(), func(ctx context.Context, c *redis.Client) error { return c.Ping(ctx).Err() }); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := config.Load("test", nil, config.NoEnv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg.RedisPrefix, cfg.DataDir, cfg.DataKey = redistest.Prefix(t), t.TempDir(), webtest.TestDataKey
	s := webtest.StartOn(t, cfg, dbtest.New(t), rdb)
	w := ordertest.Seed(t, s.DB, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	buyer, _ := s.Login("buyer@example.com", ordertest.Password)
	admin, _ := s.Login("admin@example.com", ordertest.Password)

	buyer.Header.Set("Idempotency-Key", "cluster-checkout-1")
	placed := buyer.Do("POST", "/api/v1/orders", placeBody(w.VariantID, 2))
	if placed.Status != 201 {
		t.Fatalf("place: %d %s", placed.Status, placed.Body)
	}
	var o orderJSON
	placed.JSON(t, &o)
	t.Run("a replayed checkout answers the first reply", func(t *testing.T) {
		again := buyer.Do("POST", "/api/v1/orders", placeBody(w.VariantID, 2))
		if again.Status != 201 || string(again.Body) != string(placed.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay: %d %s", again.Status, again.Body)
		}
		if other := buyer.Do("POST", "/api/v1/orders", placeBody(w.VariantID, 3)); other.Status != 422 {
			t.Fatalf("the key with another body: %d %s", other.Status, other.Body)
		}
		var n int
		s.DB.Pool.QueryRow(t.Context(), `SELECT count(*) FROM orders`).Scan(&n)
		if n != 1 {
			t.Fatalf("%d orders after the replays", n)
		}
	})
	t.Run("a replayed confirmation answers the paid order", func(t *testing.T) {
		admin.Header.Set("Idempotency-Key", "cluster-confirm-1")
		path := "/api/v1/orders/" + o.ID + "/payments/confirm"
		first := admin.Do("POST", path, map[string]string{"reference": "农行转账 20261204"})
		again := admin.Do("POST", path, map[string]string{"reference": "农行转账 20261204"})
		if first.Status != 200 || !strings.Contains(string(first.Body), `"status":"paid"`) || string(again.Body) != string(first.Body) ||
			again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("confirm: %d %s, then %d %s", first.Status, first.Body, again.Status, again.Body)
		}
	})
	t.Run("a session made by one sign-in serves pages", func(t *testing.T) {
		if page := buyer.Do("GET", "/orders", nil); page.Status != 200 || !strings.Contains(string(page.Body), o.Number) {
			t.Fatalf("the buyer's orders page: %d", page.Status)
		}
	})
	t.Run("a product page is served from the cache", func(t *testing.T) {
		visitor := s.Client()
		path := fmt.Sprintf("/products/%d", w.ProductID)
		first, second := visitor.Do("GET", path, nil), visitor.Do("GET", path, nil)
		if first.Status != 200 || second.Status != 200 || string(first.Body) != string(second.Body) {
			t.Fatalf("product page: %d, then %d", first.Status, second.Status)
		}
	})
	t.Run("every kind of key is there, spread over the masters", func(t *testing.T) {
		byMaster := redistest.Keys(t, rdb, cfg.RedisPrefix)
		kinds := map[string]bool{}
		for _, keys := range byMaster {
			for _, k := range keys {
				kinds[strings.SplitN(strings.TrimPrefix(k, cfg.RedisPrefix), ":", 2)[0]] = true
			}
		}
		// sess: sessions and their index; rl: the login limiter; idem: the
		// idempotent replies; cache: the product page.
		if len(byMaster) < 2 || !kinds["sess"] || !kinds["rl"] || !kinds["idem"] || !kinds["cache"] {
			t.Fatalf("keys by master %v: want several masters, and sessions, limits, replies and pages among them", byMaster)
		}
	})
}
