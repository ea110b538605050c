package office

import (
	"html/template"
	"slices"
	"sort"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/report"
	"github.com/fupinmarket/market/internal/web"
)

// IncomeView is a household's income of a year: its projection against
// the poverty and monitoring lines (of its whole income: sales, wages and
// dividends), by type, month, product and order, its wages and dividends,
// and every ledger entry.
type IncomeView struct {
	web.YearView
	Income    report.HouseholdIncome
	H         report.HouseholdRow
	Orders    []*IncomeOrder
	Products  []*IncomeProduct
	Wages     []report.Entry // wage entries and their corrections
	Dividends []report.Entry
	Chart     template.HTML
	// PovertyGap and MonitoringGap are what the projected per-capita income
	// still lacks to reach each line (whole fen per person, never a float).
	PovertyGap, MonitoringGap int64
	LinesKnown                bool
}

// IncomeOrder is what one order brought the household: its sales, its
// refunds and the net.
type IncomeOrder struct {
	Number             string
	First              time.Time // the order's first entry, Beijing time
	Products           []string
	SaleFen, RefundFen int64
	NetFen             int64
}

// IncomeProduct is what one product brought the household.
type IncomeProduct struct {
	Title                      string
	SaleFen, RefundFen, NetFen int64
}

func (s handlers) householdIncome(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "household not found")
	if err != nil {
		return err
	}
	year, err := s.YearParam(c)
	if err != nil {
		return err
	}
	inc, err := s.Reports.HouseholdIncome(web.Ctx(c), web.ActorOf(c), id, year)
	if err != nil {
		return err
	}
	for i := range inc.Entries {
		inc.Entries[i].At = s.Clock.In(inc.Entries[i].At)
	}
	h := inc.Household
	p := s.Page(c, "")
	orders, products, wages, dividends := incomeBreakdown(inc.Entries, p.Lang)
	p.Title = p.T("rpt.income.title", h.RegistryNo)
	byMonth := make([]int64, 0, len(inc.ByMonth))
	for _, m := range inc.ByMonth {
		byMonth = append(byMonth, m.AttributedFen)
	}
	chart := web.MonthlyYuan(p, "chart-household", p.T("rpt.chart.household_monthly", year), p.T("rpt.chart.attributed"), byMonth)
	gap := func(line int64) int64 { return max(line-h.ProjectedFen, 0) }
	p.Data = IncomeView{YearView: s.Years(year), Income: inc, H: h, Orders: orders, Products: products, Wages: wages, Dividends: dividends,
		Chart: chart.VerticalBars(), PovertyGap: gap(h.PovertyLineFen), MonitoringGap: gap(h.MonitoringLineFen),
		LinesKnown: h.PovertyLineFen > 0}
	return s.HTML(c, "office/income", p)
}

// incomeBreakdown sums the sales entries by order (in the order they came)
// and by product (largest net first), refunds being negative entries, and
// lists the wage and dividend entries apart. Products are named by their
// titles as sold, in lang.
func incomeBreakdown(entries []report.Entry, lang string) (orders []*IncomeOrder, products []*IncomeProduct, wages, dividends []report.Entry) {
	byOrder := map[ids.ID]*IncomeOrder{}
	byProduct := map[string]*IncomeProduct{}
	for _, e := range entries {
		switch {
		case e.WageID != nil:
			wages = append(wages, e)
			continue
		case e.DividendID != nil:
			dividends = append(dividends, e)
			continue
		case e.OrderID == nil:
			continue
		}
		o := byOrder[*e.OrderID]
		if o == nil {
			o = &IncomeOrder{Number: e.OrderNumber, First: e.At}
			byOrder[*e.OrderID] = o
			orders = append(orders, o)
		}
		title := e.ProductTitleIn(lang)
		pr := byProduct[e.ProductTitle]
		if pr == nil {
			pr = &IncomeProduct{Title: title}
			byProduct[e.ProductTitle] = pr
			products = append(products, pr)
		}
		if !slices.Contains(o.Products, title) {
			o.Products = append(o.Products, title)
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
	return orders, products, wages, dividends
}
