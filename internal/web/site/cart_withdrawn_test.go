package site_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"testing"

	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// TestCartItemNoLongerOnSale: an item whose product the cooperative
// withdrew (or whose variant it stopped selling) stays in the buyer's cart
// saying so. It must not count in the totals the cart and checkout show,
// and the cart page must let the buyer take it out: checkout refuses the
// whole cart while it is there, and the product's page is gone.
func TestCartItemNoLongerOnSale(t *testing.T) {
	for _, tc := range []struct {
		name, withdraw string
	}{
		{"product archived", `UPDATE products SET status = 'archived' WHERE id = $1`},
		{"variant no longer sold", `UPDATE product_variants SET active = false WHERE product_id = $1`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := webtest.Start(t)
			w := ordertest.Seed(t, s.DB, order.Config{})
			w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2)
			// A second product of the same cooperative stays on sale.
			other := ordertest.Exec(t, s.DB, `INSERT INTO products (cooperative_id, county_code, title, category, base_unit, status, min_price_fen)
				VALUES ($1, '653224', '和田玉枣', 'dried_fruit', 'kg', 'active', 2000) RETURNING id`, w.CoopID)
			otherVariant := ordertest.Exec(t, s.DB, `INSERT INTO product_variants (product_id, sku, name, price_fen, base_qty)
				VALUES ($1, 'BAG-1', '1公斤袋', 2000, 1) RETURNING id`, other)
			buyer := s.LoginPage("buyer@example.com", ordertest.Password)
			buyer.Header.Set("Accept-Language", "zh-CN")
			tok := webtest.CSRFField(buyer.Do("GET", "/cart", nil).Body)
			for _, v := range []int64{w.VariantID, otherVariant} {
				if r := buyer.Do("POST", "/cart/add", url.Values{"_csrf": {tok}, "variant_id": {fmt.Sprint(v)}, "quantity": {"1"}}); r.Status != 303 {
					t.Fatalf("add %d: %d %s", v, r.Status, r.Body)
				}
			}
			if _, err := s.DB.Pool.Exec(context.Background(), tc.withdraw, w.ProductID); err != nil {
				t.Fatal(err)
			}

			var cart struct {
				TotalFen int64 `json:"total_fen"`
				GrandFen int64 `json:"grand_total_fen"`
			}
			buyer.Do("GET", "/api/v1/cart", nil).JSON(t, &cart)
			// ¥20.00 of goods still on sale, ¥8.00 shipping (free from ¥100).
			if cart.TotalFen != 2000 || cart.GrandFen != 2800 {
				t.Errorf("cart totals %d and %d fen, want 2000 and 2800: the withdrawn ¥39.80 box counted", cart.TotalFen, cart.GrandFen)
			}
			checkout := buyer.Do("GET", "/checkout", nil)
			if !regexp.MustCompile(`class="grand"><dt>[^<]*</dt><dd class="price"><bdi>¥28\.00</bdi>`).Match(checkout.Body) {
				t.Errorf("the checkout page's total is not ¥28.00, the goods it lists and their shipping:\n%s", checkout.Body)
			}

			page := buyer.Do("GET", "/cart", nil)
			removeForm := regexp.MustCompile(`(?s)<form method="post" action="/cart/update"[^>]*>.{0,400}?name="variant_id" value="` +
				fmt.Sprint(w.VariantID) + `"`)
			if !removeForm.Match(page.Body) {
				t.Fatalf("the cart page offers no form to take out the item no longer on sale:\n%s", page.Body)
			}
			r := buyer.Do("POST", "/cart/update", url.Values{"_csrf": {webtest.CSRFField(page.Body)},
				"variant_id": {fmt.Sprint(w.VariantID)}, "quantity": {"0"}})
			if r.Status != 303 {
				t.Fatalf("take the item out: %d %s", r.Status, r.Body)
			}
			var items struct {
				Items []struct {
					VariantID string `json:"variant_id"`
				} `json:"items"`
			}
			buyer.Do("GET", "/api/v1/cart", nil).JSON(t, &items)
			if len(items.Items) != 1 || items.Items[0].VariantID != fmt.Sprint(otherVariant) {
				t.Errorf("cart after taking the item out: %+v, want only variant %d", items.Items, otherVariant)
			}
		})
	}
}
