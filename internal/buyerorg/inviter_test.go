package buyerorg_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/buyerorg"
	"github.com/fupinmarket/market/internal/platform/errs"
)

// TestAnUnconfirmedAccountMailsNoInvitation: anybody may sign up, under any
// address, and make an organisation; an invitation is mailed, under the
// organisation's name the inviter typed, to any address. Until its own
// address is confirmed the account invites nobody, so the service's mail
// cannot be sent to strangers by an account nobody has vouched for.
func TestAnUnconfirmedAccountMailsNoInvitation(t *testing.T) {
	w := newWorld(t)
	founder := w.buyer(t, "founder@example.com")
	if _, err := w.db.Exec(w.ctx, `UPDATE users SET email_verified_at = NULL WHERE id = $1`, founder.UserID); err != nil {
		t.Fatal(err)
	}
	org, err := w.svc.Create(w.ctx, founder, buyerorg.Org{Name: "Win a prize at evil.example", Kind: "enterprise"})
	if err != nil {
		t.Fatal(err)
	}
	founder = w.actor(t, founder.UserID)
	if err := w.svc.Invite(w.ctx, founder, int64(org.ID), "stranger@example.com"); !errors.Is(err, buyerorg.ErrUnconfirmedEmail) {
		t.Errorf("an unconfirmed account's invitation: %v, want %v", err, buyerorg.ErrUnconfirmedEmail)
	}
	var mailed int
	w.db.QueryRow(w.ctx, `SELECT count(*) FROM mail_outbox WHERE recipient = 'stranger@example.com'`).Scan(&mailed)
	if mailed != 0 {
		t.Errorf("%d messages queued to the stranger", mailed)
	}
}

// TestInvitationsAreMailedSparingly: inviting an address again within the
// day renews the invitation without mailing it again; a day on, it is
// mailed again. An organisation invites at most MaxInvitationsPerDay new
// addresses a day; renewing one it invited is not a new one.
func TestInvitationsAreMailedSparingly(t *testing.T) {
	w, founder, org := foundedOrg(t)
	mailed := func() int {
		var n int
		w.db.QueryRow(w.ctx, `SELECT count(*) FROM mail_outbox WHERE recipient = 'finance@example.gov.cn'`).Scan(&n)
		return n
	}
	for range 3 {
		if err := w.svc.Invite(w.ctx, founder, int64(org.ID), "finance@example.gov.cn"); err != nil {
			t.Fatal(err)
		}
	}
	if n := mailed(); n != 1 {
		t.Errorf("invited three times in a day: %d mails, want 1", n)
	}
	w.db.Exec(w.ctx, `UPDATE buyer_org_invitations SET expires_at = expires_at - interval '2 days'`)
	if err := w.svc.Invite(w.ctx, founder, int64(org.ID), "finance@example.gov.cn"); err != nil || mailed() != 2 {
		t.Errorf("invited again two days on: %v, %d mails, want 2", err, mailed())
	}
	if _, err := w.db.Exec(w.ctx, `INSERT INTO buyer_org_invitations (buyer_org_id, email, expires_at)
		SELECT $1, 'member' || i || '@example.com', now() + interval '14 days' FROM generate_series(2, $2) i`,
		int64(org.ID), buyerorg.MaxInvitationsPerDay); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.Invite(w.ctx, founder, int64(org.ID), "one-more@example.com"); !errs.Is(err, errs.RateLimited) {
		t.Errorf("a new address past the day's allowance: %v, want rate limited", err)
	}
	if err := w.svc.Invite(w.ctx, founder, int64(org.ID), "member2@example.com"); err != nil {
		t.Errorf("renewing an invitation past the allowance: %v", err)
	}
}

// TestAnInvitationIsMailedInTheInviteesLanguage: an address whose account
// chose a language gets the invitation in it alone; an address without an
// account, whose account chose none, or whose account has not confirmed
// it, gets all three languages.
func TestAnInvitationIsMailedInTheInviteesLanguage(t *testing.T) {
	w, founder, org := foundedOrg(t)
	reader := w.buyer(t, "reader@example.com")
	if _, err := w.db.Exec(w.ctx, `UPDATE users SET lang = 'ug' WHERE id = $1`, reader.UserID); err != nil {
		t.Fatal(err)
	}
	w.buyer(t, "unknown-lang@example.com")
	// Anybody may sign up with an address that is not theirs: until the
	// address is confirmed, the account's language is its registrant's,
	// not the address owner's.
	squatter := w.buyer(t, "squatted@example.com")
	if _, err := w.db.Exec(w.ctx, `UPDATE users SET lang = 'ug', email_verified_at = NULL WHERE id = $1`, squatter.UserID); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ email, want string }{
		{"reader@example.com", "Uyghur only"},
		{"squatted@example.com", "all three"},
		{"unknown-lang@example.com", "all three"},
		{"nobody@example.com", "all three"},
	} {
		t.Run(tc.email, func(t *testing.T) {
			if err := w.svc.Invite(w.ctx, founder, int64(org.ID), tc.email); err != nil {
				t.Fatal(err)
			}
			var subject, body string
			if err := w.db.QueryRow(w.ctx, `SELECT subject, body FROM mail_outbox WHERE recipient = $1`, tc.email).Scan(&subject, &body); err != nil {
				t.Fatal(err)
			}
			text := subject + body
			han := strings.Contains(text, "邀请您")
			arabic := strings.Contains(text, "تەكلىپ")
			latin := strings.Contains(text, "invites you")
			got := map[[3]bool]string{{false, true, false}: "Uyghur only", {true, true, true}: "all three"}[[3]bool{han, arabic, latin}]
			if got != tc.want {
				t.Errorf("Chinese %v, Uyghur %v, English %v; want %s:\n%s\n%s", han, arabic, latin, tc.want, subject, body)
			}
		})
	}
}

// foundedOrg is a world with one organisation, 和田地区机关事务管理局, and its
// founder (confirmed, as an administrator of it).
func foundedOrg(t *testing.T) (*world, auth.Actor, buyerorg.Org) {
	t.Helper()
	w := newWorld(t)
	founder := w.buyer(t, "founder@example.com")
	org, err := w.svc.Create(w.ctx, founder, buyerorg.Org{Name: "和田地区机关事务管理局", Kind: "budget_unit"})
	if err != nil {
		t.Fatal(err)
	}
	return w, w.actor(t, founder.UserID), org
}
