package api

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/coop"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/web"
)

func (s handlers) placeOrder(c *fiber.Ctx) error {
	var req order.PlaceRequest
	if err := web.BindJSON(c, &req); err != nil {
		return err
	}
	o, err := s.Orders.Place(web.Ctx(c), web.ActorOf(c), req)
	if err != nil {
		return err
	}
	if o, err = s.StartPayment(web.Ctx(c), o); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(o)
}

func (s handlers) listOrders(c *fiber.Ctx) error {
	cursor, _ := strconv.ParseInt(c.Query("cursor"), 10, 64)
	items, next, err := s.Orders.List(web.Ctx(c), web.ActorOf(c), cursor, c.QueryInt("limit", 20))
	if err != nil {
		return err
	}
	out := fiber.Map{"items": items, "next_cursor": ""}
	if items == nil {
		out["items"] = []order.Summary{}
	}
	if next > 0 {
		out["next_cursor"] = strconv.FormatInt(next, 10)
	}
	return c.JSON(out)
}

func (s handlers) getOrder(c *fiber.Ctx) error {
	o, err := s.RequestedOrder(c)
	if err != nil {
		return err
	}
	return c.JSON(o)
}

func (s handlers) cancelOrder(c *fiber.Ctx) error {
	id, err := web.OrderID(c)
	if err != nil {
		return err
	}
	o, err := s.Orders.Cancel(web.Ctx(c), web.ActorOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(o)
}

func (s handlers) delivered(c *fiber.Ctx) error {
	id, err := web.OrderID(c)
	if err != nil {
		return err
	}
	o, err := s.Orders.ConfirmDelivered(web.Ctx(c), web.ActorOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(o)
}

func (s handlers) confirmPayment(c *fiber.Ctx) error {
	id, err := web.OrderID(c)
	if err != nil {
		return err
	}
	var in struct {
		Reference string `json:"reference"`
	}
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	if err := s.Orders.ConfirmManual(web.Ctx(c), web.ActorOf(c), id, in.Reference); err != nil {
		return err
	}
	o, err := s.Orders.Get(web.Ctx(c), web.ActorOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(o)
}

func (s handlers) ship(c *fiber.Ctx) error {
	id, err := web.OrderID(c)
	if err != nil {
		return err
	}
	var in order.ShipRequest
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	o, err := s.Orders.Ship(web.Ctx(c), web.ActorOf(c), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(o)
}

func (s handlers) refund(c *fiber.Ctx) error {
	id, err := web.OrderID(c)
	if err != nil {
		return err
	}
	var in order.RefundRequest
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	o, err := s.Orders.Refund(web.Ctx(c), web.ActorOf(c), id, in, s.Refunder())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(o)
}

// recordExternalRefund records a refund made in the Stripe dashboard
// against the order's lines (no money moves).
func (s handlers) recordExternalRefund(c *fiber.Ctx) error {
	id, err := web.OrderID(c)
	if err != nil {
		return err
	}
	var in order.RefundRequest
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	o, err := s.Orders.RecordExternalRefund(web.Ctx(c), web.ActorOf(c), id, c.Params("refund_id"), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(o)
}

// impact answers the buyer (and admins) by order id.
func (s handlers) impact(c *fiber.Ctx) error {
	o, err := s.RequestedOrder(c)
	if err != nil {
		return err
	}
	return s.impactJSON(c, int64(o.ID))
}

// receipt answers anyone holding the order's public receipt token.
func (s handlers) receipt(c *fiber.Ctx) error {
	id, err := s.Orders.IDByReceipt(web.Ctx(c), c.Params("token"))
	if err != nil {
		return err
	}
	return s.impactJSON(c, id)
}

func (s handlers) cart(c *fiber.Ctx) error {
	v, err := s.Cart(c)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// setCartItem sets the quantity of a variant (0 removes it).
func (s handlers) setCartItem(c *fiber.Ctx) error {
	id, ok := ids.Parse(c.Params("variant"))
	if !ok {
		return fiber.ErrNotFound
	}
	var in struct {
		Quantity int `json:"quantity"`
	}
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	if err := s.Carts.Set(web.Ctx(c), s.CartOwner(c, true), int64(id), in.Quantity); err != nil {
		return err
	}
	return s.cart(c)
}

func (s handlers) shipping(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "cooperative not found")
	if err != nil {
		return err
	}
	t, err := s.Coops.Shipping(web.Ctx(c), id)
	if err != nil {
		return err
	}
	return c.JSON(t)
}

func (s handlers) setShipping(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "cooperative not found")
	if err != nil {
		return err
	}
	var in coop.ShippingTerms
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	t, err := s.Coops.SetShipping(web.Ctx(c), web.ActorOf(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(t)
}
