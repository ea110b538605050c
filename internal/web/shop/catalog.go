package shop

import (
	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/catalog"
	"github.com/fupinmarket/market/internal/region"
	"github.com/fupinmarket/market/internal/web"
)

// RegionView is a pavilion: a region, its ancestors and its subtree's
// products.
type RegionView struct {
	ProductList
	Region region.WithChildren
	Trail  []region.Region
}

func (s handlers) region(c *fiber.Ctx) error {
	r, err := s.Regions.GetWithChildren(web.Ctx(c), c.Params("code"))
	if err != nil {
		return err
	}
	trail, err := s.Regions.Ancestors(web.Ctx(c), r.Code)
	if err != nil {
		return err
	}
	f := catalog.Filter{Region: r.Code, Sort: catalog.Sort(c.Query("sort")), Cursor: c.Query("cursor"), Limit: 24}
	page, err := s.ListProducts(c, f)
	if err != nil {
		return err
	}
	p := s.Page(c, "")
	p.Title = r.NameIn(p.Lang)
	p.Data = RegionView{ProductList: productList(c, page), Region: r, Trail: trail}
	return s.HTML(c, "shop/region", p)
}

// CategoryView is a category's products.
type CategoryView struct {
	ProductList
	Category catalog.Category
}

func (s handlers) category(c *fiber.Ctx) error {
	cat, ok := catalog.CategoryByCode(c.Params("code"))
	if !ok {
		return fiber.ErrNotFound
	}
	return s.catalogPage(c, "shop/category", func(p *web.Page) error {
		f := catalog.Filter{Category: cat.Code, Sort: catalog.Sort(c.Query("sort")), Cursor: c.Query("cursor"), Limit: 24}
		page, err := s.ListProducts(c, f)
		if err != nil {
			return err
		}
		p.Title = cat.Name(p.Lang)
		p.Data = CategoryView{ProductList: productList(c, page), Category: cat}
		return nil
	})
}

// SearchView is the search form and its results.
type SearchView struct {
	ProductList
	Category  string
	Certified bool
	Searched  bool
}

func (s handlers) search(c *fiber.Ctx) error {
	return s.catalogPage(c, "shop/search", func(p *web.Page) error {
		f, err := web.ListFilter(c)
		if err != nil {
			return err
		}
		if f.Limit == 0 {
			f.Limit = 24
		}
		page := catalog.Page{Items: []catalog.Product{}}
		searched := f.Q != "" || f.Category != "" || f.Certified != nil
		if searched || f.Region != "" {
			if page, err = s.ListProducts(c, f); err != nil {
				return err
			}
		}
		p.Title = p.T("search.title")
		if f.Q != "" {
			p.Title = p.T("search.results_for", f.Q)
		}
		v := SearchView{ProductList: productList(c, page), Category: f.Category,
			Certified: f.Certified != nil && *f.Certified, Searched: searched}
		v.Q = f.Q
		p.Data = v
		return nil
	})
}

// ProductView is the product page: the product, its main picture and the
// variant offered first.
type ProductView struct {
	P     ProductShown
	Owner bool // the cooperative's administrator: an edit link
}

// ProductShown is a product with what its page shows beyond it.
type ProductShown struct {
	catalog.Product
	Main    *catalog.Image
	Default *catalog.Variant
}

func (s handlers) product(c *fiber.Ctx) error {
	id, err := web.PathID(c, "id", "not found")
	if err != nil {
		return err
	}
	return s.catalogPage(c, "shop/product", func(p *web.Page) error {
		prod, err := s.Product(c, id)
		if err != nil {
			return err
		}
		v := ProductShown{Product: prod}
		if len(prod.Images) > 0 {
			v.Main = &prod.Images[0]
		}
		v.Default = defaultVariant(prod.Variants)
		p.Title = prod.TitleIn(p.Lang)
		p.Data = ProductView{P: v, Owner: web.ActorOf(c).ManagesCoop(int64(prod.CooperativeID))}
		return nil
	})
}

// defaultVariant is the variant a product page offers first: the first on
// sale that can be bought now, else the first on sale (the page then says
// it is out of stock), else none.
func defaultVariant(vs []catalog.Variant) *catalog.Variant {
	var first *catalog.Variant
	for i := range vs {
		switch {
		case !vs[i].Active:
		case vs[i].Available > 0:
			return &vs[i]
		case first == nil:
			first = &vs[i]
		}
	}
	return first
}

// TraceView is a lot's public origin.
type TraceView struct {
	T catalog.Trace
}

func (s handlers) trace(c *fiber.Ctx) error {
	return s.catalogPage(c, "shop/trace", func(p *web.Page) error {
		t, err := s.Trace(c, c.Params("code"))
		if err != nil {
			return err
		}
		p.Title = p.T("trace.title")
		p.Data = TraceView{T: t}
		return nil
	})
}
