package site_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/web/webtest"
)

// TestLotWhoseContributionsDoNotAddUpIsToldInTheUsersLanguage: the lot
// form's most ordinary mistake, households' quantities that do not add up to
// the lot's, decimals included, is said in the page's language.
func TestLotWhoseContributionsDoNotAddUpIsToldInTheUsersLanguage(t *testing.T) {
	sh := openShop(t, webtest.Start(t))
	p := sh.create(t, sh.admin, jujubeBody())
	sh.admin.Header.Set("Accept-Language", "zh-CN")
	for _, c := range []struct{ total, first, second, want string }{
		{"100", "60", "30", "各户贡献合计 90，与批次数量 100 不符"},
		{"100.5", "60.25", "30", "各户贡献合计 90.25，与批次数量 100.5 不符"},
	} {
		t.Run(c.total, func(t *testing.T) {
			form := url.Values{"received_on": {"2026-01-05"}, "quantity": {c.total}, "kind": {"per_unit"}, "fen_per_unit": {"10"},
				fmt.Sprintf("q_%d", sh.h1): {c.first}, fmt.Sprintf("q_%d", sh.h2): {c.second}}
			r := sh.admin.Do("POST", "/coop/products/"+p.ID+"/lots", form)
			if r.Status != 422 {
				t.Fatalf("a lot whose contributions do not add up: %d, want 422", r.Status)
			}
			wantShown(t, "a lot whose contributions do not add up", r.Body, c.want)
		})
	}
}

// TestDividendWhoseMemberLeftIsRefusedInTheUsersLanguage: a draft dividend
// whose split names a household that has left the cooperative since is
// refused at confirmation, saying so in the page's language, not in the
// ledger function's English.
func TestDividendWhoseMemberLeftIsRefusedInTheUsersLanguage(t *testing.T) {
	sh := openShop(t, webtest.Start(t))
	for _, h := range []int64{sh.h1, sh.h2} {
		if r := sh.admin.Do("POST", fmt.Sprintf("/coop/shares/%d", h), url.Values{"shares": {"10"}, "assets_yuan": {"0"}}); r.Status != 303 {
			t.Fatalf("set shares: %d %s", r.Status, r.Body)
		}
	}
	r := sh.admin.Do("POST", "/coop/dividends", url.Values{"year": {"2025"}, "total_yuan": {"100"}, "basis": {"shares"}})
	if r.Status != 303 {
		t.Fatalf("declare: %d %s", r.Status, r.Body)
	}
	dividend := r.Header.Get("Location")
	if r := sh.admin.Do("PUT", fmt.Sprintf("/api/v1/cooperatives/%d/members", sh.coop),
		map[string]any{"household_ids": []string{fmt.Sprint(sh.h1)}}); r.Status != 200 {
		t.Fatalf("set members: %d %s", r.Status, r.Body)
	}
	sh.admin.Header.Set("Accept-Language", "zh-CN")
	r = sh.admin.Do("POST", dividend+"/confirm", url.Values{})
	if r.Status != 409 {
		t.Errorf("confirming a dividend whose member left: %d, want 409", r.Status)
	}
	wantShown(t, "a dividend whose member left", r.Body, "分红方案中有农户在宣布分红后已退出合作社")
	if strings.Contains(string(r.Body), "append_dividend") {
		t.Error("the page shows the ledger function's refusal")
	}
}

// TestCartQuantityLeftEmptyIsSaidBesideItsLine: a buyer who clears a cart
// line's quantity box and taps 更新 sees the cart again with the reason
// beside that line, in the page's language; the line is unchanged.
func TestCartQuantityLeftEmptyIsSaidBesideItsLine(t *testing.T) {
	s := webtest.Start(t)
	sh := openShop(t, s)
	p := sh.create(t, sh.admin, jujubeBody())
	v := s.Client()
	v.Header.Set("Accept-Language", "zh-CN")
	token := webtest.CSRFField(v.Do("GET", "/products/"+p.ID, nil).Body)
	variant := p.Variants[0].ID
	if r := v.Do("POST", "/cart/add", url.Values{"_csrf": {token}, "variant_id": {variant}, "quantity": {"2"}}); r.Status != 303 {
		t.Fatalf("add: %d", r.Status)
	}
	for _, typed := range []string{"", "两", "1000", "-1"} {
		t.Run(typed, func(t *testing.T) {
			r := v.Do("POST", "/cart/update", url.Values{"_csrf": {token}, "variant_id": {variant}, "quantity": {typed}})
			if r.Status != 400 {
				t.Fatalf("quantity %q: %d, want 400", typed, r.Status)
			}
			wantShown(t, "a cart quantity of "+typed, r.Body, "0")
			if !strings.Contains(string(r.Body), `id="q`+variant+`" name="quantity" type="number" min="0" max="999" value="2"`) {
				t.Errorf("quantity %q: the line does not keep its quantity 2", typed)
			}
		})
	}
}
