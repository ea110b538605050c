package site_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// TestOrgCreatePage starts a buyer organisation from the browser: the form
// behind /org, its field errors in both languages, CSRF, and what members
// of an organisation are told.
func TestOrgCreatePage(t *testing.T) {
	s := webtest.Start(t)
	s.CreateUser("founder@example.com", ordertest.Password, auth.Grant{Role: auth.RoleBuyer})
	s.CreateUser("staff@example.com", ordertest.Password, auth.Grant{Role: auth.RoleBuyer})
	orgs := func() int {
		t.Helper()
		var n int
		if err := s.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM buyer_orgs`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	const name = "和田地区教育局工会"

	t.Run("a visitor is sent to log in and back", func(t *testing.T) {
		anon := s.Client()
		for _, path := range []string{"/org", "/org/new"} {
			res := anon.Do("GET", path, nil)
			if want := "/login?next=" + url.QueryEscape(path); res.Status != 303 || res.Header.Get("Location") != want {
				t.Errorf("%s: %d %q, want 303 %q", path, res.Status, res.Header.Get("Location"), want)
			}
		}
	})

	founder := s.LoginPage("founder@example.com", ordertest.Password)

	t.Run("a buyer in no organisation finds the form from /org and the orders page", func(t *testing.T) {
		page := founder.Do("GET", "/org", nil)
		if page.Status != 200 {
			t.Fatalf("/org: %d %s", page.Status, page.Body)
		}
		rptHas(t, "/org without an organisation", page.Body, "你的账号还不属于任何采购单位", `href="/org/new"`)
		rptHas(t, "orders page", founder.Do("GET", "/orders", nil).Body, `href="/org"`)
		form := founder.Do("GET", "/org/new", nil)
		if form.Status != 200 {
			t.Fatalf("/org/new: %d", form.Status)
		}
		rptHas(t, "form", form.Body, `action="/org/new"`, `name="name"`, `value="budget_unit"`, `value="union"`,
			`value="enterprise"`, "工会", `name="public_ranking"`, `<label for="org-name">`)
	})

	t.Run("bad input shows field errors in the page's language and writes nothing", func(t *testing.T) {
		tok := webtest.CSRFField(founder.Do("GET", "/org/new", nil).Body)
		bad := url.Values{"_csrf": {tok}, "name": {"   "}, "kind": {"ministry"}}
		res := founder.Do("POST", "/org/new", bad)
		if res.Status != 422 {
			t.Fatalf("zh-CN: %d %s", res.Status, res.Body)
		}
		rptHas(t, "zh-CN errors", res.Body, "请输入 1 到 64 个字符", "须为预算单位、工会或企业", `id="name-err"`, `id="kind-err"`, `aria-invalid="true"`)
		founder.Header.Set("Accept-Language", "en")
		res = founder.Do("POST", "/org/new", url.Values{"_csrf": {tok}, "name": {strings.Repeat("工", 65)}, "kind": {"union"}})
		founder.Header.Del("Accept-Language")
		if res.Status != 422 {
			t.Fatalf("en: %d %s", res.Status, res.Body)
		}
		rptHas(t, "en errors", res.Body, "must be 1 to 64 characters", "Start a buyer organisation", `value="union" checked`)
		rptHasNot(t, "en errors", res.Body, "请输入")
		if n := orgs(); n != 0 {
			t.Fatalf("%d organisations after bad input", n)
		}
	})

	t.Run("a form without its CSRF token is refused", func(t *testing.T) {
		res := founder.Do("POST", "/org/new", url.Values{"name": {name}, "kind": {"union"}})
		if res.Status != 403 {
			t.Fatalf("%d", res.Status)
		}
		if n := orgs(); n != 0 {
			t.Fatalf("%d organisations without CSRF", n)
		}
	})

	t.Run("creating lands on /org showing the organisation", func(t *testing.T) {
		tok := webtest.CSRFField(founder.Do("GET", "/org/new", nil).Body)
		res := founder.Do("POST", "/org/new", url.Values{"_csrf": {tok}, "name": {"  " + name + " "}, "kind": {"union"}, "public_ranking": {"1"}})
		if res.Status != 303 || res.Header.Get("Location") != "/org?done=created" {
			t.Fatalf("create: %d %q %s", res.Status, res.Header.Get("Location"), res.Body)
		}
		page := founder.Do("GET", res.Header.Get("Location"), nil)
		if page.Status != 200 {
			t.Fatalf("/org: %d %s", page.Status, page.Body)
		}
		rptHas(t, "org page", page.Body, name, "工会", "采购单位已创建", `action="/org/members"`, `href="/org"`)
		var public bool
		if err := s.DB.Pool.QueryRow(context.Background(), `SELECT public_ranking FROM buyer_orgs WHERE name = $1`, name).Scan(&public); err != nil || !public {
			t.Fatalf("stored: public %v, %v", public, err)
		}
		if res := founder.Do("GET", "/org/new", nil); res.Status != 303 || res.Header.Get("Location") != "/org" {
			t.Errorf("the administrator opens the form: %d %q", res.Status, res.Header.Get("Location"))
		}
		// The administrator cannot start a second one: the domain's conflict, on the page.
		res = founder.Do("POST", "/org/new", url.Values{"_csrf": {tok}, "name": {"另一个单位"}, "kind": {"enterprise"}})
		if res.Status != 409 {
			t.Fatalf("second organisation: %d %s", res.Status, res.Body)
		}
		rptHas(t, "second organisation", res.Body, "你的账号已属于一个采购单位", `role="alert"`)
		if n := orgs(); n != 1 {
			t.Fatalf("%d organisations", n)
		}
		add := founder.Do("POST", "/org/members", url.Values{"_csrf": {tok}, "email": {"staff@example.com"}})
		if add.Status != 303 {
			t.Fatalf("invite a member: %d %s", add.Status, add.Body)
		}
		rptHas(t, "invited", founder.Do("GET", add.Header.Get("Location"), nil).Body, "邀请已记录", "staff@example.com")
	})

	t.Run("a member of an organisation is told whose it is and cannot start another", func(t *testing.T) {
		staff := s.LoginPage("staff@example.com", ordertest.Password)
		page := staff.Do("GET", "/org", nil)
		m := regexpFind(string(page.Body), `/org/invitations/[0-9]+/accept`)
		if m == "" {
			t.Fatalf("no invitation on the invitee's /org:\n%s", page.Body)
		}
		if res := staff.Do("POST", m, url.Values{"_csrf": {webtest.CSRFField(page.Body)}}); res.Status != 303 {
			t.Fatalf("accept: %d %s", res.Status, res.Body)
		}
		for _, path := range []string{"/org", "/org/new"} {
			page := staff.Do("GET", path, nil)
			if page.Status != 200 {
				t.Fatalf("%s: %d %s", path, page.Status, page.Body)
			}
			rptHas(t, path, page.Body, "你的账号已在「"+name+"」名下采购", "一个账号只能属于一个采购单位")
			rptHasNot(t, path, page.Body, `action="/org/new"`, `action="/org/members"`)
		}
		tok := webtest.CSRFField(staff.Do("GET", "/orders", nil).Body)
		if tok == "" {
			t.Fatal("no CSRF token on the orders page")
		}
		res := staff.Do("POST", "/org/new", url.Values{"_csrf": {tok}, "name": {"喀什某企业"}, "kind": {"enterprise"}})
		if res.Status != 409 {
			t.Fatalf("member creates: %d %s", res.Status, res.Body)
		}
		rptHas(t, "member creates", res.Body, "你的账号已属于一个采购单位，不能再创建新的单位", name)
		staff.Header.Set("Accept-Language", "en")
		res = staff.Do("POST", "/org/new", url.Values{"_csrf": {tok}, "name": {"喀什某企业"}, "kind": {"enterprise"}})
		staff.Header.Del("Accept-Language")
		if res.Status != 409 {
			t.Fatalf("member creates (en): %d", res.Status)
		}
		rptHas(t, "member creates (en)", res.Body, "already belongs to a buyer organisation", "Your account buys for “"+name+"”")
		if n := orgs(); n != 1 {
			t.Fatalf("%d organisations after a member's attempt", n)
		}
	})

	t.Run("the API answers a member's attempt with 409", func(t *testing.T) {
		staff, _ := s.Login("staff@example.com", ordertest.Password)
		if res := staff.Do("POST", "/api/v1/buyer-orgs", map[string]any{"name": "喀什某企业", "kind": "enterprise"}); res.Status != 409 {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
	})
}
