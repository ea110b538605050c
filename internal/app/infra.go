// Package app wires configuration to infrastructure and services; marketd and
// marketctl both start from here.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/fupinmarket/market/internal/config"
	"github.com/fupinmarket/market/internal/platform/devdeps"
	"github.com/fupinmarket/market/internal/platform/pgembed"
	"github.com/fupinmarket/market/internal/platform/postgres"
	"github.com/fupinmarket/market/internal/platform/redisembed"
)

// Infra is the running infrastructure: PostgreSQL, Redis and the data key.
type Infra struct {
	DB      *pgxpool.Pool
	Redis   *redis.Client
	DataKey string
	closers []func(context.Context)
}

// OpenInfra connects to the configured services, starting a private
// PostgreSQL cluster and an in-process Redis when none is configured.
func OpenInfra(ctx context.Context, cfg config.Config, log *slog.Logger, withRedis bool) (*Infra, error) {
	in := &Infra{}
	ok := false
	defer func() {
		if !ok {
			in.Close()
		}
	}()
	dbURL := cfg.DatabaseURL
	if dbURL == "" {
		cluster, err := pgembed.Start(ctx, filepath.Join(cfg.DataDir, "postgres"), log)
		if err != nil {
			return nil, fmt.Errorf("private postgres: %w", err)
		}
		in.closers = append(in.closers, func(ctx context.Context) {
			if err := cluster.Stop(ctx); err != nil {
				log.Error("stop private postgres", "err", err)
			}
		})
		dbURL = cluster.URL()
		log.Info("database: private PostgreSQL cluster", "dir", filepath.Join(cfg.DataDir, "postgres"), "owned", cluster.Owned())
	} else {
		log.Info("database: DATABASE_URL", "url", config.Mask(dbURL))
	}
	pool, err := postgres.Open(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	in.DB = pool
	in.closers = append(in.closers, func(context.Context) { pool.Close() })

	if withRedis {
		if err := in.openRedis(cfg, log); err != nil {
			return nil, err
		}
	}
	in.DataKey = cfg.DataKey
	if in.DataKey == "" {
		if in.DataKey, err = devdeps.DataKey(cfg.DataDir); err != nil {
			return nil, fmt.Errorf("data key: %w", err)
		}
		log.Info("data key: key file under the data dir", "dir", cfg.DataDir)
	}
	ok = true
	return in, nil
}

func (in *Infra) openRedis(cfg config.Config, log *slog.Logger) error {
	url := cfg.RedisURL
	if url == "" {
		srv, err := redisembed.Start()
		if err != nil {
			return fmt.Errorf("in-process redis: %w", err)
		}
		in.closers = append(in.closers, func(context.Context) { srv.Close() })
		url = srv.URL()
		log.Info("redis: in-process server", "addr", srv.Addr())
	} else {
		log.Info("redis: REDIS_URL", "url", config.Mask(url))
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		return fmt.Errorf("parse redis url: %w", err)
	}
	// Short timeouts: Redis holds only what may be lost, so a slow Redis must
	// not hold requests up.
	opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout = time.Second, time.Second, time.Second
	in.Redis = redis.NewClient(opt)
	in.closers = append(in.closers, func(context.Context) { in.Redis.Close() })
	return nil
}

// Close releases everything in reverse order of opening.
func (in *Infra) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := len(in.closers) - 1; i >= 0; i-- {
		in.closers[i](ctx)
	}
	in.closers = nil
}
