package coop

import (
	"cmp"
	"io"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/income"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/web"
)

// WagesView is the wages page: the form to record a wage paid to a member
// household, the batch upload, and the latest wages with a way to correct
// each.
type WagesView struct {
	Members        []income.MemberShares
	Wages          []income.Wage
	Form           WageForm
	FormError      bool
	Kinds          []string
	Columns        [][2]string // the batch file's columns, English and Chinese
	Saved          bool
	Imported       string
	web.BatchError // a refused upload
}

// WageForm is the record-a-wage (or correct-a-wage) form as typed.
type WageForm struct {
	HouseholdID, WorkFrom, WorkTo, Kind, Amount, PaidOn, Note string
	Corrects                                                  string // the wage corrected, for a correction
	Errors                                                    map[string]string
}

// Err is the form's message for field k.
func (f WageForm) Err(k string) string { return f.Errors[k] }

var wageColumnOrder = web.ColumnOrder(income.WageColumns)

func (s handlers) renderWages(c *fiber.Ctx, form WageForm, v WagesView) error {
	a := web.ActorOf(c)
	var err error
	if v.Members, err = s.Income.Shares(web.Ctx(c), a, a.CooperativeID, 0); err != nil {
		return err
	}
	if v.Wages, err = s.Income.Wages(web.Ctx(c), a, a.CooperativeID, 200); err != nil {
		return err
	}
	p := s.Page(c, "")
	p.Title = p.T("income.wages")
	today := s.Clock.Today()
	form.WorkFrom, form.PaidOn = cmp.Or(form.WorkFrom, today), cmp.Or(form.PaidOn, today)
	form.Kind = cmp.Or(form.Kind, "sorting")
	v.Form, v.Kinds = form, income.WageKinds
	v.Saved, v.Imported = c.Query("saved") != "", c.Query("imported")
	v.Columns = web.ColumnPairs(income.WageColumns, income.WageChineseColumns)
	p.Data = v
	return s.HTML(c, "coop/wages", p)
}

func (s handlers) wages(c *fiber.Ctx) error { return s.renderWages(c, WageForm{}, WagesView{}) }

// recordWage records one wage, or a correction when the form names the
// wage it corrects.
func (s handlers) recordWage(c *fiber.Ctx) error {
	a := web.ActorOf(c)
	form := WageForm{HouseholdID: c.FormValue("household_id"), WorkFrom: strings.TrimSpace(c.FormValue("work_from")),
		WorkTo: strings.TrimSpace(c.FormValue("work_to")), Kind: c.FormValue("kind"), Amount: c.FormValue("amount_yuan"),
		PaidOn: strings.TrimSpace(c.FormValue("paid_on")), Note: c.FormValue("note"), Corrects: c.FormValue("corrects"),
		Errors: map[string]string{}}
	p := s.Page(c, "")
	in := income.WageInput{WorkFrom: form.WorkFrom, WorkTo: form.WorkTo, Kind: form.Kind, PaidOn: form.PaidOn, Note: form.Note}
	if id, ok := ids.Parse(form.Corrects); ok {
		in.Corrects = &id
	} else if id, ok := ids.Parse(form.HouseholdID); ok {
		in.HouseholdID = id
	} else {
		form.Errors["household_id"] = p.Msg("is required")
	}
	in.AmountFen = web.YuanField(p, form.Errors, "amount_fen", form.Amount)
	if len(form.Errors) == 0 {
		_, err := s.Income.RecordWages(web.Ctx(c), a, a.CooperativeID, []income.WageInput{in}, func(int) string { return "" })
		if err == nil {
			return c.Redirect("/coop/wages?saved=1", fiber.StatusSeeOther)
		}
		if !web.AddFormErrors(p, form.Errors, err, errs.Invalid, errs.Conflict) {
			return err
		}
	}
	c.Status(fiber.StatusUnprocessableEntity)
	return s.renderWages(c, form, WagesView{FormError: true})
}

func (s handlers) importWages(c *fiber.Ctx) error {
	a := web.ActorOf(c)
	if err := income.CanWrite(a, a.CooperativeID); err != nil {
		return err
	}
	n, err := web.Upload(c, "file", func(r io.Reader) (int, error) {
		return s.Income.ImportWages(web.Ctx(c), a, a.CooperativeID, r)
	})
	if err == nil {
		return c.Redirect("/coop/wages?imported="+strconv.Itoa(n), fiber.StatusSeeOther)
	}
	status, batch, ok := web.BatchFailure(s.Page(c, ""), err, "income.col.", wageColumnOrder)
	if !ok {
		return err
	}
	c.Status(status)
	v := WagesView{BatchError: batch}
	return s.renderWages(c, WageForm{}, v)
}

// correctWage shows the wages page with the form set to correct one wage:
// a new entry of a signed amount, never an edit.
func (s handlers) correctWage(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "wage not found")
	if err != nil {
		return err
	}
	return s.renderWages(c, WageForm{Corrects: strconv.FormatInt(id, 10)}, WagesView{})
}
