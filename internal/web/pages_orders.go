package web

import (
	"fmt"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/attribution"
	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
)

func (s *Server) orderPageRoutes(app *fiber.App) {
	app.Get("/cart", s.pageCart)
	app.Post("/cart/add", s.postCartAdd)
	app.Post("/cart/update", s.postCartUpdate)
	app.Get("/api/v1/cart", s.apiCart)
	app.Put("/api/v1/cart/items/:variant", s.apiSetCartItem)
	app.Get("/checkout", s.signedInPage, s.pageCheckout)
	app.Post("/checkout", s.signedInPage, s.postCheckout)
	app.Get("/checkout/pay/:id", s.signedInPage, s.pagePay)
	app.Get("/orders", s.signedInPage, s.pageOrders)
	app.Get("/orders/:id", s.signedInPage, s.pageOrder)
	app.Post("/orders/:id/cancel", s.signedInPage, s.postOrderAction(s.Orders.Cancel))
	app.Post("/orders/:id/delivered", s.signedInPage, s.postOrderAction(s.Orders.ConfirmDelivered))
	app.Get("/receipts/:token", s.pageReceipt)
	admin := app.Group("/admin", s.requirePageRole(auth.RolePlatformAdmin))
	admin.Get("/payments", s.pageAdminPayments)
	admin.Post("/orders/:id/confirm", s.postAdminConfirm)
	admin.Get("/orders/:id", s.pageAdminOrder)
	admin.Post("/orders/:id/refund", s.postAdminRefund)
	app.Get("/coop/orders", s.requirePageRole(auth.RoleCoopAdmin), s.pageCoopOrders)
	app.Post("/coop/orders/:id/ship", s.requirePageRole(auth.RoleCoopAdmin), s.postCoopShip)
}

// signedInPage sends visitors to the login page and back.
func (s *Server) signedInPage(c *fiber.Ctx) error {
	if actorOf(c).Anonymous() {
		return c.Redirect("/login?next="+url.QueryEscape(c.OriginalURL()), fiber.StatusSeeOther)
	}
	return c.Next()
}

func (s *Server) pageCheckout(c *fiber.Ctx) error {
	return s.renderCheckout(c, order.Address{}, nil, "")
}

func (s *Server) renderCheckout(c *fiber.Ctx, addr order.Address, fields map[string]string, msg string) error {
	v, err := s.cartView(c)
	if err != nil {
		return err
	}
	if len(v.Items) == 0 {
		return c.Redirect("/cart", fiber.StatusSeeOther)
	}
	p := s.page(c, "")
	p.Title = p.T("checkout.title")
	translated := map[string]string{}
	for k, m := range fields {
		translated[k] = p.Msg(m)
	}
	p.Data = map[string]any{"Cart": v, "Address": addr, "Fields": translated, "Error": p.Msg(msg), "Stripe": s.Payments != nil}
	return s.html(c, "checkout", p)
}

func (s *Server) postCheckout(c *fiber.Ctx) error {
	addr := order.Address{Name: c.FormValue("name"), Phone: c.FormValue("phone"), Province: c.FormValue("province"),
		City: c.FormValue("city"), District: c.FormValue("district"), Detail: c.FormValue("detail")}
	owner := s.cartOwner(c, false)
	items, err := s.Carts.Items(ctx(c), owner)
	if err != nil {
		return err
	}
	req := order.PlaceRequest{ShippingAddress: addr, PaymentMethod: c.FormValue("payment_method", order.Manual)}
	for _, it := range items {
		req.Items = append(req.Items, order.Item{VariantID: it.VariantID, Quantity: it.Quantity})
	}
	o, err := s.Orders.Place(ctx(c), actorOf(c), req)
	var e *errs.Error
	if asErr(err, &e) && (e.Kind == errs.Invalid || e.Kind == errs.Conflict) {
		c.Status(statusOf(e))
		return s.renderCheckout(c, addr, e.Fields, e.Message)
	}
	if err != nil {
		return err
	}
	if _, err := s.startPayment(c, o); err != nil {
		return err
	}
	if err := s.Carts.Clear(ctx(c), owner); err != nil {
		s.Log.Warn("could not clear the cart after checkout", "err", err)
	}
	if o.Payment.Provider == order.Stripe {
		return c.Redirect(fmt.Sprintf("/checkout/pay/%d", o.ID), fiber.StatusSeeOther)
	}
	return c.Redirect(fmt.Sprintf("/orders/%d", o.ID), fiber.StatusSeeOther)
}

func (s *Server) pageOrders(c *fiber.Ctx) error {
	cursor, _ := strconv.ParseInt(c.Query("cursor"), 10, 64)
	items, next, err := s.Orders.List(ctx(c), actorOf(c), cursor, 20)
	if err != nil {
		return err
	}
	p := s.page(c, "")
	p.Title = p.T("orders.title")
	p.Data = map[string]any{"Items": items, "Next": next}
	return s.html(c, "orders", p)
}

func (s *Server) loadOrderPage(c *fiber.Ctx) (order.Order, attribution.Impact, error) {
	id, err := orderID(c)
	if err != nil {
		return order.Order{}, attribution.Impact{}, err
	}
	o, err := s.Orders.Get(ctx(c), actorOf(c), id)
	if err != nil {
		return o, attribution.Impact{}, err
	}
	im, err := attribution.OrderImpact(ctx(c), s.DB, id)
	return o, im, err
}

func (s *Server) pageOrder(c *fiber.Ctx) error {
	o, im, err := s.loadOrderPage(c)
	if err != nil {
		return err
	}
	p := s.page(c, "")
	p.Title = p.T("order.title", o.Number)
	p.Data = map[string]any{"Order": o, "Impact": im, "ReceiptURL": c.BaseURL() + o.ReceiptURL}
	return s.html(c, "order", p)
}

// postOrderAction runs a buyer's order action from a form and goes back.
func (s *Server) postOrderAction(act func(c ctxT, a auth.Actor, id int64) (order.Order, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := orderID(c)
		if err != nil {
			return err
		}
		if _, err := act(ctx(c), actorOf(c), id); err != nil {
			return err
		}
		return c.Redirect(fmt.Sprintf("/orders/%d", id), fiber.StatusSeeOther)
	}
}

func (s *Server) pageReceipt(c *fiber.Ctx) error {
	id, err := s.Orders.IDByReceipt(ctx(c), c.Params("token"))
	if err != nil {
		return err
	}
	im, err := attribution.OrderImpact(ctx(c), s.DB, id)
	if err != nil {
		return err
	}
	p := s.page(c, "")
	p.Title = p.T("receipt.title")
	p.Data = map[string]any{"Impact": im}
	return s.html(c, "receipt", p)
}

func (s *Server) pageAdminPayments(c *fiber.Ctx) error {
	list, err := s.Orders.AwaitingTransfers(ctx(c), actorOf(c))
	if err != nil {
		return err
	}
	p := s.page(c, "")
	p.Title = p.T("admin.payments")
	p.Data = map[string]any{"Items": list}
	return s.html(c, "admin_payments", p)
}

func (s *Server) postAdminConfirm(c *fiber.Ctx) error {
	id, err := orderID(c)
	if err != nil {
		return err
	}
	if _, err := s.Orders.ConfirmManual(ctx(c), actorOf(c), id, c.FormValue("reference")); err != nil {
		return err
	}
	return c.Redirect("/admin/payments", fiber.StatusSeeOther)
}

func (s *Server) pageAdminOrder(c *fiber.Ctx) error {
	o, im, err := s.loadOrderPage(c)
	if err != nil {
		return err
	}
	p := s.page(c, "")
	p.Title = p.T("order.title", o.Number)
	p.Data = map[string]any{"Order": o, "Impact": im}
	return s.html(c, "admin_order", p)
}

// postAdminRefund refunds one line from the admin order page.
func (s *Server) postAdminRefund(c *fiber.Ctx) error {
	id, err := orderID(c)
	if err != nil {
		return err
	}
	line, ok := ids.Parse(c.FormValue("line_id"))
	qty, err1 := strconv.Atoi(c.FormValue("quantity", "0"))
	yuan, err2 := parseYuanForm(c.FormValue("amount_yuan", "0"))
	if !ok || err1 != nil || err2 != nil {
		return errs.Validation("the refund is not valid", map[string]string{"amount_yuan": "must be an amount in yuan with at most two decimals"})
	}
	req := order.RefundRequest{Reason: c.FormValue("reason"), Lines: []order.RefundLine{{LineID: line, Quantity: qty, AmountFen: yuan}}}
	var refunder order.Refunder
	if s.Payments != nil {
		refunder = s.Payments.Refund
	}
	if _, err := s.Orders.Refund(ctx(c), actorOf(c), id, req, refunder); err != nil {
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/orders/%d", id), fiber.StatusSeeOther)
}

func (s *Server) pageCoopOrders(c *fiber.Ctx) error {
	list, err := s.Orders.CoopShipments(ctx(c), actorOf(c))
	if err != nil {
		return err
	}
	terms, err := s.Orders.Shipping(ctx(c), actorOf(c).CooperativeID)
	if err != nil {
		return err
	}
	p := s.page(c, "")
	p.Title = p.T("coop.orders")
	p.Data = map[string]any{"Items": list, "Shipping": terms}
	return s.html(c, "coop_orders", p)
}

func (s *Server) postCoopShip(c *fiber.Ctx) error {
	id, err := orderID(c)
	if err != nil {
		return err
	}
	req := order.ShipRequest{Carrier: c.FormValue("carrier"), TrackingNo: c.FormValue("tracking_no")}
	if _, err := s.Orders.Ship(ctx(c), actorOf(c), id, req); err != nil {
		return err
	}
	return c.Redirect("/coop/orders", fiber.StatusSeeOther)
}
