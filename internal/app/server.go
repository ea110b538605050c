package app

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/buyerorg"
	"github.com/fupinmarket/market/internal/cart"
	"github.com/fupinmarket/market/internal/catalog"
	"github.com/fupinmarket/market/internal/config"
	"github.com/fupinmarket/market/internal/jobs"
	"github.com/fupinmarket/market/internal/media"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/payment"
	"github.com/fupinmarket/market/internal/payout"
	"github.com/fupinmarket/market/internal/platform/cache"
	"github.com/fupinmarket/market/internal/region"
	"github.com/fupinmarket/market/internal/report"
	"github.com/fupinmarket/market/internal/web"
)

// Services are the domain services built on one database and Redis.
type Services struct {
	Auth     *auth.Service
	Regions  *region.Store
	Orders   *order.Service
	Carts    *cart.Store
	Catalog  *catalog.Service
	Cache    *cache.Cache // derived pages and queries; catalog writes bump "catalog"
	Jobs     *jobs.Client // background jobs; marketd starts it, tests may not
	Registry              // households, cooperatives, poverty lines and the data key ring
}

// NewServices builds the domain layer.
func NewServices(cfg config.Config, db *pgxpool.Pool, rdb redis.UniversalClient, log *slog.Logger) (*Services, error) {
	users := auth.NewUsers(db)
	sessions := auth.NewSessions(rdb, cfg.RedisPrefix, cfg.SessionIdle, cfg.SessionMax)
	limits := auth.LoginLimits{PerAccount: cfg.LoginLimitAccount, PerClient: cfg.LoginLimitClient, Window: cfg.LoginLimitWindow}
	pages := cache.New(rdb, cfg.RedisPrefix, log)
	svc := &Services{
		Cache:   pages,
		Catalog: catalog.New(db, media.NewDir(filepath.Join(cfg.DataDir, "uploads")), func(ctx context.Context) { pages.Bump(ctx, catalog.CacheNamespace) }),
		Auth:    auth.NewService(users, sessions, auth.NewTokens(db), auth.NewLimiter(rdb, cfg.RedisPrefix), limits, log),
		Regions: region.NewStore(db),
		Orders:  order.NewService(db, orderConfig(cfg)),
		Carts:   cart.New(db, rdb, cfg.RedisPrefix),
	}
	var err error
	if svc.Registry, err = NewRegistry(cfg, db, log); err != nil {
		return nil, err
	}
	if svc.Jobs, err = jobs.NewClient(db, svc.Orders, log, jobSweepEvery); err != nil {
		return nil, fmt.Errorf("job client: %w", err)
	}
	return svc, nil
}

// jobSweepEvery bounds how late after its deadline an unpaid order expires.
const jobSweepEvery = time.Minute

// App is the HTTP application and the background job client of one process.
type App struct {
	HTTP *fiber.App
	Jobs *jobs.Client
}

// New builds the services and the web application.
func New(cfg config.Config, db *pgxpool.Pool, rdb redis.UniversalClient, log *slog.Logger) (*App, error) {
	svc, err := NewServices(cfg, db, rdb, log)
	if err != nil {
		return nil, err
	}
	payments, err := paymentProvider(cfg, log)
	if err != nil {
		return nil, err
	}
	h, err := web.New(web.Deps{
		Log: log, DB: db, Redis: rdb, RedisPrefix: cfg.RedisPrefix, Auth: svc.Auth, Regions: svc.Regions, Orders: svc.Orders, Carts: svc.Carts,
		Catalog: svc.Catalog, Cache: svc.Cache, Payments: payments, StripePublishableKey: cfg.StripePublishableKey,
		Households: svc.Households, Coops: svc.Coops, PovertyLines: svc.PovertyLines,
		Reports: report.NewService(db), Payouts: payout.NewService(db), BuyerOrgs: buyerorg.NewService(db),
		BodyLimit: cfg.BodyLimit, TrustProxy: cfg.TrustProxy,
	})
	if err != nil {
		return nil, err
	}
	// Catalog caches learn of changes from PostgreSQL notifications (one
	// LISTEN connection, catalog/changes.go); it stops with the HTTP server.
	stopListening := svc.Catalog.Listen(context.Background(), log)
	h.Hooks().OnShutdown(func() error { stopListening(); return nil })
	return &App{HTTP: h, Jobs: svc.Jobs}, nil
}

// NewHTTP builds the application on the infrastructure.
func NewHTTP(cfg config.Config, in *Infra, log *slog.Logger) (*App, error) {
	cfg.DataKey = in.DataKey // resolved: MARKET_DATA_KEY or the key file under the data dir
	if err := syncDataKeys(cfg, in.DB); err != nil {
		return nil, err
	}
	return New(cfg, in.DB, in.Redis, log)
}

// NewHTTPOn builds the web application on a pool and a Redis client (tests
// pass their own).
func NewHTTPOn(cfg config.Config, db *pgxpool.Pool, rdb redis.UniversalClient, log *slog.Logger) (*fiber.App, error) {
	a, err := New(cfg, db, rdb, log)
	if err != nil {
		return nil, err
	}
	return a.HTTP, nil
}

// orderConfig turns settings into the order rules: bank transfer always,
// Stripe when a key is set.
func orderConfig(cfg config.Config) order.Config {
	methods := []string{order.Manual}
	if cfg.StripeSecretKey != "" {
		methods = append(methods, order.Stripe)
	}
	return order.Config{TTL: cfg.OrderTTL, Methods: methods,
		Payee: order.Instructions{Payee: cfg.PayeeName, Bank: cfg.PayeeBank, Account: cfg.PayeeAccount}}
}

// paymentProvider is Stripe when a secret key is set (STRIPE_API_BASE points
// it at stripe-mock in tests), else nil: bank transfer only.
func paymentProvider(cfg config.Config, log *slog.Logger) (payment.Provider, error) {
	if cfg.StripeSecretKey == "" {
		return nil, nil
	}
	if cfg.StripeWebhookSecret == "" {
		log.Warn("STRIPE_WEBHOOK_SECRET is not set: Stripe webhooks are refused and orders paid by Stripe stay unpaid")
	}
	p, err := payment.NewStripe(payment.StripeConfig{SecretKey: cfg.StripeSecretKey, WebhookSecret: cfg.StripeWebhookSecret,
		APIBase: cfg.StripeAPIBase, Log: log})
	if err != nil {
		return nil, fmt.Errorf("stripe: %w", err)
	}
	return p, nil
}
