package site_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// paidBoth places and confirms an order of one box of the named world's
// product (洛浦红枣, translated) and one bag of its plain one (和田核桃, not).
func (n *namedWorld) paidBoth(t *testing.T) order.Order {
	t.Helper()
	ctx := context.Background()
	o, err := n.w.Svc.Place(ctx, n.w.Buyer, order.PlaceRequest{Items: []order.Item{
		{VariantID: ids.ID(n.w.VariantID), Quantity: 1}, {VariantID: ids.ID(n.plainVar), Quantity: 1}},
		ShippingAddress: ordertest.Addr, PaymentMethod: "manual"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.w.Svc.ConfirmManual(ctx, n.w.Admin, int64(o.ID), "REF-"+o.Number); err != nil {
		t.Fatal(err)
	}
	return o
}

// coopAdmin logs the named world's cooperative administrator in.
func (n *namedWorld) coopAdmin(t *testing.T) *webtest.Client {
	t.Helper()
	n.s.CreateUser("coop@coop.test", ordertest.Password, auth.Grant{Role: auth.RoleCoopAdmin, CooperativeID: n.w.CoopID})
	return n.s.LoginPage("coop@coop.test", ordertest.Password)
}

// TestCoopShipmentsInVisitorsLanguage: the cooperative's shipment queue
// (to ship and shipped) and the ship page name each line's product by its
// title as sold, in the visitor's language (they were one Chinese string);
// a product with no translation, and a line written before the names were
// kept, keep the Chinese title; a title given after the sale does not show.
func TestCoopShipmentsInVisitorsLanguage(t *testing.T) {
	n := newNamedWorld(t)
	ctx := context.Background()
	o := n.paidBoth(t)
	old, err := n.w.Place(t, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.w.Svc.ConfirmManual(ctx, n.w.Admin, int64(old.ID), "REF-"+old.Number); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`UPDATE order_lines SET names = NULL WHERE order_id = $1`,
		`UPDATE products SET title_en = 'Renamed jujubes', title_ug = 'باشقا نام' WHERE id = (SELECT min(product_id) FROM order_lines WHERE order_id = $1)`} {
		if _, err := n.s.DB.Pool.Exec(ctx, q, int64(old.ID)); err != nil {
			t.Fatal(err)
		}
	}
	c := n.coopAdmin(t)
	check := func(lang, what, page string) {
		t.Helper()
		saysIn(t, what, lang, page, []string{namedIn[lang][0], "和田核桃"}, nil)
		if strings.Contains(page, "Renamed jujubes") || strings.Contains(page, "باشقا نام") {
			t.Errorf("%s (%s) shows the title given after the sale", what, lang)
		}
	}
	for _, lang := range []string{"en", "ug", "zh-CN"} {
		inLanguage(t, c, lang)
		ship := mainOf(t, c, fmt.Sprintf("/coop/orders/%d/ship", o.ID))
		check(lang, "ship page", ship)
		saysIn(t, "ship page", lang, ship, nil, namedZh[:1])
		queue := mainOf(t, c, "/coop/orders")
		check(lang, "/coop/orders", queue)
		// The old order's line has no names: its Chinese title, in every language.
		if strings.Count(queue, "洛浦红枣") != map[bool]int{true: 2, false: 1}[lang == "zh-CN"] {
			t.Errorf("/coop/orders (%s): 洛浦红枣 %d times", lang, strings.Count(queue, "洛浦红枣"))
		}
		if page := mainOf(t, c, fmt.Sprintf("/coop/orders/%d/ship", old.ID)); !strings.Contains(page, "洛浦红枣") {
			t.Errorf("ship page of a line without names (%s) lacks its Chinese title", lang)
		}
	}
	// Shipped, the order is listed with what was sent.
	shipPath := fmt.Sprintf("/coop/orders/%d/ship", o.ID)
	if r := c.Do("POST", shipPath, url.Values{"_csrf": {webtest.CSRFField(c.Do("GET", shipPath, nil).Body)},
		"carrier": {"顺丰速运"}, "tracking_no": {"SF1234567890"}}); r.Status != 303 {
		t.Fatalf("ship: %d %s", r.Status, r.Body)
	}
	for _, lang := range []string{"en", "ug"} {
		inLanguage(t, c, lang)
		page := mainOf(t, c, "/coop/orders")
		i := strings.Index(page, "SF1234567890")
		if i < 0 {
			t.Fatalf("/coop/orders (%s) lacks the shipped order", lang)
		}
		j := strings.LastIndex(page[:i], o.Number)
		if j < 0 {
			t.Fatalf("/coop/orders (%s): the shipped order's number", lang)
		}
		saysIn(t, "shipped list", lang, page[j:i], []string{namedIn[lang][0], "和田核桃"}, namedZh[:1])
	}
	// The carrier, one a cooperative picks from, in the visitor's language
	// on the co-op's list, its notice and the buyer's order page.
	inLanguage(t, c, "en")
	buyer := n.s.LoginPage("buyer@example.com", ordertest.Password)
	inLanguage(t, buyer, "en")
	for what, page := range map[string]string{
		"/coop/orders":          mainOf(t, c, "/coop/orders"),
		"the shipped notice":    mainOf(t, c, fmt.Sprintf("/coop/orders?shipped=%d", o.ID)),
		"the buyer's order":     mainOf(t, buyer, fmt.Sprintf("/orders/%d", o.ID)),
		"the ship page's picks": mainOf(t, c, fmt.Sprintf("/coop/orders/%d/ship", old.ID)),
	} {
		if !strings.Contains(page, "SF Express") || strings.Contains(page, ">顺丰速运") {
			t.Errorf("%s (en) does not name the carrier SF Express", what)
		}
	}
}

// TestCoopSalesInVisitorsLanguage: the cooperative's sales report names
// itself and each product in the visitor's language (they were Chinese,
// the products by a title their lines were sold under); a product with no
// translation keeps its Chinese title. The report is about the product,
// so it names the product as it is called now, not as it was sold.
func TestCoopSalesInVisitorsLanguage(t *testing.T) {
	n := newNamedWorld(t)
	n.paidBoth(t)
	c := n.coopAdmin(t)
	for _, lang := range []string{"en", "ug", "zh-CN"} {
		inLanguage(t, c, lang)
		saysIn(t, "/coop/sales", lang, mainOf(t, c, "/coop/sales"), append([]string{"和田核桃"}, namedIn[lang][:2]...), namedZh[:2])
	}
	if _, err := n.s.DB.Pool.Exec(context.Background(), `UPDATE products SET title_en = 'Lop red jujubes' WHERE id = $1`, n.w.ProductID); err != nil {
		t.Fatal(err)
	}
	inLanguage(t, c, "en")
	saysIn(t, "/coop/sales after a rename", "en", mainOf(t, c, "/coop/sales"), []string{"Lop red jujubes"}, namedZh[:2])
}

// TestPublicImpactInVisitorsLanguage: the public impact page names the
// counties its sales reached, in its chart and its table, in the visitor's
// language (they were Chinese on English and Uyghur pages); a county with
// no name curated in a language keeps the Chinese one there. The public
// impact's API answer carries the names.
func TestPublicImpactInVisitorsLanguage(t *testing.T) {
	n := newNamedWorld(t)
	n.paidBoth(t)
	visitor := n.s.Client()
	county := map[string]string{"en": "Lop County", "ug": "لوپ ناھىيىسى", "zh-CN": "洛浦县"}
	for _, lang := range []string{"en", "ug", "zh-CN"} {
		inLanguage(t, visitor, lang)
		page := mainOf(t, visitor, "/impact")
		saysIn(t, "/impact", lang, page, []string{county[lang]}, []string{"洛浦县"})
		// The chart and the table.
		if strings.Count(page, county[lang]) < 2 {
			t.Errorf("/impact (%s) names the county %d times, want the chart and the table", lang, strings.Count(page, county[lang]))
		}
	}
	var im struct {
		Counties []struct {
			Name  string                      `json:"name"`
			Names struct{ Zh, Ug, En string } `json:"names"`
		} `json:"counties"`
	}
	n.s.Client().Do("GET", "/api/v1/impact/public", nil).JSON(t, &im)
	if len(im.Counties) != 1 || im.Counties[0].Name != "洛浦县" || im.Counties[0].Names.Zh != "洛浦县" ||
		im.Counties[0].Names.En != "Lop County" || im.Counties[0].Names.Ug != "لوپ ناھىيىسى" {
		t.Errorf("the public impact's counties in the API: %+v", im.Counties)
	}
	if _, err := n.s.DB.Pool.Exec(context.Background(), `UPDATE regions SET name_en = '' WHERE code = '653224'`); err != nil {
		t.Fatal(err)
	}
	inLanguage(t, visitor, "en")
	if page := mainOf(t, visitor, "/impact"); !strings.Contains(page, "洛浦县") {
		t.Errorf("/impact (en): a county with no English name lost its Chinese one")
	}
}

// TestOfficePagesInVisitorsLanguage: the office dashboard's top products
// chart and its list of what cooperatives owe, and a household's income
// page (its products, orders and entries), name the products and the
// cooperative in the visitor's language (they were Chinese); the income
// page says the title as sold. A product with no translation keeps its
// Chinese title. The API answers behind them carry the names.
func TestOfficePagesInVisitorsLanguage(t *testing.T) {
	n := newNamedWorld(t)
	n.paidBoth(t)
	n.s.CreateUser("hotan@office.test", ordertest.Password, auth.Grant{Role: auth.RoleOffice, RegionCode: "653200"})
	c := n.s.LoginPage("hotan@office.test", ordertest.Password)
	income := fmt.Sprintf("/office/households/%d/income", n.w.Households[0])
	for _, lang := range []string{"en", "ug", "zh-CN"} {
		inLanguage(t, c, lang)
		saysIn(t, "/office", lang, mainOf(t, c, "/office"), append([]string{"和田核桃"}, namedIn[lang][:2]...), namedZh[:2])
		page := mainOf(t, c, income)
		saysIn(t, income, lang, page, []string{"和田核桃", namedIn[lang][0]}, namedZh[:1])
		// The products table, the orders table and the entries.
		if k := strings.Count(page, namedIn[lang][0]); k < 3 {
			t.Errorf("%s (%s) names the product %d times, want the products, the orders and the entries", income, lang, k)
		}
	}
	api, _ := n.s.Login("hotan@office.test", ordertest.Password)
	var owed struct {
		Items []struct {
			Name  string                      `json:"name"`
			Names struct{ Zh, Ug, En string } `json:"names"`
		} `json:"items"`
	}
	api.Do("GET", "/api/v1/cooperatives/owed", nil).JSON(t, &owed)
	if len(owed.Items) != 1 || owed.Items[0].Name != "测试合作社" || owed.Items[0].Names.En != "Test Co-op" || owed.Items[0].Names.Ug != "سىناق كوپېراتىپى" {
		t.Errorf("what cooperatives owe, in the API: %+v", owed.Items)
	}
	var inc struct {
		Entries []struct {
			ProductTitle string                      `json:"product_title"`
			ProductNames struct{ Zh, Ug, En string } `json:"product_names"`
		} `json:"entries"`
	}
	api.Do("GET", fmt.Sprintf("/api/v1/households/%d/income", n.w.Households[0]), nil).JSON(t, &inc)
	var named, plain bool
	for _, e := range inc.Entries {
		named = named || e.ProductTitle == "洛浦红枣" && e.ProductNames.Zh == "洛浦红枣" && e.ProductNames.En == "Lop jujubes"
		plain = plain || e.ProductTitle == "和田核桃" && e.ProductNames.Zh == "和田核桃" && e.ProductNames.En == ""
	}
	if !named || !plain {
		t.Errorf("a household's entries in the API: %+v", inc.Entries)
	}
}

// TestOfficeCertificationsInVisitorsLanguage: the office's certification
// page names each certificate's product and cooperative, and the products
// offered for a new certificate, in the visitor's language (they were
// Chinese); a product with no translation keeps its Chinese title. The
// certifications' API answer carries the names.
func TestOfficeCertificationsInVisitorsLanguage(t *testing.T) {
	n := newNamedWorld(t)
	ordertest.Exec(t, n.s.DB, `INSERT INTO product_certifications (product_id, certificate_no, county_code, valid_from, valid_until,
			status, certified_by) VALUES ($1, 'XJ-LANG-0002', '653224', '2020-01-01', '2099-12-31', 'certified', $2) RETURNING id`,
		n.w.ProductID, n.w.Admin.UserID)
	n.s.CreateUser("lop@office.test", ordertest.Password, auth.Grant{Role: auth.RoleOffice, RegionCode: "653224"})
	c := n.s.LoginPage("lop@office.test", ordertest.Password)
	for _, lang := range []string{"en", "ug", "zh-CN"} {
		inLanguage(t, c, lang)
		saysIn(t, "/office/certifications", lang, mainOf(t, c, "/office/certifications"),
			append([]string{"和田核桃"}, namedIn[lang][:2]...), namedZh[:2])
	}
	api, _ := n.s.Login("lop@office.test", ordertest.Password)
	var list struct {
		Items []struct {
			ProductNames     struct{ Zh, Ug, En string } `json:"product_names"`
			CooperativeNames struct{ Zh, Ug, En string } `json:"cooperative_names"`
		} `json:"items"`
	}
	api.Do("GET", "/api/v1/certifications", nil).JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0].ProductNames.En != "Lop jujubes" || list.Items[0].ProductNames.Zh != "洛浦红枣" ||
		list.Items[0].CooperativeNames.Ug != "سىناق كوپېراتىپى" {
		t.Errorf("the certifications in the API: %+v", list.Items)
	}
}

// TestOfficeRegionsInVisitorsLanguage: the office pages name prefectures,
// counties and townships in the visitor's language (they were Chinese on
// English and Uyghur pages): the dashboard's crumbs, heading and
// sub-regions, the listed-counties board (county and prefecture), a
// household's village trail, the region filter of the registry, the new
// village form, the certifying county and the review queue's county. A
// village keeps its name as stored; a region with no name stored in a
// language shows the Chinese one there, as the catalog's product pages and
// the public impact page do.
func TestOfficeRegionsInVisitorsLanguage(t *testing.T) {
	n := newNamedWorld(t)
	n.paidBoth(t)
	ordertest.Exec(t, n.s.DB, `INSERT INTO product_certifications (product_id, certificate_no, county_code, valid_from, valid_until,
			status, certified_by) VALUES ($1, 'XJ-LANG-0003', '653224', '2020-01-01', '2099-12-31', 'certified', $2) RETURNING id`,
		n.w.ProductID, n.w.Admin.UserID)
	// The households' village, 测试村, is in 城区街道, whose English name is
	// stored (the seed's romanisation) and whose Uyghur is not.
	var village, township, townEn string
	if err := n.s.DB.Pool.QueryRow(context.Background(), `SELECT v.code, v.parent_code, t.name_en FROM households h
		JOIN regions v ON v.code = h.village_code JOIN regions t ON t.code = v.parent_code WHERE h.id = $1`,
		n.w.Households[0]).Scan(&village, &township, &townEn); err != nil {
		t.Fatal(err)
	}
	if townEn == "" || strings.Contains(townEn, "城区") {
		t.Fatalf("the township's English name is %q", townEn)
	}
	// 洛浦县北京工业园区, a township of the county with no Uyghur name, says
	// 洛浦县 on a Uyghur page by right; give it one so the county's shows.
	ordertest.Exec(t, n.s.DB, `UPDATE regions SET name_ug = 'لوپ بېيجىڭ سانائەت رايونى' WHERE code = '653224403' RETURNING 1`)
	places := map[string][]string{ // prefecture, county, township
		"en":    {"Hotan Prefecture", "Lop County", townEn},
		"ug":    {"خوتەن ۋىلايىتى", "لوپ ناھىيىسى", "城区街道"},
		"zh-CN": {"和田地区", "洛浦县", "城区街道"},
	}
	n.s.CreateUser("hotan@office.test", ordertest.Password, auth.Grant{Role: auth.RoleOffice, RegionCode: "653200"})
	n.s.CreateUser("lop@office.test", ordertest.Password, auth.Grant{Role: auth.RoleOffice, RegionCode: "653224"})
	hotan := n.s.LoginPage("hotan@office.test", ordertest.Password)
	lop := n.s.LoginPage("lop@office.test", ordertest.Password)
	admin := n.s.LoginPage("admin@example.com", ordertest.Password)
	for _, lang := range []string{"en", "ug", "zh-CN"} {
		p := places[lang]
		// The Chinese names a page in lang must not say (the township's
		// only in English: it has no Uyghur name).
		zh := []string{"和田地区", "洛浦县", "城区街道"}
		if lang == "ug" {
			zh = zh[:2]
		}
		upTo := func(k int) []string { return zh[:min(k, len(zh))] }
		for _, c := range []*webtest.Client{hotan, lop, admin} {
			inLanguage(t, c, lang)
		}
		checks := []struct {
			c          *webtest.Client
			path       string
			want, zh   []string
			keepsPlace bool // names the village 测试村
		}{
			{hotan, "/office", p[:2], upTo(2), false},
			{hotan, "/office/regions/653224", p, zh, false},
			{hotan, "/office/regions/" + township, p, zh, true},
			{hotan, "/office/regions/" + village, p, zh, true},
			{hotan, "/office/listed", p[:2], upTo(2), true},
			{hotan, fmt.Sprintf("/office/households/%d", n.w.Households[0]), p, zh, true},
			{hotan, "/office/households", p, zh, true},
			{lop, "/office/villages/new", p[1:], zh[1:], false},
			{hotan, "/office/cooperatives?status=all", p[1:2], zh[1:2], false},
			{lop, "/office/certifications", p[1:2], zh[1:2], false},
			{admin, "/admin/cooperatives?status=all", p[1:2], zh[1:2], false},
		}
		for _, ck := range checks {
			page := mainOf(t, ck.c, ck.path)
			saysIn(t, ck.path, lang, page, ck.want, ck.zh)
			if ck.keepsPlace && !strings.Contains(page, "测试村") {
				t.Errorf("%s (%s): the village lost its name as stored (测试村)", ck.path, lang)
			}
		}
	}
	// A county with no English name stored keeps its Chinese one, as on
	// the product page and the public impact page.
	if _, err := n.s.DB.Pool.Exec(context.Background(), `UPDATE regions SET name_en = '' WHERE code = '653224'`); err != nil {
		t.Fatal(err)
	}
	inLanguage(t, hotan, "en")
	for _, path := range []string{"/office", "/office/regions/653224", "/office/listed"} {
		if page := mainOf(t, hotan, path); !strings.Contains(page, "洛浦县") {
			t.Errorf("%s (en): a county with no English name lost its Chinese one", path)
		}
	}
	api, _ := n.s.Login("hotan@office.test", ordertest.Password)
	var sum struct {
		Names    struct{ Zh, Ug, En string } `json:"names"`
		Children []struct {
			Code  string                      `json:"code"`
			Names struct{ Zh, Ug, En string } `json:"names"`
		} `json:"children"`
	}
	api.Do("GET", "/api/v1/attribution/summary?region=653200", nil).JSON(t, &sum)
	var lopNames struct{ Zh, Ug, En string }
	for _, ch := range sum.Children {
		if ch.Code == "653224" {
			lopNames = ch.Names
		}
	}
	if sum.Names.Zh != "和田地区" || sum.Names.En != "Hotan Prefecture" || lopNames.Zh != "洛浦县" || lopNames.Ug != "لوپ ناھىيىسى" {
		t.Errorf("the summary's names in the API: %+v, Lop %+v", sum.Names, lopNames)
	}
}

// TestAdminPagesNameCooperativesInVisitorsLanguage: the platform's feed
// page (the cooperatives whose feed is held up) and the cooperative review
// queue, at /admin/cooperatives and /office/cooperatives, name the
// cooperative in the visitor's language (they said its Chinese name on
// English and Uyghur pages).
func TestAdminPagesNameCooperativesInVisitorsLanguage(t *testing.T) {
	n := newNamedWorld(t)
	ordertest.Exec(t, n.s.DB, `INSERT INTO feed_events (cooperative_id, type, occurred_at, data, attempts, last_error)
		VALUES ($1, 'sale.paid', now(), '{}', 2, 'connection refused') RETURNING seq`, n.w.CoopID)
	n.s.CreateUser("hotan@office.test", ordertest.Password, auth.Grant{Role: auth.RoleOffice, RegionCode: "653200"})
	office := n.s.LoginPage("hotan@office.test", ordertest.Password)
	admin := n.s.LoginPage("admin@example.com", ordertest.Password)
	for _, lang := range []string{"en", "ug", "zh-CN"} {
		inLanguage(t, admin, lang)
		inLanguage(t, office, lang)
		for _, path := range []string{"/admin/feed", "/admin/cooperatives?status=all"} {
			saysIn(t, path, lang, mainOf(t, admin, path), namedIn[lang][1:2], namedZh[1:2])
		}
		saysIn(t, "/office/cooperatives", lang, mainOf(t, office, "/office/cooperatives?status=all"), namedIn[lang][1:2], namedZh[1:2])
	}
}
