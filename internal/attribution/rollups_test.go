package attribution_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/fupinmarket/market/internal/attribution"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
)

// rollupState is what the rollups and the queue hold for the world's
// households: the household-year income summed, the cooperative balances
// summed, the village-year total, and the queue's length.
type rollupState struct {
	incomeFen, balanceFen, villageFen, ledgerFen int64
	pending                                      int
}

func readRollups(t *testing.T, w *ordertest.World) rollupState {
	t.Helper()
	var s rollupState
	err := w.DB.Pool.QueryRow(context.Background(), `SELECT
			(SELECT coalesce(sum(attributed_fen), 0)::bigint FROM household_year_income),
			(SELECT coalesce(sum(attributed_fen), 0)::bigint FROM coop_household_balance),
			(SELECT coalesce(sum(attributed_fen), 0)::bigint FROM village_year_rollup),
			(SELECT coalesce(sum(amount_fen), 0)::bigint FROM attribution_entries),
			(SELECT count(*) FROM rollup_pending)`).
		Scan(&s.incomeFen, &s.balanceFen, &s.villageFen, &s.ledgerFen, &s.pending)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func payOrders(t *testing.T, w *ordertest.World, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		o, err := w.Place(t, 1)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Svc.ConfirmManual(context.Background(), w.Admin, int64(o.ID), "T"); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRollupsFollowTheQueue: paying writes the ledger and queues its
// entries; the rollups take them when the queue is applied, once, and the
// audit holds before (pending entries are not yet due in the rollups) and
// after.
func TestRollupsFollowTheQueue(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	payOrders(t, w, 2)
	before := readRollups(t, w)
	if before.ledgerFen != 2*2500 || before.pending != 2 || before.incomeFen != 0 || before.balanceFen != 0 {
		t.Fatalf("before applying: %+v", before)
	}
	w.Audit(t)
	ctx := context.Background()
	if err := attribution.ApplyPending(ctx, w.DB.Pool); err != nil {
		t.Fatal(err)
	}
	after := readRollups(t, w)
	want := rollupState{incomeFen: 5000, balanceFen: 5000, villageFen: 5000, ledgerFen: 5000}
	if after != want {
		t.Fatalf("after applying: %+v, want %+v", after, want)
	}
	if err := attribution.ApplyPending(ctx, w.DB.Pool); err != nil {
		t.Fatal(err)
	}
	if again := readRollups(t, w); again != want {
		t.Fatalf("applying an empty queue changed the rollups: %+v", again)
	}
	w.Audit(t)

	t.Run("the audit sees a rollup that left the ledger", func(t *testing.T) {
		ordertest.Exec(t, w.DB, `UPDATE coop_household_balance SET attributed_fen = attributed_fen + 1, operating_fen = operating_fen + 1
			WHERE household_id = $1 RETURNING household_id`, w.Households[0])
		v, err := attribution.Audit(ctx, w.DB.Pool)
		if err != nil {
			t.Fatal(err)
		}
		if len(v) != 1 || v[0].Invariant != "I6" {
			t.Fatalf("audit after tampering: %v", v)
		}
	})
}

// TestConcurrentAppliersApplyOnce: appliers running at the same time (the
// river job, report reads, payouts) take disjoint parts of the queue, so
// every entry reaches the rollups exactly once.
func TestConcurrentAppliersApplyOnce(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	w.Lot(t, "1000", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	ctx := context.Background()
	for round := 0; round < 3; round++ {
		payOrders(t, w, 5)
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- attribution.ApplyPending(ctx, w.DB.Pool)
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		s := readRollups(t, w)
		if s.pending != 0 || s.incomeFen != s.ledgerFen || s.balanceFen != s.ledgerFen || s.villageFen != s.ledgerFen {
			t.Fatalf("round %d: %+v", round, s)
		}
	}
	w.Audit(t)
}

// TestRebuildEmptiesTheQueue: rebuilding the rollups from the whole ledger
// (as a poverty-line change does) takes the pending entries in, so the
// queue must not apply them a second time.
func TestRebuildEmptiesTheQueue(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	payOrders(t, w, 1)
	if err := attribution.ApplyPending(context.Background(), w.DB.Pool); err != nil {
		t.Fatal(err)
	}
	payOrders(t, w, 2)
	if _, err := w.DB.Pool.Exec(context.Background(), `SELECT rebuild_rollups()`); err != nil {
		t.Fatal(err)
	}
	if err := attribution.ApplyPending(context.Background(), w.DB.Pool); err != nil {
		t.Fatal(err)
	}
	want := rollupState{incomeFen: 7500, balanceFen: 7500, villageFen: 7500, ledgerFen: 7500}
	if got := readRollups(t, w); got != want {
		t.Fatalf("after rebuild and apply: %+v, want %+v", got, want)
	}
	w.Audit(t)
}

// TestAuditFindsAStuckQueue: entries that no rollup pass has applied for
// long (passes failing) break I6 even though the settled figures agree.
func TestAuditFindsAStuckQueue(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1)
	payOrders(t, w, 1)
	w.Audit(t)
	ordertest.Exec(t, w.DB, `UPDATE rollup_pending SET queued_at = now() - interval '1 hour' RETURNING cardinality(entry_ids)`)
	v, err := attribution.Audit(context.Background(), w.DB.Pool)
	if err != nil {
		t.Fatal(err)
	}
	if len(v) != 1 || v[0].Invariant != "I6" || !strings.Contains(v[0].Detail, "have waited for the rollups since") {
		t.Fatalf("audit: %v", v)
	}
}

// TestAuditSeesAProductRollupThatLeftTheLedger: the dashboard's top
// products read village_product_rollup, so I6 holds it to the ledger like
// the other rollups, and names the village, year and product.
func TestAuditSeesAProductRollupThatLeftTheLedger(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	ctx := context.Background()
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1)
	payOrders(t, w, 1)
	if err := attribution.ApplyPending(ctx, w.DB.Pool); err != nil {
		t.Fatal(err)
	}
	w.Audit(t)
	ordertest.Exec(t, w.DB, `UPDATE village_product_rollup SET attributed_fen = attributed_fen + 1000000 RETURNING 1::bigint`)
	v, err := attribution.Audit(ctx, w.DB.Pool)
	if err != nil {
		t.Fatal(err)
	}
	if len(v) != 1 || v[0].Invariant != "I6" || !strings.Contains(v[0].Detail, "village-product rollup differs from the ledger at village ") {
		t.Fatalf("audit with a product rollup ¥10,000 above the ledger: %v", v)
	}
}
