package site_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// TestCheckoutPages walks the form flow without JavaScript: a visitor fills
// a cart, signs in (the cart follows), checks out by bank transfer, an
// admin confirms receipt and the order page shows the impact receipt.
func TestCheckoutPages(t *testing.T) {
	s := webtest.Start(t)
	w := ordertest.Seed(t, s.DB, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	c := s.Client()
	home := c.Do("GET", "/", nil)
	tok := webtest.CSRFField(home.Body)
	if tok == "" {
		tok = webtest.CSRFField(c.Do("GET", "/login", nil).Body)
	}
	r := c.Do("POST", "/cart/add", url.Values{"_csrf": {tok}, "variant_id": {fmt.Sprint(w.VariantID)}, "quantity": {"2"}})
	if r.Status != 303 {
		t.Fatalf("add to cart: %d %s", r.Status, r.Body)
	}
	if b := string(c.Do("GET", "/cart", nil).Body); !strings.Contains(b, "洛浦红枣") || !strings.Contains(b, "¥79.60") {
		t.Fatalf("cart page lacks the item")
	}
	// Sign in through the form: the visitor cart merges into the account.
	login := c.Do("GET", "/login", nil)
	r = c.Do("POST", "/login", url.Values{"_csrf": {webtest.CSRFField(login.Body)}, "email": {"buyer@example.com"}, "password": {ordertest.Password}, "next": {"/checkout"}})
	if r.Status != 303 || r.Header.Get("Location") != "/checkout" {
		t.Fatalf("login: %d %s", r.Status, r.Header.Get("Location"))
	}
	page := c.Do("GET", "/checkout", nil)
	if page.Status != 200 || !strings.Contains(string(page.Body), "洛浦红枣") {
		t.Fatalf("checkout page: %d", page.Status)
	}
	csrf := webtest.CSRFField(page.Body)
	t.Run("a bad phone number is reported next to the field, in Chinese", func(t *testing.T) {
		r := c.Do("POST", "/checkout", url.Values{"_csrf": {csrf}, "name": {"李明"}, "phone": {"123"}, "province": {"北京市"},
			"city": {"北京市"}, "district": {"海淀区"}, "detail": {"中关村大街1号"}, "payment_method": {"manual"}})
		if r.Status != 422 || !strings.Contains(string(r.Body), "请输入 11 位手机号码") {
			t.Fatalf("%d", r.Status)
		}
	})
	r = c.Do("POST", "/checkout", url.Values{"_csrf": {csrf}, "name": {"李明"}, "phone": {"13912345678"}, "province": {"北京市"},
		"city": {"北京市"}, "district": {"海淀区"}, "detail": {"中关村大街1号"}, "payment_method": {"manual"}})
	if r.Status != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/orders/") {
		t.Fatalf("checkout: %d %s", r.Status, r.Body)
	}
	orderURL := r.Header.Get("Location")
	if b := string(c.Do("GET", orderURL, nil).Body); !strings.Contains(b, "对公转账") || !strings.Contains(b, "¥79.60") {
		t.Fatalf("order page lacks the transfer instructions")
	}
	admin := s.LoginPage("admin@example.com", ordertest.Password)
	queue := admin.Do("GET", "/admin/payments", nil)
	id := strings.TrimPrefix(orderURL, "/orders/")
	if !strings.Contains(string(queue.Body), "/admin/orders/"+id) {
		t.Fatal("the transfer is not in the admin queue")
	}
	r = admin.Do("POST", "/admin/orders/"+id+"/confirm", url.Values{"_csrf": {webtest.CSRFField(queue.Body)}, "reference": {"农行 20261128-01"}})
	if r.Status != 303 {
		t.Fatalf("confirm: %d %s", r.Status, r.Body)
	}
	b := string(c.Do("GET", orderURL, nil).Body)
	if !strings.Contains(b, "这笔订单为 1 个村的 3 户建档立卡户带来了 ¥50.00 的收入") {
		t.Fatalf("order page lacks the impact receipt:\n%s", b)
	}
	receipt := regexp.MustCompile(`/receipts/[0-9a-f]{32}`).FindString(b)
	pub := s.Client().Do("GET", receipt, nil)
	if pub.Status != 200 || !strings.Contains(string(pub.Body), "¥50.00") {
		t.Fatalf("public receipt %s: %d", receipt, pub.Status)
	}
}
