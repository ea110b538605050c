package web

import "testing"

// A counted noun reads in the singular when its count is one: T takes the
// catalog's "<key>.one" when the message's count (its first whole-number
// argument) is 1, in every language that has the key.
func TestTUsesTheSingularWhenTheCountIsOne(t *testing.T) {
	page := Page{Lang: "en",
		catalog: map[string]string{
			"n":           "%d registered households",
			"n.one":       "%d registered household",
			"lot":         "Received on %s from %d registered households.",
			"lot.one":     "Received on %s from %d registered household.",
			"grouped":     "%s payouts",
			"grouped.one": "%s payout",
			"price":       "¥%s to %d households",
			"price.one":   "¥%s to %d household",
			"plain":       "%d households",
		},
		fallback: map[string]string{"zh": "%d 户", "zh.one": "%d 户"}}
	tests := []struct {
		key  string
		args []any
		want string
	}{
		{"n", []any{1}, "1 registered household"},
		{"n", []any{2}, "2 registered households"},
		{"n", []any{0}, "0 registered households"},
		{"n", []any{int64(1)}, "1 registered household"},
		{"n", []any{uint8(1)}, "1 registered household"},
		{"n", []any{-1}, "-1 registered households"},
		{"lot", []any{"2020-10-20", 1}, "Received on 2020-10-20 from 1 registered household."},
		{"lot", []any{"2020-10-20", 11}, "Received on 2020-10-20 from 11 registered households."},
		{"grouped", []any{"1"}, "1 payout"},
		{"grouped", []any{"1,001"}, "1,001 payouts"},
		{"price", []any{"1.00", 3}, "¥1.00 to 3 households"},
		{"price", []any{"7.20", 1}, "¥7.20 to 1 household"},
		{"plain", []any{1}, "1 households"}, // no ".one": the message as it is
		{"zh", []any{1}, "1 户"},
		{"n", nil, "%d registered households"}, // no argument, no count
	}
	for _, tc := range tests {
		if got := page.T(tc.key, tc.args...); got != tc.want {
			t.Errorf("T(%q, %v) = %q, want %q", tc.key, tc.args, got, tc.want)
		}
	}
	var n *int
	one := 1
	n = &one
	if got := page.T("n", n); got != "1 registered household" {
		t.Errorf("T(n, *int 1) = %q", got)
	}
}

// The real English catalog says "1 registered household".
func TestEnglishCatalogSingulars(t *testing.T) {
	r, err := NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	p := Page{Lang: "en"}
	r.localize(&p)
	for _, tc := range []struct {
		key  string
		args []any
		want string
	}{
		{"trace.households_n", []any{1}, "1 registered household"},
		{"trace.households_n", []any{2}, "2 registered households"},
		{"product.lot_line", []any{"2020-10-20", 1}, "Received on 2020-10-20 from 1 registered household."},
		{"count.households", []any{1}, "1 registered household"},
		{"count.villages", []any{1}, "1 village"},
		{"count.counties", []any{1}, "1 county"},
		{"count.villages", []any{3}, "3 villages"},
		{"ledger.stats", []any{"1", 42}, "1 seal covers the ledger up to entry 42."},
		{"ledger.unsealed", []any{"1"}, "1 newer entry waits for the next seal."},
		{"ledger.unsealed", []any{"12"}, "12 newer entries wait for the next seal."},
	} {
		if got := p.T(tc.key, tc.args...); got != tc.want {
			t.Errorf("T(%q, %v) = %q, want %q", tc.key, tc.args, got, tc.want)
		}
	}
}

// A message that counts several things inflects each noun by its own
// count: five households in one village, not "1 villages".
func TestEachCountedNounTakesItsOwnNumber(t *testing.T) {
	r, err := NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	p := Page{Lang: "en"}
	r.localize(&p)
	line := p.T("impact.line", "7.20", p.T("count.households", 5), p.T("count.villages", 1))
	if want := "This purchase put ¥7.20 into the income of 5 registered households in 1 village."; line != want {
		t.Errorf("impact line = %q, want %q", line, want)
	}
	line = p.T("impact.line", "7.20", p.T("count.households", 1), p.T("count.villages", 1))
	if want := "This purchase put ¥7.20 into the income of 1 registered household in 1 village."; line != want {
		t.Errorf("impact line = %q, want %q", line, want)
	}
	for _, tc := range []struct {
		key  string
		n    int
		want string
	}{
		{"receipt.households", 1, "registered household"},
		{"receipt.households", 5, "registered households"},
		{"receipt.villages", 1, "village"},
		{"receipt.counties", 2, "counties"},
	} {
		if got := p.Noun(tc.key, tc.n); got != tc.want {
			t.Errorf("Noun(%q, %d) = %q, want %q", tc.key, tc.n, got, tc.want)
		}
	}
	zh := Page{Lang: "zh-CN"}
	r.localize(&zh)
	line = zh.T("impact.line", "7.20", zh.T("count.households", 5), zh.T("count.villages", 1))
	if want := "这笔订单为 1 个村的 5 户建档立卡户带来了 ¥7.20 的收入。"; line != want {
		t.Errorf("zh impact line = %q, want %q", line, want)
	}
}
