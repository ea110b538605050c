package catalog

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/region"
)

// productSelect is the product columns every read shares; visible is
// whether buyers may see the product.
const (
	productColumns = `SELECT p.id, p.cooperative_id, c.name, p.county_code, cty.name, coalesce(pref.code, ''),
		coalesce(pref.name, ''), p.title, p.description, p.category, p.base_unit, p.status, p.min_price_fen,
		p.created_at, p.updated_at, (p.status = 'active' AND c.status = 'approved') AS visible,
		p.title_ug, p.title_en, p.description_ug, p.description_en, c.name_ug, c.name_en,
		c.shipping_flat_fen, c.shipping_free_from_fen,
		cty.name_ug, cty.name_en, coalesce(pref.name_ug, ''), coalesce(pref.name_en, '')`
	productFrom = `
	FROM products p JOIN cooperatives c ON c.id = p.cooperative_id
	JOIN regions cty ON cty.code = p.county_code
	LEFT JOIN regions pref ON pref.code = cty.parent_code`
	productSelect = productColumns + productFrom
	// soldQty is what the product's lots have sold: popularity. It is read
	// from the lots rather than kept on the product, so that a checkout
	// writes no product row.
	soldQty  = `SELECT coalesce(sum(l.quantity - l.remaining), 0) FROM lots l WHERE l.product_id = p.id`
	soldJoin = ` CROSS JOIN LATERAL (` + soldQty + `) AS sold(qty)`
)

func scanProduct(r pgx.CollectableRow) (Product, error) {
	var p Product
	err := r.Scan(p.scanTargets()...)
	p.Variants, p.Images = []Variant{}, []Image{}
	p.localize(p.coopUg, p.coopEn)
	return p, err
}

// scanTargets are the destinations of productColumns, in order.
func (p *Product) scanTargets() []any {
	return []any{&p.ID, &p.CooperativeID, &p.CooperativeName, &p.CountyCode, &p.CountyName, &p.PrefectureCode,
		&p.PrefectureName, &p.Title, &p.Description, &p.Category, &p.BaseUnit, &p.Status, &p.MinPriceFen,
		&p.CreatedAt, &p.UpdatedAt, &p.Visible, &p.TitleUg, &p.TitleEn, &p.DescriptionUg, &p.DescriptionEn,
		&p.coopUg, &p.coopEn, &p.Shipping.FeeFen, &p.Shipping.FreeOverFen,
		&p.CountyNames.Ug, &p.CountyNames.En, &p.PrefectureNames.Ug, &p.PrefectureNames.En}
}

// GetProduct returns a product with its variants, stock, images,
// certificate, origin and current lot. Buyers see only visible products; the
// product's cooperative sees its own in any state.
func (s *Service) GetProduct(ctx context.Context, a auth.Actor, id int64) (Product, error) {
	const q = productSelect + ` WHERE p.id = $1`
	rows, err := s.reader().Query(ctx, q, id)
	if err != nil {
		return Product{}, fmt.Errorf("get product: %w", err)
	}
	p, err := pgx.CollectExactlyOneRow(rows, scanProduct)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !p.Visible && !a.ManagesCoop(int64(p.CooperativeID))) {
		return Product{}, errs.E(errs.NotFound, "product %d not found", id)
	}
	if err != nil {
		return Product{}, fmt.Errorf("get product: %w", err)
	}
	list := []Product{p}
	if err := s.fill(ctx, list, !p.Visible || a.ManagesCoop(int64(p.CooperativeID))); err != nil {
		return Product{}, err
	}
	p = list[0]
	if err := s.fillOrigin(ctx, &p); err != nil {
		return Product{}, err
	}
	// 销量: units of paid orders the buyers kept (refunds taken off).
	const qSold = `SELECT coalesce(sum(ol.quantity - ol.refunded_quantity), 0)::bigint
		FROM order_lines ol JOIN orders o ON o.id = ol.order_id WHERE ol.product_id = $1 AND o.paid_at IS NOT NULL`
	var sold int64
	if err := s.db.QueryRow(ctx, qSold, id).Scan(&sold); err != nil {
		return Product{}, fmt.Errorf("sold units: %w", err)
	}
	p.SoldUnits = &sold
	return p, nil
}

// fill loads variants (with stock and what reaches households), images,
// certificates and current lots of ps. allVariants includes inactive ones.
func (s *Service) fill(ctx context.Context, ps []Product, allVariants bool) error {
	if len(ps) == 0 {
		return nil
	}
	idList := make([]int64, len(ps))
	at := map[int64]int{}
	for i, p := range ps {
		idList[i] = int64(p.ID)
		at[int64(p.ID)] = i
	}
	// Stock: Σ remaining per product.
	const qStock = `SELECT product_id, coalesce(sum(remaining), 0) FROM lots WHERE product_id = ANY($1) GROUP BY product_id`
	rows, err := s.reader().Query(ctx, qStock, idList)
	if err != nil {
		return fmt.Errorf("stock: %w", err)
	}
	stock := map[int64]Qty{}
	var pid int64
	var rem Qty
	if _, err := pgx.ForEachRow(rows, []any{&pid, &rem}, func() error { stock[pid] = rem; return nil }); err != nil {
		return fmt.Errorf("stock: %w", err)
	}
	// Current lot: the first received that still has stock (FIFO).
	const qLot = `SELECT DISTINCT ON (l.product_id) l.product_id, l.id, l.trace_code, l.received_on::text, l.income_kind,
			coalesce(l.fen_per_unit, 0), coalesce(l.share_bps, 0),
			(SELECT count(*) FROM lot_contributions lc WHERE lc.lot_id = l.id)::int
		FROM lots l WHERE l.product_id = ANY($1) AND l.remaining > 0
		ORDER BY l.product_id, l.received_on, l.id`
	rows, err = s.reader().Query(ctx, qLot, idList)
	if err != nil {
		return fmt.Errorf("current lots: %w", err)
	}
	for rows.Next() {
		var l LotSummary
		if err := rows.Scan(&pid, &l.ID, &l.TraceCode, &l.ReceivedOn, &l.IncomeRule.Kind, &l.IncomeRule.FenPerUnit,
			&l.IncomeRule.BPS, &l.Households); err != nil {
			rows.Close()
			return fmt.Errorf("current lots: %w", err)
		}
		ps[at[pid]].CurrentLot = &l
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("current lots: %w", err)
	}
	const qVariants = `SELECT product_id, id, sku, name, price_fen, base_qty, active FROM product_variants
		WHERE product_id = ANY($1) AND (active OR $2) ORDER BY product_id, position, id`
	rows, err = s.reader().Query(ctx, qVariants, idList, allVariants)
	if err != nil {
		return fmt.Errorf("variants: %w", err)
	}
	for rows.Next() {
		var v Variant
		if err := rows.Scan(&pid, &v.ID, &v.SKU, &v.Name, &v.PriceFen, &v.BaseQty, &v.Active); err != nil {
			rows.Close()
			return fmt.Errorf("variants: %w", err)
		}
		p := &ps[at[pid]]
		if v.BaseQty > 0 {
			v.Available = int64(stock[pid]) / int64(v.BaseQty)
		}
		if p.CurrentLot != nil {
			v.ReachesFen = perVariantUnit(p.CurrentLot.IncomeRule, v.PriceFen, v.BaseQty)
		}
		p.Variants = append(p.Variants, v)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("variants: %w", err)
	}
	const qImages = `SELECT product_id, id, storage_key, content_type, width, height, thumb_widths, alt
		FROM product_images WHERE product_id = ANY($1) ORDER BY product_id, position, id`
	rows, err = s.reader().Query(ctx, qImages, idList)
	if err != nil {
		return fmt.Errorf("images: %w", err)
	}
	for rows.Next() {
		var id int64
		var key, ctype, alt string
		var w, h int
		var widths []int32
		if err := rows.Scan(&pid, &id, &key, &ctype, &w, &h, &widths, &alt); err != nil {
			rows.Close()
			return fmt.Errorf("images: %w", err)
		}
		p := &ps[at[pid]]
		p.Images = append(p.Images, imageOf(id, key, ctype, w, h, widths, alt))
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("images: %w", err)
	}
	const qCert = `SELECT DISTINCT ON (pc.product_id) pc.product_id, pc.id, pc.certificate_no, pc.county_code, r.name,
			pc.valid_from::text, pc.valid_until::text, pc.status, r.name_ug, r.name_en
		FROM product_certifications pc JOIN regions r ON r.code = pc.county_code
		WHERE pc.product_id = ANY($1) AND pc.status = 'confirmed' AND pc.valid_from <= $2 AND pc.valid_until >= $2
		ORDER BY pc.product_id, pc.valid_until DESC, pc.id DESC`
	rows, err = s.reader().Query(ctx, qCert, idList, s.Today())
	if err != nil {
		return fmt.Errorf("certificates: %w", err)
	}
	for rows.Next() {
		var c Certificate
		if err := rows.Scan(&pid, &c.ID, &c.Number, &c.CountyCode, &c.CountyName, &c.ValidFrom, &c.ValidUntil, &c.Status,
			&c.CountyNames.Ug, &c.CountyNames.En); err != nil {
			rows.Close()
			return fmt.Errorf("certificates: %w", err)
		}
		c.CountyNames.Zh = c.CountyName
		p := &ps[at[pid]]
		p.Certificate, p.Certified = &c, true
	}
	return rows.Err()
}

// fillOrigin adds the villages the product's lots came from and how many
// households contributed: places and counts, never people.
func (s *Service) fillOrigin(ctx context.Context, p *Product) error {
	const q = `SELECT v.code, v.name, count(DISTINCT lc.household_id)::int
		FROM lots l JOIN lot_contributions lc ON lc.lot_id = l.id
		JOIN households h ON h.id = lc.household_id
		JOIN regions v ON v.code = h.village_code
		WHERE l.product_id = $1 GROUP BY v.code, v.name ORDER BY v.code`
	rows, err := s.reader().Query(ctx, q, int64(p.ID))
	if err != nil {
		return fmt.Errorf("origin: %w", err)
	}
	o := &Origin{Villages: []Place{}}
	var pl Place
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&pl.Code, &pl.Name, &n}, func() error {
		o.Villages = append(o.Villages, pl)
		o.Households += n
		return nil
	}); err != nil {
		return fmt.Errorf("origin: %w", err)
	}
	p.Origin = o
	return nil
}

// Sort orders a product list.
type Sort string

const (
	SortPopular   Sort = "popular"
	SortNewest    Sort = "newest"
	SortPrice     Sort = "price"
	SortPriceDesc Sort = "price_desc"
)

// Filter selects products for a list; zero fields do not filter.
type Filter struct {
	Region        string // region code: products of its subtree
	Category      string
	CooperativeID int64
	Certified     *bool
	MinPriceFen   int64 // on the product's lowest variant price
	MaxPriceFen   int64
	Q             string
	Sort          Sort
	Limit         int
	Cursor        string
}

// Page is one page of a list.
type Page struct {
	Items      []Product `json:"items"`
	NextCursor string    `json:"next_cursor"`
}

type cursor struct {
	Sort Sort   `json:"s"`
	Key  string `json:"k"`
	ID   int64  `json:"i"`
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string, sort Sort) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &c) != nil || c.Sort != sort || c.ID <= 0 {
		return c, &errs.Error{Kind: errs.Invalid, Message: "the cursor is not valid for this list",
			Fields: map[string]string{"cursor": "is not valid for this list and sort"}}
	}
	return c, nil
}

// MaxLimit is the largest page.
const MaxLimit = 50

// List returns visible products matching f, one keyset page at a time.
func (s *Service) List(ctx context.Context, f Filter) (Page, error) {
	fe := map[string]string{}
	if f.Sort == "" {
		f.Sort = SortPopular
	}
	switch f.Sort {
	case SortPopular, SortNewest, SortPrice, SortPriceDesc:
	default:
		fe["sort"] = "must be popular, newest, price or price_desc"
	}
	if f.Limit == 0 {
		f.Limit = 20
	}
	if f.Limit < 1 || f.Limit > MaxLimit {
		fe["limit"] = fmt.Sprintf("must be 1 to %d", MaxLimit)
	}
	prefix := ""
	if f.Region != "" {
		lvl, err := region.LevelOfCode(f.Region)
		if err != nil || strings.Trim(f.Region, "0123456789") != "" {
			fe["region"] = "must be a region code"
		} else {
			prefix = region.Prefix(f.Region, lvl)
		}
	}
	if f.Category != "" {
		if _, ok := CategoryByCode(f.Category); !ok {
			fe["category"] = "must be one of " + categoryCodes()
		}
	}
	if f.MinPriceFen < 0 {
		fe["min_price"] = "must not be negative"
	}
	if f.MaxPriceFen < 0 || (f.MaxPriceFen > 0 && f.MaxPriceFen < f.MinPriceFen) {
		fe["max_price"] = "must not be below min_price"
	}
	var query Query
	if strings.TrimSpace(f.Q) != "" {
		if len([]rune(f.Q)) > 50 {
			fe["q"] = "must be at most 50 characters"
		} else {
			query, _ = ParseQuery(f.Q)
		}
	}
	if len(fe) > 0 {
		return Page{}, &errs.Error{Kind: errs.Invalid, Message: "the list parameters are not valid", Fields: fe}
	}
	var cur *cursor
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor, f.Sort)
		if err != nil {
			return Page{}, err
		}
		cur = &c
	}

	args := []any{}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	// A search ranks the products whose title holds every word first (then
	// the popular sort): a query's word found only in the description or
	// the cooperative's name must not outrank one in the title.
	title := "true"
	if len(query.Runs) > 0 {
		var conds []string
		for _, r := range query.Runs {
			a := arg(r) // in the title of any language
			conds = append(conds, `(strpos(lower(p.title), `+a+`) > 0 OR strpos(lower(p.title_ug), `+a+`) > 0 OR strpos(lower(p.title_en), `+a+`) > 0)`)
		}
		title = "(" + strings.Join(conds, " AND ") + ")"
	}
	// The sold quantity and the title match ride along for the cursor of the
	// popular sort.
	var b strings.Builder
	b.WriteString(productColumns + `, sold.qty, ` + title + productFrom + soldJoin + ` WHERE p.status = 'active' AND c.status = 'approved'`)
	if prefix != "" {
		pa := arg(prefix)
		if len(prefix) <= 6 {
			b.WriteString(` AND p.county_code LIKE ` + pa + ` || '%'`)
		} else {
			// Townships and villages: products whose lots came from there.
			b.WriteString(` AND EXISTS (SELECT 1 FROM lots l JOIN lot_contributions lc ON lc.lot_id = l.id
				JOIN households h ON h.id = lc.household_id
				WHERE l.product_id = p.id AND h.village_code LIKE ` + pa + ` || '%')`)
		}
	}
	if f.Category != "" {
		b.WriteString(` AND p.category = ` + arg(f.Category))
	}
	if f.CooperativeID != 0 {
		b.WriteString(` AND p.cooperative_id = ` + arg(f.CooperativeID))
	}
	if f.Certified != nil {
		not := ""
		if !*f.Certified {
			not = "NOT "
		}
		b.WriteString(` AND ` + not + `EXISTS (SELECT 1 FROM product_certifications pc WHERE pc.product_id = p.id
			AND pc.status = 'confirmed' AND pc.valid_from <= ` + arg(s.Today()) + ` AND pc.valid_until >= ` + arg(s.Today()) + `)`)
	}
	if f.MinPriceFen > 0 {
		b.WriteString(` AND p.min_price_fen >= ` + arg(f.MinPriceFen))
	}
	if f.MaxPriceFen > 0 {
		b.WriteString(` AND p.min_price_fen <= ` + arg(f.MaxPriceFen))
	}
	if len(query.Grams) > 0 {
		b.WriteString(` AND p.search_grams @> ` + arg(query.Grams) + `::text[]`)
		for _, t := range query.Long {
			b.WriteString(` AND strpos(p.search_text, ` + arg(t) + `) > 0`)
		}
	}
	if cur != nil {
		switch f.Sort {
		case SortNewest:
			b.WriteString(` AND p.id < ` + arg(cur.ID))
		case SortPopular:
			inTitle, qty, _ := strings.Cut(cur.Key, ":")
			k, err := ParseQty(qty)
			if err != nil || (inTitle != "0" && inTitle != "1") {
				return Page{}, errs.E(errs.Invalid, "the cursor is not valid for this list")
			}
			if title == "true" {
				b.WriteString(` AND (sold.qty, p.id) < (` + arg(k) + `::numeric, ` + arg(cur.ID) + `)`)
			} else {
				b.WriteString(` AND (` + title + `, sold.qty, p.id) < (` + arg(inTitle == "1") + `::bool, ` + arg(k) + `::numeric, ` + arg(cur.ID) + `)`)
			}
		case SortPrice, SortPriceDesc:
			k, err := strconv.ParseInt(cur.Key, 10, 64)
			if err != nil {
				return Page{}, errs.E(errs.Invalid, "the cursor is not valid for this list")
			}
			op := ">"
			if f.Sort == SortPriceDesc {
				op = "<"
			}
			b.WriteString(` AND (p.min_price_fen, p.id) ` + op + ` (` + arg(k) + `::bigint, ` + arg(cur.ID) + `)`)
		}
	}
	switch f.Sort {
	case SortNewest:
		b.WriteString(` ORDER BY p.id DESC`)
	case SortPopular:
		if title == "true" {
			b.WriteString(` ORDER BY sold.qty DESC, p.id DESC`)
		} else {
			b.WriteString(` ORDER BY ` + title + ` DESC, sold.qty DESC, p.id DESC`)
		}
	case SortPrice:
		b.WriteString(` ORDER BY p.min_price_fen, p.id`)
	case SortPriceDesc:
		b.WriteString(` ORDER BY p.min_price_fen DESC, p.id DESC`)
	}
	b.WriteString(` LIMIT ` + arg(f.Limit+1))
	rows, err := s.reader().Query(ctx, b.String(), args...)
	if err != nil {
		return Page{}, fmt.Errorf("list products: %w", err)
	}
	sold := map[ids.ID]string{}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Product, error) {
		var p Product
		var q Qty
		var inTitle bool
		err := r.Scan(append(p.scanTargets(), &q, &inTitle)...)
		p.Variants, p.Images = []Variant{}, []Image{}
		p.localize(p.coopUg, p.coopEn)
		sold[p.ID] = map[bool]string{true: "1:", false: "0:"}[inTitle] + q.String()
		return p, err
	})
	if err != nil {
		return Page{}, fmt.Errorf("list products: %w", err)
	}
	page := Page{Items: items}
	if len(items) > f.Limit {
		page.Items = items[:f.Limit]
		last := page.Items[f.Limit-1]
		c := cursor{Sort: f.Sort, ID: int64(last.ID)}
		switch f.Sort {
		case SortPopular:
			c.Key = sold[last.ID]
		case SortPrice, SortPriceDesc:
			c.Key = strconv.FormatInt(last.MinPriceFen, 10)
		}
		page.NextCursor = c.encode()
	}
	if err := s.fill(ctx, page.Items, false); err != nil {
		return Page{}, err
	}
	return page, nil
}

// Featured returns up to n visible products for the home page: certified
// first, then the best sellers, then the newest.
func (s *Service) Featured(ctx context.Context, n int) ([]Product, error) {
	const q = productSelect + ` WHERE p.status = 'active' AND c.status = 'approved'
		ORDER BY EXISTS (SELECT 1 FROM product_certifications pc WHERE pc.product_id = p.id AND pc.status = 'confirmed'
			AND pc.valid_from <= $2 AND pc.valid_until >= $2) DESC, (` + soldQty + `) DESC, p.id DESC
		LIMIT $1`
	rows, err := s.reader().Query(ctx, q, n, s.Today())
	if err != nil {
		return nil, fmt.Errorf("featured products: %w", err)
	}
	items, err := pgx.CollectRows(rows, scanProduct)
	if err != nil {
		return nil, fmt.Errorf("featured products: %w", err)
	}
	if err := s.fill(ctx, items, false); err != nil {
		return nil, err
	}
	return items, nil
}

// ListOwn returns every product of the actor's cooperative, in any state,
// newest first.
func (s *Service) ListOwn(ctx context.Context, a auth.Actor) ([]Product, error) {
	if err := requireCoopAdmin(a); err != nil {
		return nil, err
	}
	const q = productSelect + ` WHERE p.cooperative_id = $1 ORDER BY p.id DESC`
	rows, err := s.db.Query(ctx, q, a.CooperativeID)
	if err != nil {
		return nil, fmt.Errorf("own products: %w", err)
	}
	items, err := pgx.CollectRows(rows, scanProduct)
	if err != nil {
		return nil, fmt.Errorf("own products: %w", err)
	}
	if err := s.fill(ctx, items, true); err != nil {
		return nil, err
	}
	return items, nil
}

// IncomeThisYear is what sales put into registered households' income this
// calendar year (China Standard Time), net of refunds, from the attribution
// ledger that paid orders write (operating income: wages and dividends are
// the cooperatives' own); households counts those with a positive net.
func (s *Service) IncomeThisYear(ctx context.Context) (fen int64, households int, err error) {
	now := s.clock.Now()
	from := time.Date(now.Year(), 1, 1, 0, 0, 0, 0, now.Location())
	const q = `SELECT coalesce(sum(net), 0)::bigint, count(*) FILTER (WHERE net > 0)::int
		FROM (SELECT household_id, sum(amount_fen) AS net FROM attribution_entries
			WHERE at >= $1 AND at < $2 AND income_type = 'operating' GROUP BY household_id) x`
	if err := s.reader().QueryRow(ctx, q, from, from.AddDate(1, 0, 0)).Scan(&fen, &households); err != nil {
		return 0, 0, fmt.Errorf("income this year: %w", err)
	}
	return fen, households, nil
}
