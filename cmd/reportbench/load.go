package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/attribution"
	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/demo"
	"github.com/fupinmarket/market/internal/pii"
	"github.com/fupinmarket/market/internal/platform/benchkit"
	"github.com/fupinmarket/market/internal/platform/clock"
	"github.com/fupinmarket/market/internal/platform/postgres"
	"github.com/fupinmarket/market/internal/report"
	"github.com/fupinmarket/market/internal/schema"
)

// bench is the loaded scratch database and what was learnt loading it.
type bench struct {
	pool     *pgxpool.Pool
	dataKey  string
	adminID  int64
	admin    auth.Actor
	reports  *report.Service
	year     int
	settings string

	households, entries, realEntries, orders int
	householdYears, villageYears             int
	dbSize                                   string

	steps                          []step
	loadSeconds                    float64
	genRate, batchMedian, batchMax float64
	batchFirst, batchLast          float64
	loadDuring                     string
	regionChecks                   []string // I6 by region, from the summaries' comparison
}

type step struct {
	name    string
	seconds float64
}

// beijing is the zone report years are counted in.
var beijing = clock.Clock{}.Location()

// timed runs f and records it as a loading step.
func (b *bench) timed(name string, f func() error) error {
	start := time.Now()
	logf("%s …", name)
	if err := f(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	s := step{name, time.Since(start).Seconds()}
	b.steps = append(b.steps, s)
	logf("%s: %.1f s", name, s.seconds)
	return nil
}

// load migrates the scratch database and fills it: the demo as `marketctl
// demo --households N --orders K` loads it, then generated entries up to
// o.entries.
func load(ctx context.Context, o options, dbURL, dataDir string) (*bench, error) {
	start := time.Now()
	pool, err := postgres.Open(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	b := &bench{pool: pool, reports: report.NewService(pool, clock.Clock{})}
	var sb, wm string
	pool.QueryRow(ctx, `SELECT current_setting('shared_buffers'), current_setting('work_mem')`).Scan(&sb, &wm)
	b.settings = "shared_buffers " + sb + ", work_mem " + wm
	if err := b.timed("schema.Up", func() error { _, err := schema.Up(ctx, pool); return err }); err != nil {
		return b, err
	}
	if b.dataKey, err = pii.GenerateKey(); err != nil {
		return b, err
	}
	ring, err := pii.ParseRing(b.dataKey)
	if err != nil {
		return b, err
	}
	users := auth.NewUsers(pool)
	err = b.timed("demo accounts (demo.LoadAccounts)", func() error {
		if err := pii.SyncKeys(ctx, pool, ring); err != nil {
			return err
		}
		return demo.LoadAccounts(ctx, pool, users)
	})
	if err != nil {
		return b, err
	}
	err = b.timed(fmt.Sprintf("demo registry, %s households (demo.LoadRegistry)", benchkit.GroupDigits(o.households)), func() error {
		return demo.LoadRegistry(ctx, pool, ring, demo.RegistryOptions{Households: o.households, Seed: demo.DefaultSeed})
	})
	if err != nil {
		return b, err
	}
	if err := b.timed("demo catalog (demo.LoadCatalogWith)", func() error { return demo.LoadCatalogWith(ctx, pool, dataDir, ring) }); err != nil {
		return b, err
	}
	now := time.Now()
	b.year = now.In(beijing).Year()
	err = b.timed(fmt.Sprintf("%d orders placed and paid through order.Service (demo.LoadOrders)", o.orders), func() error {
		return demo.LoadOrders(ctx, pool, demo.OrdersOptions{Count: o.orders, Seed: demo.DefaultSeed, Until: now})
	})
	if err != nil {
		return b, err
	}
	if b.adminID, err = users.IDByEmail(ctx, "admin@demo.local"); err != nil {
		return b, err
	}
	if b.admin, err = users.Actor(ctx, b.adminID); err != nil {
		return b, err
	}
	err = pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM orders WHERE paid_at IS NOT NULL), (SELECT count(*) FROM attribution_entries)`).
		Scan(&b.orders, &b.realEntries)
	if err != nil {
		return b, err
	}
	if b.realEntries == 0 {
		return b, fmt.Errorf("the %d demo orders wrote no ledger entries to copy from", b.orders)
	}
	if err := generate(ctx, b, o, time.Date(b.year, 1, 1, 0, 0, 0, 0, beijing), now); err != nil {
		return b, err
	}
	// What autovacuum would do after so many inserts, done now so that both
	// sides of the comparison read a table with fresh statistics and
	// visibility map.
	err = b.timed("VACUUM (ANALYZE) of the ledger and the rollups", func() error {
		_, err := pool.Exec(ctx, `VACUUM (ANALYZE) attribution_entries, household_year_income, village_year_rollup,
			village_month_rollup, village_product_rollup, coop_household_balance, households`)
		return err
	})
	if err != nil {
		return b, err
	}
	err = pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM households), (SELECT count(*) FROM attribution_entries),
			(SELECT count(*) FROM household_year_income), (SELECT count(*) FROM village_year_rollup),
			pg_size_pretty(pg_database_size(current_database()))`).
		Scan(&b.households, &b.entries, &b.householdYears, &b.villageYears, &b.dbSize)
	if err != nil {
		return b, err
	}
	b.loadSeconds = time.Since(start).Seconds()
	return b, nil
}

// generate tops the ledger up to o.entries with sale entries in batches of
// o.batch: one INSERT … SELECT each, which queues its entries for the
// rollups as the ledger's writer does, then apply_pending_rollups (what
// attribution.ApplyPending runs) applies them set-wise. Each generated entry copies
// the order, line, lot, cooperative and income type of a real entry and
// gets a household of the registry (with its own village), an amount of
// 1.00–200.00 yuan and a moment between from and to; all three are drawn
// with hashint8extended of the entry's number, so a run is reproducible.
// Such a household did not contribute to the copied lot, which the ledger's
// foreign key to lot_contributions refuses: the scratch database drops that
// one constraint first (it guards writes, not the reports measured here).
func generate(ctx context.Context, b *bench, o options, from, to time.Time) error {
	todo := o.entries - b.realEntries
	if todo <= 0 {
		return nil
	}
	var nHouseholds, nSources int
	err := b.timed("helper tables: households and the real entries to copy from (and no ledger-to-contribution key)", func() error {
		_, err := b.pool.Exec(ctx, `
			CREATE UNLOGGED TABLE bench_households AS
				SELECT row_number() OVER (ORDER BY id) AS n, id, village_code FROM households;
			ALTER TABLE bench_households ADD PRIMARY KEY (n);
			CREATE UNLOGGED TABLE bench_sources AS
				SELECT row_number() OVER (ORDER BY line_id, lot_id) AS n, order_id, line_id, lot_id, cooperative_id, income_type
				FROM (SELECT DISTINCT order_id, line_id, lot_id, cooperative_id, income_type FROM attribution_entries WHERE kind = 'sale') s;
			ALTER TABLE bench_sources ADD PRIMARY KEY (n);
			ANALYZE bench_households, bench_sources;
			ALTER TABLE attribution_entries DROP CONSTRAINT attribution_entries_contribution_fkey`)
		if err != nil {
			return err
		}
		return b.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM bench_households), (SELECT count(*) FROM bench_sources)`).Scan(&nHouseholds, &nSources)
	})
	if err != nil {
		return err
	}
	const insert = `WITH e AS (
			INSERT INTO attribution_entries (household_id, order_id, line_id, lot_id, cooperative_id, village_code,
				amount_fen, kind, income_type, at)
			SELECT h.id, s.order_id, s.line_id, s.lot_id, s.cooperative_id, h.village_code,
				100 + (hashint8extended(g.i, 2) & 9223372036854775807) % 19901, 'sale', s.income_type,
				$3::timestamptz + ((hashint8extended(g.i, 3) & 9223372036854775807) % $4) * interval '1 second'
			FROM generate_series($1::bigint, $2::bigint) g(i)
			JOIN bench_households h ON h.n = 1 + (hashint8extended(g.i, 0) & 9223372036854775807) % $5
			JOIN bench_sources s ON s.n = 1 + (hashint8extended(g.i, 1) & 9223372036854775807) % $6
			RETURNING id),
		queued AS (INSERT INTO rollup_pending (entry_ids) SELECT array_agg(id) FROM e)
		SELECT count(*) FROM e`
	span := int64(to.Sub(from) / time.Second)
	if span < 1 {
		span = 1
	}
	var batches []float64
	genStart := time.Now()
	err = b.timed(fmt.Sprintf("%s generated entries, INSERT … SELECT in batches of %s, each applied to the rollups",
		benchkit.GroupDigits(todo), benchkit.GroupDigits(o.batch)), func() error {
		for lo := 1; lo <= todo; lo += o.batch {
			hi := min(lo+o.batch-1, todo)
			t0 := time.Now()
			var n int
			if err := b.pool.QueryRow(ctx, insert, lo, hi, from, span, nHouseholds, nSources).Scan(&n); err != nil {
				return err
			}
			if n != hi-lo+1 {
				return fmt.Errorf("batch %d–%d inserted %d rows", lo, hi, n)
			}
			if err := attribution.ApplyPending(ctx, b.pool); err != nil {
				return err
			}
			s := time.Since(t0).Seconds()
			batches = append(batches, s)
			logf("  entries %s/%s: batch %.1f s, %s rows/s so far, load %s", benchkit.GroupDigits(hi), benchkit.GroupDigits(todo), s,
				benchkit.GroupDigits(int(float64(hi)/time.Since(genStart).Seconds())), loadAvg())
		}
		return nil
	})
	if err != nil {
		return err
	}
	b.genRate = float64(todo) / b.steps[len(b.steps)-1].seconds
	b.batchFirst, b.batchLast = batches[0], batches[len(batches)-1]
	slices.Sort(batches)
	b.batchMedian, b.batchMax = batches[len(batches)/2], batches[len(batches)-1]
	_, err = b.pool.Exec(ctx, `DROP TABLE bench_households, bench_sources`)
	return err
}
