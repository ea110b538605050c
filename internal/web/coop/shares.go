package coop

import (
	"cmp"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/income"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/money"
	"github.com/fupinmarket/market/internal/web"
)

// SharesView is the members' shares page: every member household with its
// shares and quantified assets now; for one member (Member), the form to
// set them and their history.
type SharesView struct {
	Members   []income.MemberShares
	Member    *income.MemberShares
	Form      SharesForm
	FormError bool
	Saved     bool
}

// SharesForm is the set-shares form as typed.
type SharesForm struct {
	Shares, Assets string
	Errors         map[string]string
}

// Err is the form's message for field k.
func (f SharesForm) Err(k string) string { return f.Errors[k] }

func (s handlers) renderShares(c *fiber.Ctx, household int64, form SharesForm, v SharesView) error {
	a := web.ActorOf(c)
	var err error
	if v.Members, err = s.Income.Shares(web.Ctx(c), a, a.CooperativeID, 0); err != nil {
		return err
	}
	if household > 0 {
		one, err := s.Income.Shares(web.Ctx(c), a, a.CooperativeID, household)
		if err != nil {
			return err
		}
		if len(one) == 0 {
			return errs.E(errs.NotFound, "household %d is not a member of the cooperative", household)
		}
		v.Member = &one[0]
		if form.Errors == nil {
			form.Shares, form.Assets = strconv.FormatInt(one[0].Shares, 10), money.Yuan(one[0].AssetsFen)
		}
	}
	p := s.Page(c, "")
	p.Title = p.T("income.shares")
	v.Form, v.Saved = form, c.Query("saved") != ""
	p.Data = v
	return s.HTML(c, "coop/shares", p)
}

func (s handlers) shares(c *fiber.Ctx) error {
	return s.renderShares(c, 0, SharesForm{}, SharesView{})
}

func (s handlers) memberShares(c *fiber.Ctx) error {
	id, err := web.PathID(c, "household", "household not found")
	if err != nil {
		return err
	}
	return s.renderShares(c, id, SharesForm{}, SharesView{})
}

// setShares records a member's shares and assets from now on.
func (s handlers) setShares(c *fiber.Ctx) error {
	a := web.ActorOf(c)
	id, err := web.PathID(c, "household", "household not found")
	if err != nil {
		return err
	}
	form := SharesForm{Shares: strings.TrimSpace(c.FormValue("shares")), Assets: c.FormValue("assets_yuan"), Errors: map[string]string{}}
	p := s.Page(c, "")
	shares, err := strconv.ParseInt(form.Shares, 10, 64)
	if err != nil {
		form.Errors["shares"] = p.Msg("must be a whole number")
	}
	fen := web.YuanField(p, form.Errors, "assets_fen", cmp.Or(strings.TrimSpace(form.Assets), "0"))
	if len(form.Errors) == 0 {
		_, err = s.Income.SetShares(web.Ctx(c), a, a.CooperativeID, id, income.SharesInput{Shares: shares, AssetsFen: fen})
		if err == nil {
			return c.Redirect("/coop/shares/"+strconv.FormatInt(id, 10)+"?saved=1", fiber.StatusSeeOther)
		}
		if !web.AddFormErrors(p, form.Errors, err, errs.Invalid) {
			return err
		}
	}
	c.Status(fiber.StatusUnprocessableEntity)
	return s.renderShares(c, id, form, SharesView{FormError: true})
}
