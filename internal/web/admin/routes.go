// Package admin is the platform administration pages: the way in (/admin),
// the payments queue (bank transfers to confirm, refunds made in the Stripe
// dashboard to record), an order's refunds, the sales feed's outbox, and
// the cooperative review queue, whose handlers are the office portal's (package office). Forms
// post and redirect (or render their errors next to the fields); nothing
// needs JavaScript.
package admin

import (
	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/web"
	"github.com/fupinmarket/market/internal/web/office"
)

// handlers are the administration pages on the shared core.
type handlers struct{ *web.Server }

// Routes adds every administration page: each needs a platform
// administrator.
//
// Order matters. The group's guard runs for every /admin path that no
// route registered before it answers, so the routes with guards of their
// own come first. /admin keeps the API's guard it always had: a visitor
// gets 401 there, not the login page.
func Routes(srv *web.Server) {
	s := handlers{srv}
	app := srv.App()
	platform := s.RequirePageRole(auth.RolePlatformAdmin)
	app.Get("/admin/cooperatives", platform, office.ReviewQueue(srv))
	app.Post("/admin/cooperatives/:id/:step", platform, office.ReviewStep(srv))
	app.Get("/admin", s.RequireRole(auth.RolePlatformAdmin), s.home)
	admin := app.Group("/admin", platform)
	admin.Get("/payments", s.payments)
	admin.Post("/orders/:id/confirm", s.confirm)
	admin.Get("/orders/:id", s.order)
	admin.Post("/orders/:id/refund", s.refund)
	admin.Post("/orders/:id/refund-shipping", s.refundShipping)
	admin.Post("/orders/:id/refund-whole", s.refundWhole)
	admin.Post("/refunds/:id/returned", s.refundReturned)
	admin.Post("/orders/:id/external-refunds/:refund_id", s.recordExternalRefund)
	admin.Get("/feed", s.feed)
}
