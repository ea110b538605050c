package shop

import (
	"context"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/attribution"
	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/order"
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

// OrderView is a buyer's order with its impact and its public receipt link.
type OrderView struct {
	Order      order.Order
	Impact     attribution.Impact
	ReceiptURL string
}

func (s handlers) order(c *fiber.Ctx) error {
	o, err := s.RequestedOrder(c)
	if err != nil {
		return err
	}
	im, err := attribution.OrderImpact(web.Ctx(c), s.DB, int64(o.ID))
	if err != nil {
		return err
	}
	p := s.Page(c, "")
	p.Title = p.T("order.title", o.Number)
	p.Data = OrderView{Order: o, Impact: im, ReceiptURL: s.AbsoluteURL(o.ReceiptURL)}
	return s.HTML(c, "shop/order", p)
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

// ReceiptView is an order's public impact receipt.
type ReceiptView struct {
	Impact attribution.Impact
}

func (s handlers) receipt(c *fiber.Ctx) error {
	id, err := s.Orders.IDByReceipt(web.Ctx(c), c.Params("token"))
	if err != nil {
		return err
	}
	im, err := attribution.OrderImpact(web.Ctx(c), s.DB, id)
	if err != nil {
		return err
	}
	p := s.Page(c, "")
	p.Title = p.T("receipt.title")
	p.Data = ReceiptView{Impact: im}
	return s.HTML(c, "shop/receipt", p)
}
