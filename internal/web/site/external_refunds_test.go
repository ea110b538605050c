package site_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fupinmarket/market/internal/dbtest"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// dashboardRefunds places a Stripe order of two ¥39.80 boxes, pays it and
// has Stripe report refunds made in its dashboard (charge.refunded), as the
// webhook hands them to the order service.
func dashboardRefunds(t *testing.T, w *ordertest.World, intent string, refunds ...order.StripeRefund) order.Order {
	t.Helper()
	ctx := context.Background()
	o := w.PlaceStripe(t, intent)
	if err := w.Svc.ApplyStripeEvent(ctx, order.StripeEvent{ID: "evt_paid_" + intent, Type: "payment_intent.succeeded",
		PaymentIntentID: intent, Status: "succeeded", AmountFen: o.TotalFen, Currency: "cny"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Svc.ApplyStripeRefunds(ctx, order.StripeRefunds{EventID: "evt_refunded_" + intent, PaymentIntentID: intent,
		ChargeID: "ch_" + intent, Refunds: refunds}); err != nil {
		t.Fatal(err)
	}
	return o
}

func refundRows(t *testing.T, db *dbtest.DB) (refunds, entries int) {
	t.Helper()
	db.Pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM refunds), (SELECT count(*) FROM attribution_entries)`).Scan(&refunds, &entries)
	return
}

func TestRecordExternalRefundOverHTTP(t *testing.T) {
	s := webtest.Start(t)
	w := ordertest.Seed(t, s.DB, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	o := dashboardRefunds(t, w, "pi_http", order.StripeRefund{ID: "re_http", AmountFen: 3980, Status: "succeeded"})
	buyer, _ := s.Login("buyer@example.com", ordertest.Password)
	admin, _ := s.Login("admin@example.com", ordertest.Password)
	path := fmt.Sprintf("/api/v1/admin/orders/%d/external-refunds/", o.ID)
	body := func(amount int64) map[string]any {
		return map[string]any{"reason": "Stripe 后台退款", "lines": []map[string]any{
			{"line_id": o.Lines[0].ID.String(), "quantity": 1, "amount_fen": amount}}}
	}
	refunds, entries := refundRows(t, s.DB)

	if r := buyer.Do("POST", path+"re_http", body(3980)); r.Status != 403 {
		t.Fatalf("a buyer recording: %d %s", r.Status, r.Body)
	}
	if r := admin.Do("POST", path+"re_unknown", body(3980)); r.Status != 404 {
		t.Fatalf("an unknown refund id: %d %s", r.Status, r.Body)
	}
	if r := admin.Do("POST", fmt.Sprintf("/api/v1/admin/orders/%d/external-refunds/re_http", o.ID+999), body(3980)); r.Status != 404 {
		t.Fatalf("another order: %d %s", r.Status, r.Body)
	}
	r := admin.Do("POST", path+"re_http", body(3000))
	var e struct {
		Error struct {
			Code   string            `json:"code"`
			Fields map[string]string `json:"fields"`
		} `json:"error"`
	}
	r.JSON(t, &e)
	if r.Status != 422 || e.Error.Code != "invalid" || !strings.Contains(e.Error.Fields["lines"], "3980") {
		t.Fatalf("amounts not adding up: %d %s", r.Status, r.Body)
	}
	if n, m := refundRows(t, s.DB); n != refunds || m != entries {
		t.Fatalf("a refused recording wrote %d refunds, %d entries", n-refunds, m-entries)
	}

	r = admin.Do("POST", path+"re_http", body(3980))
	var got orderJSON
	r.JSON(t, &got)
	if r.Status != 201 || got.Status != "partially_refunded" || got.ID != o.ID.String() {
		t.Fatalf("record: %d %s", r.Status, r.Body)
	}
	var net int64
	s.DB.Pool.QueryRow(t.Context(), `SELECT sum(amount_fen) FROM attribution_entries WHERE order_id = $1`, int64(o.ID)).Scan(&net)
	if net != 2500 { // one 2.5 kg box kept at ¥10.00 per kg
		t.Fatalf("the ledger nets %d fen, want 2500", net)
	}
	ordertest.Audit(t, s.DB)
	if r := admin.Do("POST", path+"re_http", body(3980)); r.Status != 409 {
		t.Fatalf("a second recording: %d %s", r.Status, r.Body)
	}
	if n, _ := refundRows(t, s.DB); n != refunds+1 {
		t.Fatalf("%d refunds written, want 1", n-refunds)
	}
}

func TestRecordExternalRefundPage(t *testing.T) {
	s := webtest.Start(t)
	w := ordertest.Seed(t, s.DB, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	o := dashboardRefunds(t, w, "pi_page", order.StripeRefund{ID: "re_page", AmountFen: 3980, Status: "succeeded"})
	admin := s.LoginPage("admin@example.com", ordertest.Password)

	queue := string(admin.Do("GET", "/admin/payments", nil).Body)
	orderPage := fmt.Sprintf("/admin/orders/%d", o.ID)
	if !strings.Contains(queue, "re_page") || !strings.Contains(queue, orderPage+"#ext-re_page") || !strings.Contains(queue, "¥39.80") {
		t.Fatalf("the payments page does not list the dashboard refund:\n%s", queue)
	}
	page := admin.Do("GET", orderPage, nil)
	action := orderPage + "/external-refunds/re_page"
	if page.Status != 200 || !strings.Contains(string(page.Body), `action="`+action+`"`) || !strings.Contains(string(page.Body), "登记这笔退款") {
		t.Fatalf("the order page has no form to record the refund: %d\n%s", page.Status, page.Body)
	}
	csrf := webtest.CSRFField(page.Body)
	line := o.Lines[0].ID.String()
	form := func(qty, yuan, reason string) url.Values {
		return url.Values{"_csrf": {csrf}, "quantity_" + line: {qty}, "amount_yuan_" + line: {yuan}, "reason": {reason}}
	}

	t.Run("without the CSRF token nothing happens", func(t *testing.T) {
		f := form("1", "39.80", "x")
		f.Del("_csrf")
		if r := admin.Do("POST", action, f); r.Status != 403 {
			t.Fatalf("%d", r.Status)
		}
	})
	t.Run("amounts not adding up are shown on the page, in Chinese", func(t *testing.T) {
		r := admin.Do("POST", action, form("1", "30", "Stripe 后台退款"))
		b := string(r.Body)
		if r.Status != 422 || !strings.Contains(b, "各行退款金额与运费合计须等于 Stripe 退款金额 ¥39.80（现为 ¥30.00）") ||
			!strings.Contains(b, `value="30"`) {
			t.Fatalf("%d\n%s", r.Status, b)
		}
	})
	t.Run("field errors are shown next to their fields", func(t *testing.T) {
		r := admin.Do("POST", action, form("1", "abc", "Stripe 后台退款"))
		if r.Status != 422 || !strings.Contains(string(r.Body), "请输入金额，例如 12.80") {
			t.Fatalf("%d\n%s", r.Status, r.Body)
		}
		r = admin.Do("POST", action, form("5", "39.80", " "))
		b := string(r.Body)
		if r.Status != 422 || !strings.Contains(b, "须在 0 到 2 之间") || !strings.Contains(b, "必填") {
			t.Fatalf("%d\n%s", r.Status, b)
		}
	})
	t.Run("and in English", func(t *testing.T) {
		admin.Header.Set("Accept-Language", "en")
		defer admin.Header.Del("Accept-Language")
		r := admin.Do("POST", action, form("1", "30", "Stripe"))
		if r.Status != 422 || !strings.Contains(string(r.Body), "The amounts must add up to the Stripe refund, ¥39.80 (they add up to ¥30.00)") {
			t.Fatalf("%d\n%s", r.Status, r.Body)
		}
	})
	if n, _ := refundRows(t, s.DB); n != 0 {
		t.Fatalf("refused recordings wrote %d refunds", n)
	}

	r := admin.Do("POST", action, form("1", "39.80", "Stripe 后台退款：少发一箱"))
	if r.Status != 303 || r.Header.Get("Location") != orderPage {
		t.Fatalf("record: %d %s", r.Status, r.Body)
	}
	after := string(admin.Do("GET", orderPage, nil).Body)
	if strings.Contains(after, action) || !strings.Contains(after, "¥39.80") {
		t.Fatalf("the recorded refund is still offered:\n%s", after)
	}
	if q := string(admin.Do("GET", "/admin/payments", nil).Body); strings.Contains(q, "re_page") {
		t.Fatal("the recorded refund is still in the payments queue")
	}
	t.Run("a second recording is refused on the page", func(t *testing.T) {
		r := admin.Do("POST", action, form("1", "39.80", "again"))
		if r.Status != 409 || !strings.Contains(string(r.Body), "这笔 Stripe 退款已经登记过了") {
			t.Fatalf("%d\n%s", r.Status, r.Body)
		}
	})
	ordertest.Audit(t, s.DB)
}

// TestShippingRefundsOnTheOrderPage: the administrator returns the shipping
// fee from the order page, alone or as part of a refund made in the Stripe
// dashboard (refunding the whole payment), and never more than was paid.
func TestShippingRefundsOnTheOrderPage(t *testing.T) {
	s := webtest.Start(t)
	w := ordertest.Seed(t, s.DB, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	const wholeFen = 2*3980 + 800 // the 2 boxes dashboardRefunds orders, and the shipping
	o := dashboardRefunds(t, w, "pi_whole", order.StripeRefund{ID: "re_whole", AmountFen: wholeFen, Status: "succeeded"})
	admin := s.LoginPage("admin@example.com", ordertest.Password)
	orderPage := fmt.Sprintf("/admin/orders/%d", o.ID)
	page := admin.Do("GET", orderPage, nil)
	if !strings.Contains(string(page.Body), "退运费（元，可退 ¥8.00）") || !strings.Contains(string(page.Body), `name="shipping_yuan"`) {
		t.Fatalf("the order page offers no shipping refund:\n%s", page.Body)
	}
	csrf := webtest.CSRFField(page.Body)
	line := o.Lines[0].ID.String()
	record := url.Values{"_csrf": {csrf}, "quantity_" + line: {"2"}, "amount_yuan_" + line: {"79.60"}, "reason": {"后台整单退款"}}
	action := orderPage + "/external-refunds/re_whole"
	if r := admin.Do("POST", action, record); r.Status != 422 || !strings.Contains(string(r.Body), "现为 ¥79.60") {
		t.Fatalf("the whole payment recorded without its shipping: %d", r.Status)
	}
	record.Set("shipping_yuan", "9.00")
	if r := admin.Do("POST", action, record); r.Status != 422 || !strings.Contains(string(r.Body), "8.00") {
		t.Fatalf("more shipping than was paid: %d", r.Status)
	}
	record.Set("shipping_yuan", "8.00")
	if r := admin.Do("POST", action, record); r.Status != 303 {
		t.Fatalf("the whole payment, shipping included: %d %s", r.Status, r.Body)
	}
	got, err := w.Svc.Get(t.Context(), w.Admin, int64(o.ID))
	if err != nil || got.Status != order.Refunded || got.RefundedFen != wholeFen || o.TotalFen != wholeFen {
		t.Fatalf("after recording: %v %s %d", err, got.Status, got.RefundedFen)
	}

	manual, err := w.Place(t, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Svc.ConfirmManual(t.Context(), w.Admin, int64(manual.ID), "REF-9"); err != nil {
		t.Fatal(err)
	}
	shipPage := fmt.Sprintf("/admin/orders/%d", manual.ID)
	r := admin.Do("POST", shipPage+"/refund-shipping", url.Values{"_csrf": {csrf}, "shipping_yuan": {"5"}, "reason": {"运费减免"}})
	if r.Status != 303 {
		t.Fatalf("refund of the shipping: %d %s", r.Status, r.Body)
	}
	if got, _ := w.Svc.Get(t.Context(), w.Admin, int64(manual.ID)); got.RefundedFen != 500 {
		t.Fatalf("refunded %d, want 500", got.RefundedFen)
	}
	if after := string(admin.Do("GET", shipPage, nil).Body); !strings.Contains(after, "可退 ¥3.00") {
		t.Fatal("the page does not offer the rest of the shipping")
	}
	ordertest.Audit(t, s.DB)
}

// TestLatePaymentIsRefundedFromThePages: a payment that arrived after its
// order expired is listed on /admin/payments, and the order page's "refund
// everything" returns it whole.
func TestLatePaymentIsRefundedFromThePages(t *testing.T) {
	s := webtest.Start(t)
	w := ordertest.Seed(t, s.DB, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	o := w.PlaceStripe(t, "pi_late")
	if n, err := w.Svc.ExpireDue(t.Context(), o.ExpiresAt.Add(time.Minute)); err != nil || n != 1 {
		t.Fatalf("expire: %d %v", n, err)
	}
	if err := w.Svc.ApplyStripeEvent(t.Context(), order.StripeEvent{ID: "evt_late", Type: "payment_intent.succeeded",
		PaymentIntentID: "pi_late", Status: "succeeded", AmountFen: o.TotalFen, Currency: "cny"}); err != nil {
		t.Fatal(err)
	}
	admin := s.LoginPage("admin@example.com", ordertest.Password)
	orderPage := fmt.Sprintf("/admin/orders/%d", o.ID)
	queue := string(admin.Do("GET", "/admin/payments", nil).Body)
	if !strings.Contains(queue, "取消后到账的付款") || !strings.Contains(queue, orderPage) || !strings.Contains(queue, "pi_late") {
		t.Fatalf("the late payment is not listed:\n%s", queue)
	}
	page := admin.Do("GET", orderPage, nil)
	if !strings.Contains(string(page.Body), "整单退款（¥87.60）") {
		t.Fatalf("no whole refund offered:\n%s", page.Body)
	}
	r := admin.Do("POST", orderPage+"/refund-whole", url.Values{"_csrf": {webtest.CSRFField(page.Body)}, "reason": {"取消后到账"}})
	if r.Status != 303 {
		t.Fatalf("refund everything: %d %s", r.Status, r.Body)
	}
	if got, _ := w.Svc.Get(t.Context(), w.Admin, int64(o.ID)); got.Status != order.Refunded || got.RefundedFen != o.TotalFen {
		t.Fatalf("after: %s %d", got.Status, got.RefundedFen)
	}
	if q := string(admin.Do("GET", "/admin/payments", nil).Body); strings.Contains(q, "pi_late") {
		t.Fatal("still listed after the refund")
	}
}

// TestFailedRefundIsReturnedFromThePaymentsPage: a recorded Stripe refund
// that Stripe could not pay out is listed on /admin/payments until the
// administrator gives the reference of the bank transfer that returned the
// money (through the service's own database role, which may change only
// that of a refund).
func TestFailedRefundIsReturnedFromThePaymentsPage(t *testing.T) {
	s := webtest.Start(t)
	w := ordertest.Seed(t, s.DB, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	o := dashboardRefunds(t, w, "pi_failed")
	if _, err := w.Svc.Refund(t.Context(), w.Admin, int64(o.ID), order.RefundRequest{Reason: "破损",
		Lines: []order.RefundLine{{LineID: o.Lines[0].ID, Quantity: 1, AmountFen: 3980}}},
		func(context.Context, string, int64, string) (string, error) { return "re_failed", nil }); err != nil {
		t.Fatal(err)
	}
	admin := s.LoginPage("admin@example.com", ordertest.Password)
	app := order.NewService(s.DB.AppPool(t), order.Config{})
	if err := app.ApplyStripeRefunds(t.Context(), order.StripeRefunds{EventID: "evt_failed", PaymentIntentID: "pi_failed", ChargeID: "ch",
		Refunds: []order.StripeRefund{{ID: "re_failed", AmountFen: 3980, Status: "failed", Ours: true}}}); err != nil {
		t.Fatalf("as the service's role: %v", err)
	}
	queue := admin.Do("GET", "/admin/payments", nil)
	if !strings.Contains(string(queue.Body), "Stripe 未能退回的退款") || !strings.Contains(string(queue.Body), "re_failed") {
		t.Fatalf("the failed refund is not listed:\n%s", queue.Body)
	}
	var refundID int64
	s.DB.Pool.QueryRow(t.Context(), `SELECT id FROM refunds WHERE provider_ref = 're_failed'`).Scan(&refundID)
	action := fmt.Sprintf("/admin/refunds/%d/returned", refundID)
	csrf := webtest.CSRFField(queue.Body)
	if r := admin.Do("POST", action, url.Values{"_csrf": {csrf}, "reference": {" "}}); r.Status != 422 ||
		!strings.Contains(string(r.Body), "必填：银行转账流水号，最多 64 个字符") {
		t.Fatalf("without a reference: %d", r.Status)
	}
	if r := admin.Do("POST", action, url.Values{"_csrf": {csrf}, "reference": {"农行对公 20261205-001"}}); r.Status != 303 {
		t.Fatalf("returned: %d %s", r.Status, r.Body)
	}
	if q := string(admin.Do("GET", "/admin/payments", nil).Body); strings.Contains(q, "re_failed") {
		t.Fatal("still listed after the money went back")
	}
	if _, err := s.DB.AppPool(t).Exec(t.Context(), `UPDATE refunds SET amount_fen = 1 WHERE id = $1`, refundID); err == nil ||
		!strings.Contains(err.Error(), "permission denied") {
		t.Fatalf("the service's role changed a refund's amount: %v", err)
	}
}
