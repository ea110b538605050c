package site_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/idcheck"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// coopRoute is a route that names a cooperative, or a record of one
// (a product, a dividend, a member household), in its path.
type coopRoute struct {
	method, path string // {coop}, {product}, {dividend}, {household} are filled in
	body         any
	// visible: for an approved cooperative, whose existence is public, the
	// route may answer otherwise than for one that does not exist (its
	// public page and shipping terms; a refusal to act on it).
	visible bool
}

var coopRoutes = []coopRoute{
	// The cooperative itself and its lifecycle.
	{"GET", "/api/v1/cooperatives/{coop}", nil, true},
	{"POST", "/api/v1/cooperatives/{coop}/recommend", nil, true},
	{"POST", "/api/v1/cooperatives/{coop}/approve", nil, true},
	{"POST", "/api/v1/cooperatives/{coop}/reject", map[string]string{"reason": "资料不全"}, true},
	{"POST", "/api/v1/cooperatives/{coop}/suspend", nil, true},
	{"GET", "/api/v1/cooperatives/{coop}/events", nil, false},
	{"GET", "/api/v1/cooperatives/{coop}/members", nil, false},
	{"PUT", "/api/v1/cooperatives/{coop}/members", map[string]any{"household_ids": []string{}}, true},
	{"PUT", "/api/v1/cooperatives/{coop}/names", map[string]string{"name_en": "x"}, true},
	{"GET", "/api/v1/cooperatives/{coop}/shipping", nil, true},
	{"PUT", "/api/v1/cooperatives/{coop}/shipping", map[string]any{"flat_fen": 0}, true},
	// Its books: payouts, wages, dividends, shares.
	{"GET", "/api/v1/cooperatives/{coop}/payouts", nil, false},
	{"POST", "/api/v1/cooperatives/{coop}/payouts", map[string]any{"household_id": "{household}", "amount_fen": 1,
		"paid_on": "2024-01-01", "method": "cash"}, false},
	{"POST", "/api/v1/cooperatives/{coop}/payouts/import", nil, false},
	{"GET", "/api/v1/cooperatives/{coop}/wages", nil, false},
	{"POST", "/api/v1/cooperatives/{coop}/wages", map[string]any{}, false},
	{"POST", "/api/v1/cooperatives/{coop}/wages/import", nil, false},
	{"GET", "/api/v1/cooperatives/{coop}/dividends", nil, false},
	{"POST", "/api/v1/cooperatives/{coop}/dividends", map[string]any{"year": 2024, "total_fen": 100, "basis": "shares"}, false},
	{"GET", "/api/v1/cooperatives/{coop}/dividends/{dividend}", nil, false},
	{"POST", "/api/v1/cooperatives/{coop}/dividends/{dividend}/confirm", nil, false},
	{"POST", "/api/v1/cooperatives/{coop}/dividends/{dividend}/discard", nil, false},
	{"GET", "/api/v1/cooperatives/{coop}/shares", nil, false},
	{"GET", "/api/v1/cooperatives/{coop}/members/{household}/shares", nil, false},
	{"PUT", "/api/v1/cooperatives/{coop}/members/{household}/shares", map[string]any{"shares": 1, "assets_fen": 0}, false},
	// Its products and lots (the editor).
	{"GET", "/api/v1/products/{product}", nil, true},
	{"PATCH", "/api/v1/products/{product}", map[string]any{"title": "x"}, true},
	{"GET", "/api/v1/products/{product}/lots", nil, false},
	{"POST", "/api/v1/products/{product}/lots", map[string]any{}, true},
	// The pages: the review queue's steps and the cooperative portal.
	{"POST", "/office/cooperatives/{coop}/recommend", url.Values{}, true},
	{"POST", "/admin/cooperatives/{coop}/approve", url.Values{}, true},
	{"GET", "/coop/products/{product}", nil, false},
	{"GET", "/coop/products/{product}/lots/new", nil, false},
	{"POST", "/coop/products/{product}", url.Values{"title": {"x"}}, true},
	{"GET", "/coop/dividends/{dividend}", nil, false},
	{"POST", "/coop/dividends/{dividend}/confirm", url.Values{}, false},
}

// pageNoise is what differs between two renderings of one page: the CSP
// nonce and the request id an error page shows.
var pageNoise = regexp.MustCompile(`nonce="[^"]*"|nonce-[A-Za-z0-9+/=_-]+|<code>[^<]*</code>`)

// TestCooperativesStrangersMayNotSeeDoNotExist: to an actor who may not see a
// cooperative (or its books, members and history), every route answers as
// it answers for a cooperative that does not exist, status and body alike,
// whatever the cooperative's status; an approved cooperative, whose
// existence is public, keeps its public page and shipping terms. The office
// whose jurisdiction holds the cooperatives keeps its access.
func TestCooperativesStrangersMayNotSeeDoNotExist(t *testing.T) {
	r := newRptWorld(t)
	ctx := context.Background()
	type subject struct{ coop, product, dividend, household int64 }
	subjects := map[string]subject{}
	statuses := []string{"applied", "recommended", "rejected", "suspended", "approved"}
	// Ids no page holds otherwise, so that an answer's echo of the id asked
	// for can be told from the rest of it.
	for table, from := range map[string]int{"cooperatives": 7100000, "products": 7200000, "dividends": 7300000} {
		if _, err := r.s.DB.Pool.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, 'id'), $2)`, table, from); err != nil {
			t.Fatal(err)
		}
	}
	for i, st := range statuses {
		code, err := idcheck.CompleteCreditCode(fmt.Sprintf("93653224MA7EX%04d", i))
		if err != nil {
			t.Fatal(err)
		}
		var sub subject
		sub.coop = ordertest.Exec(t, r.s.DB, `INSERT INTO cooperatives (name, credit_code, county_code, status)
			VALUES ($1, $2, '653224', $3) RETURNING id`, "合作社"+st, code, st)
		sub.product = ordertest.Exec(t, r.s.DB, `INSERT INTO products (cooperative_id, county_code, title, category, base_unit, status, min_price_fen)
			VALUES ($1, '653224', '红枣', 'dried_fruit', 'kg', 'active', 100) RETURNING id`, sub.coop)
		sub.dividend = ordertest.Exec(t, r.s.DB, `INSERT INTO dividends (cooperative_id, year, total_fen, basis)
			VALUES ($1, 2024, 100, 'shares') RETURNING id`, sub.coop)
		sub.household = r.w.Households[1]
		ordertest.Exec(t, r.s.DB, `INSERT INTO cooperative_members (cooperative_id, household_id) VALUES ($1, $2)
			RETURNING household_id`, sub.coop, sub.household)
		subjects[st] = sub
	}
	missing := subject{coop: 7900001, product: 7900002, dividend: 7900003, household: r.w.Households[1]}

	fill := func(s string, sub subject) string {
		return strings.NewReplacer("{coop}", fmt.Sprint(sub.coop), "{product}", fmt.Sprint(sub.product),
			"{dividend}", fmt.Sprint(sub.dividend), "{household}", fmt.Sprint(sub.household)).Replace(s)
	}
	answer := func(c *webtest.Client, rt coopRoute, sub subject) (int, string) {
		t.Helper()
		body := rt.body
		if m, ok := body.(map[string]any); ok {
			filled := map[string]any{}
			for k, v := range m {
				if s, ok := v.(string); ok {
					v = fill(s, sub)
				}
				filled[k] = v
			}
			body = filled
		}
		res := c.Do(rt.method, fill(rt.path, sub), body)
		// The answer may repeat the ids asked for (a message, the page's
		// links), as it does for two cooperatives that do not exist.
		text := strings.NewReplacer(fmt.Sprint(sub.coop), "{coop}", fmt.Sprint(sub.product), "{product}",
			fmt.Sprint(sub.dividend), "{dividend}").Replace(string(res.Body))
		return res.Status, pageNoise.ReplaceAllString(text, "")
	}

	strangers := []struct {
		name string
		c    *webtest.Client
	}{
		{"another cooperative's admin", r.coop},
		{"another county's office", r.shache},
		{"a buyer", r.buyer},
		{"a visitor", r.anon},
	}
	for _, rt := range coopRoutes {
		for _, who := range strangers {
			wantStatus, wantBody := answer(who.c, rt, missing)
			for _, st := range statuses {
				if st == "approved" && rt.visible {
					continue
				}
				status, body := answer(who.c, rt, subjects[st])
				if status != wantStatus || body != wantBody {
					t.Errorf("%s %s, %s, %s cooperative: %d, where none exists: %d; the answers differ at\n%s\n%s",
						rt.method, rt.path, who.name, st, status, wantStatus, around(body, wantBody), around(wantBody, body))
				}
			}
		}
	}

	t.Run("the governing office keeps its access", func(t *testing.T) {
		for _, st := range statuses {
			sub := subjects[st]
			for _, path := range []string{"/payouts", "/wages", "/dividends", "/shares", "/members", "/events",
				fmt.Sprintf("/dividends/%d", sub.dividend), fmt.Sprintf("/members/%d/shares", sub.household), ""} {
				if res := r.hotan.Do("GET", fmt.Sprintf("/api/v1/cooperatives/%d%s", sub.coop, path), nil); res.Status != 200 {
					t.Errorf("和田地区 office, %s cooperative, GET %s: %d %s", st, path, res.Status, res.Body)
				}
			}
		}
	})
	t.Run("the public sees an approved cooperative", func(t *testing.T) {
		sub := subjects["approved"]
		for _, path := range []string{"/api/v1/cooperatives/%d", "/api/v1/cooperatives/%d/shipping"} {
			if res := r.anon.Do("GET", fmt.Sprintf(path, sub.coop), nil); res.Status != 200 {
				t.Errorf("visitor, GET %s: %d %s", path, res.Status, res.Body)
			}
		}
	})
}

// around is a's text around its first difference from b.
func around(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from, to := max(i-80, 0), min(i+80, len(a))
	return a[from:to]
}
