// Package ordertest builds a small world for order tests: a cooperative in
// 洛浦县 with member households, a product, a variant and lots, inserted with
// plain SQL so that the tests depend on the schema only.
package ordertest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/fupinmarket/market/internal/attribution"
	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/dbtest"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/platform/ids"
)

// World is the fixture.
type World struct {
	DB         *dbtest.DB
	Svc        *order.Service
	CoopID     int64
	ProductID  int64
	VariantID  int64
	Households []int64
	Buyer      auth.Actor
	Admin      auth.Actor
}

// Addr is a valid shipping address.
var Addr = order.Address{Name: "李明", Phone: "13912345678", Province: "北京市", City: "北京市", District: "海淀区", Detail: "中关村大街1号"}

// Exec runs q and scans one bigint.
func Exec(t testing.TB, db *dbtest.DB, q string, args ...any) int64 {
	t.Helper()
	var id int64
	if err := db.Pool.QueryRow(context.Background(), q, args...).Scan(&id); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return id
}

// Password of the world's buyer@example.com and admin@example.com.
const Password = "password-123"

// New builds the world on a fresh database; cfg may be zero.
func New(t testing.TB, cfg order.Config) *World {
	t.Helper()
	return Seed(t, dbtest.New(t), cfg)
}

// Seed builds the world on an existing database (a webtest server's).
func Seed(t testing.TB, db *dbtest.DB, cfg order.Config) *World {
	t.Helper()
	if cfg.TTL == 0 {
		cfg.TTL = 30 * time.Minute
	}
	if cfg.Methods == nil {
		cfg.Methods = []string{"manual", "stripe"}
	}
	cfg.Payee = order.Instructions{Payee: "扶贫集市", Bank: "中国农业银行", Account: "6228480000000000000"}
	w := &World{DB: db, Svc: order.NewService(db.Pool, cfg)}
	ctx := context.Background()
	var township string
	db.Pool.QueryRow(ctx, `SELECT min(code) FROM regions WHERE parent_code = '653224'`).Scan(&township)
	village := township + "001"
	db.Pool.Exec(ctx, `INSERT INTO regions (code, name, level, parent_code) VALUES ($1, '测试村', 'village', $2)`, village, township)
	w.CoopID = Exec(t, db, `INSERT INTO cooperatives (name, credit_code, county_code, status, shipping_flat_fen, shipping_free_from_fen)
		VALUES ('测试合作社', '93653224MA79D3K12M', '653224', 'approved', 800, 10000) RETURNING id`)
	for i := 0; i < 3; i++ {
		hh := Exec(t, db, `INSERT INTO households (registry_no, village_code, members, status, baseline_income_fen, baseline_year,
			head_name_enc, head_id_enc, head_id_hash, head_name_mask, head_id_mask, key_version)
			VALUES ($1, $2, 4, 'lifted', 350000, 2020, '\x01', '\x02', $3, '阿**', '6532**********0000', 1) RETURNING id`,
			fmt.Sprintf("T%03d", i), village, []byte{byte(i), 9, 9})
		w.Households = append(w.Households, hh)
	}
	w.ProductID = Exec(t, db, `INSERT INTO products (cooperative_id, county_code, title, category, base_unit, status, min_price_fen)
		VALUES ($1, '653224', '洛浦红枣', 'dried_fruit', 'kg', 'active', 3980) RETURNING id`, w.CoopID)
	w.VariantID = Exec(t, db, `INSERT INTO product_variants (product_id, sku, name, price_fen, base_qty)
		VALUES ($1, 'BOX-2.5', '2.5公斤箱', 3980, 2.5) RETURNING id`, w.ProductID)
	users := auth.NewUsers(db.Pool)
	buyerID, err := users.Create(ctx, auth.NewUser{Email: "buyer@example.com", Name: "买家", Password: Password}, auth.Grant{Role: auth.RoleBuyer})
	if err != nil {
		t.Fatal(err)
	}
	adminID, _ := users.Create(ctx, auth.NewUser{Email: "admin@example.com", Name: "管理员", Password: Password}, auth.Grant{Role: auth.RolePlatformAdmin})
	w.Buyer, _ = users.Actor(ctx, buyerID)
	w.Admin, _ = users.Actor(ctx, adminID)
	return w
}

// Lot adds a lot of quantity base units received on day, with the rule and
// contributions split over the households as weights.
func (w *World) Lot(t testing.TB, quantity string, day string, kind string, value int64, weights ...int) int64 {
	t.Helper()
	col := "fen_per_unit"
	if kind == "revenue_share" {
		col = "share_bps"
	}
	id := Exec(t, w.DB, fmt.Sprintf(`INSERT INTO lots (product_id, trace_code, quantity, remaining, received_on, income_kind, %s)
		VALUES ($1, substr(md5(random()::text), 1, 16), $2::numeric, $2::numeric, $3, $4, $5) RETURNING id`, col),
		w.ProductID, quantity, day, kind, value)
	var total int
	for _, x := range weights {
		total += x
	}
	for i, x := range weights {
		Exec(t, w.DB, `INSERT INTO lot_contributions (lot_id, household_id, quantity) VALUES ($1, $2, $3::numeric * $4 / $5) RETURNING lot_id`,
			id, w.Households[i], quantity, x, total)
	}
	return id
}

// Place orders qty units of the variant by bank transfer.
func (w *World) Place(t testing.TB, qty int) (order.Order, error) {
	t.Helper()
	return w.Svc.Place(context.Background(), w.Buyer, order.PlaceRequest{
		Items: []order.Item{{VariantID: ids.ID(w.VariantID), Quantity: qty}}, ShippingAddress: Addr, PaymentMethod: "manual"})
}

// Paid places qty units by bank transfer and confirms the transfer
// (reference ref) as the platform's administrator; it returns the order as
// placed.
func (w *World) Paid(t testing.TB, qty int, ref string) order.Order {
	t.Helper()
	o, err := w.Place(t, qty)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Svc.ConfirmManual(context.Background(), w.Admin, int64(o.ID), ref); err != nil {
		t.Fatal(err)
	}
	return o
}

// Remaining returns a lot's remaining quantity as text.
func (w *World) Remaining(t testing.TB, lot int64) string {
	t.Helper()
	var s string
	w.DB.Pool.QueryRow(context.Background(), `SELECT remaining::text FROM lots WHERE id = $1`, lot).Scan(&s)
	return s
}

// Audit fails the test on any violation of I1–I7 in the world's database.
func (w *World) Audit(t testing.TB) {
	t.Helper()
	Audit(t, w.DB)
}

// Audit fails the test on any violation of I1–I7 (marketctl audit) in db.
func Audit(t testing.TB, db *dbtest.DB) {
	t.Helper()
	v, err := attribution.Audit(context.Background(), db.Pool)
	if err != nil {
		t.Fatal(err)
	}
	if len(v) > 0 {
		t.Fatalf("audit: %v", v)
	}
}

// PlaceStripe places an order of two boxes paid by Stripe, with the
// PaymentIntent intent attached.
func (w *World) PlaceStripe(t testing.TB, intent string) order.Order {
	t.Helper()
	ctx := context.Background()
	o, err := w.Svc.Place(ctx, w.Buyer, order.PlaceRequest{Items: []order.Item{{VariantID: ids.ID(w.VariantID), Quantity: 2}},
		ShippingAddress: Addr, PaymentMethod: order.Stripe})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Svc.AttachPaymentIntent(ctx, int64(o.ID), intent); err != nil {
		t.Fatal(err)
	}
	return o
}
