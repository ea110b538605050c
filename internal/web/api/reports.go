package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/payout"
	"github.com/fupinmarket/market/internal/web"
)

func (s handlers) summary(c *fiber.Ctx) error {
	year, err := s.YearParam(c)
	if err != nil {
		return err
	}
	sum, err := s.Reports.Summary(web.Ctx(c), web.ActorOf(c), c.Query("region"), year)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.JSON(sum)
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
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.JSON(inc)
}

func (s handlers) coopsOwed(c *fiber.Ctx) error {
	list, err := s.Payouts.OwedByCoop(web.Ctx(c), web.ActorOf(c))
	if err != nil {
		return err
	}
	if list == nil {
		list = []payout.CoopOwed{}
	}
	return c.JSON(fiber.Map{"items": list})
}

func (s handlers) publicImpact(c *fiber.Ctx) error {
	year, err := s.YearParam(c)
	if err != nil {
		return err
	}
	out, err := s.Reports.Public(web.Ctx(c), year)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.JSON(out)
}
