package site_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// signedIn reports whether c's session cookie and token (when set) still
// sign it in.
func signedIn(c *webtest.Client) bool { return c.Do("GET", "/api/v1/me", nil).Status == 200 }

// withToken is a client that sends only the bearer token.
func withToken(s *webtest.Server, tok string) *webtest.Client {
	c := s.Client()
	c.Token = tok
	return c
}

// TestLogoutEndsTheWholeLogin: signing out with the session ends the token
// issued at the same login and the other way round; other logins stay.
func TestLogoutEndsTheWholeLogin(t *testing.T) {
	s := webtest.Start(t)
	s.CreateUser("buyer@example.com", pw, auth.Grant{Role: auth.RoleBuyer})
	t.Run("by the session", func(t *testing.T) {
		c, tok := s.Login("buyer@example.com", pw)
		other, otherTok := s.Login("buyer@example.com", pw)
		if r := c.Do("POST", "/api/v1/auth/logout", nil); r.Status != 204 {
			t.Fatalf("logout: %d %s", r.Status, r.Body)
		}
		if signedIn(c) || signedIn(withToken(s, tok)) {
			t.Error("the session or the token of the login lives on after logout")
		}
		if !signedIn(other) || !signedIn(withToken(s, otherTok)) {
			t.Error("another login ended too")
		}
	})
	t.Run("by the token", func(t *testing.T) {
		c, tok := s.Login("buyer@example.com", pw)
		if r := withToken(s, tok).Do("POST", "/api/v1/auth/logout", nil); r.Status != 204 {
			t.Fatalf("logout: %d %s", r.Status, r.Body)
		}
		if signedIn(c) || signedIn(withToken(s, tok)) {
			t.Error("the session or the token of the login lives on after logout")
		}
	})
}

// TestLogoutEverywhere ends every session and token of the account, over the
// API and from the button in the header of every page.
func TestLogoutEverywhere(t *testing.T) {
	s := webtest.Start(t)
	s.CreateUser("buyer@example.com", pw, auth.Grant{Role: auth.RoleBuyer})
	s.CreateUser("other@example.com", pw, auth.Grant{Role: auth.RoleBuyer})
	t.Run("API", func(t *testing.T) {
		a, tokA := s.Login("buyer@example.com", pw)
		b, tokB := s.Login("buyer@example.com", pw)
		page := s.LoginPage("buyer@example.com", pw)
		stranger, _ := s.Login("other@example.com", pw)
		if r := withToken(s, tokA).Do("POST", "/api/v1/auth/logout-everywhere", nil); r.Status != 204 {
			t.Fatalf("logout everywhere: %d %s", r.Status, r.Body)
		}
		for name, c := range map[string]*webtest.Client{"session a": a, "session b": b, "token a": withToken(s, tokA),
			"token b": withToken(s, tokB), "page session": page} {
			if signedIn(c) {
				t.Errorf("%s still signed in", name)
			}
		}
		if !signedIn(stranger) {
			t.Error("another account was signed out")
		}
	})
	t.Run("page", func(t *testing.T) {
		page := s.LoginPage("buyer@example.com", pw)
		_, tok := s.Login("buyer@example.com", pw)
		home := page.Do("GET", "/orders", nil)
		if !strings.Contains(string(home.Body), `action="/logout-everywhere"`) {
			t.Fatal("no sign-out-everywhere button on the page")
		}
		r := page.Do("POST", "/logout-everywhere", url.Values{"_csrf": {webtest.CSRFField(home.Body)}})
		if r.Status != 303 {
			t.Fatalf("logout everywhere form: %d", r.Status)
		}
		if signedIn(page) || signedIn(withToken(s, tok)) {
			t.Error("a login lives on after signing out everywhere")
		}
	})
}
