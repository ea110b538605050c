// Package postgres opens the connection pool and runs the embedded goose
// migrations.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/fupinmarket/market/internal/platform/clock"
	"github.com/fupinmarket/market/migrations"
)

// ErrSchemaBehind means the database lacks migrations this binary needs.
var ErrSchemaBehind = errors.New("database schema is behind this binary")

// Limits bound the work one session may hold the database with (zero
// leaves a limit as the server has it) and set the zone its times are in.
type Limits struct {
	// Zone is the session's TimeZone (what current_date and a date of a
	// timestamp mean) and the location scanned times are given in, so that
	// answers carry +08:00; nil is the platform's zone (Beijing).
	Zone          *time.Location
	Statement     time.Duration // statement_timeout
	IdleInTx      time.Duration // idle_in_transaction_session_timeout
	LockTimeout   time.Duration // lock_timeout
	ApplicationID string        // application_name (default fupin-market)
	// Pooled says the URL goes through a transaction pooler (PgBouncer in
	// transaction mode). Unless the URL names a default_query_exec_mode,
	// statements are then sent unnamed (cache_describe): pgx's default
	// prepares each under a name on one server connection, and PgBouncer
	// before 1.21 keeps no prepared statement across transactions.
	Pooled bool
}

// Open connects a pool and checks that the server answers.
func Open(ctx context.Context, url string, limits ...Limits) (*pgxpool.Pool, error) {
	cfg, err := config(url, limits)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("ping postgres: %w", err)
	}
	return pool, nil
}

// OpenSmall connects a pool of at most n connections (a side pool: the
// direct connection beside a transaction pooler).
func OpenSmall(ctx context.Context, url string, n int32, limits ...Limits) (*pgxpool.Pool, error) {
	cfg, err := config(url, limits)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = n
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("ping postgres: %w", err)
	}
	return pool, nil
}

// OpenLazy makes a pool that connects when first used: a replica may be
// down when the service starts.
func OpenLazy(url string, limits ...Limits) (*pgxpool.Pool, error) {
	cfg, err := config(url, limits)
	if err != nil {
		return nil, err
	}
	return pgxpool.NewWithConfig(context.Background(), cfg)
}

func config(url string, limits []Limits) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "fupin-market"
	zone := clock.Clock{}.Location()
	for _, l := range limits {
		l.apply(cfg.ConnConfig.RuntimeParams)
		if l.Zone != nil {
			zone = l.Zone
		}
		if l.Pooled && !strings.Contains(url, "default_query_exec_mode") {
			cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeCacheDescribe
		}
	}
	// TimeZone is one of the parameters a transaction pooler (PgBouncer)
	// keeps per client, so it holds behind one too.
	cfg.ConnConfig.RuntimeParams["timezone"] = zone.String()
	cfg.AfterConnect = func(_ context.Context, conn *pgx.Conn) error {
		conn.TypeMap().RegisterType(&pgtype.Type{Name: "timestamptz", OID: pgtype.TimestamptzOID,
			Codec: &pgtype.TimestamptzCodec{ScanLocation: zone}})
		return nil
	}
	return cfg, nil
}

// Migrator runs the embedded migrations against one pool.
type Migrator struct {
	db       *sql.DB
	provider *goose.Provider
}

// NewMigrator prepares goose with a session lock so that concurrent runs
// (several test packages, marketd and marketctl) never migrate twice.
func NewMigrator(pool *pgxpool.Pool) (*Migrator, error) {
	db := stdlib.OpenDBFromPool(pool)
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS, goose.WithSessionLocker(locker))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	return &Migrator{db: db, provider: p}, nil
}

// Close releases the migrator's connection wrapper (not the pool).
func (m *Migrator) Close() error { return m.db.Close() }

// Up applies every pending migration and returns how many ran.
func (m *Migrator) Up(ctx context.Context) (int, error) {
	res, err := m.provider.Up(ctx)
	return len(res), err
}

// Down rolls back the newest migration and returns its version; 0 when
// none was applied.
func (m *Migrator) Down(ctx context.Context) (int64, error) {
	res, err := m.provider.Down(ctx)
	if errors.Is(err, goose.ErrNoNextVersion) {
		return 0, nil
	}
	if err != nil || res == nil || res.Source == nil {
		return 0, err
	}
	return res.Source.Version, nil
}

// DownTo rolls back every migration newer than version (tests of a
// migration's effect on the rows before it).
func (m *Migrator) DownTo(ctx context.Context, version int64) error {
	_, err := m.provider.DownTo(ctx, version)
	return err
}

// Status lists every migration with whether it is applied.
func (m *Migrator) Status(ctx context.Context) ([]*goose.MigrationStatus, error) {
	return m.provider.Status(ctx)
}

// EnsureCurrent returns ErrSchemaBehind when migrations are pending.
func (m *Migrator) EnsureCurrent(ctx context.Context) error {
	current, target, err := m.provider.GetVersions(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if current < target {
		return fmt.Errorf("%w (at version %d, needs %d): run `marketctl migrate up`", ErrSchemaBehind, current, target)
	}
	return nil
}

// Sources lists the embedded migration files, for hashing in tests.
func Sources() fs.FS { return migrations.FS }

// Querier reads: a pool, a connection or a transaction (a read-only
// snapshot that several reads of one page share).
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func (l Limits) apply(params map[string]string) {
	ms := func(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }
	if l.Statement > 0 {
		params["statement_timeout"] = ms(l.Statement)
	}
	if l.IdleInTx > 0 {
		params["idle_in_transaction_session_timeout"] = ms(l.IdleInTx)
	}
	if l.LockTimeout > 0 {
		params["lock_timeout"] = ms(l.LockTimeout)
	}
	if l.ApplicationID != "" {
		params["application_name"] = l.ApplicationID
	}
}

// ErrPrivileged is CheckNotPrivileged's answer for a superuser or the
// owner of the tables.
var ErrPrivileged = errors.New("connected as a superuser or as the owner of the tables")

// CheckNotPrivileged fails when the pool's role is a superuser or owns a
// table of the schema: such a role could disable the ledger's triggers or
// rewrite it, which the service's own role cannot.
func CheckNotPrivileged(ctx context.Context, db Querier) error {
	const q = `SELECT r.rolname, r.rolsuper, EXISTS (
			SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = 'public' AND c.relowner = r.oid)
		FROM pg_roles r WHERE r.rolname = current_user`
	var name string
	var super, owner bool
	if err := db.QueryRow(ctx, q).Scan(&name, &super, &owner); err != nil {
		return fmt.Errorf("check the database role: %w", err)
	}
	if super || owner {
		return fmt.Errorf("%w (role %s)", ErrPrivileged, name)
	}
	return nil
}
