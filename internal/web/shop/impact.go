package shop

import (
	"html/template"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/report"
	"github.com/fupinmarket/market/internal/web"
)

// ImpactView is the public impact page: the year's income by county and
// the ranking of institutions that opted in (爱心榜).
type ImpactView struct {
	web.YearView
	Impact  report.PublicImpact
	Ranking []RankRow
	Chart   template.HTML
}

// RankRow is an organisation's place on the 爱心榜.
type RankRow struct {
	Rank int
	report.OrgRank
}

// topCounties is how many counties the chart draws.
const topCounties = 15

func (s handlers) impact(c *fiber.Ctx) error {
	year, err := s.YearParam(c)
	if err != nil {
		return err
	}
	im, err := s.Reports.Public(web.Ctx(c), year)
	if err != nil {
		return err
	}
	p := s.Page(c, "")
	p.Title = p.T("rpt.impact.title")
	counties := web.YuanChart(p, "chart-counties", p.T("rpt.chart.counties", year), p.T("rpt.chart.attributed"))
	for i, ct := range im.Counties {
		if i == topCounties {
			counties.Note = p.T("rpt.chart.top_n", topCounties, len(im.Counties))
			break
		}
		counties.Labels = append(counties.Labels, ct.NameIn(p.Lang))
		counties.Values = append(counties.Values, ct.AttributedFen)
	}
	ranking := make([]RankRow, len(im.Ranking))
	for i, o := range im.Ranking {
		ranking[i] = RankRow{Rank: i + 1, OrgRank: o}
	}
	p.Data = ImpactView{YearView: s.Years(year), Impact: im, Ranking: ranking, Chart: counties.HorizontalBars()}
	return s.HTML(c, "shop/impact", p)
}
