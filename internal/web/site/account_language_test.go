package site_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// langOf is the language kept for the account with email ("" for none).
func langOf(t *testing.T, s *webtest.Server, email string) string {
	t.Helper()
	var lang string
	const q = `SELECT coalesce(lang, '') FROM users WHERE email = $1`
	if err := s.DB.Pool.QueryRow(context.Background(), q, email).Scan(&lang); err != nil {
		t.Fatalf("account %s: %v", email, err)
	}
	return lang
}

// An account keeps the language it was made in and the one it last
// switched to, for what is mailed to it; a client that names no language
// leaves it unknown (mail then carries all three).
func TestAccountsKeepTheirLanguageForMail(t *testing.T) {
	s := webtest.Start(t)

	t.Run("registered on a Uyghur page", func(t *testing.T) {
		c := s.Client()
		c.Do("GET", "/lang/ug?next=/register", nil)
		tok := webtest.CSRFField(c.Do("GET", "/register", nil).Body)
		r := c.Do("POST", "/register", url.Values{"_csrf": {tok}, "name": {"ئابدۇللا"}, "email": {"page-ug@example.com"}, "password": {ordertest.Password}})
		if r.Status != 303 {
			t.Fatalf("register: %d %s", r.Status, r.Body)
		}
		if got := langOf(t, s, "page-ug@example.com"); got != "ug" {
			t.Errorf("language %q, want ug", got)
		}
		c.Do("GET", "/lang/en?next=/", nil)
		if got := langOf(t, s, "page-ug@example.com"); got != "en" {
			t.Errorf("after switching to English: %q, want en", got)
		}
	})
	for _, tc := range []struct{ name, accept, want string }{
		{"through the API in English", "en-US,en;q=0.9", "en"},
		{"through the API naming no language", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := s.Client()
			if tc.accept != "" {
				c.Header.Set("Accept-Language", tc.accept)
			}
			email := "api-" + tc.want + "x@example.com"
			r := c.Do("POST", "/api/v1/auth/register", map[string]string{"email": email, "name": "新用户", "password": ordertest.Password})
			if r.Status != 201 {
				t.Fatalf("register: %d %s", r.Status, r.Body)
			}
			if got := langOf(t, s, email); got != tc.want {
				t.Errorf("language %q, want %q", got, tc.want)
			}
		})
	}
}
