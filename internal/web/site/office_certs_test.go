package site_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestOfficeCertificationPage walks 扶贫产品认定 through the office page: the
// 洛浦县 office certifies its product, the 和田地区 office confirms it, and
// the storefront then shows the badge.
func TestOfficeCertificationPage(t *testing.T) {
	r := newRegFixture(t)
	sh := openShop(t, r.s)
	jujube := sh.create(t, sh.admin, jujubeBody()) // 洛浦县
	walnut := jujubeBody()
	walnut["title"] = "皮山薄皮核桃"
	walnut["variants"] = []map[string]any{{"sku": "HT-1KG", "name": "1 千克袋装", "price_fen": 4500, "base_qty": 1}}
	other := sh.create(t, sh.otherAdm, walnut) // 皮山县, same prefecture
	year := time.Now().Year()
	from, until := "2020-01-01", time.Date(year+2, 12, 31, 0, 0, 0, 0, time.UTC).Format("2006-01-02")

	lop, ltok := r.pageClient("lop@office.example")
	res := lop.Do("GET", "/office", nil)
	mustContain(t, "office dashboard", res.Body, `href="/office/certifications"`, "扶贫产品认定")
	res = lop.Do("GET", "/office/certifications", nil)
	if res.Status != 200 {
		t.Fatalf("page: %d %s", res.Status, res.Body)
	}
	mustContain(t, "county page", res.Body, `action="/office/certifications"`, `name="_csrf"`, `<label for="certificate_no">`,
		`<option value="`+jujube.ID+`"`, "和田红枣 骏枣特级", "还没有认定记录")
	mustNotContain(t, "county page", res.Body, `<option value="`+other.ID+`"`, "/confirm")

	form := func(tok, product string, no, from, until string) url.Values {
		v := url.Values{"product_id": {product}, "certificate_no": {no}, "valid_from": {from}, "valid_until": {until}}
		if tok != "" {
			v.Set("_csrf", tok)
		}
		return v
	}

	t.Run("bad input", func(t *testing.T) {
		res := lop.Do("POST", "/office/certifications", form(ltok, jujube.ID, "X", "2020-13-01", "2019-01-01"))
		if res.Status != 422 {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		mustContain(t, "zh errors", res.Body, `<p class="field-error">须为 4 到 40 位字母、数字或“-”</p>`,
			`<p class="field-error">请输入日期</p>`, `value="2019-01-01"`)
		res = lop.Do("POST", "/office/certifications", form(ltok, "", "LP-2020-001", from, until))
		if res.Status != 422 {
			t.Fatalf("no product: %d", res.Status)
		}
		mustContain(t, "no product", res.Body, `<p class="field-error">必填</p>`, `value="LP-2020-001"`)
		res = lop.Do("POST", "/office/certifications", form(ltok, jujube.ID, "LP-2020-001", until, from))
		mustContain(t, "until before from", res.Body, `<p class="field-error">不能早于有效期起始日期</p>`)

		lop.Do("GET", "/lang/en?next=/office/certifications", nil)
		defer lop.Do("GET", "/lang/zh-CN?next=/", nil)
		res = lop.Do("POST", "/office/certifications", form(ltok, jujube.ID, "X", "2020-13-01", from))
		if res.Status != 422 {
			t.Fatalf("en: %d", res.Status)
		}
		mustContain(t, "en errors", res.Body, `lang="en"`, `<p class="field-error">must be 4 to 40 letters, digits or &#39;-&#39;</p>`,
			`<p class="field-error">must be a date as YYYY-MM-DD</p>`, "Certify a product")
		res = lop.Do("POST", "/office/certifications", form(ltok, "abc", "LP-2020-001", from, until))
		mustContain(t, "en bad id", res.Body, "must be a product id")
	})
	if n := r.count(`SELECT count(*) FROM product_certifications`); n != 0 {
		t.Fatalf("%d certificates after bad input", n)
	}

	t.Run("without CSRF token", func(t *testing.T) {
		if res := lop.Do("POST", "/office/certifications", form("", jujube.ID, "LP-2020-001", from, until)); res.Status != 403 {
			t.Fatalf("%d", res.Status)
		}
	})

	t.Run("outside the jurisdiction", func(t *testing.T) {
		res := lop.Do("POST", "/office/certifications", form(ltok, other.ID, "PS-2020-001", from, until))
		if res.Status != 404 {
			t.Fatalf("another county's product: %d", res.Status)
		}
		mustContain(t, "not found", res.Body, "未找到商品 "+other.ID)
		yark, ytok := r.pageClient("yark@office.example")
		if res := yark.Do("POST", "/office/certifications", form(ytok, jujube.ID, "YK-2020-001", from, until)); res.Status != 404 {
			t.Fatalf("莎车县 office certifies a 洛浦县 product: %d", res.Status)
		}
		// The prefecture office does not certify, it confirms.
		hotan, htok := r.pageClient("hotan@office.example")
		res = hotan.Do("POST", "/office/certifications", form(htok, jujube.ID, "HT-2020-001", from, until))
		if res.Status != 403 {
			t.Fatalf("prefecture certifies: %d", res.Status)
		}
		mustContain(t, "prefecture certifies", res.Body, "只有县级扶贫办可以认定产品")
		if n := r.count(`SELECT count(*) FROM product_certifications`); n != 0 {
			t.Fatalf("%d certificates written", n)
		}
	})

	res = lop.Do("POST", "/office/certifications", form(ltok, jujube.ID, "LP-2020-001", from, until))
	if res.Status != 303 || res.Header.Get("Location") != "/office/certifications?done=certified" {
		t.Fatalf("certify: %d %s %s", res.Status, res.Header.Get("Location"), res.Body)
	}
	res = lop.Do("GET", res.Header.Get("Location"), nil)
	mustContain(t, "after certifying", res.Body, "已认定，等待地州级扶贫办确认", `href="/products/`+jujube.ID+`"`,
		"洛浦县布亚乡红枣种植农民专业合作社", "LP-2020-001", "洛浦县", from+" – "+until, "待地州确认")
	mustNotContain(t, "after certifying", res.Body, `<option value="`+jujube.ID+`"`, "/confirm")
	res = lop.Do("POST", "/office/certifications", form(ltok, jujube.ID, "LP-2020-001", from, until))
	if res.Status != 422 {
		t.Fatalf("same number twice: %d", res.Status)
	}
	mustContain(t, "same number twice", res.Body, "该证书编号已登记")

	// Not yet on the storefront.
	if res := r.s.Client().Do("GET", "/products/"+jujube.ID, nil); strings.Contains(string(res.Body), `class="badge cert"`) {
		t.Fatal("badge before confirmation")
	}
	var certID string
	if err := r.s.DB.Pool.QueryRow(t.Context(), `SELECT id::text FROM product_certifications`).Scan(&certID); err != nil {
		t.Fatal(err)
	}

	yark, ytok := r.pageClient("yark@office.example")
	mustNotContain(t, "another county's list", yark.Do("GET", "/office/certifications", nil).Body, "LP-2020-001")
	if res := yark.Do("POST", "/office/certifications/"+certID+"/confirm", url.Values{"_csrf": {ytok}}); res.Status != 403 {
		t.Errorf("county office confirms: %d", res.Status)
	}
	if res := lop.Do("POST", "/office/certifications/"+certID+"/confirm", url.Values{"_csrf": {ltok}}); res.Status != 403 {
		t.Errorf("certifying county confirms its own: %d", res.Status)
	}

	hotan, htok := r.pageClient("hotan@office.example")
	res = hotan.Do("GET", "/office/certifications", nil)
	mustContain(t, "prefecture page", res.Body, "LP-2020-001", `action="/office/certifications/`+certID+`/confirm"`)
	mustNotContain(t, "prefecture page", res.Body, `action="/office/certifications" `, "认定产品</h2>")
	if res := hotan.Do("POST", "/office/certifications/"+certID+"/confirm", url.Values{}); res.Status != 403 {
		t.Errorf("confirm without CSRF token: %d", res.Status)
	}
	res = hotan.Do("POST", "/office/certifications/"+certID+"/confirm", url.Values{"_csrf": {htok}})
	if res.Status != 303 || res.Header.Get("Location") != "/office/certifications?done=confirmed" {
		t.Fatalf("confirm: %d %s %s", res.Status, res.Header.Get("Location"), res.Body)
	}
	res = hotan.Do("GET", res.Header.Get("Location"), nil)
	mustContain(t, "after confirming", res.Body, "已确认，商品页将显示扶贫产品标识", "已确认")
	mustNotContain(t, "after confirming", res.Body, "/confirm")
	res = hotan.Do("POST", "/office/certifications/"+certID+"/confirm", url.Values{"_csrf": {htok}})
	if res.Status != 409 {
		t.Fatalf("confirm twice: %d", res.Status)
	}
	mustContain(t, "confirm twice", res.Body, "该认定已经确认过了")

	// Pending ones come first.
	res = lop.Do("POST", "/office/certifications", form(ltok, jujube.ID, "LP-2020-002", from, until))
	if res.Status != 303 {
		t.Fatalf("second certificate: %d %s", res.Status, res.Body)
	}
	body := string(hotan.Do("GET", "/office/certifications", nil).Body)
	if i, j := strings.Index(body, "LP-2020-002"), strings.Index(body, "LP-2020-001"); i < 0 || j < 0 || i > j {
		t.Errorf("pending certificate not listed first (%d, %d)", i, j)
	}

	product := r.s.Client().Do("GET", "/products/"+jujube.ID, nil)
	if product.Status != 200 {
		t.Fatalf("product page: %d", product.Status)
	}
	badge := regexp.MustCompile(`<p class="badge cert"[^>]*>[^<]*</p>`).Find(product.Body)
	if badge == nil || !strings.Contains(string(badge), "扶贫产品") || !strings.Contains(string(badge), "LP-2020-001") ||
		!strings.Contains(string(badge), "洛浦县") {
		t.Errorf("product page badge %q", badge)
	}

	t.Run("who may see the page", func(t *testing.T) {
		buyer, btok := r.pageClient("buyer@example.com")
		if res := buyer.Do("GET", "/office/certifications", nil); res.Status != 403 {
			t.Errorf("buyer: %d", res.Status)
		}
		if res := buyer.Do("POST", "/office/certifications", form(btok, jujube.ID, "BY-2020-001", from, until)); res.Status != 403 {
			t.Errorf("buyer certifies: %d", res.Status)
		}
		if res := r.s.Client().Do("GET", "/office/certifications", nil); res.Status != 303 ||
			res.Header.Get("Location") != "/login?next="+url.QueryEscape("/office/certifications") {
			t.Errorf("visitor: %d %s", res.Status, res.Header.Get("Location"))
		}
	})
}
