package web

import (
	"io/fs"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/storefront"
)

// Page prepares the data every template gets. Visitors get a double-submit
// CSRF cookie so that their forms (login, register) are protected too.
func (s *Server) Page(c *fiber.Ctx, title string) Page {
	lang, _ := c.Locals("lang").(string)
	p := Page{Lang: lang, Title: title, Path: c.Path(), Actor: ActorOf(c), RequestID: RequestIDOf(c)}
	s.render.localize(&p)
	if sess, ok := SessionOf(c); ok {
		p.CSRF = sess.CSRF
	} else {
		p.CSRF = c.Cookies(csrfCookie)
		if p.CSRF == "" {
			p.CSRF = auth.RandomToken(16)
			c.Cookie(&fiber.Cookie{Name: csrfCookie, Value: p.CSRF, Path: "/", HTTPOnly: true,
				SameSite: fiber.CookieSameSiteLaxMode, Secure: c.Protocol() == "https"})
		}
	}
	return p
}

// HTML renders page name with p and sends it.
func (s *Server) HTML(c *fiber.Ctx, name string, p Page) error {
	b, err := s.render.Render(name, p)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(b)
}

// Renderer is the server's template set (the catalog pages cache what it
// renders).
func (s *Server) Renderer() *Renderer { return s.render }

// switchLanguage remembers the chosen language for a year and goes back.
func (s *Server) switchLanguage(c *fiber.Ctx) error {
	lang := c.Params("lang")
	if !supported(lang) {
		return fiber.ErrNotFound
	}
	c.Cookie(&fiber.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		SameSite: fiber.CookieSameSiteLaxMode})
	return c.Redirect(SafeNext(c.Query("next")), fiber.StatusSeeOther)
}

// SafeNext keeps redirects on this site.
func SafeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

func (s *Server) staticFile(c *fiber.Ctx) error {
	name := c.Params("name")
	real, hashed := s.render.files[name]
	if !hashed {
		real = name
	}
	b, err := fs.ReadFile(storefront.FS, "static/"+path.Clean(real))
	if err != nil {
		return fiber.ErrNotFound
	}
	if hashed {
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	} else {
		c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	}
	c.Type(strings.TrimPrefix(path.Ext(real), "."))
	return c.Send(b)
}
