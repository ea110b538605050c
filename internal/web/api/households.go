package api

import (
	"io"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/household"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/region"
	"github.com/fupinmarket/market/internal/web"
)

// registryNoStore keeps household answers, which may hold whole personal fields,
// out of every cache.
func registryNoStore(c *fiber.Ctx) { c.Set(fiber.HeaderCacheControl, "no-store") }

func householdID(c *fiber.Ctx) (ids.ID, error) {
	id, ok := ids.Parse(c.Params("id"))
	if !ok {
		return 0, errs.E(errs.NotFound, "household not found")
	}
	return id, nil
}

func householdPage(p household.Page) household.Page {
	if p.Items == nil {
		p.Items = []household.Household{}
	}
	return p
}

func (s handlers) createHousehold(c *fiber.Ctx) error {
	var in household.Input
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	h, err := s.Households.Create(web.Ctx(c), web.ActorOf(c), in)
	if err != nil {
		return err
	}
	registryNoStore(c)
	return c.Status(fiber.StatusCreated).JSON(h)
}

func (s handlers) listHouseholds(c *fiber.Ctx) error {
	limit, err := web.QueryLimit(c)
	if err != nil {
		return err
	}
	page, err := s.Households.List(web.Ctx(c), web.ActorOf(c), household.Filter{
		Region: c.Query("region"), Status: household.Status(c.Query("status")), RegistryNo: c.Query("registry_no"),
		Limit: limit, Cursor: c.Query("cursor"),
	})
	if err != nil {
		return err
	}
	registryNoStore(c)
	return c.JSON(householdPage(page))
}

// householdSearch is the body of POST /households/search: the list filters,
// and the head's ID number, which has no place in a URL (URLs end up in
// proxy logs and browser histories).
type householdSearch struct {
	Region       string `json:"region"`
	Status       string `json:"status"`
	RegistryNo   string `json:"registry_no"`
	HeadIDNumber string `json:"head_id_number"`
	Limit        int    `json:"limit"`
	Cursor       string `json:"cursor"`
}

func (s handlers) searchHouseholds(c *fiber.Ctx) error {
	var in householdSearch
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	page, err := s.Households.List(web.Ctx(c), web.ActorOf(c), household.Filter{
		Region: in.Region, Status: household.Status(in.Status), RegistryNo: in.RegistryNo,
		HeadIDNumber: in.HeadIDNumber, Limit: in.Limit, Cursor: in.Cursor,
	})
	if err != nil {
		return err
	}
	registryNoStore(c)
	return c.JSON(householdPage(page))
}

func (s handlers) getHousehold(c *fiber.Ctx) error {
	id, err := householdID(c)
	if err != nil {
		return err
	}
	reveal := c.Query("reveal") == "1" || c.Query("reveal") == "true"
	h, err := s.Households.Get(web.Ctx(c), web.ActorOf(c), id, reveal, s.ClientAddr(c))
	if err != nil {
		return err
	}
	registryNoStore(c)
	return c.JSON(h)
}

func (s handlers) updateHousehold(c *fiber.Ctx) error {
	id, err := householdID(c)
	if err != nil {
		return err
	}
	var p household.Patch
	if err := web.BindJSON(c, &p); err != nil {
		return err
	}
	h, err := s.Households.Update(web.Ctx(c), web.ActorOf(c), id, p)
	if err != nil {
		return err
	}
	registryNoStore(c)
	return c.JSON(h)
}

// importHouseholds imports the CSV file of the multipart field "file".
// Fiber reads a request body whole before the handler runs (BodyLimit,
// MARKET_BODY_LIMIT, bounds it; larger files go through `marketctl
// households import`), so the upload is parsed from that buffer: the file
// part is streamed into the import without a second copy.
func (s handlers) importHouseholds(c *fiber.Ctx) error {
	res, err := web.Upload(c, "file", func(r io.Reader) (household.ImportResult, error) {
		return s.Households.Import(web.Ctx(c), web.ActorOf(c), r, household.ImportOptions{})
	})
	if err != nil {
		return err
	}
	return c.JSON(res)
}

// villageJSON is a created village as the API answers it.
type villageJSON struct {
	Code       string       `json:"code"`
	Name       string       `json:"name"`
	Level      region.Level `json:"level"`
	ParentCode string       `json:"parent_code"`
}

func (s handlers) createVillage(c *fiber.Ctx) error {
	var in struct {
		Name string `json:"name"`
	}
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	v, err := s.Households.CreateVillage(web.Ctx(c), web.ActorOf(c), c.Params("township"), in.Name)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(villageJSON{Code: v.Code, Name: v.Name, Level: v.Level, ParentCode: v.ParentCode})
}
