package site_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/config"
	"github.com/fupinmarket/market/internal/web/webtest"
)

const pw = "correct-horse-2020"

func TestLoginFailuresLookTheSame(t *testing.T) {
	s := webtest.Start(t)
	s.CreateUser("buyer@example.com", pw, auth.Grant{Role: auth.RoleBuyer})
	c := s.Client()
	wrong := c.Do("POST", "/api/v1/auth/login", map[string]string{"email": "buyer@example.com", "password": "not-the-password"})
	unknown := c.Do("POST", "/api/v1/auth/login", map[string]string{"email": "nobody@example.com", "password": "not-the-password"})
	if wrong.Status != 401 || unknown.Status != 401 {
		t.Fatalf("statuses %d and %d, want 401 and 401", wrong.Status, unknown.Status)
	}
	if string(wrong.Body) != string(unknown.Body) {
		t.Errorf("bodies differ:\n%s\n%s", wrong.Body, unknown.Body)
	}
}

func TestLoginRateLimit(t *testing.T) {
	s := webtest.Start(t, func(c *config.Config) { c.LoginLimitAccount = 3; c.LoginLimitClient = 100 })
	s.CreateUser("buyer@example.com", pw, auth.Grant{Role: auth.RoleBuyer})
	c := s.Client()
	for i := 0; i < 3; i++ {
		if r := c.Do("POST", "/api/v1/auth/login", map[string]string{"email": "buyer@example.com", "password": "wrong-password"}); r.Status != 401 {
			t.Fatalf("attempt %d: status %d", i, r.Status)
		}
	}
	r := c.Do("POST", "/api/v1/auth/login", map[string]string{"email": "buyer@example.com", "password": pw})
	if r.Status != 429 {
		t.Fatalf("after 3 failures the right password got %d, want 429", r.Status)
	}
	if r.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	if !strings.Contains(string(r.Body), `"rate_limited"`) {
		t.Errorf("body %s", r.Body)
	}
	t.Run("per client address", func(t *testing.T) {
		s := webtest.Start(t, func(c *config.Config) { c.LoginLimitAccount = 100; c.LoginLimitClient = 2 })
		c := s.Client()
		for i, email := range []string{"a@example.com", "b@example.com"} {
			if r := c.Do("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": "whatever-pass"}); r.Status != 401 {
				t.Fatalf("attempt %d: %d", i, r.Status)
			}
		}
		if r := c.Do("POST", "/api/v1/auth/login", map[string]string{"email": "c@example.com", "password": "whatever-pass"}); r.Status != 429 {
			t.Fatalf("third address attempt got %d, want 429", r.Status)
		}
	})
}

func TestCSRFOnCookieSessions(t *testing.T) {
	s := webtest.Start(t)
	s.CreateUser("buyer@example.com", pw, auth.Grant{Role: auth.RoleBuyer})
	c, _ := s.Login("buyer@example.com", pw)
	token := c.CSRF
	c.CSRF = ""
	if r := c.Do("POST", "/api/v1/auth/logout", nil); r.Status != 403 {
		t.Fatalf("cookie POST without CSRF token: %d, want 403", r.Status)
	}
	c.CSRF = "0123456789abcdef0123456789abcdef"
	if r := c.Do("POST", "/api/v1/auth/logout", nil); r.Status != 403 {
		t.Fatalf("cookie POST with a wrong CSRF token: %d, want 403", r.Status)
	}
	c.CSRF = token
	if r := c.Do("POST", "/api/v1/auth/logout", nil); r.Status != 204 {
		t.Fatalf("cookie POST with the token: %d, want 204", r.Status)
	}
	if r := c.Do("GET", "/api/v1/me", nil); r.Status != 401 {
		t.Fatalf("after logout /me: %d, want 401", r.Status)
	}
	t.Run("visitor form without the double-submit token", func(t *testing.T) {
		r := s.Client().Do("POST", "/login", url.Values{"email": {"buyer@example.com"}, "password": {pw}})
		if r.Status != 403 {
			t.Fatalf("login form without token: %d, want 403", r.Status)
		}
	})
	t.Run("bearer clients need no CSRF token", func(t *testing.T) {
		_, tok := s.Login("buyer@example.com", pw)
		b := s.Client()
		b.Token = tok
		if r := b.Do("POST", "/api/v1/auth/logout", nil); r.Status != 204 {
			t.Fatalf("bearer logout: %d", r.Status)
		}
		if r := b.Do("GET", "/api/v1/me", nil); r.Status != 401 {
			t.Fatalf("revoked token still works: %d", r.Status)
		}
	})
}

func sessionCookie(t *testing.T, c *webtest.Client, s *webtest.Server) string {
	t.Helper()
	u, _ := url.Parse(s.URL)
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Name == "market_session" {
			return ck.Value
		}
	}
	return ""
}

func TestSessionIDChangesAtLogin(t *testing.T) {
	s := webtest.Start(t)
	s.CreateUser("buyer@example.com", pw, auth.Grant{Role: auth.RoleBuyer})
	c, _ := s.Login("buyer@example.com", pw)
	first := sessionCookie(t, c, s)
	if len(first) != 32 {
		t.Fatalf("session id %q is not 128 bits of hex", first)
	}
	r := c.Do("POST", "/api/v1/auth/login", map[string]string{"email": "buyer@example.com", "password": pw})
	if r.Status != 200 {
		t.Fatal(r.Status)
	}
	second := sessionCookie(t, c, s)
	if second == first || second == "" {
		t.Fatalf("session id did not change at login: %q → %q", first, second)
	}
	old := s.Client()
	u, _ := url.Parse(s.URL)
	old.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: "market_session", Value: first}})
	if r := old.Do("GET", "/api/v1/me", nil); r.Status != 401 {
		t.Fatalf("old session still valid: %d", r.Status)
	}
	if !strings.Contains(r.Header.Get("Set-Cookie"), "HttpOnly") || !strings.Contains(r.Header.Get("Set-Cookie"), "SameSite=Lax") {
		t.Errorf("session cookie flags: %s", r.Header.Get("Set-Cookie"))
	}
}

func TestRolesAndMe(t *testing.T) {
	s := webtest.Start(t)
	s.CreateUser("office@example.com", pw, auth.Grant{Role: auth.RoleOffice, RegionCode: "653200"})
	s.CreateUser("buyer@example.com", pw, auth.Grant{Role: auth.RoleBuyer})
	s.CreateUser("admin@example.com", pw, auth.Grant{Role: auth.RolePlatformAdmin})
	office, tok := s.Login("office@example.com", pw)
	var me struct {
		Roles            []string `json:"roles"`
		OfficeRegionCode string   `json:"office_region_code"`
	}
	office.Do("GET", "/api/v1/me", nil).JSON(t, &me)
	if len(me.Roles) != 1 || me.Roles[0] != "office" || me.OfficeRegionCode != "653200" {
		t.Fatalf("me = %+v", me)
	}
	b := s.Client()
	b.Token = tok
	if r := b.Do("GET", "/api/v1/me", nil); r.Status != 200 {
		t.Fatalf("bearer /me: %d", r.Status)
	}
	buyer, _ := s.Login("buyer@example.com", pw)
	if r := buyer.Do("GET", "/admin", nil); r.Status != 403 {
		t.Fatalf("buyer on /admin: %d, want 403", r.Status)
	}
	admin, _ := s.Login("admin@example.com", pw)
	if r := admin.Do("GET", "/admin", nil); r.Status != 200 {
		t.Fatalf("admin on /admin: %d, want 200", r.Status)
	}
	if r := s.Client().Do("GET", "/api/v1/me", nil); r.Status != 401 {
		t.Fatalf("visitor /me: %d, want 401", r.Status)
	}
}

func TestLoginPage(t *testing.T) {
	s := webtest.Start(t)
	s.CreateUser("buyer@example.com", pw, auth.Grant{Role: auth.RoleBuyer})
	c := s.LoginPage("buyer@example.com", pw)
	if r := c.Do("GET", "/api/v1/me", nil); r.Status != 200 {
		t.Fatalf("after form login /me: %d", r.Status)
	}
	t.Run("wrong password re-renders the form in Chinese", func(t *testing.T) {
		c := s.Client()
		tok := webtest.CSRFField(c.Do("GET", "/login", nil).Body)
		r := c.Do("POST", "/login", url.Values{"_csrf": {tok}, "email": {"buyer@example.com"}, "password": {"nope-nope-nope"}})
		if r.Status != 401 || !strings.Contains(string(r.Body), "邮箱或密码不正确") {
			t.Fatalf("status %d body %s", r.Status, r.Body)
		}
	})
}
