package api

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/attribution"
	"github.com/fupinmarket/market/internal/ledger"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/web"
)

// seals lists the ledger's seals, oldest first; the cursor is the seq of
// the last seal of the previous page.
func (s handlers) seals(c *fiber.Ctx) error {
	var after int64
	if v := c.Query("cursor"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return &errs.Error{Kind: errs.Invalid, Message: "invalid query", Fields: map[string]string{"cursor": "must be the next_cursor of a page"}}
		}
		after = n
	}
	limit, err := web.QueryLimit(c)
	if err != nil {
		return err
	}
	items, next, err := ledger.List(web.Ctx(c), s.DB, after, limit)
	if err != nil {
		return err
	}
	out := fiber.Map{"items": items, "next_cursor": ""}
	if next > 0 {
		out["next_cursor"] = strconv.FormatInt(next, 10)
	}
	return c.JSON(out)
}

// seal answers one seal by its number.
func (s handlers) seal(c *fiber.Ctx) error {
	seq, err := strconv.ParseInt(c.Params("seq"), 10, 64)
	if err != nil || seq <= 0 {
		return errs.E(errs.NotFound, "seal not found")
	}
	sl, err := ledger.BySeq(web.Ctx(c), s.DB, seq)
	if err != nil {
		return err
	}
	return c.JSON(sl)
}

// impactAnswer is an order's impact with the proofs of its sealed entries.
type impactAnswer struct {
	attribution.Impact
	Proofs []ledger.Proof `json:"proofs"`
}

func (s handlers) impactJSON(c *fiber.Ctx, orderID int64) error {
	im, err := attribution.OrderImpact(web.Ctx(c), s.DB, orderID)
	if err != nil {
		return err
	}
	proofs, err := ledger.OrderProofs(web.Ctx(c), s.DB, orderID)
	if err != nil {
		return err
	}
	return c.JSON(impactAnswer{Impact: im, Proofs: proofs})
}
