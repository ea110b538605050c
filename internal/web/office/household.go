package office

import (
	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/household"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/region"
	"github.com/fupinmarket/market/internal/web"
)

// HouseholdView is one household of the registry, masked unless the office
// just asked to reveal it.
type HouseholdView struct {
	H           HouseholdRow
	Trail       []region.Region // the village and its ancestors, top first
	AskedReveal bool
	CanReveal   bool // an office may ask (a platform administrator may not)
}

func (s handlers) household(c *fiber.Ctx) error { return s.showHousehold(c, false) }

// revealHousehold shows the whole name and ID number once, to an office
// whose jurisdiction holds the household; the domain writes the view to the
// audit log. The answer is not cached and the next GET shows masks again.
func (s handlers) revealHousehold(c *fiber.Ctx) error { return s.showHousehold(c, true) }

func (s handlers) showHousehold(c *fiber.Ctx, reveal bool) error {
	id, err := web.PathID(c, "id", "household not found")
	if err != nil {
		return err
	}
	a := web.ActorOf(c)
	h, err := s.Households.Get(web.Ctx(c), a, ids.ID(id), reveal, s.ClientAddr(c))
	if err != nil {
		return err
	}
	p := s.Page(c, "")
	rows, err := s.householdRows(c, p, []household.Household{h})
	if err != nil {
		return err
	}
	p.Title = p.T("office.household", h.RegistryNo)
	p.Data = HouseholdView{H: rows[0], Trail: s.villageTrail(c, rows[0].VillageCode), AskedReveal: reveal,
		CanReveal: !h.Revealed && a.OfficePrefix() != ""}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.HTML(c, "office/household", p)
}

// villageTrail is the village and its ancestors, top first; a trail that
// cannot be read is left out (it is only a label).
func (s handlers) villageTrail(c *fiber.Ctx, village string) []region.Region {
	up, err := s.Regions.Ancestors(web.Ctx(c), village)
	if err != nil {
		return nil
	}
	v, err := s.Regions.Get(web.Ctx(c), village)
	if err != nil {
		return up
	}
	return append(up, v)
}
