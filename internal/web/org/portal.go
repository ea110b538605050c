package org

import (
	"html/template"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/buyerorg"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/money"
	"github.com/fupinmarket/market/internal/web"
)

// PortalView is the organisation's portal: its year against its target,
// the delivered orders awaiting acceptance, its members, and the target and
// member forms (as typed, with their errors, when one was refused). The
// year form keeps ?org= through YearView.OrgParam, as the portal's own
// forms do.
type PortalView struct {
	web.YearView
	Org        buyerorg.Org
	Progress   buyerorg.Progress
	Awaiting   []buyerorg.AwaitingOrder
	Members    []buyerorg.Member
	Invoices   []InvoiceRow // the latest paid orders with their invoicing
	Invited    []buyerorg.PendingInvitation
	Charts     []template.HTML
	TargetYuan string
	TargetYear int    // the year the target form sets: the year shown, or the one a refused form chose
	BudgetYuan string // the canteen's food budget, as typed
	Share      int    // the canteen share a budget unit reserves, in percent
	Email      string
	// Unconfirmed: the account has not confirmed its own address, so it
	// invites nobody yet; the portal offers to mail the link again (the
	// page that offers it to other accounts is not the administrator's).
	Unconfirmed  bool
	AccountEmail string
	Errors       map[string]string
	Done         string // which change the notice confirms, "" for none
}

// home is the portal for an organisation's administrator (and a platform
// administrator with ?org=); other signed-in accounts see where they stand.
func (s handlers) home(c *fiber.Ctx) error {
	a := web.ActorOf(c)
	if a.Has(auth.RoleBuyerOrgAdmin) || a.IsAdmin() {
		return s.renderPortal(c, nil)
	}
	return s.renderNew(c, NewForm{Start: true}, nil)
}

// orgOf is the organisation a page is about: the administrator's own, or
// ?org= (or the form's org) for a platform administrator.
func orgOf(c *fiber.Ctx) (int64, error) {
	a := web.ActorOf(c)
	if a.BuyerOrgID != 0 && a.Has(auth.RoleBuyerOrgAdmin) {
		return a.BuyerOrgID, nil
	}
	if id, ok := ids.Parse(c.Query("org", c.FormValue("org"))); ok {
		return int64(id), nil
	}
	return 0, errs.E(errs.NotFound, "organisation not found")
}

// orgParam is the ?org= a platform administrator's portal pages keep (the
// institution's administrator needs none: orgOf knows the institution),
// "" when none is needed.
func orgParam(c *fiber.Ctx, id int64) string {
	if web.ActorOf(c).Has(auth.RoleBuyerOrgAdmin) {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

// orgQuery is "?org=…" when the portal keeps one (orgParam), else "".
func orgQuery(c *fiber.Ctx, id int64) string {
	if v := orgParam(c, id); v != "" {
		return "?org=" + v
	}
	return ""
}

// renderPortal shows the portal; typed, when set, puts back what a refused
// form held.
func (s handlers) renderPortal(c *fiber.Ctx, typed func(*PortalView)) error {
	id, err := orgOf(c)
	if err != nil {
		return err
	}
	year, err := s.YearParam(c)
	if err != nil {
		return err
	}
	v, err := s.load(c, id, year)
	if err != nil {
		return err
	}
	p := s.Page(c, "")
	p.Title = v.Org.Name
	v.YearView = s.Years(year)
	v.TargetYear = year
	v.OrgParam = orgParam(c, id)
	v.Charts = charts(p, v.Progress, year)
	v.TargetYuan = money.Yuan(v.Progress.TargetFen)
	if b := v.Progress.CanteenBudgetFen; b != nil {
		v.BudgetYuan = money.Yuan(*b)
	}
	v.Share = buyerorg.CanteenSharePercent
	if v.Invoices, err = s.invoiceRows(c, p, id); err != nil {
		return err
	}
	a := web.ActorOf(c)
	email, confirmed, err := auth.ConfirmedEmail(web.Ctx(c), s.DB, a.UserID)
	if err != nil {
		return err
	}
	v.Unconfirmed, v.AccountEmail = !confirmed, email
	v.Errors = map[string]string{}
	v.Done = doneNotice(c.Query("done"))
	if typed != nil {
		typed(&v)
	}
	p.Data = v
	return s.HTML(c, "org/portal", p)
}

// load reads what the portal shows of organisation id in year.
func (s handlers) load(c *fiber.Ctx, id int64, year int) (PortalView, error) {
	a, ctx := web.ActorOf(c), web.Ctx(c)
	var v PortalView
	var err error
	if v.Org, err = s.BuyerOrgs.Get(ctx, a, id); err != nil {
		return v, err
	}
	if v.Progress, err = s.BuyerOrgs.Progress(ctx, a, id, year); err != nil {
		return v, err
	}
	if v.Awaiting, err = s.BuyerOrgs.Awaiting(ctx, a, id); err != nil {
		return v, err
	}
	if v.Members, err = s.BuyerOrgs.Members(ctx, a, id); err != nil {
		return v, err
	}
	for i := range v.Members {
		v.Members[i].AddedAt = s.Clock.In(v.Members[i].AddedAt) // the day added, in Beijing
	}
	for i := range v.Awaiting {
		if d := v.Awaiting[i].DeliveredAt; d != nil {
			*d = s.Clock.In(*d)
		}
	}
	if v.Invited, err = s.BuyerOrgs.PendingInvitations(ctx, a, id); err != nil {
		return v, err
	}
	for i := range v.Invited {
		v.Invited[i].InvitedAt = s.Clock.In(v.Invited[i].InvitedAt)
	}
	return v, nil
}

// portalInvoices is how many orders' invoicing the portal lists; the
// export has them all.
const portalInvoices = 20

// charts are the year's net purchases against the target, then the
// purchases by month.
func charts(p web.Page, pr buyerorg.Progress, year int) []template.HTML {
	target := web.YuanChart(p, "chart-target", p.T("rpt.chart.target", year), p.T("rpt.chart.target_legend"))
	target.Labels = []string{p.T("rpt.org.target"), p.T("rpt.org.net")}
	// Refunds can take a year's net below zero: its bar is then empty. The
	// scale ends at the target, or at what was bought beyond it.
	target.Values = []int64{pr.TargetFen, max(pr.NetFen, 0)}
	target.Max = max(pr.TargetFen, pr.NetFen, 1)
	target.Color = web.ChartGold
	byMonth := make([]int64, 0, len(pr.ByMonth))
	for _, m := range pr.ByMonth {
		byMonth = append(byMonth, m.PurchasedFen)
	}
	months := web.MonthlyYuan(p, "chart-org", p.T("rpt.chart.org_monthly", year), p.T("rpt.chart.org_legend"), byMonth)
	return []template.HTML{target.HorizontalBars(), months.VerticalBars()}
}

// doneNotice is the notice ?done= asks for, when the portal has one: the
// value names a catalog key, so nothing else is let through.
func doneNotice(done string) string {
	switch done {
	case "target", "invited", "accepted", "created", "joined", "left", "verified", "mailed", "not_mailed":
		return done
	}
	return ""
}
