package site_test

import (
	"net/url"
	"testing"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// TestRedirectsStayOnSite: the language switch and the login form send a
// browser only to paths of this site, whatever ?next= holds.
func TestRedirectsStayOnSite(t *testing.T) {
	s := webtest.Start(t)
	s.CreateUser("nav@example.com", pw, auth.Grant{Role: auth.RoleBuyer})
	hostile := []string{"/%09/evil.example", "//evil.example", "/%5C%5Cevil.example", "/%0A/evil.example", "/\\evil.example"}
	for _, next := range hostile {
		t.Run("lang "+next, func(t *testing.T) {
			// A control character is refused at the door (400); anything
			// else goes home.
			r := s.Client().Do("GET", "/lang/en?next="+next, nil)
			if r.Status != 400 && (r.Status != 303 || r.Header.Get("Location") != "/") {
				t.Fatalf("/lang/en?next=%s: %d to %q, want / or a 400", next, r.Status, r.Header.Get("Location"))
			}
		})
		t.Run("login "+next, func(t *testing.T) {
			c := s.Client()
			page := c.Do("GET", "/login", nil)
			decoded, _ := url.QueryUnescape(next)
			r := c.Do("POST", "/login", url.Values{"_csrf": {webtest.CSRFField(page.Body)}, "email": {"nav@example.com"},
				"password": {pw}, "next": {decoded}})
			if r.Status != 400 && (r.Status != 303 || r.Header.Get("Location") != "/") {
				t.Fatalf("login with next %q: %d to %q, want / or a 400", decoded, r.Status, r.Header.Get("Location"))
			}
		})
	}
	if r := s.Client().Do("GET", "/lang/en?next=/orders%3Fpage%3D2", nil); r.Header.Get("Location") != "/orders?page=2" {
		t.Errorf("a path of the site: %q", r.Header.Get("Location"))
	}
}
