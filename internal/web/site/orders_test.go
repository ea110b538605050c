package site_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/web/webtest"
)

type orderJSON struct {
	ID      string `json:"id"`
	Number  string `json:"number"`
	Status  string `json:"status"`
	Total   int64  `json:"total_fen"`
	Receipt string `json:"receipt_url"`
	Lines   []struct {
		ID string `json:"id"`
	} `json:"lines"`
	Payment struct {
		Provider     string `json:"provider"`
		Instructions *struct {
			Reference string `json:"reference"`
		} `json:"instructions"`
	} `json:"payment"`
}

func placeBody(variantID int64, qty int) map[string]any {
	return map[string]any{
		"items":            []map[string]any{{"variant_id": fmt.Sprint(variantID), "quantity": qty}},
		"shipping_address": ordertest.Addr,
		"payment_method":   "manual",
	}
}

func TestOrderFlowOverHTTP(t *testing.T) {
	s := webtest.Start(t)
	w := ordertest.Seed(t, s.DB, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	buyer, _ := s.Login("buyer@example.com", ordertest.Password)
	admin, _ := s.Login("admin@example.com", ordertest.Password)
	s.CreateUser("other@example.com", pw, auth.Grant{Role: auth.RoleBuyer})
	other, _ := s.Login("other@example.com", pw)

	buyer.Header.Set("Idempotency-Key", "checkout-1")
	r := buyer.Do("POST", "/api/v1/orders", placeBody(w.VariantID, 2))
	if r.Status != 201 {
		t.Fatalf("place: %d %s", r.Status, r.Body)
	}
	var o orderJSON
	r.JSON(t, &o)
	if o.Status != "pending_payment" || o.Payment.Instructions == nil || o.Payment.Instructions.Reference != o.Number {
		t.Fatalf("order %+v", o)
	}
	t.Run("an Idempotency-Key replay returns the first answer", func(t *testing.T) {
		again := buyer.Do("POST", "/api/v1/orders", placeBody(w.VariantID, 2))
		if again.Status != 201 || string(again.Body) != string(r.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay: %d %s", again.Status, again.Body)
		}
		var n int
		s.DB.Pool.QueryRow(t.Context(), `SELECT count(*) FROM orders`).Scan(&n)
		if n != 1 {
			t.Fatalf("%d orders after a replay", n)
		}
		if diff := buyer.Do("POST", "/api/v1/orders", placeBody(w.VariantID, 3)); diff.Status != 422 {
			t.Fatalf("same key, other body: %d", diff.Status)
		}
	})
	buyer.Header.Del("Idempotency-Key")

	t.Run("another buyer cannot see the order", func(t *testing.T) {
		if r := other.Do("GET", "/api/v1/orders/"+o.ID, nil); r.Status != 404 {
			t.Fatalf("%d", r.Status)
		}
	})
	t.Run("a buyer cannot confirm a payment", func(t *testing.T) {
		if r := buyer.Do("POST", "/api/v1/orders/"+o.ID+"/payments/confirm", map[string]string{"reference": "X"}); r.Status != 403 {
			t.Fatalf("%d", r.Status)
		}
	})
	confirmed := admin.Do("POST", "/api/v1/orders/"+o.ID+"/payments/confirm", map[string]string{"reference": "农行转账 20261128"})
	if confirmed.Status != 200 {
		t.Fatalf("confirm: %d %s", confirmed.Status, confirmed.Body)
	}
	t.Run("the confirmation answers with the paid order", func(t *testing.T) {
		var paid struct {
			Status string  `json:"status"`
			PaidAt *string `json:"paid_at"`
		}
		confirmed.JSON(t, &paid)
		if paid.Status != "paid" || paid.PaidAt == nil {
			t.Fatalf("answer: %s", confirmed.Body)
		}
		if later := buyer.Do("GET", "/api/v1/orders/"+o.ID, nil); string(later.Body) != string(confirmed.Body) {
			t.Fatalf("the answer differs from a later read:\n%s\n%s", confirmed.Body, later.Body)
		}
	})
	t.Run("impact receipt", func(t *testing.T) {
		var im struct {
			AmountFen  int64 `json:"amount_fen"`
			Households int   `json:"households"`
			Villages   int   `json:"villages"`
			Counties   []struct {
				Code, Name string
			} `json:"counties"`
		}
		buyer.Do("GET", "/api/v1/orders/"+o.ID+"/impact", nil).JSON(t, &im)
		if im.AmountFen != 5000 || im.Households != 3 || im.Villages != 1 || len(im.Counties) != 1 || im.Counties[0].Name != "洛浦县" {
			t.Fatalf("impact %+v", im)
		}
		public := s.Client().Do("GET", "/api/v1/receipts/"+strings.TrimPrefix(o.Receipt, "/receipts/"), nil)
		if public.Status != 200 || strings.Contains(string(public.Body), "阿") {
			t.Fatalf("public receipt: %d %s", public.Status, public.Body)
		}
		if r := other.Do("GET", "/api/v1/orders/"+o.ID+"/impact", nil); r.Status != 404 {
			t.Fatalf("another buyer's impact: %d", r.Status)
		}
	})
	t.Run("a buyer cannot refund", func(t *testing.T) {
		r := buyer.Do("POST", "/api/v1/orders/"+o.ID+"/refunds", map[string]any{"reason": "x",
			"lines": []map[string]any{{"line_id": o.Lines[0].ID, "quantity": 1, "amount_fen": 100}}})
		if r.Status != 403 {
			t.Fatalf("%d", r.Status)
		}
	})
	t.Run("admin refund appends entries", func(t *testing.T) {
		r := admin.Do("POST", "/api/v1/orders/"+o.ID+"/refunds", map[string]any{"reason": "少发一箱",
			"lines": []map[string]any{{"line_id": o.Lines[0].ID, "quantity": 1, "amount_fen": 3980}}})
		if r.Status != 201 || !strings.Contains(string(r.Body), `"partially_refunded"`) {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
	t.Run("list", func(t *testing.T) {
		var page struct {
			Items []orderJSON `json:"items"`
		}
		buyer.Do("GET", "/api/v1/orders", nil).JSON(t, &page)
		if len(page.Items) != 1 || page.Items[0].ID != o.ID {
			t.Fatalf("list %+v", page)
		}
	})
}

func TestShortStockOverHTTP(t *testing.T) {
	s := webtest.Start(t)
	w := ordertest.Seed(t, s.DB, order.Config{})
	w.Lot(t, "5", "2026-09-01", "per_unit", 1000, 1)
	buyer, _ := s.Login("buyer@example.com", ordertest.Password)
	r := buyer.Do("POST", "/api/v1/orders", placeBody(w.VariantID, 3))
	if r.Status != http.StatusConflict || !strings.Contains(string(r.Body), "only 2 available") {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if r := buyer.Do("POST", "/api/v1/orders", []byte(`{"items": [`)); r.Status != 400 {
		t.Fatalf("malformed: %d", r.Status)
	}
}

func TestShippingTermsSetByTheCooperative(t *testing.T) {
	s := webtest.Start(t)
	w := ordertest.Seed(t, s.DB, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1)
	s.CreateUser("coop@example.com", pw, auth.Grant{Role: auth.RoleCoopAdmin, CooperativeID: w.CoopID})
	coop, _ := s.Login("coop@example.com", pw)
	path := fmt.Sprintf("/api/v1/cooperatives/%d/shipping", w.CoopID)
	if r := coop.Do("PUT", path, map[string]any{"flat_fen": -5}); r.Status != 422 || !strings.Contains(string(r.Body), "flat_fen") {
		t.Fatalf("negative fee: %d %s", r.Status, r.Body)
	}
	if r := coop.Do("PUT", path, map[string]any{"flat_fen": 1200, "free_from_fen": 20000}); r.Status != 200 {
		t.Fatalf("set: %d %s", r.Status, r.Body)
	}
	buyer, _ := s.Login("buyer@example.com", ordertest.Password)
	if r := buyer.Do("PUT", path, map[string]any{"flat_fen": 0}); r.Status != 403 {
		t.Fatalf("a buyer setting the fee: %d", r.Status)
	}
	var small, big orderJSON
	buyer.Do("POST", "/api/v1/orders", placeBody(w.VariantID, 1)).JSON(t, &small)
	buyer.Do("POST", "/api/v1/orders", placeBody(w.VariantID, 6)).JSON(t, &big) // 6 × ¥39.80 ≥ ¥200
	if small.Total != 3980+1200 || big.Total != 6*3980 {
		t.Fatalf("totals %d and %d", small.Total, big.Total)
	}
	var terms struct {
		FlatFen int64 `json:"flat_fen"`
	}
	s.Client().Do("GET", path, nil).JSON(t, &terms)
	if terms.FlatFen != 1200 {
		t.Fatalf("terms %+v", terms)
	}
}
