// Package web is the HTTP side: the JSON API under /api/v1 and the
// server-rendered pages. Handlers stay thin: parse, call the domain, render.
package web

import (
	"context"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/buyerorg"
	"github.com/fupinmarket/market/internal/cart"
	"github.com/fupinmarket/market/internal/catalog"
	"github.com/fupinmarket/market/internal/coop"
	"github.com/fupinmarket/market/internal/household"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/payment"
	"github.com/fupinmarket/market/internal/payout"
	"github.com/fupinmarket/market/internal/platform/cache"
	"github.com/fupinmarket/market/internal/povertyline"
	"github.com/fupinmarket/market/internal/region"
	"github.com/fupinmarket/market/internal/report"
)

// Deps is everything the HTTP layer needs; cmd/marketd builds it.
type Deps struct {
	Log     *slog.Logger
	DB      *pgxpool.Pool
	Redis   redis.UniversalClient
	Auth    *auth.Service
	Regions *region.Store
	Catalog *catalog.Service
	Cache   *cache.Cache
	Orders  *order.Service
	// Households, Coops and PovertyLines are the registry (api_registry.go, pages_office.go).
	Households   *household.Service
	Coops        *coop.Service
	PovertyLines *povertyline.Store
	Carts        *cart.Store
	// Reports, Payouts and BuyerOrgs are income reporting (api_reports.go, pages_reports.go).
	Reports   *report.Service
	Payouts   *payout.Service
	BuyerOrgs *buyerorg.Service
	// Payments is the Stripe provider, nil when Stripe is off.
	Payments    payment.Provider
	RedisPrefix string
	// StripePublishableKey is given to Stripe.js on the payment page.
	StripePublishableKey string
	Registry             *prometheus.Registry
	BodyLimit            int
	TrustProxy           bool
}

// Server holds the handlers' dependencies.
type Server struct {
	Deps
	render    *Renderer
	openapi   []byte
	metrics   *metrics
	directory *regionDirectory
}

// New builds the Fiber application with every route.
func New(d Deps) (*fiber.App, error) {
	r, err := NewRenderer()
	if err != nil {
		return nil, err
	}
	doc, err := OpenAPIDocument()
	if err != nil {
		return nil, err
	}
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	s := &Server{Deps: d, render: r, openapi: doc, metrics: newMetrics(d.Registry, d.DB),
		directory: &regionDirectory{maxAge: 5 * time.Minute}}
	d.Registry.MustRegister(catalogCollectors(d.Catalog, d.Cache)...)
	cfg := fiber.Config{
		AppName:   "fupin-market",
		BodyLimit: d.BodyLimit,
		// Multipart bodies are parsed when a handler asks, from the body read
		// whole (BodyLimit bounds it): a malformed upload then gets the API's
		// JSON 400 instead of failing before routing.
		DisablePreParseMultipartForm: true,
		ErrorHandler:                 s.handleError,
		DisableStartupMessage:        true,
		ReadTimeout:                  30 * time.Second,
		WriteTimeout:                 60 * time.Second,
		IdleTimeout:                  120 * time.Second,
	}
	if d.TrustProxy {
		cfg.ProxyHeader = fiber.HeaderXForwardedFor
	}
	app := fiber.New(cfg)
	app.Use(s.requestID, s.instrument, recover.New(), securityHeaders, s.locale, s.loadActor, s.csrf)
	s.routes(app)
	return app, nil
}

func (s *Server) routes(app *fiber.App) {
	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz)
	app.Get("/metrics", s.metricsHandler())
	app.Get("/static/:name", s.staticFile)

	api := app.Group("/api/v1")
	api.Get("/openapi.json", s.openAPI)
	api.Post("/auth/register", s.apiRegister)
	api.Post("/auth/login", s.apiLogin)
	api.Post("/auth/logout", s.apiLogout)
	api.Get("/me", s.requireSignedIn, s.apiMe)
	api.Get("/regions/:code", s.apiRegion)

	app.Get("/", s.pageHome)
	app.Get("/regions/:code", s.pageRegion)
	app.Get("/lang/:lang", s.switchLanguage)
	app.Get("/login", s.pageLogin)
	app.Post("/login", s.postLogin)
	app.Get("/register", s.pageRegister)
	app.Post("/register", s.postRegister)
	app.Post("/logout", s.postLogout)
	app.Get("/admin", s.requireRole(auth.RolePlatformAdmin), s.pageAdmin)
	s.reportRoutes(app) // before registryRoutes: /api/v1/cooperatives/owed and /office are more specific
	s.registryRoutes(app)
	s.orderRoutes(app)
	s.orderPageRoutes(app)
	s.shippingRoutes(app)
	s.catalogRoutes(app)
	s.paymentRoutes(app)
}

// ctx returns the request's context for domain calls.
func ctx(c *fiber.Ctx) context.Context { return c.UserContext() }
