package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
)

func (s *Server) shippingRoutes(app *fiber.App) {
	app.Get("/api/v1/cooperatives/:id/shipping", s.apiShipping)
	app.Put("/api/v1/cooperatives/:id/shipping", s.requireRole(auth.RoleCoopAdmin), s.apiSetShipping)
	app.Post("/coop/shipping", s.requirePageRole(auth.RoleCoopAdmin), s.postCoopShipping)
}

func coopParam(c *fiber.Ctx) (int64, error) {
	id, ok := ids.Parse(c.Params("id"))
	if !ok {
		return 0, errs.E(errs.NotFound, "cooperative not found")
	}
	return int64(id), nil
}

func (s *Server) apiShipping(c *fiber.Ctx) error {
	id, err := coopParam(c)
	if err != nil {
		return err
	}
	t, err := s.Orders.Shipping(ctx(c), id)
	if err != nil {
		return err
	}
	return c.JSON(t)
}

func (s *Server) apiSetShipping(c *fiber.Ctx) error {
	id, err := coopParam(c)
	if err != nil {
		return err
	}
	var in order.ShippingTerms
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	t, err := s.Orders.SetShipping(ctx(c), actorOf(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(t)
}

// postCoopShipping is the shipping form of the cooperative's order page
// (amounts in yuan).
func (s *Server) postCoopShipping(c *fiber.Ctx) error {
	a := actorOf(c)
	flat, err := parseYuanForm(c.FormValue("flat_yuan"))
	if err != nil {
		return errs.Validation("the shipping terms are not valid", map[string]string{"flat_yuan": "must be an amount in yuan with at most two decimals"})
	}
	t := order.ShippingTerms{FlatFen: flat}
	if v := c.FormValue("free_from_yuan"); v != "" {
		free, err := parseYuanForm(v)
		if err != nil {
			return errs.Validation("the shipping terms are not valid", map[string]string{"free_from_yuan": "must be an amount in yuan with at most two decimals"})
		}
		t.FreeFromFen = &free
	}
	if _, err := s.Orders.SetShipping(ctx(c), a, a.CooperativeID, t); err != nil {
		return err
	}
	return c.Redirect("/coop/orders", fiber.StatusSeeOther)
}
