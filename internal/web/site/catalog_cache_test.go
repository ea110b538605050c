package site_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/catalog"
	"github.com/fupinmarket/market/internal/dbtest"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// eventuallyPage polls path until ok holds, failing after a deadline, and
// returns how long it took. A catalog change written outside the catalog
// service (another connection, plain SQL, orders taking stock) reaches the
// cache keys by PostgreSQL's notification, asynchronously: a condition wait,
// not a sleep.
func eventuallyPage(t *testing.T, c *webtest.Client, path, what string, ok func(*webtest.Response) bool) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		if ok(c.Do("GET", path, nil)) {
			return time.Since(start)
		}
		if time.Since(start) > 5*time.Second {
			t.Fatalf("%s: not within 5s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// listenerUp waits until the server keys its caches from notifications.
func listenerUp(t *testing.T, s *webtest.Server) {
	t.Helper()
	start := time.Now()
	for !strings.Contains(s.Metrics(), "\nmarket_catalog_listener_up 1\n") {
		if time.Since(start) > 5*time.Second {
			t.Fatal("catalog listener up: not within 5s")
		}
		time.Sleep(time.Millisecond)
	}
}

// warm requests path until it is served from the cache.
func warm(t *testing.T, c *webtest.Client, path string) {
	t.Helper()
	eventuallyPage(t, c, path, path+" cached", func(r *webtest.Response) bool {
		return r.Status == 200 && r.Header.Get("X-Cache") == "hit"
	})
}

func cachedPaths(id string) []string {
	return []string{"/", "/products/" + id, "/api/v1/products?limit=20", "/api/v1/products/" + id}
}

// After a price change committed by another connection (not the catalog
// service, so no Redis bump), every cached page and API response shows the
// new price once the notification is in, and never the old one again.
func TestCatalogCacheFreshAfterAnotherConnectionWrites(t *testing.T) {
	s := webtest.Start(t)
	sh := openShop(t, s)
	p := sh.create(t, sh.admin, jujubeBody())
	listenerUp(t, s)
	visitor := s.Client()
	for _, path := range cachedPaths(p.ID) {
		warm(t, visitor, path)
	}
	tx, err := s.DB.Pool.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	for _, q := range []string{`UPDATE product_variants SET price_fen = 3580 WHERE product_id = $1 AND sku = 'JZ-1KG'`,
		`UPDATE products SET min_price_fen = 3580 WHERE id = $1`} {
		if _, err := tx.Exec(t.Context(), q, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	// Not committed yet: the cached pages still show the committed price.
	for _, path := range cachedPaths(p.ID) {
		if r := visitor.Do("GET", path, nil); !strings.Contains(string(r.Body), price(path, 3980)) {
			t.Errorf("%s before the commit lacks the old price", path)
		}
	}
	if err := tx.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	var slowest time.Duration
	for _, path := range cachedPaths(p.ID) {
		d := eventuallyPage(t, visitor, path, path+" shows the new price", func(r *webtest.Response) bool {
			return strings.Contains(string(r.Body), price(path, 3580)) && !strings.Contains(string(r.Body), price(path, 3980))
		})
		slowest = max(slowest, d)
	}
	t.Logf("new price visible on every cached path within %v of the commit", slowest)
	for range 10 {
		for _, path := range cachedPaths(p.ID) {
			if r := visitor.Do("GET", path, nil); strings.Contains(string(r.Body), price(path, 3980)) {
				t.Fatalf("%s shows the old price again", path)
			}
		}
	}
}

// price is how path shows fen: "39.80" on pages, 3980 in the API.
func price(path string, fen int) string {
	if strings.HasPrefix(path, "/api/") {
		return fmt.Sprintf(`"price_fen":%d`, fen)
	}
	return fmt.Sprintf("%d.%02d", fen/100, fen%100)
}

// A cached hit asks PostgreSQL nothing: with the database refusing
// connections (the listener's own stays), visitors' cached pages and API
// responses are still served, while anything uncached fails.
func TestCatalogCachedHitsNeedNoDatabase(t *testing.T) {
	s := webtest.Start(t)
	sh := openShop(t, s)
	p := sh.create(t, sh.admin, jujubeBody())
	listenerUp(t, s)
	visitor := s.Client()
	for _, path := range cachedPaths(p.ID) {
		warm(t, visitor, path)
	}
	admin, err := pgx.Connect(t.Context(), dbtest.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	t.Cleanup(func() {
		admin.Exec(context.Background(), "ALTER DATABASE "+s.DB.Name+" ALLOW_CONNECTIONS true")
	})
	if _, err := admin.Exec(t.Context(), "ALTER DATABASE "+s.DB.Name+" ALLOW_CONNECTIONS false"); err != nil {
		t.Fatal(err)
	}
	var cut int
	if err := admin.QueryRow(t.Context(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = $1 AND application_name <> $2`, s.DB.Name, catalog.ListenerName).Scan(&cut); err != nil {
		t.Fatal(err)
	}
	t.Logf("terminated %d pool connections", cut)
	if r := visitor.Do("GET", "/search?q=%E6%A0%B8%E6%A1%83", nil); r.Status < 500 {
		t.Fatalf("an uncached search answered %d without the database: the test is not cutting it off", r.Status)
	}
	for _, path := range cachedPaths(p.ID) {
		r := visitor.Do("GET", path, nil)
		if r.Status != 200 || r.Header.Get("X-Cache") != "hit" || !strings.Contains(string(r.Body), "骏枣特级") {
			t.Errorf("%s without the database: %d, X-Cache %q", path, r.Status, r.Header.Get("X-Cache"))
		}
	}
	if _, err := admin.Exec(t.Context(), "ALTER DATABASE "+s.DB.Name+" ALLOW_CONNECTIONS true"); err != nil {
		t.Fatal(err)
	}
	eventuallyPage(t, visitor, "/search?q=%E6%A0%B8%E6%A1%83", "search after the database is back", func(r *webtest.Response) bool {
		return r.Status == 200
	})
}

// Visitors' home page is cached whole; a signed-in user's is not (it names
// them and holds their CSRF token). Each visitor gets their own token in a
// cached page, also when it comes from memory.
func TestHomePageCachedForVisitorsOnly(t *testing.T) {
	s := webtest.Start(t)
	sh := openShop(t, s)
	p := sh.create(t, sh.admin, jujubeBody())
	sh.lot(t, p.ID) // in stock: the page has the add-to-cart form
	warm(t, s.Client(), "/")
	for range 2 {
		if r := sh.admin.Do("GET", "/", nil); r.Status != 200 || r.Header.Get("X-Cache") != "" {
			t.Fatalf("signed-in home page: %d, X-Cache %q", r.Status, r.Header.Get("X-Cache"))
		}
	}
	warm(t, s.Client(), "/products/"+p.ID)
	a, b := s.Client(), s.Client()
	pa, pb := a.Do("GET", "/products/"+p.ID, nil), b.Do("GET", "/products/"+p.ID, nil)
	ta, tb := webtest.CSRFField(pa.Body), webtest.CSRFField(pb.Body)
	if pa.Header.Get("X-Cache") != "hit" || pb.Header.Get("X-Cache") != "hit" {
		t.Fatalf("product page not cached")
	}
	if ta == "" || ta == tb || strings.Contains(ta, "placeholder") || strings.Contains(string(pb.Body), ta) {
		t.Errorf("visitors' tokens: %q and %q", ta, tb)
	}
}

// Two marketd processes on one database and Redis: a price change through
// one is visible on its own cached pages as soon as the write returns, and
// on the other's once the notification is in (not waiting for the TTL).
func TestCatalogCacheAcrossProcesses(t *testing.T) {
	a := webtest.Start(t)
	sh := openShop(t, a)
	p := sh.create(t, sh.admin, jujubeBody())
	b := webtest.StartOn(t, a.Config, a.DB, a.Redis)
	listenerUp(t, a)
	listenerUp(t, b)
	va, vb := a.Client(), b.Client()
	for _, path := range cachedPaths(p.ID) {
		warm(t, va, path)
		warm(t, vb, path)
	}
	v := p.Variants[0]
	if r := sh.admin.Do("PATCH", "/api/v1/products/"+p.ID, map[string]any{"variants": []map[string]any{
		{"id": v.ID, "sku": v.SKU, "name": v.Name, "price_fen": 3580, "base_qty": 1}}}); r.Status != 200 {
		t.Fatalf("price change: %d %s", r.Status, r.Body)
	}
	for _, path := range cachedPaths(p.ID) {
		if r := va.Do("GET", path, nil); !strings.Contains(string(r.Body), price(path, 3580)) || strings.Contains(string(r.Body), price(path, 3980)) {
			t.Errorf("writer's process: %s not fresh right after the write", path)
		}
		eventuallyPage(t, vb, path, "other process: "+path+" fresh", func(r *webtest.Response) bool {
			return strings.Contains(string(r.Body), price(path, 3580)) && !strings.Contains(string(r.Body), price(path, 3980))
		})
	}
}
