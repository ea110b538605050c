package demo_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/demo"
	"github.com/fupinmarket/market/internal/pii"
	"github.com/fupinmarket/market/internal/web/webtest"
)

func TestDemoCatalog(t *testing.T) {
	s := webtest.Start(t)
	ctx := context.Background()
	db := s.DB.Pool
	if err := demo.LoadAccounts(ctx, db, auth.NewUsers(db)); err != nil {
		t.Fatal(err)
	}
	key, _ := pii.GenerateKey()
	ring, err := pii.ParseRing(key)
	if err != nil {
		t.Fatal(err)
	}
	count := func(q string) int {
		var n int
		if err := db.QueryRow(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var before [4]int
	for run := 0; run < 2; run++ { // idempotent
		if err := demo.LoadCatalogWith(ctx, db, s.Config.DataDir, ring); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		now := [4]int{count(`SELECT count(*) FROM products`), count(`SELECT count(*) FROM lots`),
			count(`SELECT count(*) FROM product_images`), count(`SELECT count(*) FROM households`)}
		if run == 1 && now != before {
			t.Errorf("second run changed the counts: %v → %v", before, now)
		}
		before = now
	}
	if before[0] < 60 || before[1] < before[0] || before[2] != before[0] {
		t.Errorf("products, lots, images, households: %v", before)
	}
	if n := count(`SELECT count(DISTINCT county_code) FROM products`); n != 10 {
		t.Errorf("products in %d counties, want 10", n)
	}
	if n := count(`SELECT count(*) FROM lots l WHERE quantity <> (SELECT sum(quantity) FROM lot_contributions c WHERE c.lot_id = l.id)`); n != 0 {
		t.Errorf("%d lots whose contributions do not add up", n)
	}
	if n := count(`SELECT count(*) FROM lot_contributions c JOIN lots l ON l.id = c.lot_id JOIN products p ON p.id = l.product_id
		WHERE NOT EXISTS (SELECT 1 FROM cooperative_members m WHERE m.cooperative_id = p.cooperative_id AND m.household_id = c.household_id)`); n != 0 {
		t.Errorf("%d contributions from non-members", n)
	}
	// The storefront shows them: search, pavilion, product page with image.
	c := s.Client()
	html := string(c.Do("GET", "/search?q=%E6%9E%A3", nil).Body) // 枣
	if !strings.Contains(html, "和田红枣") || !strings.Contains(html, "/media/") {
		t.Errorf("search for 枣 lacks the demo jujubes")
	}
	if r := c.Do("GET", "/regions/653200", nil); !strings.Contains(string(r.Body), "于田玫瑰花酱") {
		t.Errorf("和田 pavilion lacks 于田玫瑰花酱")
	}
	// Every demo cooperative and product has Uyghur and English names.
	if n := count(`SELECT count(*) FROM products WHERE title_ug = '' OR title_en = ''`); n != 0 {
		t.Errorf("%d demo products lack a Uyghur or English title", n)
	}
	if n := count(`SELECT count(*) FROM cooperatives WHERE name_ug = '' OR name_en = ''`); n != 0 {
		t.Errorf("%d demo cooperatives lack a Uyghur or English name", n)
	}
	// Search finds the red dates by any of their names.
	for _, q := range []string{"jujube", "Jujubes", "قىزىل چىلان", "枣"} {
		var res struct {
			Items []struct {
				Title string                      `json:"title"`
				Names struct{ Zh, Ug, En string } `json:"names"`
			} `json:"items"`
		}
		c.Do("GET", "/api/v1/products?limit=50&q="+url.QueryEscape(q), nil).JSON(t, &res)
		found := 0
		for _, it := range res.Items {
			if strings.Contains(it.Title, "红枣") {
				found++
			}
			if it.Names.Ug == "" || it.Names.En == "" {
				t.Errorf("q=%s: %s has names %+v", q, it.Title, it.Names)
			}
		}
		if found < 3 {
			t.Errorf("q=%s found %d red-date products among %d", q, found, len(res.Items))
		}
	}
	var certified int
	db.QueryRow(ctx, `SELECT count(*) FROM product_certifications WHERE status = 'confirmed'`).Scan(&certified)
	if certified < 20 {
		t.Errorf("%d confirmed certificates", certified)
	}
}

func TestEveryDemoProductAndTradeIsNamed(t *testing.T) {
	for _, title := range demo.ProductTitles() {
		if n, ok := demo.ProductNames(title); !ok || n[0] == "" || n[1] == "" {
			t.Errorf("%s has no Uyghur and English title", title)
		}
	}
}
