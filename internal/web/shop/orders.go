package shop

import (
	"context"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/attribution"
	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/invoice"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/web"
)

// OrdersView is a buyer's orders, newest first.
type OrdersView struct {
	Items []order.Summary
	Next  int64
}

func (s handlers) orders(c *fiber.Ctx) error {
	cursor, _ := strconv.ParseInt(c.Query("cursor"), 10, 64)
	items, next, err := s.Orders.List(web.Ctx(c), web.ActorOf(c), cursor, 20)
	if err != nil {
		return err
	}
	p := s.Page(c, "")
	p.Title = p.T("orders.title")
	p.Data = OrdersView{Items: items, Next: next}
	return s.HTML(c, "shop/orders", p)
}

// OrderView is a buyer's order with its impact card and its invoicing.
type OrderView struct {
	Order    order.Order
	Card     ImpactCard
	Invoices invoice.State
	Form     web.InvoiceForm
	// Invoiceable is whether the invoice section shows: the order was paid
	// and not wholly refunded, or an invoice was asked for.
	Invoiceable bool
}

func (s handlers) order(c *fiber.Ctx) error {
	return s.renderOrder(c, web.InvoiceForm{RequestInput: invoice.RequestInput{Kind: invoice.Normal}})
}

func (s handlers) renderOrder(c *fiber.Ctx, form web.InvoiceForm) error {
	o, err := s.RequestedOrder(c)
	if err != nil {
		return err
	}
	im, err := attribution.OrderImpact(web.Ctx(c), s.DB, int64(o.ID))
	if err != nil {
		return err
	}
	inv, err := s.Invoices.Of(web.Ctx(c), web.ActorOf(c), int64(o.ID))
	if err != nil {
		return err
	}
	p := s.Page(c, "")
	p.Title = p.T("order.title", o.Number)
	card, err := s.impactCard(c, p, im, o.ReceiptToken)
	if err != nil {
		return err
	}
	if form.Errors == nil {
		form.Errors = map[string]string{}
	}
	// An invoice asked for before a full refund stays on the page, saying
	// that nothing is left to invoice; the form is offered only while the
	// order is paid and not refunded.
	open := o.PaidAt != nil && o.Status != order.Refunded && o.Status != order.Cancelled
	p.Data = OrderView{Order: o, Card: card, Invoices: inv, Form: form, Invoiceable: open || inv.Request != nil}
	return s.HTML(c, "shop/order", p)
}

// askInvoice is the order page's invoice request form.
func (s handlers) askInvoice(c *fiber.Ctx) error {
	id, err := web.OrderID(c)
	if err != nil {
		return err
	}
	in := invoice.RequestInput{Title: c.FormValue("title"), TaxpayerID: c.FormValue("taxpayer_id"),
		Kind: c.FormValue("kind"), Email: c.FormValue("email")}
	_, err = s.Invoices.Ask(web.Ctx(c), web.ActorOf(c), id, in)
	if err == nil {
		return c.Redirect(fmt.Sprintf("/orders/%d#invoice", id), fiber.StatusSeeOther)
	}
	p := s.Page(c, "")
	fields, status, ok := web.FormErrorOr(p, err, "form", errs.Invalid, errs.Conflict)
	if !ok {
		return err
	}
	c.Status(status)
	return s.renderOrder(c, web.InvoiceForm{RequestInput: in, Errors: fields})
}

// orderAction runs a buyer's order action from a form and goes back.
func (s handlers) orderAction(act func(c context.Context, a auth.Actor, id int64) (order.Order, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := web.OrderID(c)
		if err != nil {
			return err
		}
		if _, err := act(web.Ctx(c), web.ActorOf(c), id); err != nil {
			return err
		}
		return c.Redirect(fmt.Sprintf("/orders/%d", id), fiber.StatusSeeOther)
	}
}
