package office

import (
	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/report"
	"github.com/fupinmarket/market/internal/web"
)

// ListedView is the board of the counties under listed supervision (挂牌督战)
// in the actor's jurisdiction for a year, with their villages.
type ListedView struct {
	web.YearView
	Board []report.ListedCounty
}

func (s handlers) listed(c *fiber.Ctx) error {
	year, err := s.YearParam(c)
	if err != nil {
		return err
	}
	board, err := s.Reports.ListedBoard(web.Ctx(c), web.ActorOf(c), year)
	if err != nil {
		return err
	}
	p := s.Page(c, "")
	p.Title = p.T("rpt.listed")
	p.Data = ListedView{YearView: s.Years(year), Board: board}
	return s.HTML(c, "office/listed", p)
}
