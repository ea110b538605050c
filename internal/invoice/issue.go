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
	"github.com/fupinmarket/market/internal/mail"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/money"
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
		RETURNING id, issued_at, (SELECT email FROM invoice_requests WHERE order_id = $1),
			(SELECT number FROM orders WHERE id = $1), (SELECT name FROM cooperatives WHERE id = $2)`
	inv = Invoice{OrderID: ids.ID(orderID), CooperativeID: ids.ID(acc.coop), Number: number, Kind: kind, AmountFen: amount}
	var to delivery
	err = tx.QueryRow(ctx, q, orderID, acc.coop, number, pdf, a.UserID, kind, amount).Scan(&inv.ID, &inv.IssuedAt, &to.email, &to.order, &to.coop)
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
	// The address the request gave gets the invoice, as an electronic
	// invoice is delivered: sent if and only if the invoice is recorded. An
	// address stored before requests were checked as they are now is no
	// reason to refuse the invoice; the buyer downloads it.
	if err := mail.Queue(ctx, tx, to.message(inv, pdf)); err != nil && !errors.Is(err, mail.ErrNotAnAddress) {
		return Invoice{}, fmt.Errorf("issue invoice: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return Invoice{}, fmt.Errorf("issue invoice: %w", err)
	}
	inv.URL = PDFURL(inv.OrderID, inv.ID)
	return inv, nil
}

// delivery is where an issued invoice is mailed, and what names it.
type delivery struct{ email, order, coop string }

// message is the mail of an issued invoice, its PDF attached, in the
// service's three languages (the finance office's is not known).
func (d delivery) message(inv Invoice, pdf []byte) mail.Message {
	amount := "¥" + money.GroupedYuan(inv.AmountFen)
	zh, ug, en := "发票", "تالون", "invoice"
	if inv.Kind == Red {
		zh, ug, en = "红字发票", "قىزىل تالون", "red-letter invoice"
	}
	return mail.Message{To: d.email,
		Subject: fmt.Sprintf("扶贫集市%s %s · 订单 %s · Fupin Market %s", zh, inv.Number, d.order, en),
		Body: fmt.Sprintf("%s 已为订单 %s 开具%s，号码 %s，金额 %s。发票 PDF 见附件。\n\n", d.coop, d.order, zh, inv.Number, amount) +
			fmt.Sprintf("%s %s نومۇرلۇق زاكاز ئۈچۈن %s نومۇرلۇق %s كەستى، سوممىسى %s. PDF ھۆججىتى قوشۇمچىدا.\n\n", d.coop, d.order, inv.Number, ug, amount) +
			fmt.Sprintf("%s issued the %s no. %s for order %s, for %s. The PDF is attached.\n", d.coop, en, inv.Number, d.order, amount),
		Attachment: &mail.Attachment{Name: "invoice-" + inv.Number + ".pdf", Type: "application/pdf", Data: pdf}}
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
