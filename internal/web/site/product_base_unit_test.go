package site_test

import (
	"net/url"
	"regexp"
	"testing"

	"github.com/fupinmarket/market/internal/web/webtest"
)

// TestBaseUnitFixedOnceLotsExist: lots are counted in the product's base
// unit; once a lot is recorded (100.5 kg from two households) the unit
// stays, or the lot, its contributions, trace page and income rule would
// silently read 100.5 g. A change is refused with 409 and a reason under
// base_unit, through the API and on the editor's page (next to the unit,
// not an error page); a product without lots still changes its unit, and
// one with lots its other fields.
func TestBaseUnitFixedOnceLotsExist(t *testing.T) {
	s := webtest.Start(t)
	sh := openShop(t, s)
	const reason = "cannot change once lots are recorded in it"
	unitOf := func(t *testing.T, id string) string {
		t.Helper()
		var p struct {
			BaseUnit string `json:"base_unit"`
		}
		sh.admin.Do("GET", "/api/v1/products/"+id, nil).JSON(t, &p)
		return p.BaseUnit
	}
	for _, tc := range []struct {
		name       string
		lots       bool
		patch      map[string]any
		wantStatus int
		wantFields map[string]string // for a refusal: field → reason, "" for any
		wantUnit   string
	}{
		{name: "lots, unit changed", lots: true, patch: map[string]any{"base_unit": "g"},
			wantStatus: 409, wantFields: map[string]string{"base_unit": reason}, wantUnit: "kg"},
		{name: "lots, unit changed and title cleared", lots: true, patch: map[string]any{"base_unit": "g", "title": ""},
			wantStatus: 422, wantFields: map[string]string{"base_unit": reason, "title": ""}, wantUnit: "kg"},
		{name: "lots, unit sent unchanged", lots: true, patch: map[string]any{"base_unit": "kg", "title": "和田红枣"},
			wantStatus: 200, wantUnit: "kg"},
		{name: "no lots, unit changed", patch: map[string]any{"base_unit": "g"},
			wantStatus: 200, wantUnit: "g"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := sh.create(t, sh.admin, jujubeBody())
			if tc.lots {
				sh.lot(t, p.ID)
			}
			r := sh.admin.Do("PATCH", "/api/v1/products/"+p.ID, tc.patch)
			if r.Status != tc.wantStatus {
				t.Fatalf("PATCH %v: %d %s, want %d", tc.patch, r.Status, r.Body, tc.wantStatus)
			}
			if tc.wantStatus >= 400 {
				fields := errorFields(t, r)
				for k, want := range tc.wantFields {
					if got, ok := fields[k]; !ok || want != "" && got != want {
						t.Errorf("field %s: %q, want %q (fields %v)", k, got, want, fields)
					}
				}
			}
			if got := unitOf(t, p.ID); got != tc.wantUnit {
				t.Errorf("base unit now %q, want %q", got, tc.wantUnit)
			}
		})
	}

	t.Run("editor page", func(t *testing.T) {
		p := sh.create(t, sh.admin, jujubeBody())
		sh.lot(t, p.ID)
		form := url.Values{"title": {"和田红枣"}, "category": {"dried_fruit"}, "base_unit": {"g"}, "status": {"active"},
			"variant_id":   {p.Variants[0].ID, p.Variants[1].ID},
			"sku":          {"JZ-1KG", "JZ-2.5KG"},
			"variant_name": {"1 千克袋装", "2.5 千克礼盒"},
			"price":        {"39.80", "88.00"},
			"base_qty":     {"1", "2.5"}}
		sh.admin.Header.Set("Accept-Language", "en")
		defer sh.admin.Header.Del("Accept-Language")
		r := sh.admin.Do("POST", "/coop/products/"+p.ID, form)
		if r.Status != 409 {
			t.Fatalf("editor changing the base unit of a product with lots: %d, want 409", r.Status)
		}
		m := regexp.MustCompile(`(?s)<select id="base_unit".*?</select>\s*<p class="field-error">([^<]*)</p>`).FindSubmatch(r.Body)
		if m == nil || string(m[1]) != reason {
			t.Errorf("no %q under the base unit; errors shown: %q", reason, shownErrors(r.Body))
		}
		if !regexp.MustCompile(`<option value="g" selected>`).Match(r.Body) {
			t.Errorf("the editor does not keep the unit as chosen, for the admin to see what was refused")
		}
		if got := unitOf(t, p.ID); got != "kg" {
			t.Errorf("base unit now %q, want kg", got)
		}
	})
}
