// Package web is the shared core of the HTTP side: the server with its
// middleware, the one error handler, rendering and locale catalogs, forms,
// charts, session helpers and the catalog cache. The pages and the JSON API
// live in one package per audience beside it (api, shop, coop, office, org,
// admin), each listing its routes in its own routes.go; package site mounts
// them in order. Handlers stay thin: parse, call the domain, render.
package web

import (
	"context"
	"log/slog"
	"sync/atomic"
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
	"github.com/fupinmarket/market/internal/income"
	"github.com/fupinmarket/market/internal/invoice"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/payment"
	"github.com/fupinmarket/market/internal/payout"
	"github.com/fupinmarket/market/internal/platform/cache"
	"github.com/fupinmarket/market/internal/platform/clock"
	"github.com/fupinmarket/market/internal/platform/postgres"
	"github.com/fupinmarket/market/internal/povertyline"
	"github.com/fupinmarket/market/internal/region"
	"github.com/fupinmarket/market/internal/report"
)

// Deps is everything the HTTP layer needs; package site builds it.
type Deps struct {
	Log          *slog.Logger
	DB           *pgxpool.Pool
	Redis        redis.UniversalClient
	Clock        clock.Clock
	Auth         *auth.Service
	Regions      *region.Store
	Catalog      *catalog.Service
	Cache        *cache.Cache
	Orders       *order.Service
	Carts        *cart.Store
	Households   *household.Service
	Coops        *coop.Service
	PovertyLines *povertyline.Store
	Reports      *report.Service
	Reads        *postgres.Reads // the replica's monitor, for its metrics (nil: none)
	Payouts      *payout.Service
	BuyerOrgs    *buyerorg.Service
	Invoices     *invoice.Service
	Income       *income.Service
	// FeedURL is the supervising platform's feed endpoint, masked for
	// showing ("" when there is no feed).
	FeedURL string
	// Payments is the Stripe provider, nil when Stripe is off.
	Payments    payment.Provider
	RedisPrefix string
	// StripePublishableKey is given to Stripe.js on the payment page.
	StripePublishableKey string
	Registry             *prometheus.Registry
	BodyLimit            int
	TrustProxy           bool
	// BaseURL is the site's public address (MARKET_BASE_URL, no trailing
	// slash): absolute links are made from it, never from the request's
	// Host or X-Forwarded-Host, which a client chooses.
	BaseURL string
	// RequestTimeout bounds a request's work (its context's deadline);
	// ExportTimeout an export's, which streams after its handler returns.
	RequestTimeout, ExportTimeout time.Duration
}

// Server is the core every audience package builds its handlers on.
type Server struct {
	Deps
	render   *Renderer
	metrics  *metrics
	app      *fiber.App
	draining atomic.Bool // set by Drain: /readyz answers 503
}

// New builds the Fiber application with the shared middleware; the
// audience packages then add their routes to App().
func New(d Deps) (*Server, error) {
	r, err := NewRenderer()
	if err != nil {
		return nil, err
	}
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	if d.RequestTimeout <= 0 {
		d.RequestTimeout = 30 * time.Second
	}
	if d.BaseURL == "" {
		d.BaseURL = "http://localhost:8080"
	}
	if d.ExportTimeout <= 0 {
		d.ExportTimeout = 10 * time.Minute
	}
	s := &Server{Deps: d, render: r, metrics: newMetrics(d.Registry, d.DB)}
	d.Registry.MustRegister(catalogCollectors(d.Catalog, d.Cache)...)
	if d.Reads.HasReplica() {
		d.Registry.MustRegister(d.Reads.Collectors()...)
	}
	cfg := fiber.Config{
		AppName:   "fupin-market",
		BodyLimit: d.BodyLimit,
		// Multipart bodies are parsed when a handler asks, from the body read
		// whole (BodyLimit bounds it): a malformed upload then gets the API's
		// JSON 400 instead of failing before routing.
		DisablePreParseMultipartForm: true,
		ErrorHandler:                 s.HandleError,
		DisableStartupMessage:        true,
		ReadTimeout:                  30 * time.Second,
		WriteTimeout:                 60 * time.Second,
		IdleTimeout:                  120 * time.Second,
		// A response's header and a page of a few kilobytes go out in one
		// write: with fasthttp's 4 KB buffer a product page took two system
		// calls (and two TCP segments over loopback).
		WriteBufferSize: 32 << 10,
	}
	// No ProxyHeader: Fiber's c.IP() would answer the header's first
	// address, which the client writes; ClientAddr reads the proxy's.
	s.app = fiber.New(cfg)
	s.app.Use(s.requestID, s.instrument, recover.New(), s.deadline, s.securityHeaders, s.locale, refuseControlCharacters, s.loadActor, s.csrf)
	return s, nil
}

// App is the Fiber application the audiences mount their routes on.
func (s *Server) App() *fiber.App { return s.app }

// AbsoluteURL is path (starting with /) on the configured base URL.
func (s *Server) AbsoluteURL(path string) string { return s.BaseURL + path }

// Ctx returns the request's context for domain calls.
func Ctx(c *fiber.Ctx) context.Context { return c.UserContext() }
