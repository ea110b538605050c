package web

import (
	"io/fs"
	"net/url"
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
				SameSite: fiber.CookieSameSiteLaxMode, Secure: s.overTLS(c)})
		}
	}
	return p
}

// Translator is the request's language (the language cookie, else
// Accept-Language, else Chinese) with its catalogs, for words written
// outside a template, such as an export's headers. Unlike Page it sets no
// cookie: API clients call it too.
func (s *Server) Translator(c *fiber.Ctx) Page {
	lang, _ := c.Locals("lang").(string)
	p := Page{Lang: lang}
	s.render.localize(&p)
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
	// A signed-in account keeps the choice for what is mailed to it. The
	// page switches even when that cannot be written.
	if err := s.Auth.SetLanguage(Ctx(c), ActorOf(c).UserID, lang); err != nil {
		s.Log.Warn("language not kept for the account's mail", "err", err, "request_id", RequestIDOf(c))
	}
	return c.Redirect(SafeNext(c.Query("next")), fiber.StatusSeeOther)
}

// SafeNext keeps redirects on this site: it answers next when it is a path
// of this site, else "/". Browsers drop tabs and newlines from URLs, read \
// as /, and some decode a target again, so next is refused when any of its
// decoded forms is not a plain path: it must start with one /, and hold no
// control character or backslash anywhere, nor a space after its /.
func SafeNext(next string) string {
	for form, i := next, 0; i < 3; i++ {
		if !plainPath(form) {
			return "/"
		}
		decoded, err := url.PathUnescape(form)
		if err != nil {
			return "/"
		}
		if decoded == form {
			return next
		}
		form = decoded
	}
	return "/" // encoded three times over: nobody's real link
}

// plainPath reports whether p starts with a single / (not followed by a
// space) and holds no control character or backslash.
func plainPath(p string) bool {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
		return false
	}
	if len(p) > 1 && p[1] == ' ' {
		return false
	}
	for _, r := range p {
		if r < ' ' || r == 0x7f || r == '\\' || (r >= 0x80 && r <= 0x9f) {
			return false
		}
	}
	return true
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
