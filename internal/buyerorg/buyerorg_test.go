package buyerorg_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/buyerorg"
	"github.com/fupinmarket/market/internal/dbtest"
	"github.com/fupinmarket/market/internal/platform/errs"
)

type world struct {
	ctx   context.Context
	svc   *buyerorg.Service
	users *auth.Users
	db    *pgxpool.Pool
}

func newWorld(tb testing.TB) *world {
	tb.Helper()
	db := dbtest.New(tb)
	return &world{ctx: context.Background(), svc: buyerorg.NewService(db.Pool), users: auth.NewUsers(db.Pool), db: db.Pool}
}

// buyer creates a buyer account and returns it as an actor, read afresh.
func (w *world) buyer(tb testing.TB, email string) auth.Actor {
	tb.Helper()
	id, err := w.users.Create(w.ctx, auth.NewUser{Email: email, Name: "买家", Password: "password-123"}, auth.Grant{Role: auth.RoleBuyer})
	if err != nil {
		tb.Fatal(err)
	}
	return w.actor(tb, id)
}

func (w *world) actor(tb testing.TB, id int64) auth.Actor {
	tb.Helper()
	a, err := w.users.Actor(w.ctx, id)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// invitationOf is the invitee's one pending invitation from org.
func (w *world) invitationOf(tb testing.TB, invitee auth.Actor, org buyerorg.Org) int64 {
	tb.Helper()
	list, err := w.svc.Invitations(w.ctx, invitee)
	if err != nil {
		tb.Fatal(err)
	}
	for _, inv := range list {
		if inv.OrgID == org.ID {
			return int64(inv.ID)
		}
	}
	tb.Fatalf("%s has no invitation from %s: %+v", invitee.Email, org.Name, list)
	return 0
}

// TestOneOrganisationPerAccount: an account creates, administers and buys
// for one organisation at most, and joins one only by accepting its
// invitation.
func TestOneOrganisationPerAccount(t *testing.T) {
	w := newWorld(t)
	founder := w.buyer(t, "founder@example.com")
	org, err := w.svc.Create(w.ctx, founder, buyerorg.Org{Name: "和田地区财政局", Kind: "budget_unit"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Create(w.ctx, founder, buyerorg.Org{Name: "第二个单位", Kind: "union"}); !errs.Is(err, errs.Conflict) {
		t.Errorf("the founder's second organisation: %v, want a conflict", err)
	}
	founder = w.actor(t, founder.UserID) // now with the organisation's administrator role
	member := w.buyer(t, "member@example.com")
	for _, email := range []string{"member@example.com", "member@example.com", "nobody@example.com"} {
		if err := w.svc.Invite(w.ctx, founder, int64(org.ID), email); err != nil {
			t.Errorf("invite %s: %v, want nil whether or not the account exists", email, err)
		}
	}
	if members, _ := w.svc.Members(w.ctx, founder, int64(org.ID)); len(members) != 1 {
		t.Fatalf("%d members after invitations alone, want the founder only", len(members))
	}
	inv := w.invitationOf(t, member, org)
	if _, err := w.svc.AcceptInvitation(w.ctx, founder, inv); !errs.Is(err, errs.NotFound) {
		t.Errorf("the inviter accepting for the invitee: %v", err)
	}
	if _, err := w.svc.AcceptInvitation(w.ctx, member, inv); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.AcceptInvitation(w.ctx, member, inv); !errs.Is(err, errs.NotFound) {
		t.Errorf("accepting twice: %v", err)
	}
	if _, err := w.svc.Create(w.ctx, member, buyerorg.Org{Name: "工会", Kind: "union"}); !errs.Is(err, errs.Conflict) {
		t.Errorf("a member founding another organisation: %v, want a conflict", err)
	}

	other := w.buyer(t, "other@example.com")
	second, err := w.svc.Create(w.ctx, other, buyerorg.Org{Name: "某企业", Kind: "enterprise"})
	if err != nil {
		t.Fatal(err)
	}
	other = w.actor(t, other.UserID)
	if err := w.svc.Invite(w.ctx, other, int64(second.ID), "member@example.com"); err != nil {
		t.Errorf("inviting another organisation's member: %v, want the same nil", err)
	}
	again := w.invitationOf(t, member, second)
	if _, err := w.svc.AcceptInvitation(w.ctx, member, again); !errs.Is(err, errs.Conflict) {
		t.Errorf("a member accepting a second organisation: %v, want a conflict", err)
	}
	if err := w.svc.Leave(w.ctx, founder, int64(org.ID)); !errs.Is(err, errs.Conflict) {
		t.Errorf("the administrator leaving: %v, want a conflict", err)
	}
	if err := w.svc.Leave(w.ctx, member, int64(org.ID)); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.AcceptInvitation(w.ctx, member, again); err != nil {
		t.Errorf("accepting after leaving: %v", err)
	}
	members, err := w.svc.Members(w.ctx, founder, int64(org.ID))
	if err != nil || len(members) != 1 {
		t.Errorf("members of the first organisation: %d, %v; want the founder", len(members), err)
	}
	var e *errs.Error
	if err := w.svc.Invite(w.ctx, founder, int64(org.ID), "not an email"); !errors.As(err, &e) || e.Fields["email"] == "" {
		t.Errorf("a malformed email: %v", err)
	}
}

func TestCreateValidation(t *testing.T) {
	w := newWorld(t)
	a := w.buyer(t, "v@example.com")
	for name, o := range map[string]buyerorg.Org{
		"empty name":   {Name: " ", Kind: "union"},
		"unknown kind": {Name: "单位", Kind: "charity"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := w.svc.Create(w.ctx, a, o); !errs.Is(err, errs.Invalid) {
				t.Errorf("Create(%+v) = %v, want a validation error", o, err)
			}
		})
	}
	if _, err := w.svc.Create(w.ctx, auth.Actor{}, buyerorg.Org{Name: "单位", Kind: "union"}); !errs.Is(err, errs.Unauthenticated) {
		t.Errorf("a visitor creating: %v", err)
	}
}

// TestCanteenShare: the reserved share is at least 10 % of the canteen's
// budget, to the fen.
func TestCanteenShare(t *testing.T) {
	for _, c := range []struct{ budget, share int64 }{{0, 0}, {1, 1}, {10, 1}, {11, 2}, {120000000, 12000000}, {120000001, 12000001}} {
		if got := buyerorg.CanteenShare(c.budget); got != c.share {
			t.Errorf("CanteenShare(%d) = %d, want %d", c.budget, got, c.share)
		}
	}
}
