// Package site assembles the HTTP application: the domain services on one
// database and Redis, the shared core, and every audience's routes mounted
// in an explicit order. marketd (through package app) and the test servers
// (webtest) both build it here.
package site

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/fupinmarket/market/internal/config"
	"github.com/fupinmarket/market/internal/jobs"
	"github.com/fupinmarket/market/internal/platform/postgres"
	"github.com/fupinmarket/market/internal/web"
	"github.com/fupinmarket/market/internal/web/admin"
	"github.com/fupinmarket/market/internal/web/api"
	"github.com/fupinmarket/market/internal/web/coop"
	"github.com/fupinmarket/market/internal/web/office"
	"github.com/fupinmarket/market/internal/web/org"
	"github.com/fupinmarket/market/internal/web/shop"
)

// App is the HTTP application and the background job client of one process.
type App struct {
	HTTP *fiber.App
	// Metrics serves /metrics; marketd listens for it on MARKET_METRICS_ADDR,
	// apart from HTTP.
	Metrics  http.Handler
	Jobs     *jobs.Client
	Services *Services
	// Drain makes /readyz answer 503 (shutting down; see marketd).
	Drain func()
}

// New builds the services and the web application.
// pools, when given, adds a direct connection and a replica (Pools).
func New(cfg config.Config, db *pgxpool.Pool, rdb redis.UniversalClient, log *slog.Logger, pools ...Pools) (*App, error) {
	svc, err := NewServices(cfg, db, rdb, log, pools...)
	if err != nil {
		return nil, err
	}
	srv, err := web.New(web.Deps{
		Log: log, DB: db, Redis: rdb, Clock: svc.Clock, RedisPrefix: cfg.RedisPrefix,
		Auth: svc.Auth, Regions: svc.Regions, Orders: svc.Orders, Carts: svc.Carts, Catalog: svc.Catalog, Cache: svc.Cache,
		Households: svc.Households, Coops: svc.Coops, PovertyLines: svc.PovertyLines,
		Reports: svc.Reports, Reads: readsOf(pools), Payouts: svc.Payouts, BuyerOrgs: svc.BuyerOrgs, Invoices: svc.Invoices,
		Income: svc.Income, FeedURL: config.Mask(cfg.FeedURL),
		Payments: svc.Payments, StripePublishableKey: cfg.StripePublishableKey,
		BodyLimit: cfg.BodyLimit, TrustProxy: cfg.TrustProxy, BaseURL: cfg.BaseURL, RequestTimeout: cfg.RequestTimeout, ExportTimeout: cfg.ExportTimeout,
	})
	if err != nil {
		return nil, err
	}
	if err := Mount(srv); err != nil {
		return nil, err
	}
	h := srv.App()
	// Catalog caches learn of changes from PostgreSQL notifications (one
	// LISTEN connection, catalog/changes.go); it stops with the HTTP server.
	stopListening := svc.Catalog.Listen(context.Background(), log)
	h.Hooks().OnShutdown(func() error { stopListening(); return nil })
	return &App{HTTP: h, Metrics: srv.MetricsHandler(), Jobs: svc.Jobs, Services: svc, Drain: srv.Drain}, nil
}

// Mount adds every route, in this order: the core's own (probes, static
// files, language), the JSON API, then the pages of each audience.
// The API goes first because some of its prefixes carry middleware (the
// orders group's sign-in check); the audiences' paths do not overlap.
func Mount(srv *web.Server) error {
	srv.Routes()
	if err := api.Routes(srv); err != nil {
		return err
	}
	shop.Routes(srv)
	coop.Routes(srv)
	office.Routes(srv)
	org.Routes(srv)
	admin.Routes(srv)
	return nil
}

func readsOf(pools []Pools) *postgres.Reads {
	if len(pools) == 0 {
		return nil
	}
	return pools[len(pools)-1].Reads
}
