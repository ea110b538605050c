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
	// The order is placed (its transaction committed): it stands even when
	// Stripe cannot be reached now, so that a retry with the same
	// Idempotency-Key replays it instead of placing a second one. The
	// buyer's GET of the order creates the payment later.
	if paid, err := s.StartPayment(web.Ctx(c), o); err != nil {
		s.Log.Warn("could not start the payment of a placed order; the order's GET retries", "order", o.ID, "err", err, "request_id", web.RequestIDOf(c))
	} else {
		o = paid
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
	if int64(o.BuyerID) == web.ActorOf(c).UserID {
		o = s.WithClientSecret(c, o)
	}
	return c.JSON(o)
}

// orderStep is a handler for a use case on one order (the path's :id)
// that takes a JSON body of type T (struct{} for none): it answers the
// order as the use case leaves it, with status.
func orderStep[T any](status int, do func(c *fiber.Ctx, id int64, in T) (order.Order, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := web.OrderID(c)
		if err != nil {
			return err
		}
		var in T
		if _, none := any(in).(struct{}); !none {
			if err := web.BindJSON(c, &in); err != nil {
				return err
			}
		}
		o, err := do(c, id, in)
		if err != nil {
			return err
		}
		return c.Status(status).JSON(o)
	}
}

func (s handlers) cancelOrder() fiber.Handler {
	return orderStep(fiber.StatusOK, func(c *fiber.Ctx, id int64, _ struct{}) (order.Order, error) {
		return s.Orders.Cancel(web.Ctx(c), web.ActorOf(c), id)
	})
}

func (s handlers) delivered() fiber.Handler {
	return orderStep(fiber.StatusOK, func(c *fiber.Ctx, id int64, _ struct{}) (order.Order, error) {
		return s.Orders.ConfirmDelivered(web.Ctx(c), web.ActorOf(c), id)
	})
}

// confirmPayment records a bank transfer's receipt (the platform's admin).
func (s handlers) confirmPayment() fiber.Handler {
	type confirm struct {
		Reference string `json:"reference"`
	}
	return orderStep(fiber.StatusOK, func(c *fiber.Ctx, id int64, in confirm) (order.Order, error) {
		return s.Orders.ConfirmManual(web.Ctx(c), web.ActorOf(c), id, in.Reference)
	})
}

func (s handlers) ship() fiber.Handler {
	return orderStep(fiber.StatusCreated, func(c *fiber.Ctx, id int64, in order.ShipRequest) (order.Order, error) {
		return s.Orders.Ship(web.Ctx(c), web.ActorOf(c), id, in)
	})
}

func (s handlers) refund() fiber.Handler {
	return orderStep(fiber.StatusCreated, func(c *fiber.Ctx, id int64, in order.RefundRequest) (order.Order, error) {
		return s.Orders.Refund(web.Ctx(c), web.ActorOf(c), id, in, s.Refunder())
	})
}

// recordExternalRefund records a refund made in the Stripe dashboard
// against the order's lines (no money moves).
func (s handlers) recordExternalRefund() fiber.Handler {
	return orderStep(fiber.StatusCreated, func(c *fiber.Ctx, id int64, in order.RefundRequest) (order.Order, error) {
		return s.Orders.RecordExternalRefund(web.Ctx(c), web.ActorOf(c), id, c.Params("refund_id"), in)
	})
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
	t, err := s.Coops.Shipping(web.Ctx(c), web.ActorOf(c), id)
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
