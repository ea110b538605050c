package site_test

import (
	"testing"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// TestNoCrossSiteLoginThroughTheAPI: another site's page cannot sign a
// visitor's browser in (to the attacker's account, whose orders would then
// hold the visitor's address and phone). The login form has its
// double-submit token for that; the API's login and registration set the
// same session cookie, and a cross-site HTML form can post them a JSON
// body as text/plain (or as a form) without any preflight. Only a JSON
// body, which a browser sends cross-site only after a CORS preflight this
// server never grants, may sign in.
func TestNoCrossSiteLoginThroughTheAPI(t *testing.T) {
	s := webtest.Start(t)
	s.CreateUser("attacker@example.com", pw, auth.Grant{Role: auth.RoleBuyer})
	for _, ctype := range []string{"text/plain", "application/x-www-form-urlencoded"} {
		for path, body := range map[string]string{
			"/api/v1/auth/login":    `{"email": "attacker@example.com", "password": "` + pw + `", "x": "="}`,
			"/api/v1/auth/register": `{"email": "planted-` + ctype + `@example.com", "name": "x", "password": "` + pw + `", "x": "="}`,
		} {
			t.Run(path+" as "+ctype, func(t *testing.T) {
				c := s.Client()
				c.Header.Set("Content-Type", ctype)
				r := c.Do("POST", path, []byte(body))
				if r.Status < 400 || r.Status >= 500 {
					t.Fatalf("a %q body signed in: %d %s", ctype, r.Status, r.Body)
				}
				if cookie := sessionCookie(t, c, s); cookie != "" {
					t.Fatalf("a %q body set a session cookie", ctype)
				}
				if r := c.Do("GET", "/api/v1/me", nil); r.Status != 401 {
					t.Fatalf("the browser is signed in: /me %d", r.Status)
				}
			})
		}
	}
	t.Run("JSON still signs in", func(t *testing.T) {
		c := s.Client()
		c.Header.Set("Content-Type", "application/json; charset=utf-8")
		if r := c.Do("POST", "/api/v1/auth/login", map[string]string{"email": "attacker@example.com", "password": pw}); r.Status != 200 {
			t.Fatalf("JSON login: %d %s", r.Status, r.Body)
		}
	})
}
