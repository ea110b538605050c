package pii

import (
	"context"
	"testing"

	"github.com/fupinmarket/market/internal/dbtest"
)

func TestSyncKeys(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	if err := SyncKeys(ctx, db.Pool, mustRing(t, hexKey1)); err != nil {
		t.Fatalf("first sync: %v", err)
	}
	if err := SyncKeys(ctx, db.Pool, mustRing(t, "1:"+hexKey1+",2:"+hexKey2)); err != nil {
		t.Fatalf("sync with an added key: %v", err)
	}
	if err := SyncKeys(ctx, db.Pool, mustRing(t, "1:"+hexKey2)); err == nil {
		t.Fatal("a different key under version 1 was accepted")
	}
	var n int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM pii_keys`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("pii_keys rows = %d, %v; want 2", n, err)
	}
}
