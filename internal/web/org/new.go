package org

import (
	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/buyerorg"
	"github.com/fupinmarket/market/internal/web"
)

// Starting an organisation: a signed-in buyer who belongs to none finds on
// /org how to start one, and on /org/new the form; creating it makes the
// buyer its administrator and lands on /org. A member of an organisation
// is told whose it is: an account belongs to one organisation at most.

// NewView is the page about starting an organisation: for a member of one,
// whose it is; for an administrator, the way to the portal; for others, the
// lead to the form (on /org) or the form.
type NewView struct {
	Form     NewForm
	Kinds    []string
	Errors   map[string]string
	OrgAdmin bool
	Member   *buyerorg.Org // the organisation the account buys for, nil for none
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
	p := s.Page(c, "")
	p.Title = p.T("rpt.org.new.title")
	v := NewView{Form: f, Kinds: buyerorg.Kinds, Errors: fieldErrs, OrgAdmin: a.Has(auth.RoleBuyerOrgAdmin)}
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
