package app

import (
	"log/slog"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/config"
	"github.com/fupinmarket/market/internal/region"
	"github.com/fupinmarket/market/internal/web"
)

// Services are the domain services built on one database and Redis.
type Services struct {
	Auth    *auth.Service
	Regions *region.Store
}

// NewServices builds the domain layer.
func NewServices(cfg config.Config, db *pgxpool.Pool, rdb redis.UniversalClient, log *slog.Logger) *Services {
	users := auth.NewUsers(db)
	sessions := auth.NewSessions(rdb, cfg.RedisPrefix, cfg.SessionIdle, cfg.SessionMax)
	limits := auth.LoginLimits{PerAccount: cfg.LoginLimitAccount, PerClient: cfg.LoginLimitClient, Window: cfg.LoginLimitWindow}
	return &Services{
		Auth:    auth.NewService(users, sessions, auth.NewTokens(db), auth.NewLimiter(rdb, cfg.RedisPrefix), limits, log),
		Regions: region.NewStore(db),
	}
}

// NewHTTP builds the web application on the infrastructure.
func NewHTTP(cfg config.Config, in *Infra, log *slog.Logger) (*fiber.App, error) {
	return NewHTTPOn(cfg, in.DB, in.Redis, log)
}

// NewHTTPOn builds the web application on a pool and a Redis client (tests
// pass their own).
func NewHTTPOn(cfg config.Config, db *pgxpool.Pool, rdb redis.UniversalClient, log *slog.Logger) (*fiber.App, error) {
	svc := NewServices(cfg, db, rdb, log)
	return web.New(web.Deps{
		Log: log, DB: db, Redis: rdb, Auth: svc.Auth, Regions: svc.Regions,
		BodyLimit: cfg.BodyLimit, TrustProxy: cfg.TrustProxy,
	})
}
