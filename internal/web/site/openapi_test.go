package site_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/web"
	"github.com/fupinmarket/market/internal/web/api"
	"github.com/fupinmarket/market/internal/web/site"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// TestOpenAPIDocumentsEveryRoute: every route of the JSON API and the
// webhook is in the OpenAPI document, and every operation says who may
// call it (security: [] for anyone, [{}] among the schemes where signing
// in is optional).
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	srv, err := web.New(web.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	if err := site.Mount(srv); err != nil {
		t.Fatal(err)
	}
	raw, err := api.Document()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	param := regexp.MustCompile(`:([a-z_]+)`)
	seen := map[string]bool{}
	for _, r := range srv.App().GetRoutes(true) {
		if !strings.HasPrefix(r.Path, "/api/") && !strings.HasPrefix(r.Path, "/webhooks/") || r.Method == "HEAD" {
			continue
		}
		path := strings.TrimSuffix(param.ReplaceAllString(r.Path, "{$1}"), "/")
		key := r.Method + " " + path
		if seen[key] {
			continue
		}
		seen[key] = true
		op, ok := findOperation(doc.Paths, path, strings.ToLower(r.Method))
		if !ok {
			t.Errorf("%s is not documented", key)
			continue
		}
		var fields map[string]json.RawMessage
		json.Unmarshal(op, &fields)
		if _, ok := fields["security"]; !ok {
			t.Errorf("%s does not say who may call it (security)", key)
		}
	}
	for _, want := range []string{"GET /api/v1/cart", "PUT /api/v1/cart/items/{variant}", "POST /api/v1/buyer-orgs/{id}/invitations",
		"GET /api/v1/invitations", "POST /api/v1/auth/logout-everywhere"} {
		if !seen[want] {
			t.Errorf("no route %s", want)
		}
	}
}

// findOperation finds method of path in the document, whatever the names of
// its parameters.
func findOperation(paths map[string]map[string]json.RawMessage, path, method string) (json.RawMessage, bool) {
	norm := regexp.MustCompile(`\{[^}]+\}`)
	for p, ops := range paths {
		if norm.ReplaceAllString(p, "{}") == norm.ReplaceAllString(path, "{}") {
			op, ok := ops[method]
			return op, ok
		}
	}
	return nil, false
}

// TestCartOverHTTP: the cart endpoints answer as documented, for a visitor
// and a signed-in buyer.
func TestCartOverHTTP(t *testing.T) {
	s := webtest.Start(t)
	w := ordertest.Seed(t, s.DB, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1)
	visitor := s.Client()
	if r := visitor.Do("GET", "/api/v1/cart", nil); r.Status != 200 || !strings.Contains(string(r.Body), `"count":0`) {
		t.Fatalf("empty cart: %d %s", r.Status, r.Body)
	}
	buyer, _ := s.Login("buyer@example.com", ordertest.Password)
	item := fmt.Sprintf("/api/v1/cart/items/%d", w.VariantID)
	if r := buyer.Do("PUT", item, map[string]any{"quantity": 3}); r.Status != 200 || !strings.Contains(string(r.Body), `"count":3`) {
		t.Fatalf("set: %d %s", r.Status, r.Body)
	}
	if r := buyer.Do("PUT", item, map[string]any{"quantity": 1000}); r.Status != 422 {
		t.Errorf("too many: %d %s", r.Status, r.Body)
	}
	if r := buyer.Do("PUT", "/api/v1/cart/items/987654", map[string]any{"quantity": 1}); r.Status != 422 {
		t.Errorf("unknown variant: %d %s", r.Status, r.Body)
	}
	if r := buyer.Do("GET", "/api/v1/cart", nil); r.Status != 200 || !strings.Contains(string(r.Body), `"count":3`) {
		t.Fatalf("cart: %d %s", r.Status, r.Body)
	}
}
