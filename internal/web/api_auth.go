package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/ids"
)

type meJSON struct {
	ID               ids.ID      `json:"id"`
	Email            string      `json:"email"`
	Name             string      `json:"name"`
	Roles            []auth.Role `json:"roles"`
	CooperativeID    *ids.ID     `json:"cooperative_id,omitempty"`
	OfficeRegionCode string      `json:"office_region_code,omitempty"`
	BuyerOrgID       *ids.ID     `json:"buyer_org_id,omitempty"`
}

func meOf(a auth.Actor) meJSON {
	m := meJSON{ID: ids.ID(a.UserID), Email: a.Email, Name: a.Name, Roles: a.Roles, OfficeRegionCode: a.OfficeRegion}
	if m.Roles == nil {
		m.Roles = []auth.Role{}
	}
	if a.CooperativeID != 0 {
		id := ids.ID(a.CooperativeID)
		m.CooperativeID = &id
	}
	if a.BuyerOrgID != 0 {
		id := ids.ID(a.BuyerOrgID)
		m.BuyerOrgID = &id
	}
	return m
}

type loginResult struct {
	Token     string `json:"token"`
	CSRFToken string `json:"csrf_token"`
	User      meJSON `json:"user"`
}

func (s *Server) apiLogin(c *fiber.Ctx) error {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	a, err := s.Auth.Login(ctx(c), in.Email, in.Password, c.IP())
	if err != nil {
		return err
	}
	return s.signIn(c, a, fiber.StatusOK)
}

func (s *Server) apiRegister(c *fiber.Ctx) error {
	var in auth.NewUser
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	a, err := s.Auth.Register(ctx(c), in)
	if err != nil {
		return err
	}
	return s.signIn(c, a, fiber.StatusCreated)
}

// signIn issues a bearer token and a fresh browser session (a new id at
// every login, so a planted id never becomes a signed-in one).
func (s *Server) signIn(c *fiber.Ctx, a auth.Actor, status int) error {
	tok, err := s.Auth.Tokens.Issue(ctx(c), a.UserID)
	if err != nil {
		return err
	}
	res := loginResult{Token: tok, User: meOf(a)}
	if sess, err := s.startSession(c, a.UserID); err == nil {
		res.CSRFToken = sess.CSRF
	} else {
		s.Log.Warn("session store unavailable; API login returns the token only", "err", err)
	}
	return c.Status(status).JSON(res)
}

// startSession ends any current session and starts a new one with its cookie.
func (s *Server) startSession(c *fiber.Ctx, userID int64) (auth.Session, error) {
	if old := c.Cookies(sessionCookie); old != "" {
		s.Auth.Sessions.Delete(ctx(c), old)
	}
	sess, err := s.Auth.Sessions.Create(ctx(c), userID)
	if err != nil {
		return sess, err
	}
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: sess.ID, Path: "/", HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode, Secure: c.Protocol() == "https"})
	s.mergeVisitorCart(c, userID)
	return sess, nil
}

func (s *Server) clearSessionCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: "", Path: "/", HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Unix(0, 0), Secure: c.Protocol() == "https"})
}

func (s *Server) apiLogout(c *fiber.Ctx) error {
	if err := s.signOut(c); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) signOut(c *fiber.Ctx) error {
	if tok, ok := c.Locals("bearer").(string); ok {
		if err := s.Auth.Tokens.Revoke(ctx(c), tok); err != nil {
			return err
		}
	}
	if sess, ok := sessionOf(c); ok {
		if err := s.Auth.Sessions.Delete(ctx(c), sess.ID); err != nil {
			return err
		}
	}
	s.clearSessionCookie(c)
	return nil
}

func (s *Server) apiMe(c *fiber.Ctx) error {
	return c.JSON(meOf(actorOf(c)))
}
