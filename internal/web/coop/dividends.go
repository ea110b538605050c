package coop

import (
	"cmp"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/income"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/web"
)

// DividendsView is the dividends page: the form to declare one and the
// dividends declared so far.
type DividendsView struct {
	Dividends []income.Dividend
	Form      DividendForm
	FormError bool
	Bases     []string
}

// DividendForm is the declare-a-dividend form as typed.
type DividendForm struct {
	Year, Total, Basis string
	Errors             map[string]string
}

// Err is the form's message for field k.
func (f DividendForm) Err(k string) string { return f.Errors[k] }

// DividendView is one dividend: its split to review, and the buttons to
// confirm (pay) or discard a draft.
type DividendView struct {
	Dividend income.Dividend
	Error    string // why a confirmation was refused
}

func (s handlers) renderDividends(c *fiber.Ctx, form DividendForm, v DividendsView) error {
	a := web.ActorOf(c)
	var err error
	if v.Dividends, err = s.Income.Dividends(web.Ctx(c), a, a.CooperativeID); err != nil {
		return err
	}
	p := s.Page(c, "")
	p.Title = p.T("income.dividends")
	form.Year, form.Basis = cmp.Or(form.Year, strconv.Itoa(s.Clock.Year())), cmp.Or(form.Basis, income.BasisShares)
	v.Form, v.Bases = form, []string{income.BasisShares, income.BasisAssets}
	p.Data = v
	return s.HTML(c, "coop/dividends", p)
}

func (s handlers) dividends(c *fiber.Ctx) error {
	return s.renderDividends(c, DividendForm{}, DividendsView{})
}

// declareDividend drafts a dividend and shows its split for review.
func (s handlers) declareDividend(c *fiber.Ctx) error {
	a := web.ActorOf(c)
	form := DividendForm{Year: c.FormValue("year"), Total: c.FormValue("total_yuan"), Basis: c.FormValue("basis"), Errors: map[string]string{}}
	p := s.Page(c, "")
	year, err := strconv.Atoi(form.Year)
	if err != nil {
		form.Errors["year"] = web.TrMsg(p, "must be a year from 2000 to this year")
	}
	fen := web.YuanField(p, form.Errors, "total_fen", form.Total)
	if len(form.Errors) == 0 {
		d, err := s.Income.Declare(web.Ctx(c), a, a.CooperativeID, income.DividendInput{Year: year, TotalFen: fen, Basis: form.Basis})
		if err == nil {
			return c.Redirect("/coop/dividends/"+d.ID.String(), fiber.StatusSeeOther)
		}
		if !web.AddFormErrors(p, form.Errors, err, errs.Invalid) {
			return err
		}
	}
	c.Status(fiber.StatusUnprocessableEntity)
	return s.renderDividends(c, form, DividendsView{FormError: true})
}

func (s handlers) renderDividend(c *fiber.Ctx, id int64, refusal string) error {
	a := web.ActorOf(c)
	d, err := s.Income.Dividend(web.Ctx(c), a, a.CooperativeID, id)
	if err != nil {
		return err
	}
	p := s.Page(c, "")
	p.Title = p.T("income.dividend_title", d.Year)
	p.Data = DividendView{Dividend: d, Error: refusal}
	return s.HTML(c, "coop/dividend", p)
}

func (s handlers) dividend(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "dividend not found")
	if err != nil {
		return err
	}
	return s.renderDividend(c, id, "")
}

// settleDividend confirms (pays) or discards a draft; a refusal (it is no
// longer a draft, a household has left) shows on the dividend's page.
func (s handlers) settleDividend(confirm bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		a := web.ActorOf(c)
		id, err := web.PathID(c, "id", "dividend not found")
		if err != nil {
			return err
		}
		step := s.Income.Discard
		if confirm {
			step = s.Income.Confirm
		}
		_, err = step(web.Ctx(c), a, a.CooperativeID, id)
		if err == nil {
			return c.Redirect("/coop/dividends/"+strconv.FormatInt(id, 10), fiber.StatusSeeOther)
		}
		_, msg, status, ok := web.FormError(s.Page(c, ""), err, errs.Conflict)
		if !ok {
			return err
		}
		c.Status(status)
		return s.renderDividend(c, id, msg)
	}
}
