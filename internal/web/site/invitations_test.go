package site_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/web/webtest"
)

// TestNobodyIsEnrolledWithoutConsent: an organisation's administrator
// invites by email and gets one answer whether or not the account exists;
// the invitee becomes a member only by accepting, and may leave. Orders
// placed before joining are not the organisation's to accept, nor to count.
func TestNobodyIsEnrolledWithoutConsent(t *testing.T) {
	r := newRptWorld(t) // buyer@example.com is the victim, with orders of its own
	r.s.CreateUser("attacker@example.com", ordertest.Password, auth.Grant{Role: auth.RoleBuyer})
	attacker, _ := r.s.Login("attacker@example.com", ordertest.Password)
	res := attacker.Do("POST", "/api/v1/buyer-orgs", map[string]any{"name": "某某单位", "kind": "enterprise", "public_ranking": true})
	if res.Status != 201 {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	var org struct {
		ID string `json:"id"`
	}
	res.JSON(t, &org)
	base := "/api/v1/buyer-orgs/" + org.ID

	// The victim has a delivered order, placed before any invitation.
	before := r.paid(t, 1)
	r.coop.Do("POST", fmt.Sprintf("/api/v1/orders/%d/shipments", before.ID), map[string]any{"carrier": "中国邮政", "tracking_no": "YZ1"})
	r.buyer.Do("POST", fmt.Sprintf("/api/v1/orders/%d/delivered", before.ID), nil)

	t.Run("one answer whatever the email", func(t *testing.T) {
		var bodies []string
		for _, path := range []string{base + "/members", base + "/invitations"} {
			for _, email := range []string{"buyer@example.com", "admin@example.com", "nobody@example.com"} {
				res := attacker.Do("POST", path, map[string]any{"email": email})
				if res.Status != 202 {
					t.Errorf("%s %s: %d %s, want 202", path, email, res.Status, res.Body)
				}
				bodies = append(bodies, string(res.Body))
			}
		}
		for _, b := range bodies[1:] {
			if b != bodies[0] {
				t.Errorf("answers differ: %q and %q", bodies[0], b)
			}
		}
	})
	members := func() int {
		var n int
		r.s.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM buyer_org_members m JOIN users u ON u.id = m.user_id
			WHERE u.email IN ('buyer@example.com', 'admin@example.com')`).Scan(&n)
		return n
	}
	if n := members(); n != 0 {
		t.Fatalf("%d accounts enrolled by an invitation alone", n)
	}
	t.Run("the organisation gets nothing of the invitee's before accepting", func(t *testing.T) {
		if res := attacker.Do("POST", fmt.Sprintf("/api/v1/orders/%d/accept", before.ID), nil); res.Status != 404 {
			t.Errorf("accepting the invitee's order: %d %s", res.Status, res.Body)
		}
		var p struct {
			PurchasedFen int64 `json:"purchased_fen"`
		}
		attacker.Do("GET", base+"/progress", nil).JSON(t, &p)
		if p.PurchasedFen != 0 {
			t.Errorf("the invitee's purchases count: %d", p.PurchasedFen)
		}
	})

	var inv struct {
		Items []struct {
			ID      string `json:"id"`
			OrgID   string `json:"org_id"`
			OrgName string `json:"org_name"`
		} `json:"items"`
	}
	r.buyer.Do("GET", "/api/v1/invitations", nil).JSON(t, &inv)
	if len(inv.Items) != 1 || inv.Items[0].OrgID != org.ID || inv.Items[0].OrgName != "某某单位" {
		t.Fatalf("the invitee's invitations: %+v", inv)
	}
	t.Run("nobody else accepts it", func(t *testing.T) {
		if res := attacker.Do("POST", "/api/v1/invitations/"+inv.Items[0].ID+"/accept", nil); res.Status != 404 {
			t.Errorf("the inviter accepts for the invitee: %d", res.Status)
		}
		if n := members(); n != 0 {
			t.Fatalf("%d enrolled", n)
		}
	})
	t.Run("the invitee accepts from the page, and leaves", func(t *testing.T) {
		page := r.s.LoginPage("buyer@example.com", ordertest.Password)
		body := page.Do("GET", "/org", nil).Body
		action := "/org/invitations/" + inv.Items[0].ID + "/accept"
		rptHas(t, "/org with an invitation", body, "某某单位", `action="`+action+`"`)
		if res := page.Do("POST", action, url.Values{"_csrf": {webtest.CSRFField(body)}}); res.Status != 303 {
			t.Fatalf("accept: %d %s", res.Status, res.Body)
		}
		if n := members(); n != 1 {
			t.Fatalf("%d members after accepting", n)
		}
		// An order placed before joining stays the invitee's own.
		if res := attacker.Do("POST", fmt.Sprintf("/api/v1/orders/%d/accept", before.ID), nil); res.Status != 404 {
			t.Errorf("accepting an order placed before joining: %d", res.Status)
		}
		body = page.Do("GET", "/org", nil).Body
		rptHas(t, "/org of a member", body, `action="/org/leave"`)
		if res := page.Do("POST", "/org/leave", url.Values{"_csrf": {webtest.CSRFField(body)}}); res.Status != 303 {
			t.Fatalf("leave: %d %s", res.Status, res.Body)
		}
		if n := members(); n != 0 {
			t.Fatalf("%d members after leaving", n)
		}
	})
	t.Run("over the API: accept, then leave", func(t *testing.T) {
		attacker.Do("POST", base+"/invitations", map[string]any{"email": "buyer@example.com"})
		r.buyer.Do("GET", "/api/v1/invitations", nil).JSON(t, &inv)
		if len(inv.Items) != 1 {
			t.Fatalf("invitations %+v", inv)
		}
		if res := r.buyer.Do("POST", "/api/v1/invitations/"+inv.Items[0].ID+"/accept", nil); res.Status != 200 {
			t.Fatalf("accept: %d %s", res.Status, res.Body)
		}
		if res := r.buyer.Do("POST", "/api/v1/invitations/"+inv.Items[0].ID+"/accept", nil); res.Status != 404 {
			t.Errorf("accepted twice: %d", res.Status)
		}
		if res := attacker.Do("POST", base+"/leave", nil); res.Status != 409 {
			t.Errorf("the administrator leaves: %d", res.Status)
		}
		if res := r.buyer.Do("POST", base+"/leave", nil); res.Status != 204 {
			t.Fatalf("leave: %d %s", res.Status, res.Body)
		}
	})
}
