package coop

import (
	"html/template"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/report"
	"github.com/fupinmarket/market/internal/web"
)

// SalesView is the cooperative's sales of a year, by month and product.
type SalesView struct {
	web.YearView
	Sales report.CoopSales
	Chart template.HTML
}

func (s handlers) sales(c *fiber.Ctx) error {
	a := web.ActorOf(c)
	year, err := s.YearParam(c)
	if err != nil {
		return err
	}
	sales, err := s.Reports.CoopSales(web.Ctx(c), a, a.CooperativeID, year)
	if err != nil {
		return err
	}
	p := s.Page(c, "")
	p.Title = p.T("rpt.sales")
	byMonth := make([]int64, 0, len(sales.ByMonth))
	for _, m := range sales.ByMonth {
		byMonth = append(byMonth, m.SalesFen)
	}
	ch := web.MonthlyYuan(p, "chart-sales", p.T("rpt.chart.sales", year), p.T("rpt.chart.sales_legend"), byMonth)
	p.Data = SalesView{YearView: s.Years(year), Sales: sales, Chart: ch.VerticalBars()}
	return s.HTML(c, "coop/sales", p)
}
