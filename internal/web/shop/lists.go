package shop

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/catalog"
)

// ProductList is what the catalog partials read: the cards, the sort menu,
// the "more" link, the category menu and the search box's text.
type ProductList struct {
	Products   []catalog.Product
	Sorts      []ListLink
	MoreURL    string
	Categories []catalog.Category
	Q          string
}

// ListLink is a link of a list page's sort menu.
type ListLink struct {
	Sort    string
	URL     string
	Current bool
}

// productList is a page of products with its sort menu and "more" link
// (keyset cursor), keeping the page's other parameters.
func productList(c *fiber.Ctx, page catalog.Page) ProductList {
	l := ProductList{Products: page.Items, Categories: catalog.Categories}
	q := url.Values{}
	c.Context().QueryArgs().VisitAll(func(k, v []byte) { q.Add(string(k), string(v)) })
	q.Del("cursor")
	cur := q.Get("sort")
	if cur == "" {
		cur = string(catalog.SortPopular)
	}
	for _, st := range []catalog.Sort{catalog.SortPopular, catalog.SortNewest, catalog.SortPrice, catalog.SortPriceDesc} {
		v := url.Values{}
		for k, vs := range q {
			v[k] = append([]string(nil), vs...)
		}
		v.Set("sort", string(st))
		l.Sorts = append(l.Sorts, ListLink{Sort: string(st), URL: c.Path() + "?" + v.Encode(), Current: string(st) == cur})
	}
	if page.NextCursor != "" {
		q.Set("cursor", page.NextCursor)
		l.MoreURL = c.Path() + "?" + q.Encode()
	}
	return l
}
