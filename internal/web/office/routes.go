// Package office is the assistance office's portal: the income dashboard
// with its drill-down from the jurisdiction to a village, the
// listed-supervision board and each household's income; the household
// registry (list, look-up by ID number, audited reveal, CSV import, new
// villages); the cooperative review queue and product certification
// (扶贫产品认定). Forms post and redirect (or render their errors next to
// the fields); nothing needs JavaScript.
package office

import (
	"github.com/gofiber/fiber/v2"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/web"
)

// handlers are the portal's pages on the shared core.
type handlers struct{ *web.Server }

// Routes adds every page of the office portal. Platform administrators see
// the reports, the registry (masked) and the queues too; writing the
// registry (import, villages) is an office's alone.
func Routes(srv *web.Server) {
	s := handlers{srv}
	app := srv.App()
	office := s.RequirePageRole(auth.RoleOffice)
	officeOrAdmin := s.RequirePageRole(auth.RoleOffice, auth.RolePlatformAdmin)
	app.Get("/office", officeOrAdmin, s.dashboard)
	app.Get("/office/regions/:code", officeOrAdmin, s.dashboard)
	app.Get("/office/listed", officeOrAdmin, s.listed)
	app.Get("/office/households/:id/income", officeOrAdmin, s.householdIncome)
	app.Get("/office/households", officeOrAdmin, s.households)
	app.Post("/office/households/find", officeOrAdmin, s.findHousehold)
	app.Get("/office/households/:id", officeOrAdmin, s.household)
	app.Post("/office/households/:id/reveal", officeOrAdmin, s.revealHousehold)
	app.Get("/office/import", office, s.importPage)
	app.Post("/office/import", office, s.importFile)
	app.Get("/office/villages/new", office, s.newVillage)
	app.Post("/office/villages", office, s.createVillage)
	app.Get("/office/cooperatives", officeOrAdmin, s.reviewQueue)
	app.Post("/office/cooperatives/:id/:step", officeOrAdmin, s.reviewStep)
	app.Get("/office/certifications", officeOrAdmin, s.certifications)
	app.Post("/office/certifications", officeOrAdmin, s.certify)
	app.Post("/office/certifications/:id/confirm", officeOrAdmin, s.confirmCertification)
}

// ReviewQueue is the cooperative review queue page, which the
// administration pages also serve (at /admin/cooperatives, behind their
// own guard).
func ReviewQueue(srv *web.Server) fiber.Handler { return handlers{srv}.reviewQueue }

// ReviewStep takes a lifecycle step from the review queue (POST …/:id/:step).
func ReviewStep(srv *web.Server) fiber.Handler { return handlers{srv}.reviewStep }

// formKinds are the errors an office form shows next to its fields: beside
// invalid input and conflicts, a refusal or an unknown record names what
// the office typed or clicked (a household, a product, a cooperative).
var formKinds = []errs.Kind{errs.Invalid, errs.Conflict, errs.Forbidden, errs.NotFound}

// formError is web.FormError with the kinds office forms show.
func formError(p web.Page, err error) (fields map[string]string, message string, status int, ok bool) {
	return web.FormError(p, err, formKinds...)
}
