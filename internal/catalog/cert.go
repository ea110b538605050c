package catalog

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/text"
	"github.com/fupinmarket/market/internal/region"
)

// Certification is a product's 扶贫产品认定 record as offices handle it.
type Certification struct {
	ID            ids.ID     `json:"id"`
	ProductID     ids.ID     `json:"product_id"`
	ProductTitle  string     `json:"product_title"`
	CooperativeID ids.ID     `json:"cooperative_id"`
	Cooperative   string     `json:"cooperative_name"`
	CertificateNo string     `json:"certificate_no"`
	CountyCode    string     `json:"county_code"`
	ValidFrom     string     `json:"valid_from"`
	ValidUntil    string     `json:"valid_until"`
	Status        string     `json:"status"`
	CertifiedAt   time.Time  `json:"certified_at"`
	ConfirmedAt   *time.Time `json:"confirmed_at"`
	// The product's title and the cooperative's name in every language
	// entered (ProductTitle and Cooperative are the Chinese).
	ProductNames     text.Names `json:"product_names"`
	CooperativeNames text.Names `json:"cooperative_names"`
}

// ProductTitleIn is the product's title in lang, Chinese when it has none there.
func (c Certification) ProductTitleIn(lang string) string {
	return text.Names{Zh: c.ProductTitle, Ug: c.ProductNames.Ug, En: c.ProductNames.En}.In(lang)
}

// CooperativeIn is the cooperative's name in lang, Chinese when it has none there.
func (c Certification) CooperativeIn(lang string) string {
	return text.Names{Zh: c.Cooperative, Ug: c.CooperativeNames.Ug, En: c.CooperativeNames.En}.In(lang)
}

// CertificationInput is what a county office records.
type CertificationInput struct {
	CertificateNo string `json:"certificate_no"`
	ValidFrom     string `json:"valid_from"`
	ValidUntil    string `json:"valid_until"`
}

var certNoPattern = regexp.MustCompile(`^[0-9A-Za-z-]{4,40}$`)

// Certify records a certificate for a product of the actor's county: only a
// county-level office governing the product's county (or a platform admin)
// may. The certificate shows on the storefront once the prefecture office
// confirms it, while it is valid.
func (s *Service) Certify(ctx context.Context, a auth.Actor, productID int64, in CertificationInput) (Certification, error) {
	if a.Anonymous() {
		return Certification{}, errs.E(errs.Unauthenticated, "sign in first")
	}
	if !a.IsAdmin() && !(a.Has(auth.RoleOffice) && a.OfficeLevel == region.County) {
		return Certification{}, errs.E(errs.Forbidden, "only a county office certifies products")
	}
	in.CertificateNo = strings.TrimSpace(in.CertificateNo)
	f := map[string]string{}
	if !certNoPattern.MatchString(in.CertificateNo) {
		addField(f, "certificate_no", "must be 4 to 40 letters, digits or '-'")
	}
	from, errFrom := time.Parse("2006-01-02", in.ValidFrom)
	if errFrom != nil {
		addField(f, "valid_from", "must be a date as YYYY-MM-DD")
	}
	until, errUntil := time.Parse("2006-01-02", in.ValidUntil)
	if errUntil != nil {
		addField(f, "valid_until", "must be a date as YYYY-MM-DD")
	}
	if errFrom == nil && errUntil == nil && until.Before(from) {
		addField(f, "valid_until", "must not be before valid_from")
	}
	if len(f) > 0 {
		return Certification{}, errs.Validation("the certificate is not valid", f)
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return Certification{}, err
	}
	defer tx.Rollback(ctx)
	const qp = `SELECT p.county_code, p.title, p.cooperative_id, c.name, p.title_ug, p.title_en, c.name_ug, c.name_en
		FROM products p JOIN cooperatives c ON c.id = p.cooperative_id
		WHERE p.id = $1`
	var county, title, coopName string
	var coopID ids.ID
	var pn, cn text.Names
	err = tx.QueryRow(ctx, qp, productID).Scan(&county, &title, &coopID, &coopName, &pn.Ug, &pn.En, &cn.Ug, &cn.En)
	pn.Zh, cn.Zh = title, coopName
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !a.Governs(county)) {
		return Certification{}, errs.E(errs.NotFound, "product %d not found", productID)
	}
	if err != nil {
		return Certification{}, fmt.Errorf("certify: %w", err)
	}
	const q = `INSERT INTO product_certifications (product_id, certificate_no, county_code, valid_from, valid_until, certified_by)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, certified_at`
	c := Certification{ProductID: ids.ID(productID), ProductTitle: title, CooperativeID: coopID, Cooperative: coopName, CertificateNo: in.CertificateNo, CountyCode: county,
		ValidFrom: in.ValidFrom, ValidUntil: in.ValidUntil, Status: "certified", ProductNames: pn, CooperativeNames: cn}
	err = tx.QueryRow(ctx, q, productID, in.CertificateNo, county, from, until, a.UserID).Scan(&c.ID, &c.CertifiedAt)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return Certification{}, errs.Validation("the certificate is not valid", map[string]string{"certificate_no": "is already recorded"})
	}
	if err != nil {
		return Certification{}, fmt.Errorf("certify: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return Certification{}, err
	}
	return c, nil
}

// ConfirmCertification is the prefecture office's confirmation of a county's
// certificate (or a platform admin's). Only a certificate awaiting
// confirmation can be confirmed (else 409).
func (s *Service) ConfirmCertification(ctx context.Context, a auth.Actor, id int64) (Certification, error) {
	if a.Anonymous() {
		return Certification{}, errs.E(errs.Unauthenticated, "sign in first")
	}
	if !a.IsAdmin() && !(a.Has(auth.RoleOffice) && a.OfficeLevel == region.Prefecture) {
		return Certification{}, errs.E(errs.Forbidden, "only a prefecture office confirms certificates")
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return Certification{}, err
	}
	defer tx.Rollback(ctx)
	c, err := certification(ctx, tx, id, true)
	if err != nil {
		return c, err
	}
	if !a.Governs(c.CountyCode) {
		return Certification{}, errs.E(errs.NotFound, "certificate %d not found", id)
	}
	if c.Status != "certified" {
		return Certification{}, errs.E(errs.Conflict, "the certificate is already confirmed")
	}
	const q = `UPDATE product_certifications SET status = 'confirmed', confirmed_by = $2, confirmed_at = now()
		WHERE id = $1 RETURNING confirmed_at`
	var at time.Time
	if err := tx.QueryRow(ctx, q, id, a.UserID).Scan(&at); err != nil {
		return Certification{}, fmt.Errorf("confirm certificate: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return Certification{}, err
	}
	s.changed(ctx)
	c.Status, c.ConfirmedAt = "confirmed", &at
	return c, nil
}

const certSelect = `SELECT pc.id, pc.product_id, p.title, p.cooperative_id, co.name, pc.certificate_no, pc.county_code,
		pc.valid_from::text, pc.valid_until::text, pc.status, pc.certified_at, pc.confirmed_at,
		p.title_ug, p.title_en, co.name_ug, co.name_en
	FROM product_certifications pc JOIN products p ON p.id = pc.product_id JOIN cooperatives co ON co.id = p.cooperative_id`

func scanCert(r pgx.CollectableRow) (Certification, error) {
	var c Certification
	err := r.Scan(&c.ID, &c.ProductID, &c.ProductTitle, &c.CooperativeID, &c.Cooperative, &c.CertificateNo, &c.CountyCode, &c.ValidFrom, &c.ValidUntil,
		&c.Status, &c.CertifiedAt, &c.ConfirmedAt, &c.ProductNames.Ug, &c.ProductNames.En, &c.CooperativeNames.Ug, &c.CooperativeNames.En)
	c.ProductNames.Zh, c.CooperativeNames.Zh = c.ProductTitle, c.Cooperative
	return c, err
}

func certification(ctx context.Context, db querier, id int64, lock bool) (Certification, error) {
	q := certSelect + ` WHERE pc.id = $1`
	if lock {
		q += ` FOR UPDATE OF pc`
	}
	rows, err := db.Query(ctx, q, id)
	if err != nil {
		return Certification{}, fmt.Errorf("certificate: %w", err)
	}
	c, err := pgx.CollectExactlyOneRow(rows, scanCert)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, errs.E(errs.NotFound, "certificate %d not found", id)
	}
	return c, err
}

// Certifications lists the certificates in the actor's jurisdiction (all
// for a platform admin), optionally only those of one status, newest first.
func (s *Service) Certifications(ctx context.Context, a auth.Actor, status string) ([]Certification, error) {
	prefix := a.OfficePrefix()
	if !a.IsAdmin() && prefix == "" {
		return nil, errs.E(errs.Forbidden, "only offices see certificates")
	}
	if status != "" && status != "certified" && status != "confirmed" {
		return nil, &errs.Error{Kind: errs.Invalid, Message: "unknown status", Fields: map[string]string{"status": "must be certified or confirmed"}}
	}
	const q = certSelect + ` WHERE pc.county_code LIKE $1 || '%' AND ($2 = '' OR pc.status = $2) ORDER BY pc.id DESC LIMIT 500`
	rows, err := s.db.Query(ctx, q, prefix, status)
	if err != nil {
		return nil, fmt.Errorf("certificates: %w", err)
	}
	return pgx.CollectRows(rows, scanCert)
}
