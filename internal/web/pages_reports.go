package web

import (
	"fmt"
	"html/template"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/payout"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/region"
	"github.com/fupinmarket/market/internal/report"
)

// reportPageRoutes adds the pages of income reporting: the office dashboard
// with its drill-down, the listed-supervision board and household income;
// the cooperative's payouts and sales; the buyer organisation's portal; the
// public impact page. Forms post and redirect, or render their errors next
// to the fields; nothing needs JavaScript.
func (s *Server) reportPageRoutes(app *fiber.App) {
	office := s.requirePageRole(auth.RoleOffice, auth.RolePlatformAdmin)
	coop := s.requirePageRole(auth.RoleCoopAdmin)
	org := s.requirePageRole(auth.RoleBuyerOrgAdmin, auth.RolePlatformAdmin)
	app.Get("/office", office, s.pageDashboard)
	app.Get("/office/regions/:code", office, s.pageDashboard)
	app.Get("/office/listed", office, s.pageListed)
	app.Get("/office/households/:id/income", office, s.pageHouseholdIncome)
	app.Get("/coop/payouts", coop, s.pageCoopPayouts)
	app.Post("/coop/payouts", coop, s.postCoopPayout)
	app.Post("/coop/payouts/import", coop, s.postCoopPayoutImport)
	app.Get("/coop/sales", coop, s.pageCoopSales)
	app.Get("/org", s.signedInPage, s.pageOrg)
	app.Get("/org/new", s.signedInPage, s.pageOrgNew)
	app.Post("/org/new", s.signedInPage, s.postOrgNew)
	app.Post("/org/target", org, s.postOrgTarget)
	app.Post("/org/members", org, s.postOrgMember)
	app.Post("/org/orders/:id/accept", org, s.postOrgAccept)
	app.Get("/impact", s.pageImpact)
}

// yearChoices are the years a report may be asked for: from the 2020
// campaign to this year, newest first, with the shown year included.
func yearChoices(shown int) []int {
	now := report.CurrentYear()
	var out []int
	for y := max(now, shown); y >= min(2020, shown); y-- {
		out = append(out, y)
	}
	return out
}

func monthLabels(p Page) []string {
	out := make([]string, 12)
	for i := range out {
		out[i] = p.T(fmt.Sprintf("rpt.m%d", i+1))
	}
	return out
}

// --- office dashboard ---------------------------------------------------------

// sortKeys are the children table's sortable columns.
var sortKeys = []string{"name", "attributed", "paid", "owed", "reached", "avg", "poverty", "monitoring"}

func sortChildren(list []report.Child, key string) {
	val := func(c report.Child) int64 {
		switch key {
		case "paid":
			return c.PaidOutFen
		case "owed":
			return c.OwedFen
		case "reached":
			return int64(c.HouseholdsReached)
		case "avg":
			return c.AvgPerCapitaGainFen
		case "poverty":
			return int64(c.CrossedPovertyLine)
		case "monitoring":
			return int64(c.CrossedMonitoringLine)
		}
		return c.AttributedFen
	}
	sort.SliceStable(list, func(i, j int) bool {
		if key == "name" {
			return list[i].Code < list[j].Code
		}
		vi, vj := val(list[i]), val(list[j])
		if vi != vj {
			return vi > vj
		}
		return list[i].Code < list[j].Code
	})
}

// trail lists the region's ancestors the actor governs, top first.
func (s *Server) trail(c *fiber.Ctx, a auth.Actor, r region.Region) ([]region.Region, error) {
	var out []region.Region
	for code := r.ParentCode; code != ""; {
		parent, err := s.Regions.Get(ctx(c), code)
		if err != nil {
			return nil, err
		}
		if !a.Governs(parent.Code) {
			break
		}
		out = append([]region.Region{parent}, out...)
		code = parent.ParentCode
	}
	return out, nil
}

func (s *Server) pageDashboard(c *fiber.Ctx) error {
	a := actorOf(c)
	year, err := yearParam(c)
	if err != nil {
		return err
	}
	code := c.Params("code")
	sum, err := s.Reports.Summary(ctx(c), a, code, year)
	if err != nil {
		return err
	}
	r, err := s.Regions.Get(ctx(c), sum.Region)
	if err != nil {
		return err
	}
	trail, err := s.trail(c, a, r)
	if err != nil {
		return err
	}
	sortKey := c.Query("sort", "attributed")
	sortChildren(sum.Children, sortKey)
	monthly, err := s.Reports.Monthly(ctx(c), a, sum.Region, year)
	if err != nil {
		return err
	}
	top, err := s.Reports.TopProducts(ctx(c), a, sum.Region, year, 10)
	if err != nil {
		return err
	}
	coverage, err := s.Reports.Coverage(ctx(c), a, sum.Region, year)
	if err != nil {
		return err
	}
	action, err := s.Reports.ActionList(ctx(c), a, sum.Region, year, 50)
	if err != nil {
		return err
	}
	p := s.page(c, "")
	p.Title = p.T("rpt.dashboard") + " · " + sum.Name
	rows := make([]actionRow, len(action))
	for i, h := range action {
		rows[i] = actionRow{HouseholdRow: h, GapFen: max(h.MonitoringLineFen-h.ProjectedFen, 0)}
	}
	data := map[string]any{"Summary": sum, "Region": r, "Trail": trail, "Year": year, "Years": yearChoices(year),
		"Sort": sortKey, "SortKeys": sortKeys, "Action": rows, "IsRoot": code == "",
		"Export": fmt.Sprintf("/api/v1/attribution/export?region=%s&year=%d", sum.Region, year)}
	var households int
	for _, v := range coverage {
		households += v.Households
	}
	data["FigView"] = figView{P: p, F: sum.Figures, Households: households}
	if sum.Level == region.Village {
		list, next, err := s.Reports.Households(ctx(c), a, sum.Region, year, c.Query("after"), 100)
		if err != nil {
			return err
		}
		data["HouseholdRows"], data["Next"], data["After"] = list, next, c.Query("after")
	}
	if code == "" {
		owed, err := s.Payouts.OwedByCoop(ctx(c), a)
		if err != nil {
			return err
		}
		data["Owed"] = owed
	}
	data["Charts"] = dashboardCharts(p, monthly, top, coverage)
	p.Data = data
	return s.html(c, "report_dashboard", p)
}

// actionRow is a household of the list to act on with its gap to the
// monitoring line (per person, fen).
type actionRow struct {
	report.HouseholdRow
	GapFen int64
}

// figView is what the "report-figures" template needs.
type figView struct {
	P          Page
	F          report.Figures
	Households int
}

// coverageBands group villages by the share of their households reached
// when there are too many villages for one bar each.
const coverageBarsMax = 30

func dashboardCharts(p Page, monthly []report.Month, top []report.ProductShare, coverage []report.VillageCoverage) []template.HTML {
	months := barChart{ID: "chart-monthly", Title: p.T("rpt.chart.monthly"), Legend: p.T("rpt.chart.attributed"),
		Unit: p.T("rpt.unit.yuan"), Labels: monthLabels(p), Axis: yuanWhole, MinStep: 100, Value: func(v int64) string { return moneyFunc(v) }}
	for _, m := range monthly {
		months.Values = append(months.Values, m.AttributedFen)
	}
	products := barChart{ID: "chart-products", Title: p.T("rpt.chart.products"), Legend: p.T("rpt.chart.attributed"),
		Unit: p.T("rpt.unit.yuan"), Axis: yuanWhole, MinStep: 100, Value: func(v int64) string { return moneyFunc(v) }, Color: chartBar2}
	for _, t := range top {
		products.Labels = append(products.Labels, t.Title)
		products.Values = append(products.Values, t.AttributedFen)
	}
	cov := barChart{ID: "chart-coverage", Title: p.T("rpt.chart.coverage"), Legend: p.T("rpt.chart.coverage_legend"),
		Unit: p.T("rpt.unit.percent"), Max: 10000, Axis: func(v int64) string { return pctFunc(v, 10000) },
		Value: func(v int64) string { return pctFunc(v, 10000) }}
	withHouseholds := 0
	for _, v := range coverage {
		if v.Households > 0 {
			withHouseholds++
		}
	}
	if withHouseholds <= coverageBarsMax {
		for _, v := range coverage {
			if v.Households == 0 {
				continue
			}
			cov.Labels = append(cov.Labels, v.Name)
			cov.Values = append(cov.Values, int64(v.Reached)*10000/int64(v.Households))
			cov.Texts = append(cov.Texts, p.T("rpt.chart.coverage_text", pctFunc(v.Reached, v.Households), v.Reached, v.Households))
		}
	} else {
		// Too many villages for a bar each: how many villages fall in each band.
		bands := []struct {
			key    string
			lo, hi int64 // basis points, inclusive
		}{{"rpt.band.none", 0, 0}, {"rpt.band.low", 1, 2499}, {"rpt.band.mid", 2500, 4999}, {"rpt.band.high", 5000, 7499}, {"rpt.band.most", 7500, 9999}, {"rpt.band.all", 10000, 10000}}
		counts := make([]int64, len(bands))
		for _, v := range coverage {
			if v.Households == 0 {
				continue
			}
			bp := int64(v.Reached) * 10000 / int64(v.Households)
			for i, b := range bands {
				if bp >= b.lo && bp <= b.hi {
					counts[i]++
				}
			}
		}
		cov.Title = p.T("rpt.chart.coverage_bands")
		cov.Legend = p.T("rpt.chart.villages")
		cov.Unit = p.T("rpt.unit.villages")
		cov.Max = 0
		cov.Axis = func(v int64) string { return rptGroup(v) }
		cov.Value = func(v int64) string { return p.T("rpt.chart.villages_n", rptGroup(v)) }
		for i, b := range bands {
			cov.Labels = append(cov.Labels, p.T(b.key))
			cov.Values = append(cov.Values, counts[i])
		}
		cov.Note = p.T("rpt.chart.coverage_note", withHouseholds)
	}
	return []template.HTML{months.VerticalBars(), products.HorizontalBars(), cov.HorizontalBars()}
}

func (s *Server) pageListed(c *fiber.Ctx) error {
	year, err := yearParam(c)
	if err != nil {
		return err
	}
	board, err := s.Reports.ListedBoard(ctx(c), actorOf(c), year)
	if err != nil {
		return err
	}
	p := s.page(c, "")
	p.Title = p.T("rpt.listed")
	p.Data = map[string]any{"Board": board, "Year": year, "Years": yearChoices(year)}
	return s.html(c, "report_listed", p)
}

// --- household income -------------------------------------------------------------

type incomeOrder struct {
	OrderID            ids.ID
	Number             string
	First              time.Time
	Products           []string
	SaleFen, RefundFen int64
	NetFen             int64
}

type incomeProduct struct {
	Title                      string
	SaleFen, RefundFen, NetFen int64
}

func (s *Server) pageHouseholdIncome(c *fiber.Ctx) error {
	id, err := rptID(c, "household")
	if err != nil {
		return err
	}
	year, err := yearParam(c)
	if err != nil {
		return err
	}
	inc, err := s.Reports.HouseholdIncome(ctx(c), actorOf(c), id, year)
	if err != nil {
		return err
	}
	for i := range inc.Entries {
		inc.Entries[i].At = inc.Entries[i].At.In(chinaZone)
	}
	var orders []*incomeOrder
	byOrder := map[ids.ID]*incomeOrder{}
	var products []*incomeProduct
	byProduct := map[string]*incomeProduct{}
	for _, e := range inc.Entries {
		o := byOrder[e.OrderID]
		if o == nil {
			o = &incomeOrder{OrderID: e.OrderID, Number: e.OrderNumber, First: e.At}
			byOrder[e.OrderID] = o
			orders = append(orders, o)
		}
		pr := byProduct[e.ProductTitle]
		if pr == nil {
			pr = &incomeProduct{Title: e.ProductTitle}
			byProduct[e.ProductTitle] = pr
			products = append(products, pr)
		}
		if !containsString(o.Products, e.ProductTitle) {
			o.Products = append(o.Products, e.ProductTitle)
		}
		if e.Kind == "refund" {
			o.RefundFen += e.AmountFen
			pr.RefundFen += e.AmountFen
		} else {
			o.SaleFen += e.AmountFen
			pr.SaleFen += e.AmountFen
		}
		o.NetFen += e.AmountFen
		pr.NetFen += e.AmountFen
	}
	sort.SliceStable(products, func(i, j int) bool { return products[i].NetFen > products[j].NetFen })
	h := inc.Household
	p := s.page(c, "")
	p.Title = p.T("rpt.income.title", h.RegistryNo)
	months := barChart{ID: "chart-household", Title: p.T("rpt.chart.household_monthly", year), Legend: p.T("rpt.chart.attributed"),
		Unit: p.T("rpt.unit.yuan"), Labels: monthLabels(p), Axis: yuanWhole, MinStep: 100, Value: func(v int64) string { return moneyFunc(v) }}
	for _, m := range inc.ByMonth {
		months.Values = append(months.Values, m.AttributedFen)
	}
	// Projected per-capita income against both lines: the gap still to go,
	// in whole fen per person (never a float).
	gap := func(line int64) int64 { return max(line-h.ProjectedFen, 0) }
	p.Data = map[string]any{"Income": inc, "H": h, "Year": year, "Years": yearChoices(year),
		"Orders": orders, "Products": products, "Chart": months.VerticalBars(),
		"PovertyGap": gap(h.PovertyLineFen), "MonitoringGap": gap(h.MonitoringLineFen),
		"LinesKnown": h.PovertyLineFen > 0}
	return s.html(c, "report_income", p)
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// --- cooperative portal: payouts and sales -------------------------------------------

// payoutForm is the record-a-payout form as typed, with its errors.
type payoutForm struct {
	HouseholdID string
	Amount      string
	PaidOn      string
	Method      string
	Reference   string
	Errors      map[string]string
}

func (f payoutForm) Err(k string) string { return f.Errors[k] }

var batchColumnOrder = columnOrder(payout.BatchColumns)

var chinaZone = time.FixedZone("CST", 8*3600)

func today() string { return time.Now().In(chinaZone).Format("2006-01-02") }

func (s *Server) renderCoopPayouts(c *fiber.Ctx, form payoutForm, extra map[string]any) error {
	a := actorOf(c)
	st, err := s.Payouts.Statement(ctx(c), a, a.CooperativeID)
	if err != nil {
		return err
	}
	p := s.page(c, "")
	p.Title = p.T("rpt.payouts")
	if form.PaidOn == "" {
		form.PaidOn = today()
	}
	if form.Method == "" {
		form.Method = "bank_transfer"
	}
	regNo := map[ids.ID]string{}
	for _, b := range st.Balances {
		regNo[b.HouseholdID] = b.RegistryNo
	}
	data := map[string]any{"Statement": st, "Form": form, "Methods": payout.Methods, "RegNo": regNo,
		"Columns": [][2]string{}, "Saved": c.Query("saved") != "", "Imported": c.Query("imported")}
	cols := make([][2]string, len(payout.BatchColumns))
	for i := range payout.BatchColumns {
		cols[i] = [2]string{payout.BatchColumns[i], payout.BatchChineseColumns[i]}
	}
	data["Columns"] = cols
	for k, v := range extra {
		data[k] = v
	}
	p.Data = data
	return s.html(c, "report_payouts", p)
}

func (s *Server) pageCoopPayouts(c *fiber.Ctx) error {
	return s.renderCoopPayouts(c, payoutForm{}, nil)
}

func (s *Server) postCoopPayout(c *fiber.Ctx) error {
	a := actorOf(c)
	form := payoutForm{HouseholdID: c.FormValue("household_id"), Amount: c.FormValue("amount_yuan"),
		PaidOn: strings.TrimSpace(c.FormValue("paid_on")), Method: c.FormValue("method"), Reference: c.FormValue("reference"),
		Errors: map[string]string{}}
	p := s.page(c, "")
	in := payout.Input{PaidOn: form.PaidOn, Method: form.Method, Reference: form.Reference}
	if id, ok := ids.Parse(form.HouseholdID); ok {
		in.HouseholdID = id
	} else {
		form.Errors["household_id"] = p.Msg("is required")
	}
	fen, err := payout.ParseYuan(form.Amount)
	if err != nil {
		form.Errors["amount_fen"] = p.Msg("must be an amount in yuan with at most two decimals")
	}
	in.AmountFen = fen
	if len(form.Errors) == 0 {
		err = s.Payouts.Record(ctx(c), a, a.CooperativeID, []payout.Input{in}, func(int) string { return "" })
		if err == nil {
			return c.Redirect("/coop/payouts?saved=1", fiber.StatusSeeOther)
		}
		var e *errs.Error
		if !asErr(err, &e) || e.Kind != errs.Invalid {
			return err
		}
		for k, v := range e.Fields {
			form.Errors[k] = trMsg(p, v)
		}
		if len(e.Fields) == 0 {
			form.Errors["form"] = trMsg(p, e.Message)
		}
	}
	c.Status(fiber.StatusUnprocessableEntity)
	return s.renderCoopPayouts(c, form, map[string]any{"FormError": true})
}

func (s *Server) postCoopPayoutImport(c *fiber.Ctx) error {
	a := actorOf(c)
	n, err := s.importPayouts(c, a.CooperativeID)
	if err == nil {
		return c.Redirect("/coop/payouts?imported="+strconv.Itoa(n), fiber.StatusSeeOther)
	}
	var e *errs.Error
	if !asErr(err, &e) || (e.Kind != errs.Invalid && e.Kind != errs.TooLarge) {
		return err
	}
	p := s.page(c, "")
	status, _, _ := classify(err)
	c.Status(status)
	extra := map[string]any{"ImportMessage": trMsg(p, e.Message)}
	if status == fiber.StatusBadRequest || e.Kind == errs.TooLarge {
		reason := e.Fields["file"]
		if reason == "" {
			reason = e.Message
		}
		extra["FileError"] = trMsg(p, reason)
	} else {
		extra["Problems"] = rowProblems(p, e.Fields, "rpt.col.", batchColumnOrder)
	}
	return s.renderCoopPayouts(c, payoutForm{}, extra)
}

func (s *Server) pageCoopSales(c *fiber.Ctx) error {
	a := actorOf(c)
	year, err := yearParam(c)
	if err != nil {
		return err
	}
	sales, err := s.Reports.CoopSales(ctx(c), a, a.CooperativeID, year)
	if err != nil {
		return err
	}
	p := s.page(c, "")
	p.Title = p.T("rpt.sales")
	ch := barChart{ID: "chart-sales", Title: p.T("rpt.chart.sales", year), Legend: p.T("rpt.chart.sales_legend"),
		Unit: p.T("rpt.unit.yuan"), Labels: monthLabels(p), Axis: yuanWhole, MinStep: 100, Value: func(v int64) string { return moneyFunc(v) }}
	for _, m := range sales.ByMonth {
		ch.Values = append(ch.Values, m.SalesFen)
	}
	p.Data = map[string]any{"Sales": sales, "Year": year, "Years": yearChoices(year), "Chart": ch.VerticalBars()}
	return s.html(c, "report_sales", p)
}

// --- buyer organisation portal ---------------------------------------------------------

// orgOf is the organisation a page is about: the admin's own, or ?org= for
// a platform admin.
func orgOf(c *fiber.Ctx) (int64, error) {
	a := actorOf(c)
	if a.BuyerOrgID != 0 && a.Has(auth.RoleBuyerOrgAdmin) {
		return a.BuyerOrgID, nil
	}
	if id, ok := ids.Parse(c.Query("org", c.FormValue("org"))); ok {
		return int64(id), nil
	}
	return 0, errs.E(errs.NotFound, "organisation not found")
}

func (s *Server) renderOrg(c *fiber.Ctx, extra map[string]any) error {
	a := actorOf(c)
	id, err := orgOf(c)
	if err != nil {
		return err
	}
	year, err := yearParam(c)
	if err != nil {
		return err
	}
	org, err := s.BuyerOrgs.Get(ctx(c), a, id)
	if err != nil {
		return err
	}
	prog, err := s.BuyerOrgs.Progress(ctx(c), a, id, year)
	if err != nil {
		return err
	}
	awaiting, err := s.BuyerOrgs.Awaiting(ctx(c), a, id)
	if err != nil {
		return err
	}
	members, err := s.BuyerOrgs.Members(ctx(c), a, id)
	if err != nil {
		return err
	}
	for i := range members {
		members[i].AddedAt = members[i].AddedAt.In(chinaZone)
	}
	done := c.Query("done")
	if done != "target" && done != "member" && done != "accepted" && done != "created" {
		done = ""
	}
	p := s.page(c, "")
	p.Title = org.Name
	months := barChart{ID: "chart-org", Title: p.T("rpt.chart.org_monthly", year), Legend: p.T("rpt.chart.org_legend"),
		Unit: p.T("rpt.unit.yuan"), Labels: monthLabels(p), Axis: yuanWhole, MinStep: 100, Value: func(v int64) string { return moneyFunc(v) }}
	for _, m := range prog.ByMonth {
		months.Values = append(months.Values, m.PurchasedFen)
	}
	progress := barChart{ID: "chart-target", Title: p.T("rpt.chart.target", year), Legend: p.T("rpt.chart.target_legend"),
		Unit: p.T("rpt.unit.yuan"), Labels: []string{p.T("rpt.org.target"), p.T("rpt.org.net")},
		Values: []int64{prog.TargetFen, max(prog.NetFen, 0)}, Max: max(prog.TargetFen, prog.NetFen, 1),
		Axis: yuanWhole, MinStep: 100, Value: func(v int64) string { return moneyFunc(v) }, Color: chartBar2}
	data := map[string]any{"Org": org, "Progress": prog, "Awaiting": awaiting, "Members": members, "Year": year,
		"Years": yearChoices(year), "Charts": []template.HTML{progress.HorizontalBars(), months.VerticalBars()},
		"TargetYuan": FormatYuan(prog.TargetFen), "Errors": map[string]string{}, "Done": done, "Email": "",
		"OrgParam": ""}
	if !a.Has(auth.RoleBuyerOrgAdmin) {
		data["OrgParam"] = strconv.FormatInt(id, 10)
	}
	for k, v := range extra {
		data[k] = v
	}
	p.Data = data
	return s.html(c, "report_org", p)
}

// orgFormError renders the page again with a domain validation error next
// to its fields, or returns other errors.
func (s *Server) orgFormError(c *fiber.Ctx, err error, typed map[string]any) error {
	var e *errs.Error
	if !asErr(err, &e) || e.Kind != errs.Invalid {
		return err
	}
	p := s.page(c, "")
	fields := map[string]string{}
	for k, v := range e.Fields {
		fields[k] = trMsg(p, v)
	}
	if len(fields) == 0 {
		fields["form"] = trMsg(p, e.Message)
	}
	typed["Errors"] = fields
	c.Status(fiber.StatusUnprocessableEntity)
	return s.renderOrg(c, typed)
}

func (s *Server) orgRedirect(c *fiber.Ctx, id int64, done string, year string) error {
	q := url.Values{"done": {done}}
	if year != "" {
		q.Set("year", year)
	}
	if !actorOf(c).Has(auth.RoleBuyerOrgAdmin) {
		q.Set("org", strconv.FormatInt(id, 10))
	}
	return c.Redirect("/org?"+q.Encode(), fiber.StatusSeeOther)
}

func (s *Server) postOrgTarget(c *fiber.Ctx) error {
	id, err := orgOf(c)
	if err != nil {
		return err
	}
	typed := map[string]any{"TargetYuan": c.FormValue("target_yuan")}
	year, yerr := strconv.Atoi(c.FormValue("year"))
	fen, ferr := payout.ParseYuan(c.FormValue("target_yuan"))
	if yerr != nil || ferr != nil {
		f := map[string]string{}
		if yerr != nil {
			f["year"] = "must be between 2000 and 2100"
		}
		if ferr != nil {
			f["target_fen"] = "must be an amount in yuan with at most two decimals"
		}
		return s.orgFormError(c, errs.Validation("the target is not valid", f), typed)
	}
	if err := s.BuyerOrgs.SetTarget(ctx(c), actorOf(c), id, year, fen); err != nil {
		return s.orgFormError(c, err, typed)
	}
	return s.orgRedirect(c, id, "target", strconv.Itoa(year))
}

func (s *Server) postOrgMember(c *fiber.Ctx) error {
	id, err := orgOf(c)
	if err != nil {
		return err
	}
	email := c.FormValue("email")
	if err := s.BuyerOrgs.AddMember(ctx(c), actorOf(c), id, email); err != nil {
		return s.orgFormError(c, err, map[string]any{"Email": email})
	}
	return s.orgRedirect(c, id, "member", "")
}

func (s *Server) postOrgAccept(c *fiber.Ctx) error {
	orgID, err := orgOf(c)
	if err != nil {
		return err
	}
	id, err := orderID(c)
	if err != nil {
		return err
	}
	if err := s.BuyerOrgs.Accept(ctx(c), actorOf(c), id); err != nil {
		return err
	}
	return s.orgRedirect(c, orgID, "accepted", "")
}

// --- public impact -----------------------------------------------------------------------

// rankRow is an organisation's place on the 爱心榜.
type rankRow struct {
	Rank int
	report.OrgRank
}

func (s *Server) pageImpact(c *fiber.Ctx) error {
	year, err := yearParam(c)
	if err != nil {
		return err
	}
	im, err := s.loadPublicImpact(c, year)
	if err != nil {
		return err
	}
	p := s.page(c, "")
	p.Title = p.T("rpt.impact.title")
	counties := barChart{ID: "chart-counties", Title: p.T("rpt.chart.counties", year), Legend: p.T("rpt.chart.attributed"),
		Unit: p.T("rpt.unit.yuan"), Axis: yuanWhole, MinStep: 100, Value: func(v int64) string { return moneyFunc(v) }}
	for i, ct := range im.Counties {
		if i == 15 {
			counties.Note = p.T("rpt.chart.top_n", 15, len(im.Counties))
			break
		}
		counties.Labels = append(counties.Labels, ct.Name)
		counties.Values = append(counties.Values, ct.AttributedFen)
	}
	ranking := make([]rankRow, len(im.Ranking))
	for i, o := range im.Ranking {
		ranking[i] = rankRow{Rank: i + 1, OrgRank: o}
	}
	p.Data = map[string]any{"Impact": im, "Ranking": ranking, "Year": year, "Years": yearChoices(year), "Chart": counties.HorizontalBars()}
	return s.html(c, "report_impact", p)
}
