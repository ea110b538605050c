package coop

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/payout"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/money"
	"github.com/fupinmarket/market/internal/web"
)

// PayoutsView is the payouts page: what the cooperative owes each member
// household, the form to record a payout, the bank batch upload and the
// history.
type PayoutsView struct {
	Statement      payout.Statement
	Form           PayoutForm
	FormError      bool
	Methods        []string
	RegNo          map[ids.ID]string // registry numbers of the history's households
	Columns        [][2]string       // the batch file's columns, English and Chinese
	Saved          bool
	SavedFor       string // who was paid what, in the words the cooperative knows them by
	Imported       string
	web.BatchError // a refused upload
}

// PayoutForm is the record-a-payout form as typed, with its errors.
type PayoutForm struct {
	HouseholdID string
	Amount      string
	PaidOn      string
	Method      string
	Reference   string
	Errors      map[string]string
}

// Err is the form's message for field k.
func (f PayoutForm) Err(k string) string { return f.Errors[k] }

var batchColumnOrder = web.ColumnOrder(payout.BatchColumns)

func (s handlers) renderPayouts(c *fiber.Ctx, form PayoutForm, v PayoutsView) error {
	a := web.ActorOf(c)
	st, err := s.Payouts.Statement(web.Ctx(c), a, a.CooperativeID)
	if err != nil {
		return err
	}
	p := s.Page(c, "")
	p.Title = p.T("rpt.payouts")
	if form.PaidOn == "" {
		form.PaidOn = s.Clock.Today()
	}
	if form.Method == "" {
		form.Method = "bank_transfer"
	}
	v.Statement, v.Form, v.Methods = st, form, payout.Methods
	v.RegNo = map[ids.ID]string{}
	for _, b := range st.Balances {
		v.RegNo[b.HouseholdID] = b.RegistryNo
	}
	v.Saved, v.Imported = c.Query("saved") != "", c.Query("imported")
	if v.Saved {
		v.SavedFor = paidWords(st, c.Query("household"))
	}
	v.Columns = web.ColumnPairs(payout.BatchColumns, payout.BatchChineseColumns)
	p.Data = v
	return s.HTML(c, "coop/payouts", p)
}

func (s handlers) payouts(c *fiber.Ctx) error {
	return s.renderPayouts(c, PayoutForm{}, PayoutsView{})
}

func (s handlers) recordPayout(c *fiber.Ctx) error {
	a := web.ActorOf(c)
	form := PayoutForm{HouseholdID: c.FormValue("household_id"), Amount: c.FormValue("amount_yuan"),
		PaidOn: strings.TrimSpace(c.FormValue("paid_on")), Method: c.FormValue("method"), Reference: c.FormValue("reference"),
		Errors: map[string]string{}}
	p := s.Page(c, "")
	in := payout.Input{PaidOn: form.PaidOn, Method: form.Method, Reference: form.Reference}
	if id, ok := ids.Parse(form.HouseholdID); ok {
		in.HouseholdID = id
	} else {
		form.Errors["household_id"] = p.Msg("is required")
	}
	in.AmountFen = web.YuanField(p, form.Errors, "amount_fen", form.Amount)
	if len(form.Errors) == 0 {
		err := s.Payouts.Record(web.Ctx(c), a, a.CooperativeID, []payout.Input{in}, func(int) string { return "" })
		if err == nil {
			return c.Redirect(fmt.Sprintf("/coop/payouts?saved=1&household=%s", in.HouseholdID), fiber.StatusSeeOther)
		}
		if !web.AddFormErrors(p, form.Errors, err, errs.Invalid) {
			return err
		}
	}
	c.Status(fiber.StatusUnprocessableEntity)
	return s.renderPayouts(c, form, PayoutsView{FormError: true})
}

func (s handlers) importPayouts(c *fiber.Ctx) error {
	a := web.ActorOf(c)
	if err := payout.CanRecord(a, a.CooperativeID); err != nil {
		return err
	}
	n, err := web.Upload(c, "file", func(r io.Reader) (int, error) {
		return s.Payouts.ImportBatch(web.Ctx(c), a, a.CooperativeID, r)
	})
	if err == nil {
		return c.Redirect("/coop/payouts?imported="+strconv.Itoa(n), fiber.StatusSeeOther)
	}
	status, batch, ok := web.BatchFailure(s.Page(c, ""), err, "rpt.col.", batchColumnOrder)
	if !ok {
		return err
	}
	c.Status(status)
	v := PayoutsView{BatchError: batch}
	return s.renderPayouts(c, PayoutForm{}, v)
}

// paidWords says who was just paid what, as the cooperative knows the
// household: its latest payout in the statement the page shows, never an
// amount or a text from the address. "" when the household has none.
func paidWords(st payout.Statement, household string) string {
	for _, p := range st.Payouts { // newest first
		if p.HouseholdID.String() != household {
			continue
		}
		words := "¥" + money.Yuan(p.AmountFen)
		for _, b := range st.Balances {
			if b.HouseholdID == p.HouseholdID {
				return b.HeadName + " · " + b.VillageName + " · " + b.RegistryNo + " · " + words
			}
		}
		return words
	}
	return ""
}
