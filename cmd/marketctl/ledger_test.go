package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/fupinmarket/market/internal/app"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
)

// TestLedgerVerifyNamesATamperedEntry: `marketctl ledger seal` seals two
// paid orders; `ledger verify` passes (exit 0) while the entries are
// untouched. After the tables' owner changes one entry's amount with the
// append-only trigger switched off (and on again), `ledger verify` fails
// (a non-zero exit) naming that entry, through the command line as
// marketctl parses it, and `audit` reports it as I7.
func TestLedgerVerifyNamesATamperedEntry(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	ctx := context.Background()
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	for range 2 {
		o, err := w.Place(t, 2)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Svc.ConfirmManual(ctx, w.Admin, int64(o.ID), "REF"); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	e := &env{infra: &app.Infra{DB: w.DB.Pool}, out: &out}
	if err := ledgerCmd(ctx, e, []string{"seal"}); err != nil || !strings.Contains(out.String(), "sealed 6 entries") {
		t.Fatalf("seal: %v %s", err, out.String())
	}
	cli := func(args ...string) (string, error) {
		var out bytes.Buffer
		full := append([]string{"--database-url", w.DB.URL, "--data-dir", t.TempDir(), "--data-key", cliKey1, "--log-level", "error"}, args...)
		err := run(ctx, full, &out)
		return out.String(), err
	}
	if got, err := cli("ledger", "verify"); err != nil || !strings.Contains(got, "ledger verified: 1 seals, 6 entries") {
		t.Fatalf("untouched ledger: %v %s", err, got)
	}
	var changed int64
	w.DB.Pool.QueryRow(ctx, `SELECT id FROM attribution_entries ORDER BY id OFFSET 3 LIMIT 1`).Scan(&changed)
	for _, q := range []string{`ALTER TABLE attribution_entries DISABLE TRIGGER attribution_entries_no_update`,
		fmt.Sprintf(`UPDATE attribution_entries SET amount_fen = amount_fen + 100 WHERE id = %d`, changed),
		`ALTER TABLE attribution_entries ENABLE TRIGGER attribution_entries_no_update`} {
		if _, err := w.DB.Pool.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	got, err := cli("ledger", "verify")
	want := fmt.Sprintf("entry %d (seal 1): no longer matches leaf 3", changed)
	if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(got, want) {
		t.Fatalf("tampered ledger: err %v, output %q; want %q", err, got, want)
	}
	out.Reset()
	if err := auditCmd(ctx, e, nil); err == nil || !strings.Contains(out.String(), "I7: "+want) {
		t.Fatalf("audit: %v %s", err, out.String())
	}
	if _, err := cli("ledger", "rewrite"); err == nil {
		t.Fatal("an unknown ledger command passed")
	}
}

// TestLedgerSealWaitsForAnotherSealer: while another sealer (marketd's job)
// holds the seal lock, `marketctl ledger seal` waits its turn and then
// seals what is left, rather than saying "nothing to seal" with entries
// unsealed.
func TestLedgerSealWaitsForAnotherSealer(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	ctx := context.Background()
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	o, err := w.Place(t, 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Svc.ConfirmManual(ctx, w.Admin, int64(o.ID), "REF"); err != nil {
		t.Fatal(err)
	}
	other, err := w.DB.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Rollback(ctx)
	if _, err := other.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(0x6c6564676572)); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	e := &env{infra: &app.Infra{DB: w.DB.Pool}, out: &out}
	done := make(chan error, 1)
	go func() { done <- ledgerCmd(ctx, e, []string{"seal"}) }()
	// The command is waiting once its lock request shows in pg_locks.
	for waiting := false; !waiting; {
		select {
		case err := <-done:
			t.Fatalf("seal returned while another sealer held the lock: %v %q", err, out.String())
		default:
		}
		w.DB.Pool.QueryRow(ctx, `SELECT count(*) > 0 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
			AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&waiting)
	}
	if err := other.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil || !strings.Contains(out.String(), "sealed 3 entries") {
		t.Fatalf("seal after its turn: %v %q", err, out.String())
	}
}
