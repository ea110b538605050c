package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/region"
	"github.com/fupinmarket/market/internal/web"
)

type regionJSON struct {
	Code              string       `json:"code"`
	Name              string       `json:"name"`
	Names             region.Names `json:"names"`
	Level             region.Level `json:"level"`
	ParentCode        *string      `json:"parent_code"`
	ListedSupervision bool         `json:"listed_supervision"`
	DelistedOn        *string      `json:"delisted_on"`
	Children          []childJSON  `json:"children"`
}

// childJSON is a child region with its names in the three languages.
type childJSON struct {
	Code  string       `json:"code"`
	Name  string       `json:"name"`
	Names region.Names `json:"names"`
	Level region.Level `json:"level"`
}

func (s handlers) region(c *fiber.Ctx) error {
	r, err := s.Regions.GetWithChildren(web.Ctx(c), c.Params("code"))
	if err != nil {
		return err
	}
	out := regionJSON{Code: r.Code, Name: r.Name, Names: r.Names(), Level: r.Level, ListedSupervision: r.ListedSupervision,
		DelistedOn: r.DelistedOn, Children: make([]childJSON, len(r.Children))}
	if r.ParentCode != "" {
		out.ParentCode = &r.ParentCode
	}
	for i, k := range r.Children {
		out.Children[i] = childJSON{Code: k.Code, Name: k.Name, Names: k.Names(), Level: k.Level}
	}
	return c.JSON(out)
}
