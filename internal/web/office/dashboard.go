package office

import (
	"fmt"
	"html/template"
	"sort"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/payout"
	"github.com/fupinmarket/market/internal/region"
	"github.com/fupinmarket/market/internal/report"
	"github.com/fupinmarket/market/internal/web"
)

// DashboardView is a region's income report for a year: its figures and
// charts, its children (sortable), its households when it is a village,
// the households to act on and, at the jurisdiction's top, what each
// cooperative still owes.
type DashboardView struct {
	web.YearView
	Summary report.Summary
	Trail   []region.Region // the ancestors the actor governs, top first
	FigView FiguresView
	Export  string // the attribution export, without its format
	Charts  []template.HTML
	Action  []ActionRow
	IsRoot  bool // the actor's whole jurisdiction (/office)
	// HouseholdRows is a village's page of households; Next the cursor of
	// the next page, After the one shown.
	HouseholdRows []report.HouseholdRow
	Next, After   string
	Owed          []payout.CoopOwed
}

// FiguresView is what the "report-figures" partial reads: a region's key
// figures, with the page for its labels and the registered households for
// the share reached.
type FiguresView struct {
	P          web.Page
	F          report.Figures
	Households int
}

// ActionRow is a household of the list to act on with its gap to the
// monitoring line (per person, fen).
type ActionRow struct {
	report.HouseholdRow
	GapFen int64
}

// Sizes of the dashboard's lists: products charted, households to act on,
// a village's households per page.
const topProducts, actionRows, villagePageHH = 10, 50, 100

func (s handlers) dashboard(c *fiber.Ctx) error {
	year, err := s.YearParam(c)
	if err != nil {
		return err
	}
	code := c.Params("code")
	d, err := s.Reports.Dashboard(web.Ctx(c), web.ActorOf(c), report.DashboardQuery{Code: code, Year: year,
		TopProducts: topProducts, ActionRows: actionRows, After: c.Query("after"), PageSize: villagePageHH, WithOwed: code == ""})
	if err != nil {
		return err
	}
	sum := d.Summary
	v := DashboardView{YearView: s.Years(year), Trail: d.Trail, IsRoot: code == "", Owed: d.Owed,
		Export:        fmt.Sprintf("/api/v1/attribution/export?region=%s&year=%d", sum.Region, year),
		HouseholdRows: d.Households, Next: d.Next}
	if sum.Level == region.Village {
		v.After = c.Query("after")
	}
	v.Sort = c.Query("sort", "attributed")
	sortChildren(sum.Children, v.Sort)
	v.Summary = sum
	p := s.Page(c, "")
	p.Title = p.T("rpt.dashboard") + " · " + sum.NameIn(p.Lang)
	v.Action = make([]ActionRow, len(d.Action))
	for i, h := range d.Action {
		v.Action[i] = ActionRow{HouseholdRow: h, GapFen: max(h.MonitoringLineFen-h.ProjectedFen, 0)}
	}
	var registered int
	for _, vc := range d.Coverage {
		registered += vc.Households
	}
	v.FigView = FiguresView{P: p, F: sum.Figures, Households: registered}
	v.Charts = dashboardCharts(p, d.Monthly, d.Top, d.Coverage)
	p.Data = v
	return s.HTML(c, "office/dashboard", p)
}

// sortChildren orders the children table by key: by code for "name", else
// by the figure, largest first (ties by code, so the order is stable
// between requests).
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
