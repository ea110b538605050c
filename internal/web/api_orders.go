package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/attribution"
	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
)

func (s *Server) orderRoutes(app *fiber.App) {
	api := app.Group("/api/v1/orders", s.requireSignedIn)
	api.Post("/", s.requireRole(auth.RoleBuyer, auth.RoleBuyerOrgAdmin), s.idempotent, s.apiPlaceOrder)
	api.Get("/", s.apiListOrders)
	api.Get("/:id", s.apiGetOrder)
	api.Post("/:id/cancel", s.idempotent, s.apiCancelOrder)
	api.Post("/:id/delivered", s.apiDelivered)
	api.Post("/:id/payments/confirm", s.requireRole(auth.RolePlatformAdmin), s.idempotent, s.apiConfirmPayment)
	api.Post("/:id/shipments", s.requireRole(auth.RoleCoopAdmin), s.apiShip)
	api.Post("/:id/refunds", s.requireRole(auth.RolePlatformAdmin), s.idempotent, s.apiRefund)
	app.Post("/api/v1/admin/orders/:id/external-refunds/:refund_id", s.requireSignedIn, s.requireRole(auth.RolePlatformAdmin),
		s.idempotent, s.apiRecordExternalRefund)
	app.Get("/api/v1/orders/:id/impact", s.apiImpact) // the buyer, or anyone with the receipt token
	app.Get("/api/v1/receipts/:token", s.apiReceipt)
}

func orderID(c *fiber.Ctx) (int64, error) {
	id, ok := ids.Parse(c.Params("id"))
	if !ok {
		return 0, errs.E(errs.NotFound, "order not found")
	}
	return int64(id), nil
}

// requestedOrder reads the order the route names, as the actor may see it
// (404 otherwise).
func (s *Server) requestedOrder(c *fiber.Ctx) (order.Order, error) {
	id, err := orderID(c)
	if err != nil {
		return order.Order{}, err
	}
	return s.Orders.Get(ctx(c), actorOf(c), id)
}

func (s *Server) apiPlaceOrder(c *fiber.Ctx) error {
	var req order.PlaceRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	o, err := s.Orders.Place(ctx(c), actorOf(c), req)
	if err != nil {
		return err
	}
	if o, err = s.startPayment(c, o); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(o)
}

// startPayment creates the Stripe PaymentIntent of a new order, after its
// transaction committed (never inside one).
func (s *Server) startPayment(c *fiber.Ctx, o order.Order) (order.Order, error) {
	if o.Payment.Provider != order.Stripe || s.Payments == nil {
		return o, nil
	}
	intent, err := s.Payments.CreateIntent(ctx(c), int64(o.ID), o.Number, o.TotalFen)
	if err != nil {
		return o, err
	}
	if err := s.Orders.AttachPaymentIntent(ctx(c), int64(o.ID), intent.ID); err != nil {
		return o, err
	}
	o.Payment.ClientSecret = intent.ClientSecret
	return o, nil
}

func (s *Server) apiListOrders(c *fiber.Ctx) error {
	cursor, _ := strconv.ParseInt(c.Query("cursor"), 10, 64)
	items, next, err := s.Orders.List(ctx(c), actorOf(c), cursor, c.QueryInt("limit", 20))
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

func (s *Server) apiGetOrder(c *fiber.Ctx) error {
	o, err := s.requestedOrder(c)
	if err != nil {
		return err
	}
	return c.JSON(o)
}

func (s *Server) apiCancelOrder(c *fiber.Ctx) error {
	id, err := orderID(c)
	if err != nil {
		return err
	}
	o, err := s.Orders.Cancel(ctx(c), actorOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(o)
}

func (s *Server) apiDelivered(c *fiber.Ctx) error {
	id, err := orderID(c)
	if err != nil {
		return err
	}
	o, err := s.Orders.ConfirmDelivered(ctx(c), actorOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(o)
}

func (s *Server) apiConfirmPayment(c *fiber.Ctx) error {
	id, err := orderID(c)
	if err != nil {
		return err
	}
	var in struct {
		Reference string `json:"reference"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if err := s.Orders.ConfirmManual(ctx(c), actorOf(c), id, in.Reference); err != nil {
		return err
	}
	o, err := s.Orders.Get(ctx(c), actorOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(o)
}

func (s *Server) apiShip(c *fiber.Ctx) error {
	id, err := orderID(c)
	if err != nil {
		return err
	}
	var in order.ShipRequest
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	o, err := s.Orders.Ship(ctx(c), actorOf(c), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(o)
}

func (s *Server) apiRefund(c *fiber.Ctx) error {
	id, err := orderID(c)
	if err != nil {
		return err
	}
	var in order.RefundRequest
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	var refunder order.Refunder
	if s.Payments != nil {
		refunder = s.Payments.Refund
	}
	o, err := s.Orders.Refund(ctx(c), actorOf(c), id, in, refunder)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(o)
}

// apiRecordExternalRefund records a refund made in the Stripe dashboard
// against the order's lines (no money moves).
func (s *Server) apiRecordExternalRefund(c *fiber.Ctx) error {
	id, err := orderID(c)
	if err != nil {
		return err
	}
	var in order.RefundRequest
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	o, err := s.Orders.RecordExternalRefund(ctx(c), actorOf(c), id, c.Params("refund_id"), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(o)
}

// apiImpact answers the buyer (and admins) by order id.
func (s *Server) apiImpact(c *fiber.Ctx) error {
	o, err := s.requestedOrder(c)
	if err != nil {
		return err
	}
	return s.impactJSON(c, int64(o.ID))
}

// apiReceipt answers anyone holding the order's public receipt token.
func (s *Server) apiReceipt(c *fiber.Ctx) error {
	id, err := s.Orders.IDByReceipt(ctx(c), c.Params("token"))
	if err != nil {
		return err
	}
	return s.impactJSON(c, id)
}

func (s *Server) impactJSON(c *fiber.Ctx, orderID int64) error {
	im, err := attribution.OrderImpact(ctx(c), s.DB, orderID)
	if err != nil {
		return err
	}
	return c.JSON(im)
}
