package site_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// These sweeps send what a careless or hostile client sends. A client's
// mistake is never a 500: each finding of the first run (a year beyond
// int4, a seal number past int4, an organisation that does not exist) is
// mended and kept here.

// TestBadPathsAndQueriesAreNeverServerErrors: about a hundred GET routes,
// each with ten malformed or out-of-range values in its id or query, for
// each role: the client's mistake is a 4xx (or a sensible page), never a 500.
func TestBadPathsAndQueriesAreNeverServerErrors(t *testing.T) {
	s := webtest.Start(t)
	w := ordertest.Seed(t, s.DB, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	s.CreateUser("coop@coop.test", ordertest.Password, auth.Grant{Role: auth.RoleCoopAdmin, CooperativeID: w.CoopID})
	s.CreateUser("office@office.test", ordertest.Password, auth.Grant{Role: auth.RoleOffice, RegionCode: "653200"})
	clients := map[string]string{"buyer": "buyer@example.com", "admin": "admin@example.com", "coop": "coop@coop.test", "office": "office@office.test"}
	bad := []string{"abc", "-1", "0", "99999999999999999999", "3000000000", "1e9", "%E4%B8%AD", strings.Repeat("9", 400), "1.5", "%20"}
	paths := []string{
		"/regions/{}", "/categories/{}", "/products/{}", "/trace/{}", "/trace/{}/qr.png", "/media/{}", "/receipts/{}", "/receipts/{}.svg",
		"/search?q={}", "/search?limit={}", "/search?min_price={}", "/search?max_price={}", "/search?cursor={}", "/search?sort={}&q=x", "/search?cooperative={}",
		"/search?region={}", "/regions/653224?cursor={}", "/regions/653224?sort={}", "/impact?year={}", "/ledger?before={}", "/orders?cursor={}", "/orders/{}",
		"/checkout/pay/{}", "/coop/products/{}", "/coop/products/{}/lots/new", "/coop/orders/{}/ship", "/coop/sales?year={}", "/coop/dividends/{}",
		"/coop/shares/{}", "/coop/wages/{}/correct", "/coop/payouts?fen={}&saved=1&household=1", "/coop/orders?shipped={}",
		"/office?year={}", "/office/regions/{}", "/office/regions/653224?after={}", "/office/regions/653224?sort={}", "/office/listed?year={}",
		"/office/households?cursor={}", "/office/households?region={}", "/office/households?status={}", "/office/households?registry_no={}",
		"/office/households/{}", "/office/households/{}/income", "/office/households/{}/income?year=2026", "/office/cooperatives?status={}",
		"/office/cooperatives?cursor={}", "/office/villages/new?created={}", "/org?org={}", "/org?year={}", "/org/invoices.csv?org={}",
		"/admin/orders/{}", "/admin/payments", "/admin/cooperatives?status={}",
		"/api/v1/regions/{}", "/api/v1/products?limit={}", "/api/v1/products?cursor={}", "/api/v1/products/{}", "/api/v1/trace/{}",
		"/api/v1/cooperatives?limit={}", "/api/v1/cooperatives?cursor={}", "/api/v1/cooperatives?status={}", "/api/v1/cooperatives/{}",
		"/api/v1/cooperatives/{}/events", "/api/v1/cooperatives/{}/members", "/api/v1/cooperatives/{}/payouts", "/api/v1/cooperatives/{}/wages?limit=5",
		"/api/v1/cooperatives/1/wages?limit={}", "/api/v1/cooperatives/{}/dividends", "/api/v1/cooperatives/1/dividends/{}", "/api/v1/cooperatives/{}/shares",
		"/api/v1/cooperatives/1/members/{}/shares", "/api/v1/cooperatives/{}/shipping", "/api/v1/households?limit={}", "/api/v1/households?cursor={}",
		"/api/v1/households/{}", "/api/v1/households/{}/income", "/api/v1/attribution/summary?region={}", "/api/v1/attribution/summary?year={}",
		"/api/v1/attribution/export?region={}", "/api/v1/orders?cursor={}", "/api/v1/orders?limit={}", "/api/v1/orders/{}", "/api/v1/orders/{}/impact",
		"/api/v1/orders/{}/invoices", "/api/v1/orders/1/invoices/{}/pdf", "/api/v1/receipts/{}", "/api/v1/ledger/seals?cursor={}", "/api/v1/ledger/seals?limit={}",
		"/api/v1/ledger/seals/{}", "/api/v1/poverty-lines/650000/{}", "/api/v1/poverty-lines/{}/2020", "/api/v1/buyer-orgs/{}", "/api/v1/buyer-orgs/1/progress?year={}",
		"/api/v1/impact/public?year={}", "/api/v1/certifications?status={}",
	}
	for role, email := range clients {
		c, _ := s.Login(email, ordertest.Password)
		for _, p := range paths {
			for _, b := range bad {
				u := strings.ReplaceAll(p, "{}", b)
				req, _ := http.NewRequest("GET", s.URL+u, nil)
				if status, body := statusOf(t, c, req); status >= 500 {
					t.Errorf("%s GET %s -> %d %s", role, u, status, body)
				}
			}
		}
	}
}

// sweepWorld is a server with a cooperative of three member households, a
// lot, a paid order, and a co-op admin and an office user (the buyer and
// the platform admin are the fixture's).
func sweepWorld(t *testing.T) (*webtest.Server, *ordertest.World, order.Order) {
	t.Helper()
	s := webtest.Start(t)
	w := ordertest.Seed(t, s.DB, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	ctx := context.Background()
	s.DB.Pool.Exec(ctx, `INSERT INTO cooperative_members (cooperative_id, household_id) SELECT $1, unnest($2::bigint[])`, w.CoopID, w.Households)
	o, _ := w.Place(t, 2)
	if _, err := w.Svc.ConfirmManual(ctx, w.Admin, int64(o.ID), "REF-9"); err != nil {
		t.Fatal(err)
	}
	s.CreateUser("coop@coop.test", ordertest.Password, auth.Grant{Role: auth.RoleCoopAdmin, CooperativeID: w.CoopID})
	s.CreateUser("office@office.test", ordertest.Password, auth.Grant{Role: auth.RoleOffice, RegionCode: "653224"})
	return s, w, o
}

// statusOf sends req as c (its cookies and CSRF token) and returns the
// answer's status and the start of its body.
func statusOf(t *testing.T, c *webtest.Client, req *http.Request) (int, string) {
	t.Helper()
	req.Header.Set("X-CSRF-Token", c.CSRF)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	return resp.StatusCode, string(body)
}

// TestBadFormsAreNeverServerErrors: the pages' forms posted with huge,
// negative, empty or malformed values, for each role: never a 500.
func TestBadFormsAreNeverServerErrors(t *testing.T) {
	s, w, o := sweepWorld(t)
	huge := []string{"99999999999999999999", "9223372036854775807", "3000000000", "-5", "1e9", "abc", "", "0.0001", "92233720368547758.07", "9999999999999.99"}
	hh := fmt.Sprint(w.Households[0])
	forms := map[string][]struct {
		path   string
		fields map[string]string // {} replaced
	}{
		"coop@coop.test": {
			{"/coop/products", map[string]string{"title": "t", "category": "dried_fruit", "base_unit": "kg", "status": "draft", "variant_id": "", "sku": "A-1", "variant_name": "n", "price": "{}", "base_qty": "1"}},
			{"/coop/products", map[string]string{"title": "t", "category": "dried_fruit", "base_unit": "kg", "status": "draft", "variant_id": "", "sku": "A-1", "variant_name": "n", "price": "1", "base_qty": "{}"}},
			{"/coop/products", map[string]string{"title": "t", "category": "dried_fruit", "base_unit": "kg", "status": "draft", "variant_id": "{}", "sku": "A-1", "variant_name": "n", "price": "1", "base_qty": "1"}},
			{fmt.Sprintf("/coop/products/%d", w.ProductID), map[string]string{"title": "t", "category": "dried_fruit", "base_unit": "kg", "status": "active", "variant_id": "{}", "sku": "A-1", "variant_name": "n", "price": "1", "base_qty": "1"}},
			{fmt.Sprintf("/coop/products/%d/lots", w.ProductID), map[string]string{"received_on": "2026-01-01", "quantity": "{}", "kind": "per_unit", "fen_per_unit": "1"}},
			{fmt.Sprintf("/coop/products/%d/lots", w.ProductID), map[string]string{"received_on": "2026-01-01", "quantity": "10", "kind": "per_unit", "fen_per_unit": "{}", "q_" + hh: "10"}},
			{fmt.Sprintf("/coop/products/%d/lots", w.ProductID), map[string]string{"received_on": "2026-01-01", "quantity": "10", "kind": "revenue_share", "share_pct": "{}", "q_" + hh: "10"}},
			{fmt.Sprintf("/coop/products/%d/lots", w.ProductID), map[string]string{"received_on": "{}", "quantity": "10", "kind": "per_unit", "fen_per_unit": "1", "q_" + hh: "10"}},
			{fmt.Sprintf("/coop/products/%d/lots", w.ProductID), map[string]string{"received_on": "2026-01-01", "quantity": "10", "kind": "per_unit", "fen_per_unit": "1", "q_" + hh: "{}"}},
			{"/coop/shipping", map[string]string{"flat_yuan": "{}"}},
			{"/coop/shipping", map[string]string{"flat_yuan": "1", "free_from_yuan": "{}"}},
			{"/coop/payouts", map[string]string{"household_id": hh, "amount_yuan": "{}", "paid_on": "2026-01-01", "method": "cash"}},
			{"/coop/payouts", map[string]string{"household_id": hh, "amount_yuan": "1", "paid_on": "{}", "method": "cash"}},
			{"/coop/payouts", map[string]string{"household_id": "{}", "amount_yuan": "1", "paid_on": "2026-01-01", "method": "cash"}},
			{"/coop/wages", map[string]string{"household_id": hh, "amount_yuan": "{}", "paid_on": "2026-01-01", "work_from": "2026-01-01", "kind": "sorting"}},
			{"/coop/wages", map[string]string{"household_id": hh, "amount_yuan": "1", "paid_on": "2026-01-01", "work_from": "{}", "kind": "sorting"}},
			{"/coop/wages", map[string]string{"corrects": "{}", "amount_yuan": "1", "paid_on": "2026-01-01", "work_from": "2026-01-01", "kind": "sorting"}},
			{"/coop/dividends", map[string]string{"year": "{}", "total_yuan": "1", "basis": "shares"}},
			{"/coop/dividends", map[string]string{"year": "2026", "total_yuan": "{}", "basis": "shares"}},
			{"/coop/shares/" + hh, map[string]string{"shares": "{}", "assets_yuan": "1"}},
			{"/coop/shares/" + hh, map[string]string{"shares": "1", "assets_yuan": "{}"}},
			{"/coop/shares/{}", map[string]string{"shares": "1", "assets_yuan": "1"}},
			{"/coop/dividends/{}/confirm", map[string]string{}},
			{fmt.Sprintf("/coop/orders/%d/ship", o.ID), map[string]string{"carrier": "{}", "tracking_no": "{}"}},
			{"/coop/orders/{}/ship", map[string]string{"carrier": "顺丰", "tracking_no": "SF1"}},
		},
		"office@office.test": {
			{"/office/villages", map[string]string{"township_code": "{}", "name": "新村"}},
			{"/office/certifications", map[string]string{"product_id": "{}", "certificate_no": "X1", "valid_from": "2026-01-01", "valid_until": "2027-01-01"}},
			{"/office/certifications", map[string]string{"product_id": fmt.Sprint(w.ProductID), "certificate_no": "X1", "valid_from": "{}", "valid_until": "2027-01-01"}},
			{"/office/certifications/{}/confirm", map[string]string{}},
			{"/office/households/find", map[string]string{"head_id_number": "{}"}},
			{"/office/households/{}/reveal", map[string]string{}},
			{"/office/cooperatives/{}/recommend", map[string]string{}},
		},
		"admin@example.com": {
			{fmt.Sprintf("/admin/orders/%d/refund", o.ID), map[string]string{"line_id": "{}", "quantity": "1", "amount_yuan": "1", "reason": "r"}},
			{fmt.Sprintf("/admin/orders/%d/refund", o.ID), map[string]string{"line_id": "1", "quantity": "{}", "amount_yuan": "1", "reason": "r"}},
			{fmt.Sprintf("/admin/orders/%d/refund", o.ID), map[string]string{"line_id": "1", "quantity": "1", "amount_yuan": "{}", "reason": "r"}},
			{"/admin/orders/{}/confirm", map[string]string{"reference": "R"}},
			{"/org/target?org={}", map[string]string{"year": "2026", "target_yuan": "1"}},
			{"/org/target?org=1", map[string]string{"year": "{}", "target_yuan": "{}"}},
		},
		"buyer@example.com": {
			{"/cart/add", map[string]string{"variant_id": "{}", "quantity": "1"}},
			{"/cart/add", map[string]string{"variant_id": fmt.Sprint(w.VariantID), "quantity": "{}"}},
			{"/cart/update", map[string]string{"variant_id": fmt.Sprint(w.VariantID), "quantity": "{}"}},
			{fmt.Sprintf("/orders/%d/invoice", o.ID), map[string]string{"title": "{}", "taxpayer_id": "{}", "kind": "{}", "email": "{}"}},
			{"/orders/{}/cancel", map[string]string{}},
			{"/org/new", map[string]string{"name": "{}", "kind": "{}"}},
			{"/org/invitations/{}/accept", map[string]string{}},
		},
	}
	for email, list := range forms {
		c, _ := s.Login(email, ordertest.Password)
		for _, f := range list {
			for _, b := range huge {
				v := url.Values{}
				for k, x := range f.fields {
					v.Set(k, strings.ReplaceAll(x, "{}", b))
				}
				path := strings.ReplaceAll(f.path, "{}", url.PathEscape(b))
				if b == "" && strings.Contains(f.path, "{}") {
					continue
				}
				req, _ := http.NewRequest("POST", s.URL+path, strings.NewReader(v.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				if status, _ := statusOf(t, c, req); status >= 500 {
					t.Errorf("%s POST %s %v -> %d", email, path, v, status)
				}
			}
		}
	}
}

// TestBadJSONIsNeverServerErrors: the API's writes sent huge, negative or
// wrongly typed values, for each role: never a 500.
func TestBadJSONIsNeverServerErrors(t *testing.T) {
	s, w, o := sweepWorld(t)
	ctx := context.Background()
	hh := fmt.Sprint(w.Households[0])
	co := fmt.Sprint(w.CoopID)
	// The fixture's households hold placeholder personal data; a PATCH
	// reads the real thing, so it goes to one made through the API.
	var village string
	s.DB.Pool.QueryRow(ctx, `SELECT village_code FROM households WHERE id = $1`, w.Households[0]).Scan(&village)
	office, _ := s.Login("office@office.test", ordertest.Password)
	made := office.Do("POST", "/api/v1/households", map[string]any{"registry_no": "FZ-001", "village_code": village, "members": 2,
		"status": "poor", "baseline_income_fen": 300000, "baseline_year": 2019, "head_name": "王芳", "head_id_number": regIDNumber(t, 9)})
	var real struct {
		ID string `json:"id"`
	}
	if made.Status != 201 {
		t.Fatalf("create a household: %d %s", made.Status, made.Body)
	}
	made.JSON(t, &real)
	vals := []string{`9223372036854775807`, `-9223372036854775808`, `3000000000`, `-1`, `0`, `1e30`, `"x"`, `null`, `[]`, `{}`, `99999999999999999999`, `1.5`}
	type ep struct{ who, method, path, tmpl string }
	eps := []ep{
		{"buyer@example.com", "POST", "/api/v1/orders", `{"items":[{"variant_id":"` + fmt.Sprint(w.VariantID) + `","quantity":V}],"shipping_address":{"name":"李","phone":"13912345678","province":"北京","city":"北京","district":"海淀","detail":"x"},"payment_method":"manual"}`},
		{"buyer@example.com", "POST", "/api/v1/orders", `{"items":[{"variant_id":V,"quantity":1}],"shipping_address":{"name":"李","phone":"13912345678","province":"北京","city":"北京","district":"海淀","detail":"x"},"payment_method":"manual"}`},
		{"buyer@example.com", "PUT", "/api/v1/cart/items/" + fmt.Sprint(w.VariantID), `{"quantity":V}`},
		{"buyer@example.com", "POST", "/api/v1/buyer-orgs", `{"name":"x","kind":V}`},
		{"coop@coop.test", "POST", "/api/v1/cooperatives/" + co + "/payouts", `{"household_id":"` + hh + `","amount_fen":V,"paid_on":"2026-01-01","method":"cash"}`},
		{"coop@coop.test", "POST", "/api/v1/cooperatives/" + co + "/wages", `{"household_id":"` + hh + `","amount_fen":V,"paid_on":"2026-01-01","work_from":"2026-01-01","kind":"sorting"}`},
		{"coop@coop.test", "POST", "/api/v1/cooperatives/" + co + "/dividends", `{"year":V,"total_fen":100,"basis":"shares"}`},
		{"coop@coop.test", "POST", "/api/v1/cooperatives/" + co + "/dividends", `{"year":2026,"total_fen":V,"basis":"shares"}`},
		{"coop@coop.test", "PUT", "/api/v1/cooperatives/" + co + "/members/" + hh + "/shares", `{"shares":V,"assets_fen":1}`},
		{"coop@coop.test", "PUT", "/api/v1/cooperatives/" + co + "/shipping", `{"flat_fen":V}`},
		{"coop@coop.test", "PUT", "/api/v1/cooperatives/" + co + "/members", `{"household_ids":[V]}`},
		{"coop@coop.test", "POST", "/api/v1/products", `{"title":"t","category":"dried_fruit","base_unit":"kg","status":"draft","variants":[{"sku":"A","name":"n","price_fen":V,"base_qty":1}]}`},
		{"coop@coop.test", "POST", "/api/v1/products", `{"title":"t","category":"dried_fruit","base_unit":"kg","status":"draft","variants":[{"sku":"A","name":"n","price_fen":100,"base_qty":V}]}`},
		{"coop@coop.test", "PATCH", "/api/v1/products/" + fmt.Sprint(w.ProductID), `{"variants":[{"id":V,"sku":"A","name":"n","price_fen":100,"base_qty":1}]}`},
		{"coop@coop.test", "POST", "/api/v1/products/" + fmt.Sprint(w.ProductID) + "/lots", `{"received_on":"2026-01-01","quantity":V,"income_rule":{"kind":"per_unit","fen_per_unit":1},"contributions":[{"household_id":"` + hh + `","quantity":1}]}`},
		{"coop@coop.test", "POST", "/api/v1/products/" + fmt.Sprint(w.ProductID) + "/lots", `{"received_on":"2026-01-01","quantity":"10","income_rule":{"kind":"per_unit","fen_per_unit":V},"contributions":[{"household_id":"` + hh + `","quantity":"10"}]}`},
		{"coop@coop.test", "POST", "/api/v1/products/" + fmt.Sprint(w.ProductID) + "/lots", `{"received_on":"2026-01-01","quantity":"10","income_rule":{"kind":"revenue_share","bps":V},"contributions":[{"household_id":"` + hh + `","quantity":"10"}]}`},
		{"coop@coop.test", "POST", fmt.Sprintf("/api/v1/orders/%d/shipments", o.ID), `{"carrier":"顺丰","tracking_no":"SF1","line_ids":[V]}`},
		{"office@office.test", "POST", "/api/v1/households", `{"registry_no":"X1","village_code":"6532240","members":V,"status":"poor","baseline_income_fen":1,"baseline_year":2020,"head_name":"阿","head_id_number":"653224199001011234"}`},
		{"office@office.test", "POST", "/api/v1/households", `{"registry_no":"X1","village_code":"6532240","members":3,"status":"poor","baseline_income_fen":V,"baseline_year":V,"head_name":"阿","head_id_number":"653224199001011234"}`},
		{"office@office.test", "PATCH", "/api/v1/households/" + real.ID, `{"members":V}`},
		{"office@office.test", "PATCH", "/api/v1/households/" + real.ID, `{"baseline_year":V,"lifted_year":V}`},
		{"office@office.test", "POST", "/api/v1/households/search", `{"limit":V}`},
		{"admin@example.com", "PUT", "/api/v1/poverty-lines/650000/2025", `{"poverty_line_fen":V,"monitoring_line_fen":V}`},
		{"admin@example.com", "POST", fmt.Sprintf("/api/v1/orders/%d/refunds", o.ID), `{"reason":"r","lines":[{"line_id":"1","quantity":V,"amount_fen":V}]}`},
		{"admin@example.com", "POST", fmt.Sprintf("/api/v1/orders/%d/payments/confirm", o.ID), `{"reference":V}`},
	}
	for _, e := range eps {
		c, _ := s.Login(e.who, ordertest.Password)
		for _, v := range vals {
			body := strings.ReplaceAll(e.tmpl, "V", v)
			req, _ := http.NewRequest(e.method, s.URL+e.path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if status, answer := statusOf(t, c, req); status >= 500 {
				t.Errorf("%s %s %s -> %d %s", e.method, e.path, body, status, answer)
			}
		}
	}
}
