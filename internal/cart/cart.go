// Package cart keeps shopping carts: in Redis for visitors (losing one costs
// a visitor a re-add, nothing more) and in PostgreSQL for signed-in buyers,
// merged when a visitor signs in.
package cart

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/fupinmarket/market/internal/coop"
	"github.com/fupinmarket/market/internal/media"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/text"
)

// VisitorTTL is how long a visitor's cart is kept after its last change.
const VisitorTTL = 30 * 24 * time.Hour

// MaxQuantity bounds one item.
const MaxQuantity = 999

// Owner identifies a cart: a signed-in user, or a visitor's cart id.
type Owner struct {
	UserID    int64
	VisitorID string
}

// Item is a variant and quantity in a cart, with what the page shows.
type Item struct {
	VariantID   ids.ID `json:"variant_id"`
	ProductID   ids.ID `json:"product_id"`
	Title       string `json:"title"`
	VariantName string `json:"variant_name"`
	PriceFen    int64  `json:"price_fen"`
	Quantity    int    `json:"quantity"`
	Buyable     bool   `json:"buyable"`
	CoopName    string `json:"cooperative_name"`
	CoopID      ids.ID `json:"cooperative_id"`
	Thumb       string `json:"thumb,omitempty"` // the product's first picture, small
	// Names and CoopNames are the product's title and the cooperative's
	// name in every language entered (Title and CoopName are the Chinese).
	Names     text.Names `json:"names"`
	CoopNames text.Names `json:"cooperative_names"`
	// Shipping is the cooperative's terms, for the cart's shipping preview.
	Shipping coop.ShippingTerms `json:"-"`
}

// TitleIn is the product's title in lang, Chinese when it has none there.
func (i Item) TitleIn(lang string) string {
	return text.Names{Zh: i.Title, Ug: i.Names.Ug, En: i.Names.En}.In(lang)
}

// CoopNameIn is the cooperative's name in lang, Chinese when it has none there.
func (i Item) CoopNameIn(lang string) string {
	return text.Names{Zh: i.CoopName, Ug: i.CoopNames.Ug, En: i.CoopNames.En}.In(lang)
}

// AmountFen is the item's price times quantity.
func (i Item) AmountFen() int64 { return i.PriceFen * int64(i.Quantity) }

// Store reads and writes carts.
type Store struct {
	db     *pgxpool.Pool
	rdb    redis.UniversalClient
	prefix string
}

// New returns a cart store.
func New(db *pgxpool.Pool, rdb redis.UniversalClient, prefix string) *Store {
	return &Store{db: db, rdb: rdb, prefix: prefix + "cart:"}
}

// Set puts quantity of a variant in the cart (0 removes it).
func (s *Store) Set(ctx context.Context, o Owner, variantID int64, quantity int) error {
	if quantity < 0 || quantity > MaxQuantity {
		return errs.Validation("the quantity is not valid", map[string]string{"quantity": "must be between 0 and 999"})
	}
	if err := s.checkVariant(ctx, variantID); err != nil {
		return err
	}
	if o.UserID != 0 {
		if quantity == 0 {
			_, err := s.db.Exec(ctx, `DELETE FROM cart_items WHERE user_id = $1 AND variant_id = $2`, o.UserID, variantID)
			return err
		}
		const q = `INSERT INTO cart_items (user_id, variant_id, quantity) VALUES ($1, $2, $3)
			ON CONFLICT (user_id, variant_id) DO UPDATE SET quantity = excluded.quantity`
		_, err := s.db.Exec(ctx, q, o.UserID, variantID, quantity)
		return err
	}
	key := s.prefix + o.VisitorID
	pipe := s.rdb.TxPipeline()
	if quantity == 0 {
		pipe.HDel(ctx, key, strconv.FormatInt(variantID, 10))
	} else {
		pipe.HSet(ctx, key, strconv.FormatInt(variantID, 10), quantity)
	}
	pipe.Expire(ctx, key, VisitorTTL)
	_, err := pipe.Exec(ctx)
	return err
}

// addScript adds ARGV[2] to field ARGV[1] of a visitor's cart (KEYS[1]),
// at most ARGV[3], and keeps the cart ARGV[4] milliseconds: one script, so
// that two adds at once both count. The cart is one key, in one slot of a
// Redis Cluster.
var addScript = redis.NewScript(`
local n = redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2])
if n > tonumber(ARGV[3]) then
  n = tonumber(ARGV[3])
  redis.call('HSET', KEYS[1], ARGV[1], n)
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return n`)

// Add increases the quantity of a variant, up to MaxQuantity. The increment
// happens in the store (one statement, one script) rather than as a read
// then a write: a double tap on 加入购物车, or two tabs, add twice.
func (s *Store) Add(ctx context.Context, o Owner, variantID int64, quantity int) error {
	if quantity < 1 {
		return errs.Validation("the quantity is not valid", map[string]string{"quantity": "must be between 1 and 999"})
	}
	quantity = min(quantity, MaxQuantity) // more than the maximum fills the line, as before
	if err := s.checkVariant(ctx, variantID); err != nil {
		return err
	}
	if o.UserID != 0 {
		const q = `INSERT INTO cart_items (user_id, variant_id, quantity) VALUES ($1, $2, $3)
			ON CONFLICT (user_id, variant_id) DO UPDATE SET quantity = least(cart_items.quantity + excluded.quantity, $4)`
		_, err := s.db.Exec(ctx, q, o.UserID, variantID, quantity, MaxQuantity)
		return err
	}
	err := addScript.Run(ctx, s.rdb, []string{s.prefix + o.VisitorID},
		strconv.FormatInt(variantID, 10), quantity, MaxQuantity, VisitorTTL.Milliseconds()).Err()
	if err != nil {
		return fmt.Errorf("visitor cart: %w", err)
	}
	return nil
}

func (s *Store) checkVariant(ctx context.Context, variantID int64) error {
	var ok bool
	err := s.db.QueryRow(ctx, `SELECT true FROM product_variants WHERE id = $1`, variantID).Scan(&ok)
	if errors.Is(err, pgx.ErrNoRows) {
		return errs.Validation("the item is not valid", map[string]string{"variant_id": "no such variant"})
	}
	return err
}

// quantities returns variant → quantity.
func (s *Store) quantities(ctx context.Context, o Owner) (map[int64]int, error) {
	out := map[int64]int{}
	if o.UserID != 0 {
		rows, err := s.db.Query(ctx, `SELECT variant_id, quantity FROM cart_items WHERE user_id = $1`, o.UserID)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var v int64
			var q int
			if err := rows.Scan(&v, &q); err != nil {
				return nil, err
			}
			out[v] = q
		}
		return out, rows.Err()
	}
	if o.VisitorID == "" {
		return out, nil
	}
	m, err := s.rdb.HGetAll(ctx, s.prefix+o.VisitorID).Result()
	if err != nil {
		return nil, fmt.Errorf("visitor cart: %w", err)
	}
	for k, v := range m {
		id, err1 := strconv.ParseInt(k, 10, 64)
		q, err2 := strconv.Atoi(v)
		if err1 == nil && err2 == nil && q > 0 {
			out[id] = q
		}
	}
	return out, nil
}

// Items lists the cart with current prices, in the order variants were made.
func (s *Store) Items(ctx context.Context, o Owner) ([]Item, error) {
	qty, err := s.quantities(ctx, o)
	if err != nil || len(qty) == 0 {
		return nil, err
	}
	variants := make([]int64, 0, len(qty))
	for v := range qty {
		variants = append(variants, v)
	}
	const q = `SELECT v.id, p.id, p.title, v.name, v.price_fen,
			v.active AND p.status = 'active' AND c.status = 'approved', c.name, c.id,
			coalesce((SELECT i.storage_key FROM product_images i WHERE i.product_id = p.id ORDER BY i.position, i.id LIMIT 1), ''),
			c.shipping_flat_fen, c.shipping_free_from_fen, p.title_ug, p.title_en, c.name_ug, c.name_en
		FROM product_variants v JOIN products p ON p.id = v.product_id JOIN cooperatives c ON c.id = p.cooperative_id
		WHERE v.id = ANY($1) ORDER BY c.id, v.id`
	rows, err := s.db.Query(ctx, q, variants)
	if err != nil {
		return nil, err
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Item, error) {
		var it Item
		var key string
		err := r.Scan(&it.VariantID, &it.ProductID, &it.Title, &it.VariantName, &it.PriceFen, &it.Buyable, &it.CoopName,
			&it.CoopID, &key, &it.Shipping.FlatFen, &it.Shipping.FreeFromFen, &it.Names.Ug, &it.Names.En,
			&it.CoopNames.Ug, &it.CoopNames.En)
		it.Names.Zh, it.CoopNames.Zh = it.Title, it.CoopName
		if key != "" {
			it.Thumb = "/media/" + media.ThumbName(key, media.ThumbWidths[0])
		}
		return it, err
	})
	for i := range items {
		items[i].Quantity = qty[int64(items[i].VariantID)]
	}
	return items, err
}

// Merge moves a visitor's cart into the user's at sign-in, adding
// quantities, and forgets the visitor cart.
func (s *Store) Merge(ctx context.Context, visitorID string, userID int64) error {
	if visitorID == "" {
		return nil
	}
	qty, err := s.quantities(ctx, Owner{VisitorID: visitorID})
	if err != nil || len(qty) == 0 {
		return err
	}
	const q = `INSERT INTO cart_items (user_id, variant_id, quantity) SELECT $1, v.id, $3 FROM product_variants v WHERE v.id = $2
		ON CONFLICT (user_id, variant_id) DO UPDATE SET quantity = least(cart_items.quantity + excluded.quantity, 999)`
	batch := &pgx.Batch{}
	for v, n := range qty {
		batch.Queue(q, userID, v, n)
	}
	if err := s.db.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("merge cart: %w", err)
	}
	return s.rdb.Del(ctx, s.prefix+visitorID).Err()
}

// Clear empties the cart (after checkout).
func (s *Store) Clear(ctx context.Context, o Owner) error {
	if o.UserID != 0 {
		_, err := s.db.Exec(ctx, `DELETE FROM cart_items WHERE user_id = $1`, o.UserID)
		return err
	}
	return s.rdb.Del(ctx, s.prefix+o.VisitorID).Err()
}
