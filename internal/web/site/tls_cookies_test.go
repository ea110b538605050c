package site_test

import (
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/config"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// TestCookiesAreSecureWhenTheSiteIsServedOverTLS: behind a TLS proxy that
// does not set X-Forwarded-Proto, marketd sees plain http; the site's public
// address (MARKET_BASE_URL) still says https, so the session, CSRF and cart
// cookies carry Secure and the answer carries HSTS. On an http site they do
// not (a browser would drop a Secure cookie sent over http).
func TestCookiesAreSecureWhenTheSiteIsServedOverTLS(t *testing.T) {
	for _, tc := range []struct {
		name, base string
		secure     bool
	}{
		{"https site behind a proxy", "https://market.example.cn", true},
		{"http site", "http://localhost:8080", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := webtest.Start(t, func(c *config.Config) { c.BaseURL = tc.base })
			ordertest.Seed(t, s.DB, order.Config{})
			login := s.Client().Do("GET", "/login", nil)
			apiLogin := s.Client().Do("POST", "/api/v1/auth/login", map[string]string{"email": "buyer@example.com", "password": ordertest.Password})
			if apiLogin.Status != 200 {
				t.Fatalf("login: %d %s", apiLogin.Status, apiLogin.Body)
			}
			cookies := append(login.Header.Values("Set-Cookie"), apiLogin.Header.Values("Set-Cookie")...)
			if len(cookies) < 2 {
				t.Fatalf("expected a CSRF and a session cookie, got %q", cookies)
			}
			for _, ck := range cookies {
				if got := strings.Contains(strings.ToLower(ck), "; secure"); got != tc.secure {
					t.Errorf("cookie %q: Secure = %v, want %v", ck, got, tc.secure)
				}
			}
			if got := login.Header.Get("Strict-Transport-Security") != ""; got != tc.secure {
				t.Errorf("HSTS sent = %v, want %v", got, tc.secure)
			}
		})
	}
}
