package main

import (
	"context"
	"testing"

	"github.com/fupinmarket/market/internal/dbtest"
)

// TestSmallRun runs the whole benchmark on a small registry and ledger:
// scratch database, demo, real orders, generated entries in several
// batches, each applied to the rollups, both ways of summarising (which must
// agree), the four exports (which must have a row per household) and the
// I6 checks; the scratch database is dropped at the end.
func TestSmallRun(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the demo")
	}
	args := []string{"--database-url", dbtest.AdminURL(), "--redis-url", dbtest.RedisURL(),
		"--households", "3000", "--orders", "20", "--entries", "30000", "--batch", "7000", "--runs", "3",
		"--regions", "653224,largest-county,653200,650000", "--markdown"}
	if err := run(context.Background(), args); err != nil {
		t.Fatal(err)
	}
}
