package coop

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
)

// ShippingTerms are a cooperative's shipping fee: a flat fee per shipment,
// waived when the cooperative's part of an order reaches FreeFromFen.
// Checkout reads the columns itself, in the statement that prices the
// order (package order); they are written here only.
type ShippingTerms struct {
	FlatFen     int64  `json:"flat_fen"`
	FreeFromFen *int64 `json:"free_from_fen"`
}

// FeeFor is the fee of a shipment whose goods cost subtotalFen: the flat
// fee, or nothing (包邮) from FreeFromFen on. Checkout and the cart's
// preview charge by this one rule.
func (t ShippingTerms) FeeFor(subtotalFen int64) int64 {
	if t.FreeFromFen != nil && subtotalFen >= *t.FreeFromFen {
		return 0
	}
	return t.FlatFen
}

// Shipping returns a cooperative's terms to whoever may see the cooperative
// (anyone, once it is approved); to anyone else it does not exist
// (ErrNotFound).
func (s *Service) Shipping(ctx context.Context, a auth.Actor, coopID int64) (ShippingTerms, error) {
	const q = `SELECT id, status, county_code, shipping_flat_fen, shipping_free_from_fen FROM cooperatives WHERE id = $1`
	var t ShippingTerms
	var c Cooperative
	err := s.db.QueryRow(ctx, q, coopID).Scan(&c.ID, &c.Status, &c.CountyCode, &t.FlatFen, &t.FreeFromFen)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && !Visible(a, c) {
		return ShippingTerms{}, ErrNotFound
	}
	return t, err
}

// SetShipping lets a cooperative's administrator set its terms; orders
// placed afterwards use them.
func (s *Service) SetShipping(ctx context.Context, a auth.Actor, coopID int64, t ShippingTerms) (ShippingTerms, error) {
	if !a.ManagesCoop(coopID) {
		return t, errs.E(errs.Forbidden, "only the cooperative's administrator sets its shipping fee")
	}
	f := errs.FieldErrors{}
	if t.FlatFen < 0 || t.FlatFen > 100000 {
		f.Add("flat_fen", "must be between 0 and 100000")
	}
	if t.FreeFromFen != nil && (*t.FreeFromFen <= 0 || *t.FreeFromFen > 100000000) {
		f.Add("free_from_fen", "must be positive (or left out for no free shipping)")
	}
	if err := f.Err("the shipping terms are not valid"); err != nil {
		return t, err
	}
	const q = `UPDATE cooperatives SET shipping_flat_fen = $2, shipping_free_from_fen = $3, updated_at = now() WHERE id = $1`
	if _, err := s.db.Exec(ctx, q, coopID, t.FlatFen, t.FreeFromFen); err != nil {
		return t, err
	}
	return s.Shipping(ctx, a, coopID)
}
