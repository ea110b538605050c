package site_test

import (
	"net/url"
	"testing"

	"github.com/fupinmarket/market/internal/web/webtest"
)

// TestUnconfirmedFounderIsOfferedTheLinkOnThePortal: anybody may found an
// organisation, but only an account with a confirmed address invites. The
// founder who has not confirmed theirs lands on the portal, not on the page
// that offers to mail the link again: the portal offers it, and an
// invitation it refuses says why next to the address typed, in the page's
// language, with what was typed kept.
func TestUnconfirmedFounderIsOfferedTheLinkOnThePortal(t *testing.T) {
	s := webtest.Start(t)
	founder := register(t, s, "head@example.gov.cn")
	if r := founder.Do("POST", "/api/v1/buyer-orgs", map[string]any{"name": "于田县总工会", "kind": "union"}); r.Status != 201 {
		t.Fatalf("create org: %d %s", r.Status, r.Body)
	}
	page := founder.Do("GET", "/org", nil)
	if page.Status != 200 {
		t.Fatalf("/org: %d", page.Status)
	}
	rptHas(t, "the portal", page.Body, "于田县总工会", `action="/account/verify/resend"`)

	for _, tc := range []struct{ lang, want string }{
		{"zh-CN", "请先确认您的邮箱"},
		{"en", "confirm your email address first"},
		{"ug", "ئالدى بىلەن ئېلخەت ئادرېسىڭىزنى جەزملەڭ"},
	} {
		t.Run("an invitation refused, in "+tc.lang, func(t *testing.T) {
			founder.Do("GET", "/lang/"+tc.lang, nil)
			page := founder.Do("GET", "/org", nil)
			res := founder.Do("POST", "/org/members", url.Values{"_csrf": {webtest.CSRFField(page.Body)}, "email": {"staff@example.gov.cn"}})
			if res.Status != 403 {
				t.Fatalf("invite: %d, want 403 with the portal", res.Status)
			}
			rptHas(t, "the refusal", res.Body, `id="email-err"`, tc.want, `value="staff@example.gov.cn"`,
				`action="/account/verify/resend"`, "于田县总工会")
		})
	}
	if n := len(outbox(t, s, "staff@example.gov.cn")); n != 0 {
		t.Errorf("%d invitations mailed by an unconfirmed founder", n)
	}
}
