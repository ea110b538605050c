// Package shop is what buyers and visitors see: the storefront (home,
// pavilions, categories, search, products, lot traces), the cart, checkout
// and payment, their orders and impact receipts, signing in, the public
// impact page and the ledger's seals.
package shop

import "github.com/fupinmarket/market/internal/web"

// handlers are the shop's pages on the shared core.
type handlers struct {
	*web.Server
	directory *regionDirectory
}

// Routes adds every shop page.
func Routes(srv *web.Server) {
	s := handlers{Server: srv, directory: newRegionDirectory()}
	app := srv.App()
	app.Get("/", s.home)
	app.Get("/regions/:code", s.region)
	app.Get("/categories/:code", s.category)
	app.Get("/search", s.search)
	app.Get("/products/:id", s.product)
	app.Get("/trace/:code", s.trace)
	app.Get("/trace/:code/qr.png", s.traceQR)
	app.Get("/media/:name", s.mediaFile)
	app.Get("/impact", s.impact)
	app.Get("/ledger", s.ledgerPage)

	app.Get("/login", s.loginPage)
	app.Post("/login", s.login)
	app.Get("/register", s.registerPage)
	app.Post("/register", s.register)
	app.Get("/account/verify", s.verifyEmail)
	app.Post("/account/verify/resend", s.SignedInPage, s.resendVerification)
	app.Post("/logout", s.logout)
	app.Post("/logout-everywhere", s.SignedInPage, s.logoutEverywhere)

	app.Get("/cart", s.cart)
	app.Post("/cart/add", s.cartAdd)
	app.Post("/cart/update", s.cartUpdate)
	app.Get("/checkout", s.SignedInPage, s.checkoutPage)
	app.Post("/checkout", s.SignedInPage, s.checkout)
	app.Get("/checkout/pay/:id", s.SignedInPage, s.pay)
	app.Get("/orders", s.SignedInPage, s.orders)
	app.Get("/orders/:id", s.SignedInPage, s.order)
	app.Post("/orders/:id/cancel", s.SignedInPage, s.orderAction(s.Orders.Cancel))
	app.Post("/orders/:id/delivered", s.SignedInPage, s.orderAction(s.Orders.ConfirmDelivered))
	app.Post("/orders/:id/invoice", s.SignedInPage, s.askInvoice)
	app.Get("/receipts/:token.svg", s.receiptSVG)
	app.Get("/receipts/:token", s.receipt)
}
