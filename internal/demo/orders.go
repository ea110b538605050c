package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/attribution"
	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/buyerorg"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/platform/clock"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
)

// OrdersOptions shape the demo's order history.
type OrdersOptions struct {
	Count int       // orders to place (default 300)
	Year  int       // spread over this year, up to Until (default: Until's year)
	Until time.Time // no order after this (default: now)
	Seed  uint64
	Clock clock.Clock // the zone of the year (default: Beijing)
}

// demoBuyers is how many extra buyer accounts place the demo orders; they
// share the demo password and are not among the README's five.
const demoBuyers = 40

// LoadOrders places and pays a few hundred orders spread over the year so
// that the ledger and the dashboards have data: most are paid by bank
// transfer and shipped, some delivered, a few partly refunded. It does
// nothing when demo orders exist already.
func LoadOrders(ctx context.Context, db *pgxpool.Pool, opts OrdersOptions) error {
	if opts.Count == 0 {
		opts.Count = 300
	}
	if opts.Until.IsZero() {
		opts.Until = opts.Clock.Now()
	}
	if opts.Year == 0 {
		opts.Year = opts.Clock.In(opts.Until).Year()
	}
	var existing int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM orders o JOIN users u ON u.id = o.buyer_id WHERE u.email LIKE '%@demo.local'`).Scan(&existing); err != nil {
		return err
	}
	if existing > 0 {
		return nil
	}
	buyers, err := ensureBuyers(ctx, db)
	if err != nil {
		return err
	}
	users := auth.NewUsers(db)
	adminID, err := users.IDByEmail(ctx, "admin@demo.local")
	if err != nil {
		return err
	}
	admin, err := users.Actor(ctx, adminID)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(opts.Seed+2026, 11))
	start := time.Date(opts.Year, 1, 1, 9, 0, 0, 0, opts.Clock.Location())
	span := opts.Until.Sub(start)
	if span <= 0 {
		return fmt.Errorf("demo orders: %s is before %d", opts.Until, opts.Year)
	}
	base := order.NewService(db, order.Config{TTL: 30 * time.Minute, Methods: []string{order.Manual}})
	placed := 0
	for i := 0; i < opts.Count*3 && placed < opts.Count; i++ {
		at := start.Add(time.Duration(rng.Int64N(int64(span))))
		ok, err := placeDemoOrder(ctx, db, base, admin, buyers[rng.IntN(len(buyers))], at, rng)
		if err != nil {
			return err
		}
		if ok {
			placed++
		}
	}
	// The dashboards' rollups include the demo year from the start.
	return attribution.ApplyPending(ctx, db)
}

// ensureBuyers creates the demo's buyer accounts (some belong to the demo
// budget unit) and returns them with buyer@demo.local and org@demo.local.
func ensureBuyers(ctx context.Context, db *pgxpool.Pool) ([]auth.Actor, error) {
	hash, err := auth.HashPassword(Password)
	if err != nil {
		return nil, err
	}
	err = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error { return ensureBuyersTx(ctx, tx, hash) })
	if err != nil {
		return nil, err
	}
	rows, err := db.Query(ctx, `SELECT id FROM users WHERE email LIKE 'buyer%@demo.local' OR email = 'org@demo.local' ORDER BY id`)
	if err != nil {
		return nil, err
	}
	idList, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	users := auth.NewUsers(db)
	out := make([]auth.Actor, 0, len(idList))
	for _, id := range idList {
		a, err := users.Actor(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// ensureBuyersTx creates the demo buyers with passwordHash, a quarter of
// them members of the demo budget unit, and makes org@demo.local (when it
// exists) a member too.
func ensureBuyersTx(ctx context.Context, tx pgx.Tx, passwordHash string) error {
	orgID, err := ensureOrg(ctx, tx)
	if err != nil {
		return err
	}
	var members []int64
	for i := 1; i <= demoBuyers; i++ {
		email := fmt.Sprintf("buyer%02d@demo.local", i)
		id, err := auth.EnsureUserTx(ctx, tx, email, buyerNames[i%len(buyerNames)], passwordHash)
		if err != nil {
			return fmt.Errorf("demo buyer: %w", err)
		}
		if err := auth.GrantTx(ctx, tx, id, auth.Grant{Role: auth.RoleBuyer}); err != nil {
			return err
		}
		if i%4 == 0 { // a quarter work at the budget unit and buy for its canteen
			members = append(members, id)
		}
	}
	orgAdmin, err := userID(ctx, tx, "org@demo.local")
	if err != nil {
		return err
	}
	if orgAdmin != nil {
		members = append(members, *orgAdmin)
	}
	return buyerorg.AddMembersTx(ctx, tx, orgID, members)
}

var buyerNames = []string{"王建华", "李秀英", "张伟", "刘洋", "陈静", "杨帆", "赵敏", "黄磊", "周婷", "吴刚",
	"热依拉·艾买提", "阿迪力·买买提", "古丽娜·吐尔洪", "马晓东", "孙丽", "朱明", "胡静", "郭强"}

// placeDemoOrder places one order at "at", pays it a few hours later and
// moves some of them on. It reports false when nothing was in stock.
func placeDemoOrder(ctx context.Context, db *pgxpool.Pool, base *order.Service, admin, buyer auth.Actor, at time.Time, rng *rand.Rand) (bool, error) {
	rows, err := db.Query(ctx, `SELECT v.id FROM product_variants v JOIN products p ON p.id = v.product_id
		JOIN cooperatives c ON c.id = p.cooperative_id
		WHERE v.active AND p.status = 'active' AND c.status = 'approved'
		AND EXISTS (SELECT 1 FROM lots l WHERE l.product_id = p.id AND l.remaining >= v.base_qty * 3) ORDER BY v.id`)
	if err != nil {
		return false, err
	}
	variants, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || len(variants) == 0 {
		return false, err
	}
	req := order.PlaceRequest{PaymentMethod: order.Manual, ShippingAddress: demoAddresses[rng.IntN(len(demoAddresses))]}
	for n := 1 + rng.IntN(3); n > 0; n-- {
		req.Items = append(req.Items, order.Item{VariantID: ids.ID(variants[rng.IntN(len(variants))]), Quantity: 1 + rng.IntN(3)})
	}
	svc := base.WithClock(clock.Fixed(at, nil))
	o, err := svc.Place(ctx, buyer, req)
	if errs.Is(err, errs.Conflict) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("demo order: %w", err)
	}
	paidAt := at.Add(time.Duration(2+rng.IntN(20)) * time.Hour)
	svc = base.WithClock(clock.Fixed(paidAt, nil))
	if _, err = svc.ConfirmManual(ctx, admin, int64(o.ID), fmt.Sprintf("农行对公 %s", paidAt.Format("20060102-150405"))); err != nil {
		return false, err
	}
	if rng.IntN(10) < 8 {
		for _, sh := range o.Shipments {
			coop := auth.Actor{UserID: admin.UserID, Roles: []auth.Role{auth.RoleCoopAdmin}, CooperativeID: int64(sh.CooperativeID)}
			if _, err := svc.Ship(ctx, coop, int64(o.ID), order.ShipRequest{Carrier: "中国邮政", TrackingNo: fmt.Sprintf("9%011d", rng.Int64N(1e11))}); err != nil {
				return false, err
			}
		}
		if rng.IntN(10) < 6 {
			if _, err := svc.ConfirmDelivered(ctx, buyer, int64(o.ID)); err != nil {
				return false, err
			}
		}
	}
	if rng.IntN(25) == 0 { // a broken box now and then
		l := o.Lines[0]
		req := order.RefundRequest{Reason: "运输破损，退一件", Lines: []order.RefundLine{{LineID: l.ID, Quantity: 1, AmountFen: l.UnitPriceFen}}}
		if _, err := svc.Refund(ctx, admin, int64(o.ID), req, nil); err != nil {
			return false, err
		}
	}
	return true, nil
}

var demoAddresses = []order.Address{
	{Name: "王建华", Phone: "13811112222", Province: "北京市", City: "北京市", District: "海淀区", Detail: "学院路 35 号"},
	{Name: "李秀英", Phone: "13922223333", Province: "广东省", City: "广州市", District: "天河区", Detail: "体育西路 101 号"},
	{Name: "陈静", Phone: "13733334444", Province: "上海市", City: "上海市", District: "浦东新区", Detail: "世纪大道 88 号"},
	{Name: "热依拉", Phone: "13644445555", Province: "新疆维吾尔自治区", City: "乌鲁木齐市", District: "天山区", Detail: "解放南路 12 号"},
	{Name: "马晓东", Phone: "15055556666", Province: "新疆维吾尔自治区", City: "和田地区", District: "和田市", Detail: "北京西路 6 号 机关食堂"},
	{Name: "周婷", Phone: "18966667777", Province: "浙江省", City: "杭州市", District: "西湖区", Detail: "文三路 20 号"},
}
