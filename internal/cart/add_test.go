package cart_test

import (
	"context"
	"sync"
	"testing"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/cart"
	"github.com/fupinmarket/market/internal/catalog/catalogtest"
	"github.com/fupinmarket/market/internal/dbtest"
)

// TestConcurrentAddsAreNotLost: two taps on 加入购物车 (or two tabs) each
// add one box; the cart holds both, in PostgreSQL (a signed-in buyer) and
// in Redis (a visitor), and adds at once near the maximum stop at it.
// (TestVisitorCartsOnRedisCluster runs Add's script on a Redis Cluster.)
func TestConcurrentAddsAreNotLost(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	rdb, prefix := dbtest.Redis(t)
	store := cart.New(db.Pool, rdb, prefix)
	coop := catalogtest.Coop(t, db.Pool, "并发合作社", "653224", "approved")
	var product int64
	if err := db.Pool.QueryRow(ctx, `INSERT INTO products (cooperative_id, county_code, title, category, base_unit, status, min_price_fen)
		VALUES ($1, '653224', '洛浦红枣', 'dried_fruit', 'kg', 'active', 3980) RETURNING id`, coop).Scan(&product); err != nil {
		t.Fatal(err)
	}
	users := auth.NewUsers(db.Pool)
	for i, tc := range []struct {
		name    string
		visitor bool
		start   int // the line's quantity before the adds
		adds    int // concurrent adds of one
		want    int
	}{
		{name: "buyer", adds: 20, want: 20},
		{name: "visitor", visitor: true, adds: 20, want: 20},
		{name: "buyer near the maximum", start: cart.MaxQuantity - 5, adds: 20, want: cart.MaxQuantity},
		{name: "visitor near the maximum", visitor: true, start: cart.MaxQuantity - 5, adds: 20, want: cart.MaxQuantity},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var variant int64
			if err := db.Pool.QueryRow(ctx, `INSERT INTO product_variants (product_id, sku, name, price_fen, base_qty)
				VALUES ($1, $2, $2, 1990, 1) RETURNING id`, product, "BOX-"+string(rune('A'+i))).Scan(&variant); err != nil {
				t.Fatal(err)
			}
			o := cart.Owner{VisitorID: auth.RandomToken(16)}
			if !tc.visitor {
				uid, err := users.Create(ctx, auth.NewUser{Email: "buyer" + string(rune('a'+i)) + "@example.com", Name: "买家", Password: "password-123"},
					auth.Grant{Role: auth.RoleBuyer})
				if err != nil {
					t.Fatal(err)
				}
				o = cart.Owner{UserID: uid}
			}
			if tc.start > 0 {
				if err := store.Set(ctx, o, variant, tc.start); err != nil {
					t.Fatal(err)
				}
			}
			var wg sync.WaitGroup
			for range tc.adds {
				wg.Go(func() {
					if err := store.Add(ctx, o, variant, 1); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			items, err := store.Items(ctx, o)
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != 1 || items[0].Quantity != tc.want {
				t.Errorf("cart of %d after %d concurrent adds of 1: %+v, want quantity %d", tc.start, tc.adds, items, tc.want)
			}
		})
	}
}
