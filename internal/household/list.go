package household

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/idcheck"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/region"
)

// Filter narrows List. Zero fields do not filter.
type Filter struct {
	// Region is a region code; only households in its subtree are listed.
	Region string
	// Status is a status code or its Chinese name.
	Status Status
	// RegistryNo matches one registry number exactly.
	RegistryNo string
	// HeadIDNumber finds the household whose head has this ID number, through
	// the keyed hash (the number is never stored in plain text).
	HeadIDNumber string
	// Limit is the page size: DefaultLimit when 0, at most MaxLimit.
	Limit int
	// Cursor is a Page.NextCursor from the previous page.
	Cursor string
}

// Page sizes of List.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// List returns the households of the actor's jurisdiction that match f, by
// id, masked, one page at a time. An office sees its subtree (a Region
// outside it gives an empty page), a platform administrator everything;
// anyone else is refused.
func (s *Service) List(ctx context.Context, actor auth.Actor, f Filter) (Page, error) {
	scope, err := readScope(actor)
	if err != nil {
		return Page{}, err
	}
	fe := errs.FieldErrors{}
	limit := f.Limit
	switch {
	case limit == 0:
		limit = DefaultLimit
	case limit < 0 || limit > MaxLimit:
		fe.Add("limit", fmt.Sprintf("must be between 1 and %d", MaxLimit))
	}
	after, err := decodeCursor(f.Cursor)
	if err != nil {
		fe.Add("cursor", "invalid")
	}
	var status string
	if f.Status != "" {
		st, ok := ParseStatus(string(f.Status))
		if !ok {
			fe.Add("status", "unknown status")
		}
		status = string(st)
	}
	var hashes [][]byte
	if f.HeadIDNumber != "" {
		hashes = s.ring.Hashes(HashPurpose, idcheck.NormalizeIDNumber(f.HeadIDNumber))
	}
	prefix, err := s.regionPrefix(ctx, strings.TrimSpace(f.Region))
	if errors.Is(err, errUnknownRegion) {
		fe.Add("region", "unknown region")
	} else if err != nil {
		return Page{}, err
	}
	if err := fe.Err("invalid filter"); err != nil {
		return Page{}, err
	}
	const q = `SELECT ` + cols + ` FROM households
		WHERE village_code LIKE $1 || '%' AND village_code LIKE $2 || '%'
			AND ($3 = '' OR status = $3) AND ($4 = '' OR registry_no = $4)
			AND ($5::bytea[] IS NULL OR head_id_hash = ANY($5)) AND id > $6
		ORDER BY id LIMIT $7`
	rows, err := s.db.Query(ctx, q, scope, prefix, status, strings.TrimSpace(f.RegistryNo), hashes, after, limit+1)
	if err != nil {
		return Page{}, fmt.Errorf("list households: %w", err)
	}
	items, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Household])
	if err != nil {
		return Page{}, fmt.Errorf("list households: %w", err)
	}
	page := Page{Items: items}
	if len(items) > limit {
		page.Items = items[:limit]
		page.NextCursor = encodeCursor(int64(items[limit-1].ID))
	}
	return page, nil
}

// errUnknownRegion is the reason given for a Region filter that names no region.
var errUnknownRegion = errors.New("unknown region")

// regionPrefix is the code prefix of the subtree of the region with code
// ("" for none).
func (s *Service) regionPrefix(ctx context.Context, code string) (string, error) {
	if code == "" {
		return "", nil
	}
	const q = `SELECT level FROM regions WHERE code = $1`
	var level region.Level
	err := s.db.QueryRow(ctx, q, code).Scan(&level)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", errUnknownRegion
	}
	if err != nil {
		return "", fmt.Errorf("look up region: %w", err)
	}
	return region.Prefix(code, level), nil
}
