package attribution

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Plan is what writing an order's ledger entries needs: its lines, the
// lots and households that served each line, and what the ledger already
// holds. QueuePlan reads it in the caller's batch, so paying an order costs
// no round trip of its own for the attribution.
type Plan struct {
	lines    []lineState
	allocs   map[int64][]Allocation // by line, in FIFO order
	villages map[int64]string       // household → village
	held     map[int64][]Share      // by line
}

// The plan's read: one row per line, allocation and contributing household,
// in FIFO order (every line has at least one allocation).
const (
	planColumns = `SELECT ol.id, ol.order_id, ol.cooperative_id, ol.amount_fen, ol.refunded_fen, ol.quantity,
			ol.refunded_quantity, (ol.base_qty * 1000)::bigint,
			a.lot_id, (a.units * 1000)::bigint, l.income_kind, coalesce(l.fen_per_unit, 0), coalesce(l.share_bps, 0),
			c.household_id, (c.quantity * 1000)::bigint, h.village_code`
	planJoins = ` order_lines ol
		JOIN order_allocations a ON a.line_id = ol.id
		JOIN lots l ON l.id = a.lot_id
		JOIN lot_contributions c ON c.lot_id = a.lot_id
		JOIN households h ON h.id = c.household_id
		WHERE ol.order_id = $1 ORDER BY ol.id, a.position, c.household_id`
)

func newPlan() *Plan {
	return &Plan{allocs: map[int64][]Allocation{}, villages: map[int64]string{}, held: map[int64][]Share{}}
}

// QueuePlan queues, on b, the reads of the order's plan; the plan is
// filled when the batch's results are closed. withHeld reads the ledger's
// current sums too (a sale is a line's first attribution: nothing is held).
func QueuePlan(b *pgx.Batch, orderID int64, withHeld bool) *Plan {
	p := newPlan()
	b.Queue(planColumns+` FROM`+planJoins, orderID).Query(p.scan)
	if withHeld {
		const qHeld = `SELECT line_id, lot_id, household_id, sum(amount_fen)::bigint FROM attribution_entries
			WHERE order_id = $1 GROUP BY line_id, lot_id, household_id`
		b.Queue(qHeld, orderID).Query(func(rows pgx.Rows) error {
			var line int64
			var s Share
			_, err := pgx.ForEachRow(rows, []any{&line, &s.LotID, &s.HouseholdID, &s.AmountFen}, func() error {
				p.held[line] = append(p.held[line], s)
				return nil
			})
			return err
		})
	}
	return p
}

func (p *Plan) scan(rows pgx.Rows) error {
	var ln lineState
	var lot, units, fen, bps, hh, qty int64
	var kind, village string
	_, err := pgx.ForEachRow(rows, []any{&ln.ID, &ln.OrderID, &ln.CoopID, &ln.AmountFen, &ln.RefundedFen, &ln.Quantity,
		&ln.RefundedQty, &ln.BaseMilli, &lot, &units, &kind, &fen, &bps, &hh, &qty, &village}, func() error {
		if len(p.lines) == 0 || p.lines[len(p.lines)-1].ID != ln.ID {
			p.lines = append(p.lines, ln)
		}
		list := p.allocs[ln.ID]
		if len(list) == 0 || list[len(list)-1].LotID != lot {
			list = append(list, Allocation{LotID: lot, Units: units, Rule: Rule{Kind: RuleKind(kind), FenPerUnit: fen, BPS: bps}})
		}
		last := &list[len(list)-1]
		last.Contributions = append(last.Contributions, Contribution{HouseholdID: hh, Quantity: qty})
		p.allocs[ln.ID] = list
		p.villages[hh] = village
		return nil
	})
	return err
}

// Lines returns the ids of the plan's lines.
func (p *Plan) Lines() []int64 {
	out := make([]int64, len(p.lines))
	for i, l := range p.lines {
		out[i] = l.ID
	}
	return out
}

// want is the attribution the ledger must hold for a line now (I1): the
// rule applied to what the buyer keeps after refunds.
func (p *Plan) want(l lineState) []Share {
	kept, net := l.kept(p.allocs[l.ID])
	return Attribute(net, kept)
}

// Off returns, per line, how the ledger differs from what it must hold
// (empty when it is right).
func (p *Plan) Off() map[int64][]Share {
	out := map[int64][]Share{}
	for _, l := range p.lines {
		if d := Difference(p.want(l), p.held[l.ID]); len(d) > 0 {
			out[l.ID] = d
		}
	}
	return out
}

// QueueAppend queues, on b, one INSERT of the entries that bring the given
// lines (every line of the plan when lineIDs is nil) to what the rule wants
// now: kind sale when the order is marked paid, refund after a refund
// (refundID). It never edits an entry, and the same statement queues the
// new entries for the rollups (ApplyPending): it is the ledger's one writer.
// It returns how many entries it queued.
func (p *Plan) QueueAppend(b *pgx.Batch, lineIDs []int64, kind string, refundID int64, at time.Time) int {
	only := map[int64]bool{}
	for _, id := range lineIDs {
		only[id] = true
	}
	var hh, order, line, lot, coop, amount []int64
	var village []string
	for _, l := range p.lines {
		if lineIDs != nil && !only[l.ID] {
			continue
		}
		for _, d := range Difference(p.want(l), p.held[l.ID]) {
			hh, order, line, lot = append(hh, d.HouseholdID), append(order, l.OrderID), append(line, l.ID), append(lot, d.LotID)
			coop, amount, village = append(coop, l.CoopID), append(amount, d.AmountFen), append(village, p.villages[d.HouseholdID])
		}
	}
	if len(hh) == 0 {
		return 0
	}
	// append_ledger (migration 00500) inserts the entries and queues them for
	// the rollups, after checking what it appends: the service's role may not
	// insert into the ledger itself.
	const q = `SELECT append_ledger($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[],
		$7::bigint[], $8, nullif($9::bigint, 0), $10)`
	b.Queue(q, hh, order, line, lot, coop, village, amount, kind, refundID, at)
	return len(hh)
}

// Reconcile brings the ledger of some of the order's lines (all when
// lineIDs is nil) to what the rule wants after refund refundID, appending
// refund entries, in two round trips. Sales write their entries with
// QueuePlan and QueueAppend in the paying transaction's own batches.
func Reconcile(ctx context.Context, tx pgx.Tx, orderID int64, lineIDs []int64, refundID int64, at time.Time) (int, error) {
	b := &pgx.Batch{}
	p := QueuePlan(b, orderID, true)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return 0, fmt.Errorf("load attribution plan: %w", err)
	}
	b = &pgx.Batch{}
	n := p.QueueAppend(b, lineIDs, KindRefund, refundID, at)
	if n == 0 {
		return 0, nil
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return 0, fmt.Errorf("append entries: %w", err)
	}
	return n, nil
}
