package web

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/region"
)

// page prepares the data every template gets. Visitors get a double-submit
// CSRF cookie so that their forms (login, register) are protected too.
func (s *Server) page(c *fiber.Ctx, title string) Page {
	lang, _ := c.Locals("lang").(string)
	p := Page{Lang: lang, Title: title, Path: c.Path(), Actor: actorOf(c), RequestID: requestIDOf(c)}
	s.render.localize(&p)
	if sess, ok := sessionOf(c); ok {
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

func (s *Server) html(c *fiber.Ctx, name string, p Page) error {
	b, err := s.render.Render(name, p)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(b)
}

// regionDirectory caches the home page's region lists in memory: they are
// reference data, and a stale copy lets the home page render while
// PostgreSQL is down.
type regionDirectory struct {
	mu     sync.Mutex
	at     time.Time
	prefs  []region.PrefectureSummary
	listed []region.ListedCounty
	maxAge time.Duration
}

// get returns the lists and when they were read (a generation for cache keys).
func (d *regionDirectory) get(c *fiber.Ctx, store *region.Store) ([]region.PrefectureSummary, []region.ListedCounty, time.Time, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.prefs != nil && time.Since(d.at) < d.maxAge {
		return d.prefs, d.listed, d.at, nil
	}
	prefs, err := store.Prefectures(ctx(c))
	if err == nil {
		var listed []region.ListedCounty
		if listed, err = store.ListedCounties(ctx(c)); err == nil {
			d.prefs, d.listed, d.at = prefs, listed, time.Now()
		}
	}
	if err != nil && d.prefs == nil {
		return nil, nil, time.Time{}, err
	}
	return d.prefs, d.listed, d.at, nil
}

// pageHome is cached whole for visitors like the catalog's pages, also keyed
// by the generation of the region lists; a page missing its catalog figures
// (PostgreSQL down) is not stored.
func (s *Server) pageHome(c *fiber.Ctx) error {
	prefs, listed, at, err := s.directory.get(c, s.Regions)
	if err != nil {
		return err
	}
	return s.cachedPage(c, "home", "r"+strconv.FormatInt(at.UnixNano(), 36), func(p *Page) (bool, error) {
		data, ok := s.homeCatalog(c, map[string]any{"Prefectures": prefs, "Listed": listed})
		p.Data = data
		return ok, nil
	})
}

func (s *Server) pageRegion(c *fiber.Ctx) error {
	r, err := s.Regions.GetWithChildren(ctx(c), c.Params("code"))
	if err != nil {
		return err
	}
	var trail []region.Region
	for code := r.ParentCode; code != ""; {
		parent, err := s.Regions.Get(ctx(c), code)
		if err != nil {
			return err
		}
		trail = append([]region.Region{parent}, trail...)
		code = parent.ParentCode
	}
	p := s.page(c, r.Name)
	data := map[string]any{"Region": r, "Trail": trail}
	if err := s.regionCatalog(c, r.Code, data); err != nil {
		return err
	}
	p.Data = data
	return s.html(c, "region", p)
}

// switchLanguage remembers the chosen language for a year and goes back.
func (s *Server) switchLanguage(c *fiber.Ctx) error {
	lang := c.Params("lang")
	if !supported(lang) {
		return fiber.ErrNotFound
	}
	c.Cookie(&fiber.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		SameSite: fiber.CookieSameSiteLaxMode})
	return c.Redirect(safeNext(c.Query("next")), fiber.StatusSeeOther)
}

// safeNext keeps redirects on this site.
func safeNext(next string) string {
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
	b, err := readStatic(real)
	if err != nil {
		return fiber.ErrNotFound
	}
	if hashed {
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	} else {
		c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	}
	c.Type(strings.TrimPrefix(extOf(real), "."))
	return c.Send(b)
}

func (s *Server) pageAdmin(c *fiber.Ctx) error {
	p := s.page(c, "")
	p.Title = p.T("admin.title")
	return s.html(c, "admin", p)
}
