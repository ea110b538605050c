package site_test

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/platform/text"
	"github.com/fupinmarket/market/internal/web/webtest"
)

func TestAPIErrorsInTheLanguageOfAcceptLanguage(t *testing.T) {
	s := webtest.Start(t)
	bad := map[string]string{"email": "x", "name": "", "password": "short"}
	tests := []struct {
		accept, message, email string
	}{
		{"", "the account details are not valid", "must be a valid email address"},
		{"en-GB,en;q=0.9", "the account details are not valid", "must be a valid email address"},
		{"ug", "ھېسابات ئۇچۇرىدا خاتالىق بار، بەلگە قويۇلغان جايلارنى تەكشۈرۈڭ", "ئىناۋەتلىك ئېلخەت ئادرېسى كىرگۈزۈڭ"},
		{"ug-CN,zh;q=0.8", "ھېسابات ئۇچۇرىدا خاتالىق بار، بەلگە قويۇلغان جايلارنى تەكشۈرۈڭ", "ئىناۋەتلىك ئېلخەت ئادرېسى كىرگۈزۈڭ"},
		{"zh-CN,zh;q=0.9", "账号信息有误，请检查标出的字段", "请输入有效的邮箱地址"},
	}
	for _, tc := range tests {
		t.Run("Accept-Language "+tc.accept, func(t *testing.T) {
			c := s.Client()
			if tc.accept != "" {
				c.Header.Set("Accept-Language", tc.accept)
			}
			r := c.Do("POST", "/api/v1/auth/register", bad)
			if r.Status != 422 {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			var e struct {
				Error struct {
					Code, Message string
					Fields        map[string]string
				} `json:"error"`
			}
			r.JSON(t, &e)
			if e.Error.Code != "invalid" || e.Error.Message != tc.message || e.Error.Fields["email"] != tc.email {
				t.Errorf("error = %+v", e.Error)
			}
		})
	}
}

func TestBidiControlsRefusedInStoredText(t *testing.T) {
	s := webtest.Start(t)
	sh := openShop(t, s)
	for _, ctl := range []string{"\u202A", "\u202B", "\u202C", "\u202D", "\u202E", "\u2066", "\u2067", "\u2068", "\u2069"} {
		t.Run(url.QueryEscape(ctl), func(t *testing.T) {
			r := s.Client().Do("POST", "/api/v1/auth/register", map[string]string{
				"email": "bidi@example.com", "name": "Ali" + ctl + "moc.exe", "password": "long enough password"})
			if r.Status != 422 || errorFields(t, r)["name"] != text.BidiControlMessage {
				t.Errorf("register: %d %s", r.Status, r.Body)
			}
			body := jujubeBody()
			body["title_ug"] = "خوتەن قىزىل چىلان" + ctl
			r = sh.admin.Do("POST", "/api/v1/products", body)
			if r.Status != 422 || errorFields(t, r)["title_ug"] != text.BidiControlMessage {
				t.Errorf("product: %d %s", r.Status, r.Body)
			}
		})
	}
	t.Run("in Uyghur on the co-op portal's form", func(t *testing.T) {
		sh.admin.Header.Set("Accept-Language", "ug")
		defer sh.admin.Header.Del("Accept-Language")
		r := sh.admin.Do("POST", "/coop/products", url.Values{"title": {"和田红枣"}, "title_ug": {"قىزىل\u202Eچىلان"},
			"category": {"dried_fruit"}, "base_unit": {"kg"}, "status": {"draft"}, "variant_id": {""},
			"sku": {"JZ-1"}, "variant_name": {"1 千克"}, "price": {"39.80"}, "base_qty": {"1"}})
		if r.Status != 422 || !strings.Contains(string(r.Body), "يېزىق يۆنىلىشىنى ئۆزگەرتىدىغان كونترول ھەرپلىرى بولسا بولمايدۇ") {
			t.Errorf("form: %d %.2000s", r.Status, r.Body)
		}
	})
	t.Run("Uyghur writing is accepted", func(t *testing.T) {
		body := jujubeBody()
		// Letters, the Arabic comma and question mark, a zero-width
		// non-joiner and presentation forms.
		body["title_ug"] = "خوتەن قىزىل چىلان، ياخشىمۇ؟"
		body["description_ug"] = "كىتاب\u200Cخانا \uFEB7\uFEE8\uFE9F\uFE8E\uFEEB"
		body["title_en"] = "Hotan jujubes"
		r := sh.admin.Do("POST", "/api/v1/products", body)
		if r.Status != 201 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		var p struct {
			ID    string                      `json:"id"`
			Names struct{ Zh, Ug, En string } `json:"names"`
		}
		r.JSON(t, &p)
		if p.Names.Ug != "خوتەن قىزىل چىلان، ياخشىمۇ؟" || p.Names.En != "Hotan jujubes" || p.Names.Zh != "和田红枣 骏枣特级" {
			t.Errorf("names = %+v", p.Names)
		}
		for lang, want := range map[string]string{"ug": "<h1>خوتەن قىزىل چىلان، ياخشىمۇ؟</h1>", "en": "<h1>Hotan jujubes</h1>",
			"zh-CN": "<h1>和田红枣 骏枣特级</h1>"} {
			c := s.Client()
			c.Header.Set("Accept-Language", lang)
			if b := string(c.Do("GET", "/products/"+p.ID, nil).Body); !strings.Contains(b, want) {
				t.Errorf("%s product page lacks %s", lang, want)
			}
		}
		for _, q := range []string{"jujube", "JUJUBES", "قىزىل چىلان", "چىلان", "枣", "Lop County", "لوپ"} {
			var page struct{ Items []struct{ Title string } }
			s.Client().Do("GET", "/api/v1/products?q="+url.QueryEscape(q), nil).JSON(t, &page)
			if len(page.Items) != 1 {
				t.Errorf("q=%s found %d products", q, len(page.Items))
			}
		}
	})
}

func TestCooperativeNamesInThreeLanguages(t *testing.T) {
	s := webtest.Start(t)
	sh := openShop(t, s)
	path := "/api/v1/cooperatives/" + strconv.FormatInt(sh.coop, 10)
	r := sh.admin.Do("PUT", path+"/names", map[string]string{
		"name_ug": "لوپ ناھىيىسى بۇيا يېزىسى قىزىل چىلان تېرىش دېھقانلار كەسپىي كوپېراتىپى",
		"name_en": "Lop County Buya Township Red Date Growers' Cooperative"})
	if r.Status != 200 {
		t.Fatalf("set names: %d %s", r.Status, r.Body)
	}
	var co struct {
		Names struct{ Zh, Ug, En string } `json:"names"`
	}
	s.Client().Do("GET", path, nil).JSON(t, &co)
	if co.Names.Zh != "洛浦县布亚乡红枣种植农民专业合作社" || co.Names.En != "Lop County Buya Township Red Date Growers' Cooperative" ||
		!strings.HasPrefix(co.Names.Ug, "لوپ ناھىيىسى") {
		t.Errorf("names = %+v", co.Names)
	}
	if r := sh.otherAdm.Do("PUT", path+"/names", map[string]string{"name_en": "x"}); r.Status != 403 {
		t.Errorf("another cooperative's admin: %d", r.Status)
	}
	if r := sh.admin.Do("PUT", path+"/names", map[string]string{"name_en": "Lop\u202ECounty"}); r.Status != 422 ||
		errorFields(t, r)["name_en"] != text.BidiControlMessage {
		t.Errorf("bidi control: %d %s", r.Status, r.Body)
	}
}

// TestCoopPortalShowsTitlesInTheVisitorsLanguage: a cooperative's staff
// who read Uyghur see their products under their Uyghur titles at home
// and on the lot form, Chinese where a product has none.
func TestCoopPortalShowsTitlesInTheVisitorsLanguage(t *testing.T) {
	s := webtest.Start(t)
	sh := openShop(t, s)
	body := jujubeBody()
	body["title_ug"] = "خوتەن قىزىل چىلان"
	named := sh.create(t, sh.admin, body)
	plain := jujubeBody()
	plain["title"] = "和田核桃"
	for i, v := range plain["variants"].([]map[string]any) {
		v["sku"] = fmt.Sprintf("HT-%d", i)
	}
	sh.create(t, sh.admin, plain)
	sh.admin.Do("GET", "/lang/ug?next=/coop", nil)
	home := string(sh.admin.Do("GET", "/coop", nil).Body)
	if !strings.Contains(home, "خوتەن قىزىل چىلان") || strings.Contains(home, "和田红枣 骏枣特级") || !strings.Contains(home, "和田核桃") {
		t.Errorf("co-op home in Uyghur: want the Uyghur title and the Chinese fallback in\n%s", home)
	}
	if lot := string(sh.admin.Do("GET", "/coop/products/"+named.ID+"/lots/new", nil).Body); !strings.Contains(lot, "<h1>") ||
		!strings.Contains(lot, "خوتەن قىزىل چىلان") {
		t.Errorf("lot form in Uyghur lacks the Uyghur title")
	}
}
