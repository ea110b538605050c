// Package invoice keeps invoices (发票): the request a buyer or their
// institution makes on a paid order (title, taxpayer id, normal or special
// VAT invoice, e-mail), and the invoice each cooperative of the order issues
// for its part, with its number and PDF.
package invoice

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/errs"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/text"
)

// Kinds of invoice: 普通发票 and 增值税专用发票 (which needs the buyer's
// taxpayer id).
const (
	Normal  = "normal"
	Special = "special"
)

// Kinds of issued invoice: the blue-letter invoice (蓝字发票) a cooperative
// issues for its part of an order, and the red-letter ones (红字发票, credit
// notes) it issues when its part is refunded after.
const (
	Blue = "blue"
	Red  = "red"
)

// MaxPDFBytes bounds an uploaded invoice.
const MaxPDFBytes = 5 << 20

// RequestInput is what a buyer asks for.
type RequestInput struct {
	Title      string `json:"title"`
	TaxpayerID string `json:"taxpayer_id"`
	Kind       string `json:"kind"`
	Email      string `json:"email"`
}

// Request is an order's invoice request.
type Request struct {
	OrderID     ids.ID    `json:"order_id"`
	Title       string    `json:"title"`
	TaxpayerID  string    `json:"taxpayer_id,omitempty"`
	Kind        string    `json:"kind"`
	Email       string    `json:"email"`
	RequestedAt time.Time `json:"requested_at"`
}

// Invoice is one cooperative's invoice of an order.
type Invoice struct {
	ID            ids.ID    `json:"id"`
	OrderID       ids.ID    `json:"order_id"`
	CooperativeID ids.ID    `json:"cooperative_id"`
	Number        string    `json:"number"`
	Kind          string    `json:"kind"`       // blue or red
	AmountFen     int64     `json:"amount_fen"` // what it covers: the part it was issued for (blue), what the part fell by (red)
	URL           string    `json:"url"`
	IssuedAt      time.Time `json:"issued_at"`
}

// State is an order's invoicing: the request, if any, and the invoices.
type State struct {
	Request  *Request  `json:"request"`
	Invoices []Invoice `json:"invoices"`
	// Cooperatives is how many invoices the order is due: one per
	// cooperative whose part of the order (its goods and the shipping it
	// keeps, net of refunds) is more than nothing, or that issued one.
	Cooperatives int `json:"cooperatives"`
	// RedDueFen is what the order's cooperatives (the actor's, for a
	// cooperative) owe in red-letter invoices: how far their parts fell
	// below their invoices (blue less red) through refunds made after.
	RedDueFen int64 `json:"red_due_fen"`
}

// shareSQL is a cooperative's part of an order in fen, for its shipment
// sh: its lines net of their refunds, and its shipping fee less what the
// order's refunded shipping takes from it. Refunded shipping (what the
// order's refunds returned beside its lines) is taken from the shipments'
// fees in the order of their cooperatives' ids (docs/DOMAIN.md): each
// cooperative invoices the fee it still keeps.
const shareSQL = `(sh.shipping_fen - least(sh.shipping_fen, greatest(0,
		(SELECT so.refunded_fen - coalesce((SELECT sum(sl.refunded_fen) FROM order_lines sl WHERE sl.order_id = so.id), 0)
			FROM orders so WHERE so.id = sh.order_id)
		- (SELECT coalesce(sum(x.shipping_fen), 0) FROM shipments x WHERE x.order_id = sh.order_id AND x.cooperative_id < sh.cooperative_id)))
	+ coalesce((SELECT sum(ol.amount_fen - ol.refunded_fen) FROM order_lines ol
			WHERE ol.order_id = sh.order_id AND ol.shipment_id = sh.id), 0))::bigint`

// dueSQL holds for a shipment sh whose cooperative owes the order an
// invoice: its part is more than nothing and the order is paid and not
// refunded (as Issue and PendingFor require: an order whose lines were all
// refunded is 'refunded' even when its shipping fee was kept), or it issued
// one (an invoice issued stays, whatever is refunded after).
const dueSQL = `((` + shareSQL + ` > 0
		AND EXISTS (SELECT 1 FROM orders dueo WHERE dueo.id = sh.order_id AND dueo.paid_at IS NOT NULL AND dueo.status <> 'refunded'))
	OR EXISTS (SELECT 1 FROM invoices di WHERE di.order_id = sh.order_id AND di.cooperative_id = sh.cooperative_id))`

// owedSQL is what a shipment sh's cooperative owes the order in red-letter
// invoices, in fen: how far its part (shareSQL) is below what its invoices
// cover, its blue invoice less its red ones; nothing before its blue one.
const owedSQL = `greatest(0, coalesce((SELECT sum(CASE WHEN oi.kind = 'red' THEN -oi.amount_fen ELSE oi.amount_fen END)
		FROM invoices oi WHERE oi.order_id = sh.order_id AND oi.cooperative_id = sh.cooperative_id), 0) - ` + shareSQL + `)::bigint`

// Issued reports whether every cooperative the order is due an invoice
// from has issued it, and no red-letter invoice is owed.
func (s State) Issued() bool {
	return s.Request != nil && s.BlueCount() >= s.Cooperatives && s.RedDueFen == 0
}

// BlueCount is how many blue-letter invoices were issued.
func (s State) BlueCount() int {
	n := 0
	for _, inv := range s.Invoices {
		if inv.Kind == Blue {
			n++
		}
	}
	return n
}

// Service keeps invoices.
type Service struct{ db *pgxpool.Pool }

// NewService returns the invoice service.
func NewService(db *pgxpool.Pool) *Service { return &Service{db: db} }

// PDFURL is where an invoice's PDF is downloaded.
func PDFURL(orderID, invoiceID ids.ID) string {
	return fmt.Sprintf("/api/v1/orders/%d/invoices/%d/pdf", orderID, invoiceID)
}

var (
	taxpayerPattern = regexp.MustCompile(`^[0-9A-Z]{15,20}$`)
	numberPattern   = regexp.MustCompile(`^[0-9A-Za-z-]{1,40}$`)
)

func (in *RequestInput) check() error {
	in.Title, in.Email = strings.TrimSpace(in.Title), strings.TrimSpace(in.Email)
	in.TaxpayerID = strings.ToUpper(strings.TrimSpace(in.TaxpayerID))
	f := errs.FieldErrors{}
	if n := len([]rune(in.Title)); n == 0 || n > 100 {
		f.Add("title", "is required, at most 100 characters")
	} else if msg := text.Problem(in.Title, false); msg != "" {
		f.Add("title", msg)
	}
	switch in.Kind {
	case Normal, Special:
	default:
		f.Add("kind", "must be normal or special")
	}
	if in.TaxpayerID != "" && !taxpayerPattern.MatchString(in.TaxpayerID) {
		f.Add("taxpayer_id", "must be a taxpayer id of 15 to 20 letters and digits")
	} else if in.TaxpayerID == "" && in.Kind == Special {
		f.Add("taxpayer_id", "is required for a special VAT invoice")
	}
	if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email {
		f.Add("email", "must be an e-mail address")
	}
	return f.Err("the invoice request is not valid")
}

// access is who the actor is to an order: its buyer (or the admin of the
// buyer's institution), one of its cooperatives, or a platform admin. An
// order the actor has nothing to do with is not found.
type access struct {
	buyer, admin bool
	coop         int64 // the actor's cooperative in the order, 0 if none
	share        int64 // its part of the order, in fen (shareSQL)
	owed         int64 // the red-letter invoice it owes, in fen (owedSQL)
	owedAll      int64 // every cooperative's owedSQL
	paid         bool
	coops        int  // the invoices due (dueSQL)
	due          bool // the actor's cooperative owes the order an invoice (dueSQL)
}

func (s *Service) access(ctx context.Context, q querier, a auth.Actor, orderID int64) (access, error) {
	const sql = `SELECT o.buyer_id, coalesce(o.buyer_org_id, 0), o.paid_at IS NOT NULL AND o.status <> 'refunded',
			array_agg(sh.cooperative_id ORDER BY sh.cooperative_id), array_agg(sh.share_fen ORDER BY sh.cooperative_id),
			array_agg(sh.owed_fen ORDER BY sh.cooperative_id), array_agg(sh.due ORDER BY sh.cooperative_id),
			count(*) FILTER (WHERE sh.due)::int
		FROM orders o JOIN (SELECT sh.order_id, sh.cooperative_id, ` + shareSQL + ` AS share_fen, ` + dueSQL + ` AS due,
			` + owedSQL + ` AS owed_fen
			FROM shipments sh WHERE sh.order_id = $1) sh ON sh.order_id = o.id
		WHERE o.id = $1 GROUP BY o.id`
	var buyer, org int64
	var acc access
	var coops, shares, owed []int64
	var due []bool
	err := q.QueryRow(ctx, sql, orderID).Scan(&buyer, &org, &acc.paid, &coops, &shares, &owed, &due, &acc.coops)
	if errors.Is(err, pgx.ErrNoRows) {
		return acc, errs.E(errs.NotFound, "order not found")
	}
	if err != nil {
		return acc, fmt.Errorf("invoice access: %w", err)
	}
	acc.admin = a.IsAdmin()
	acc.buyer = (a.UserID == buyer && buyer != 0) || (org != 0 && a.BuyerOrgID == org && a.Has(auth.RoleBuyerOrgAdmin))
	for i, c := range coops {
		if a.ManagesCoop(c) {
			acc.coop, acc.share, acc.owed, acc.due = c, shares[i], owed[i], due[i]
		}
		acc.owedAll += owed[i]
	}
	if !acc.buyer && !acc.admin && acc.coop == 0 {
		return acc, errs.E(errs.NotFound, "order not found")
	}
	return acc, nil
}

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// redDueMessage refuses a red-letter invoice no refund calls for.
const redDueMessage = "no red-letter invoice is due: your cooperative's part of the order has not fallen below its invoices"

// Ask records the request of an order's buyer (or their institution's
// admin). An order is invoiced once it is paid; a second request is a
// conflict.
func (s *Service) Ask(ctx context.Context, a auth.Actor, orderID int64, in RequestInput) (Request, error) {
	acc, err := s.access(ctx, s.db, a, orderID)
	if err != nil {
		return Request{}, err
	}
	if !acc.buyer {
		return Request{}, errs.E(errs.Forbidden, "only the order's buyer or their institution asks for its invoice")
	}
	if !acc.paid {
		return Request{}, errs.E(errs.Conflict, "an invoice can be asked for once the order is paid")
	}
	if err := in.check(); err != nil {
		return Request{}, err
	}
	const q = `INSERT INTO invoice_requests (order_id, title, taxpayer_id, kind, email, requested_by)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING requested_at`
	r := Request{OrderID: ids.ID(orderID), Title: in.Title, TaxpayerID: in.TaxpayerID, Kind: in.Kind, Email: in.Email}
	err = s.db.QueryRow(ctx, q, orderID, in.Title, in.TaxpayerID, in.Kind, in.Email, a.UserID).Scan(&r.RequestedAt)
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == "23505" {
		return Request{}, errs.E(errs.Conflict, "an invoice was already asked for this order")
	}
	if err != nil {
		return Request{}, fmt.Errorf("invoice request: %w", err)
	}
	return r, nil
}
