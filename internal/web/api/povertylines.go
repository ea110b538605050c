package api

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/povertyline"
	"github.com/fupinmarket/market/internal/web"
)

// lineYear reads the {province} and {year} of a poverty-line path.
func lineYear(c *fiber.Ctx) (string, int, error) {
	year, err := strconv.Atoi(c.Params("year"))
	if err != nil || year < povertyline.FirstYear || year > povertyline.LastYear {
		return "", 0, &errs.Error{Kind: errs.Invalid, Message: "invalid year", Fields: map[string]string{"year": povertyline.YearRule}}
	}
	return strings.TrimSpace(c.Params("province")), year, nil
}

// povertyLine answers the line set for exactly that year, or with
// ?effective=1 the line in force then (the latest set for a year not after
// it). Poverty lines are published figures: anyone may read them.
func (s handlers) povertyLine(c *fiber.Ctx) error {
	province, year, err := lineYear(c)
	if err != nil {
		return err
	}
	var l povertyline.Line
	if e := c.Query("effective"); e == "1" || e == "true" {
		l, err = s.PovertyLines.Effective(web.Ctx(c), province, year)
	} else {
		l, err = s.PovertyLines.Get(web.Ctx(c), province, year)
	}
	if err != nil {
		return err
	}
	return c.JSON(l)
}

func (s handlers) setPovertyLine(c *fiber.Ctx) error {
	province, year, err := lineYear(c)
	if err != nil {
		return err
	}
	var in struct {
		PovertyLineFen    int64 `json:"poverty_line_fen"`
		MonitoringLineFen int64 `json:"monitoring_line_fen"`
	}
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	l, err := s.PovertyLines.Set(web.Ctx(c), web.ActorOf(c), povertyline.Line{ProvinceCode: province, Year: year,
		PovertyLineFen: in.PovertyLineFen, MonitoringLineFen: in.MonitoringLineFen})
	if err != nil {
		return err
	}
	return c.JSON(l)
}
