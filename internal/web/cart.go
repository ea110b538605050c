package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/cart"
	"github.com/fupinmarket/market/internal/platform/ids"
)

const cartCookie = "market_cart"

// cartOwner is the signed-in user's cart, or the visitor's (created on
// first use when create is set).
func (s *Server) cartOwner(c *fiber.Ctx, create bool) cart.Owner {
	if a := actorOf(c); !a.Anonymous() {
		return cart.Owner{UserID: a.UserID}
	}
	id := c.Cookies(cartCookie)
	if len(id) != 32 && create {
		id = auth.RandomToken(16)
		c.Cookie(&fiber.Cookie{Name: cartCookie, Value: id, Path: "/", HTTPOnly: true, MaxAge: int(cart.VisitorTTL.Seconds()),
			SameSite: fiber.CookieSameSiteLaxMode, Secure: c.Protocol() == "https"})
	}
	return cart.Owner{VisitorID: id}
}

// mergeVisitorCart moves a visitor's cart into the account that just signed in.
func (s *Server) mergeVisitorCart(c *fiber.Ctx, userID int64) {
	id := c.Cookies(cartCookie)
	if id == "" || s.Carts == nil {
		return
	}
	if err := s.Carts.Merge(ctx(c), id, userID); err != nil {
		s.Log.Warn("could not merge the visitor cart", "err", err)
		return
	}
	c.ClearCookie(cartCookie)
}

type cartJSON struct {
	Items    []cart.Item `json:"items"`
	TotalFen int64       `json:"total_fen"`
	Count    int         `json:"count"`
}

func (s *Server) cartView(c *fiber.Ctx) (cartJSON, error) {
	items, err := s.Carts.Items(ctx(c), s.cartOwner(c, false))
	out := cartJSON{Items: items}
	if out.Items == nil {
		out.Items = []cart.Item{}
	}
	for _, it := range items {
		out.TotalFen += it.AmountFen()
		out.Count += it.Quantity
	}
	return out, err
}

func (s *Server) apiCart(c *fiber.Ctx) error {
	v, err := s.cartView(c)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// apiSetCartItem sets the quantity of a variant (0 removes it).
func (s *Server) apiSetCartItem(c *fiber.Ctx) error {
	id, ok := ids.Parse(c.Params("variant"))
	if !ok {
		return fiber.ErrNotFound
	}
	var in struct {
		Quantity int `json:"quantity"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if err := s.Carts.Set(ctx(c), s.cartOwner(c, true), int64(id), in.Quantity); err != nil {
		return err
	}
	return s.apiCart(c)
}

// postCartAdd is the product page's "add to cart" form.
func (s *Server) postCartAdd(c *fiber.Ctx) error {
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
	if err := s.Carts.Add(ctx(c), s.cartOwner(c, true), int64(id), qty); err != nil {
		return err
	}
	return c.Redirect("/cart", fiber.StatusSeeOther)
}

// postCartUpdate is the cart page's quantity form (0 removes).
func (s *Server) postCartUpdate(c *fiber.Ctx) error {
	id, ok := ids.Parse(c.FormValue("variant_id"))
	qty, err := strconv.Atoi(c.FormValue("quantity"))
	if !ok || err != nil {
		return fiber.ErrBadRequest
	}
	if err := s.Carts.Set(ctx(c), s.cartOwner(c, true), int64(id), qty); err != nil {
		return err
	}
	return c.Redirect("/cart", fiber.StatusSeeOther)
}

func (s *Server) pageCart(c *fiber.Ctx) error {
	v, err := s.cartView(c)
	if err != nil {
		return err
	}
	p := s.page(c, "")
	p.Title = p.T("cart.title")
	p.Data = v
	return s.html(c, "cart", p)
}
