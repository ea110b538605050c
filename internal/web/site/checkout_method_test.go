package site_test

import (
	"fmt"
	"net/url"
	"regexp"
	"testing"

	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/web/webtest"
)

var paymentRadio = regexp.MustCompile(`<input type="radio" name="payment_method" value="([a-z]+)"( checked)?>`)

// checkedMethods are the payment methods a checkout page offers, and the
// one it has checked.
func checkedMethods(t *testing.T, body []byte) (offered []string, checked []string) {
	t.Helper()
	for _, m := range paymentRadio.FindAllSubmatch(body, -1) {
		offered = append(offered, string(m[1]))
		if len(m[2]) > 0 {
			checked = append(checked, string(m[1]))
		}
	}
	return offered, checked
}

// TestRefusedCheckoutKeepsThePaymentMethod: a checkout refused for what the
// buyer typed (an address field left out) shows the form again with the
// address as typed and the payment method as chosen; it used to check bank
// transfer again, so a buyer who had chosen to pay online and only fixed
// the address placed a bank-transfer order.
func TestRefusedCheckoutKeepsThePaymentMethod(t *testing.T) {
	sw := newStripeWorld(t)
	s, w := sw.srv, sw.w
	buyer := s.LoginPage("buyer@example.com", ordertest.Password)
	buyer.Header.Set("Accept-Language", "zh-CN")
	page := buyer.Do("GET", fmt.Sprint("/products/", w.ProductID), nil)
	token := webtest.CSRFField(page.Body)
	if r := buyer.Do("POST", "/cart/add", url.Values{"_csrf": {token}, "variant_id": {fmt.Sprint(w.VariantID)}, "quantity": {"1"}}); r.Status != 303 {
		t.Fatalf("cart add: %d", r.Status)
	}
	form := buyer.Do("GET", "/checkout", nil)
	if offered, checked := checkedMethods(t, form.Body); len(offered) != 2 || len(checked) != 1 || checked[0] != "manual" {
		t.Fatalf("a fresh checkout offers %v with %v checked; want manual and stripe, manual checked", offered, checked)
	}
	for _, tc := range []struct{ chosen, want string }{
		{"stripe", "stripe"},
		{"manual", "manual"},
		{"", "manual"},       // none posted: the default
		{"cheque", "manual"}, // not one offered: the default
	} {
		r := buyer.Do("POST", "/checkout", url.Values{"_csrf": {token}, "name": {"李明"}, "phone": {"13912345678"}, "province": {"北京市"},
			"city": {"北京市"}, "district": {"海淀区"}, "detail": {""}, "payment_method": {tc.chosen}})
		if r.Status != 422 {
			t.Fatalf("checkout without the street address, paying by %q: %d, want 422", tc.chosen, r.Status)
		}
		offered, checked := checkedMethods(t, r.Body)
		if len(offered) != 2 || len(checked) != 1 || checked[0] != tc.want {
			t.Errorf("refused checkout paying by %q offers %v with %v checked, want %s checked", tc.chosen, offered, checked, tc.want)
		}
		if !regexp.MustCompile(`id="phone"[^>]*value="13912345678"`).Match(r.Body) {
			t.Errorf("refused checkout paying by %q forgot the phone number typed", tc.chosen)
		}
	}
}
