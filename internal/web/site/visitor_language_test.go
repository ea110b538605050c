package site_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/catalog"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// namedWorld is ordertest's world whose product, 洛浦红枣, and cooperative,
// 测试合作社, have English and Uyghur names, with a second product of the
// cooperative, 和田核桃, that has none: pages in English or Uyghur must say
// the first in the visitor's language and the second in Chinese.
type namedWorld struct {
	s        *webtest.Server
	w        *ordertest.World
	plainID  int64 // 和田核桃
	plainVar int64
}

// The names the world's pages must show in each language, and the Chinese
// ones that must not appear on an English or Uyghur page.
var (
	namedIn = map[string][]string{
		"en":    {"Lop jujubes", "Test Co-op", "Lop County", "Hotan Prefecture"},
		"ug":    {"لوپ چىلان", "سىناق كوپېراتىپى", "لوپ ناھىيىسى", "خوتەن ۋىلايىتى"},
		"zh-CN": {"洛浦红枣", "测试合作社", "洛浦县", "和田地区"},
	}
	namedZh = []string{"洛浦红枣", "测试合作社", "洛浦县", "和田地区"}
)

func newNamedWorld(t *testing.T) *namedWorld {
	t.Helper()
	s := webtest.Start(t)
	w := ordertest.Seed(t, s.DB, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	ctx := context.Background()
	for _, q := range []string{
		`UPDATE products SET title_en = 'Lop jujubes', title_ug = 'لوپ چىلان' WHERE id = $1`,
		`UPDATE cooperatives SET name_en = 'Test Co-op', name_ug = 'سىناق كوپېراتىپى' WHERE id = (SELECT cooperative_id FROM products WHERE id = $1)`,
	} {
		if _, err := s.DB.Pool.Exec(ctx, q, w.ProductID); err != nil {
			t.Fatal(err)
		}
	}
	// ordertest writes no search terms; search finds the product by its title.
	if _, err := s.DB.Pool.Exec(ctx, `UPDATE products SET search_text = $2, search_grams = $3 WHERE id = $1`,
		w.ProductID, catalog.Fold("洛浦红枣"), catalog.Grams("洛浦红枣")); err != nil {
		t.Fatal(err)
	}
	n := &namedWorld{s: s, w: w}
	n.plainID = ordertest.Exec(t, s.DB, `INSERT INTO products (cooperative_id, county_code, title, category, base_unit, status, min_price_fen)
		VALUES ($1, '653224', '和田核桃', 'dried_fruit', 'kg', 'active', 2500) RETURNING id`, w.CoopID)
	n.plainVar = ordertest.Exec(t, s.DB, `INSERT INTO product_variants (product_id, sku, name, price_fen, base_qty)
		VALUES ($1, 'HT-1', '1公斤袋', 2500, 1) RETURNING id`, n.plainID)
	lot := ordertest.Exec(t, s.DB, `INSERT INTO lots (product_id, trace_code, quantity, remaining, received_on, income_kind, fen_per_unit)
		VALUES ($1, 'plainwalnutlot01', 50, 50, '2026-09-02', 'per_unit', 300) RETURNING id`, n.plainID)
	ordertest.Exec(t, s.DB, `INSERT INTO lot_contributions (lot_id, household_id, quantity) VALUES ($1, $2, 50) RETURNING lot_id`,
		lot, w.Households[0])
	return n
}

// inLanguage makes c read the site in lang.
func inLanguage(t *testing.T, c *webtest.Client, lang string) {
	t.Helper()
	if r := c.Do("GET", "/lang/"+lang+"?next=/", nil); r.Status != 303 && r.Status != 302 {
		t.Fatalf("/lang/%s: %d", lang, r.Status)
	}
}

// mainOf fetches path and returns the page from its <main> on (the
// language switcher and the document title come before).
func mainOf(t *testing.T, c *webtest.Client, path string) string {
	t.Helper()
	r := c.Do("GET", path, nil)
	if r.Status != 200 {
		t.Fatalf("%s: %d %s", path, r.Status, r.Body)
	}
	b := string(r.Body)
	if i := strings.Index(b, "<main"); i >= 0 {
		b = b[i:]
	}
	return b
}

// saysIn checks that page says every want and, but in Chinese, none of
// the Chinese names in zh.
func saysIn(t *testing.T, where, lang, page string, want, zh []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(page, w) {
			t.Errorf("%s (%s) lacks %q", where, lang, w)
		}
	}
	if lang == "zh-CN" {
		return
	}
	for _, z := range zh {
		if strings.Contains(page, z) {
			t.Errorf("%s (%s) says %q", where, lang, z)
		}
	}
}

// TestCatalogPagesNamePlacesInVisitorsLanguage: product cards (home,
// category, search) and the product page (breadcrumbs, origin line,
// certificate) name the county and the prefecture in the visitor's
// language, as the trace page does; the home page's pavilions and listed
// counties too. They said them in Chinese on English and Uyghur pages.
// A product with no English or Uyghur title keeps its Chinese one.
func TestCatalogPagesNamePlacesInVisitorsLanguage(t *testing.T) {
	n := newNamedWorld(t)
	ordertest.Exec(t, n.s.DB, `INSERT INTO product_certifications (product_id, certificate_no, county_code, valid_from, valid_until,
			status, certified_by, confirmed_by, confirmed_at)
		VALUES ($1, 'XJ-LANG-0001', '653224', '2020-01-01', '2099-12-31', 'confirmed', $2, $2, now() - interval '1 hour') RETURNING id`,
		n.w.ProductID, n.w.Admin.UserID)
	for _, lang := range []string{"en", "ug", "zh-CN"} {
		c := n.s.Client()
		inLanguage(t, c, lang)
		// Cards say the title, the county and the cooperative; the home
		// page's pavilions and the product page the prefecture too.
		for _, path := range []string{"/", fmt.Sprintf("/products/%d", n.w.ProductID)} {
			saysIn(t, path, lang, mainOf(t, c, path), namedIn[lang], namedZh)
		}
		for _, path := range []string{"/categories/dried_fruit", "/search?q=" + url.QueryEscape("红枣")} {
			saysIn(t, path, lang, mainOf(t, c, path), namedIn[lang][:3], namedZh)
		}
		for _, path := range []string{"/categories/dried_fruit", fmt.Sprintf("/products/%d", n.plainID)} {
			if page := mainOf(t, c, path); !strings.Contains(page, "和田核桃") {
				t.Errorf("%s (%s): the product with no translated title lost its Chinese one", path, lang)
			}
		}
	}
	var p struct {
		CountyNames     struct{ Zh, Ug, En string } `json:"county_names"`
		PrefectureNames struct{ Zh, Ug, En string } `json:"prefecture_names"`
		Certificate     struct {
			CountyNames struct{ Zh, En string } `json:"county_names"`
		} `json:"certificate"`
	}
	n.s.Client().Do("GET", fmt.Sprintf("/api/v1/products/%d", n.w.ProductID), nil).JSON(t, &p)
	if p.CountyNames.Zh != "洛浦县" || p.CountyNames.En != "Lop County" || p.PrefectureNames.Ug != "خوتەن ۋىلايىتى" ||
		p.Certificate.CountyNames.En != "Lop County" {
		t.Errorf("the API's product names its places %+v", p)
	}
}

// TestCartAndCheckoutInVisitorsLanguage: the cart and the checkout page
// name the products and the cooperatives in the visitor's language (the
// cart held only the Chinese title and name), the title without a
// translation in Chinese; so does checkout's refusal of an item short of
// stock; and the cart's API answer carries the names.
func TestCartAndCheckoutInVisitorsLanguage(t *testing.T) {
	n := newNamedWorld(t)
	c := n.s.LoginPage("buyer@example.com", ordertest.Password)
	tok := webtest.CSRFField(c.Do("GET", "/cart", nil).Body)
	if tok == "" {
		tok = webtest.CSRFField(c.Do("GET", fmt.Sprintf("/products/%d", n.w.ProductID), nil).Body)
	}
	for _, v := range []int64{n.w.VariantID, n.plainVar} {
		if r := c.Do("POST", "/cart/add", url.Values{"_csrf": {tok}, "variant_id": {fmt.Sprint(v)}, "quantity": {"1"}}); r.Status != 303 {
			t.Fatalf("add to cart: %d %s", r.Status, r.Body)
		}
	}
	names := func(lang string) []string { return append([]string{"和田核桃"}, namedIn[lang][:2]...) }
	for _, lang := range []string{"en", "ug", "zh-CN"} {
		inLanguage(t, c, lang)
		for _, path := range []string{"/cart", "/checkout"} {
			saysIn(t, path, lang, mainOf(t, c, path), names(lang), namedZh)
		}
	}
	// 100 kg in 2.5 kg boxes: 41 boxes are more than there are.
	if r := c.Do("POST", "/cart/update", url.Values{"_csrf": {tok}, "variant_id": {fmt.Sprint(n.w.VariantID)}, "quantity": {"41"}}); r.Status != 303 {
		t.Fatalf("update the cart: %d %s", r.Status, r.Body)
	}
	for _, lang := range []string{"en", "ug"} {
		inLanguage(t, c, lang)
		page := c.Do("GET", "/checkout", nil)
		r := c.Do("POST", "/checkout", url.Values{"_csrf": {webtest.CSRFField(page.Body)}, "name": {"李明"}, "phone": {"13912345678"},
			"province": {"北京市"}, "city": {"北京市"}, "district": {"海淀区"}, "detail": {"中关村大街1号"}, "payment_method": {"manual"}})
		if r.Status != 409 {
			t.Fatalf("checkout short of stock (%s): %d", lang, r.Status)
		}
		b := string(r.Body)
		if i := strings.Index(b, "<main"); i >= 0 {
			b = b[i:]
		}
		saysIn(t, "refused checkout", lang, b, namedIn[lang][:1], namedZh[:1])
	}
	var cart struct {
		Items []struct {
			Title            string                      `json:"title"`
			Names            struct{ Zh, Ug, En string } `json:"names"`
			CooperativeNames struct{ Zh, Ug, En string } `json:"cooperative_names"`
		} `json:"items"`
	}
	api, _ := n.s.Login("buyer@example.com", ordertest.Password)
	api.Do("GET", "/api/v1/cart", nil).JSON(t, &cart)
	found := false
	for _, it := range cart.Items {
		if it.Title == "洛浦红枣" {
			found = it.Names.Zh == "洛浦红枣" && it.Names.En == "Lop jujubes" && it.CooperativeNames.Ug == "سىناق كوپېراتىپى"
		}
	}
	if !found {
		t.Errorf("the cart's API answer lacks the names: %+v", cart)
	}
}

// TestOrderLinesInVisitorsLanguage: the buyer's order page (and the
// platform's order page) name each line's product in the visitor's
// language, as it was sold: the order keeps the title in every language
// the product had when the order was placed, so a title changed since
// does not change the order. A line of a product with no translation, and
// a line written before the names were kept, say the Chinese title. The
// order's API answer carries the names.
func TestOrderLinesInVisitorsLanguage(t *testing.T) {
	n := newNamedWorld(t)
	ctx := context.Background()
	o, err := n.w.Svc.Place(ctx, n.w.Buyer, order.PlaceRequest{Items: []order.Item{
		{VariantID: ids.ID(n.w.VariantID), Quantity: 1}, {VariantID: ids.ID(n.plainVar), Quantity: 1}},
		ShippingAddress: ordertest.Addr, PaymentMethod: "manual"})
	if err != nil {
		t.Fatal(err)
	}
	old, err := n.w.Place(t, 1)
	if err != nil {
		t.Fatal(err)
	}
	// Renamed after the sale; and a line from before names were kept.
	if _, err := n.s.DB.Pool.Exec(ctx, `UPDATE products SET title_en = 'Renamed jujubes', title_ug = 'باشقا نام' WHERE id = $1`, n.w.ProductID); err != nil {
		t.Fatal(err)
	}
	if _, err := n.s.DB.Pool.Exec(ctx, `UPDATE order_lines SET names = NULL WHERE order_id = $1`, int64(old.ID)); err != nil {
		t.Fatal(err)
	}
	buyer := n.s.LoginPage("buyer@example.com", ordertest.Password)
	admin := n.s.LoginPage("admin@example.com", ordertest.Password)
	for _, lang := range []string{"en", "ug", "zh-CN"} {
		for who, c := range map[string]*webtest.Client{"buyer": buyer, "admin": admin} {
			inLanguage(t, c, lang)
			path := fmt.Sprintf("/orders/%d", o.ID)
			if who == "admin" {
				path = "/admin" + path
			}
			page := mainOf(t, c, path)
			saysIn(t, who+" "+path, lang, page, append([]string{"和田核桃"}, namedIn[lang][0]), namedZh[:1])
			if strings.Contains(page, "Renamed jujubes") || strings.Contains(page, "باشقا نام") {
				t.Errorf("%s %s (%s) shows the title given after the sale", who, path, lang)
			}
		}
		inLanguage(t, buyer, lang)
		if page := mainOf(t, buyer, fmt.Sprintf("/orders/%d", old.ID)); !strings.Contains(page, "洛浦红枣") {
			t.Errorf("an order line without names (%s) lacks its Chinese title", lang)
		}
	}
	api, _ := n.s.Login("buyer@example.com", ordertest.Password)
	var got struct {
		Lines []struct {
			Title string                      `json:"title"`
			Names struct{ Zh, Ug, En string } `json:"names"`
		} `json:"lines"`
	}
	api.Do("GET", fmt.Sprintf("/api/v1/orders/%d", o.ID), nil).JSON(t, &got)
	if len(got.Lines) != 2 || got.Lines[0].Title != "洛浦红枣" || got.Lines[0].Names.En != "Lop jujubes" ||
		got.Lines[0].Names.Ug != "لوپ چىلان" || got.Lines[1].Names.Zh != "和田核桃" || got.Lines[1].Names.En != "" {
		t.Errorf("the order's lines in the API: %+v", got.Lines)
	}
	got.Lines = nil
	api.Do("GET", fmt.Sprintf("/api/v1/orders/%d", old.ID), nil).JSON(t, &got)
	if len(got.Lines) != 1 || got.Lines[0].Names.Zh != "洛浦红枣" || got.Lines[0].Names.En != "" {
		t.Errorf("an old order's line in the API: %+v", got.Lines)
	}
}

// TestOrgPortalInVisitorsLanguage: the buyer organisation's portal lists
// the delivered orders to accept with each product's title as sold and
// its cooperative's name in the visitor's language (they were Chinese on
// English and Uyghur pages).
func TestOrgPortalInVisitorsLanguage(t *testing.T) {
	o := newOrgWorld(t)
	ctx := context.Background()
	for _, q := range []string{
		`UPDATE products SET title_en = 'Lop jujubes', title_ug = 'لوپ چىلان' WHERE id = $1`,
		`UPDATE cooperatives SET name_en = 'Test Co-op', name_ug = 'سىناق كوپېراتىپى' WHERE id = (SELECT cooperative_id FROM products WHERE id = $1)`,
	} {
		if _, err := o.s.DB.Pool.Exec(ctx, q, o.w.ProductID); err != nil {
			t.Fatal(err)
		}
	}
	o.delivered(t, 1)
	for _, lang := range []string{"en", "ug", "zh-CN"} {
		inLanguage(t, o.buyer, lang)
		saysIn(t, "/org", lang, mainOf(t, o.buyer, "/org"), namedIn[lang][:2], namedZh[:2])
	}
}

// TestCoopLotPageTitleInVisitorsLanguage: the document title of the co-op's
// "record a lot" page names the product in the visitor's language, as its
// heading does (it said the Chinese title, which a co-op admin reading
// Uyghur sees first in the tab and the history); Chinese where the product
// has no title in that language.
func TestCoopLotPageTitleInVisitorsLanguage(t *testing.T) {
	n := newNamedWorld(t)
	n.s.CreateUser("coop@coop.test", ordertest.Password, auth.Grant{Role: auth.RoleCoopAdmin, CooperativeID: n.w.CoopID})
	c := n.s.LoginPage("coop@coop.test", ordertest.Password)
	titleOf := func(path string) string {
		r := c.Do("GET", path, nil)
		if r.Status != 200 {
			t.Fatalf("%s: %d", path, r.Status)
		}
		return regexpFind(string(r.Body), `<title>[^<]*</title>`)
	}
	for _, lang := range []string{"en", "ug", "zh-CN"} {
		inLanguage(t, c, lang)
		title := titleOf(fmt.Sprintf("/coop/products/%d/lots/new", n.w.ProductID))
		saysIn(t, "lot page <title>", lang, title, namedIn[lang][:1], namedZh[:1])
		if plain := titleOf(fmt.Sprintf("/coop/products/%d/lots/new", n.plainID)); !strings.Contains(plain, "和田核桃") {
			t.Errorf("lot page <title> (%s) of a product without translations: %s", lang, plain)
		}
	}
}

// TestReceiptInVisitorsLanguage: the public impact receipt, the SVG card
// made of it and the order page's impact card name the counties the
// order reached in the visitor's language (they were Chinese on English
// and Uyghur pages); the receipt's API answer carries the names.
func TestReceiptInVisitorsLanguage(t *testing.T) {
	n := newNamedWorld(t)
	ctx := context.Background()
	o, err := n.w.Place(t, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.w.Svc.ConfirmManual(ctx, n.w.Admin, int64(o.ID), "REF-"+o.Number); err != nil {
		t.Fatal(err)
	}
	buyer := n.s.LoginPage("buyer@example.com", ordertest.Password)
	visitor := n.s.Client()
	county := map[string]string{"en": "Lop County", "ug": "لوپ ناھىيىسى", "zh-CN": "洛浦县"}
	for _, lang := range []string{"en", "ug", "zh-CN"} {
		inLanguage(t, visitor, lang)
		inLanguage(t, buyer, lang)
		pages := map[string]string{
			"receipt":    mainOf(t, visitor, "/receipts/"+o.ReceiptToken),
			"order page": mainOf(t, buyer, fmt.Sprintf("/orders/%d", o.ID)),
		}
		svg := visitor.Do("GET", "/receipts/"+o.ReceiptToken+".svg", nil)
		if svg.Status != 200 {
			t.Fatalf("receipt card: %d", svg.Status)
		}
		pages["receipt card"] = string(svg.Body)
		for what, page := range pages {
			saysIn(t, what, lang, page, []string{county[lang]}, []string{"洛浦县"})
		}
	}
	var im struct {
		Counties []struct {
			Name  string                      `json:"name"`
			Names struct{ Zh, Ug, En string } `json:"names"`
		} `json:"counties"`
	}
	n.s.Client().Do("GET", "/api/v1/receipts/"+o.ReceiptToken, nil).JSON(t, &im)
	if len(im.Counties) != 1 || im.Counties[0].Name != "洛浦县" || im.Counties[0].Names.En != "Lop County" {
		t.Errorf("the receipt's counties in the API: %+v", im.Counties)
	}
}
