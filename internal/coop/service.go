package coop

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/idcheck"
	"github.com/fupinmarket/market/internal/platform/clock"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/text"
	"github.com/fupinmarket/market/internal/region"
)

// Service runs the cooperative use cases. It is safe for concurrent use.
type Service struct {
	db    *pgxpool.Pool
	clock clock.Clock // members' join dates are days of its zone
}

// NewService returns a Service on db.
func NewService(db *pgxpool.Pool) *Service { return &Service{db: db} }

// SetClock sets the clock (the configured zone; tests pin the time).
func (s *Service) SetClock(c clock.Clock) { s.clock = c }

// Apply registers a cooperative in state applied for a signed-in user. The
// credit code must pass GB 32100 and be new; the county must be a county.
func (s *Service) Apply(ctx context.Context, actor auth.Actor, app Application) (Cooperative, error) {
	if actor.Anonymous() {
		return Cooperative{}, errs.E(errs.Unauthenticated, "sign in to apply for a cooperative")
	}
	app.Name = strings.TrimSpace(app.Name)
	app.CreditCode = idcheck.NormalizeCreditCode(app.CreditCode)
	app.CountyCode = strings.TrimSpace(app.CountyCode)
	app.ContactName = strings.TrimSpace(app.ContactName)
	app.ContactPhone = strings.TrimSpace(app.ContactPhone)
	app.NameUg, app.NameEn = strings.TrimSpace(app.NameUg), strings.TrimSpace(app.NameEn)
	f := errs.FieldErrors{}
	for _, fv := range []struct{ field, value string }{{"name", app.Name}, {"name_ug", app.NameUg}, {"name_en", app.NameEn}} {
		if msg := checkText(fv.value, 100, fv.field == "name"); msg != "" {
			f.Add(fv.field, msg)
		}
	}
	if err := idcheck.ValidCreditCode(app.CreditCode); err != nil {
		f.Add("credit_code", "not a valid unified social credit code: "+err.Error())
	}
	if msg := checkText(app.ContactName, 64, false); msg != "" {
		f.Add("contact_name", msg)
	}
	if msg := text.CheckBidi(app.ContactPhone); msg != "" {
		f.Add("contact_phone", msg)
	}
	if len(app.ContactPhone) > 20 || strings.Trim(app.ContactPhone, "0123456789+- ") != "" {
		f.Add("contact_phone", "must be a phone number of at most 20 digits")
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return Cooperative{}, err
	}
	defer tx.Rollback(ctx)
	const county = `SELECT level FROM regions WHERE code = $1`
	var level region.Level
	err = tx.QueryRow(ctx, county, app.CountyCode).Scan(&level)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		f.Add("county_code", "unknown region")
	case err != nil:
		return Cooperative{}, fmt.Errorf("apply: %w", err)
	case level != region.County:
		f.Add("county_code", "not a county")
	}
	if err := f.Err("invalid application"); err != nil {
		return Cooperative{}, err
	}
	const q = `INSERT INTO cooperatives (name, credit_code, county_code, contact_name, contact_phone, status, applied_by,
			name_ug, name_en)
		VALUES ($1, $2, $3, $4, $5, 'applied', $6, $7, $8)
		ON CONFLICT (credit_code) DO NOTHING
		RETURNING ` + cols
	rows, err := tx.Query(ctx, q, app.Name, app.CreditCode, app.CountyCode, app.ContactName, app.ContactPhone, actor.UserID,
		app.NameUg, app.NameEn)
	if err != nil {
		return Cooperative{}, fmt.Errorf("apply: %w", err)
	}
	c, err := pgx.CollectExactlyOneRow(rows, scanCoop)
	if errors.Is(err, pgx.ErrNoRows) {
		return Cooperative{}, errs.Validation("invalid application", map[string]string{"credit_code": "a cooperative with this credit code is registered"})
	}
	if err != nil {
		return Cooperative{}, fmt.Errorf("apply: %w", err)
	}
	if err := recordEvent(ctx, tx, c.ID, "", StatusApplied, actor.UserID, ""); err != nil {
		return Cooperative{}, err
	}
	if err := tx.Commit(ctx); err != nil {
		return Cooperative{}, fmt.Errorf("apply: %w", err)
	}
	return c, nil
}

// Get returns cooperative id if the actor may see it (NotFound otherwise).
func (s *Service) Get(ctx context.Context, actor auth.Actor, id ids.ID) (Cooperative, error) {
	const q = `SELECT ` + cols + ` FROM cooperatives
		WHERE id = $1 AND (status = 'approved' OR $2 OR ($3 <> '' AND county_code LIKE $3 || '%') OR id = $4)`
	rows, err := s.db.Query(ctx, q, id, actor.IsAdmin(), actor.OfficePrefix(), ownCoop(actor))
	if err != nil {
		return Cooperative{}, fmt.Errorf("get cooperative: %w", err)
	}
	c, err := pgx.CollectExactlyOneRow(rows, scanCoop)
	if errors.Is(err, pgx.ErrNoRows) {
		return Cooperative{}, ErrNotFound
	}
	if err != nil {
		return Cooperative{}, fmt.Errorf("get cooperative: %w", err)
	}
	return redact(actor, c), nil
}

// Filter narrows List. Zero fields do not filter.
type Filter struct {
	Region string // a region code: cooperatives of counties in its subtree
	Status Status
	Limit  int // DefaultLimit when 0, at most MaxLimit
	Cursor string
}

// Page sizes of List.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// List returns the cooperatives the actor may see that match f, by id.
func (s *Service) List(ctx context.Context, actor auth.Actor, f Filter) (Page, error) {
	fe := errs.FieldErrors{}
	limit := f.Limit
	if limit == 0 {
		limit = DefaultLimit
	} else if limit < 0 || limit > MaxLimit {
		fe.Add("limit", fmt.Sprintf("must be between 1 and %d", MaxLimit))
	}
	after, ok := decodeCursor(f.Cursor)
	if !ok {
		fe.Add("cursor", "invalid")
	}
	if f.Status != "" && !f.Status.Valid() {
		fe.Add("status", "unknown status")
	}
	var prefix string
	if code := strings.TrimSpace(f.Region); code != "" {
		const lq = `SELECT level FROM regions WHERE code = $1`
		var level region.Level
		err := s.db.QueryRow(ctx, lq, code).Scan(&level)
		if errors.Is(err, pgx.ErrNoRows) {
			fe.Add("region", "unknown region")
		} else if err != nil {
			return Page{}, fmt.Errorf("list cooperatives: %w", err)
		}
		prefix = region.Prefix(code, level)
	}
	if err := fe.Err("invalid filter"); err != nil {
		return Page{}, err
	}
	const q = `SELECT ` + cols + ` FROM cooperatives
		WHERE (status = 'approved' OR $1 OR ($2 <> '' AND county_code LIKE $2 || '%') OR id = $3)
			AND county_code LIKE $4 || '%' AND ($5 = '' OR status = $5) AND id > $6
		ORDER BY id LIMIT $7`
	rows, err := s.db.Query(ctx, q, actor.IsAdmin(), actor.OfficePrefix(), ownCoop(actor), prefix, string(f.Status), after, limit+1)
	if err != nil {
		return Page{}, fmt.Errorf("list cooperatives: %w", err)
	}
	items, err := pgx.CollectRows(rows, scanCoop)
	if err != nil {
		return Page{}, fmt.Errorf("list cooperatives: %w", err)
	}
	page := Page{Items: items}
	if len(items) > limit {
		page.Items = items[:limit]
		page.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(items[limit-1].ID.String()))
	}
	for i := range page.Items {
		page.Items[i] = redact(actor, page.Items[i])
	}
	return page, nil
}

// ownCoop is the cooperative a coop_admin administers, 0 for anyone else.
func ownCoop(a auth.Actor) int64 {
	if a.Has(auth.RoleCoopAdmin) {
		return a.CooperativeID
	}
	return 0
}

func decodeCursor(c string) (int64, bool) {
	if c == "" {
		return 0, true
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	id, err := strconv.ParseInt(string(b), 10, 64)
	return id, err == nil && id > 0
}

func checkText(s string, maxRunes int, required bool) string {
	switch {
	case s == "" && required:
		return "required"
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	case utf8.RuneCountInString(s) > maxRunes:
		return fmt.Sprintf("must be at most %d characters", maxRunes)
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return "must not hold control characters"
	}
	return text.CheckBidi(s)
}

// isFKViolation reports a foreign key violation.
func isFKViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23503"
}
