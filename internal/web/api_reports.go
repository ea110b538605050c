package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/buyerorg"
	"github.com/fupinmarket/market/internal/payout"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/report"
)

// reportRoutes adds income reporting (issue 6): the office's summaries and
// exports, household income, cooperatives' payouts, buyer organisations and
// the public impact figures — API and pages. It is registered before the
// registry's routes, whose /api/v1/cooperatives/:id and /office would
// otherwise answer /api/v1/cooperatives/owed and the dashboard.
func (s *Server) reportRoutes(app *fiber.App) {
	officeOrAdmin := s.requireRole(auth.RoleOffice, auth.RolePlatformAdmin)
	coopAdmin := s.requireRole(auth.RoleCoopAdmin)
	orgAdmin := s.requireRole(auth.RoleBuyerOrgAdmin, auth.RolePlatformAdmin)

	api := app.Group("/api/v1")
	api.Get("/attribution/summary", officeOrAdmin, s.apiSummary)
	api.Get("/attribution/export", officeOrAdmin, s.apiExport)
	api.Get("/households/:id/income", officeOrAdmin, s.apiHouseholdIncome)
	api.Get("/cooperatives/owed", officeOrAdmin, s.apiCoopsOwed)
	api.Get("/cooperatives/:id/payouts", s.requireRole(auth.RoleCoopAdmin, auth.RoleOffice, auth.RolePlatformAdmin), s.apiPayouts)
	api.Post("/cooperatives/:id/payouts", coopAdmin, s.apiRecordPayouts)
	api.Post("/cooperatives/:id/payouts/import", coopAdmin, s.apiImportPayouts)
	api.Post("/buyer-orgs", s.requireSignedIn, s.apiCreateOrg)
	api.Get("/buyer-orgs/:id", orgAdmin, s.apiGetOrg)
	api.Post("/buyer-orgs/:id/members", orgAdmin, s.apiAddOrgMember)
	api.Put("/buyer-orgs/:id/targets/:year", orgAdmin, s.apiSetOrgTarget)
	api.Get("/buyer-orgs/:id/progress", orgAdmin, s.apiOrgProgress)
	api.Get("/buyer-orgs/:id/awaiting", orgAdmin, s.apiOrgAwaiting)
	api.Post("/orders/:id/accept", orgAdmin, s.apiAcceptOrder)
	api.Get("/impact/public", s.apiPublicImpact)

	s.reportPageRoutes(app)
}

// yearParam reads ?year= (this year in China time when absent).
func yearParam(c *fiber.Ctx) (int, error) {
	v := c.Query("year")
	if v == "" {
		return report.CurrentYear(), nil
	}
	y, err := strconv.Atoi(v)
	if err != nil || y < 2000 || y > 2100 {
		return 0, &errs.Error{Kind: errs.Invalid, Message: "invalid query", Fields: map[string]string{"year": "must be a year between 2000 and 2100"}}
	}
	return y, nil
}

// pathID parses the :id path parameter; a malformed id is not found.
func rptID(c *fiber.Ctx, what string) (int64, error) {
	id, ok := ids.Parse(c.Params("id"))
	if !ok {
		return 0, errs.E(errs.NotFound, "%s not found", what)
	}
	return int64(id), nil
}

func (s *Server) apiSummary(c *fiber.Ctx) error {
	year, err := yearParam(c)
	if err != nil {
		return err
	}
	sum, err := s.Reports.Summary(ctx(c), actorOf(c), c.Query("region"), year)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.JSON(sum)
}

func (s *Server) apiHouseholdIncome(c *fiber.Ctx) error {
	id, err := rptID(c, "household")
	if err != nil {
		return err
	}
	year, err := yearParam(c)
	if err != nil {
		return err
	}
	inc, err := s.Reports.HouseholdIncome(ctx(c), actorOf(c), id, year)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.JSON(inc)
}

func (s *Server) apiCoopsOwed(c *fiber.Ctx) error {
	list, err := s.Payouts.OwedByCoop(ctx(c), actorOf(c))
	if err != nil {
		return err
	}
	if list == nil {
		list = []payout.CoopOwed{}
	}
	return c.JSON(fiber.Map{"items": list})
}

func (s *Server) apiPayouts(c *fiber.Ctx) error {
	id, err := rptID(c, "cooperative")
	if err != nil {
		return err
	}
	st, err := s.Payouts.Statement(ctx(c), actorOf(c), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.JSON(st)
}

// apiRecordPayouts records one payout ({household_id, amount_fen, …}) or
// several at once ({"payouts": [...]}, all or nothing).
func (s *Server) apiRecordPayouts(c *fiber.Ctx) error {
	id, err := rptID(c, "cooperative")
	if err != nil {
		return err
	}
	var in struct {
		Payouts []payout.Input `json:"payouts"`
		payout.Input
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	list, prefix := in.Payouts, (func(int) string)(nil)
	if list == nil {
		list, prefix = []payout.Input{in.Input}, func(int) string { return "" }
	}
	if err := s.Payouts.Record(ctx(c), actorOf(c), id, list, prefix); err != nil {
		return err
	}
	st, err := s.Payouts.Statement(ctx(c), actorOf(c), id)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(st)
}

func (s *Server) apiImportPayouts(c *fiber.Ctx) error {
	id, err := rptID(c, "cooperative")
	if err != nil {
		return err
	}
	n, err := s.importPayouts(c, id)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"recorded": n})
}

// importPayouts runs the bank batch in the upload's "file" part.
func (s *Server) importPayouts(c *fiber.Ctx, coopID int64) (int, error) {
	if !actorOf(c).ManagesCoop(coopID) {
		return 0, errs.E(errs.Forbidden, "only the cooperative's administrator records its payouts")
	}
	part, err := uploadPart(c, "file")
	if err != nil {
		return 0, err
	}
	n, err := s.Payouts.ImportBatch(ctx(c), actorOf(c), coopID, part)
	if part.err != nil {
		return 0, errMalformedUpload
	}
	return n, err
}

func (s *Server) apiCreateOrg(c *fiber.Ctx) error {
	var in buyerorg.Org
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	o, err := s.BuyerOrgs.Create(ctx(c), actorOf(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(o)
}

func (s *Server) apiGetOrg(c *fiber.Ctx) error {
	id, err := rptID(c, "organisation")
	if err != nil {
		return err
	}
	o, err := s.BuyerOrgs.Get(ctx(c), actorOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(o)
}

func (s *Server) apiAddOrgMember(c *fiber.Ctx) error {
	id, err := rptID(c, "organisation")
	if err != nil {
		return err
	}
	var in struct {
		Email string `json:"email"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if err := s.BuyerOrgs.AddMember(ctx(c), actorOf(c), id, in.Email); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) apiSetOrgTarget(c *fiber.Ctx) error {
	id, err := rptID(c, "organisation")
	if err != nil {
		return err
	}
	year, err := strconv.Atoi(c.Params("year"))
	if err != nil {
		return errs.E(errs.NotFound, "no such year")
	}
	var in struct {
		TargetFen int64 `json:"target_fen"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if err := s.BuyerOrgs.SetTarget(ctx(c), actorOf(c), id, year, in.TargetFen); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"org_id": ids.ID(id), "year": year, "target_fen": in.TargetFen})
}

func (s *Server) apiOrgProgress(c *fiber.Ctx) error {
	id, err := rptID(c, "organisation")
	if err != nil {
		return err
	}
	year, err := yearParam(c)
	if err != nil {
		return err
	}
	p, err := s.BuyerOrgs.Progress(ctx(c), actorOf(c), id, year)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func (s *Server) apiOrgAwaiting(c *fiber.Ctx) error {
	id, err := rptID(c, "organisation")
	if err != nil {
		return err
	}
	list, err := s.BuyerOrgs.Awaiting(ctx(c), actorOf(c), id)
	if err != nil {
		return err
	}
	if list == nil {
		list = []buyerorg.AwaitingOrder{}
	}
	return c.JSON(fiber.Map{"items": list})
}

func (s *Server) apiAcceptOrder(c *fiber.Ctx) error {
	id, err := orderID(c)
	if err != nil {
		return err
	}
	if err := s.BuyerOrgs.Accept(ctx(c), actorOf(c), id); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"id": ids.ID(id), "status": "completed"})
}

// publicImpact is the year's public figures: counts and places only.
type publicImpact struct {
	Year              int                  `json:"year"`
	AttributedFen     int64                `json:"attributed_fen"`
	HouseholdsReached int                  `json:"households_reached"`
	Counties          []report.CountyTotal `json:"counties"`
	Ranking           []report.OrgRank     `json:"ranking"`
}

func (s *Server) loadPublicImpact(c *fiber.Ctx, year int) (publicImpact, error) {
	out := publicImpact{Year: year}
	var err error
	if out.AttributedFen, out.HouseholdsReached, err = s.Reports.YearTotal(ctx(c), year); err != nil {
		return out, err
	}
	if out.Counties, err = s.Reports.PublicCounties(ctx(c), year); err != nil {
		return out, err
	}
	if out.Ranking, err = s.Reports.OrgRanking(ctx(c), year, 50); err != nil {
		return out, err
	}
	if out.Counties == nil {
		out.Counties = []report.CountyTotal{}
	}
	if out.Ranking == nil {
		out.Ranking = []report.OrgRank{}
	}
	return out, nil
}

func (s *Server) apiPublicImpact(c *fiber.Ctx) error {
	year, err := yearParam(c)
	if err != nil {
		return err
	}
	out, err := s.loadPublicImpact(c, year)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.JSON(out)
}
