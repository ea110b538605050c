package invoice

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
)

// Of is an order's invoicing as the actor may see it: the buyer, their
// institution, a platform admin see every cooperative's invoice; a
// cooperative sees the request, its own invoices and what it owes (its
// Cooperatives is 1 or 0).
func (s *Service) Of(ctx context.Context, a auth.Actor, orderID int64) (State, error) {
	acc, err := s.access(ctx, s.db, a, orderID)
	if err != nil {
		return State{}, err
	}
	st := State{Invoices: []Invoice{}, Cooperatives: acc.coops, RedDueFen: acc.owedAll}
	const qr = `SELECT order_id, title, taxpayer_id, kind, email, requested_at FROM invoice_requests WHERE order_id = $1`
	var r Request
	err = s.db.QueryRow(ctx, qr, orderID).Scan(&r.OrderID, &r.Title, &r.TaxpayerID, &r.Kind, &r.Email, &r.RequestedAt)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return st, nil
	case err != nil:
		return State{}, fmt.Errorf("invoice request: %w", err)
	}
	st.Request = &r
	mine := int64(0)
	if !acc.buyer && !acc.admin {
		// A cooperative sees its own invoicing: the one invoice it owes, if
		// any, beside its own invoices, so Issued says whether it is done.
		mine, st.RedDueFen, st.Cooperatives = acc.coop, acc.owed, 0
		if acc.due {
			st.Cooperatives = 1
		}
	}
	const qi = `SELECT id, order_id, cooperative_id, number, kind, amount_fen, issued_at FROM invoices
		WHERE order_id = $1 AND ($2 = 0 OR cooperative_id = $2) ORDER BY cooperative_id, id`
	rows, err := s.db.Query(ctx, qi, orderID, mine)
	if err != nil {
		return State{}, fmt.Errorf("invoices: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Invoice, error) {
		var inv Invoice
		err := row.Scan(&inv.ID, &inv.OrderID, &inv.CooperativeID, &inv.Number, &inv.Kind, &inv.AmountFen, &inv.IssuedAt)
		inv.URL = PDFURL(inv.OrderID, inv.ID)
		return inv, err
	})
	if err != nil {
		return State{}, fmt.Errorf("invoices: %w", err)
	}
	st.Invoices = append(st.Invoices, list...)
	return st, nil
}

// PDF is an invoice's file, for whoever may see the invoice.
func (s *Service) PDF(ctx context.Context, a auth.Actor, orderID, invoiceID int64) (number string, pdf []byte, err error) {
	acc, err := s.access(ctx, s.db, a, orderID)
	if err != nil {
		return "", nil, err
	}
	const q = `SELECT number, pdf, cooperative_id FROM invoices WHERE id = $1 AND order_id = $2`
	var coop int64
	err = s.db.QueryRow(ctx, q, invoiceID, orderID).Scan(&number, &pdf, &coop)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !acc.buyer && !acc.admin && coop != acc.coop) {
		return "", nil, errs.E(errs.NotFound, "invoice not found")
	}
	if err != nil {
		return "", nil, fmt.Errorf("invoice pdf: %w", err)
	}
	return number, pdf, nil
}

// OrgRow is an institution's order with its invoicing, for the portal and
// its export.
type OrgRow struct {
	OrderID     ids.ID
	Number      string
	Buyer       string
	TotalFen    int64
	PaidAt      time.Time
	Requested   bool
	Title       string
	Kind        string
	Issued      int      // blue-letter invoices issued
	Cooperative int      // invoices due: one per cooperative with a part left to invoice, or that issued one
	Numbers     []string // the blue-letter invoices' numbers
	RedDue      int      // cooperatives owing a red-letter invoice (owedSQL)
	Invoices    []OrgInvoice
}

// OrgInvoice is an invoice of an institution's order, blue or red, for the
// portal to offer its PDF.
type OrgInvoice struct {
	ID        ids.ID `json:"id"`
	Number    string `json:"number"`
	Kind      string `json:"kind"`
	AmountFen int64  `json:"amount_fen"`
}

// RedNumbers are the red-letter invoices' numbers.
func (r OrgRow) RedNumbers() []string {
	var out []string
	for _, inv := range r.Invoices {
		if inv.Kind == Red {
			out = append(out, inv.Number)
		}
	}
	return out
}

// URL is where the invoice's PDF is downloaded.
func (i OrgInvoice) URL(orderID ids.ID) string { return PDFURL(orderID, i.ID) }

// orgRowsSQL reads OrgRows: the paid orders of institution $1, with
// their invoicing, filtered by what follows it (AND …).
const orgRowsSQL = `SELECT o.id, o.number, u.name, o.total_fen, o.paid_at, r.order_id IS NOT NULL, coalesce(r.title, ''),
		coalesce(r.kind, ''), (SELECT count(*) FROM invoices i WHERE i.order_id = o.id AND i.kind = 'blue')::int,
		(SELECT count(*) FROM shipments sh WHERE sh.order_id = o.id AND ` + dueSQL + `)::int,
		coalesce((SELECT array_agg(i.number ORDER BY i.cooperative_id) FROM invoices i WHERE i.order_id = o.id AND i.kind = 'blue'), '{}'),
		(SELECT count(*) FROM shipments sh WHERE sh.order_id = o.id AND ` + owedSQL + ` > 0)::int,
		coalesce((SELECT jsonb_agg(jsonb_build_object('id', i.id::text, 'number', i.number, 'kind', i.kind, 'amount_fen', i.amount_fen)
			ORDER BY i.cooperative_id, i.id) FROM invoices i WHERE i.order_id = o.id), '[]')
	FROM orders o JOIN users u ON u.id = o.buyer_id LEFT JOIN invoice_requests r ON r.order_id = o.id
	WHERE o.buyer_org_id = $1 AND o.paid_at IS NOT NULL `

func scanOrgRow(row pgx.CollectableRow) (OrgRow, error) {
	var r OrgRow
	err := row.Scan(&r.OrderID, &r.Number, &r.Buyer, &r.TotalFen, &r.PaidAt, &r.Requested, &r.Title, &r.Kind,
		&r.Issued, &r.Cooperative, &r.Numbers, &r.RedDue, &r.Invoices)
	return r, err
}

func canSeeOrg(a auth.Actor, orgID int64) error {
	if !a.IsAdmin() && !(a.Has(auth.RoleBuyerOrgAdmin) && a.BuyerOrgID == orgID) {
		return errs.E(errs.Forbidden, "only the institution's administrator sees its invoices")
	}
	return nil
}

// ForOrg lists the paid orders of an institution's members with their
// invoicing, newest first (at most limit).
func (s *Service) ForOrg(ctx context.Context, a auth.Actor, orgID int64, limit int) ([]OrgRow, error) {
	if err := canSeeOrg(a, orgID); err != nil {
		return nil, err
	}
	const q = orgRowsSQL + `ORDER BY o.paid_at DESC, o.id DESC LIMIT $2`
	rows, err := s.db.Query(ctx, q, orgID, limit)
	if err != nil {
		return nil, fmt.Errorf("org invoices: %w", err)
	}
	return pgx.CollectRows(rows, scanOrgRow)
}

// OrgOrder is one paid order of an institution's members with its
// invoicing, for the administrator to ask for its invoice; not found when
// the order is not the institution's or not paid.
func (s *Service) OrgOrder(ctx context.Context, a auth.Actor, orgID, orderID int64) (OrgRow, error) {
	if err := canSeeOrg(a, orgID); err != nil {
		return OrgRow{}, err
	}
	const q = orgRowsSQL + `AND o.id = $2`
	rows, err := s.db.Query(ctx, q, orgID, orderID)
	if err != nil {
		return OrgRow{}, fmt.Errorf("org order: %w", err)
	}
	r, err := pgx.CollectExactlyOneRow(rows, scanOrgRow)
	if errors.Is(err, pgx.ErrNoRows) {
		return OrgRow{}, errs.E(errs.NotFound, "order not found")
	}
	return r, err
}

// Pending is an invoice a cooperative still has to issue: its blue-letter
// invoice, or a red-letter one owed since a refund.
type Pending struct {
	Request
	OrderNumber string
	Red         bool // a red-letter invoice, owed since a refund; else the blue one
	// AmountFen is, for a blue invoice, the cooperative's part of the
	// order (its goods and shipping, net of refunds); for a red one, how
	// far the part fell below its invoices.
	AmountFen int64
}

// PendingFor lists the invoices the actor's cooperative has been asked for
// and has not issued, oldest request first. An order refunded in full is
// no longer invoiced (its buyer's page stops offering it, Issue refuses it),
// nor is an order whose refunds took the cooperative's whole part. Once its
// blue invoice is issued, a refund that takes its part below what its
// invoices cover lists the red-letter invoice owed, refunded in full or not.
func (s *Service) PendingFor(ctx context.Context, a auth.Actor) ([]Pending, error) {
	if !a.Has(auth.RoleCoopAdmin) || a.CooperativeID == 0 {
		return nil, errs.E(errs.Forbidden, "only a cooperative's administrator issues invoices")
	}
	const q = `SELECT p.order_id, p.title, p.taxpayer_id, p.kind, p.email, p.requested_at, p.number,
			p.blue, CASE WHEN p.blue THEN p.owed_fen ELSE p.share_fen END
		FROM (SELECT r.order_id, r.title, r.taxpayer_id, r.kind, r.email, r.requested_at, o.number, o.status,
			` + shareSQL + ` AS share_fen, ` + owedSQL + ` AS owed_fen,
			EXISTS (SELECT 1 FROM invoices i WHERE i.order_id = r.order_id AND i.cooperative_id = $1 AND i.kind = 'blue') AS blue
		FROM invoice_requests r JOIN orders o ON o.id = r.order_id
		JOIN shipments sh ON sh.order_id = r.order_id AND sh.cooperative_id = $1) p
		WHERE (NOT p.blue AND p.status <> 'refunded' AND p.share_fen > 0) OR (p.blue AND p.owed_fen > 0)
		ORDER BY p.requested_at, p.order_id LIMIT 200`
	rows, err := s.db.Query(ctx, q, a.CooperativeID)
	if err != nil {
		return nil, fmt.Errorf("pending invoices: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Pending, error) {
		var p Pending
		err := row.Scan(&p.OrderID, &p.Title, &p.TaxpayerID, &p.Kind, &p.Email, &p.RequestedAt, &p.OrderNumber, &p.Red, &p.AmountFen)
		return p, err
	})
}

// OrderNumber is an order's number for whoever may see its invoicing: a
// page names the order a refusal is about after the order has left the
// lists that would name it (refunded in full).
func (s *Service) OrderNumber(ctx context.Context, a auth.Actor, orderID int64) (string, error) {
	if _, err := s.access(ctx, s.db, a, orderID); err != nil {
		return "", err
	}
	const q = `SELECT number FROM orders WHERE id = $1`
	var number string
	if err := s.db.QueryRow(ctx, q, orderID).Scan(&number); err != nil {
		return "", fmt.Errorf("order number: %w", err)
	}
	return number, nil
}
