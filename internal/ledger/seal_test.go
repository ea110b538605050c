package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fupinmarket/market/internal/ledger"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
)

// paid places and pays an order of qty boxes.
func paid(t testing.TB, w *ordertest.World, qty int) order.Order {
	t.Helper()
	o, err := w.Place(t, qty)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Svc.ConfirmManual(context.Background(), w.Admin, int64(o.ID), "REF"); err != nil {
		t.Fatal(err)
	}
	return o
}

// TestSealProveVerify seals a few orders' entries (a refund's among them)
// as the service's role in small batches, and checks the chain, each
// order's proofs against its seals' roots, and the verification.
func TestSealProveVerify(t *testing.T) {
	ctx := context.Background()
	w := ordertest.New(t, order.Config{})
	w.Lot(t, "1000", "2026-09-01", "per_unit", 1000, 1, 2, 3)
	var orders []order.Order
	for range 3 {
		orders = append(orders, paid(t, w, 2))
	}
	line := orders[0].Lines[0]
	_, err := w.Svc.Refund(ctx, w.Admin, int64(orders[0].ID), order.RefundRequest{Reason: "damaged",
		Lines: []order.RefundLine{{LineID: line.ID, Quantity: 1, AmountFen: line.AmountFen / 2}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sealer := ledger.Sealer{DB: w.DB.AppPool(t), Batch: 4}
	seals, err := sealer.Seal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	w.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM attribution_entries`).Scan(&total)
	if total < 10 || len(seals) != int((total+3)/4) {
		t.Fatalf("%d entries in %d seals", total, len(seals))
	}
	var prev ledger.Hash
	for i, s := range seals {
		if s.Seq != int64(i+1) || s.Prev != prev {
			t.Fatalf("seal %d: seq %d, prev %s, want %s", i, s.Seq, s.Prev, prev)
		}
		prev = s.Hash()
	}
	if again, err := sealer.Seal(ctx); err != nil || len(again) != 0 {
		t.Fatalf("a second run sealed %v (%v)", again, err)
	}
	for _, o := range orders {
		proofs, err := ledger.OrderProofs(ctx, w.DB.AppPool(t), int64(o.ID))
		if err != nil {
			t.Fatal(err)
		}
		var n int
		w.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM attribution_entries WHERE order_id = $1`, int64(o.ID)).Scan(&n)
		if len(proofs) != n {
			t.Fatalf("order %d: %d proofs for %d entries", o.ID, len(proofs), n)
		}
		for _, p := range proofs {
			s, err := ledger.BySeq(ctx, w.DB.AppPool(t), p.SealSeq)
			if err != nil {
				t.Fatal(err)
			}
			if !ledger.VerifyPath(ledger.LeafHash(p.Leaf), p.Index, s.Entries, p.Path, s.Root) {
				t.Errorf("entry %d: its proof does not verify against seal %d", p.EntryID, s.Seq)
			}
		}
	}
	r, err := ledger.Verify(ctx, w.DB.AppPool(t))
	if err != nil || len(r.Problems) > 0 || r.Entries != total || r.Seals != int64(len(seals)) {
		t.Fatalf("verify: %+v %v", r, err)
	}
	w.Audit(t)
}

// TestSealingWaitsForAnOpenWriter: an entry drawn by a transaction still
// open keeps every later entry out of the seals, even committed ones, until
// it ends; a rolled-back entry's id is a hole the seals pass over.
func TestSealingWaitsForAnOpenWriter(t *testing.T) {
	ctx := context.Background()
	w := ordertest.New(t, order.Config{})
	w.Lot(t, "1000", "2026-09-01", "per_unit", 1000, 1, 1)
	paid(t, w, 1)
	const extra = `INSERT INTO attribution_entries (household_id, order_id, line_id, lot_id, cooperative_id, village_code, amount_fen, kind)
		SELECT household_id, order_id, line_id, lot_id, cooperative_id, village_code, 1, 'sale' FROM attribution_entries
		ORDER BY id LIMIT 1 RETURNING id`
	slow, err := w.DB.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Rollback(ctx)
	var slowID, fastID int64
	if err := slow.QueryRow(ctx, extra).Scan(&slowID); err != nil {
		t.Fatal(err)
	}
	if err := w.DB.Pool.QueryRow(ctx, extra).Scan(&fastID); err != nil || fastID <= slowID {
		t.Fatalf("fast entry %d after slow %d: %v", fastID, slowID, err)
	}
	sealer := ledger.Sealer{DB: w.DB.AppPool(t), Wait: 200 * time.Millisecond}
	if seals, err := sealer.Seal(ctx); !errors.Is(err, ledger.ErrWritersInFlight) || len(seals) > 0 {
		t.Fatalf("with entry %d uncommitted: %v, %v", slowID, seals, err)
	}
	if err := slow.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	rolledBack, err := w.DB.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var hole int64
	rolledBack.QueryRow(ctx, extra).Scan(&hole)
	rolledBack.Rollback(ctx)
	var last int64
	w.DB.Pool.QueryRow(ctx, extra).Scan(&last)
	seals, err := sealer.Seal(ctx)
	if err != nil || len(seals) != 1 {
		t.Fatalf("after commit: %v, %v", seals, err)
	}
	var n int
	w.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM attribution_entries`).Scan(&n)
	if s := seals[0]; int64(s.LastEntryID) != last || s.Entries != n || int64(s.LastEntryID)-int64(s.FirstEntryID)+1 != int64(n+1) {
		t.Fatalf("seal %+v: want all %d entries up to %d, passing over %d", s, n, last, hole)
	}
	if r, err := ledger.Verify(ctx, w.DB.Pool); err != nil || len(r.Problems) > 0 {
		t.Fatalf("verify: %+v %v", r, err)
	}
}

// TestSealingIsGapFreeUnderConcurrency pays orders from several buyers at
// once while a sealer runs in a loop, then checks that the seals cover
// every entry exactly once, in id order, without a gap.
func TestSealingIsGapFreeUnderConcurrency(t *testing.T) {
	ctx := context.Background()
	// One buyer checks out from many goroutines at once: no holding limit.
	w := ordertest.New(t, order.Config{MaxUnpaidOrders: 1000})
	w.Lot(t, "100000", "2026-09-01", "per_unit", 1000, 1, 2, 3)
	sealer := ledger.Sealer{DB: w.DB.AppPool(t), Batch: 5}
	const workers, each = 6, 15
	done := make(chan struct{})
	sealed := make(chan error, 1)
	go func() {
		for {
			select {
			case <-done:
				sealed <- nil
				return
			default:
			}
			if _, err := sealer.Seal(ctx); err != nil && !errors.Is(err, ledger.ErrWritersInFlight) {
				sealed <- err
				return
			}
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				o, err := w.Place(t, 1)
				if err == nil {
					_, err = w.Svc.ConfirmManual(ctx, w.Admin, int64(o.ID), "REF")
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(done)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := <-sealed; err != nil {
		t.Fatal(err)
	}
	if _, err := sealer.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	checkCoverage(t, w, workers*each*3) // three households share every box
}

// checkCoverage: the seals, numbered from 1, cover the entries in id order,
// each entry in exactly one seal, the last entry included.
func checkCoverage(t *testing.T, w *ordertest.World, want int) {
	t.Helper()
	ctx := context.Background()
	rows, _ := w.DB.Pool.Query(ctx, `SELECT id FROM attribution_entries ORDER BY id`)
	entries, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	type span struct {
		Seq, First, Last int64
		N                int
	}
	rows, _ = w.DB.Pool.Query(ctx, `SELECT seq, first_entry_id, last_entry_id, entries FROM ledger_seals ORDER BY seq`)
	spans, err := pgx.CollectRows(rows, pgx.RowToStructByPos[span])
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != want || len(spans) < 2 {
		t.Fatalf("%d entries, %d seals", len(entries), len(spans))
	}
	i := 0
	for k, s := range spans {
		if s.Seq != int64(k+1) {
			t.Fatalf("seal %d numbered %d", k+1, s.Seq)
		}
		if i >= len(entries) || entries[i] != s.First {
			t.Fatalf("seal %d starts at entry %d, the next unsealed is %v", s.Seq, s.First, entries[i:min(i+1, len(entries))])
		}
		n := 0
		for i < len(entries) && entries[i] <= s.Last {
			i, n = i+1, n+1
		}
		if n != s.N || entries[i-1] != s.Last {
			t.Fatalf("seal %d (%d–%d) says %d entries, holds %d", s.Seq, s.First, s.Last, s.N, n)
		}
	}
	if i != len(entries) {
		t.Fatalf("entries from %d on are in no seal", entries[i])
	}
	if r, err := ledger.Verify(ctx, w.DB.Pool); err != nil || len(r.Problems) > 0 {
		t.Fatalf("verify: %+v %v", r, err)
	}
}

// TestSealsAreAppendOnlyAndChained: even the tables' owner cannot change a
// seal, and the database refuses a seal that does not follow the last one
// or skips an entry.
func TestSealsAreAppendOnlyAndChained(t *testing.T) {
	ctx := context.Background()
	w := ordertest.New(t, order.Config{})
	w.Lot(t, "1000", "2026-09-01", "per_unit", 1000, 1, 1)
	paid(t, w, 1)
	paid(t, w, 1)
	if _, err := (ledger.Sealer{DB: w.DB.Pool, Batch: 1}).Seal(ctx); err != nil {
		t.Fatal(err)
	}
	paid(t, w, 1)
	var last, maxID int64
	w.DB.Pool.QueryRow(ctx, `SELECT max(seq), (SELECT max(id) FROM attribution_entries) FROM ledger_seals`).Scan(&last, &maxID)
	for name, q := range map[string]string{
		"update":   `UPDATE ledger_seals SET root = prev`,
		"delete":   `DELETE FROM ledger_seals WHERE seq = 1`,
		"truncate": `TRUNCATE ledger_seals`,
		"wrong prev": fmt.Sprintf(`INSERT INTO ledger_seals (seq, first_entry_id, last_entry_id, entries, root, prev, leaves)
			VALUES (%d, %d, %d, 1, sha256(''), sha256(''), sha256(''))`, last+1, maxID, maxID),
		"a gap": fmt.Sprintf(`INSERT INTO ledger_seals (seq, first_entry_id, last_entry_id, entries, root, prev, leaves)
			SELECT %d, %d, %d, 1, sha256(''), ledger_seal_hash(seq, first_entry_id, last_entry_id, entries, root, prev), sha256('')
			FROM ledger_seals WHERE seq = %d`, last+1, maxID, maxID, last),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := w.DB.Pool.Exec(ctx, q)
			var pg *pgconn.PgError
			if !errors.As(err, &pg) || (pg.Code != "P0001" && pg.Code != "23514") {
				t.Fatalf("%s: %v, want refused", q, err)
			}
		})
	}
}
