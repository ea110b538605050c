// Package coop is the cooperative's portal: its products and lots, its
// orders to ship and its shipping terms, its sales, the payouts it makes
// to member households, the wages and dividends it pays them and the
// shares they hold. Forms post and redirect (or render their
// errors next to the fields); nothing needs JavaScript.
package coop

import (
	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/web"
)

// handlers are the portal's pages on the shared core.
type handlers struct{ *web.Server }

// Routes adds every page of the cooperative portal: each needs a
// cooperative administrator.
func Routes(srv *web.Server) {
	s := handlers{srv}
	app := srv.App()
	coop := s.RequirePageRole(auth.RoleCoopAdmin)
	app.Get("/coop", coop, s.home)
	app.Get("/coop/products/new", coop, s.newProduct)
	app.Post("/coop/products", coop, s.saveProduct)
	app.Get("/coop/products/:id", coop, s.product)
	app.Post("/coop/products/:id", coop, s.saveProduct)
	app.Post("/coop/products/:id/images", coop, s.addImage)
	app.Get("/coop/products/:id/lots/new", coop, s.newLot)
	app.Post("/coop/products/:id/lots", coop, s.saveLot)
	app.Get("/coop/orders", coop, s.orders)
	app.Get("/coop/orders/:id/ship", coop, s.shipPage)
	app.Post("/coop/orders/:id/ship", coop, s.ship)
	app.Post("/coop/orders/:id/invoice", coop, s.issueInvoice)
	app.Post("/coop/shipping", coop, s.saveShipping)
	app.Get("/coop/sales", coop, s.sales)
	app.Get("/coop/payouts", coop, s.payouts)
	app.Post("/coop/payouts", coop, s.recordPayout)
	app.Post("/coop/payouts/import", coop, s.importPayouts)
	app.Get("/coop/wages", coop, s.wages)
	app.Post("/coop/wages", coop, s.recordWage)
	app.Post("/coop/wages/import", coop, s.importWages)
	app.Get("/coop/wages/:id/correct", coop, s.correctWage)
	app.Get("/coop/dividends", coop, s.dividends)
	app.Post("/coop/dividends", coop, s.declareDividend)
	app.Get("/coop/dividends/:id", coop, s.dividend)
	app.Post("/coop/dividends/:id/confirm", coop, s.settleDividend(true))
	app.Post("/coop/dividends/:id/discard", coop, s.settleDividend(false))
	app.Get("/coop/shares", coop, s.shares)
	app.Get("/coop/shares/:household", coop, s.memberShares)
	app.Post("/coop/shares/:household", coop, s.setShares)
}
