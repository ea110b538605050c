package catalog_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/catalog"
	"github.com/fupinmarket/market/internal/catalog/catalogtest"
	"github.com/fupinmarket/market/internal/dbtest"
	"github.com/fupinmarket/market/internal/media"
	"github.com/fupinmarket/market/internal/platform/clock"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/region"
)

func TestQty(t *testing.T) {
	for in, want := range map[string]catalog.Qty{"2.5": 2500, "120": 120000, "0.001": 1, "1.2500": 1250, "007": 7000, ".5": 500} {
		got, err := catalog.ParseQty(in)
		if err != nil || got != want {
			t.Errorf("ParseQty(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "1.0001", "abc", "1e3", "1.", "1,5", "123456789012.5"} {
		if _, err := catalog.ParseQty(bad); err == nil {
			t.Errorf("ParseQty(%q) accepted", bad)
		}
	}
	for q, want := range map[catalog.Qty]string{2500: "2.5", 3000: "3", 1: "0.001", 1230: "1.23", -500: "-0.5"} {
		if q.String() != want {
			t.Errorf("%d.String() = %s, want %s", q, q, want)
		}
	}
	var v struct{ Q catalog.Qty }
	if err := json.Unmarshal([]byte(`{"Q": 2.75}`), &v); err != nil || v.Q != 2750 {
		t.Fatalf("unmarshal: %v %d", err, v.Q)
	}
	if err := json.Unmarshal([]byte(`{"Q": 1e3}`), &v); err == nil {
		t.Error("exponent accepted")
	}
	b, _ := json.Marshal(v)
	if string(b) != `{"Q":2.75}` {
		t.Errorf("marshal %s", b)
	}
	if got := catalog.Qty(2500).Fen(1500); got != 3750 {
		t.Errorf("2.5 × 1500 = %d", got)
	}
}

func TestGramsAndQuery(t *testing.T) {
	g := catalog.Grams("和田红枣 Ｈｅｔｉａｎ")
	has := map[string]bool{}
	for _, x := range g {
		has[x] = true
	}
	for _, want := range []string{"枣", "红枣", "和田", "h", "he", "an"} {
		if !has[want] {
			t.Errorf("grams lack %q: %v", want, g)
		}
	}
	if has["枣 "] || has[" h"] || has["枣h"] {
		t.Errorf("grams cross a space: %v", g)
	}
	q, ok := catalog.ParseQuery(" 巴旦木 ")
	if !ok || strings.Join(q.Grams, ",") != "巴旦,旦木" || strings.Join(q.Long, ",") != "巴旦木" {
		t.Errorf("query %+v", q)
	}
	if _, ok := catalog.ParseQuery("  ，。 "); ok {
		t.Error("punctuation-only query accepted")
	}
}

// fixture is a catalog over a fresh database with an approved cooperative in
// 洛浦县 with two member households, another approved cooperative, and one
// that is only applied.
type fixture struct {
	svc                 *catalog.Service
	db                  *dbtest.DB
	coop, other, unappr int64
	admin, otherAdmin   auth.Actor
	unapprAdmin         auth.Actor
	h1, h2, outsider    int64
	village             string
}

func setup(t *testing.T) *fixture {
	t.Helper()
	db := dbtest.New(t)
	f := &fixture{db: db, svc: catalog.New(db.Pool, media.NewDir(t.TempDir()), nil)}
	f.coop = catalogtest.Coop(t, db.Pool, "洛浦县布亚乡红枣种植农民专业合作社", "653224", "approved")
	f.other = catalogtest.Coop(t, db.Pool, "皮山县核桃合作社", "653223", "approved")
	f.unappr = catalogtest.Coop(t, db.Pool, "于田县玫瑰合作社", "653226", "applied")
	f.admin = auth.Actor{UserID: insertUser(t, db, "a@example.com"), Roles: []auth.Role{auth.RoleCoopAdmin}, CooperativeID: f.coop}
	f.otherAdmin = auth.Actor{UserID: insertUser(t, db, "b@example.com"), Roles: []auth.Role{auth.RoleCoopAdmin}, CooperativeID: f.other}
	f.unapprAdmin = auth.Actor{UserID: insertUser(t, db, "c@example.com"), Roles: []auth.Role{auth.RoleCoopAdmin}, CooperativeID: f.unappr}
	f.village = catalogtest.Village(t, db.Pool, "653224", "阿克铁热克村")
	f.h1 = catalogtest.Household(t, db.Pool, f.village, "T-001")
	f.h2 = catalogtest.Household(t, db.Pool, f.village, "T-002")
	f.outsider = catalogtest.Household(t, db.Pool, f.village, "T-003")
	catalogtest.Member(t, db.Pool, f.coop, f.h1)
	catalogtest.Member(t, db.Pool, f.coop, f.h2)
	return f
}

func jujube() catalog.ProductInput {
	return catalog.ProductInput{Title: "和田红枣 骏枣特级", Description: "昆仑山下沙漠边缘的骏枣，自然晾晒。", Category: "dried_fruit",
		BaseUnit: "kg", Status: catalog.StatusActive, Variants: []catalog.VariantInput{
			{SKU: "JZ-1KG", Name: "1 千克袋装", PriceFen: 3980, BaseQty: catalog.Units(1)},
			{SKU: "JZ-2.5KG", Name: "2.5 千克礼盒", PriceFen: 8800, BaseQty: 2500},
		}}
}

func fields(t *testing.T, err error) map[string]string {
	t.Helper()
	var e *errs.Error
	if !asErr(err, &e) || e.Kind != errs.Invalid {
		t.Fatalf("want a validation error, got %v", err)
	}
	return e.Fields
}

func TestProductValidation(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	in := jujube()
	in.Title = ""
	in.Category = "gadgets"
	in.Variants[0].PriceFen = -100
	in.Variants[1].BaseQty = 0
	in.Variants = append(in.Variants, catalog.VariantInput{SKU: "jz-1kg", Name: "重复", PriceFen: 100, BaseQty: 1000})
	_, err := f.svc.CreateProduct(ctx, f.admin, in)
	fe := fields(t, err)
	for _, k := range []string{"title", "category", "variants[0].price_fen", "variants[1].base_qty", "variants[2].sku"} {
		if fe[k] == "" {
			t.Errorf("no error on %s: %v", k, fe)
		}
	}
	in = jujube()
	in.Variants = nil
	if fe := fields(t, mustErr(f.svc.CreateProduct(ctx, f.admin, in))); fe["variants"] == "" {
		t.Errorf("no variants accepted: %v", fe)
	}
}

func mustErr[T any](_ T, err error) error { return err }

func TestWhoMayWrite(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	if _, err := f.svc.CreateProduct(ctx, auth.Actor{UserID: f.admin.UserID, Roles: []auth.Role{auth.RoleBuyer}}, jujube()); !errs.Is(err, errs.Forbidden) {
		t.Errorf("buyer created a product: %v", err)
	}
	if _, err := f.svc.CreateProduct(ctx, f.unapprAdmin, jujube()); !errs.Is(err, errs.Forbidden) {
		t.Errorf("unapproved cooperative created a product: %v", err)
	}
	p, err := f.svc.CreateProduct(ctx, f.admin, jujube())
	if err != nil {
		t.Fatal(err)
	}
	title := "别人的枣"
	if _, err := f.svc.UpdateProduct(ctx, f.otherAdmin, int64(p.ID), catalog.ProductPatch{Title: &title}); !errs.Is(err, errs.Forbidden) {
		t.Errorf("another cooperative changed an active product: %v", err)
	}
	draft := catalog.StatusDraft
	if _, err := f.svc.UpdateProduct(ctx, f.admin, int64(p.ID), catalog.ProductPatch{Status: &draft}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.UpdateProduct(ctx, f.otherAdmin, int64(p.ID), catalog.ProductPatch{Title: &title}); !errs.Is(err, errs.NotFound) {
		t.Errorf("another cooperative's draft: %v, want not found", err)
	}
	if _, err := f.svc.CreateLot(ctx, f.otherAdmin, int64(p.ID), lotOf(f, 10, 5, 5)); !errs.Is(err, errs.NotFound) {
		t.Errorf("lot on another cooperative's draft: %v", err)
	}
}

func lotOf(f *fixture, total, a, b int64) catalog.LotInput {
	return catalog.LotInput{ReceivedOn: "2020-10-20", Quantity: catalog.Units(total),
		IncomeRule: catalog.IncomeRule{Kind: catalog.RulePerUnit, FenPerUnit: 1500},
		Contributions: []catalog.Contribution{
			{HouseholdID: ids.ID(f.h1), Quantity: catalog.Units(a)},
			{HouseholdID: ids.ID(f.h2), Quantity: catalog.Units(b)},
		}}
}

func TestLotsAndStock(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	p, err := f.svc.CreateProduct(ctx, f.admin, jujube())
	if err != nil {
		t.Fatal(err)
	}
	t.Run("contributions must sum", func(t *testing.T) {
		fe := fields(t, mustErr(f.svc.CreateLot(ctx, f.admin, int64(p.ID), lotOf(f, 100, 60, 30))))
		if !strings.Contains(fe["contributions"], "add up to 90") {
			t.Errorf("fields %v", fe)
		}
	})
	// A cooperative learns nothing of households outside it: a household
	// of elsewhere and one that does not exist get one answer.
	t.Run("households must be members", func(t *testing.T) {
		in := lotOf(f, 100, 60, 40)
		in.Contributions[0].HouseholdID = ids.ID(f.outsider)
		in.Contributions[1].HouseholdID = 999999
		fe := fields(t, mustErr(f.svc.CreateLot(ctx, f.admin, int64(p.ID), in)))
		if fe["contributions[0].household_id"] != "is not a member of this cooperative" ||
			fe["contributions[1].household_id"] != "is not a member of this cooperative" {
			t.Errorf("fields %v, want one answer for a household of elsewhere and one that does not exist", fe)
		}
	})
	t.Run("rule and date", func(t *testing.T) {
		in := lotOf(f, 100, 60, 40)
		in.IncomeRule = catalog.IncomeRule{Kind: catalog.RuleRevenueShare, BPS: 20000}
		in.ReceivedOn = "2999-01-01"
		fe := fields(t, mustErr(f.svc.CreateLot(ctx, f.admin, int64(p.ID), in)))
		if fe["income_rule.bps"] == "" || fe["received_on"] == "" {
			t.Errorf("fields %v", fe)
		}
	})
	first, err := f.svc.CreateLot(ctx, f.admin, int64(p.ID), lotOf(f, 100, 60, 40))
	if err != nil {
		t.Fatal(err)
	}
	if len(first.TraceCode) != 12 || first.Remaining != catalog.Units(100) {
		t.Errorf("lot %+v", first)
	}
	in := lotOf(f, 6, 3, 3)
	in.ReceivedOn = "2020-11-02"
	in.Quantity = 6500
	in.Contributions[0].Quantity = 3500
	in.IncomeRule = catalog.IncomeRule{Kind: catalog.RuleRevenueShare, BPS: 3000}
	if _, err := f.svc.CreateLot(ctx, f.admin, int64(p.ID), in); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.GetProduct(ctx, auth.Actor{}, int64(p.ID))
	if err != nil {
		t.Fatal(err)
	}
	// 106.5 kg in stock: 106 bags of 1 kg, 42 boxes of 2.5 kg.
	if got.Variants[0].Available != 106 || got.Variants[1].Available != 42 {
		t.Errorf("available %d and %d, want 106 and 42", got.Variants[0].Available, got.Variants[1].Available)
	}
	// The current lot is the first received: ¥15.00 per kg reaches its 2 households.
	if got.CurrentLot == nil || got.CurrentLot.TraceCode != first.TraceCode || got.CurrentLot.Households != 2 {
		t.Fatalf("current lot %+v", got.CurrentLot)
	}
	if got.Variants[0].ReachesFen != 1500 || got.Variants[1].ReachesFen != 3750 {
		t.Errorf("reaches %d and %d", got.Variants[0].ReachesFen, got.Variants[1].ReachesFen)
	}
	if got.Origin == nil || got.Origin.Households != 2 || len(got.Origin.Villages) != 1 || got.Origin.Villages[0].Name != "阿克铁热克村" {
		t.Errorf("origin %+v", got.Origin)
	}
	// Orders will take stock; only remaining may change, and it counts as sold.
	if _, err := f.db.Pool.Exec(ctx, `UPDATE lots SET remaining = remaining - 30 WHERE id = $1`, int64(first.ID)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Pool.Exec(ctx, `UPDATE lots SET quantity = 1 WHERE id = $1`, int64(first.ID)); err == nil {
		t.Error("a lot's quantity changed")
	}
	if _, err := f.db.Pool.Exec(ctx, `DELETE FROM lot_contributions WHERE lot_id = $1`, int64(first.ID)); err == nil {
		t.Error("contributions deleted")
	}
	lots, err := f.svc.ListLots(ctx, f.admin, int64(p.ID))
	if err != nil || len(lots) != 2 || lots[1].Remaining != catalog.Units(70) || len(lots[1].Contributions) != 2 {
		t.Fatalf("lots %+v %v", lots, err)
	}
	if _, err := f.svc.ListLots(ctx, f.otherAdmin, int64(p.ID)); !errs.Is(err, errs.NotFound) {
		t.Errorf("another cooperative listed lots: %v", err)
	}
}

func TestVisibilityAndSearch(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	p1, err := f.svc.CreateProduct(ctx, f.admin, jujube())
	if err != nil {
		t.Fatal(err)
	}
	walnut := jujube()
	walnut.Title, walnut.Description = "皮山薄皮核桃", "纸皮核桃，一捏就开。"
	walnut.Variants = []catalog.VariantInput{{SKU: "HT-1", Name: "1 千克", PriceFen: 4600, BaseQty: 1000}}
	p2, err := f.svc.CreateProduct(ctx, f.otherAdmin, walnut)
	if err != nil {
		t.Fatal(err)
	}
	draft := jujube()
	draft.Status = catalog.StatusDraft
	draft.Title = "洛浦红枣（草稿）"
	p3, err := f.svc.CreateProduct(ctx, f.admin, draft)
	if err != nil {
		t.Fatal(err)
	}
	titles := func(fl catalog.Filter) []string {
		t.Helper()
		pg, err := f.svc.List(ctx, fl)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range pg.Items {
			out = append(out, p.Title)
		}
		return out
	}
	for q, want := range map[string]string{
		"枣":      "和田红枣 骏枣特级",
		"核桃":     "皮山薄皮核桃",
		"皮山":     "皮山薄皮核桃",    // county name
		"布亚乡":    "和田红枣 骏枣特级", // cooperative name
		"洛浦县":    "和田红枣 骏枣特级", // county name, three characters
		"自然晾晒":   "和田红枣 骏枣特级", // description
		"纸皮 一捏":  "皮山薄皮核桃",
		"ＪＵＮ":    "",
		"沙漠边缘的骏": "和田红枣 骏枣特级",
	} {
		got := strings.Join(titles(catalog.Filter{Q: q}), "|")
		if got != want {
			t.Errorf("q=%s: %q, want %q", q, got, want)
		}
	}
	if got := titles(catalog.Filter{Q: "枣骏"}); len(got) != 0 {
		t.Errorf("q=枣骏 (not a substring) found %v", got)
	}
	if got := titles(catalog.Filter{Region: "653200"}); len(got) != 2 {
		t.Errorf("和田地区 lists %v", got)
	}
	if got := titles(catalog.Filter{Region: "653224"}); len(got) != 1 {
		t.Errorf("洛浦县 lists %v", got)
	}
	if got := titles(catalog.Filter{Region: f.village[:9]}); len(got) != 0 {
		t.Errorf("township without lots lists %v", got)
	}
	if _, err := f.svc.GetProduct(ctx, auth.Actor{}, int64(p3.ID)); !errs.Is(err, errs.NotFound) {
		t.Errorf("visitor sees a draft: %v", err)
	}
	if _, err := f.svc.GetProduct(ctx, f.admin, int64(p3.ID)); err != nil {
		t.Errorf("owner cannot see its draft: %v", err)
	}
	// Suspending the cooperative hides its products everywhere.
	catalogtest.SetCoopStatus(t, f.db.Pool, f.other, "suspended")
	if got := titles(catalog.Filter{Q: "核桃"}); len(got) != 0 {
		t.Errorf("suspended cooperative's product listed: %v", got)
	}
	if _, err := f.svc.GetProduct(ctx, auth.Actor{}, int64(p2.ID)); !errs.Is(err, errs.NotFound) {
		t.Errorf("suspended cooperative's product shown: %v", err)
	}
	_ = p1
}

func TestKeysetPagination(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	for i, price := range []int64{500, 300, 300, 900, 100, 700, 300} {
		in := jujube()
		in.Title = "红枣 " + string(rune('A'+i))
		in.Variants = []catalog.VariantInput{{SKU: "S", Name: "袋", PriceFen: price, BaseQty: 1000}}
		if _, err := f.svc.CreateProduct(ctx, f.admin, in); err != nil {
			t.Fatal(err)
		}
	}
	for _, sort := range []catalog.Sort{catalog.SortPrice, catalog.SortPriceDesc, catalog.SortNewest, catalog.SortPopular} {
		var all []int64
		seen := map[ids.ID]bool{}
		cursor := ""
		for pages := 0; ; pages++ {
			pg, err := f.svc.List(ctx, catalog.Filter{Sort: sort, Limit: 3, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range pg.Items {
				if seen[p.ID] {
					t.Fatalf("%s: %s twice", sort, p.Title)
				}
				seen[p.ID] = true
				all = append(all, p.MinPriceFen)
			}
			if pg.NextCursor == "" {
				break
			}
			cursor = pg.NextCursor
		}
		if len(all) != 7 {
			t.Errorf("%s: %d items", sort, len(all))
		}
		for i := 1; i < len(all); i++ {
			if sort == catalog.SortPrice && all[i] < all[i-1] || sort == catalog.SortPriceDesc && all[i] > all[i-1] {
				t.Errorf("%s out of order: %v", sort, all)
			}
		}
	}
	if _, err := f.svc.List(ctx, catalog.Filter{Sort: catalog.SortNewest, Cursor: "garbage"}); !errs.Is(err, errs.Invalid) {
		t.Errorf("garbage cursor: %v", err)
	}
	pg, _ := f.svc.List(ctx, catalog.Filter{Sort: catalog.SortPrice, Limit: 2})
	if _, err := f.svc.List(ctx, catalog.Filter{Sort: catalog.SortNewest, Cursor: pg.NextCursor}); !errs.Is(err, errs.Invalid) {
		t.Errorf("cursor of another sort: %v", err)
	}
	pg, _ = f.svc.List(ctx, catalog.Filter{MinPriceFen: 300, MaxPriceFen: 500})
	if len(pg.Items) != 4 {
		t.Errorf("price range 3–5 yuan: %d items", len(pg.Items))
	}
}

func TestCertification(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	p, err := f.svc.CreateProduct(ctx, f.admin, jujube())
	if err != nil {
		t.Fatal(err)
	}
	county := auth.Actor{UserID: 0, Roles: []auth.Role{auth.RoleOffice}, OfficeRegion: "653224", OfficeLevel: region.County}
	prefecture := auth.Actor{Roles: []auth.Role{auth.RoleOffice}, OfficeRegion: "653200", OfficeLevel: region.Prefecture}
	otherCounty := auth.Actor{Roles: []auth.Role{auth.RoleOffice}, OfficeRegion: "653223", OfficeLevel: region.County}
	uid := insertUser(t, f.db, "office@example.com")
	county.UserID, prefecture.UserID, otherCounty.UserID = uid, uid, uid
	in := catalog.CertificationInput{CertificateNo: "XJ-2020-0042", ValidFrom: "2020-01-01", ValidUntil: "2099-12-31"}
	if _, err := f.svc.Certify(ctx, prefecture, int64(p.ID), in); !errs.Is(err, errs.Forbidden) {
		t.Errorf("prefecture certified: %v", err)
	}
	if _, err := f.svc.Certify(ctx, otherCounty, int64(p.ID), in); !errs.Is(err, errs.NotFound) {
		t.Errorf("another county certified: %v", err)
	}
	c, err := f.svc.Certify(ctx, county, int64(p.ID), in)
	if err != nil {
		t.Fatal(err)
	}
	badge := func() bool {
		got, err := f.svc.GetProduct(ctx, auth.Actor{}, int64(p.ID))
		if err != nil {
			t.Fatal(err)
		}
		return got.Certified && got.Certificate != nil
	}
	if badge() {
		t.Error("badge before confirmation")
	}
	if _, err := f.svc.ConfirmCertification(ctx, county, int64(c.ID)); !errs.Is(err, errs.Forbidden) {
		t.Errorf("county confirmed its own certificate: %v", err)
	}
	if _, err := f.svc.ConfirmCertification(ctx, prefecture, int64(c.ID)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ConfirmCertification(ctx, prefecture, int64(c.ID)); !errs.Is(err, errs.Conflict) {
		t.Errorf("confirmed twice: %v", err)
	}
	if !badge() {
		t.Error("no badge while confirmed and valid")
	}
	certified := true
	if pg, _ := f.svc.List(ctx, catalog.Filter{Certified: &certified}); len(pg.Items) != 1 {
		t.Errorf("certified filter: %d", len(pg.Items))
	}
	f.svc.SetClock(clock.Fixed(time.Date(2100, 1, 2, 0, 0, 0, 0, time.UTC), nil))
	if badge() {
		t.Error("badge after the certificate expired")
	}
}

func insertUser(t *testing.T, db *dbtest.DB, email string) int64 {
	t.Helper()
	var id int64
	if err := db.Pool.QueryRow(context.Background(), `INSERT INTO users (email, name, password_hash) VALUES ($1, '测试', 'x') RETURNING id`, email).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestTraceShowsNoPersonalData(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	p, err := f.svc.CreateProduct(ctx, f.admin, jujube())
	if err != nil {
		t.Fatal(err)
	}
	lot, err := f.svc.CreateLot(ctx, f.admin, int64(p.ID), lotOf(f, 100, 60, 40))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := f.svc.Trace(ctx, lot.TraceCode)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Households != 2 || len(tr.Villages) != 1 || tr.CountyName != "洛浦县" || tr.ReceivedOn != "2020-10-20" {
		t.Errorf("trace %+v", tr)
	}
	b, _ := json.Marshal(tr)
	for _, secret := range []string{"T-001", "T-002", "阿*", "6532**", "household_id", "registry"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("trace holds %q: %s", secret, b)
		}
	}
	if _, err := f.svc.Trace(ctx, "AAAAAAAAAAAA"); !errs.Is(err, errs.NotFound) {
		t.Errorf("unknown code: %v", err)
	}
	catalogtest.SetCoopStatus(t, f.db.Pool, f.coop, "suspended")
	if _, err := f.svc.Trace(ctx, lot.TraceCode); !errs.Is(err, errs.NotFound) {
		t.Errorf("trace of a suspended cooperative: %v", err)
	}
}

func TestCategoriesMatchTheDatabase(t *testing.T) {
	db := dbtest.New(t)
	rows, err := db.Pool.Query(context.Background(), `SELECT code, name_zh, name_en, name_ug FROM product_categories ORDER BY position`)
	if err != nil {
		t.Fatal(err)
	}
	var got []catalog.Category
	for rows.Next() {
		var c catalog.Category
		rows.Scan(&c.Code, &c.NameZh, &c.NameEn, &c.NameUg)
		got = append(got, c)
	}
	if len(got) != len(catalog.Categories) {
		t.Fatalf("%d categories in the database, %d in code", len(got), len(catalog.Categories))
	}
	for i := range got {
		if got[i] != catalog.Categories[i] {
			t.Errorf("category %d: %+v vs %+v", i, got[i], catalog.Categories[i])
		}
	}
}

// TestSearchPlanUsesIndex checks that a one-character search can use the
// GIN index on search_grams (planner forced off sequential scans, since a
// test database is tiny).
func TestSearchPlanUsesIndex(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SET enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	var plan strings.Builder
	rows, err := conn.Query(ctx, `EXPLAIN SELECT id FROM products WHERE search_grams @> $1::text[]`, []string{"枣"})
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var line string
		rows.Scan(&line)
		plan.WriteString(line + "\n")
	}
	if !strings.Contains(plan.String(), "products_search_idx") {
		t.Errorf("plan does not use the index:\n%s", plan.String())
	}
}

func asErr(err error, target **errs.Error) bool { return errors.As(err, target) }
