package site_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// checkedVariant is the variant radio the product page checks, "" for none.
var checkedVariant = regexp.MustCompile(`name="variant_id" value="(\d+)" checked`)

// A product page offers first a variant that can be bought: when the first
// variant is sold out (its box is larger than what the lots hold) and
// another is not, the page checks the other and says it is in stock,
// instead of "out of stock" with nothing checked.
func TestProductPageOffersAVariantInStock(t *testing.T) {
	s := webtest.Start(t)
	w := ordertest.Seed(t, s.DB, order.Config{})
	w.Lot(t, "2", "2026-10-01", "per_unit", 500, 1, 1, 1) // under one 2.5 kg box
	small := ordertest.Exec(t, s.DB, `INSERT INTO product_variants (product_id, sku, name, price_fen, base_qty)
		VALUES ($1, 'BAG-1', '1公斤袋', 1800, 1) RETURNING id`, w.ProductID)
	page := s.Client().Do("GET", fmt.Sprintf("/products/%d", w.ProductID), nil)
	if page.Status != 200 {
		t.Fatalf("product page: %d", page.Status)
	}
	m := checkedVariant.FindSubmatch(page.Body)
	if m == nil || string(m[1]) != fmt.Sprint(small) {
		t.Errorf("checked variant %q, want the 1 kg bag %d in stock", m, small)
	}
}
