package order

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
)

// Config holds the order rules that are settings, not code.
type Config struct {
	TTL     time.Duration // unpaid orders expire after this
	Methods []string      // enabled payment methods
	Payee   Instructions  // bank account for manual payments (amount and reference per order)
	// OnPlaced runs inside the placing transaction (the jobs package
	// schedules the order's expiry there); nil does nothing.
	OnPlaced PlacedHook
}

// PlacedHook is called in the transaction that places an order.
type PlacedHook func(ctx context.Context, tx pgx.Tx, orderID int64, expiresAt time.Time) error

// WithClock returns a copy of the service whose "now" is clock: the demo
// places orders over a past year with it.
func (s *Service) WithClock(clock func() time.Time) *Service {
	c := *s
	c.now = clock
	return &c
}

// SetPlacedHook installs the hook after construction (the job client needs
// the service first).
func (s *Service) SetPlacedHook(h PlacedHook) { s.cfg.OnPlaced = h }

// Service runs the order use cases.
type Service struct {
	db  *pgxpool.Pool
	cfg Config
	now func() time.Time
}

// NewService returns the order service.
func NewService(db *pgxpool.Pool, cfg Config) *Service {
	return &Service{db: db, cfg: cfg, now: time.Now}
}

// variantRow is what checkout needs of a variant.
type variantRow struct {
	VariantID, ProductID, CoopID int64
	Title, Name                  string
	PriceFen, BaseMilli          int64
	Buyable                      bool
	FlatFen                      int64
	FreeFromFen                  *int64
}

// Shortage names an item that cannot be served and what is available.
type Shortage struct {
	VariantID ids.ID
	Available int64
}

// Place creates an order in one transaction: it allocates lots FIFO by
// received date with guarded updates (stock can never go below zero), and
// reserves nothing when any item is short (409 naming the items).
func (s *Service) Place(ctx context.Context, a auth.Actor, req PlaceRequest) (Order, error) {
	if a.Anonymous() {
		return Order{}, errs.E(errs.Unauthenticated, "sign in to place an order")
	}
	if err := req.Validate(s.cfg.Methods); err != nil {
		return Order{}, err
	}
	items := mergeItems(req.Items)
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return Order{}, err
	}
	defer tx.Rollback(ctx)
	variants, err := loadVariants(ctx, tx, items)
	if err != nil {
		return Order{}, err
	}
	// Lock products in id order so that concurrent checkouts never deadlock.
	sort.Slice(items, func(i, j int) bool {
		vi, vj := variants[int64(items[i].VariantID)], variants[int64(items[j].VariantID)]
		return vi.ProductID < vj.ProductID || vi.ProductID == vj.ProductID && vi.VariantID < vj.VariantID
	})
	allocs := make([][]allocation, len(items))
	var short []Shortage
	for i, it := range items {
		v := variants[int64(it.VariantID)]
		got, available, err := allocate(ctx, tx, v.ProductID, int64(it.Quantity)*v.BaseMilli)
		if err != nil {
			return Order{}, err
		}
		if got == nil {
			short = append(short, Shortage{VariantID: it.VariantID, Available: available / v.BaseMilli})
		}
		allocs[i] = got
	}
	if len(short) > 0 {
		return Order{}, shortageError(short)
	}
	id, err := s.insertOrder(ctx, tx, a, req, items, variants, allocs)
	if err != nil {
		return Order{}, err
	}
	if s.cfg.OnPlaced != nil {
		if err := s.cfg.OnPlaced(ctx, tx, id, s.now().Add(s.cfg.TTL)); err != nil {
			return Order{}, err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return Order{}, err
	}
	return s.get(ctx, s.db, id)
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

func loadVariants(ctx context.Context, tx pgx.Tx, items []Item) (map[int64]variantRow, error) {
	idList := make([]int64, len(items))
	for i, it := range items {
		idList[i] = int64(it.VariantID)
	}
	const q = `SELECT v.id, p.id, c.id, p.title, v.name, v.price_fen, (v.base_qty * 1000)::bigint,
			v.active AND p.status = 'active' AND c.status = 'approved', c.shipping_flat_fen, c.shipping_free_from_fen
		FROM product_variants v JOIN products p ON p.id = v.product_id JOIN cooperatives c ON c.id = p.cooperative_id
		WHERE v.id = ANY($1)`
	rows, err := tx.Query(ctx, q, idList)
	if err != nil {
		return nil, fmt.Errorf("load variants: %w", err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[variantRow])
	if err != nil {
		return nil, err
	}
	out := make(map[int64]variantRow, len(list))
	for _, v := range list {
		out[v.VariantID] = v
	}
	f := errs.FieldErrors{}
	for i, it := range items {
		if v, ok := out[int64(it.VariantID)]; !ok || !v.Buyable {
			f.Add(itemField(i, "variant_id"), "is not on sale")
		}
	}
	return out, f.Err("some items are not on sale")
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

// allocate takes need thousandths of base units from the product's lots,
// oldest first. It returns nil and what is available when stock is short.
// The lots are locked FOR UPDATE and each decrement is guarded by
// remaining >= units, so concurrent checkouts can never oversell.
func allocate(ctx context.Context, tx pgx.Tx, productID, need int64) ([]allocation, int64, error) {
	const lock = `SELECT id, (remaining * 1000)::bigint FROM lots
		WHERE product_id = $1 AND remaining > 0 ORDER BY received_on, id FOR UPDATE`
	rows, err := tx.Query(ctx, lock, productID)
	if err != nil {
		return nil, 0, fmt.Errorf("lock lots: %w", err)
	}
	lots, err := pgx.CollectRows(rows, pgx.RowToStructByPos[allocation])
	if err != nil {
		return nil, 0, err
	}
	var available int64
	for _, l := range lots {
		available += l.Milli
	}
	if available < need {
		return nil, available, nil
	}
	const take = `UPDATE lots SET remaining = remaining - $2::numeric / 1000
		WHERE id = $1 AND remaining * 1000 >= $2`
	var out []allocation
	for _, l := range lots {
		if need == 0 {
			break
		}
		n := min(l.Milli, need)
		tag, err := tx.Exec(ctx, take, l.LotID, n)
		if err != nil {
			return nil, 0, fmt.Errorf("take from lot %d: %w", l.LotID, err)
		}
		if tag.RowsAffected() != 1 {
			return nil, 0, errors.New("lot stock changed under its lock")
		}
		out = append(out, allocation{LotID: l.LotID, Milli: n})
		need -= n
	}
	return out, available, nil
}
