package web

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/coop"
	"github.com/fupinmarket/market/internal/household"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/povertyline"
	"github.com/fupinmarket/market/internal/region"
)

// registryRoutes adds the registry's API (households, villages,
// cooperatives, poverty lines) and the office portal pages. Role checks here
// only turn away those who may never call an endpoint; jurisdiction (which
// households, which cooperatives) is enforced by the domain's queries.
func (s *Server) registryRoutes(app *fiber.App) {
	officeOrAdmin := s.requireRole(auth.RoleOffice, auth.RolePlatformAdmin)
	office := s.requireRole(auth.RoleOffice)

	api := app.Group("/api/v1")
	api.Post("/households", officeOrAdmin, s.apiCreateHousehold)
	api.Get("/households", officeOrAdmin, s.apiListHouseholds)
	api.Post("/households/search", officeOrAdmin, s.apiSearchHouseholds)
	api.Post("/households/import", office, s.apiImportHouseholds)
	api.Get("/households/:id", officeOrAdmin, s.apiGetHousehold)
	api.Patch("/households/:id", officeOrAdmin, s.apiUpdateHousehold)
	api.Post("/regions/:township/villages", office, s.apiCreateVillage)

	api.Post("/cooperatives", s.requireSignedIn, s.apiApplyCoop)
	api.Get("/cooperatives", s.apiListCoops)
	api.Get("/cooperatives/:id", s.apiGetCoop)
	api.Post("/cooperatives/:id/recommend", officeOrAdmin, s.apiCoopStep("recommend"))
	api.Post("/cooperatives/:id/approve", officeOrAdmin, s.apiCoopStep("approve"))
	api.Post("/cooperatives/:id/reject", officeOrAdmin, s.apiCoopStep("reject"))
	api.Post("/cooperatives/:id/suspend", officeOrAdmin, s.apiCoopStep("suspend"))
	api.Get("/cooperatives/:id/events", s.requireSignedIn, s.apiCoopEvents)
	api.Get("/cooperatives/:id/members", s.requireRole(auth.RoleCoopAdmin, auth.RoleOffice, auth.RolePlatformAdmin), s.apiCoopMembers)
	api.Put("/cooperatives/:id/members", s.requireRole(auth.RoleCoopAdmin, auth.RoleOffice), s.apiSetCoopMembers)

	api.Get("/poverty-lines/:province/:year", s.apiPovertyLine)
	api.Put("/poverty-lines/:province/:year", s.requireRole(auth.RolePlatformAdmin), s.apiSetPovertyLine)

	s.officeRoutes(app)
}

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

func coopPathID(c *fiber.Ctx) (ids.ID, error) {
	id, ok := ids.Parse(c.Params("id"))
	if !ok {
		return 0, errs.E(errs.NotFound, "cooperative not found")
	}
	return id, nil
}

// queryLimit reads ?limit= (0 when absent; the domain applies its default
// and bounds).
func queryLimit(c *fiber.Ctx) (int, error) {
	v := c.Query("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, &errs.Error{Kind: errs.Invalid, Message: "invalid query", Fields: map[string]string{"limit": "must be a whole number"}}
	}
	return n, nil
}

func householdPage(p household.Page) household.Page {
	if p.Items == nil {
		p.Items = []household.Household{}
	}
	return p
}

func (s *Server) apiCreateHousehold(c *fiber.Ctx) error {
	var in household.Input
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	h, err := s.Households.Create(ctx(c), actorOf(c), in)
	if err != nil {
		return err
	}
	registryNoStore(c)
	return c.Status(fiber.StatusCreated).JSON(h)
}

func (s *Server) apiListHouseholds(c *fiber.Ctx) error {
	limit, err := queryLimit(c)
	if err != nil {
		return err
	}
	page, err := s.Households.List(ctx(c), actorOf(c), household.Filter{
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

func (s *Server) apiSearchHouseholds(c *fiber.Ctx) error {
	var in householdSearch
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	page, err := s.Households.List(ctx(c), actorOf(c), household.Filter{
		Region: in.Region, Status: household.Status(in.Status), RegistryNo: in.RegistryNo,
		HeadIDNumber: in.HeadIDNumber, Limit: in.Limit, Cursor: in.Cursor,
	})
	if err != nil {
		return err
	}
	registryNoStore(c)
	return c.JSON(householdPage(page))
}

func (s *Server) apiGetHousehold(c *fiber.Ctx) error {
	id, err := householdID(c)
	if err != nil {
		return err
	}
	reveal := c.Query("reveal") == "1" || c.Query("reveal") == "true"
	h, err := s.Households.Get(ctx(c), actorOf(c), id, reveal, c.IP())
	if err != nil {
		return err
	}
	registryNoStore(c)
	return c.JSON(h)
}

func (s *Server) apiUpdateHousehold(c *fiber.Ctx) error {
	id, err := householdID(c)
	if err != nil {
		return err
	}
	var p household.Patch
	if err := bindJSON(c, &p); err != nil {
		return err
	}
	h, err := s.Households.Update(ctx(c), actorOf(c), id, p)
	if err != nil {
		return err
	}
	registryNoStore(c)
	return c.JSON(h)
}

// apiImportHouseholds imports the CSV file of the multipart field "file".
// Fiber reads a request body whole before the handler runs (BodyLimit,
// MARKET_BODY_LIMIT, bounds it; larger files go through `marketctl
// households import`), so the upload is parsed from that buffer: the file
// part is streamed into the import without a second copy.
func (s *Server) apiImportHouseholds(c *fiber.Ctx) error {
	res, err := s.importUpload(c, household.ImportOptions{})
	if err != nil {
		return err
	}
	return c.JSON(res)
}

// importUpload runs the import of the upload's "file" part.
func (s *Server) importUpload(c *fiber.Ctx, opts household.ImportOptions) (household.ImportResult, error) {
	part, err := uploadPart(c, "file")
	if err != nil {
		return household.ImportResult{}, err
	}
	res, err := s.Households.Import(ctx(c), actorOf(c), part, opts)
	if part.err != nil {
		// The body ended or broke inside the file part: the client's fault,
		// whatever the import made of the short read.
		return household.ImportResult{}, errMalformedUpload
	}
	return res, err
}

var errMalformedUpload = errs.E(errs.Invalid, "malformed multipart body")

// partReader reads one multipart part and remembers the first error other
// than io.EOF: a body cut short or a broken boundary.
type partReader struct {
	r   io.Reader
	err error
}

func (p *partReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if err != nil && !errors.Is(err, io.EOF) && p.err == nil {
		p.err = err
	}
	return n, err
}

// uploadPart finds the part named field of a multipart/form-data body. A
// body that is not multipart, is malformed or lacks the part is a 400.
func uploadPart(c *fiber.Ctx, field string) (*partReader, error) {
	mt, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, &errs.Error{Kind: errs.Invalid, Message: "send the file as multipart/form-data",
			Fields: map[string]string{field: "required"}}
	}
	mr := multipart.NewReader(bytes.NewReader(c.Body()), params["boundary"])
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, &errs.Error{Kind: errs.Invalid, Message: "no file uploaded",
				Fields: map[string]string{field: "required"}}
		}
		if err != nil {
			return nil, errMalformedUpload
		}
		if p.FormName() == field {
			return &partReader{r: p}, nil
		}
	}
}

// villageJSON is a created village as the API answers it.
type villageJSON struct {
	Code       string       `json:"code"`
	Name       string       `json:"name"`
	Level      region.Level `json:"level"`
	ParentCode string       `json:"parent_code"`
}

func (s *Server) apiCreateVillage(c *fiber.Ctx) error {
	var in struct {
		Name string `json:"name"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	v, err := s.Households.CreateVillage(ctx(c), actorOf(c), c.Params("township"), in.Name)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(villageJSON{Code: v.Code, Name: v.Name, Level: v.Level, ParentCode: v.ParentCode})
}

func (s *Server) apiApplyCoop(c *fiber.Ctx) error {
	var in coop.Application
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	co, err := s.Coops.Apply(ctx(c), actorOf(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(co)
}

func (s *Server) apiListCoops(c *fiber.Ctx) error {
	limit, err := queryLimit(c)
	if err != nil {
		return err
	}
	page, err := s.Coops.List(ctx(c), actorOf(c), coop.Filter{Region: c.Query("region"),
		Status: coop.Status(c.Query("status")), Limit: limit, Cursor: c.Query("cursor")})
	if err != nil {
		return err
	}
	if page.Items == nil {
		page.Items = []coop.Cooperative{}
	}
	return c.JSON(page)
}

func (s *Server) apiGetCoop(c *fiber.Ctx) error {
	id, err := coopPathID(c)
	if err != nil {
		return err
	}
	co, err := s.Coops.Get(ctx(c), actorOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(co)
}

// coopStep runs one lifecycle step; reason is used by reject and suspend.
func (s *Server) coopStep(c *fiber.Ctx, step string, id ids.ID, reason string) (coop.Cooperative, error) {
	a := actorOf(c)
	switch step {
	case "recommend":
		return s.Coops.Recommend(ctx(c), a, id)
	case "approve":
		return s.Coops.Approve(ctx(c), a, id)
	case "reject":
		return s.Coops.Reject(ctx(c), a, id, reason)
	case "suspend":
		return s.Coops.Suspend(ctx(c), a, id, reason)
	}
	return coop.Cooperative{}, errs.E(errs.NotFound, "no such step")
}

// apiCoopStep answers POST /cooperatives/{id}/{step}. Reject needs a body
// {"reason": "..."}; suspend takes one optionally; the others take none.
func (s *Server) apiCoopStep(step string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := coopPathID(c)
		if err != nil {
			return err
		}
		var in struct {
			Reason string `json:"reason"`
		}
		if step == "reject" || len(bytes.TrimSpace(c.Body())) > 0 {
			if err := bindJSON(c, &in); err != nil {
				return err
			}
		}
		co, err := s.coopStep(c, step, id, in.Reason)
		if err != nil {
			return err
		}
		return c.JSON(co)
	}
}

func (s *Server) apiCoopEvents(c *fiber.Ctx) error {
	id, err := coopPathID(c)
	if err != nil {
		return err
	}
	evs, err := s.Coops.Events(ctx(c), actorOf(c), id)
	if err != nil {
		return err
	}
	if evs == nil {
		evs = []coop.Event{}
	}
	return c.JSON(fiber.Map{"items": evs})
}

// memberJSON is a membership with its join date as a calendar date.
type memberJSON struct {
	HouseholdID ids.ID `json:"household_id"`
	JoinedOn    string `json:"joined_on,omitempty"`
}

// membersBody is the members document: the ids, and the join date of each.
// In a PUT, household_ids and members may both be given (members win on
// the join date); a member without joined_on keeps its date or joins today.
type membersBody struct {
	HouseholdIDs []ids.ID     `json:"household_ids"`
	Members      []memberJSON `json:"members"`
}

const memberDateLayout = "2006-01-02"

func membersOut(ms []coop.Membership) membersBody {
	out := membersBody{HouseholdIDs: make([]ids.ID, len(ms)), Members: make([]memberJSON, len(ms))}
	for i, m := range ms {
		out.HouseholdIDs[i] = m.HouseholdID
		out.Members[i] = memberJSON{HouseholdID: m.HouseholdID, JoinedOn: m.JoinedOn.Format(memberDateLayout)}
	}
	return out
}

func (s *Server) apiCoopMembers(c *fiber.Ctx) error {
	id, err := coopPathID(c)
	if err != nil {
		return err
	}
	ms, err := s.Coops.ListMembers(ctx(c), actorOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(membersOut(ms))
}

func (s *Server) apiSetCoopMembers(c *fiber.Ctx) error {
	id, err := coopPathID(c)
	if err != nil {
		return err
	}
	var in membersBody
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if in.HouseholdIDs == nil && in.Members == nil {
		return &errs.Error{Kind: errs.Invalid, Message: "invalid members",
			Fields: map[string]string{"household_ids": "required (an empty list removes every member)"}}
	}
	var list []coop.Membership
	at := map[ids.ID]int{}
	add := func(m coop.Membership) {
		if i, ok := at[m.HouseholdID]; ok {
			if !m.JoinedOn.IsZero() {
				list[i].JoinedOn = m.JoinedOn
			}
			return
		}
		at[m.HouseholdID] = len(list)
		list = append(list, m)
	}
	for _, h := range in.HouseholdIDs {
		add(coop.Membership{HouseholdID: h})
	}
	f := errs.FieldErrors{}
	for i, m := range in.Members {
		var d time.Time
		if m.JoinedOn != "" {
			if d, err = time.Parse(memberDateLayout, m.JoinedOn); err != nil {
				f.Add("members["+strconv.Itoa(i)+"].joined_on", "must be a date such as 2024-03-01")
				continue
			}
		}
		add(coop.Membership{HouseholdID: m.HouseholdID, JoinedOn: d})
	}
	if err := f.Err("invalid members"); err != nil {
		return err
	}
	if list == nil {
		list = []coop.Membership{}
	}
	ms, err := s.Coops.SetMembers(ctx(c), actorOf(c), id, list)
	if err != nil {
		return err
	}
	return c.JSON(membersOut(ms))
}

// lineYear reads the {province} and {year} of a poverty-line path.
func lineYear(c *fiber.Ctx) (string, int, error) {
	year, err := strconv.Atoi(c.Params("year"))
	if err != nil {
		return "", 0, &errs.Error{Kind: errs.Invalid, Message: "invalid year", Fields: map[string]string{"year": "must be a year such as 2020"}}
	}
	return strings.TrimSpace(c.Params("province")), year, nil
}

// apiPovertyLine answers the line set for exactly that year, or with
// ?effective=1 the line in force then (the latest set for a year not after
// it). Poverty lines are published figures: anyone may read them.
func (s *Server) apiPovertyLine(c *fiber.Ctx) error {
	province, year, err := lineYear(c)
	if err != nil {
		return err
	}
	var l povertyline.Line
	if e := c.Query("effective"); e == "1" || e == "true" {
		l, err = s.PovertyLines.Effective(ctx(c), province, year)
	} else {
		l, err = s.PovertyLines.Get(ctx(c), province, year)
	}
	if err != nil {
		return err
	}
	return c.JSON(l)
}

func (s *Server) apiSetPovertyLine(c *fiber.Ctx) error {
	province, year, err := lineYear(c)
	if err != nil {
		return err
	}
	var in struct {
		PovertyLineFen    int64 `json:"poverty_line_fen"`
		MonitoringLineFen int64 `json:"monitoring_line_fen"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	l, err := s.PovertyLines.Set(ctx(c), actorOf(c), povertyline.Line{ProvinceCode: province, Year: year,
		PovertyLineFen: in.PovertyLineFen, MonitoringLineFen: in.MonitoringLineFen})
	if err != nil {
		return err
	}
	return c.JSON(l)
}
