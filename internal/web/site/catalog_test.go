package site_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/catalog/catalogtest"
	"github.com/fupinmarket/market/internal/config"
	"github.com/fupinmarket/market/internal/dbtest"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// shop is a test server with an approved cooperative in 洛浦县 (two member
// households in one village, one outsider), a second approved cooperative in
// 皮山县, and their admins signed in.
type shop struct {
	s                *webtest.Server
	coop, other      int64
	admin, otherAdm  *webtest.Client
	h1, h2, outsider int64
	village          string
}

func openShop(t *testing.T, s *webtest.Server) *shop {
	t.Helper()
	sh := &shop{s: s}
	db := s.DB.Pool
	sh.coop = catalogtest.Coop(t, db, "洛浦县布亚乡红枣种植农民专业合作社", "653224", "approved")
	sh.other = catalogtest.Coop(t, db, "皮山县木吉镇核桃专业合作社", "653223", "approved")
	sh.village = catalogtest.Village(t, db, "653224", "阿克铁热克村")
	sh.h1 = catalogtest.Household(t, db, sh.village, "LP-0001")
	sh.h2 = catalogtest.Household(t, db, sh.village, "LP-0002")
	sh.outsider = catalogtest.Household(t, db, sh.village, "LP-0003")
	catalogtest.Member(t, db, sh.coop, sh.h1)
	catalogtest.Member(t, db, sh.coop, sh.h2)
	s.CreateUser("coop@example.com", pw, auth.Grant{Role: auth.RoleCoopAdmin, CooperativeID: sh.coop})
	s.CreateUser("other@example.com", pw, auth.Grant{Role: auth.RoleCoopAdmin, CooperativeID: sh.other})
	sh.admin, _ = s.Login("coop@example.com", pw)
	sh.otherAdm, _ = s.Login("other@example.com", pw)
	return sh
}

func jujubeBody() map[string]any {
	return map[string]any{"title": "和田红枣 骏枣特级", "description": "昆仑山下的骏枣，自然晾晒。", "category": "dried_fruit",
		"base_unit": "kg", "status": "active", "variants": []map[string]any{
			{"sku": "JZ-1KG", "name": "1 千克袋装", "price_fen": 3980, "base_qty": 1},
			{"sku": "JZ-2.5KG", "name": "2.5 千克礼盒", "price_fen": 8800, "base_qty": 2.5}}}
}

type productJSON struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Certified bool   `json:"certified"`
	Variants  []struct {
		ID        string  `json:"id"`
		SKU       string  `json:"sku"`
		Name      string  `json:"name"`
		PriceFen  int64   `json:"price_fen"`
		BaseQty   float64 `json:"base_qty"`
		Available int64   `json:"available"`
	} `json:"variants"`
}

func (sh *shop) create(t *testing.T, c *webtest.Client, body map[string]any) productJSON {
	t.Helper()
	r := c.Do("POST", "/api/v1/products", body)
	if r.Status != 201 {
		t.Fatalf("create product: %d %s", r.Status, r.Body)
	}
	var p productJSON
	r.JSON(t, &p)
	return p
}

func (sh *shop) lot(t *testing.T, productID string) map[string]any {
	t.Helper()
	r := sh.admin.Do("POST", "/api/v1/products/"+productID+"/lots", map[string]any{
		"received_on": "2020-10-20", "quantity": 100.5, "income_rule": map[string]any{"kind": "per_unit", "fen_per_unit": 1500},
		"contributions": []map[string]any{{"household_id": fmt.Sprint(sh.h1), "quantity": 60.5}, {"household_id": fmt.Sprint(sh.h2), "quantity": 40}}})
	if r.Status != 201 {
		t.Fatalf("create lot: %d %s", r.Status, r.Body)
	}
	var lot map[string]any
	r.JSON(t, &lot)
	return lot
}

func errorFields(t *testing.T, r *webtest.Response) map[string]string {
	t.Helper()
	var e struct {
		Error struct {
			Code   string            `json:"code"`
			Fields map[string]string `json:"fields"`
		} `json:"error"`
	}
	r.JSON(t, &e)
	return e.Error.Fields
}

func TestCatalogAPIValidation(t *testing.T) {
	s := webtest.Start(t)
	sh := openShop(t, s)
	body := jujubeBody()
	body["variants"] = []map[string]any{
		{"sku": "A", "name": "负价", "price_fen": -100, "base_qty": 1},
		{"sku": "B", "name": "零数量", "price_fen": 100, "base_qty": 0}}
	r := sh.admin.Do("POST", "/api/v1/products", body)
	if r.Status != 422 {
		t.Fatalf("invalid product: %d %s", r.Status, r.Body)
	}
	f := errorFields(t, r)
	if f["variants[0].price_fen"] == "" || f["variants[1].base_qty"] == "" {
		t.Errorf("fields %v", f)
	}
	if r := sh.admin.Do("POST", "/api/v1/products", []byte(`{"title": 5}`)); r.Status != 400 {
		t.Errorf("wrong type: %d", r.Status)
	}
	p := sh.create(t, sh.admin, jujubeBody())

	lotBody := func(total float64, contribs ...map[string]any) map[string]any {
		return map[string]any{"received_on": "2020-10-20", "quantity": total,
			"income_rule": map[string]any{"kind": "per_unit", "fen_per_unit": 1500}, "contributions": contribs}
	}
	c := func(h int64, q float64) map[string]any {
		return map[string]any{"household_id": fmt.Sprint(h), "quantity": q}
	}
	r = sh.admin.Do("POST", "/api/v1/products/"+p.ID+"/lots", lotBody(100, c(sh.h1, 50), c(sh.h2, 40)))
	if r.Status != 422 || !strings.Contains(errorFields(t, r)["contributions"], "add up to 90") {
		t.Errorf("contributions that do not sum: %d %s", r.Status, r.Body)
	}
	r = sh.admin.Do("POST", "/api/v1/products/"+p.ID+"/lots", lotBody(100, c(sh.outsider, 50), c(987654, 50)))
	f = errorFields(t, r)
	if r.Status != 422 || f["contributions[0].household_id"] != "is not a member of this cooperative" ||
		f["contributions[1].household_id"] != f["contributions[0].household_id"] {
		t.Errorf("non-member and unknown households: %d %s", r.Status, r.Body)
	}
	// Another cooperative's product: 403 while buyers see it, 404 otherwise.
	if r := sh.otherAdm.Do("PATCH", "/api/v1/products/"+p.ID, map[string]any{"title": "抢来的枣"}); r.Status != 403 {
		t.Errorf("other cooperative's PATCH: %d", r.Status)
	}
	if r := sh.otherAdm.Do("POST", "/api/v1/products/"+p.ID+"/lots", lotBody(90, c(sh.h1, 50), c(sh.h2, 40))); r.Status != 403 {
		t.Errorf("other cooperative's lot: %d", r.Status)
	}
	if r := sh.admin.Do("PATCH", "/api/v1/products/"+p.ID, map[string]any{"status": "draft"}); r.Status != 200 {
		t.Fatalf("to draft: %d %s", r.Status, r.Body)
	}
	if r := sh.otherAdm.Do("PATCH", "/api/v1/products/"+p.ID, map[string]any{"title": "抢来的枣"}); r.Status != 404 {
		t.Errorf("other cooperative's draft: %d", r.Status)
	}
	// Buyers may not write at all.
	s.CreateUser("buyer@example.com", pw, auth.Grant{Role: auth.RoleBuyer})
	buyer, _ := s.Login("buyer@example.com", pw)
	if r := buyer.Do("POST", "/api/v1/products", jujubeBody()); r.Status != 403 {
		t.Errorf("buyer POST: %d", r.Status)
	}
	if r := s.Client().Do("POST", "/api/v1/products", jujubeBody()); r.Status != 401 {
		t.Errorf("visitor POST: %d", r.Status)
	}
	if r := s.Client().Do("GET", "/api/v1/products?limit=500&certified=maybe", nil); r.Status != 400 {
		t.Errorf("bad list parameters: %d", r.Status)
	}
}

func TestCatalogLotsStockAndTrace(t *testing.T) {
	s := webtest.Start(t)
	sh := openShop(t, s)
	p := sh.create(t, sh.admin, jujubeBody())
	lot := sh.lot(t, p.ID)
	code := lot["trace_code"].(string)
	var got productJSON
	s.Client().Do("GET", "/api/v1/products/"+p.ID, nil).JSON(t, &got)
	if got.Variants[0].Available != 100 || got.Variants[1].Available != 40 {
		t.Errorf("available %+v", got.Variants)
	}
	if r := sh.admin.Do("GET", "/api/v1/products/"+p.ID+"/lots", nil); r.Status != 200 {
		t.Errorf("lots: %d", r.Status)
	}
	r := s.Client().Do("GET", "/api/v1/trace/"+code, nil)
	if r.Status != 200 {
		t.Fatalf("trace: %d %s", r.Status, r.Body)
	}
	page := s.Client().Do("GET", "/trace/"+code, nil)
	if page.Status != 200 {
		t.Fatalf("trace page: %d", page.Status)
	}
	html := string(page.Body)
	for _, want := range []string{"阿克铁热克村", "洛浦县", "2020-10-20", "洛浦县布亚乡红枣种植农民专业合作社", "和田红枣"} {
		if !strings.Contains(html, want) {
			t.Errorf("trace page lacks %q", want)
		}
	}
	for _, secret := range []string{"LP-0001", "LP-0002", "阿*", "6532**", "household_id", "registry_no"} {
		if strings.Contains(html, secret) || strings.Contains(string(r.Body), secret) {
			t.Errorf("trace shows personal data %q", secret)
		}
	}
	qr := s.Client().Do("GET", "/trace/"+code+"/qr.png", nil)
	if qr.Status != 200 || qr.Header.Get("Content-Type") != "image/png" || !bytes.HasPrefix(qr.Body, []byte("\x89PNG")) {
		t.Errorf("qr: %d %s", qr.Status, qr.Header.Get("Content-Type"))
	}
	if r := s.Client().Do("GET", "/trace/nonexistent00", nil); r.Status != 404 {
		t.Errorf("unknown trace page: %d", r.Status)
	}
	prod := s.Client().Do("GET", "/products/"+p.ID, nil)
	body := string(prod.Body)
	for _, want := range []string{"¥39.80", "洛浦县", "阿克铁热克村", "/trace/" + code, "约 ¥15.00 进入 2 户"} {
		if !strings.Contains(body, want) {
			t.Errorf("product page lacks %q", want)
		}
	}
}

func TestCatalogChineseSearch(t *testing.T) {
	s := webtest.Start(t)
	sh := openShop(t, s)
	sh.create(t, sh.admin, jujubeBody())
	walnut := jujubeBody()
	walnut["title"], walnut["description"] = "皮山薄皮核桃", "纸皮核桃，一捏就开。"
	sh.create(t, sh.otherAdm, walnut)
	for q, want := range map[string]string{"枣": "和田红枣 骏枣特级", "核桃": "皮山薄皮核桃", "布亚": "和田红枣 骏枣特级", "皮山县": "皮山薄皮核桃"} {
		var page struct {
			Items []productJSON `json:"items"`
		}
		s.Client().Do("GET", "/api/v1/products?q="+url.QueryEscape(q), nil).JSON(t, &page)
		if len(page.Items) != 1 || page.Items[0].Title != want {
			t.Errorf("q=%s: %+v", q, page.Items)
		}
		html := string(s.Client().Do("GET", "/search?q="+url.QueryEscape(q), nil).Body)
		if !strings.Contains(html, want) {
			t.Errorf("search page for %s lacks %s", q, want)
		}
	}
}

func TestCatalogPagesCacheAndInvalidation(t *testing.T) {
	s := webtest.Start(t)
	sh := openShop(t, s)
	p := sh.create(t, sh.admin, jujubeBody())
	visitor := s.Client()
	for _, path := range []string{"/products/" + p.ID, "/regions/653224", "/search?q=" + url.QueryEscape("枣"), "/categories/dried_fruit", "/"} {
		first := visitor.Do("GET", path, nil)
		if first.Status != 200 || !strings.Contains(string(first.Body), "39.80") {
			t.Fatalf("%s: %d, price missing", path, first.Status)
		}
	}
	if r := visitor.Do("GET", "/products/"+p.ID, nil); r.Header.Get("X-Cache") != "hit" {
		t.Errorf("second visit not served from the cache")
	}
	v := p.Variants[0]
	r := sh.admin.Do("PATCH", "/api/v1/products/"+p.ID, map[string]any{"variants": []map[string]any{
		{"id": v.ID, "sku": v.SKU, "name": v.Name, "price_fen": 3580, "base_qty": 1}}})
	if r.Status != 200 {
		t.Fatalf("price change: %d %s", r.Status, r.Body)
	}
	for _, path := range []string{"/products/" + p.ID, "/regions/653224", "/search?q=" + url.QueryEscape("枣"), "/categories/dried_fruit", "/"} {
		page := visitor.Do("GET", path, nil)
		if !strings.Contains(string(page.Body), "¥35.80") || strings.Contains(string(page.Body), "39.80") {
			t.Errorf("%s after the price change does not show ¥35.80 only", path)
		}
	}
	var api productJSON
	visitor.Do("GET", "/api/v1/products/"+p.ID, nil).JSON(t, &api)
	if len(api.Variants) != 1 || api.Variants[0].PriceFen != 3580 {
		t.Errorf("API after the change: %+v", api.Variants)
	}
	// Stock taken by an order (another package writing lots) shows at once.
	sh.lot(t, p.ID)
	if r := visitor.Do("GET", "/products/"+p.ID, nil); !strings.Contains(string(r.Body), "现货 100 件") {
		t.Fatalf("stock after the lot not shown")
	}
	if _, err := s.DB.Pool.Exec(t.Context(), `UPDATE lots SET remaining = remaining - 30`); err != nil {
		t.Fatal(err)
	}
	// Written by another connection: it reaches the cache keys by
	// PostgreSQL's notification, asynchronously (catalog_cache_test.go).
	eventuallyPage(t, visitor, "/products/"+p.ID, "stock taken by an order shown", func(r *webtest.Response) bool {
		return strings.Contains(string(r.Body), "现货 70 件")
	})
}

func TestCatalogWorksWithoutRedis(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 100 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	cfg, _, err := config.Load("test", nil, config.NoEnv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg.RedisPrefix, cfg.DataDir = "down:", t.TempDir()
	s := webtest.StartOn(t, cfg, dbtest.New(t), rdb)
	db := s.DB.Pool
	coop := catalogtest.Coop(t, db, "洛浦县红枣合作社", "653224", "approved")
	_ = coop
	// Without Redis there are no sessions: list a product straight in SQL.
	var id int64
	if err := db.QueryRow(t.Context(), `INSERT INTO products (cooperative_id, county_code, title, category, base_unit, status, min_price_fen)
		VALUES ($1, '653224', '和田红枣', 'dried_fruit', 'kg', 'active', 2990) RETURNING id`, coop).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(t.Context(), `INSERT INTO product_variants (product_id, sku, name, price_fen, base_qty) VALUES ($1, 'A', '1 千克', 2990, 1)`, id); err != nil {
		t.Fatal(err)
	}
	c := s.Client()
	for _, path := range []string{"/", fmt.Sprintf("/products/%d", id), "/regions/653200", "/search?category=dried_fruit", "/api/v1/products"} {
		r := c.Do("GET", path, nil)
		if r.Status != 200 || !strings.Contains(string(r.Body), "和田红枣") {
			t.Errorf("%s with Redis down: %d", path, r.Status)
		}
	}
}

func pngBytes(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := 0; x < w; x++ {
		for y := 0; y < h; y++ {
			img.Set(x, y, color.RGBA{uint8(150 + x%100), 40, 30, 255})
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

func upload(t *testing.T, s *webtest.Server, c *webtest.Client, path, filename string, data []byte) *webtest.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", filename)
	fw.Write(data)
	mw.WriteField("alt", "晾晒中的红枣")
	mw.Close()
	req, _ := http.NewRequest("POST", s.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.Send(req)
}

func TestCatalogImageUpload(t *testing.T) {
	s := webtest.Start(t)
	sh := openShop(t, s)
	p := sh.create(t, sh.admin, jujubeBody())
	path := "/api/v1/products/" + p.ID + "/images"
	if r := upload(t, s, sh.admin, path, "photo.jpg", []byte("<html>not a photo at all, whatever the name says</html>")); r.Status != 422 ||
		errorFields(t, r)["file"] == "" {
		t.Errorf("non-image named .jpg: %d %s", r.Status, r.Body)
	}
	big := append(pngBytes(100, 100), make([]byte, 6<<20)...)
	if r := upload(t, s, sh.admin, path, "big.png", big); r.Status != 413 {
		t.Errorf("6 MB upload: %d %s", r.Status, r.Body)
	}
	if r := upload(t, s, sh.otherAdm, path, "x.png", pngBytes(200, 150)); r.Status != 403 {
		t.Errorf("another cooperative's upload: %d", r.Status)
	}
	r := upload(t, s, sh.admin, path, "jujube.bin", pngBytes(800, 600))
	if r.Status != 201 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	var img struct {
		URL    string `json:"url"`
		Thumbs []struct {
			Width int    `json:"width"`
			URL   string `json:"url"`
		} `json:"thumbs"`
	}
	r.JSON(t, &img)
	if len(img.Thumbs) != 3 || img.Thumbs[2].Width != 800 {
		t.Fatalf("thumbs %+v", img.Thumbs)
	}
	got := s.Client().Do("GET", img.Thumbs[0].URL, nil)
	if got.Status != 200 || got.Header.Get("Content-Type") != "image/jpeg" ||
		!strings.Contains(got.Header.Get("Cache-Control"), "max-age=31536000") {
		t.Errorf("thumb: %d %s %s", got.Status, got.Header.Get("Content-Type"), got.Header.Get("Cache-Control"))
	}
	page := string(s.Client().Do("GET", "/products/"+p.ID, nil).Body)
	if !strings.Contains(page, "srcset=\""+img.Thumbs[0].URL+" 320w") || !strings.Contains(page, `loading="lazy"`) {
		t.Errorf("product page lacks the srcset")
	}
	if r := s.Client().Do("GET", "/media/../../etc/passwd", nil); r.Status != 404 {
		t.Errorf("media path traversal: %d", r.Status)
	}
}

func TestCatalogUnapprovedCooperativeInvisible(t *testing.T) {
	s := webtest.Start(t)
	sh := openShop(t, s)
	p := sh.create(t, sh.admin, jujubeBody())
	lot := sh.lot(t, p.ID)
	v := s.Client()
	// Cached while visible; the registry's status change (here plain SQL)
	// must invalidate those pages through the database's change counter.
	for _, path := range []string{"/products/" + p.ID, "/regions/653224", "/search?q=" + url.QueryEscape("红枣"), "/api/v1/products/" + p.ID} {
		if r := v.Do("GET", path, nil); r.Status != 200 || !strings.Contains(string(r.Body), "骏枣特级") {
			t.Fatalf("%s before the suspension: %d", path, r.Status)
		}
	}
	catalogtest.SetCoopStatus(t, s.DB.Pool, sh.coop, "suspended")
	eventuallyPage(t, v, "/api/v1/products/"+p.ID, "API product 404", func(r *webtest.Response) bool { return r.Status == 404 })
	var page struct {
		Items []productJSON `json:"items"`
	}
	v.Do("GET", "/api/v1/products?region=653224", nil).JSON(t, &page)
	if len(page.Items) != 0 {
		t.Errorf("API list shows %d", len(page.Items))
	}
	if r := v.Do("GET", "/products/"+p.ID, nil); r.Status != 404 {
		t.Errorf("product page: %d", r.Status)
	}
	for _, path := range []string{"/regions/653224", "/search?q=" + url.QueryEscape("红枣"), "/categories/dried_fruit", "/"} {
		if r := v.Do("GET", path, nil); r.Status != 200 || strings.Contains(string(r.Body), "骏枣特级") {
			t.Errorf("%s shows the product (%d)", path, r.Status)
		}
	}
	if r := v.Do("GET", "/trace/"+lot["trace_code"].(string), nil); r.Status != 404 {
		t.Errorf("trace page: %d", r.Status)
	}
	// Its own admin may not list more products while not approved.
	if r := sh.admin.Do("POST", "/api/v1/products", jujubeBody()); r.Status != 403 {
		t.Errorf("unapproved cooperative lists a product: %d", r.Status)
	}
}

func TestCoopPortalForms(t *testing.T) {
	s := webtest.Start(t)
	sh := openShop(t, s)
	c := sh.admin
	if r := c.Do("GET", "/coop", nil); r.Status != 200 {
		t.Fatalf("/coop: %d", r.Status)
	}
	if r := s.Client().Do("GET", "/coop", nil); r.Status != 303 {
		t.Errorf("visitor /coop: %d", r.Status)
	}
	form := url.Values{"title": {"洛浦红枣"}, "description": {"骏枣"}, "category": {"dried_fruit"}, "base_unit": {"kg"},
		"status": {"active"}, "variant_id": {"", ""}, "sku": {"A1", ""}, "variant_name": {"1 千克", ""}, "price": {"-5", ""}, "base_qty": {"0", ""}}
	r := c.Do("POST", "/coop/products", form)
	if r.Status != 422 || !strings.Contains(string(r.Body), "field-error") {
		t.Fatalf("invalid form: %d", r.Status)
	}
	form.Set("price", "29.90")
	form["price"] = []string{"29.90", ""}
	form["base_qty"] = []string{"1", ""}
	r = c.Do("POST", "/coop/products", form)
	if r.Status != 303 {
		t.Fatalf("create form: %d %s", r.Status, r.Body)
	}
	loc := r.Header.Get("Location")
	id := strings.TrimSuffix(strings.TrimPrefix(loc, "/coop/products/"), "?saved=1")
	if r := c.Do("GET", loc, nil); r.Status != 200 || !strings.Contains(string(r.Body), "29.90") {
		t.Fatalf("editor: %d", r.Status)
	}
	if r := c.Do("GET", "/coop/products/"+id+"/lots/new", nil); r.Status != 200 || !strings.Contains(string(r.Body), "LP-0001") {
		t.Fatalf("lot form: %d", r.Status)
	}
	// CSV of registry_no,quantity; one row names an outsider.
	post := func(csv string) *webtest.Response {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for k, v := range map[string]string{"received_on": "2020-10-21", "quantity": "30", "kind": "per_unit", "fen_per_unit": "12.00"} {
			mw.WriteField(k, v)
		}
		fw, _ := mw.CreateFormFile("csv", "lot.csv")
		fw.Write([]byte(csv))
		mw.Close()
		req, _ := http.NewRequest("POST", s.URL+"/coop/products/"+id+"/lots", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		return c.Send(req)
	}
	if r := post("registry_no,quantity\nLP-0001,20\nLP-0003,10\n"); r.Status != 422 || !strings.Contains(string(r.Body), "第 2 行，户编号：不是本合作社的成员户") {
		t.Errorf("CSV with an outsider: %d", r.Status)
	}
	if r := post("registry_no,quantity\nLP-0001,20\nLP-0002,10\n"); r.Status != 303 {
		t.Fatalf("CSV lot: %d %s", r.Status, r.Body)
	}
	// As Excel on Chinese Windows saves it: GB18030 with Chinese headers.
	gb, err := simplifiedchinese.GB18030.NewEncoder().String("户编号,数量\nLP-0001,20\nLP-0002,10\n")
	if err != nil {
		t.Fatal(err)
	}
	if r := post(gb); r.Status != 303 {
		t.Fatalf("GB18030 CSV lot: %d %s", r.Status, r.Body)
	}
	r = c.Do("GET", "/coop/products/"+id, nil)
	m := regexpFind(string(r.Body), `/trace/[A-Za-z0-9_-]{12}/qr.png\?download=1`)
	if m == "" {
		t.Fatalf("no QR download link on the editor")
	}
	qr := c.Do("GET", m, nil)
	if qr.Status != 200 || !strings.Contains(qr.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("QR download: %d %s", qr.Status, qr.Header.Get("Content-Disposition"))
	}
	var prod productJSON
	s.Client().Do("GET", "/api/v1/products/"+id, nil).JSON(t, &prod)
	if prod.Variants[0].Available != 60 {
		t.Errorf("stock after the two CSV lots: %+v", prod.Variants)
	}
	// The dashboard shows the stock.
	if r := c.Do("GET", "/coop", nil); !strings.Contains(string(r.Body), "洛浦红枣") {
		t.Errorf("dashboard lacks the product")
	}
}
