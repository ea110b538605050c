package site_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// shownErrors are the field and form errors a page shows.
func shownErrors(body []byte) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<p class="(?:field-error|error)"[^>]*>([^<]*)</p>`).FindAllSubmatch(body, -1) {
		out = append(out, string(m[1]))
	}
	return out
}

// wantShown fails unless the page shows every one of want among its errors,
// and no error in English words.
func wantShown(t *testing.T, what string, body []byte, want ...string) {
	t.Helper()
	shown := shownErrors(body)
	joined := strings.Join(shown, " | ")
	for _, w := range want {
		if !strings.Contains(joined, w) {
			t.Errorf("%s: errors %q lack %q", what, shown, w)
		}
	}
	for _, e := range shown {
		if regexp.MustCompile(`[a-z]{3,}`).MatchString(strings.ReplaceAll(e, "SKU", "")) {
			t.Errorf("%s: an error in English on a Chinese page: %q", what, e)
		}
	}
}

// TestCoopFormsAnswerInTheUsersLanguage: the cooperative's shipping,
// product, dividend and lot forms, refused, show the form again with each
// field's reason in the page's language (here Chinese), not an English
// error page or raw messages.
func TestCoopFormsAnswerInTheUsersLanguage(t *testing.T) {
	sh := openShop(t, webtest.Start(t))
	sh.admin.Header.Set("Accept-Language", "zh-CN")
	for _, c := range []struct {
		form      url.Values
		want      string
		typedBack string
	}{
		{url.Values{"flat_yuan": {"2000"}}, "请输入 0 到 1000 元之间的运费", `value="2000"`},
		{url.Values{"flat_yuan": {"abc"}}, "请输入金额（元），最多两位小数", `value="abc"`},
		{url.Values{"flat_yuan": {"8"}, "free_from_yuan": {"0"}}, "请输入大于 0 的金额，或留空", `value="0"`},
	} {
		r := sh.admin.Do("POST", "/coop/shipping", c.form)
		if r.Status != 422 || !bytes.Contains(r.Body, []byte(`name="flat_yuan"`)) || !bytes.Contains(r.Body, []byte(c.typedBack)) {
			t.Errorf("shipping %v: %d, want the orders page again with the form as typed", c.form, r.Status)
		}
		wantShown(t, fmt.Sprint("shipping ", c.form), r.Body, c.want)
	}

	product := url.Values{"title": {"和田红枣"}, "category": {"dried_fruit"}, "base_unit": {"kg"}, "status": {"draft"}}
	for name, c := range map[string]struct {
		variants url.Values
		want     string
	}{
		"a Chinese SKU": {url.Values{"variant_id": {""}, "sku": {"红枣一号"}, "variant_name": {"1 千克"}, "price": {"39.80"}, "base_qty": {"1"}},
			"请填写 1 到 40 个字母、数字或 . _ -"},
		"a repeated SKU": {url.Values{"variant_id": {"", ""}, "sku": {"JZ-1", "jz-1"}, "variant_name": {"1 千克", "2 千克"},
			"price": {"39.80", "70"}, "base_qty": {"1", "2"}}, "与前面规格的 SKU 重复"},
		"a huge price": {url.Values{"variant_id": {""}, "sku": {"JZ-1"}, "variant_name": {"1 千克"}, "price": {"99999999"}, "base_qty": {"1"}},
			"数值过大"},
	} {
		form := url.Values{}
		for k, v := range product {
			form[k] = v
		}
		for k, v := range c.variants {
			form[k] = v
		}
		r := sh.admin.Do("POST", "/coop/products", form)
		if r.Status != 422 {
			t.Errorf("product with %s: %d, want 422", name, r.Status)
		}
		wantShown(t, "product with "+name, r.Body, c.want)
	}

	r := sh.admin.Do("POST", "/coop/dividends", url.Values{"year": {"二〇二五"}, "total_yuan": {"100"}, "basis": {"shares"}})
	wantShown(t, "a dividend's year in Chinese numerals", r.Body)
	if r.Status != 422 || len(shownErrors(r.Body)) == 0 {
		t.Errorf("a dividend's year in Chinese numerals: %d %q", r.Status, shownErrors(r.Body))
	}

	created := sh.admin.Do("POST", "/api/v1/products", jujubeBody())
	var p struct {
		ID string `json:"id"`
	}
	created.JSON(t, &p)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range map[string]string{"received_on": "2026-01-05", "quantity": "100", "kind": "per_unit", "fen_per_unit": "10"} {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("csv", "lot.csv")
	fw.Write([]byte("户编号,数量\nLP-0003,10\nLP-0001,abc\nLP-0002\n"))
	mw.Close()
	req, _ := http.NewRequest("POST", sh.s.URL+"/coop/products/"+p.ID+"/lots", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept-Language", "zh-CN")
	r = sh.admin.Send(req)
	if r.Status != 422 {
		t.Errorf("a lot's CSV with bad rows: %d, want 422", r.Status)
	}
	wantShown(t, "a lot's CSV", r.Body, "第 1 行，户编号：不是本合作社的成员户", "第 2 行，数量：请输入大于 0 的数字，最多三位小数",
		"第 3 行，数量：缺失：每行应为“户编号,数量”")
}

// TestOrderFormsAnswerInTheUsersLanguage: checkout short of stock names the
// cart's product, and the invoice and ship forms give their reasons in the
// page's language.
func TestOrderFormsAnswerInTheUsersLanguage(t *testing.T) {
	s := webtest.Start(t)
	w := ordertest.Seed(t, s.DB, order.Config{})
	w.Lot(t, "10", "2026-09-01", "per_unit", 1000, 1, 1, 2) // 4 boxes of 2.5 kg
	buyer := s.LoginPage("buyer@example.com", ordertest.Password)
	buyer.Header.Set("Accept-Language", "zh-CN")
	token := webtest.CSRFField(buyer.Do("GET", fmt.Sprint("/products/", w.ProductID), nil).Body)
	if r := buyer.Do("POST", "/cart/add", url.Values{"_csrf": {token}, "variant_id": {fmt.Sprint(w.VariantID)}, "quantity": {"6"}}); r.Status != 303 {
		t.Fatalf("cart add: %d", r.Status)
	}
	r := buyer.Do("POST", "/checkout", url.Values{"_csrf": {token}, "name": {"李明"}, "phone": {"13912345678"}, "province": {"北京市"},
		"city": {"北京市"}, "district": {"海淀区"}, "detail": {"中关村大街1号"}, "payment_method": {"manual"}})
	if r.Status != 409 {
		t.Errorf("checkout short of stock: %d, want 409", r.Status)
	}
	wantShown(t, "checkout short of stock", r.Body, "洛浦红枣 2.5公斤箱：仅剩 4 件")

	o, err := w.Place(t, 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Svc.ConfirmManual(context.Background(), w.Admin, int64(o.ID), "REF-1"); err != nil {
		t.Fatal(err)
	}
	r = buyer.Do("POST", fmt.Sprintf("/orders/%d/invoice", o.ID), url.Values{"_csrf": {token}, "title": {"某某单位"}, "taxpayer_id": {"123"},
		"kind": {"special"}, "email": {"not-an-email"}})
	wantShown(t, "the invoice request", r.Body, "请填写 15 到 20 位字母或数字的纳税人识别号", "请填写有效的电子邮箱")

	s.CreateUser("coop@coop.test", ordertest.Password, auth.Grant{Role: auth.RoleCoopAdmin, CooperativeID: w.CoopID})
	coop := s.LoginPage("coop@coop.test", ordertest.Password)
	coop.Header.Set("Accept-Language", "zh-CN")
	ship := coop.Do("GET", fmt.Sprintf("/coop/orders/%d/ship", o.ID), nil)
	r = coop.Do("POST", fmt.Sprintf("/coop/orders/%d/ship", o.ID), url.Values{"_csrf": {webtest.CSRFField(ship.Body)},
		"carrier": {"顺丰速运"}, "tracking_no": {""}})
	if r.Status != 422 {
		t.Errorf("ship without a tracking number: %d, want 422", r.Status)
	}
	wantShown(t, "ship without a tracking number", r.Body, "必填，最多 40 个字符")
}

// TestStateRefusalsNameTheStateInTheUsersLanguage: a refusal because of an
// order's state ("the order is paid; only unpaid orders can be cancelled")
// says the state's label in the page's language.
func TestStateRefusalsNameTheStateInTheUsersLanguage(t *testing.T) {
	s := webtest.Start(t)
	w := ordertest.Seed(t, s.DB, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1)
	o, err := w.Place(t, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Svc.ConfirmManual(context.Background(), w.Admin, int64(o.ID), "REF-1"); err != nil {
		t.Fatal(err)
	}
	buyer := s.LoginPage("buyer@example.com", ordertest.Password)
	page := buyer.Do("GET", fmt.Sprintf("/orders/%d", o.ID), nil)
	for lang, want := range map[string]string{"zh-CN": "订单状态为“已付款”，只有未付款的订单可以取消", "en": "the order is Paid; only unpaid orders can be cancelled"} {
		buyer.Header.Set("Accept-Language", lang)
		r := buyer.Do("POST", fmt.Sprintf("/orders/%d/cancel", o.ID), url.Values{"_csrf": {webtest.CSRFField(page.Body)}})
		if r.Status != 409 || !strings.Contains(string(r.Body), want) {
			t.Errorf("%s: %d, want 409 saying %q", lang, r.Status, want)
		}
	}
}

// TestShippingFeeRangeInYuan: a co-op's shipping fee out of range is
// refused in yuan, the unit its form is typed in, in every language.
// English said "must be between 0 and 100000", the domain's fen, to an
// administrator who had typed yuan.
func TestShippingFeeRangeInYuan(t *testing.T) {
	sh := openShop(t, webtest.Start(t))
	for _, tc := range []struct{ lang, want string }{
		{"en", "must be a fee from ¥0 to ¥1,000"},
		{"zh-CN", "请输入 0 到 1000 元之间的运费"},
		{"ug", "0 دىن 1000 يۈەنگىچە بولغان توشۇش ھەققى كىرگۈزۈڭ"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			sh.admin.Header.Set("Accept-Language", tc.lang)
			r := sh.admin.Do("POST", "/coop/shipping", url.Values{"flat_yuan": {"2000"}})
			shown := strings.Join(shownErrors(r.Body), " | ")
			if r.Status != 422 || !strings.Contains(shown, tc.want) || strings.Contains(shown, "100000") {
				t.Errorf("a fee of ¥2,000: %d, errors %q, want %q", r.Status, shown, tc.want)
			}
		})
	}
}
