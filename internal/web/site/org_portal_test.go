package site_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// orgWorld is the reports' world with an organisation the buyer
// administers, so that the buyer's orders are the organisation's.
type orgWorld struct {
	*rptWorld
	base string // /api/v1/buyer-orgs/{id}
}

func newOrgWorld(t *testing.T) *orgWorld {
	t.Helper()
	r := newRptWorld(t)
	res := r.buyer.Do("POST", "/api/v1/buyer-orgs", map[string]any{"name": "和田地区机关食堂", "kind": "budget_unit"})
	if res.Status != 201 {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	var org struct {
		ID string `json:"id"`
	}
	res.JSON(t, &org)
	return &orgWorld{rptWorld: r, base: "/api/v1/buyer-orgs/" + org.ID}
}

// delivered is a paid order of qty boxes, shipped and marked delivered.
func (o *orgWorld) delivered(t *testing.T, qty int) order.Order {
	t.Helper()
	ord := o.paid(t, qty)
	if res := o.coop.Do("POST", fmt.Sprintf("/api/v1/orders/%d/shipments", ord.ID), map[string]any{"carrier": "中国邮政", "tracking_no": "YZ" + ord.Number}); res.Status != 201 {
		t.Fatalf("ship: %d %s", res.Status, res.Body)
	}
	if res := o.buyer.Do("POST", fmt.Sprintf("/api/v1/orders/%d/delivered", ord.ID), nil); res.Status != 200 {
		t.Fatalf("delivered: %d %s", res.Status, res.Body)
	}
	return ord
}

func (o *orgWorld) status(t *testing.T, ord order.Order) string {
	t.Helper()
	var st string
	if err := o.s.DB.Pool.QueryRow(context.Background(), `SELECT status FROM orders WHERE id = $1`, int64(ord.ID)).Scan(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestInstitutionTargetFromTheCanteenBudget: a budget unit gives its
// canteen's food budget and its target is the 10 % share of it, rounded up
// to the fen; the portal shows the progress bar and says where the share
// comes from.
func TestInstitutionTargetFromTheCanteenBudget(t *testing.T) {
	o := newOrgWorld(t)
	y := fmt.Sprint(o.year)
	res := o.buyer.Do("PUT", o.base+"/targets/"+y, map[string]any{"canteen_budget_fen": 120000001})
	if res.Status != 200 {
		t.Fatalf("budget: %d %s", res.Status, res.Body)
	}
	var set struct {
		TargetFen        int64  `json:"target_fen"`
		CanteenBudgetFen *int64 `json:"canteen_budget_fen"`
	}
	res.JSON(t, &set)
	if set.TargetFen != 12000001 || set.CanteenBudgetFen == nil || *set.CanteenBudgetFen != 120000001 {
		t.Fatalf("set %+v, want the target 12000001 (10 %%, rounded up)", set)
	}
	for _, bad := range []map[string]any{{"canteen_budget_fen": -1}, {"target_fen": -5}, {"target_fen": int64(2e12)}} {
		if res := o.buyer.Do("PUT", o.base+"/targets/"+y, bad); res.Status != 422 {
			t.Errorf("%v: %d", bad, res.Status)
		}
	}
	o.paid(t, 10) // ¥398.00
	page := o.buyer.Do("GET", "/org", nil)
	rptHas(t, "portal", page.Body, `<progress max="12000001" value="39800"`, "已完成 0%", "还差 ¥119,602.01",
		"不低于 10% 的食堂食材采购份额", "本年度食堂食材采购预算 ¥1,200,000.01", `name="canteen_budget_yuan"`)

	t.Run("the form takes a budget alone, and refuses neither", func(t *testing.T) {
		tok := webtest.CSRFField(page.Body)
		res := o.buyer.Do("POST", "/org/target", url.Values{"_csrf": {tok}, "year": {y}, "canteen_budget_yuan": {"3980"}})
		if res.Status != 303 {
			t.Fatalf("budget only: %d %s", res.Status, res.Body)
		}
		rptHas(t, "after the budget", o.buyer.Do("GET", "/org", nil).Body, `<progress max="39800" value="39800"`,
			"已完成 100%", "已达到本年度预留份额")
		res = o.buyer.Do("POST", "/org/target", url.Values{"_csrf": {tok}, "year": {y}})
		if res.Status != 422 {
			t.Fatalf("neither: %d", res.Status)
		}
		rptHas(t, "neither", res.Body, "请填写预留份额，或食堂年度食材采购预算", `id="target-err"`)
	})
}

// TestInstitutionAcceptsDeliveredOrdersTogether: the portal lists the
// delivered orders with their items, ticked; accepting takes all of them,
// or none when one was accepted meanwhile; an order of another
// organisation is not found.
func TestInstitutionAcceptsDeliveredOrdersTogether(t *testing.T) {
	o := newOrgWorld(t)
	a, b := o.delivered(t, 1), o.delivered(t, 2)
	page := o.buyer.Do("GET", "/org", nil)
	rptHas(t, "portal", page.Body, a.Number, b.Number, a.Lines[0].Title, "× 2", `name="order" value="`+fmt.Sprint(a.ID)+`" checked`,
		`action="/org/orders/accept"`, "验收所选订单", "送达时间")
	tok := webtest.CSRFField(page.Body)
	res := o.buyer.Do("POST", "/org/orders/accept", url.Values{"_csrf": {tok}, "order": {fmt.Sprint(a.ID), fmt.Sprint(b.ID)}})
	if res.Status != 303 {
		t.Fatalf("accept both: %d %s", res.Status, res.Body)
	}
	if o.status(t, a) != "completed" || o.status(t, b) != "completed" {
		t.Fatalf("after accepting: %s, %s", o.status(t, a), o.status(t, b))
	}

	t.Run("all or none", func(t *testing.T) {
		c, d := o.delivered(t, 1), o.delivered(t, 1)
		if res := o.buyer.Do("POST", fmt.Sprintf("/api/v1/orders/%d/accept", c.ID), nil); res.Status != 200 {
			t.Fatalf("accept c: %d", res.Status)
		}
		res := o.buyer.Do("POST", "/org/orders/accept", url.Values{"_csrf": {tok}, "order": {fmt.Sprint(c.ID), fmt.Sprint(d.ID)}})
		if res.Status != 409 {
			t.Fatalf("one accepted meanwhile: %d", res.Status)
		}
		rptHas(t, "conflict", res.Body, "所选订单中有 1 个已不在待验收状态", d.Number)
		if o.status(t, d) != "delivered" {
			t.Fatalf("d is %s: a refused batch accepted part of it", o.status(t, d))
		}
		res = o.buyer.Do("POST", "/org/orders/accept", url.Values{"_csrf": {tok}})
		if res.Status != 422 {
			t.Fatalf("nothing ticked: %d", res.Status)
		}
		rptHas(t, "nothing ticked", res.Body, "请选择 1 到 500 个已送达的订单")
		var n struct {
			Accepted int `json:"accepted"`
		}
		res = o.buyer.Do("POST", o.base+"/acceptances", map[string]any{"order_ids": []string{fmt.Sprint(d.ID)}})
		if res.Status != 200 {
			t.Fatalf("API batch: %d %s", res.Status, res.Body)
		}
		if res.JSON(t, &n); n.Accepted != 1 || o.status(t, d) != "completed" {
			t.Fatalf("API batch accepted %d, d is %s", n.Accepted, o.status(t, d))
		}
	})

	t.Run("another organisation's order is not found", func(t *testing.T) {
		o.s.CreateUser("other-org@example.com", ordertest.Password, auth.Grant{Role: auth.RoleBuyer})
		other, _ := o.s.Login("other-org@example.com", ordertest.Password)
		if res := other.Do("POST", "/api/v1/buyer-orgs", map[string]any{"name": "喀什某企业", "kind": "enterprise"}); res.Status != 201 {
			t.Fatalf("second org: %d", res.Status)
		}
		e := o.delivered(t, 1)
		page := other.Do("GET", "/org", nil)
		res := other.Do("POST", "/org/orders/accept", url.Values{"_csrf": {webtest.CSRFField(page.Body)}, "order": {fmt.Sprint(e.ID)}})
		if res.Status != 404 || o.status(t, e) != "delivered" {
			t.Fatalf("foreign order: %d, %s", res.Status, o.status(t, e))
		}
	})
}

// TestInstitutionInvoiceExport: the portal lists the invoicing of the
// members' paid orders and exports every one as CSV for the finance office;
// no other account may read it.
func TestInstitutionInvoiceExport(t *testing.T) {
	o := newOrgWorld(t)
	asked, plain := o.paid(t, 1), o.paid(t, 2)
	ask := map[string]any{"title": "=和田地区机关食堂", "taxpayer_id": "11653200MB1234567X", "kind": "special", "email": "cw@example.com"}
	if res := o.buyer.Do("POST", fmt.Sprintf("/api/v1/orders/%d/invoice-request", asked.ID), ask); res.Status != 201 {
		t.Fatalf("ask: %d %s", res.Status, res.Body)
	}
	page := o.buyer.Do("GET", "/org", nil)
	rptHas(t, "portal", page.Body, "开票中（已开 0 / 1 张）", "未申请", `href="/org/invoices.csv"`)
	res := o.buyer.Do("GET", "/org/invoices.csv", nil)
	if res.Status != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export: %d %s", res.Status, res.Header.Get("Content-Type"))
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(res.Body), "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0][0] != "订单号" || rows[0][6] != "开票状态" {
		t.Fatalf("export rows %q", rows)
	}
	byNumber := map[string][]string{}
	for _, r := range rows[1:] {
		byNumber[r[0]] = r
	}
	if r := byNumber[asked.Number]; r == nil || r[5] != "增值税专用发票" || r[6] != "开票中（已开 0 / 1 张）" || r[2] != "47.80" {
		t.Fatalf("asked row %q", r)
	}
	if r := byNumber[asked.Number]; r[4] != "'=和田地区机关食堂" {
		t.Fatalf("title cell %q: a spreadsheet would run it as a formula", r[4])
	}
	if r := byNumber[plain.Number]; r == nil || r[6] != "未申请" {
		t.Fatalf("plain row %q", r)
	}
	for name, c := range map[string]*webtest.Client{"cooperative": o.coop, "office": o.hotan, "visitor": o.anon} {
		if res := c.Do("GET", "/org/invoices.csv", nil); res.Status == 200 {
			t.Errorf("%s read the export", name)
		}
	}
}

// TestInvoiceOfAnOrderRefundedInFullIsNothingToInvoice: an invoice asked
// for an order that is then refunded in full before any cooperative issued
// one is not "issued" in the institution's portal and export, nor silent on
// the buyer's order page: both say there is nothing to invoice.
func TestInvoiceOfAnOrderRefundedInFullIsNothingToInvoice(t *testing.T) {
	o := newOrgWorld(t)
	ord := o.paid(t, 1)
	ask := map[string]any{"title": "和田地区机关食堂", "kind": "normal", "email": "cw@example.com"}
	if res := o.buyer.Do("POST", fmt.Sprintf("/api/v1/orders/%d/invoice-request", ord.ID), ask); res.Status != 201 {
		t.Fatalf("ask: %d %s", res.Status, res.Body)
	}
	var lines []order.RefundLine
	for _, l := range ord.Lines {
		lines = append(lines, order.RefundLine{LineID: l.ID, Quantity: l.Quantity, AmountFen: l.AmountFen})
	}
	if _, err := o.w.Svc.Refund(context.Background(), o.w.Admin, int64(ord.ID),
		order.RefundRequest{Reason: "缺货", Lines: lines, ShippingFen: ord.ShippingFen}, nil); err != nil {
		t.Fatal(err)
	}
	if st := o.status(t, ord); st != "refunded" {
		t.Fatalf("order is %s, not refunded", st)
	}
	rptHas(t, "portal", o.buyer.Do("GET", "/org", nil).Body, "无需开票（已全额退款）")
	rptHas(t, "export", o.buyer.Do("GET", "/org/invoices.csv", nil).Body, "无需开票（已全额退款）")
	rptHas(t, "order page", o.buyer.Do("GET", fmt.Sprintf("/orders/%d", ord.ID), nil).Body, "订单已全额退款，无需开具发票。")
}

// targetYear is the select of the portal's target form.
var targetYear = regexp.MustCompile(`(?s)<select id="t-year".*?</select>`)

// TestRefusedTargetKeepsTheYearChosen: a target typed for another year than
// the one the portal shows, and refused, comes back with that year still
// chosen, so that correcting the amount and saving again sets the year the
// administrator meant, not the year shown.
func TestRefusedTargetKeepsTheYearChosen(t *testing.T) {
	o := newOrgWorld(t)
	last := fmt.Sprint(o.year - 1)
	page := o.buyer.Do("GET", "/org", nil)
	for _, tc := range []struct {
		name string
		form url.Values
	}{
		{"a target that is not an amount", url.Values{"target_yuan": {"一万"}}},
		{"a budget below nothing", url.Values{"canteen_budget_yuan": {"-5"}}},
		{"neither", url.Values{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.form.Set("_csrf", webtest.CSRFField(page.Body))
			tc.form.Set("year", last)
			res := o.buyer.Do("POST", "/org/target", tc.form)
			if res.Status != 422 {
				t.Fatalf("refused target: %d", res.Status)
			}
			// The year-form atop keeps the year whose figures are shown;
			// the target form's own select is the one checked.
			sel := targetYear.Find(res.Body)
			if sel == nil {
				t.Fatalf("no year in the target form:\n%s", res.Body)
			}
			rptHas(t, "the target form's year", sel, `<option value="`+last+`" selected>`)
			rptHasNot(t, "the target form's year", sel, `<option value="`+fmt.Sprint(o.year)+`" selected>`)
		})
	}
}
