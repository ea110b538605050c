package web

import (
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/cart"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/text"
)

// RequireSignedIn answers 401 to visitors (API routes).
func (s *Server) RequireSignedIn(c *fiber.Ctx) error {
	if ActorOf(c).Anonymous() {
		return errs.E(errs.Unauthenticated, "sign in first")
	}
	return c.Next()
}

// RequireRole lets through actors holding any of roles; others get 403
// (401 for visitors). For API routes.
func (s *Server) RequireRole(roles ...auth.Role) fiber.Handler {
	return func(c *fiber.Ctx) error {
		a := ActorOf(c)
		if a.Anonymous() {
			return errs.E(errs.Unauthenticated, "sign in first")
		}
		if !holdsAny(a, roles) {
			return errs.E(errs.Forbidden, "your account may not do this")
		}
		return c.Next()
	}
}

// SignedInPage sends visitors to the login page and back.
func (s *Server) SignedInPage(c *fiber.Ctx) error {
	if ActorOf(c).Anonymous() {
		return toLogin(c)
	}
	return c.Next()
}

// RequirePageRole sends visitors to the login page and refuses accounts
// without one of roles.
func (s *Server) RequirePageRole(roles ...auth.Role) fiber.Handler {
	return func(c *fiber.Ctx) error {
		a := ActorOf(c)
		if a.Anonymous() {
			return toLogin(c)
		}
		if !holdsAny(a, roles) {
			return errs.E(errs.Forbidden, "your account may not do this")
		}
		return c.Next()
	}
}

func holdsAny(a auth.Actor, roles []auth.Role) bool {
	for _, r := range roles {
		if a.Has(r) {
			return true
		}
	}
	return false
}

func toLogin(c *fiber.Ctx) error {
	return c.Redirect("/login?next="+url.QueryEscape(c.OriginalURL()), fiber.StatusSeeOther)
}

// StartSession ends any current session and starts a new one for login
// (auth.NewLogin) with its cookie (a new id at every login, so a planted id
// never becomes a signed-in one), then merges the visitor's cart into the
// account.
func (s *Server) StartSession(c *fiber.Ctx, userID int64, login string) (auth.Session, error) {
	if old := c.Cookies(sessionCookie); old != "" {
		s.Auth.Sessions.Delete(Ctx(c), old)
	}
	sess, err := s.Auth.Sessions.Create(Ctx(c), userID, login)
	if err != nil {
		return sess, err
	}
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: sess.ID, Path: "/", HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode, Secure: s.overTLS(c)})
	s.mergeVisitorCart(c, userID)
	return sess, nil
}

// ClearSessionCookie tells the browser to forget its session.
func (s *Server) ClearSessionCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: "", Path: "/", HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Unix(0, 0), Secure: s.overTLS(c)})
}

// SignOut ends the login the request's credential belongs to: its bearer
// token or browser session, and whatever else was issued at that login (the
// session and the token an API login returns together).
func (s *Server) SignOut(c *fiber.Ctx) error {
	if tok, ok := c.Locals("bearer").(string); ok {
		if err := s.Auth.Tokens.Revoke(Ctx(c), tok); err != nil {
			return err
		}
	}
	if sess, ok := SessionOf(c); ok {
		if err := s.Auth.Sessions.Delete(Ctx(c), sess.ID); err != nil {
			return err
		}
	}
	if login, _ := c.Locals("login").(string); login != "" {
		if err := s.Auth.Logout(Ctx(c), ActorOf(c).UserID, login); err != nil {
			return err
		}
	}
	s.ClearSessionCookie(c)
	return nil
}

// SignOutEverywhere ends every session and token of the signed-in account.
func (s *Server) SignOutEverywhere(c *fiber.Ctx) error {
	if a := ActorOf(c); !a.Anonymous() {
		if err := s.Auth.LogoutEverywhere(Ctx(c), a.UserID); err != nil {
			return err
		}
	}
	s.ClearSessionCookie(c)
	return nil
}

// CartOwner is the signed-in user's cart, or the visitor's (created on
// first use when create is set).
func (s *Server) CartOwner(c *fiber.Ctx, create bool) cart.Owner {
	if a := ActorOf(c); !a.Anonymous() {
		return cart.Owner{UserID: a.UserID}
	}
	id := c.Cookies(cartCookie)
	if len(id) != 32 && create {
		id = auth.RandomToken(16)
		c.Cookie(&fiber.Cookie{Name: cartCookie, Value: id, Path: "/", HTTPOnly: true, MaxAge: int(cart.VisitorTTL.Seconds()),
			SameSite: fiber.CookieSameSiteLaxMode, Secure: s.overTLS(c)})
	}
	return cart.Owner{VisitorID: id}
}

// mergeVisitorCart moves a visitor's cart into the account that just signed in.
func (s *Server) mergeVisitorCart(c *fiber.Ctx, userID int64) {
	id := c.Cookies(cartCookie)
	if id == "" || s.Carts == nil {
		return
	}
	if err := s.Carts.Merge(Ctx(c), id, userID); err != nil {
		s.Log.Warn("could not merge the visitor cart", "err", err)
		return
	}
	c.ClearCookie(cartCookie)
}

// CartView is a cart as the API and the pages show it: its lines, and
// before anything is placed, what each cooperative will charge to ship its
// part (the rule checkout charges by, coop.ShippingTerms.FeeFor).
type CartView struct {
	Items       []cart.Item `json:"items"`
	TotalFen    int64       `json:"total_fen"` // the goods on sale
	Count       int         `json:"count"`
	Groups      []CartGroup `json:"groups"`
	ShippingFen int64       `json:"shipping_fen"`
	GrandFen    int64       `json:"grand_total_fen"` // goods and shipping
	// Errors are the quantity forms' refusals, by variant id (pages only).
	Errors map[string]string `json:"-"`
}

// CartGroup is one cooperative's part of a cart: shipped together, with
// one shipping fee.
type CartGroup struct {
	CooperativeID ids.ID      `json:"cooperative_id"`
	Cooperative   string      `json:"cooperative_name"`
	Items         []cart.Item `json:"-"`
	// CooperativeNames is the cooperative's name in every language entered.
	CooperativeNames text.Names `json:"cooperative_names"`
	ItemsFen         int64      `json:"items_fen"`
	ShippingFen      int64      `json:"shipping_fen"`
	FreeFromFen      *int64     `json:"free_from_fen,omitempty"`
	// ToFreeFen is what more of this cooperative's goods ships free (0: free
	// already, or never).
	ToFreeFen int64 `json:"to_free_shipping_fen"`
}

// CooperativeIn is the cooperative's name in lang, Chinese when it has none there.
func (g CartGroup) CooperativeIn(lang string) string {
	return text.Names{Zh: g.Cooperative, Ug: g.CooperativeNames.Ug, En: g.CooperativeNames.En}.In(lang)
}

// Cart reads the request's cart (the account's or the visitor's).
func (s *Server) Cart(c *fiber.Ctx) (CartView, error) {
	items, err := s.Carts.Items(Ctx(c), s.CartOwner(c, false))
	out := CartView{Items: items, Groups: []CartGroup{}}
	if out.Items == nil {
		out.Items = []cart.Item{}
	}
	for _, it := range items {
		out.Count += it.Quantity
		if !it.Buyable {
			// Checkout refuses it: no part of any total, and listed apart
			// (the cart page offers to take it out).
			continue
		}
		out.TotalFen += it.AmountFen()
		if n := len(out.Groups); n == 0 || out.Groups[n-1].CooperativeID != it.CoopID {
			out.Groups = append(out.Groups, CartGroup{CooperativeID: it.CoopID, Cooperative: it.CoopName,
				CooperativeNames: it.CoopNames, FreeFromFen: it.Shipping.FreeFromFen})
		}
		g := &out.Groups[len(out.Groups)-1]
		g.Items = append(g.Items, it)
		g.ItemsFen += it.AmountFen()
	}
	for i := range out.Groups {
		g := &out.Groups[i]
		g.ShippingFen = g.Items[0].Shipping.FeeFor(g.ItemsFen)
		if g.ShippingFen > 0 && g.FreeFromFen != nil {
			g.ToFreeFen = *g.FreeFromFen - g.ItemsFen
		}
		out.ShippingFen += g.ShippingFen
	}
	out.GrandFen = out.TotalFen + out.ShippingFen
	return out, err
}
