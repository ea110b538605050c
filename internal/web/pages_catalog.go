package web

import (
	"bytes"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/catalog"
)

// storefrontRoutes adds the buyers' catalog pages.
func (s *Server) storefrontRoutes(app *fiber.App) {
	app.Get("/categories/:code", s.pageCategory)
	app.Get("/search", s.pageSearch)
	app.Get("/products/:id", s.pageProduct)
	app.Get("/trace/:code", s.pageTrace)
}

// catalogPage renders page name with what build puts in the page. A
// visitor's page (no session: no name, no CSRF token in it) is cached whole
// under the catalog's versions and the full URL; signed-in users get a fresh
// render from cached queries. With Redis down it renders every time.
func (s *Server) catalogPage(c *fiber.Ctx, name string, build func(p *Page) error) error {
	return s.cachedPage(c, name, "", func(p *Page) (bool, error) { return true, build(p) })
}

// cachedPage is catalogPage for pages that also depend on something other
// than the catalog: extra goes into the key (it changes when that does), and
// build says whether its page may be stored (not when it is missing parts).
//
// While the catalog's change listener is up, a hit asks neither PostgreSQL
// nor, for the hottest pages (kept in memory), Redis (see catalogLookup).
func (s *Server) cachedPage(c *fiber.Ctx, name, extra string, build func(p *Page) (store bool, err error)) error {
	p := s.page(c, "")
	key := ""
	// Visitors' pages are cached with a placeholder where the CSRF token of
	// their forms (add to cart) goes; each visitor gets their own on the way out.
	token := p.CSRF
	send := func(b []byte) error {
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		return c.Send(bytes.ReplaceAll(b, []byte(csrfPlaceholder), []byte(token)))
	}
	if actorOf(c).Anonymous() {
		p.CSRF = csrfPlaceholder
		k, b, hit := s.catalogLookup(c, "page", p.Lang, extra, catalogCacheKey(c.OriginalURL()))
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
	b, err := s.render.Render(name, p)
	if err != nil {
		return err
	}
	if key != "" && store {
		s.Cache.SetBytes(ctx(c), key, b, catalogTTL)
	}
	return send(b)
}

// csrfPlaceholder stands for the visitor's CSRF token in cached pages.
const csrfPlaceholder = "__csrf_token_placeholder__"

// homeFigures is the home page's catalog part.
type homeFigures struct {
	Featured         []catalog.Product
	IncomeFen        int64
	IncomeHouseholds int
}

// homeCatalog adds featured products and this year's income figure to the
// home page's data. The home page must render while PostgreSQL is down (the
// region lists come from memory), so a failure here leaves these out; ok is
// false then (such a page is not cached).
func (s *Server) homeCatalog(c *fiber.Ctx, data map[string]any) (_ map[string]any, ok bool) {
	h, err := catalogCached(s, c, "home", func() (homeFigures, error) {
		var h homeFigures
		var err error
		if h.Featured, err = s.Catalog.Featured(ctx(c), 8); err != nil {
			return h, err
		}
		h.IncomeFen, h.IncomeHouseholds, err = s.Catalog.IncomeThisYear(ctx(c))
		return h, err
	})
	if err != nil {
		s.Log.Warn("home page without catalog figures", "err", err, "request_id", requestIDOf(c))
	}
	data["Products"] = h.Featured
	data["IncomeFen"] = h.IncomeFen
	data["IncomeHouseholds"] = h.IncomeHouseholds
	data["Categories"] = catalog.Categories
	data["Q"] = ""
	return data, err == nil
}

// regionCatalog adds the products of a region's subtree (a pavilion) to its
// page's data.
func (s *Server) regionCatalog(c *fiber.Ctx, code string, data map[string]any) error {
	f := catalog.Filter{Region: code, Sort: catalog.Sort(c.Query("sort")), Cursor: c.Query("cursor"), Limit: 24}
	page, err := s.listProducts(c, f)
	if err != nil {
		return err
	}
	data["Products"], data["NextCursor"], data["Sort"], data["Q"] = page.Items, page.NextCursor, string(f.Sort), ""
	listLinks(c, data, page.NextCursor)
	return nil
}

func (s *Server) pageCategory(c *fiber.Ctx) error {
	cat, ok := catalog.CategoryByCode(c.Params("code"))
	if !ok {
		return fiber.ErrNotFound
	}
	return s.catalogPage(c, "category", func(p *Page) error {
		f := catalog.Filter{Category: cat.Code, Sort: catalog.Sort(c.Query("sort")), Cursor: c.Query("cursor"), Limit: 24}
		page, err := s.listProducts(c, f)
		if err != nil {
			return err
		}
		p.Title = cat.Name(p.Lang)
		data := map[string]any{"Category": cat, "Categories": catalog.Categories, "Products": page.Items, "Q": "",
			"NextCursor": page.NextCursor, "Sort": string(f.Sort)}
		listLinks(c, data, page.NextCursor)
		p.Data = data
		return nil
	})
}

func (s *Server) pageSearch(c *fiber.Ctx) error {
	return s.catalogPage(c, "search", func(p *Page) error {
		f, err := filterFromQuery(c)
		if err != nil {
			return err
		}
		if f.Limit == 0 {
			f.Limit = 24
		}
		page := catalog.Page{Items: []catalog.Product{}}
		if f.Q != "" || f.Category != "" || f.Region != "" || f.Certified != nil {
			if page, err = s.listProducts(c, f); err != nil {
				return err
			}
		}
		p.Title = p.T("search.title")
		if f.Q != "" {
			p.Title = p.T("search.results_for", f.Q)
		}
		data := map[string]any{"Q": f.Q, "Category": f.Category, "Certified": f.Certified != nil && *f.Certified,
			"Sort": string(f.Sort), "Categories": catalog.Categories, "Products": page.Items, "NextCursor": page.NextCursor,
			"Searched": f.Q != "" || f.Category != "" || f.Certified != nil}
		listLinks(c, data, page.NextCursor)
		p.Data = data
		return nil
	})
}

// productView is what the product page shows beyond the product itself.
type productView struct {
	catalog.Product
	Main       *catalog.Image
	Default    *catalog.Variant
	CategoryZh string
}

func (s *Server) pageProduct(c *fiber.Ctx) error {
	id, err := catalogID(c, "id")
	if err != nil {
		return err
	}
	return s.catalogPage(c, "product", func(p *Page) error {
		prod, err := s.product(c, id)
		if err != nil {
			return err
		}
		v := productView{Product: prod}
		if len(prod.Images) > 0 {
			v.Main = &prod.Images[0]
		}
		for i := range prod.Variants {
			if prod.Variants[i].Active {
				v.Default = &prod.Variants[i]
				break
			}
		}
		p.Title = prod.Title
		p.Data = map[string]any{"P": v, "Owner": actorOf(c).ManagesCoop(int64(prod.CooperativeID))}
		return nil
	})
}

func (s *Server) pageTrace(c *fiber.Ctx) error {
	return s.catalogPage(c, "trace", func(p *Page) error {
		t, err := s.trace(c, c.Params("code"))
		if err != nil {
			return err
		}
		p.Title = p.T("trace.title")
		p.Data = map[string]any{"T": t}
		return nil
	})
}

// listLink is a link of a list page's sort menu.
type listLink struct {
	Sort    string
	URL     string
	Current bool
}

// listLinks adds the sort menu and the "more" link (keyset cursor) of a
// list page, keeping the page's other parameters.
func listLinks(c *fiber.Ctx, data map[string]any, next string) {
	q := url.Values{}
	c.Context().QueryArgs().VisitAll(func(k, v []byte) { q.Add(string(k), string(v)) })
	q.Del("cursor")
	cur := q.Get("sort")
	if cur == "" {
		cur = string(catalog.SortPopular)
	}
	var sorts []listLink
	for _, st := range []catalog.Sort{catalog.SortPopular, catalog.SortNewest, catalog.SortPrice, catalog.SortPriceDesc} {
		v := url.Values{}
		for k, vs := range q {
			v[k] = append([]string(nil), vs...)
		}
		v.Set("sort", string(st))
		sorts = append(sorts, listLink{Sort: string(st), URL: c.Path() + "?" + v.Encode(), Current: string(st) == cur})
	}
	data["Sorts"] = sorts
	if next != "" {
		q.Set("cursor", next)
		data["MoreURL"] = c.Path() + "?" + q.Encode()
	}
}
