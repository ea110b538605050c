// Package org is the buyer organisation's portal (采购单位: budget units,
// unions, companies that buy for poverty alleviation): starting an
// organisation, its year's purchases against its target, its members, and
// the delivered orders it accepts. A platform administrator opens any
// organisation's portal with ?org=. Forms post and redirect (or render
// their errors next to the fields); nothing needs JavaScript.
package org

import (
	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/web"
)

// handlers are the portal's pages on the shared core.
type handlers struct{ *web.Server }

// Routes adds every page of the organisation portal. /org and /org/new are
// for any signed-in account (a buyer in no organisation starts one there,
// accepts an invitation, or leaves the organisation it buys for); the
// forms that change an organisation need its administrator.
func Routes(srv *web.Server) {
	s := handlers{srv}
	app := srv.App()
	org := s.RequirePageRole(auth.RoleBuyerOrgAdmin, auth.RolePlatformAdmin)
	app.Get("/org", s.SignedInPage, s.home)
	app.Get("/org/new", s.SignedInPage, s.newOrg)
	app.Post("/org/new", s.SignedInPage, s.createOrg)
	app.Post("/org/target", org, s.setTarget)
	app.Post("/org/members", org, s.invite)
	app.Post("/org/invitations/:id/accept", s.SignedInPage, s.acceptInvitation)
	app.Post("/org/leave", s.SignedInPage, s.leave)
	app.Post("/org/orders/accept", org, s.acceptChosen)
	app.Post("/org/orders/:id/accept", org, s.accept)
	app.Get("/org/invoices.csv", org, s.invoicesCSV)
	app.Get("/org/orders/:id/invoice", org, s.invoicePage)
	app.Post("/org/orders/:id/invoice", org, s.askInvoice)
}
