package office

import (
	"html/template"

	"github.com/fupinmarket/market/internal/platform/money"
	"github.com/fupinmarket/market/internal/report"
	"github.com/fupinmarket/market/internal/web"
)

// coverageBarsMax is the most villages the coverage chart draws a bar for;
// beyond it villages are counted by band of the share of households reached.
const coverageBarsMax = 30

// fullShare is 100% in basis points, the coverage chart's unit of share.
const fullShare = 10000

// coverageBands are the coverage chart's bands, in basis points (inclusive).
var coverageBands = []struct {
	key    string
	lo, hi int64
}{{"rpt.band.none", 0, 0}, {"rpt.band.low", 1, 2499}, {"rpt.band.mid", 2500, 4999},
	{"rpt.band.high", 5000, 7499}, {"rpt.band.most", 7500, 9999}, {"rpt.band.all", fullShare, fullShare}}

// dashboardCharts are the dashboard's three charts: income by month, the
// top products, and how far sales reached the villages' households.
func dashboardCharts(p web.Page, monthly []report.Month, top []report.ProductShare, coverage []report.VillageCoverage) []template.HTML {
	byMonth := make([]int64, 0, len(monthly))
	for _, m := range monthly {
		byMonth = append(byMonth, m.AttributedFen)
	}
	months := web.MonthlyYuan(p, "chart-monthly", p.T("rpt.chart.monthly"), p.T("rpt.chart.attributed"), byMonth)
	products := web.YuanChart(p, "chart-products", p.T("rpt.chart.products"), p.T("rpt.chart.attributed"))
	products.Color = web.ChartGold
	for _, t := range top {
		products.Labels = append(products.Labels, t.TitleIn(p.Lang))
		products.Values = append(products.Values, t.AttributedFen)
	}
	return []template.HTML{months.VerticalBars(), products.HorizontalBars(), coverageChart(p, coverage).HorizontalBars()}
}

// coverageChart draws each village's share of households reached, or, when
// there are too many villages for a bar each, how many villages fall in
// each band. Villages without registered households are left out.
func coverageChart(p web.Page, coverage []report.VillageCoverage) web.BarChart {
	share := func(v int64) string { return money.Percent(v, fullShare) }
	cov := web.BarChart{ID: "chart-coverage", Title: p.T("rpt.chart.coverage"), Legend: p.T("rpt.chart.coverage_legend"), RTL: p.Dir == "rtl",
		Unit: p.T("rpt.unit.percent"), Max: fullShare, Axis: share, Value: share}
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
			cov.Values = append(cov.Values, int64(v.Reached)*fullShare/int64(v.Households))
			cov.Texts = append(cov.Texts, p.T("rpt.chart.coverage_text",
				money.Percent(int64(v.Reached), int64(v.Households)), v.Reached, v.Households))
		}
		return cov
	}
	counts := make([]int64, len(coverageBands))
	for _, v := range coverage {
		if v.Households == 0 {
			continue
		}
		bp := int64(v.Reached) * fullShare / int64(v.Households)
		for i, b := range coverageBands {
			if bp >= b.lo && bp <= b.hi {
				counts[i]++
			}
		}
	}
	cov.Title, cov.Legend, cov.Unit = p.T("rpt.chart.coverage_bands"), p.T("rpt.chart.villages"), p.T("rpt.unit.villages")
	cov.Max = 0
	cov.Axis = money.Group
	cov.Value = func(v int64) string { return p.T("rpt.chart.villages_n", money.Group(v)) }
	for i, b := range coverageBands {
		cov.Labels = append(cov.Labels, p.T(b.key))
		cov.Values = append(cov.Values, counts[i])
	}
	cov.Note = p.T("rpt.chart.coverage_note", withHouseholds)
	return cov
}
