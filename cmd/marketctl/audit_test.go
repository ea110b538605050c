package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/app"
	"github.com/fupinmarket/market/internal/config"
	"github.com/fupinmarket/market/internal/feed"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
)

// TestAuditCommand: clean after a paid order; after the ledger and a lot are
// tampered with, it fails naming the rows.
func TestAuditCommand(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	ctx := context.Background()
	lot := w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1)
	o, err := w.Place(t, 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Svc.ConfirmManual(ctx, w.Admin, int64(o.ID), "REF"); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	e := &env{infra: &app.Infra{DB: w.DB.Pool}, out: &out}
	if err := auditCmd(ctx, e, nil); err != nil || !strings.Contains(out.String(), "audit clean") {
		t.Fatalf("clean ledger: %v %s", err, out.String())
	}
	// An extra entry (appending is allowed; editing is not) breaks I1, and
	// stock vanishing from a lot breaks I4.
	line := o.Lines[0].ID
	w.DB.Pool.Exec(ctx, `INSERT INTO attribution_entries (household_id, order_id, line_id, lot_id, cooperative_id, village_code, amount_fen, kind)
		SELECT household_id, order_id, line_id, lot_id, cooperative_id, village_code, 7, 'sale' FROM attribution_entries WHERE line_id = $1 LIMIT 1`, int64(line))
	w.DB.Pool.Exec(ctx, `UPDATE lots SET remaining = remaining - 1 WHERE id = $1`, lot)
	out.Reset()
	err = auditCmd(ctx, e, nil)
	if err == nil {
		t.Fatal("audit passed a tampered ledger")
	}
	for _, want := range []string{fmt.Sprintf("I1: line %d", line), fmt.Sprintf("I4: lot %d", lot)} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("audit output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestFeedCommands: feed status counts the outbox, feed replay marks
// delivered events pending again, and the audit names events undelivered
// for more than a day.
func TestFeedCommands(t *testing.T) {
	w := ordertest.New(t, order.Config{Feed: &feed.Outbox{}})
	ctx := context.Background()
	w.Lot(t, "100", "2026-01-05", "per_unit", 1000, 1)
	ordertest.Exec(t, w.DB, `INSERT INTO product_certifications (product_id, certificate_no, county_code, valid_from, valid_until,
			status, certified_by, confirmed_by, confirmed_at)
		VALUES ($1, 'XJ-CTL-0001', '653224', '2020-01-01', '2099-12-31', 'confirmed', $2, $2, now() - interval '1 hour') RETURNING id`,
		w.ProductID, w.Admin.UserID)
	for range 2 {
		o, err := w.Place(t, 1)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Svc.ConfirmManual(ctx, w.Admin, int64(o.ID), "REF"); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	e := &env{infra: &app.Infra{DB: w.DB.Pool}, out: &out, cfg: config.Config{FeedURL: "https://feeduser:feed-pw@platform.example/in?token=tok-123"}}
	if err := feedCmd(ctx, e, []string{"status"}); err != nil || !strings.Contains(out.String(), "pending:    2") {
		t.Fatalf("status: %v\n%s", err, out.String())
	}
	if s := out.String(); strings.Contains(s, "feed-pw") || strings.Contains(s, "tok-123") || !strings.Contains(s, "platform.example") {
		t.Fatalf("status shows the feed's URL with its credentials, or not at all:\n%s", s)
	}
	ordertest.Exec(t, w.DB, `UPDATE feed_events SET delivered_at = now() WHERE seq = (SELECT min(seq) FROM feed_events) RETURNING seq`)
	out.Reset()
	if err := feedCmd(ctx, e, []string{"replay", "--since", "2020-01-01"}); err != nil || !strings.Contains(out.String(), "1 delivered event(s)") {
		t.Fatalf("replay: %v\n%s", err, out.String())
	}
	if err := feedCmd(ctx, e, []string{"replay"}); err == nil {
		t.Fatal("replay without --since passed")
	}
	ordertest.Exec(t, w.DB, `UPDATE feed_events SET queued_at = now() - interval '2 days' WHERE seq = (SELECT max(seq) FROM feed_events) RETURNING seq`)
	out.Reset()
	if err := auditCmd(ctx, e, nil); err == nil || !strings.Contains(out.String(), "FEED: cooperative") {
		t.Fatalf("audit of a stuck feed: %v\n%s", err, out.String())
	}
}
