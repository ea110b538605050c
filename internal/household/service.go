package household

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/pii"
	"github.com/fupinmarket/market/internal/platform/clock"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/region"
)

// HashPurpose separates the keyed hash of a head's ID number from other
// hashed fields.
const HashPurpose = "household.head_id"

// Service runs the registry's use cases. It is safe for concurrent use.
type Service struct {
	db    *pgxpool.Pool
	ring  *pii.Ring
	clock clock.Clock // years and birth dates are checked against its day
}

// NewService returns a Service storing in db and sealing personal fields
// with ring.
func NewService(db *pgxpool.Pool, ring *pii.Ring) *Service {
	return &Service{db: db, ring: ring}
}

// readScope is the village-code prefix whose households the actor may read
// and write: "" (everything) for a platform administrator, the jurisdiction
// for an office.
func readScope(a auth.Actor) (string, error) {
	if a.IsAdmin() {
		return "", nil
	}
	return officeScope(a)
}

// officeScope is the jurisdiction prefix of an office; anyone else is
// refused.
func officeScope(a auth.Actor) (string, error) {
	if p := a.OfficePrefix(); p != "" {
		return p, nil
	}
	if a.Anonymous() {
		return "", errs.E(errs.Unauthenticated, "sign in to use the household registry")
	}
	return "", errs.E(errs.Forbidden, "only assistance offices and platform administrators use the household registry")
}

// mayReveal reports whether the actor may see the whole personal fields of a
// household in village: only an office whose jurisdiction holds it.
func mayReveal(a auth.Actor, village string) bool {
	p := a.OfficePrefix()
	return p != "" && strings.HasPrefix(village, p)
}

// sealed is a record's personal fields as stored.
type sealed struct {
	NameEnc, IDEnc []byte
	IDHashes       [][]byte // current key first
	NameMask       string
	IDMask         string
	KeyVersion     int
}

func aad(registryNo, field string) string { return "household:" + registryNo + ":" + field }

// seal encrypts, hashes and masks the head's name and ID number of a
// household under the current key.
func (s *Service) seal(registryNo, name, idNumber string) (sealed, error) {
	ne, err := s.ring.Seal(name, aad(registryNo, "head_name"))
	if err != nil {
		return sealed{}, err
	}
	ie, err := s.ring.Seal(idNumber, aad(registryNo, "head_id"))
	if err != nil {
		return sealed{}, err
	}
	return sealed{
		NameEnc:    ne,
		IDEnc:      ie,
		IDHashes:   s.ring.Hashes(HashPurpose, idNumber),
		NameMask:   pii.MaskName(name),
		IDMask:     pii.MaskIDNumber(idNumber),
		KeyVersion: s.ring.Current(),
	}, nil
}

// open decrypts the head's name and ID number of a household.
func (s *Service) open(registryNo string, nameEnc, idEnc []byte) (name, idNumber string, err error) {
	if name, err = s.ring.Open(nameEnc, aad(registryNo, "head_name")); err != nil {
		return "", "", fmt.Errorf("open head name of household %s: %w", registryNo, err)
	}
	if idNumber, err = s.ring.Open(idEnc, aad(registryNo, "head_id")); err != nil {
		return "", "", fmt.Errorf("open head ID of household %s: %w", registryNo, err)
	}
	return name, idNumber, nil
}

// villageCheck confirms that code is a village the actor's scope holds.
func villageCheck(ctx context.Context, tx pgx.Tx, scope, code string) error {
	const q = `SELECT level FROM regions WHERE code = $1`
	var level region.Level
	err := tx.QueryRow(ctx, q, code).Scan(&level)
	if errors.Is(err, pgx.ErrNoRows) {
		return errs.Validation("invalid household", map[string]string{"village_code": "unknown village"})
	}
	if err != nil {
		return fmt.Errorf("check village: %w", err)
	}
	if level != region.Village {
		return errs.Validation("invalid household", map[string]string{"village_code": "not a village"})
	}
	if !strings.HasPrefix(code, scope) {
		return errs.E(errs.Forbidden, "village %s is outside your jurisdiction", code)
	}
	return nil
}

// duplicateCheck reports a registry number held by another household than
// self (0 for a new one), or an ID number heading another household of
// scope; an ID number heading a household outside scope is no error here
// (recordConflicts raises it). The caller holds lockHeads.
func duplicateCheck(ctx context.Context, tx pgx.Tx, scope string, self int64, registryNo string, idHashes [][]byte) error {
	const q = `SELECT registry_no = $2, head_id_hash = ANY($3) AND village_code LIKE $4 || '%' FROM households
		WHERE id <> $1 AND (registry_no = $2 OR head_id_hash = ANY($3))`
	rows, err := tx.Query(ctx, q, self, registryNo, idHashes, scope)
	if err != nil {
		return fmt.Errorf("check duplicates: %w", err)
	}
	dups, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct{ Reg, ID bool }])
	if err != nil {
		return fmt.Errorf("check duplicates: %w", err)
	}
	f := errs.FieldErrors{}
	for _, d := range dups {
		if d.Reg {
			f.Add("registry_no", "already registered")
		}
		if d.ID {
			f.Add("head_id_number", "already registered as the head of another household")
		}
	}
	return f.Err("invalid household")
}

// uniqueViolation turns a race lost on a unique constraint into a
// validation error.
func uniqueViolation(err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "23505" {
		return err
	}
	switch pe.ConstraintName {
	case "households_registry_no_key":
		return errs.Validation("invalid household", map[string]string{"registry_no": "already registered"})
	}
	return errs.E(errs.Conflict, "household changed concurrently; try again")
}

// Page is one page of a list with the cursor of the next ("" at the end).
type Page struct {
	Items      []Household `json:"items"`
	NextCursor string      `json:"next_cursor"`
}

func encodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(id, 10)))
}

func decodeCursor(c string) (int64, error) {
	if c == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		if id, err := strconv.ParseInt(string(b), 10, 64); err == nil && id > 0 {
			return id, nil
		}
	}
	return 0, errs.Validation("invalid cursor", map[string]string{"cursor": "invalid"})
}

// SetClock sets the clock (the configured zone; tests pin the time).
func (s *Service) SetClock(c clock.Clock) { s.clock = c }

func (s *Service) now() time.Time { return s.clock.Now() }
