package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/web"
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

func (s handlers) login(c *fiber.Ctx) error {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	a, err := s.Auth.Login(web.Ctx(c), in.Email, in.Password, s.ClientAddr(c))
	if err != nil {
		return err
	}
	return s.signIn(c, a, fiber.StatusOK)
}

func (s handlers) register(c *fiber.Ctx) error {
	var in auth.NewUser
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	in.Lang = web.ChosenLanguage(c)
	a, err := s.Auth.Register(web.Ctx(c), in)
	if err != nil {
		return err
	}
	return s.signIn(c, a, fiber.StatusCreated)
}

// signIn issues a bearer token and a fresh browser session (a new id at
// every login, so a planted id never becomes a signed-in one).
// The token and the session belong to one login: signing out with either
// ends both.
func (s handlers) signIn(c *fiber.Ctx, a auth.Actor, status int) error {
	login := auth.NewLogin()
	tok, err := s.Auth.Tokens.Issue(web.Ctx(c), a.UserID, login)
	if err != nil {
		return err
	}
	res := loginResult{Token: tok, User: meOf(a)}
	if sess, err := s.StartSession(c, a.UserID, login); err == nil {
		res.CSRFToken = sess.CSRF
	} else {
		s.Log.Warn("session store unavailable; API login returns the token only", "err", err)
	}
	return c.Status(status).JSON(res)
}

func (s handlers) logout(c *fiber.Ctx) error {
	if err := s.SignOut(c); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s handlers) logoutEverywhere(c *fiber.Ctx) error {
	if err := s.SignOutEverywhere(c); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s handlers) me(c *fiber.Ctx) error {
	return c.JSON(meOf(web.ActorOf(c)))
}

// verifyEmail confirms the address a mailed link's token was made for
// (POST /auth/verify-email {token}); anyone holding the link may, signed
// in or not, as opening the link does.
func (s handlers) verifyEmail(c *fiber.Ctx) error {
	var in struct {
		Token string `json:"token"`
	}
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	if _, err := s.Auth.VerifyEmail(web.Ctx(c), in.Token); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"verified": true})
}

// resendVerification mails the signed-in account a new confirmation link
// (202; 409 once confirmed, 429 within a minute of the last).
func (s handlers) resendVerification(c *fiber.Ctx) error {
	if err := s.Auth.ResendVerification(web.Ctx(c), web.ActorOf(c)); err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"mailed": true})
}
