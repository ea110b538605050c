package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/attribution"
	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/demo"
	"github.com/fupinmarket/market/internal/feed"
	"github.com/fupinmarket/market/internal/jobs"
	"github.com/fupinmarket/market/internal/ledger"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/pii"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
)

// benchCmd measures checkout (place, pay by confirmation, attribute) in
// orders per second on the configured database, which it fills with the
// demo first. Run it on a scratch database: scripts/bench-checkout.sh does,
// beside pgbench's TPC-B on the same server.
func benchCmd(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "checkout" {
		return errors.New("usage: marketctl bench checkout [--mode hot|spread] [--workers N] [--warmup D] [--duration D] [--http URL]")
	}
	fs := flag.NewFlagSet("bench checkout", flag.ContinueOnError)
	mode := fs.String("mode", "spread", "hot: every order buys one variant; spread: a random variant of every product")
	workers := fs.Int("workers", 8, "concurrent buyers")
	warmup := fs.Duration("warmup", 3*time.Second, "run this long first, unmeasured (caches, plans, connections)")
	duration := fs.Duration("duration", 15*time.Second, "how long to measure")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the measured part to this file")
	sealEvery := fs.Duration("seal-every", 2*time.Second, "seal the ledger this often during the run, as marketd's job does every minute (0: never)")
	feedOn := fs.Bool("feed", e.cfg.FeedURL != "", "write the sales feed's events in the paying transaction, as a service with MARKET_FEED_URL does")
	httpBase := fs.String("http", "", "check out through this server's JSON API (two requests per order) instead of in process")
	cpuPids := fs.String("cpu-pids", "", "also count these processes' CPU in own_cpu_per_order (marketd's pid)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	b, err := newCheckoutBench(ctx, e, *mode == "hot", *feedOn)
	if err != nil {
		return err
	}
	b.sealEvery = *sealEvery
	if *httpBase != "" {
		if b.http, err = newHTTPCheckout(ctx, b.db, *httpBase, b.buyers, b.admin, *workers); err != nil {
			return err
		}
	}
	b.run(ctx, *workers, *warmup)
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	own := newOwnCPU(ctx, b.db, *cpuPids)
	busy0, own0 := machineBusy(), own.total()
	r := b.run(ctx, *workers, *duration)
	busy, ownUsed := machineBusy()-busy0, own.total().minus(own0)
	if *cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	via := "in-process"
	if b.http != nil {
		via = "http"
	}
	fmt.Fprintf(e.out, "mode=%s via=%s feed=%v workers=%d orders=%d failed=%d orders_per_sec=%.1f p50=%s p99=%s seal_every=%s seals=%d sealed_entries=%d\n",
		*mode, via, *feedOn, *workers, r.done, r.failed, float64(r.done)/r.elapsed.Seconds(), r.percentile(0.5), r.percentile(0.99),
		*sealEvery, r.seals, r.sealed)
	for _, err := range r.errors {
		fmt.Fprintln(e.out, "error:", err)
	}
	if busy > 0 && r.done > 0 {
		// CPU of the whole machine (server, this client, everything else)
		// per order: what a change saves, less noisy than orders per second.
		fmt.Fprintf(e.out, "machine_cpu_per_order=%s\n", (busy / time.Duration(r.done)).Round(time.Microsecond))
	}
	if ownUsed.sum() > 0 && r.done > 0 {
		// PostgreSQL, marketd (--cpu-pids) and this client only.
		per := func(d time.Duration) time.Duration { return (d / time.Duration(r.done)).Round(time.Microsecond) }
		fmt.Fprintf(e.out, "own_cpu_per_order=%s (postgres %s, marketd %s, client %s)\n", per(ownUsed.sum()),
			per(ownUsed.server), per(ownUsed.others), per(ownUsed.client))
	}
	return b.check(ctx, e)
}

// checkoutBench is a demo database ready for checkouts.
type checkoutBench struct {
	svc      *order.Service
	buyers   []auth.Actor
	admin    auth.Actor
	variants []int64
	db       *pgxpool.Pool
	// sealEvery is how often the ledger is sealed during a run (0: never).
	sealEvery time.Duration
	http      *httpCheckout // through the API (--http), else nil
}

func newCheckoutBench(ctx context.Context, e *env, hot, feedOn bool) (*checkoutBench, error) {
	db := e.infra.DB
	ring, err := pii.ParseRing(e.infra.DataKey)
	if err != nil {
		return nil, err
	}
	if err := pii.SyncKeys(ctx, db, ring); err != nil {
		return nil, err
	}
	if err := demo.LoadAccounts(ctx, db, auth.NewUsers(db)); err != nil {
		return nil, err
	}
	if err := demo.LoadRegistry(ctx, db, ring, demo.RegistryOptions{Households: demo.DefaultHouseholds, Seed: demo.DefaultSeed}); err != nil {
		return nil, err
	}
	if err := demo.LoadCatalogWith(ctx, db, e.cfg.DataDir, ring); err != nil {
		return nil, err
	}
	variants, err := benchStock(ctx, e)
	if err != nil {
		return nil, err
	}
	// A running service has order history, and tables that autovacuum has
	// visited; the bench's were filled a moment ago. pgbench's own set-up
	// vacuums its tables the same way before the baseline runs.
	if err := demo.LoadOrders(ctx, db, demo.OrdersOptions{Seed: demo.DefaultSeed}); err != nil {
		return nil, err
	}
	if _, err := db.Exec(ctx, "VACUUM (ANALYZE)"); err != nil {
		return nil, fmt.Errorf("vacuum: %w", err)
	}
	// Start from clean buffers, as the script's baseline does after its own
	// set-up: what the set-up (or an earlier run) dirtied is written now,
	// not during the measurement. It needs a superuser; without one the run
	// goes on.
	if _, err := db.Exec(ctx, "CHECKPOINT"); err != nil {
		fmt.Fprintln(e.out, "note: no CHECKPOINT before the run:", err)
	}
	if hot {
		variants = variants[:1]
	}
	buyers, admin, err := benchActors(ctx, db)
	if err != nil {
		return nil, err
	}
	cfg := order.Config{TTL: time.Hour, Methods: []string{order.Manual}}
	if feedOn {
		cfg.Feed = &feed.Outbox{}
	}
	svc := order.NewService(db, cfg)
	return &checkoutBench{svc: svc, buyers: buyers, admin: admin, variants: variants, db: db}, nil
}

// benchResult is what one run did.
type benchResult struct {
	done, failed int64
	elapsed      time.Duration   // until the rollups had caught up with the last order
	latencies    []time.Duration // sorted
	errors       []error         // other than running out of stock, at most a few
	seals        int             // seals made during the run
	sealed       int             // entries they hold
}

func (r benchResult) percentile(q float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	return r.latencies[int(float64(len(r.latencies)-1)*q)].Round(time.Microsecond)
}

// run has workers buyers check out (place, then confirm the transfer) one
// random variant each, back to back, for d; worker i is demo buyer i.
// Meanwhile the rollups catch up every jobs.RollupEvery, as marketd's job
// does, and the run ends when they have caught up with its last order: the
// time (and CPU) the rollups take is part of what a checkout costs.
func (b *checkoutBench) run(ctx context.Context, workers int, d time.Duration) benchResult {
	var mu sync.Mutex
	var r benchResult
	start := time.Now()
	deadline := start.Add(d)
	applierDone := make(chan error, 1)
	go func() { applierDone <- b.applyRollupsUntil(ctx, deadline) }()
	sealerDone := make(chan benchResult, 1)
	go func() { sealerDone <- b.sealUntil(ctx, deadline) }()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(buyer auth.Actor, seed uint64) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, 7))
			var mine benchResult
			for time.Now().Before(deadline) {
				t0 := time.Now()
				err := b.checkout(ctx, buyer, b.variants[rng.IntN(len(b.variants))])
				if err != nil {
					mine.failed++
					if !errs.Is(err, errs.Conflict) && len(mine.errors) < 3 {
						mine.errors = append(mine.errors, err)
					}
					continue
				}
				mine.done++
				mine.latencies = append(mine.latencies, time.Since(t0))
			}
			mu.Lock()
			r.done, r.failed = r.done+mine.done, r.failed+mine.failed
			r.latencies, r.errors = append(r.latencies, mine.latencies...), append(r.errors, mine.errors...)
			mu.Unlock()
		}(b.buyers[w%len(b.buyers)], rand.Uint64())
	}
	wg.Wait()
	if err := <-applierDone; err != nil {
		r.errors = append(r.errors, err)
	}
	sealing := <-sealerDone
	r.seals, r.sealed, r.errors = sealing.seals, sealing.sealed, append(r.errors, sealing.errors...)
	if err := attribution.ApplyPending(ctx, b.db); err != nil {
		r.errors = append(r.errors, err)
	}
	r.elapsed = time.Since(start)
	sort.Slice(r.latencies, func(i, j int) bool { return r.latencies[i] < r.latencies[j] })
	return r
}

// applyRollupsUntil applies the rollup queue every jobs.RollupEvery until
// the deadline.
func (b *checkoutBench) applyRollupsUntil(ctx context.Context, deadline time.Time) error {
	tick := time.NewTicker(jobs.RollupEvery)
	defer tick.Stop()
	stop := time.NewTimer(time.Until(deadline))
	defer stop.Stop()
	for {
		select {
		case <-stop.C:
			return nil
		case <-tick.C:
			if err := attribution.ApplyPending(ctx, b.db); err != nil {
				return err
			}
		}
	}
}

// sealUntil seals the ledger every b.sealEvery until the deadline, as
// marketd's job does (every jobs.SealEvery), while checkouts go on.
func (b *checkoutBench) sealUntil(ctx context.Context, deadline time.Time) benchResult {
	var r benchResult
	if b.sealEvery <= 0 {
		return r
	}
	tick := time.NewTicker(b.sealEvery)
	defer tick.Stop()
	stop := time.NewTimer(time.Until(deadline))
	defer stop.Stop()
	for {
		select {
		case <-stop.C:
			return r
		case <-tick.C:
			seals, err := ledger.Sealer{DB: b.db}.Seal(ctx)
			if err != nil && !errors.Is(err, ledger.ErrWritersInFlight) {
				r.errors = append(r.errors, err)
				return r
			}
			for _, s := range seals {
				r.seals, r.sealed = r.seals+1, r.sealed+s.Entries
			}
		}
	}
}

func (b *checkoutBench) checkout(ctx context.Context, buyer auth.Actor, variant int64) error {
	if b.http != nil {
		return b.http.checkout(ctx, buyer, variant)
	}
	req := order.PlaceRequest{PaymentMethod: order.Manual, ShippingAddress: order.Address{Name: "压测", Phone: "13800000000",
		Province: "北京市", City: "北京市", District: "海淀区", Detail: "压测路 1 号"},
		Items: []order.Item{{VariantID: ids.ID(variant), Quantity: 1}}}
	o, err := b.svc.Place(ctx, buyer, req)
	if err != nil {
		return err
	}
	_, err = b.svc.ConfirmManual(ctx, b.admin, int64(o.ID), "BENCH")
	return err
}

// check fails on any oversold lot or broken invariant (marketctl audit).
func (b *checkoutBench) check(ctx context.Context, e *env) error {
	var negative int
	if err := b.db.QueryRow(ctx, `SELECT count(*) FROM lots WHERE remaining < 0`).Scan(&negative); err != nil {
		return err
	}
	v, err := attribution.Audit(ctx, b.db)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "negative_stock_lots=%d audit_violations=%d\n", negative, len(v))
	if negative > 0 || len(v) > 0 {
		return fmt.Errorf("oversold or audit failed: %v", v)
	}
	if b.http != nil {
		confirmed, lost, err := b.http.lost(ctx, b.db)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.out, "confirmed_orders=%d paid_orders_lost=%d client_retries=%d\n", confirmed, lost, b.http.retries)
		if lost > 0 {
			return fmt.Errorf("%d orders confirmed by the API are not paid in the database", lost)
		}
	}
	return nil
}

// benchStock gives every active product a large lot (its latest lot with
// the same households, a hundred thousand times larger) so that the benchmark measures checkout, not sold-out
// answers; it returns one variant id per product.
func benchStock(ctx context.Context, e *env) ([]int64, error) {
	tx, err := e.infra.DB.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	// Scaling the latest lot and each contribution by the same whole factor
	// keeps the contributions summing to the lot exactly.
	const addLots = `WITH latest AS (
			SELECT DISTINCT ON (product_id) id, product_id, quantity, income_kind, fen_per_unit, share_bps
			FROM lots WHERE trace_code NOT LIKE 'bench%' ORDER BY product_id, received_on DESC, id DESC),
		ins AS (
			INSERT INTO lots (product_id, trace_code, quantity, remaining, received_on, income_kind, fen_per_unit, share_bps)
			SELECT product_id, 'bench' || substr(md5(random()::text || id), 1, 20), quantity * 100000, quantity * 100000,
				current_date, income_kind, fen_per_unit, share_bps
			FROM latest RETURNING id, product_id)
		INSERT INTO lot_contributions (lot_id, household_id, quantity)
		SELECT i.id, c.household_id, c.quantity * 100000
		FROM ins i JOIN latest t ON t.product_id = i.product_id JOIN lot_contributions c ON c.lot_id = t.id`
	if _, err := tx.Exec(ctx, addLots); err != nil {
		return nil, fmt.Errorf("bench stock: %w", err)
	}
	rows, err := tx.Query(ctx, `SELECT DISTINCT ON (p.id) v.id FROM products p JOIN product_variants v ON v.product_id = p.id
		JOIN cooperatives c ON c.id = p.cooperative_id WHERE p.status = 'active' AND v.active AND c.status = 'approved' ORDER BY p.id, v.id`)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errors.New("bench: no products on sale")
	}
	return out, tx.Commit(ctx)
}

// benchActors returns the demo's buyers (each worker checks out as its
// own: a marketplace's load comes from many buyers, and one buyer's row
// shared by every order would make PostgreSQL build multixact locks for the
// foreign-key checks) and the platform admin who confirms the transfers.
func benchActors(ctx context.Context, db *pgxpool.Pool) (buyers []auth.Actor, admin auth.Actor, err error) {
	rows, err := db.Query(ctx, `SELECT id FROM users WHERE email LIKE 'buyer%@demo.local' ORDER BY id`)
	if err != nil {
		return nil, admin, err
	}
	idList, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, admin, err
	}
	users := auth.NewUsers(db)
	for _, id := range idList {
		a, err := users.Actor(ctx, id)
		if err != nil {
			return nil, admin, err
		}
		buyers = append(buyers, a)
	}
	id, err := users.IDByEmail(ctx, "admin@demo.local")
	if err != nil {
		return nil, admin, err
	}
	admin, err = users.Actor(ctx, id)
	return buyers, admin, err
}

// machineBusy returns the machine's CPU time spent so far outside idle and
// I/O wait, from /proc/stat (0 where there is none).
func machineBusy() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	fields := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal ...
	var ticks int64
	for i, f := range fields[1:] {
		if i == 3 || i == 4 {
			continue // idle, iowait
		}
		n, _ := strconv.ParseInt(f, 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}
