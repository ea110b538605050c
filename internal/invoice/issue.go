package invoice

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
)

// numberIndex keeps each cooperative's invoice numbers unique (migration
// 00640): an issuer never gives two invoices one number.
const numberIndex = "invoices_cooperative_number_key"

// Issue records the blue-letter invoice the actor's cooperative issued for
// its part of the order (IssueKind).
func (s *Service) Issue(ctx context.Context, a auth.Actor, orderID int64, number string, pdf []byte) (Invoice, error) {
	return s.IssueKind(ctx, a, orderID, Blue, number, pdf)
}

// IssueKind records an invoice the actor's cooperative issued for the
// order, with its number and PDF. A blue-letter invoice (kind blue, or
// empty) covers the cooperative's part of the order at this moment; a
// red-letter one (kind red) what the part fell by since its invoices (blue
// less the reds before), refused when it did not fall. The amount is the
// server's, never typed. A number the cooperative has already issued is a
// typing mistake, refused on the number field (the database's unique index
// decides between two issues of one number at once). The order is locked
// while its part is read and the invoice written, so that a refund or
// another issue of the order comes before or after, whole.
func (s *Service) IssueKind(ctx context.Context, a auth.Actor, orderID int64, kind, number string, pdf []byte) (inv Invoice, err error) {
	if kind == "" {
		kind = Blue
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return Invoice{}, fmt.Errorf("issue invoice: %w", err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT 1 FROM orders WHERE id = $1 FOR NO KEY UPDATE`, orderID); err != nil {
		return Invoice{}, fmt.Errorf("issue invoice: %w", err)
	}
	acc, err := s.access(ctx, tx, a, orderID)
	if err != nil {
		return Invoice{}, err
	}
	if acc.coop == 0 {
		return Invoice{}, errs.E(errs.Forbidden, "only a cooperative of the order issues its invoice")
	}
	amount := acc.share
	switch kind {
	case Blue:
		if !acc.paid {
			return Invoice{}, errs.E(errs.Conflict, "the order was refunded in full: it has no invoice to issue")
		}
		if acc.share <= 0 {
			return Invoice{}, errs.E(errs.Conflict, "your cooperative's part of the order was refunded in full: it has no invoice to issue")
		}
	case Red:
		if acc.owed <= 0 {
			return Invoice{}, &errs.Error{Kind: errs.Conflict, Message: redDueMessage,
				Fields: map[string]string{"kind": redDueMessage}}
		}
		amount = acc.owed
	default:
		return Invoice{}, &errs.Error{Kind: errs.Invalid, Message: "the invoice is not valid",
			Fields: map[string]string{"kind": "must be blue or red"}, Unprocessable: true}
	}
	if number, err = checkDocument(number, pdf); err != nil {
		return Invoice{}, err
	}
	const q = `INSERT INTO invoices (order_id, cooperative_id, number, pdf, issued_by, kind, amount_fen)
		SELECT r.order_id, $2, $3, $4, $5, $6, $7 FROM invoice_requests r WHERE r.order_id = $1
		RETURNING id, issued_at`
	inv = Invoice{OrderID: ids.ID(orderID), CooperativeID: ids.ID(acc.coop), Number: number, Kind: kind, AmountFen: amount}
	err = tx.QueryRow(ctx, q, orderID, acc.coop, number, pdf, a.UserID, kind, amount).Scan(&inv.ID, &inv.IssuedAt)
	var pg *pgconn.PgError
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return Invoice{}, errs.E(errs.Conflict, "the buyer has not asked for an invoice")
	case errors.As(err, &pg) && pg.Code == "23505" && pg.ConstraintName == numberIndex:
		return Invoice{}, &errs.Error{Kind: errs.Conflict, Message: "the invoice number is already used",
			Fields: map[string]string{"number": "your cooperative has already issued an invoice with this number: check the number typed"}}
	case errors.As(err, &pg) && pg.Code == "23505":
		return Invoice{}, errs.E(errs.Conflict, "your cooperative has already issued this order's invoice")
	case err != nil:
		return Invoice{}, fmt.Errorf("issue invoice: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return Invoice{}, fmt.Errorf("issue invoice: %w", err)
	}
	inv.URL = PDFURL(inv.OrderID, inv.ID)
	return inv, nil
}

// checkDocument checks an uploaded invoice: its number (trimmed and in
// capitals, returned) and its PDF.
func checkDocument(number string, pdf []byte) (string, error) {
	// Letters in capitals, as tax documents print them: a number is one
	// number however it is typed (the unique index compares bytes).
	number = strings.ToUpper(strings.TrimSpace(number))
	f := errs.FieldErrors{}
	if !numberPattern.MatchString(number) {
		f.Add("number", "must be the invoice number: up to 40 letters, digits and dashes")
	}
	switch {
	case len(pdf) > MaxPDFBytes:
		return "", &errs.Error{Kind: errs.TooLarge, Message: "the file is larger than 5 MB", Fields: map[string]string{"file": "must be at most 5 MB"}}
	case !bytes.HasPrefix(pdf, []byte("%PDF-")):
		f.Add("file", "must be a PDF file")
	}
	return number, f.Err("the invoice is not valid")
}
