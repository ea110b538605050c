package site_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/web/webtest"
)

// A lot from a single household reads "1 registered household" on the
// English trace and product pages, not "1 registered households".
func TestEnglishPagesSayOneRegisteredHousehold(t *testing.T) {
	s := webtest.Start(t)
	sh := openShop(t, s)
	p := sh.create(t, sh.admin, jujubeBody())
	r := sh.admin.Do("POST", "/api/v1/products/"+p.ID+"/lots", map[string]any{
		"received_on": "2020-10-20", "quantity": 50, "income_rule": map[string]any{"kind": "per_unit", "fen_per_unit": 1500},
		"contributions": []map[string]any{{"household_id": fmt.Sprint(sh.h1), "quantity": 50}}})
	if r.Status != 201 {
		t.Fatalf("create lot: %d %s", r.Status, r.Body)
	}
	var lot map[string]any
	r.JSON(t, &lot)
	en := s.Client()
	en.Header.Set("Accept-Language", "en")
	for path, wants := range map[string][]string{
		"/trace/" + lot["trace_code"].(string): {"1 registered household<"},
		"/products/" + p.ID:                    {"reaches 1 registered household.", "from 1 registered household."},
	} {
		page := en.Do("GET", path, nil)
		if page.Status != 200 {
			t.Fatalf("%s: %d", path, page.Status)
		}
		html := string(page.Body)
		if !strings.Contains(html, `lang="en"`) {
			t.Fatalf("%s is not in English", path)
		}
		for _, want := range wants {
			if !strings.Contains(html, want) {
				t.Errorf("%s lacks %q", path, want)
			}
		}
		if strings.Contains(html, "1 registered households") {
			t.Errorf("%s says %q", path, "1 registered households")
		}
	}
}
