package cart_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/cart"
	"github.com/fupinmarket/market/internal/catalog/catalogtest"
	"github.com/fupinmarket/market/internal/dbtest"
	"github.com/fupinmarket/market/internal/platform/redistest"
)

// TestVisitorCartsOnRedisCluster: visitors' carts work on a Redis Cluster of
// three masters opened as marketd opens REDIS_URL=redis+cluster://…, where
// a command or MULTI naming keys of two slots fails (CROSSSLOT). Several
// visitors' carts, on several masters, are set, added to and read each on
// its own, keep their time to live, and are merged into a user's cart and
// cleared.
func TestVisitorCartsOnRedisCluster(t *testing.T) {
	rdb := redistest.Start(t).Client(t)
	ctx := context.Background()
	prefix := redistest.Prefix(t)
	db := dbtest.New(t)
	store := cart.New(db.Pool, rdb, prefix)

	coop := catalogtest.Coop(t, db.Pool, "集群合作社", "653224", "approved")
	var product int64
	if err := db.Pool.QueryRow(ctx, `INSERT INTO products (cooperative_id, county_code, title, category, base_unit, status, min_price_fen)
		VALUES ($1, '653224', '洛浦红枣', 'dried_fruit', 'kg', 'active', 3980) RETURNING id`, coop).Scan(&product); err != nil {
		t.Fatal(err)
	}
	variant := func(sku string, price int64) int64 {
		var id int64
		if err := db.Pool.QueryRow(ctx, `INSERT INTO product_variants (product_id, sku, name, price_fen, base_qty)
			VALUES ($1, $2, $2, $3, 1) RETURNING id`, product, sku, price).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	v1, v2 := variant("BOX-1", 1990), variant("BOX-2", 3980)

	// want is a cart's variant → quantity.
	check := func(o cart.Owner, want map[int64]int) {
		t.Helper()
		items, err := store.Items(ctx, o)
		if err != nil {
			t.Fatalf("Items %+v: %v", o, err)
		}
		got := map[int64]int{}
		for _, it := range items {
			got[int64(it.VariantID)] = it.Quantity
			if it.Title != "洛浦红枣" || it.PriceFen == 0 || !it.Buyable {
				t.Errorf("Items %+v: %+v", o, it)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("cart of %+v: %v, want %v", o, got, want)
		}
	}

	// Enough visitors that their random cart keys all falling on one of
	// the three masters is out of the question (3 × 3⁻²⁴): with six, one
	// run in 243 failed the spread check below.
	visitors := make([]cart.Owner, 24)
	for i := range visitors {
		visitors[i] = cart.Owner{VisitorID: auth.RandomToken(16)}
		o := visitors[i]
		if err := store.Set(ctx, o, v1, 2); err != nil {
			t.Fatalf("Set: %v", err)
		}
		if err := store.Add(ctx, o, v1, i+1); err != nil {
			t.Fatalf("Add: %v", err)
		}
		if err := store.Add(ctx, o, v2, 1); err != nil {
			t.Fatalf("Add: %v", err)
		}
	}
	for i, o := range visitors {
		check(o, map[int64]int{v1: 3 + i, v2: 1})
	}
	byNode := redistest.Keys(t, rdb, prefix)
	if len(byNode) < 2 {
		t.Errorf("cart keys on %d master(s), want several: %v", len(byNode), byNode)
	}
	for _, keys := range byNode {
		for _, k := range keys {
			if ttl := rdb.TTL(ctx, k).Val(); ttl <= cart.VisitorTTL-time.Minute || ttl > cart.VisitorTTL {
				t.Errorf("%s expires in %v, want %v", k, ttl, cart.VisitorTTL)
			}
		}
	}

	if err := store.Set(ctx, visitors[0], v2, 0); err != nil {
		t.Fatal(err)
	}
	check(visitors[0], map[int64]int{v1: 3})
	if err := store.Add(ctx, visitors[1], v2, cart.MaxQuantity); err != nil {
		t.Fatal(err)
	}
	check(visitors[1], map[int64]int{v1: 4, v2: cart.MaxQuantity})

	uid, err := auth.NewUsers(db.Pool).Create(ctx, auth.NewUser{Email: "buyer@example.com", Name: "买家", Password: "password-123"},
		auth.Grant{Role: auth.RoleBuyer})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Merge(ctx, visitors[0].VisitorID, uid); err != nil {
		t.Fatalf("Merge: %v", err)
	}
	check(cart.Owner{UserID: uid}, map[int64]int{v1: 3})
	check(visitors[0], map[int64]int{})
	if err := store.Clear(ctx, visitors[1]); err != nil {
		t.Fatalf("Clear: %v", err)
	}
	check(visitors[1], map[int64]int{})
	check(visitors[2], map[int64]int{v1: 5, v2: 1})
}
