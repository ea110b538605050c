package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/demo"
	"github.com/fupinmarket/market/internal/pii"
	"github.com/fupinmarket/market/internal/schema"
)

func demoCmd(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	households := fs.Int("households", demo.DefaultHouseholds, "households in the demo registry (up to 4,000,000); a larger number than before adds to it")
	seed := fs.Uint64("seed", demo.DefaultSeed, "seed of the generated registry")
	orders := fs.Int("orders", 300, "demo orders to place over the year (only when none exist; 0: none)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *households < 1 || *households > demo.MaxHouseholds {
		return fmt.Errorf("--households must be between 1 and %d", demo.MaxHouseholds)
	}
	if *orders < 0 {
		return fmt.Errorf("--orders must not be negative")
	}
	if err := schema.EnsureCurrent(ctx, e.infra.DB); err != nil {
		return err
	}
	if err := demo.LoadAccounts(ctx, e.infra.DB, auth.NewUsers(e.infra.DB)); err != nil {
		return err
	}
	ring, err := pii.ParseRing(e.infra.DataKey)
	if err != nil {
		return fmt.Errorf("data key: %w", err)
	}
	if err := pii.SyncKeys(ctx, e.infra.DB, ring); err != nil {
		return err
	}
	start := time.Now()
	bar := newDemoProgressBar(os.Stderr, "households")
	err = demo.LoadRegistry(ctx, e.infra.DB, ring, demo.RegistryOptions{Households: *households, Seed: *seed, Progress: bar.update})
	bar.finish()
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "demo registry ready: %d households (seed %d) in %s\n", *households, *seed, time.Since(start).Round(time.Millisecond))
	if err := demo.LoadCatalogWith(ctx, e.infra.DB, e.cfg.DataDir, ring); err != nil {
		return err
	}
	fmt.Fprintln(e.out, "demo catalog ready: products, lots and images")
	// demo.LoadOrders takes a zero count for its default: --orders 0 means none.
	if *orders > 0 {
		if err := demo.LoadOrders(ctx, e.infra.DB, demo.OrdersOptions{Count: *orders, Seed: *seed}); err != nil {
			return err
		}
		fmt.Fprintln(e.out, "demo orders ready: a year of paid orders in the ledger")
		if err := demo.LoadIncome(ctx, e.infra.DB, demo.IncomeOptions{Seed: *seed}); err != nil {
			return err
		}
		fmt.Fprintln(e.out, "demo wages and dividends ready: the cooperatives' members earn all three income types")
		// Fresh statistics after the bulk load (not before the orders: an
		// analyzed empty table is planned as empty until autovacuum runs).
		if _, err := e.infra.DB.Exec(ctx, "ANALYZE"); err != nil {
			return fmt.Errorf("analyze: %w", err)
		}
	}
	fmt.Fprintf(e.out, "demo data ready; accounts use password %s\n", demo.Password)
	for _, a := range demo.Accounts {
		fmt.Fprintf(e.out, "  %-20s %s\n", a.Email, a.Role)
	}
	return nil
}
