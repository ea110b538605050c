package coop

import (
	"github.com/gofiber/fiber/v2"

	cooperative "github.com/fupinmarket/market/internal/coop"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/money"
	"github.com/fupinmarket/market/internal/web"
)

// OrdersView is what the cooperative has to ship, and its shipping terms.
type OrdersView struct {
	Items    []order.CoopShipment
	Shipping cooperative.ShippingTerms
}

func (s handlers) orders(c *fiber.Ctx) error {
	list, err := s.Orders.CoopShipments(web.Ctx(c), web.ActorOf(c))
	if err != nil {
		return err
	}
	terms, err := s.Coops.Shipping(web.Ctx(c), web.ActorOf(c).CooperativeID)
	if err != nil {
		return err
	}
	p := s.Page(c, "")
	p.Title = p.T("coop.orders")
	p.Data = OrdersView{Items: list, Shipping: terms}
	return s.HTML(c, "coop/orders", p)
}

func (s handlers) ship(c *fiber.Ctx) error {
	id, err := web.OrderID(c)
	if err != nil {
		return err
	}
	req := order.ShipRequest{Carrier: c.FormValue("carrier"), TrackingNo: c.FormValue("tracking_no")}
	if _, err := s.Orders.Ship(web.Ctx(c), web.ActorOf(c), id, req); err != nil {
		return err
	}
	return c.Redirect("/coop/orders", fiber.StatusSeeOther)
}

// saveShipping is the shipping form of the orders page (amounts in yuan).
func (s handlers) saveShipping(c *fiber.Ctx) error {
	a := web.ActorOf(c)
	flat, err := money.ParseYuan(c.FormValue("flat_yuan"))
	if err != nil || flat < 0 {
		return errs.Validation("the shipping terms are not valid", map[string]string{"flat_yuan": "must be an amount in yuan with at most two decimals"})
	}
	t := cooperative.ShippingTerms{FlatFen: flat}
	if v := c.FormValue("free_from_yuan"); v != "" {
		free, err := money.ParseYuan(v)
		if err != nil || free < 0 {
			return errs.Validation("the shipping terms are not valid", map[string]string{"free_from_yuan": "must be an amount in yuan with at most two decimals"})
		}
		t.FreeFromFen = &free
	}
	if _, err := s.Coops.SetShipping(web.Ctx(c), a, a.CooperativeID, t); err != nil {
		return err
	}
	return c.Redirect("/coop/orders", fiber.StatusSeeOther)
}
