package api

import (
	"io"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/payout"
	"github.com/fupinmarket/market/internal/web"
)

func (s handlers) payouts(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "cooperative not found")
	if err != nil {
		return err
	}
	st, err := s.Payouts.Statement(web.Ctx(c), web.ActorOf(c), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.JSON(st)
}

// recordPayouts records one payout ({household_id, amount_fen, …}) or
// several at once ({"payouts": [...]}, all or nothing).
func (s handlers) recordPayouts(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "cooperative not found")
	if err != nil {
		return err
	}
	var in struct {
		Payouts []payout.Input `json:"payouts"`
		payout.Input
	}
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	list, prefix := in.Payouts, (func(int) string)(nil)
	if list == nil {
		list, prefix = []payout.Input{in.Input}, func(int) string { return "" }
	}
	if err := s.Payouts.Record(web.Ctx(c), web.ActorOf(c), id, list, prefix); err != nil {
		return err
	}
	st, err := s.Payouts.Statement(web.Ctx(c), web.ActorOf(c), id)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(st)
}

func (s handlers) importPayouts(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "cooperative not found")
	if err != nil {
		return err
	}
	if err := payout.CanRecord(web.ActorOf(c), id); err != nil {
		return err
	}
	n, err := web.Upload(c, "file", func(r io.Reader) (int, error) { return s.Payouts.ImportBatch(web.Ctx(c), web.ActorOf(c), id, r) })
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"recorded": n})
}
