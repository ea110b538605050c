package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/region"
	"github.com/fupinmarket/market/internal/web"
)

type regionJSON struct {
	Code              string         `json:"code"`
	Name              string         `json:"name"`
	Level             region.Level   `json:"level"`
	ParentCode        *string        `json:"parent_code"`
	ListedSupervision bool           `json:"listed_supervision"`
	DelistedOn        *string        `json:"delisted_on"`
	Children          []region.Child `json:"children"`
}

func (s handlers) region(c *fiber.Ctx) error {
	r, err := s.Regions.GetWithChildren(web.Ctx(c), c.Params("code"))
	if err != nil {
		return err
	}
	out := regionJSON{Code: r.Code, Name: r.Name, Level: r.Level, ListedSupervision: r.ListedSupervision,
		DelistedOn: r.DelistedOn, Children: r.Children}
	if r.ParentCode != "" {
		out.ParentCode = &r.ParentCode
	}
	if out.Children == nil {
		out.Children = []region.Child{}
	}
	return c.JSON(out)
}
