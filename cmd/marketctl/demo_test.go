package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/fupinmarket/market/internal/app"
	"github.com/fupinmarket/market/internal/config"
	"github.com/fupinmarket/market/internal/dbtest"
)

// TestDemoWithoutOrders: `marketctl demo --orders 0` loads the registry and
// the catalog and places no order (demo.LoadOrders takes 0 for its default
// of 300, so the command must not call it); a negative count is refused.
func TestDemoWithoutOrders(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the demo")
	}
	db := dbtest.New(t)
	ctx := context.Background()
	var out bytes.Buffer
	e := &env{cfg: config.Config{DataDir: t.TempDir()}, infra: &app.Infra{DB: db.Pool, DataKey: cliKey1}, out: &out}
	if err := demoCmd(ctx, e, []string{"--households", "300", "--orders", "0"}); err != nil {
		t.Fatal(err)
	}
	var households, products, orders int
	db.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM households), (SELECT count(*) FROM products), (SELECT count(*) FROM orders)`).
		Scan(&households, &products, &orders)
	if households < 300 || products == 0 || orders != 0 {
		t.Fatalf("%d households, %d products, %d orders after --orders 0:\n%s", households, products, orders, out.String())
	}
	if err := demoCmd(ctx, e, []string{"--orders", "-1"}); err == nil {
		t.Fatal("--orders -1 was accepted")
	}
}
