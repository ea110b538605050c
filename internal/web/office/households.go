package office

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/household"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/money"
	"github.com/fupinmarket/market/internal/region"
	"github.com/fupinmarket/market/internal/web"
)

// HouseholdsView is the registry's search page: the filters as typed, one
// page of households (names and ID numbers masked) and its pager.
type HouseholdsView struct {
	Filter            HouseholdFilter
	Rows              []HouseholdRow
	Regions           []RegionOption
	Statuses          []household.Status
	Errors            map[string]string
	ByID              bool // the rows answer a look-up by ID number
	Paged             bool // past the first page
	FirstURL, NextURL string
}

// HouseholdFilter is the list page's search form as typed.
type HouseholdFilter struct {
	Region, Status, RegistryNo, Cursor string
}

// HouseholdRow is a household as the list and the household page show it.
type HouseholdRow struct {
	ID                      ids.ID
	RegistryNo, VillageCode string
	Village                 string // the village's name
	Members, BaselineYear   int
	Status                  string // in the page's language
	LiftedYear              *int
	Income                  string // the baseline income, in yuan
	HeadName, HeadIDNumber  string // masked unless Revealed
	Revealed                bool
	UpdatedAt               string // Beijing time
}

// RegionOption is one entry of the region filter, indented by depth.
type RegionOption struct {
	Code, Label string
}

var householdStatuses = []household.Status{household.StatusPoor, household.StatusLifted,
	household.StatusMonitoredUnstable, household.StatusMonitoredEdge, household.StatusMonitoredHardship}

func (s handlers) households(c *fiber.Ctx) error {
	f := HouseholdFilter{Region: strings.TrimSpace(c.Query("region")), Status: c.Query("status"),
		RegistryNo: strings.TrimSpace(c.Query("registry_no")), Cursor: c.Query("cursor")}
	return s.listHouseholds(c, f, household.Filter{Region: f.Region, Status: household.Status(f.Status),
		RegistryNo: f.RegistryNo, Cursor: f.Cursor}, false)
}

// findHousehold looks a household up by its head's ID number, sent in the
// form body so that the number stays out of URLs and logs.
func (s handlers) findHousehold(c *fiber.Ctx) error {
	id := strings.TrimSpace(c.FormValue("head_id_number"))
	if id == "" {
		p := s.Page(c, "")
		return s.renderHouseholds(c, p, HouseholdFilter{}, household.Page{},
			map[string]string{"head_id_number": web.TrMsg(p, "required")}, true)
	}
	return s.listHouseholds(c, HouseholdFilter{}, household.Filter{HeadIDNumber: id}, true)
}

// listHouseholds runs the search; a filter the registry refuses comes back
// next to its field.
func (s handlers) listHouseholds(c *fiber.Ctx, f HouseholdFilter, q household.Filter, byID bool) error {
	p := s.Page(c, "")
	page, err := s.Households.List(web.Ctx(c), web.ActorOf(c), q)
	var fields map[string]string
	if err != nil {
		var ok bool
		var msg string
		if fields, msg, _, ok = formError(p, err); !ok {
			return err
		}
		if len(fields) == 0 {
			fields = map[string]string{"form": msg}
		}
	}
	return s.renderHouseholds(c, p, f, page, fields, byID)
}

func (s handlers) renderHouseholds(c *fiber.Ctx, p web.Page, f HouseholdFilter, page household.Page, fields map[string]string, byID bool) error {
	p.Title = p.T("office.households")
	rows, err := s.householdRows(c, p, page.Items)
	if err != nil {
		return err
	}
	opts, err := s.regionOptions(c, web.ActorOf(c), p.Lang)
	if err != nil {
		return err
	}
	v := HouseholdsView{Filter: f, Rows: rows, Regions: opts, Statuses: householdStatuses,
		Errors: fields, ByID: byID, Paged: f.Cursor != ""}
	q := url.Values{}
	for k, val := range map[string]string{"region": f.Region, "status": f.Status, "registry_no": f.RegistryNo} {
		if val != "" {
			q.Set(k, val)
		}
	}
	v.FirstURL = "/office/households?" + q.Encode()
	if page.NextCursor != "" {
		q.Set("cursor", page.NextCursor)
		v.NextURL = "/office/households?" + q.Encode()
	}
	p.Data = v
	// The rows hold personal data, masked or not: never cached.
	c.Set(fiber.HeaderCacheControl, "no-store")
	if len(fields) > 0 {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	return s.HTML(c, "office/households", p)
}

// householdRows prepares households for display: village names, status in
// the page's language, amounts in yuan, times in Beijing time.
func (s handlers) householdRows(c *fiber.Ctx, p web.Page, hs []household.Household) ([]HouseholdRow, error) {
	codes := make([]string, 0, len(hs))
	for _, h := range hs {
		codes = append(codes, h.VillageCode)
	}
	names, err := s.Regions.Names(web.Ctx(c), codes)
	if err != nil {
		return nil, err
	}
	rows := make([]HouseholdRow, len(hs))
	for i, h := range hs {
		rows[i] = HouseholdRow{ID: h.ID, RegistryNo: h.RegistryNo, VillageCode: h.VillageCode, Village: names[h.VillageCode],
			Members: h.Members, Status: p.T("household.status." + string(h.Status)), LiftedYear: h.LiftedYear,
			Income: money.GroupedYuan(h.BaselineIncomeFen), BaselineYear: h.BaselineYear, HeadName: h.HeadName,
			HeadIDNumber: h.HeadIDNumber, Revealed: h.Revealed, UpdatedAt: s.Clock.In(h.UpdatedAt).Format(timeLayout)}
	}
	return rows, nil
}

// timeLayout is how the registry pages write a time (Beijing time).
const timeLayout = "2006-01-02 15:04"

var levelDepth = map[region.Level]int{region.Province: 0, region.Prefecture: 1, region.County: 2, region.Township: 3, region.Village: 4}

// regionOptions lists the regions an actor may filter by: an office's
// jurisdiction down to its townships (villages too for a township or
// village office), all prefectures and counties for a platform
// administrator.
func (s handlers) regionOptions(c *fiber.Ctx, a auth.Actor, lang string) ([]RegionOption, error) {
	levels := []region.Level{region.Province, region.Prefecture, region.County}
	prefix := a.OfficePrefix()
	if prefix != "" {
		levels = append(levels, region.Township)
		if a.OfficeLevel == region.Township || a.OfficeLevel == region.Village {
			levels = append(levels, region.Village)
		}
	}
	rs, err := s.Regions.Subtree(web.Ctx(c), prefix, levels...)
	if err != nil {
		return nil, err
	}
	out := make([]RegionOption, 0, len(rs))
	top := -1
	for _, r := range rs {
		d := levelDepth[r.Level]
		if top < 0 {
			top = d
		}
		out = append(out, RegionOption{Code: r.Code, Label: strings.Repeat("\u00a0\u00a0", max(0, d-top)) + r.StoredNameIn(lang)})
	}
	return out, nil
}
