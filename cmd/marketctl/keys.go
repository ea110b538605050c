package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/household"
	"github.com/fupinmarket/market/internal/pii"
	"github.com/fupinmarket/market/internal/schema"
)

const keysUsage = "usage: marketctl keys generate | marketctl keys rotate [--batch N]"

// keysCmd manages the data key that seals personal fields (MARKET_DATA_KEY).
// See "Key rotation" in the README.
func keysCmd(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return errors.New(keysUsage)
	}
	switch args[0] {
	case "generate":
		return generateKey(e.infra.DataKey, e.out, os.Stderr)
	case "rotate":
		fs := flag.NewFlagSet("keys rotate", flag.ContinueOnError)
		batch := fs.Int("batch", 500, "households re-sealed per transaction")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if err := schema.EnsureCurrent(ctx, e.infra.DB); err != nil {
			return err
		}
		ring, err := pii.ParseRing(e.infra.DataKey)
		if err != nil {
			return fmt.Errorf("MARKET_DATA_KEY: %w", err)
		}
		return rotateKeys(ctx, e.infra.DB, ring, *batch, e.out)
	}
	return errors.New(keysUsage)
}

// generateKey prints a new random data key on out and, on hints, how to
// put it in front of the configured ones (spec, MARKET_DATA_KEY) — without
// repeating the configured keys.
func generateKey(spec string, out, hints io.Writer) error {
	k, err := pii.GenerateKey()
	if err != nil {
		return err
	}
	fmt.Fprintln(out, k)
	next, old := 1, ""
	if ring, err := pii.ParseRing(spec); err == nil {
		next = ring.Current() + 1
		vs := ring.Versions()
		slices.Sort(vs)
		slices.Reverse(vs)
		parts := make([]string, len(vs))
		for i, v := range vs {
			parts[i] = fmt.Sprintf("%d:<key version %d>", v, v)
		}
		old = "," + strings.Join(parts, ",")
	}
	fmt.Fprintf(hints, "\nTo rotate to this key (version %d): set on marketd and marketctl\n"+
		"  MARKET_DATA_KEY=\"%d:<the key above>%s\"\n"+
		"restart marketd, run `marketctl keys rotate`, then drop the old versions from MARKET_DATA_KEY\n"+
		"(keep the \"%d:\" prefix). Store the key where the other keys are kept; it is not saved anywhere.\n",
		next, next, old, next)
	return nil
}

// rotateKeys records the ring's keys (refusing one that differs from what
// the database was written with), re-seals every household still under an
// older key with the current one and reports what is left under each
// version.
func rotateKeys(ctx context.Context, db *pgxpool.Pool, ring *pii.Ring, batch int, out io.Writer) error {
	if err := pii.SyncKeys(ctx, db, ring); err != nil {
		return err
	}
	before, err := householdsByKey(ctx, db)
	if err != nil {
		return err
	}
	for v := range before {
		if !slices.Contains(ring.Versions(), v) {
			return fmt.Errorf("%d households are sealed under key version %d, which MARKET_DATA_KEY lacks: add it back (\"%d:<new>,%d:<old>\") and run rotate again",
				before[v], v, ring.Current(), v)
		}
	}
	n, err := household.NewService(db, ring).RotateKeys(ctx, batch)
	if err != nil {
		return fmt.Errorf("after re-sealing %d households: %w", n, err)
	}
	after, err := householdsByKey(ctx, db)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "re-sealed %d households under key version %d\n", n, ring.Current())
	stale := 0
	for v, c := range after {
		if v != ring.Current() {
			stale += c
		}
	}
	if stale > 0 {
		return fmt.Errorf("%d households are still sealed under older keys (written while rotating?): run rotate again", stale)
	}
	fmt.Fprintf(out, "every household is sealed under version %d: the other versions may now leave MARKET_DATA_KEY\n", ring.Current())
	return nil
}

// householdsByKey counts households by the key version they are sealed
// under.
func householdsByKey(ctx context.Context, db *pgxpool.Pool) (map[int]int, error) {
	rows, err := db.Query(ctx, `SELECT key_version, count(*) FROM households GROUP BY key_version`)
	if err != nil {
		return nil, fmt.Errorf("count households by key: %w", err)
	}
	out := map[int]int{}
	var v, n int
	_, err = pgx.ForEachRow(rows, []any{&v, &n}, func() error {
		out[v] = n
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("count households by key: %w", err)
	}
	return out, nil
}
