package api

import (
	"io"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/income"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/web"
)

// Wages, dividends and members' shares of a cooperative (package income).

func (s handlers) wages(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "cooperative not found")
	if err != nil {
		return err
	}
	limit, err := web.QueryLimit(c)
	if err != nil {
		return err
	}
	list, err := s.Income.Wages(web.Ctx(c), web.ActorOf(c), id, limit)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.JSON(fiber.Map{"items": list})
}

// recordWages records one wage ({household_id, …}) or several at once
// ({"wages": [...]}, all or nothing).
func (s handlers) recordWages(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "cooperative not found")
	if err != nil {
		return err
	}
	var in struct {
		Wages []income.WageInput `json:"wages"`
		income.WageInput
	}
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	list, prefix := in.Wages, (func(int) string)(nil)
	if list == nil {
		list, prefix = []income.WageInput{in.WageInput}, func(int) string { return "" }
	}
	out, err := s.Income.RecordWages(web.Ctx(c), web.ActorOf(c), id, list, prefix)
	if err != nil {
		return err
	}
	c.Status(fiber.StatusCreated)
	if in.Wages == nil {
		return c.JSON(out[0])
	}
	return c.JSON(fiber.Map{"items": out})
}

func (s handlers) importWages(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "cooperative not found")
	if err != nil {
		return err
	}
	if err := income.CanWrite(web.ActorOf(c), id); err != nil {
		return err
	}
	n, err := web.Upload(c, "file", func(r io.Reader) (int, error) { return s.Income.ImportWages(web.Ctx(c), web.ActorOf(c), id, r) })
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"recorded": n})
}

func (s handlers) dividends(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "cooperative not found")
	if err != nil {
		return err
	}
	list, err := s.Income.Dividends(web.Ctx(c), web.ActorOf(c), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.JSON(fiber.Map{"items": list})
}

func (s handlers) declareDividend(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "cooperative not found")
	if err != nil {
		return err
	}
	var in income.DividendInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	d, err := s.Income.Declare(web.Ctx(c), web.ActorOf(c), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(d)
}

func (s handlers) dividend(c *fiber.Ctx) error {
	id, did, err := coopAnd(c, "did", "dividend not found")
	if err != nil {
		return err
	}
	d, err := s.Income.Dividend(web.Ctx(c), web.ActorOf(c), id, did)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.JSON(d)
}

// settleDividend confirms (pays) or discards a draft dividend.
func (s handlers) settleDividend(confirm bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, did, err := coopAnd(c, "did", "dividend not found")
		if err != nil {
			return err
		}
		step := s.Income.Discard
		if confirm {
			step = s.Income.Confirm
		}
		d, err := step(web.Ctx(c), web.ActorOf(c), id, did)
		if err != nil {
			return err
		}
		return c.JSON(d)
	}
}

func (s handlers) shares(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "cooperative not found")
	if err != nil {
		return err
	}
	list, err := s.Income.Shares(web.Ctx(c), web.ActorOf(c), id, 0)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.JSON(fiber.Map{"items": list})
}

func (s handlers) memberShares(c *fiber.Ctx) error {
	id, hh, err := coopAnd(c, "household_id", "household not found")
	if err != nil {
		return err
	}
	list, err := s.Income.Shares(web.Ctx(c), web.ActorOf(c), id, hh)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return errs.E(errs.NotFound, "household %d is not a member of the cooperative", hh)
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.JSON(list[0])
}

func (s handlers) setShares(c *fiber.Ctx) error {
	id, hh, err := coopAnd(c, "household_id", "household not found")
	if err != nil {
		return err
	}
	var in income.SharesInput
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	m, err := s.Income.SetShares(web.Ctx(c), web.ActorOf(c), id, hh, in)
	if err != nil {
		return err
	}
	return c.JSON(m)
}

// coopAnd reads the cooperative id and a second id of the path.
func coopAnd(c *fiber.Ctx, param, notFound string) (coop, other int64, err error) {
	if coop, err = web.PathID(c, "id", "cooperative not found"); err != nil {
		return 0, 0, err
	}
	other, err = web.PathID(c, param, notFound)
	return coop, other, err
}
