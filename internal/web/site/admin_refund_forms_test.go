package site_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// TestRefusedRefundShowsTheOrderAgain: a refund the order page's own forms
// send (a line's, the shipping's) and the platform refuses shows the order
// page again, saying why in the administrator's language, amounts in yuan
// as the forms are typed. It was the bare error page ("422 · the refund is
// not valid"): no reason, and the order one click away.
func TestRefusedRefundShowsTheOrderAgain(t *testing.T) {
	s := webtest.Start(t)
	w := ordertest.Seed(t, s.DB, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	o := w.Paid(t, 1, "REF-1")
	admin := s.LoginPage("admin@example.com", ordertest.Password)
	page := fmt.Sprintf("/admin/orders/%d", o.ID)
	line := o.Lines[0]
	for _, tc := range []struct {
		lang, name, action string
		form               url.Values
		want               string
	}{
		{"zh-CN", "an amount that is not one", "/refund", url.Values{"quantity": {"0"}, "amount_yuan": {"-1"}}, "请输入金额（元），最多两位小数"},
		{"en", "more than the line", "/refund", url.Values{"quantity": {"0"}, "amount_yuan": {"9999"}}, fmt.Sprintf("must be between ¥0.00 and ¥%d.%02d", line.AmountFen/100, line.AmountFen%100)},
		{"ug", "more shipping than paid", "/refund-shipping", url.Values{"shipping_yuan": {"9999"}}, fmt.Sprintf("¥0.00 دىن ¥%d.%02d غىچە بولۇشى كېرەك", o.ShippingFen/100, o.ShippingFen%100)},
	} {
		t.Run(tc.lang+"/"+tc.name, func(t *testing.T) {
			inLanguage(t, admin, tc.lang)
			form := tc.form
			form.Set("_csrf", webtest.CSRFField(admin.Do("GET", page, nil).Body))
			form.Set("line_id", line.ID.String())
			form.Set("reason", "退款")
			r := admin.Do("POST", page+tc.action, form)
			shown := strings.Join(shownErrors(r.Body), " | ")
			if r.Status != 422 || !strings.Contains(string(r.Body), `name="amount_yuan"`) || !strings.Contains(shown, tc.want) {
				t.Errorf("%d, errors %q, want the order page again saying %q", r.Status, shown, tc.want)
			}
		})
	}
}
