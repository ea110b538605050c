package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/attribution"
	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/demo"
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
		return errors.New("usage: marketctl bench checkout [--mode hot|spread] [--workers N] [--duration D]")
	}
	fs := flag.NewFlagSet("bench checkout", flag.ContinueOnError)
	mode := fs.String("mode", "spread", "hot: every order buys one variant; spread: a random variant of every product")
	workers := fs.Int("workers", 8, "concurrent buyers")
	duration := fs.Duration("duration", 15*time.Second, "how long to run")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	db := e.infra.DB
	ring, err := pii.ParseRing(e.infra.DataKey)
	if err != nil {
		return err
	}
	if err := pii.SyncKeys(ctx, db, ring); err != nil {
		return err
	}
	if err := demo.LoadAccounts(ctx, db, auth.NewUsers(db)); err != nil {
		return err
	}
	if err := demo.LoadRegistry(ctx, db, ring, demo.RegistryOptions{Households: demo.DefaultHouseholds, Seed: demo.DefaultSeed}); err != nil {
		return err
	}
	if err := demo.LoadCatalogWith(ctx, db, e.cfg.DataDir, ring); err != nil {
		return err
	}
	variants, err := benchStock(ctx, e)
	if err != nil {
		return err
	}
	if *mode == "hot" {
		variants = variants[:1]
	}
	users := auth.NewUsers(db)
	buyer, admin, err := benchActors(ctx, users)
	if err != nil {
		return err
	}
	svc := order.NewService(db, order.Config{TTL: time.Hour, Methods: []string{order.Manual}})
	var done, failed atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	deadline := time.Now().Add(*duration)
	var wg sync.WaitGroup
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, 7))
			var mine []time.Duration
			for time.Now().Before(deadline) {
				t0 := time.Now()
				req := order.PlaceRequest{PaymentMethod: order.Manual, ShippingAddress: order.Address{Name: "压测", Phone: "13800000000",
					Province: "北京市", City: "北京市", District: "海淀区", Detail: "压测路 1 号"},
					Items: []order.Item{{VariantID: ids.ID(variants[rng.IntN(len(variants))]), Quantity: 1}}}
				o, err := svc.Place(ctx, buyer, req)
				if err == nil {
					_, err = svc.ConfirmManual(ctx, admin, int64(o.ID), "BENCH")
				}
				if err != nil {
					failed.Add(1)
					if !errs.Is(err, errs.Conflict) {
						fmt.Fprintln(e.out, "error:", err)
					}
					continue
				}
				done.Add(1)
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}(uint64(w))
	}
	wg.Wait()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p := func(q float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[int(float64(len(lat)-1)*q)]
	}
	fmt.Fprintf(e.out, "mode=%s workers=%d orders=%d failed=%d orders_per_sec=%.1f p50=%s p99=%s\n", *mode, *workers,
		done.Load(), failed.Load(), float64(done.Load())/duration.Seconds(), p(0.5).Round(time.Microsecond), p(0.99).Round(time.Microsecond))
	var negative int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM lots WHERE remaining < 0`).Scan(&negative); err != nil {
		return err
	}
	v, err := attribution.Audit(ctx, db)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "negative_stock_lots=%d audit_violations=%d\n", negative, len(v))
	if negative > 0 || len(v) > 0 {
		return fmt.Errorf("oversold or audit failed: %v", v)
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
			FROM lots ORDER BY product_id, received_on DESC, id DESC),
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

func benchActors(ctx context.Context, users *auth.Users) (buyer, admin auth.Actor, err error) {
	for i, email := range []string{"buyer@demo.local", "admin@demo.local"} {
		id, err := users.IDByEmail(ctx, email)
		if err != nil {
			return buyer, admin, err
		}
		a, err := users.Actor(ctx, id)
		if err != nil {
			return buyer, admin, err
		}
		if i == 0 {
			buyer = a
		} else {
			admin = a
		}
	}
	return buyer, admin, nil
}
