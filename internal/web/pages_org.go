package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/buyerorg"
	"github.com/fupinmarket/market/internal/platform/errs"
)

// --- starting a buyer organisation ----------------------------------------------
//
// A signed-in buyer who belongs to no organisation finds on /org how to
// start one, and on /org/new the form; creating it makes the buyer its
// administrator and lands on /org. A member of an organisation is told
// whose it is: an account belongs to one organisation at most.

// pageOrg is the organisation's portal for its administrator (and a
// platform admin with ?org=); other signed-in accounts see where they stand.
func (s *Server) pageOrg(c *fiber.Ctx) error {
	a := actorOf(c)
	if a.Has(auth.RoleBuyerOrgAdmin) || a.IsAdmin() {
		return s.renderOrg(c, nil)
	}
	return s.renderOrgNew(c, orgNewForm{Start: true})
}

// orgNewForm is what the creation page shows.
type orgNewForm struct {
	Start  bool // /org: the lead with a link to the form, not the form
	Org    buyerorg.Org
	Errors map[string]string
}

func (s *Server) pageOrgNew(c *fiber.Ctx) error {
	if actorOf(c).Has(auth.RoleBuyerOrgAdmin) {
		return c.Redirect("/org", fiber.StatusSeeOther)
	}
	return s.renderOrgNew(c, orgNewForm{Org: buyerorg.Org{Kind: buyerorg.Kinds[0]}})
}

func (s *Server) renderOrgNew(c *fiber.Ctx, f orgNewForm) error {
	a := actorOf(c)
	member, isMember, err := s.BuyerOrgs.MembershipOf(ctx(c), a)
	if err != nil {
		return err
	}
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	p := s.page(c, "")
	p.Title = p.T("rpt.org.new.title")
	data := map[string]any{"Form": f, "Kinds": buyerorg.Kinds, "Errors": f.Errors,
		"OrgAdmin": a.Has(auth.RoleBuyerOrgAdmin), "Member": nil}
	if isMember {
		data["Member"] = member
	}
	p.Data = data
	return s.html(c, "org_new", p)
}

func (s *Server) postOrgNew(c *fiber.Ctx) error {
	in := buyerorg.Org{Name: c.FormValue("name"), Kind: c.FormValue("kind"), PublicRanking: c.FormValue("public_ranking") != ""}
	if _, err := s.BuyerOrgs.Create(ctx(c), actorOf(c), in); err != nil {
		var e *errs.Error
		if !asErr(err, &e) || (e.Kind != errs.Invalid && e.Kind != errs.Conflict) {
			return err
		}
		p := s.page(c, "")
		fields := map[string]string{}
		for k, v := range e.Fields {
			fields[k] = trMsg(p, v)
		}
		if len(fields) == 0 || e.Kind == errs.Conflict {
			fields["form"] = trMsg(p, e.Message)
		}
		if e.Kind == errs.Conflict {
			c.Status(fiber.StatusConflict)
		} else {
			c.Status(fiber.StatusUnprocessableEntity)
		}
		return s.renderOrgNew(c, orgNewForm{Org: in, Errors: fields})
	}
	return c.Redirect("/org?done=created", fiber.StatusSeeOther)
}
