package site_test

import (
	"net/url"
	"regexp"
	"testing"

	"github.com/fupinmarket/market/internal/web/webtest"
)

// TestProductEditorShowsAVariantsErrorUnderItsRow: in the product editor, a
// cooperative admin clears the first variant's row (to take it off sale)
// and gets the second one wrong; the error shows under the second row, not
// the first, whether the editor found it reading the form (a price or a
// quantity it cannot read) or the catalog did (a missing SKU).
func TestProductEditorShowsAVariantsErrorUnderItsRow(t *testing.T) {
	sh := openShop(t, webtest.Start(t))
	sh.admin.Header.Set("Accept-Language", "zh-CN")
	for _, tc := range []struct {
		name  string
		input string // the input's id without the row: price, bq, sku
		row1  map[string]string
	}{
		{name: "price in a form the editor cannot read", input: "price",
			row1: map[string]string{"sku": "JZ-2.5KG", "price": "88,00", "base_qty": "2.5"}},
		{name: "base quantity in a form the editor cannot read", input: "bq",
			row1: map[string]string{"sku": "JZ-2.5KG", "price": "88.00", "base_qty": "2,5"}},
		{name: "SKU missing, which the catalog refuses", input: "sku",
			row1: map[string]string{"sku": "", "price": "88.00", "base_qty": "2.5"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := sh.create(t, sh.admin, jujubeBody())
			form := url.Values{"title": {"和田红枣"}, "category": {"dried_fruit"}, "base_unit": {"kg"}, "status": {"active"},
				"variant_id":   {p.Variants[0].ID, p.Variants[1].ID, "", ""},
				"sku":          {"", tc.row1["sku"], "", ""},
				"variant_name": {"", "2.5 千克礼盒", "", ""},
				"price":        {"", tc.row1["price"], "", ""},
				"base_qty":     {"", tc.row1["base_qty"], "", ""}}
			r := sh.admin.Do("POST", "/coop/products/"+p.ID, form)
			if r.Status != 422 {
				t.Fatalf("status %d", r.Status)
			}
			re := regexp.MustCompile(`id="` + tc.input + `(\d)"[^>]*>\s*(<p class="field-error">[^<]*</p>)?`)
			shown := map[string]string{}
			for _, m := range re.FindAllStringSubmatch(string(r.Body), -1) {
				shown[m[1]] = m[2]
			}
			if len(shown) != 4 {
				t.Fatalf("the editor shows %d rows of %s inputs, want 4: %q", len(shown), tc.input, shown)
			}
			if shown["0"] != "" {
				t.Errorf("row 1's error shows under row 0, which the admin cleared: %q", shown["0"])
			}
			if shown["1"] == "" {
				t.Errorf("row 1, which the admin got wrong, shows no error; errors shown: %q", shownErrors(r.Body))
			}
		})
	}
}
