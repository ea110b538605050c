package office

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/platform/text"
	"github.com/fupinmarket/market/internal/region"
	"github.com/fupinmarket/market/internal/web"
)

// VillageView is the new-village form: the townships of the jurisdiction
// by county, the values as typed, and the village just created.
type VillageView struct {
	Groups   []TownshipGroup
	Township string
	Name     string
	Errors   map[string]string
	Created  *region.Region
}

// TownshipGroup is a county and its townships, for the village form.
type TownshipGroup struct {
	County    text.Names // as stored; empty for a township office's own township
	Townships []region.Region
}

func (s handlers) newVillage(c *fiber.Ctx) error {
	p := s.Page(c, "")
	var created *region.Region
	if code := c.Query("created"); code != "" {
		// Only a village is announced: ?created= is typed by anyone.
		if r, err := s.Regions.Get(web.Ctx(c), code); err == nil && r.Level == region.Village {
			created = &r
		}
	}
	return s.renderVillageForm(c, p, VillageView{Township: c.Query("township"), Created: created})
}

func (s handlers) createVillage(c *fiber.Ctx) error {
	town, name := strings.TrimSpace(c.FormValue("township_code")), c.FormValue("name")
	v, err := s.Households.CreateVillage(web.Ctx(c), web.ActorOf(c), town, name)
	if err == nil {
		return c.Redirect("/office/villages/new?created="+url.QueryEscape(v.Code)+"&township="+url.QueryEscape(town), fiber.StatusSeeOther)
	}
	p := s.Page(c, "")
	fields, msg, status, ok := formError(p, err)
	if !ok {
		return err
	}
	if len(fields) == 0 {
		fields = map[string]string{"township_code": msg}
	}
	c.Status(status)
	return s.renderVillageForm(c, p, VillageView{Township: town, Name: name, Errors: fields})
}

func (s handlers) renderVillageForm(c *fiber.Ctx, p web.Page, v VillageView) error {
	rs, err := s.Regions.Subtree(web.Ctx(c), web.ActorOf(c).OfficePrefix(), region.County, region.Township)
	if err != nil {
		return err
	}
	for _, r := range rs {
		switch {
		case r.Level == region.County:
			v.Groups = append(v.Groups, TownshipGroup{County: r.Stored()})
		case len(v.Groups) == 0:
			// A township office: its own township, without a county heading.
			v.Groups = append(v.Groups, TownshipGroup{})
			fallthrough
		default:
			v.Groups[len(v.Groups)-1].Townships = append(v.Groups[len(v.Groups)-1].Townships, r)
		}
	}
	p.Title = p.T("office.new_village")
	p.Data = v
	return s.HTML(c, "office/village", p)
}
