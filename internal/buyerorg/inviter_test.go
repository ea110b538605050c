package buyerorg_test

import (
	"errors"
	"testing"

	"github.com/fupinmarket/market/internal/buyerorg"
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
