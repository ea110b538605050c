package catalog

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/media"
	"github.com/fupinmarket/market/internal/platform/clock"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/postgres"
)

// Service runs the catalog's use cases.
type Service struct {
	db      *pgxpool.Pool
	media   media.Storage
	changed func(context.Context)
	clock   clock.Clock
	changes atomic.Pointer[changes] // set by Listen (changes.go)
	reads   *postgres.Reads         // the replica for buyers' pages (replica.go); nil: db
	direct  *pgxpool.Pool           // the primary without a pooler, for LISTEN; nil: db
}

// New returns the catalog on db, keeping images in st. changed is called
// after every committed write that alters what buyers see (it bumps the page
// cache); it may be nil. Such a write also moves this process's cache
// version at once (changes.go), before its notification arrives.
func New(db *pgxpool.Pool, st media.Storage, changed func(context.Context)) *Service {
	if changed == nil {
		changed = func(context.Context) {}
	}
	s := &Service{db: db, media: st}
	s.changed = func(ctx context.Context) {
		if c := s.changes.Load(); c != nil {
			c.local.Add(1)
		}
		changed(ctx)
	}
	return s
}

// Media is the storage images are kept in.
func (s *Service) Media() media.Storage { return s.media }

// Today is the current day in the clock's zone (Beijing): certificates'
// validity and lots' dates are days there. It is midnight UTC of that date,
// as PostgreSQL's date values are read.
func (s *Service) Today() time.Time {
	y, m, d := s.clock.Now().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// SetClock sets the clock (the configured zone; tests pin the time).
func (s *Service) SetClock(c clock.Clock) { s.clock = c }

// MediaPrefix is the URL path images are served under.
const MediaPrefix = "/media/"

// coopOf checks that actor administers an approved cooperative and returns it.
type coopInfo struct {
	ID             int64
	Name           string
	Status         string
	CountyCode     string
	CountyName     string
	PrefectureName string
	// The cooperative's, county's and prefecture's other names, for search.
	OtherNames []string
}

func requireCoopAdmin(a auth.Actor) error {
	if a.Anonymous() {
		return errs.E(errs.Unauthenticated, "sign in first")
	}
	if !a.Has(auth.RoleCoopAdmin) || a.CooperativeID == 0 {
		return errs.E(errs.Forbidden, "only a cooperative's administrator may do this")
	}
	return nil
}

func loadCoop(ctx context.Context, tx pgx.Tx, id int64) (coopInfo, error) {
	const q = `SELECT c.id, c.name, c.status, c.county_code, cty.name, coalesce(pref.name, ''),
			ARRAY[c.name_ug, c.name_en, cty.name_ug, cty.name_en, coalesce(pref.name_ug, ''), coalesce(pref.name_en, '')]
		FROM cooperatives c JOIN regions cty ON cty.code = c.county_code
		LEFT JOIN regions pref ON pref.code = cty.parent_code
		WHERE c.id = $1 FOR SHARE OF c`
	var c coopInfo
	err := tx.QueryRow(ctx, q, id).Scan(&c.ID, &c.Name, &c.Status, &c.CountyCode, &c.CountyName, &c.PrefectureName, &c.OtherNames)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, errs.E(errs.Forbidden, "your cooperative is not registered")
	}
	if err != nil {
		return c, fmt.Errorf("load cooperative: %w", err)
	}
	if c.Status != "approved" {
		return c, errs.E(errs.Forbidden, "your cooperative is not approved yet; products can be listed once it is")
	}
	return c, nil
}

// ownedProduct locks product id for a write by actor's cooperative. A
// product of another cooperative is 403 when buyers can see it, else 404.
func ownedProduct(ctx context.Context, tx pgx.Tx, a auth.Actor, id int64) (productRow, coopInfo, error) {
	const q = `SELECT p.id, p.cooperative_id, p.title, p.description, p.category, p.base_unit, p.status,
			(p.status = 'active' AND c.status = 'approved'), p.title_ug, p.title_en, p.description_ug, p.description_en
		FROM products p JOIN cooperatives c ON c.id = p.cooperative_id WHERE p.id = $1 FOR UPDATE OF p`
	var p productRow
	err := tx.QueryRow(ctx, q, id).Scan(&p.ID, &p.CooperativeID, &p.Title, &p.Description, &p.Category, &p.BaseUnit, &p.Status, &p.Visible,
		&p.TitleUg, &p.TitleEn, &p.DescriptionUg, &p.DescriptionEn)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, coopInfo{}, errs.E(errs.NotFound, "product %d not found", id)
	}
	if err != nil {
		return p, coopInfo{}, fmt.Errorf("load product: %w", err)
	}
	if !a.ManagesCoop(p.CooperativeID) {
		if p.Visible {
			return p, coopInfo{}, errs.E(errs.Forbidden, "this product belongs to another cooperative")
		}
		return p, coopInfo{}, errs.E(errs.NotFound, "product %d not found", id)
	}
	c, err := loadCoop(ctx, tx, p.CooperativeID)
	return p, c, err
}

type productRow struct {
	ID            int64
	CooperativeID int64
	Title         string
	Description   string
	Category      string
	BaseUnit      string
	Status        Status
	Visible       bool
	TitleUg       string
	TitleEn       string
	DescriptionUg string
	DescriptionEn string
}

// CreateProduct lists a new product of the actor's cooperative.
func (s *Service) CreateProduct(ctx context.Context, a auth.Actor, in ProductInput) (Product, error) {
	if err := requireCoopAdmin(a); err != nil {
		return Product{}, err
	}
	in.normalise()
	f := map[string]string{}
	in.validate(f)
	if len(f) > 0 {
		return Product{}, errs.Validation("the product is not valid", f)
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return Product{}, err
	}
	defer tx.Rollback(ctx)
	coop, err := loadCoop(ctx, tx, a.CooperativeID)
	if err != nil {
		return Product{}, err
	}
	const q = `INSERT INTO products (cooperative_id, county_code, title, description, category, base_unit, status,
			min_price_fen, search_text, search_grams, created_by, title_ug, title_en, description_ug, description_en)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`
	text := productSearchText(in, coop)
	var id int64
	if err := tx.QueryRow(ctx, q, coop.ID, coop.CountyCode, in.Title, in.Description, in.Category, in.BaseUnit,
		in.Status, minPrice(in.Variants), text, Grams(text), nullUser(a),
		in.TitleUg, in.TitleEn, in.DescriptionUg, in.DescriptionEn).Scan(&id); err != nil {
		return Product{}, fmt.Errorf("insert product: %w", err)
	}
	if err := insertVariants(ctx, tx, id, in.Variants, 0); err != nil {
		return Product{}, err
	}
	if err := tx.Commit(ctx); err != nil {
		return Product{}, err
	}
	s.changed(ctx)
	return s.GetProduct(ctx, a, id)
}

func insertVariants(ctx context.Context, tx pgx.Tx, productID int64, vs []VariantInput, from int) error {
	const q = `INSERT INTO product_variants (product_id, sku, name, price_fen, base_qty, position)
		VALUES ($1, $2, $3, $4, $5, $6)`
	for i, v := range vs {
		if _, err := tx.Exec(ctx, q, productID, v.SKU, v.Name, v.PriceFen, v.BaseQty, from+i); err != nil {
			var pe *pgconn.PgError
			if errors.As(err, &pe) && pe.Code == "23505" {
				return errs.Validation("the product is not valid", map[string]string{
					fmt.Sprintf("variants[%d].sku", from+i): "is already used by a variant of this product"})
			}
			return fmt.Errorf("insert variant: %w", err)
		}
	}
	return nil
}

func minPrice(vs []VariantInput) int64 {
	var m int64
	for _, v := range vs {
		if m == 0 || v.PriceFen < m {
			m = v.PriceFen
		}
	}
	return m
}

func nullUser(a auth.Actor) *int64 {
	if a.UserID == 0 {
		return nil
	}
	id := a.UserID
	return &id
}

// productSearchText is what a product is found by: its titles and
// descriptions in every language, its category's labels, its cooperative's,
// county's and prefecture's names (q=jujube, قىزىل چىلان and 枣 all find
// the red dates).
func productSearchText(in ProductInput, c coopInfo) string {
	cat, _ := CategoryByCode(in.Category)
	parts := []string{in.Title, in.Description, in.TitleUg, in.TitleEn, in.DescriptionUg, in.DescriptionEn,
		cat.NameZh, cat.NameEn, cat.NameUg, c.Name, c.CountyName, c.PrefectureName}
	return searchText(append(parts, c.OtherNames...)...)
}

// UpdateProduct changes a product of the actor's cooperative.
func (s *Service) UpdateProduct(ctx context.Context, a auth.Actor, id int64, p ProductPatch) (Product, error) {
	if err := requireCoopAdmin(a); err != nil {
		return Product{}, err
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return Product{}, err
	}
	defer tx.Rollback(ctx)
	row, coop, err := ownedProduct(ctx, tx, a, id)
	if err != nil {
		return Product{}, err
	}
	existing, err := variantsOf(ctx, tx, id)
	if err != nil {
		return Product{}, err
	}
	in := ProductInput{Title: row.Title, Description: row.Description, Category: row.Category, BaseUnit: row.BaseUnit, Status: row.Status,
		TitleUg: row.TitleUg, TitleEn: row.TitleEn, DescriptionUg: row.DescriptionUg, DescriptionEn: row.DescriptionEn}
	for _, v := range existing {
		if v.Active {
			in.Variants = append(in.Variants, VariantInput{ID: v.ID, SKU: v.SKU, Name: v.Name, PriceFen: v.PriceFen, BaseQty: v.BaseQty})
		}
	}
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&in.Title, p.Title)
	set(&in.Description, p.Description)
	set(&in.TitleUg, p.TitleUg)
	set(&in.TitleEn, p.TitleEn)
	set(&in.DescriptionUg, p.DescriptionUg)
	set(&in.DescriptionEn, p.DescriptionEn)
	set(&in.Category, p.Category)
	set(&in.BaseUnit, p.BaseUnit)
	if p.Status != nil {
		in.Status = *p.Status
		if in.Status == "" {
			in.Status = "?"
		}
	}
	if p.Variants != nil {
		in.Variants = *p.Variants
	}
	in.normalise()
	f := map[string]string{}
	in.validate(f)
	byID := map[ids.ID]Variant{}
	bySKU := map[string]Variant{}
	for _, v := range existing {
		byID[v.ID] = v
		bySKU[strings.ToLower(v.SKU)] = v
	}
	for i, v := range in.Variants {
		if v.ID != 0 {
			if _, ok := byID[v.ID]; !ok {
				f[fmt.Sprintf("variants[%d].id", i)] = "is not a variant of this product"
			}
		}
		if old, ok := bySKU[strings.ToLower(v.SKU)]; ok && old.ID != v.ID {
			k := fmt.Sprintf("variants[%d].sku", i)
			if _, dup := f[k]; !dup {
				f[k] = "is already used by another variant of this product; send its id to change it"
			}
		}
	}
	unitFixed, err := baseUnitFixed(ctx, tx, id, row.BaseUnit, in.BaseUnit)
	if err != nil {
		return Product{}, err
	}
	if len(f) > 0 {
		if _, ok := f["base_unit"]; unitFixed && !ok {
			f["base_unit"] = baseUnitFixedReason
		}
		return Product{}, errs.Validation("the product is not valid", f)
	}
	if unitFixed {
		return Product{}, &errs.Error{Kind: errs.Conflict, Message: "the base unit cannot change once lots are recorded in it",
			Fields: map[string]string{"base_unit": baseUnitFixedReason}}
	}
	const q = `UPDATE products SET title = $2, description = $3, category = $4, base_unit = $5, status = $6,
			min_price_fen = $7, search_text = $8, search_grams = $9, title_ug = $10, title_en = $11,
			description_ug = $12, description_en = $13, updated_at = now()
		WHERE id = $1`
	text := productSearchText(in, coop)
	if _, err := tx.Exec(ctx, q, id, in.Title, in.Description, in.Category, in.BaseUnit, in.Status,
		minPrice(in.Variants), text, Grams(text), in.TitleUg, in.TitleEn, in.DescriptionUg, in.DescriptionEn); err != nil {
		return Product{}, fmt.Errorf("update product: %w", err)
	}
	if p.Variants != nil {
		if err := replaceVariants(ctx, tx, id, existing, in.Variants); err != nil {
			return Product{}, err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return Product{}, err
	}
	s.changed(ctx)
	return s.GetProduct(ctx, a, id)
}

// replaceVariants makes the product's active variants exactly vs.
func replaceVariants(ctx context.Context, tx pgx.Tx, productID int64, existing []Variant, vs []VariantInput) error {
	keep := map[ids.ID]bool{}
	for _, v := range vs {
		if v.ID != 0 {
			keep[v.ID] = true
		}
	}
	const off = `UPDATE product_variants SET active = false WHERE id = $1`
	for _, v := range existing {
		if !keep[v.ID] && v.Active {
			if _, err := tx.Exec(ctx, off, v.ID); err != nil {
				return fmt.Errorf("deactivate variant: %w", err)
			}
		}
	}
	const upd = `UPDATE product_variants SET sku = $2, name = $3, price_fen = $4, base_qty = $5, position = $6, active = true
		WHERE id = $1 AND product_id = $7`
	next := len(existing)
	for i, v := range vs {
		if v.ID != 0 {
			if _, err := tx.Exec(ctx, upd, v.ID, v.SKU, v.Name, v.PriceFen, v.BaseQty, i, productID); err != nil {
				return fmt.Errorf("update variant: %w", err)
			}
			continue
		}
		if err := insertVariants(ctx, tx, productID, []VariantInput{v}, next); err != nil {
			var e *errs.Error
			if errors.As(err, &e) {
				return errs.Validation("the product is not valid", map[string]string{
					fmt.Sprintf("variants[%d].sku", i): "is already used by a variant of this product"})
			}
			return err
		}
		next++
	}
	return nil
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func variantsOf(ctx context.Context, db querier, productID int64) ([]Variant, error) {
	const q = `SELECT id, sku, name, price_fen, base_qty, active FROM product_variants
		WHERE product_id = $1 ORDER BY position, id`
	rows, err := db.Query(ctx, q, productID)
	if err != nil {
		return nil, fmt.Errorf("list variants: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Variant, error) {
		var v Variant
		err := r.Scan(&v.ID, &v.SKU, &v.Name, &v.PriceFen, &v.BaseQty, &v.Active)
		return v, err
	})
}

// AddImage checks an uploaded image, stores it with its thumbnails and
// attaches it to a product of the actor's cooperative.
func (s *Service) AddImage(ctx context.Context, a auth.Actor, productID int64, data []byte, alt string) (Image, error) {
	if err := requireCoopAdmin(a); err != nil {
		return Image{}, err
	}
	alt = strings.TrimSpace(alt)
	if msg := checkText(alt, 120, false); msg != "" {
		return Image{}, errs.Validation("the image is not valid", map[string]string{"alt": msg})
	}
	img, err := media.Process(data)
	if err != nil {
		return Image{}, err
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return Image{}, err
	}
	defer tx.Rollback(ctx)
	if _, _, err := ownedProduct(ctx, tx, a, productID); err != nil {
		return Image{}, err
	}
	if err := media.Store(ctx, s.media, img); err != nil {
		return Image{}, fmt.Errorf("store image: %w", err)
	}
	widths := make([]int32, len(img.Thumbs))
	for i, t := range img.Thumbs {
		widths[i] = int32(t.Width)
	}
	const q = `INSERT INTO product_images (product_id, storage_key, content_type, width, height, bytes, thumb_widths, alt, position)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8,
			(SELECT coalesce(max(position) + 1, 0) FROM product_images WHERE product_id = $1))
		RETURNING id`
	var id int64
	if err := tx.QueryRow(ctx, q, productID, img.Key, img.ContentType, img.Width, img.Height, len(img.Original),
		widths, alt).Scan(&id); err != nil {
		return Image{}, fmt.Errorf("insert image: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return Image{}, err
	}
	s.changed(ctx)
	return imageOf(id, img.Key, img.ContentType, img.Width, img.Height, widths, alt), nil
}

func imageOf(id int64, key, ctype string, w, h int, widths []int32, alt string) Image {
	im := Image{ID: ids.ID(id), URL: MediaPrefix + media.OriginalName(key, ctype), Width: w, Height: h, Alt: alt, Thumbs: []ThumbRef{}}
	for _, tw := range widths {
		im.Thumbs = append(im.Thumbs, ThumbRef{Width: int(tw), URL: MediaPrefix + media.ThumbName(key, int(tw))})
	}
	return im
}

// CacheNamespace is the page-cache namespace of everything the catalog
// shows; every committed catalog write bumps it (see New's changed).
const CacheNamespace = "catalog"

// Version is the database's catalog change counter: it advances with every
// write to products, variants, images, certificates, lots and cooperatives,
// whoever makes it (a trigger, see migrations/00200_catalog.sql). Caches key
// entries by it, so writes outside this package (orders taking stock, the
// registry suspending a cooperative) invalidate them too.
func (s *Service) Version(ctx context.Context) (int64, error) {
	// Before the first nextval last_value is already 1 (is_called false):
	// count that state as 0, or the first change would not move it.
	const q = `SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM catalog_changes`
	var v int64
	err := s.db.QueryRow(ctx, q).Scan(&v)
	return v, err
}
