package web

import (
	"io/fs"
	"path"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/storefront"
)

func readStatic(name string) ([]byte, error) {
	return fs.ReadFile(storefront.FS, "static/"+path.Clean(name))
}

func extOf(name string) string { return path.Ext(name) }

func (s *Server) pageLogin(c *fiber.Ctx) error {
	p := s.page(c, "")
	p.Title = p.T("login.title")
	p.Data = map[string]any{"Next": safeNext(c.Query("next")), "Email": "", "Error": ""}
	return s.html(c, "login", p)
}

// postLogin signs in from the form; a wrong password re-renders the form
// with the message in the page's language.
func (s *Server) postLogin(c *fiber.Ctx) error {
	email, next := c.FormValue("email"), safeNext(c.FormValue("next"))
	a, err := s.Auth.Login(ctx(c), email, c.FormValue("password"), c.IP())
	if err == nil {
		if _, err = s.startSession(c, a.UserID); err == nil {
			return c.Redirect(next, fiber.StatusSeeOther)
		}
	}
	k := errs.KindOf(err)
	if k != errs.Unauthenticated && k != errs.RateLimited {
		return err
	}
	status, body, retry := classify(err)
	if retry > 0 {
		c.Set(fiber.HeaderRetryAfter, itoa(retry))
	}
	p := s.page(c, "")
	p.Title = p.T("login.title")
	p.Data = map[string]any{"Next": next, "Email": email, "Error": p.Msg(body.Message)}
	c.Status(status)
	return s.html(c, "login", p)
}

func (s *Server) pageRegister(c *fiber.Ctx) error {
	p := s.page(c, "")
	p.Title = p.T("register.title")
	p.Data = map[string]any{"Name": "", "Email": "", "Error": "", "Fields": map[string]string{}}
	return s.html(c, "register", p)
}

func (s *Server) postRegister(c *fiber.Ctx) error {
	in := auth.NewUser{Email: c.FormValue("email"), Name: c.FormValue("name"), Password: c.FormValue("password")}
	a, err := s.Auth.Register(ctx(c), in)
	if err == nil {
		if _, err = s.startSession(c, a.UserID); err == nil {
			return c.Redirect("/", fiber.StatusSeeOther)
		}
	}
	var e *errs.Error
	if !asErr(err, &e) || e.Kind != errs.Invalid {
		return err
	}
	p := s.page(c, "")
	p.Title = p.T("register.title")
	fields := map[string]string{}
	for k, v := range e.Fields {
		fields[k] = p.Msg(v)
	}
	p.Data = map[string]any{"Name": in.Name, "Email": in.Email, "Error": p.Msg(e.Message), "Fields": fields}
	c.Status(fiber.StatusUnprocessableEntity)
	return s.html(c, "register", p)
}

func (s *Server) postLogout(c *fiber.Ctx) error {
	if err := s.signOut(c); err != nil {
		return err
	}
	return c.Redirect("/", fiber.StatusSeeOther)
}
