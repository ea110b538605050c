package order

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/feed"
	"github.com/fupinmarket/market/internal/platform/clock"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
)

// Config holds the order rules that are settings, not code.
type Config struct {
	TTL time.Duration // unpaid orders paid online expire after this (the jobs package sweeps them)
	// TransferTTL is how long a bank transfer (对公转账) may take: an
	// institution's finance office needs days, not minutes (default TTL).
	TransferTTL time.Duration
	Methods     []string     // enabled payment methods
	Payee       Instructions // bank account for manual payments (amount and reference per order)
	Clock       clock.Clock  // now, and the day order numbers carry (Beijing)
	// Feed writes the supervising platform's events (sale.paid,
	// sale.refunded) in the paying and refunding transactions; nil: no feed.
	Feed *feed.Outbox
	// MaxUnpaidOrders and MaxUnitsPerVariant bound what one buyer holds
	// unpaid: so many orders, so many units of a variant over all of them
	// (a line holds at most MaxUnitsPerVariant too). Zero takes the
	// defaults.
	MaxUnpaidOrders, MaxUnitsPerVariant int
	// CancelIntent, when set, cancels the online payment (a PaymentIntent)
	// of an order cancelled or expired unpaid, after the cancellation
	// commits, outside any transaction, so that the buyer cannot pay it any
	// more. It reports its own failures: a payment it could not stop
	// arrives as a late payment, which an admin refunds whole.
	CancelIntent func(ctx context.Context, intentID string)
}

// Defaults of the holding limits (MARKET_MAX_UNPAID_ORDERS,
// MARKET_MAX_UNITS_PER_VARIANT).
const (
	DefaultMaxUnpaidOrders    = 5
	DefaultMaxUnitsPerVariant = 50
)

// WithClock returns a copy of the service whose "now" is clk: the demo
// places orders over a past year with it.
func (s *Service) WithClock(clk clock.Clock) *Service {
	c := *s
	c.cfg.Clock = clk
	return &c
}

// Service runs the order use cases.
type Service struct {
	db  *pgxpool.Pool
	cfg Config
}

// NewService returns the order service.
func NewService(db *pgxpool.Pool, cfg Config) *Service {
	if cfg.MaxUnpaidOrders <= 0 {
		cfg.MaxUnpaidOrders = DefaultMaxUnpaidOrders
	}
	if cfg.MaxUnitsPerVariant <= 0 {
		cfg.MaxUnitsPerVariant = DefaultMaxUnitsPerVariant
	}
	return &Service{db: db, cfg: cfg}
}

// variantRow is what checkout needs of a variant.
type variantRow struct {
	VariantID, ProductID, CoopID int64
	Title, Name                  string
	PriceFen, BaseMilli          int64
	Buyable                      bool
	FlatFen                      int64
	FreeFromFen                  *int64
	TitleUg, TitleEn             string // "" where none was entered
}

// Shortage names an item that cannot be served and what is available.
type Shortage struct {
	VariantID ids.ID
	Available int64
}

// Place creates an order in one transaction: it allocates lots FIFO by
// received date under row locks with guarded updates (stock can never go
// below zero), and reserves nothing when any item is short (409 naming the
// items). Two round trips of six statements: the first begins, takes the
// order's id and number, reads the variants and locks their lots; the
// second writes everything in one statement and commits. The answer is
// built from what was written (draft.order) rather than read back. The
// first round trip also takes the buyer's checkout lock and reads what the
// buyer holds unpaid, so that no buyer holds more than the limits however
// many checkouts they run at once (holds.go).
func (s *Service) Place(ctx context.Context, a auth.Actor, req PlaceRequest) (Order, error) {
	if a.Anonymous() {
		return Order{}, errs.E(errs.Unauthenticated, "sign in to place an order")
	}
	if err := req.Validate(s.cfg.Methods, s.cfg.MaxUnitsPerVariant); err != nil {
		return Order{}, err
	}
	items := mergeItems(req.Items)
	b := &pgx.Batch{}
	// Checkout's statements are point lookups whichever items are asked
	// for, but a custom plan looks cheaper to PostgreSQL for the variants'
	// three-way join on = ANY($1), so it would plan it anew every time:
	// generic plans for this transaction (set_config(…, true) is SET LOCAL).
	d := &draft{actor: a, req: req, now: s.cfg.Clock.Now(), token: auth.RandomToken(16)}
	b.Queue(`SELECT nextval('orders_id_seq'), nextval('order_number_seq'), set_config('plan_cache_mode', 'force_generic_plan', true)`).
		QueryRow(func(r pgx.Row) error { return r.Scan(&d.id, &d.seq, nil) })
	held := queueHoldings(b, a.UserID, items, d.now)
	variants := queueVariants(b, items)
	stock := queueLockLots(b, items)
	tx, err := beginPipe(ctx, s.db, b)
	if err != nil {
		return Order{}, err
	}
	defer tx.close(ctx)
	if err := held.check(req.Items, s.cfg.MaxUnpaidOrders, s.cfg.MaxUnitsPerVariant); err != nil {
		return Order{}, err
	}
	if err := variants.check(items); err != nil {
		return Order{}, err
	}
	// Lines follow product (then variant) order, as the lots were locked.
	sort.Slice(items, func(i, j int) bool {
		vi, vj := variants.byID[int64(items[i].VariantID)], variants.byID[int64(items[j].VariantID)]
		return vi.ProductID < vj.ProductID || vi.ProductID == vj.ProductID && vi.VariantID < vj.VariantID
	})
	allocs, short := stock.allocate(items, variants.byID)
	if len(short) > 0 {
		return Order{}, shortageError(short)
	}
	d.rows = newOrderRows(items, variants.byID, allocs)
	b = &pgx.Batch{}
	s.queueInsert(b, d)
	if err := tx.commit(ctx, b); err != nil {
		return Order{}, err
	}
	return s.decorate(d.order(s.cfg.ttl(req.PaymentMethod))), nil
}

func mergeItems(in []Item) []Item {
	byVariant := map[ids.ID]int{}
	var out []Item
	for _, it := range in {
		if i, ok := byVariant[it.VariantID]; ok {
			out[i].Quantity += it.Quantity
			continue
		}
		byVariant[it.VariantID] = len(out)
		out = append(out, it)
	}
	return out
}

// variantSet is the variants an order asks for, read in its first batch.
type variantSet struct {
	byID map[int64]variantRow
}

func queueVariants(b *pgx.Batch, items []Item) *variantSet {
	const q = `SELECT v.id, p.id, c.id, p.title, v.name, v.price_fen, (v.base_qty * 1000)::bigint,
			v.active AND p.status = 'active' AND c.status = 'approved', c.shipping_flat_fen, c.shipping_free_from_fen,
			p.title_ug, p.title_en
		FROM product_variants v JOIN products p ON p.id = v.product_id JOIN cooperatives c ON c.id = p.cooperative_id
		WHERE v.id = ANY($1)`
	vs := &variantSet{byID: map[int64]variantRow{}}
	b.Queue(q, variantIDs(items)).Query(func(rows pgx.Rows) error {
		list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[variantRow])
		for _, v := range list {
			vs.byID[v.VariantID] = v
		}
		return err
	})
	return vs
}

func variantIDs(items []Item) []int64 {
	out := make([]int64, len(items))
	for i, it := range items {
		out[i] = int64(it.VariantID)
	}
	return out
}

// check names every item that is not on sale.
func (vs *variantSet) check(items []Item) error {
	f := errs.FieldErrors{}
	for i, it := range items {
		if v, ok := vs.byID[int64(it.VariantID)]; !ok || !v.Buyable {
			f.Add(itemField(i, "variant_id"), "is not on sale")
		}
	}
	return f.Err("some items are not on sale")
}

func shortageError(short []Shortage) error {
	fields := map[string]string{}
	for _, sh := range short {
		fields["variant "+sh.VariantID.String()] = fmt.Sprintf("only %d available", sh.Available)
	}
	return &errs.Error{Kind: errs.Conflict, Message: "not enough stock for some items; nothing was reserved", Fields: fields}
}

// allocation is base units (thousandths) taken from one lot.
type allocation struct {
	LotID int64
	Milli int64
}

// lockedStock is the lots with stock of the ordered products, locked.
type lockedStock struct {
	byProduct map[int64][]allocation // what each lot holds, oldest first
}

// queueLockLots queues the lock of every lot with stock of the items'
// products in (product, received date, id) order: concurrent checkouts take
// them in one global order and never deadlock. NO KEY UPDATE is the lock
// the decrement takes anyway; unlike FOR UPDATE it lets other transactions'
// foreign-key checks on the lot (a payment's ledger entries) through.
func queueLockLots(b *pgx.Batch, items []Item) *lockedStock {
	const q = `SELECT l.product_id, l.id, (l.remaining * 1000)::bigint FROM lots l
		WHERE l.product_id IN (SELECT product_id FROM product_variants WHERE id = ANY($1)) AND l.remaining > 0
		ORDER BY l.product_id, l.received_on, l.id FOR NO KEY UPDATE OF l`
	st := &lockedStock{byProduct: map[int64][]allocation{}}
	b.Queue(q, variantIDs(items)).Query(func(rows pgx.Rows) error {
		var product int64
		var lot allocation
		_, err := pgx.ForEachRow(rows, []any{&product, &lot.LotID, &lot.Milli}, func() error {
			st.byProduct[product] = append(st.byProduct[product], lot)
			return nil
		})
		return err
	})
	return st
}

// allocate takes each item's base units from its product's lots, oldest
// first. Items short of stock take nothing and are returned with what is
// available to them.
func (st *lockedStock) allocate(items []Item, variants map[int64]variantRow) ([][]allocation, []Shortage) {
	allocs := make([][]allocation, len(items))
	var short []Shortage
	for i, it := range items {
		v := variants[int64(it.VariantID)]
		lots := st.byProduct[v.ProductID]
		need := int64(it.Quantity) * v.BaseMilli
		var available int64
		for _, l := range lots {
			available += l.Milli
		}
		if available < need {
			short = append(short, Shortage{VariantID: it.VariantID, Available: available / v.BaseMilli})
			continue
		}
		for j := range lots {
			if need == 0 {
				break
			}
			n := min(lots[j].Milli, need)
			if n == 0 {
				continue
			}
			allocs[i] = append(allocs[i], allocation{LotID: lots[j].LotID, Milli: n})
			lots[j].Milli -= n
			need -= n
		}
	}
	return allocs, short
}

// ttl is how long an unpaid order of the payment method is held.
func (c Config) ttl(method string) time.Duration {
	if method == Manual && c.TransferTTL > 0 {
		return c.TransferTTL
	}
	return c.TTL
}
