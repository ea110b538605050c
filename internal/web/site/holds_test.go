package site_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// placeResult places body and returns the status and the error's fields.
func placeResult(t *testing.T, c *webtest.Client, body map[string]any) (int, string, map[string]string) {
	t.Helper()
	r := c.Do("POST", "/api/v1/orders", body)
	var e struct {
		Error struct {
			Code   string            `json:"code"`
			Fields map[string]string `json:"fields"`
		} `json:"error"`
		ID string `json:"id"`
	}
	json.Unmarshal(r.Body, &e)
	if r.Status == 201 {
		return r.Status, e.ID, nil
	}
	return r.Status, e.Error.Code, e.Error.Fields
}

func linesOf(variant int64, quantities ...int) map[string]any {
	var items []map[string]any
	for _, q := range quantities {
		items = append(items, map[string]any{"variant_id": fmt.Sprint(variant), "quantity": q})
	}
	return map[string]any{"items": items, "shipping_address": ordertest.Addr, "payment_method": "manual"}
}

// TestOneBuyerCannotHoldTheStock: a buyer holds at most 50 units of a
// variant in unpaid orders (MARKET_MAX_UNITS_PER_VARIANT), counting
// repeated lines and the buyer's other unpaid orders, and at most 5 unpaid
// orders (MARKET_MAX_UNPAID_ORDERS); a refusal is a 409 naming the field.
func TestOneBuyerCannotHoldTheStock(t *testing.T) {
	s := webtest.Start(t)
	w := ordertest.Seed(t, s.DB, order.Config{})
	w.Lot(t, "10000", "2026-09-01", "per_unit", 1000, 1) // 4,000 boxes
	buyer, _ := s.Login("buyer@example.com", ordertest.Password)

	if status, code, f := placeResult(t, buyer, linesOf(w.VariantID, 30, 30)); status != 409 || code != "conflict" || f["items[0].quantity"] == "" {
		t.Fatalf("60 boxes on two lines: %d %s %v, want a 409 on items[0].quantity", status, code, f)
	}
	status, first, _ := placeResult(t, buyer, linesOf(w.VariantID, 30))
	if status != 201 {
		t.Fatalf("30 boxes: %d", status)
	}
	if status, _, f := placeResult(t, buyer, linesOf(w.VariantID, 21)); status != 409 || f["items[0].quantity"] == "" {
		t.Fatalf("21 more while 30 are unpaid: %d %v, want a 409", status, f)
	}
	if r := buyer.Do("POST", "/api/v1/orders/"+first+"/cancel", nil); r.Status != 200 {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	for i := range 5 {
		if status, _, f := placeResult(t, buyer, linesOf(w.VariantID, 10)); status != 201 {
			t.Fatalf("unpaid order %d of 10 boxes: %d %v", i+1, status, f)
		}
	}
	if status, _, f := placeResult(t, buyer, linesOf(w.VariantID, 1)); status != 409 || f["orders"] == "" {
		t.Fatalf("a sixth unpaid order: %d %v, want a 409 naming orders", status, f)
	}
	s.CreateUser("second@example.com", pw, auth.Grant{Role: auth.RoleBuyer})
	other, _ := s.Login("second@example.com", pw) // another buyer is not limited by the first's
	if status, _, f := placeResult(t, other, linesOf(w.VariantID, 50)); status != 201 {
		t.Fatalf("another account: %d %v", status, f)
	}
}
