package site_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// TestStripePaymentPage: checking out with Stripe leads to the payment step,
// the only page that loads Stripe.js and whose CSP allows it.
func TestStripePaymentPage(t *testing.T) {
	sw := newStripeWorld(t)
	s := sw.srv
	c := s.LoginPage("buyer@example.com", ordertest.Password)
	page := c.Do("GET", "/", nil)
	if strings.Contains(page.Header.Get("Content-Security-Policy"), "stripe") || strings.Contains(string(page.Body), "js.stripe.com") {
		t.Fatal("Stripe allowed outside the payment page")
	}
	tok := webtest.CSRFField(page.Body)
	if r := c.Do("POST", "/cart/add", url.Values{"_csrf": {tok}, "variant_id": {fmt.Sprint(sw.w.VariantID)}, "quantity": {"1"}}); r.Status != 303 {
		t.Fatalf("add: %d", r.Status)
	}
	checkout := c.Do("GET", "/checkout", nil)
	if !strings.Contains(string(checkout.Body), `value="stripe"`) {
		t.Fatal("no Stripe option at checkout")
	}
	r := c.Do("POST", "/checkout", url.Values{"_csrf": {webtest.CSRFField(checkout.Body)}, "name": {"李明"}, "phone": {"13912345678"},
		"province": {"北京市"}, "city": {"北京市"}, "district": {"海淀区"}, "detail": {"中关村大街1号"}, "payment_method": {"stripe"}})
	if r.Status != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/checkout/pay/") {
		t.Fatalf("checkout: %d %s", r.Status, r.Header.Get("Location"))
	}
	pay := c.Do("GET", r.Header.Get("Location"), nil)
	body := string(pay.Body)
	if pay.Status != 200 || !strings.Contains(body, `src="https://js.stripe.com/v3/"`) || !strings.Contains(body, `data-secret="pi_`) {
		t.Fatalf("payment page: %d\n%s", pay.Status, body)
	}
	if csp := pay.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self' https://js.stripe.com") {
		t.Fatalf("CSP %q", csp)
	}
}
