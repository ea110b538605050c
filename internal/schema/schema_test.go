package schema_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/dbtest"
	"github.com/fupinmarket/market/internal/platform/postgres"
	"github.com/fupinmarket/market/internal/schema"
)

func TestSchemaBehindIsRefused(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	if err := schema.EnsureCurrent(ctx, db.Pool); err != nil {
		t.Fatalf("fresh template: %v", err)
	}
	m, err := postgres.NewMigrator(db.Pool)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if v, err := m.Down(ctx); err != nil || v == 0 {
		t.Fatalf("down: %d %v", v, err)
	}
	err = schema.EnsureCurrent(ctx, db.Pool)
	if !errors.Is(err, postgres.ErrSchemaBehind) {
		t.Fatalf("after a rollback: %v, want ErrSchemaBehind", err)
	}
	if want := "marketctl migrate up"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say how to migrate", err)
	}
	if _, err := schema.Up(ctx, db.Pool); err != nil {
		t.Fatal(err)
	}
	if err := schema.EnsureCurrent(ctx, db.Pool); err != nil {
		t.Fatalf("after up again: %v", err)
	}
}

func TestRegionsSeeded(t *testing.T) {
	db := dbtest.New(t)
	var total, listed, villages int
	db.Pool.QueryRow(context.Background(), `SELECT count(*), count(*) FILTER (WHERE listed_supervision),
		count(*) FILTER (WHERE level = 'township') FROM regions`).Scan(&total, &listed, &villages)
	if total < 1529 || listed != 10 || villages != 1405 {
		t.Fatalf("regions %d, listed %d, townships %d", total, listed, villages)
	}
}
