// Package schema brings a database to the shape this binary needs: the goose
// migrations, then the reference data every installation carries (regions).
package schema

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/fupinmarket/market/internal/platform/postgres"
	"github.com/fupinmarket/market/internal/region"
)

// Up applies pending migrations and (re)loads reference data.
func Up(ctx context.Context, pool *pgxpool.Pool) (applied int, err error) {
	m, err := postgres.NewMigrator(pool)
	if err != nil {
		return 0, err
	}
	defer m.Close()
	if applied, err = m.Up(ctx); err != nil {
		return applied, fmt.Errorf("migrate: %w", err)
	}
	if err := migrateJobQueue(ctx, pool); err != nil {
		return applied, fmt.Errorf("migrate job queue: %w", err)
	}
	if err := region.Seed(ctx, pool); err != nil {
		return applied, err
	}
	return applied, nil
}

// EnsureCurrent fails with postgres.ErrSchemaBehind when migrations are pending.
func EnsureCurrent(ctx context.Context, pool *pgxpool.Pool) error {
	m, err := postgres.NewMigrator(pool)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.EnsureCurrent(ctx); err != nil {
		return err
	}
	ok, err := jobQueueCurrent(ctx, pool)
	if err != nil {
		return fmt.Errorf("check job queue schema: %w", err)
	}
	if !ok {
		return fmt.Errorf("%w (job queue tables): run `marketctl migrate up`", postgres.ErrSchemaBehind)
	}
	return nil
}

// SeedVersion changes whenever reference data loaded by Up changes, so that
// test templates are rebuilt. Bump it with any edit to a seed.
const SeedVersion = "regions-2020-v2-names+river-v0.51.2"

// migrateJobQueue brings river's own tables up to date.
func migrateJobQueue(ctx context.Context, db *pgxpool.Pool) error {
	m, err := rivermigrate.New(riverpgxv5.New(db), nil)
	if err != nil {
		return err
	}
	_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	return err
}

// jobQueueCurrent reports whether river's tables are up to date.
func jobQueueCurrent(ctx context.Context, db *pgxpool.Pool) (bool, error) {
	m, err := rivermigrate.New(riverpgxv5.New(db), nil)
	if err != nil {
		return false, err
	}
	res, err := m.Validate(ctx, nil)
	if err != nil {
		return false, err
	}
	return res.OK, nil
}
