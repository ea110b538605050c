package shop

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/web"
)

// LoginView is the sign-in form as typed.
type LoginView struct {
	Next, Email, Error string
}

func (s handlers) loginPage(c *fiber.Ctx) error {
	p := s.Page(c, "")
	p.Title = p.T("login.title")
	p.Data = LoginView{Next: web.SafeNext(c.Query("next"))}
	return s.HTML(c, "shop/login", p)
}

// login signs in from the form; a wrong password re-renders the form with
// the message in the page's language.
func (s handlers) login(c *fiber.Ctx) error {
	email, next := c.FormValue("email"), web.SafeNext(c.FormValue("next"))
	a, err := s.Auth.Login(web.Ctx(c), email, c.FormValue("password"), s.ClientAddr(c))
	if err == nil {
		if _, err = s.StartSession(c, a.UserID, auth.NewLogin()); err == nil {
			return c.Redirect(next, fiber.StatusSeeOther)
		}
	}
	k := errs.KindOf(err)
	if k != errs.Unauthenticated && k != errs.RateLimited {
		return err
	}
	status, body, retry := web.Classify(err)
	if retry > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(retry))
	}
	p := s.Page(c, "")
	p.Title = p.T("login.title")
	p.Data = LoginView{Next: next, Email: email, Error: web.TrMsg(p, body.Message)}
	c.Status(status)
	return s.HTML(c, "shop/login", p)
}

// RegisterView is the sign-up form as typed, with its errors.
type RegisterView struct {
	Name, Email, Error string
	Fields             map[string]string
}

func (s handlers) registerPage(c *fiber.Ctx) error {
	p := s.Page(c, "")
	p.Title = p.T("register.title")
	p.Data = RegisterView{Fields: map[string]string{}}
	return s.HTML(c, "shop/register", p)
}

func (s handlers) register(c *fiber.Ctx) error {
	in := auth.NewUser{Email: c.FormValue("email"), Name: c.FormValue("name"), Password: c.FormValue("password"),
		Lang: web.ChosenLanguage(c)}
	a, err := s.Auth.Register(web.Ctx(c), in)
	if err == nil {
		if _, err = s.StartSession(c, a.UserID, auth.NewLogin()); err == nil {
			return c.Redirect("/", fiber.StatusSeeOther)
		}
	}
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.Invalid {
		return err
	}
	p := s.Page(c, "")
	p.Title = p.T("register.title")
	fields := map[string]string{}
	for k, v := range e.Fields {
		fields[k] = web.TrMsg(p, v)
	}
	p.Data = RegisterView{Name: in.Name, Email: in.Email, Error: web.TrMsg(p, e.Message), Fields: fields}
	c.Status(fiber.StatusUnprocessableEntity)
	return s.HTML(c, "shop/register", p)
}

func (s handlers) logout(c *fiber.Ctx) error {
	if err := s.SignOut(c); err != nil {
		return err
	}
	return c.Redirect("/", fiber.StatusSeeOther)
}

// logoutEverywhere ends every session and token of the account (a lost
// phone, a shared computer) and goes home.
func (s handlers) logoutEverywhere(c *fiber.Ctx) error {
	if err := s.SignOutEverywhere(c); err != nil {
		return err
	}
	return c.Redirect("/", fiber.StatusSeeOther)
}

// verifyEmail is where a confirmation mail's link leads: the address is
// confirmed and the organisation page, where invitations now show, says
// so (a visitor not signed in signs in first). A used or expired link is
// the error page's 404, in the visitor's language.
func (s handlers) verifyEmail(c *fiber.Ctx) error {
	if _, err := s.Auth.VerifyEmail(web.Ctx(c), c.Query("token")); err != nil {
		return err
	}
	return c.Redirect("/org?done=verified", fiber.StatusSeeOther)
}

// resendVerification mails a new confirmation link; the organisation page
// says it was sent, or why not.
func (s handlers) resendVerification(c *fiber.Ctx) error {
	if err := s.Auth.ResendVerification(web.Ctx(c), web.ActorOf(c)); err != nil {
		if !errs.Is(err, errs.RateLimited) && !errs.Is(err, errs.Conflict) {
			return err
		}
		return c.Redirect("/org?done=not_mailed", fiber.StatusSeeOther)
	}
	return c.Redirect("/org?done=mailed", fiber.StatusSeeOther)
}
