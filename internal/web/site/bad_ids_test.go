package site_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// TestOutOfRangeNumbersAreNotServerErrors: numbers in paths, queries and
// bodies beyond what the database's columns hold are the client's mistake
// (4xx naming the field) or, where the page has a sensible reading, that
// reading; never a 500.
func TestOutOfRangeNumbersAreNotServerErrors(t *testing.T) {
	s := webtest.Start(t)
	s.CreateUser("root@example.com", "admin-password-1", auth.Grant{Role: auth.RolePlatformAdmin})
	admin, _ := s.Login("root@example.com", "admin-password-1")
	visitor := s.Client()
	for _, year := range []string{"3000000000", "99999999999", "1999", "2101"} {
		for _, q := range []string{"", "?effective=1"} {
			path := "/api/v1/poverty-lines/650000/" + year + q
			if r := visitor.Do("GET", path, nil); r.Status != 400 || !strings.Contains(string(r.Body), `"year"`) {
				t.Errorf("GET %s: %d %s, want 400 naming the year", path, r.Status, r.Body)
			}
		}
	}
	r := admin.Do("PUT", "/api/v1/poverty-lines/650000/2025", map[string]any{"poverty_line_fen": int64(9223372036854775807),
		"monitoring_line_fen": int64(9223372036854775807)})
	if r.Status/100 != 4 || !strings.Contains(string(r.Body), "poverty_line_fen") {
		t.Errorf("a line of 2^63-1 fen: %d %s, want 4xx naming poverty_line_fen", r.Status, r.Body)
	}
	for _, before := range []string{"3000000000", "99999999999999999999", "-5", "abc"} {
		if r := visitor.Do("GET", "/ledger?before="+url.QueryEscape(before), nil); r.Status != 200 {
			t.Errorf("GET /ledger?before=%s: %d, want the latest seals", before, r.Status)
		}
	}
}

// TestUnknownOrganisationIsNotFound: a platform administrator naming an
// organisation that does not exist gets 404, on the API and on the portal's
// forms, instead of a write that fails on its foreign key.
func TestUnknownOrganisationIsNotFound(t *testing.T) {
	s := webtest.Start(t)
	s.CreateUser("root@example.com", "admin-password-1", auth.Grant{Role: auth.RolePlatformAdmin})
	admin, _ := s.Login("root@example.com", "admin-password-1")
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"PUT", "/api/v1/buyer-orgs/424242/targets/2026", map[string]any{"target_fen": 100000}},
		{"POST", "/api/v1/buyer-orgs/424242/invitations", map[string]any{"email": "someone@example.com"}},
		{"GET", "/api/v1/buyer-orgs/424242/progress?year=2026", nil},
	} {
		if r := admin.Do(c.method, c.path, c.body); r.Status != 404 {
			t.Errorf("%s %s: %d %s, want 404", c.method, c.path, r.Status, r.Body)
		}
	}
	page := s.LoginPage("root@example.com", "admin-password-1")
	home := page.Do("GET", "/org?org=424242", nil)
	if home.Status != 404 {
		t.Errorf("GET /org?org=424242: %d, want 404", home.Status)
	}
	token := webtest.CSRFField(page.Do("GET", "/", nil).Body)
	for _, path := range []string{"/org/target?org=424242", "/org/members?org=424242"} {
		r := page.Do("POST", path, url.Values{"_csrf": {token}, "year": {"2026"}, "target_yuan": {"1000"}, "email": {"someone@example.com"}})
		if r.Status != 404 {
			t.Errorf("POST %s: %d, want 404", path, r.Status)
		}
	}
}
