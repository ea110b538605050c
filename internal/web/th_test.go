package web

import (
	"html/template"
	"testing"
)

// TH escapes the catalog's text and plain arguments, keeps marked-up ones
// (LTR) and formats numbers with their own verbs.
func TestTHEscapesAllButMarkup(t *testing.T) {
	p := Page{Lang: "en", catalog: map[string]string{
		"ship":  "Shipped with %s, tracking number %s",
		"n":     "%d parcels <for> %s",
		"n.one": "%d parcel <for> %s",
	}}
	tests := []struct {
		got  template.HTML
		want string
	}{
		{p.TH("ship", "<b>顺丰</b>", LTR("SF<1>")),
			`Shipped with &lt;b&gt;顺丰&lt;/b&gt;, tracking number <bdi dir="ltr" class="ltr-code">SF&lt;1&gt;</bdi>`},
		{p.TH("n", 1, "A&B"), `1 parcel &lt;for&gt; A&amp;B`},
		{p.TH("n", 2, "x"), `2 parcels &lt;for&gt; x`},
		{p.TH("n"), `%d parcels &lt;for&gt; %s`},
	}
	for _, tc := range tests {
		if string(tc.got) != tc.want {
			t.Errorf("got %s, want %s", tc.got, tc.want)
		}
	}
}
