package org

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/buyerorg"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/web"
)

// Starting an organisation: a signed-in buyer who belongs to none finds on
// /org how to start one, and on /org/new the form; creating it makes the
// buyer its administrator and lands on /org. A member of an organisation
// is told whose it is: an account belongs to one organisation at most.

// NewView is the page about starting an organisation: for a member of one,
// whose it is and how to leave it; for an administrator, the way to the
// portal; for others, the lead to the form (on /org) or the form. Above it,
// the account's pending invitations, each with its accept button.
type NewView struct {
	Form        NewForm
	Kinds       []string
	Errors      map[string]string
	OrgAdmin    bool
	Member      *buyerorg.Org // the organisation the account buys for, nil for none
	Invitations []buyerorg.Invitation
	// Unconfirmed: the account has not confirmed its address, so no
	// invitation is shown; the page offers to mail the link again.
	Unconfirmed bool
	Email       string
	Done        string // which change the notice confirms, "" for none
}

// NewForm is the creation form as typed.
type NewForm struct {
	Start bool // /org: the lead with a link to the form, not the form
	Org   buyerorg.Org
}

func (s handlers) newOrg(c *fiber.Ctx) error {
	if web.ActorOf(c).Has(auth.RoleBuyerOrgAdmin) {
		return c.Redirect("/org", fiber.StatusSeeOther)
	}
	return s.renderNew(c, NewForm{Org: buyerorg.Org{Kind: buyerorg.Kinds[0]}}, nil)
}

func (s handlers) renderNew(c *fiber.Ctx, f NewForm, fieldErrs map[string]string) error {
	a := web.ActorOf(c)
	member, isMember, err := s.BuyerOrgs.MembershipOf(web.Ctx(c), a)
	if err != nil {
		return err
	}
	if fieldErrs == nil {
		fieldErrs = map[string]string{}
	}
	invitations, err := s.BuyerOrgs.Invitations(web.Ctx(c), a)
	unconfirmed := errors.Is(err, buyerorg.ErrUnconfirmedEmail)
	if err != nil && !unconfirmed {
		return err
	}
	for i := range invitations {
		invitations[i].ExpiresAt = s.Clock.In(invitations[i].ExpiresAt)
	}
	p := s.Page(c, "")
	p.Title = p.T("rpt.org.new.title")
	v := NewView{Form: f, Kinds: buyerorg.Kinds, Errors: fieldErrs, OrgAdmin: a.Has(auth.RoleBuyerOrgAdmin),
		Invitations: invitations, Unconfirmed: unconfirmed, Email: a.Email, Done: doneNotice(c.Query("done"))}
	if isMember {
		v.Member = &member
	}
	p.Data = v
	return s.HTML(c, "org/new", p)
}

func (s handlers) createOrg(c *fiber.Ctx) error {
	in := buyerorg.Org{Name: c.FormValue("name"), Kind: c.FormValue("kind"), PublicRanking: c.FormValue("public_ranking") != ""}
	_, err := s.BuyerOrgs.Create(web.Ctx(c), web.ActorOf(c), in)
	if err == nil {
		return c.Redirect("/org?done=created", fiber.StatusSeeOther)
	}
	fields, msg, status, ok := web.FormError(s.Page(c, ""), err)
	if !ok {
		return err
	}
	// A conflict (the account already buys for an organisation) is about
	// the whole form, whichever field it names; a refused field is a 422.
	conflict := status == fiber.StatusConflict
	if len(fields) == 0 || conflict {
		fields["form"] = msg
	}
	if !conflict {
		status = fiber.StatusUnprocessableEntity
	}
	c.Status(status)
	return s.renderNew(c, NewForm{Org: in}, fields)
}

// acceptInvitation makes the account a member of the organisation that
// invited it, and goes back to /org. A refusal (another organisation's
// member, an invitation gone) shows on /org next to the invitations.
func (s handlers) acceptInvitation(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "invitation not found")
	if err != nil {
		return err
	}
	if _, err := s.BuyerOrgs.AcceptInvitation(web.Ctx(c), web.ActorOf(c), id); err != nil {
		return s.startError(c, err)
	}
	return c.Redirect("/org?done=joined", fiber.StatusSeeOther)
}

// leave ends the account's membership of the organisation it buys for.
func (s handlers) leave(c *fiber.Ctx) error {
	a := web.ActorOf(c)
	member, ok, err := s.BuyerOrgs.MembershipOf(web.Ctx(c), a)
	if err != nil {
		return err
	}
	if !ok {
		return c.Redirect("/org", fiber.StatusSeeOther)
	}
	if err := s.BuyerOrgs.Leave(web.Ctx(c), a, int64(member.ID)); err != nil {
		return s.startError(c, err)
	}
	return c.Redirect("/org?done=left", fiber.StatusSeeOther)
}

// startError shows /org again with a conflict or a refusal atop; anything
// else goes to the error handler.
func (s handlers) startError(c *fiber.Ctx, err error) error {
	fields, msg, status, ok := web.FormError(s.Page(c, ""), err, errs.Conflict, errs.NotFound)
	if !ok {
		return err
	}
	fields["form"] = msg
	c.Status(status)
	return s.renderNew(c, NewForm{Start: true}, fields)
}
