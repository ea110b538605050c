package web

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

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
	admin.Post("/orders/:id/external-refunds/:refund_id", s.postAdminExternalRefund)
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
	o, err := s.requestedOrder(c)
	if err != nil {
		return o, attribution.Impact{}, err
	}
	im, err := attribution.OrderImpact(ctx(c), s.DB, int64(o.ID))
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
	external, err := s.Orders.ExternalRefunds(ctx(c), actorOf(c))
	if err != nil {
		return err
	}
	p := s.page(c, "")
	p.Title = p.T("admin.payments")
	p.Data = map[string]any{"Items": list, "External": external}
	return s.html(c, "admin_payments", p)
}

func (s *Server) postAdminConfirm(c *fiber.Ctx) error {
	id, err := orderID(c)
	if err != nil {
		return err
	}
	if err := s.Orders.ConfirmManual(ctx(c), actorOf(c), id, c.FormValue("reference")); err != nil {
		return err
	}
	return c.Redirect("/admin/payments", fiber.StatusSeeOther)
}

func (s *Server) pageAdminOrder(c *fiber.Ctx) error {
	return s.renderAdminOrder(c, extRefundForm{}, "")
}

// extRefundForm is what an admin sent to record one external refund, with
// what is wrong with it (raw domain reasons, keyed "reason", "lines",
// "<line id>.quantity" and "<line id>.amount_yuan").
type extRefundForm struct {
	RefundID string
	Reason   string
	Qty      map[ids.ID]string
	Yuan     map[ids.ID]string
	Fields   map[string]string
	SentFen  int64 // what the sent lines add up to
}

// extRefundView is one pending external refund with its recording form.
type extRefundView struct {
	order.ExternalRefund
	Message     string
	Reason      string
	ReasonError string
	LinesError  string
	Lines       []extLineView
}

type extLineView struct {
	order.Line
	LeftQty             int   // units not refunded yet
	LeftFen             int64 // amount not refunded yet
	Qty, Yuan           string
	QtyError, YuanError string
}

// renderAdminOrder shows the admin order page: its lines with the refund
// form, and the refunds made in the Stripe dashboard that await recording,
// each with a form (filled with f, and its errors translated, when f is the
// one that was refused).
func (s *Server) renderAdminOrder(c *fiber.Ctx, f extRefundForm, message string) error {
	o, im, err := s.loadOrderPage(c)
	if err != nil {
		return err
	}
	pending, err := s.Orders.ExternalRefundsOf(ctx(c), actorOf(c), int64(o.ID))
	if err != nil {
		return err
	}
	p := s.page(c, "")
	p.Title = p.T("order.title", o.Number)
	var views []extRefundView
	for _, x := range pending {
		v := extRefundView{ExternalRefund: x, Reason: p.T("admin.ext.reason_default")}
		mine := x.RefundID == f.RefundID
		if mine {
			v.Message, message = trMsg(p, message), "" // shown in the form, not atop the page
			v.Reason, v.ReasonError = f.Reason, trMsg(p, f.Fields["reason"])
			if r := f.Fields["lines"]; r != "" {
				v.LinesError = trMsg(p, r)
				if f.SentFen != x.AmountFen {
					v.LinesError = p.T("admin.ext.sum", FormatYuan(x.AmountFen), FormatYuan(f.SentFen))
				}
			}
		}
		for _, l := range o.Lines {
			lv := extLineView{Line: l, Qty: "0", LeftQty: l.Quantity - l.RefundedQuantity, LeftFen: l.AmountFen - l.RefundedFen}
			if mine {
				key := l.ID.String()
				lv.Qty, lv.Yuan = f.Qty[l.ID], f.Yuan[l.ID]
				lv.QtyError = trMsg(p, f.Fields[key+".quantity"])
				if r := f.Fields[key+".amount_yuan"]; r != "" {
					lv.YuanError = trMsg(p, r)
					if strings.HasPrefix(r, "must be between") { // the domain counts fen; the form yuan
						lv.YuanError = p.T("admin.ext.amount_max", FormatYuan(l.AmountFen-l.RefundedFen))
					}
				}
			}
			v.Lines = append(v.Lines, lv)
		}
		views = append(views, v)
	}
	p.Data = map[string]any{"Order": o, "Impact": im, "External": views, "Error": trMsg(p, message)}
	return s.html(c, "admin_order", p)
}

// postAdminExternalRefund records a refund made in the Stripe dashboard
// from the admin order page: quantity_<line id> and amount_yuan_<line id>
// for the lines it returned (lines left at 0 are not sent), and a reason.
// A refused recording shows the page again with the form's errors.
func (s *Server) postAdminExternalRefund(c *fiber.Ctx) error {
	o, err := s.requestedOrder(c)
	if err != nil {
		return err
	}
	f := extRefundForm{RefundID: c.Params("refund_id"), Reason: c.FormValue("reason"),
		Qty: map[ids.ID]string{}, Yuan: map[ids.ID]string{}, Fields: map[string]string{}}
	req := order.RefundRequest{Reason: f.Reason}
	var sent []ids.ID // the order's line of each request line
	for _, l := range o.Lines {
		key := l.ID.String()
		q, y := strings.TrimSpace(c.FormValue("quantity_"+key)), strings.TrimSpace(c.FormValue("amount_yuan_"+key))
		f.Qty[l.ID], f.Yuan[l.ID] = q, y
		qty, err := strconv.Atoi(q)
		if q == "" {
			qty, err = 0, nil
		}
		if err != nil || qty < 0 {
			f.Fields[key+".quantity"] = "must be a whole number"
		}
		fen, yerr := parseYuanForm(y)
		if y == "" {
			fen, yerr = 0, nil
		}
		if yerr != nil {
			f.Fields[key+".amount_yuan"] = "must be an amount in yuan such as 12.80"
		}
		if err != nil || yerr != nil || (qty == 0 && fen == 0) {
			continue
		}
		req.Lines = append(req.Lines, order.RefundLine{LineID: l.ID, Quantity: qty, AmountFen: fen})
		sent = append(sent, l.ID)
		f.SentFen += fen
	}
	if len(f.Fields) > 0 {
		c.Status(fiber.StatusUnprocessableEntity)
		return s.renderAdminOrder(c, f, "the refund is not valid")
	}
	_, err = s.Orders.RecordExternalRefund(ctx(c), actorOf(c), int64(o.ID), f.RefundID, req)
	var e *errs.Error
	if !asErr(err, &e) || (e.Kind != errs.Invalid && e.Kind != errs.Conflict && e.Kind != errs.NotFound) {
		if err != nil {
			return err
		}
		return c.Redirect(fmt.Sprintf("/admin/orders/%d", o.ID), fiber.StatusSeeOther)
	}
	for k, v := range e.Fields {
		var i int
		if n, _ := fmt.Sscanf(k, "lines[%d]", &i); n == 1 && i >= 0 && i < len(sent) {
			key := sent[i].String()
			if strings.HasSuffix(k, "].quantity") {
				f.Fields[key+".quantity"] = v
			} else { // .amount_fen, .line_id or the line as a whole
				f.Fields[key+".amount_yuan"] = v
			}
			continue
		}
		f.Fields[k] = v
	}
	c.Status(statusOf(e))
	return s.renderAdminOrder(c, f, e.Message)
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
