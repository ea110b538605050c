// Package api is the JSON API under /api/v1 and Stripe's webhook. It is one
// package, not one per audience: it is one contract, described by one
// OpenAPI document (openapi/*.json, served at /api/v1/openapi.json), whose
// endpoints mostly serve several audiences at once (a cooperative's payouts
// are read by the cooperative and its county office alike; what each may
// see is enforced by the domain from the actor). Clients read it by
// resource, so its files are one per resource.
package api

import (
	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/web"
)

// handlers are the API's handlers on the shared core.
type handlers struct {
	*web.Server
	exports chan struct{} // a slot per export streaming at once
}

// concurrentExports is how many exports may stream at once.
const concurrentExports = 4

// Routes adds every API route. Role checks here only turn away those who
// may never call an endpoint; scope (which households, which cooperatives,
// whose orders) is enforced by the domain's queries.
//
// Order matters where a literal segment and a parameter share a place:
// /cooperatives/owed comes before /cooperatives/:id. The orders group's
// sign-in check guards every /api/v1/orders route registered after it.
func Routes(srv *web.Server) error {
	s := handlers{Server: srv, exports: make(chan struct{}, concurrentExports)}
	doc, err := Document()
	if err != nil {
		return err
	}
	app := srv.App()
	officeOrAdmin := s.RequireRole(auth.RoleOffice, auth.RolePlatformAdmin)
	office := s.RequireRole(auth.RoleOffice)
	coopAdmin := s.RequireRole(auth.RoleCoopAdmin)
	orgAdmin := s.RequireRole(auth.RoleBuyerOrgAdmin, auth.RolePlatformAdmin)

	api := app.Group("/api/v1")
	api.Get("/openapi.json", serveDocument(doc))
	api.Post("/auth/register", web.RequireJSON, s.register)
	api.Post("/auth/login", web.RequireJSON, s.login)
	api.Post("/auth/logout", s.logout)
	api.Post("/auth/logout-everywhere", s.RequireSignedIn, s.logoutEverywhere)
	api.Post("/auth/verify-email", web.RequireJSON, s.verifyEmail)
	api.Post("/auth/verify-email/resend", s.RequireSignedIn, s.resendVerification)
	api.Get("/me", s.RequireSignedIn, s.me)
	api.Get("/regions/:code", s.region)

	// Income reporting: summaries, exports, household income, payouts,
	// wages, dividends and shares, buyer organisations, public impact.
	api.Get("/attribution/summary", officeOrAdmin, s.summary)
	api.Get("/attribution/export", officeOrAdmin, s.export)
	api.Get("/households/:id/income", officeOrAdmin, s.householdIncome)
	api.Get("/cooperatives/owed", officeOrAdmin, s.coopsOwed)
	api.Get("/cooperatives/:id/payouts", s.RequireRole(auth.RoleCoopAdmin, auth.RoleOffice, auth.RolePlatformAdmin), s.payouts)
	api.Post("/cooperatives/:id/payouts", coopAdmin, s.recordPayouts)
	api.Post("/cooperatives/:id/payouts/import", coopAdmin, s.importPayouts)
	coopReaders := s.RequireRole(auth.RoleCoopAdmin, auth.RoleOffice, auth.RolePlatformAdmin)
	api.Get("/cooperatives/:id/wages", coopReaders, s.wages)
	api.Post("/cooperatives/:id/wages", coopAdmin, s.idempotent, s.recordWages)
	api.Post("/cooperatives/:id/wages/import", coopAdmin, s.importWages)
	api.Get("/cooperatives/:id/dividends", coopReaders, s.dividends)
	api.Post("/cooperatives/:id/dividends", coopAdmin, s.idempotent, s.declareDividend)
	api.Get("/cooperatives/:id/dividends/:did", coopReaders, s.dividend)
	api.Post("/cooperatives/:id/dividends/:did/confirm", coopAdmin, s.settleDividend(true))
	api.Post("/cooperatives/:id/dividends/:did/discard", coopAdmin, s.settleDividend(false))
	api.Get("/cooperatives/:id/shares", coopReaders, s.shares)
	api.Get("/cooperatives/:id/members/:household_id/shares", coopReaders, s.memberShares)
	api.Put("/cooperatives/:id/members/:household_id/shares", coopAdmin, s.setShares)
	api.Post("/buyer-orgs", s.RequireSignedIn, s.createOrg)
	api.Get("/buyer-orgs/:id", orgAdmin, s.getOrg)
	api.Post("/buyer-orgs/:id/members", orgAdmin, s.inviteMember)
	api.Post("/buyer-orgs/:id/invitations", orgAdmin, s.inviteMember)
	api.Post("/buyer-orgs/:id/leave", s.RequireSignedIn, s.leaveOrg)
	api.Get("/invitations", s.RequireSignedIn, s.invitations)
	api.Post("/invitations/:id/accept", s.RequireSignedIn, s.acceptInvitation)
	api.Put("/buyer-orgs/:id/targets/:year", orgAdmin, s.setOrgTarget)
	api.Get("/buyer-orgs/:id/progress", orgAdmin, s.orgProgress)
	api.Get("/buyer-orgs/:id/awaiting", orgAdmin, s.orgAwaiting)
	api.Post("/buyer-orgs/:id/acceptances", orgAdmin, s.acceptOrders)
	api.Post("/orders/:id/accept", orgAdmin, s.acceptOrder)
	api.Get("/impact/public", s.publicImpact)

	// The registry: households, villages, cooperatives, poverty lines.
	api.Post("/households", officeOrAdmin, s.createHousehold)
	api.Get("/households", officeOrAdmin, s.listHouseholds)
	api.Post("/households/search", officeOrAdmin, s.searchHouseholds)
	api.Post("/households/import", office, s.importHouseholds)
	api.Get("/households/:id", officeOrAdmin, s.getHousehold)
	api.Patch("/households/:id", officeOrAdmin, s.updateHousehold)
	api.Post("/regions/:township/villages", office, s.createVillage)
	api.Post("/cooperatives", s.RequireSignedIn, s.applyCoop)
	api.Get("/cooperatives", s.listCoops)
	api.Get("/cooperatives/:id", s.getCoop)
	api.Post("/cooperatives/:id/recommend", officeOrAdmin, s.coopStep("recommend"))
	api.Post("/cooperatives/:id/approve", officeOrAdmin, s.coopStep("approve"))
	api.Post("/cooperatives/:id/reject", officeOrAdmin, s.coopStep("reject"))
	api.Post("/cooperatives/:id/suspend", officeOrAdmin, s.coopStep("suspend"))
	api.Get("/cooperatives/:id/events", s.RequireSignedIn, s.coopEvents)
	api.Get("/cooperatives/:id/members", s.RequireRole(auth.RoleCoopAdmin, auth.RoleOffice, auth.RolePlatformAdmin), s.coopMembers)
	api.Put("/cooperatives/:id/members", s.RequireRole(auth.RoleCoopAdmin, auth.RoleOffice), s.setCoopMembers)
	api.Put("/cooperatives/:id/names", s.RequireRole(auth.RoleCoopAdmin, auth.RolePlatformAdmin), s.setCoopNames)
	api.Get("/poverty-lines/:province/:year", s.povertyLine)
	api.Put("/poverty-lines/:province/:year", s.RequireRole(auth.RolePlatformAdmin), s.setPovertyLine)

	// Orders and payments.
	orders := app.Group("/api/v1/orders", s.RequireSignedIn)
	orders.Post("/", s.RequireRole(auth.RoleBuyer, auth.RoleBuyerOrgAdmin), s.idempotent, s.placeOrder)
	orders.Get("/", s.listOrders)
	orders.Get("/:id", s.getOrder)
	orders.Post("/:id/cancel", s.idempotent, s.cancelOrder())
	orders.Post("/:id/delivered", s.delivered())
	orders.Post("/:id/payments/confirm", s.RequireRole(auth.RolePlatformAdmin), s.idempotent, s.confirmPayment())
	orders.Post("/:id/shipments", coopAdmin, s.ship())
	orders.Post("/:id/refunds", s.RequireRole(auth.RolePlatformAdmin), s.idempotent, s.refund())
	app.Post("/api/v1/admin/orders/:id/external-refunds/:refund_id", s.RequireSignedIn, s.RequireRole(auth.RolePlatformAdmin),
		s.idempotent, s.recordExternalRefund())
	orders.Post("/:id/invoice-request", s.askInvoice)
	orders.Post("/:id/invoices", coopAdmin, s.issueInvoice)
	orders.Get("/:id/invoices", s.invoices)
	orders.Get("/:id/invoices/:invoice/pdf", s.invoicePDF)
	app.Get("/api/v1/orders/:id/impact", s.impact) // the buyer, or anyone with the receipt token
	app.Get("/api/v1/receipts/:token", s.receipt)
	api.Get("/ledger/seals", s.seals) // public: anyone may check the ledger (docs/LEDGER.md)
	api.Get("/ledger/seals/:seq", s.seal)

	// Carts (visitors' and buyers') and cooperatives' shipping terms.
	app.Get("/api/v1/cart", s.cart)
	app.Put("/api/v1/cart/items/:variant", s.setCartItem)
	app.Get("/api/v1/cooperatives/:id/shipping", s.shipping)
	app.Put("/api/v1/cooperatives/:id/shipping", coopAdmin, s.setShipping)

	// The catalog.
	api.Get("/categories", s.categories)
	api.Get("/products", s.products)
	api.Post("/products", coopAdmin, s.createProduct)
	api.Get("/products/:id", s.product)
	api.Patch("/products/:id", coopAdmin, s.updateProduct)
	api.Post("/products/:id/images", coopAdmin, s.uploadImage)
	api.Get("/products/:id/lots", coopAdmin, s.lots)
	api.Post("/products/:id/lots", coopAdmin, s.createLot)
	api.Post("/products/:id/certifications", officeOrAdmin, s.certify)
	api.Get("/certifications", officeOrAdmin, s.certifications)
	api.Post("/certifications/:id/confirm", officeOrAdmin, s.confirmCertification)
	api.Get("/trace/:code", s.trace)

	app.Post("/webhooks/stripe", s.stripeWebhook)
	return nil
}
