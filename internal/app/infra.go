// Package app wires configuration to infrastructure and services; marketd and
// marketctl both start from here.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/fupinmarket/market/internal/config"
	"github.com/fupinmarket/market/internal/platform/clock"
	"github.com/fupinmarket/market/internal/platform/devdeps"
	"github.com/fupinmarket/market/internal/platform/pgembed"
	"github.com/fupinmarket/market/internal/platform/postgres"
	"github.com/fupinmarket/market/internal/platform/redisconn"
	"github.com/fupinmarket/market/internal/platform/redisembed"
	"github.com/fupinmarket/market/internal/schema"
)

// Infra is the running infrastructure: PostgreSQL, Redis and the data key.
type Infra struct {
	DB *pgxpool.Pool
	// Direct is the primary without a transaction pooler, for the catalog's
	// LISTEN connection and river (DATABASE_DIRECT_URL); it is DB when
	// that is not set.
	Direct *pgxpool.Pool
	// Reads routes lag-tolerant reads to the replica of DATABASE_READ_URL
	// while it keeps up, else to DB.
	Reads   *postgres.Reads
	Redis   redis.UniversalClient
	DataKey string
	// AppPassword is the service role's password marketctl sets: the one
	// in the data dir for the private cluster, else DATABASE_URL's when it
	// names market_app (empty: leave the role's password as it is).
	AppPassword string
	closers     []func(context.Context)
}

// Role says whom a process connects to PostgreSQL as.
type Role int

const (
	// Service is marketd: the service's role (market_app), which owns
	// nothing and may not rewrite the ledger; DATABASE_URL.
	Service Role = iota
	// Owner is marketctl: the tables' owner, which migrates and maintains
	// the service's role; MIGRATE_DATABASE_URL, else DATABASE_URL.
	Owner
)

// OpenInfra connects to the configured services, starting a private
// PostgreSQL cluster and an in-process Redis when none is configured. As
// Service it refuses a superuser or the tables' owner unless
// MARKET_ALLOW_DB_OWNER is set, and bounds every statement.
func OpenInfra(ctx context.Context, cfg config.Config, log *slog.Logger, role Role, withRedis bool) (*Infra, error) {
	in := &Infra{}
	ok := false
	defer func() {
		if !ok {
			in.Close()
		}
	}()
	dbURL := cfg.DatabaseURL
	if role == Owner && cfg.MigrateDatabaseURL != "" {
		dbURL = cfg.MigrateDatabaseURL
	}
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
		if dbURL, err = in.privateURL(cfg, cluster, role); err != nil {
			return nil, err
		}
		log.Info("database: private PostgreSQL cluster", "dir", filepath.Join(cfg.DataDir, "postgres"), "owned", cluster.Owned(), "url", config.Mask(dbURL))
	} else {
		log.Info("database", "url", config.Mask(dbURL))
		in.AppPassword = appPasswordOf(cfg.DatabaseURL)
	}
	if err := in.openDB(ctx, cfg, dbURL, role); err != nil {
		return nil, err
	}
	if role == Service {
		if err := in.openServicePools(ctx, cfg, log); err != nil {
			return nil, err
		}
	}

	if withRedis {
		if err := in.openRedis(cfg, log); err != nil {
			return nil, err
		}
	}
	in.DataKey = cfg.DataKey
	if in.DataKey == "" {
		var err error
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
	// Short timeouts: Redis holds only what may be lost, so a slow Redis must
	// not hold requests up. REDIS_URL may name a Redis Cluster
	// (redis+cluster://host1:port1,host2:port2,…).
	rdb, err := redisconn.Open(url)
	if err != nil {
		return err
	}
	in.Redis = rdb
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

// privateURL is the private cluster's URL for role: the superuser for
// marketctl, market_app with the password kept in the data dir for marketd.
func (in *Infra) privateURL(cfg config.Config, cluster *pgembed.Cluster, role Role) (string, error) {
	pw, err := devdeps.AppPassword(cfg.DataDir)
	if err != nil {
		return "", err
	}
	in.AppPassword = pw
	if role == Owner {
		return cluster.URL(), nil
	}
	return cluster.URLAs(schema.AppRole, pw), nil
}

// appPasswordOf is the password of a URL that names the service's role.
func appPasswordOf(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil || u.User == nil || u.User.Username() != schema.AppRole {
		return ""
	}
	pw, _ := u.User.Password()
	return pw
}

// openDB opens the pool; the service's is checked for privileges it must
// not hold and bounded in time.
func (in *Infra) openDB(ctx context.Context, cfg config.Config, dbURL string, role Role) error {
	clk, err := clock.Load(cfg.Timezone)
	if err != nil {
		return err
	}
	limits := postgres.Limits{Zone: clk.Location()}
	// Through a transaction pooler (DATABASE_DIRECT_URL set beside it) a
	// session parameter would stay on whichever server connection took it:
	// the limits are then the role's own settings (ALTER ROLE market_app SET
	// statement_timeout …; scripts/cluster.sh sets them). TimeZone is kept
	// per client by the pooler. Nor may a prepared statement outlive its
	// transaction there (Limits.Pooled).
	pooled := cfg.DatabaseDirectURL != "" && dbURL == cfg.DatabaseURL
	limits.Pooled = pooled
	if role == Service && !pooled {
		limits.Statement, limits.IdleInTx = cfg.StatementTimeout, max(2*cfg.StatementTimeout, time.Minute)
	}
	pool, err := postgres.Open(ctx, dbURL, limits)
	if err != nil {
		if strings.Contains(err.Error(), "unsupported startup parameter") {
			// PgBouncer refuses session settings at connect.
			return fmt.Errorf("%w (DATABASE_URL goes through a transaction pooler: set DATABASE_DIRECT_URL to the primary itself, and the limits as the role's settings; docs/SCALING.md)", err)
		}
		if role == Service && strings.Contains(err.Error(), schema.AppRole) {
			return fmt.Errorf("%w (run `marketctl migrate up` first: it creates the role %s)", err, schema.AppRole)
		}
		return err
	}
	in.DB = pool
	in.closers = append(in.closers, func(context.Context) { pool.Close() })
	if role == Service && !cfg.AllowDBOwner {
		if err := postgres.CheckNotPrivileged(ctx, pool); err != nil {
			return fmt.Errorf("marketd refuses to run: %w; connect as %s (DATABASE_URL; marketctl uses MIGRATE_DATABASE_URL) or set MARKET_ALLOW_DB_OWNER=true", err, schema.AppRole)
		}
	}
	return nil
}

// openServicePools opens marketd's other pools: the direct connection to
// the primary (DATABASE_DIRECT_URL) and the replica (DATABASE_READ_URL),
// whose lag a monitor follows until Close.
func (in *Infra) openServicePools(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	in.Direct = in.DB
	clk, err := clock.Load(cfg.Timezone)
	if err != nil {
		return err
	}
	limits := postgres.Limits{Zone: clk.Location(), Statement: cfg.StatementTimeout, IdleInTx: max(2*cfg.StatementTimeout, time.Minute)}
	if cfg.DatabaseDirectURL != "" {
		log.Info("database: direct connection for LISTEN and jobs", "url", config.Mask(cfg.DatabaseDirectURL))
		pool, err := postgres.OpenSmall(ctx, cfg.DatabaseDirectURL, 6, limits)
		if err != nil {
			return fmt.Errorf("DATABASE_DIRECT_URL: %w", err)
		}
		in.Direct = pool
		in.closers = append(in.closers, func(context.Context) { pool.Close() })
		// River, LISTEN and the sealer work on this pool: it must not own
		// the tables any more than DATABASE_URL's may.
		if !cfg.AllowDBOwner {
			if err := postgres.CheckNotPrivileged(ctx, pool); err != nil {
				return fmt.Errorf("marketd refuses to run: DATABASE_DIRECT_URL: %w; connect as %s or set MARKET_ALLOW_DB_OWNER=true", err, schema.AppRole)
			}
		}
	}
	var replica *pgxpool.Pool
	if cfg.DatabaseReadURL != "" {
		log.Info("database: replica for catalog and reports", "url", config.Mask(cfg.DatabaseReadURL), "max_lag", cfg.ReplicaMaxLag)
		// The replica may be down at start: reads go to the primary until
		// the monitor sees it answer.
		pool, err := postgres.OpenLazy(cfg.DatabaseReadURL, limits)
		if err != nil {
			return fmt.Errorf("DATABASE_READ_URL: %w", err)
		}
		replica = pool
		in.closers = append(in.closers, func(context.Context) { pool.Close() })
	}
	in.Reads = postgres.NewReads(in.DB, replica, cfg.ReplicaMaxLag, log)
	if replica != nil {
		mctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		done := make(chan struct{})
		go func() { defer close(done); in.Reads.Run(mctx) }()
		in.closers = append(in.closers, func(context.Context) { cancel(); <-done })
	}
	return nil
}
