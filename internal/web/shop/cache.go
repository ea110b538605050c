package shop

import (
	"bytes"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/web"
)

// catalogPage renders page name with what build puts in the page. A
// visitor's page (no session: no name, no CSRF token in it) is cached whole
// under the catalog's versions and the full URL; signed-in users get a fresh
// render from cached queries. With Redis down it renders every time.
func (s handlers) catalogPage(c *fiber.Ctx, name string, build func(p *web.Page) error) error {
	return s.cachedPage(c, name, "", func(p *web.Page) (bool, error) { return true, build(p) })
}

// cachedPage is catalogPage for pages that also depend on something other
// than the catalog: extra goes into the key (it changes when that does), and
// build says whether its page may be stored (not when it is missing parts).
//
// While the catalog's change listener is up, a hit asks neither PostgreSQL
// nor, for the hottest pages (kept in memory), Redis (see CatalogLookup).
func (s handlers) cachedPage(c *fiber.Ctx, name, extra string, build func(p *web.Page) (store bool, err error)) error {
	p := s.Page(c, "")
	key := ""
	// Visitors' pages are cached with a placeholder where the CSRF token of
	// their forms (add to cart) goes; each visitor gets their own on the way out.
	token := p.CSRF
	send := func(b []byte) error {
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		sendReplaced(c, b, token)
		return nil
	}
	if web.ActorOf(c).Anonymous() {
		p.CSRF = csrfPlaceholder
		k, b, hit := s.CatalogLookup(c, "page", p.Lang, extra, web.CacheKey(c.OriginalURL()))
		if hit {
			c.Set("X-Cache", "hit")
			return send(b)
		}
		key = k
	}
	store, err := build(&p)
	if err != nil {
		return err
	}
	b, err := s.Renderer().Render(name, p)
	if err != nil {
		return err
	}
	if key != "" && store {
		s.Cache.SetBytes(web.Ctx(c), key, b, web.CatalogTTL)
	}
	return send(b)
}

// csrfPlaceholder stands for the visitor's CSRF token in cached pages.
const csrfPlaceholder = "__csrf_token_placeholder__"

// sendReplaced sends page with the visitor's CSRF token in place of the
// placeholder, appending the pieces to the response's own (pooled) body
// buffer: no copy of the page is made for the replacement.
func sendReplaced(c *fiber.Ctx, page []byte, token string) {
	res := c.Response()
	res.ResetBody()
	for {
		i := bytes.Index(page, placeholderBytes)
		if i < 0 {
			res.AppendBody(page)
			return
		}
		res.AppendBody(page[:i])
		res.AppendBodyString(token)
		page = page[i+len(placeholderBytes):]
	}
}

var placeholderBytes = []byte(csrfPlaceholder)
