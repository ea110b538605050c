package main

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/fupinmarket/market/internal/dbtest"
)

// TestMain lets the test binary serve as the import child, as importbench
// re-executes itself.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == childCommand {
		if err := runChild(context.Background(), os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestSmallRun runs the whole benchmark on a few rows: scratch database,
// files, both COPYs and the import in a child process, which checks that
// every row arrived.
func TestSmallRun(t *testing.T) {
	if err := run(context.Background(), []string{"--database-url", dbtest.AdminURL(), "--rows", "1500"}); err != nil {
		t.Fatal(err)
	}
}
