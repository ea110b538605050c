package site_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// TestInstitutionAsksForAMembersInvoiceFromThePortal: the portal's list of
// the members' orders linked each to the member's order page, which is the
// member's alone (404 for the administrator), so the institution could ask
// for no invoice from the pages. Each order now opens a page of the
// portal with the order's invoicing and, until one is asked for, the form.
func TestInstitutionAsksForAMembersInvoiceFromThePortal(t *testing.T) {
	o := newOrgWorld(t)
	ctx := context.Background()
	memberID := o.s.CreateUser("member@example.com", ordertest.Password, auth.Grant{Role: auth.RoleBuyer})
	if _, err := o.s.DB.Pool.Exec(ctx, `INSERT INTO buyer_org_members (buyer_org_id, user_id)
		SELECT buyer_org_id, $1 FROM user_roles WHERE role = 'buyer_org_admin'`, memberID); err != nil {
		t.Fatal(err)
	}
	member, _ := o.s.Login("member@example.com", ordertest.Password)
	var placed struct {
		ID     string `json:"id"`
		Number string `json:"number"`
	}
	r := member.Do("POST", "/api/v1/orders", map[string]any{"items": []map[string]any{{"variant_id": fmt.Sprint(o.w.VariantID), "quantity": 1}},
		"shipping_address": ordertest.Addr, "payment_method": "manual"})
	if r.Status != 201 {
		t.Fatalf("member's order: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &placed)
	var id int64
	fmt.Sscan(placed.ID, &id)
	if _, err := o.w.Svc.ConfirmManual(ctx, o.w.Admin, id, "REF-"+placed.Number); err != nil {
		t.Fatal(err)
	}
	page := "/org/orders/" + placed.ID + "/invoice"

	portal := o.buyer.Do("GET", "/org", nil)
	rptHas(t, "portal", portal.Body, `href="`+page+`"`)
	form := o.buyer.Do("GET", page, nil)
	rptHas(t, "invoice page", form.Body, placed.Number, "测试用户", `action="`+page+`"`, `name="taxpayer_id"`)
	if strings.Contains(string(form.Body), ordertest.Addr.Phone) {
		t.Error("the invoice page shows the member's phone")
	}

	t.Run("refused, it says why in the page's language", func(t *testing.T) {
		tok := webtest.CSRFField(form.Body)
		res := o.buyer.Do("POST", page, url.Values{"_csrf": {tok}, "title": {"和田地区机关食堂"}, "kind": {"normal"}, "email": {"not-an-address"}})
		if res.Status != 422 || len(shownErrors(res.Body)) == 0 || !strings.Contains(string(res.Body), `value="和田地区机关食堂"`) {
			t.Errorf("bad email: %d %q, want 422 with the reason and the title kept", res.Status, shownErrors(res.Body))
		}
	})
	t.Run("asked, the page shows the request", func(t *testing.T) {
		tok := webtest.CSRFField(form.Body)
		res := o.buyer.Do("POST", page, url.Values{"_csrf": {tok}, "title": {"和田地区机关食堂"}, "kind": {"special"},
			"taxpayer_id": {"11653200MB1234567X"}, "email": {"cw@example.com"}})
		if res.Status != 303 {
			t.Fatalf("ask: %d %q", res.Status, shownErrors(res.Body))
		}
		after := o.buyer.Do("GET", page, nil)
		rptHas(t, "after asking", after.Body, "和田地区机关食堂", "增值税专用发票")
		if strings.Contains(string(after.Body), `name="taxpayer_id"`) {
			t.Error("the form is offered again after the request")
		}
	})
	for name, c := range map[string]*webtest.Client{"member": member, "cooperative": o.coop, "visitor": o.anon} {
		if res := c.Do("GET", page, nil); res.Status == 200 {
			t.Errorf("%s opened the institution's invoice page", name)
		}
	}
}
