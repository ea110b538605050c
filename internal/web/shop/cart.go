package shop

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/web"
)

// CartView is the cart page: its lines and total.
type CartView = web.CartView

func (s handlers) cart(c *fiber.Ctx) error {
	return s.renderCart(c, nil)
}

// renderCart shows the cart page, with the quantity forms' refusals by
// variant id (nil: none).
func (s handlers) renderCart(c *fiber.Ctx, refusals map[string]string) error {
	v, err := s.Cart(c)
	if err != nil {
		return err
	}
	v.Errors = refusals
	p := s.Page(c, "")
	p.Title = p.T("cart.title")
	p.Data = v
	return s.HTML(c, "shop/cart", p)
}

// cartAdd is the product page's "add to cart" form.
func (s handlers) cartAdd(c *fiber.Ctx) error {
	id, ok := ids.Parse(c.FormValue("variant_id"))
	if !ok {
		return fiber.ErrBadRequest
	}
	qty, err := strconv.Atoi(c.FormValue("quantity", "1"))
	if err != nil {
		qty = 0
	}
	if qty < 1 {
		qty = 1
	}
	if err := s.Carts.Add(web.Ctx(c), s.CartOwner(c, true), int64(id), qty); err != nil {
		return err
	}
	if c.FormValue("then") == "checkout" { // 立即购买: straight to checkout
		return c.Redirect("/checkout", fiber.StatusSeeOther)
	}
	return c.Redirect("/cart", fiber.StatusSeeOther)
}

// cartUpdate is the cart page's quantity form (0 removes). A quantity box
// left empty, or not a number the cart takes, is said beside its line.
func (s handlers) cartUpdate(c *fiber.Ctx) error {
	id, ok := ids.Parse(c.FormValue("variant_id"))
	if !ok {
		return fiber.ErrBadRequest
	}
	qty, err := strconv.Atoi(strings.TrimSpace(c.FormValue("quantity")))
	if err != nil {
		qty = -1 // refused by Set, with the cart's own rule
	}
	err = s.Carts.Set(web.Ctx(c), s.CartOwner(c, true), int64(id), qty)
	var e *errs.Error
	switch {
	case err == nil:
		return c.Redirect("/cart", fiber.StatusSeeOther)
	case errors.As(err, &e) && e.Kind == errs.Invalid && e.Fields["quantity"] != "":
		c.Status(fiber.StatusBadRequest)
		return s.renderCart(c, map[string]string{id.String(): e.Fields["quantity"]})
	}
	return err
}
