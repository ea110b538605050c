package report_test

import (
	"context"
	"testing"
	"time"

	"github.com/fupinmarket/market/internal/attribution"
	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
	"github.com/fupinmarket/market/internal/payout"
	"github.com/fupinmarket/market/internal/platform/clock"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/report"
)

// TestAMovedHouseholdsFiguresMoveWithIt: a household's years are reported
// under the village it is registered in now. When the registry moves it to
// another county (with income of this year, some of it still queued for the
// rollups, and a payout of last year), each county's summary equals the sum
// of its own household list, the audit holds, and a rebuild of the rollups
// from the ledger changes nothing.
func TestAMovedHouseholdsFiguresMoveWithIt(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	ctx := context.Background()
	// A line the households' baselines are just under, so that the sales
	// carry some of them across it and the crossings move too.
	ordertest.Exec(t, w.DB, `INSERT INTO poverty_lines (province_code, year, poverty_line_fen, monitoring_line_fen)
		SELECT '650000', 2025, min(baseline_income_fen) + 1, min(baseline_income_fen) + 2 FROM households
		ON CONFLICT (province_code, year) DO UPDATE SET poverty_line_fen = excluded.poverty_line_fen,
			monitoring_line_fen = excluded.monitoring_line_fen RETURNING 1::bigint`)
	w.Lot(t, "1000", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	paidOrder(t, w, 4)
	if err := attribution.ApplyPending(ctx, w.DB.Pool); err != nil {
		t.Fatal(err)
	}
	coopAdmin := auth.Actor{UserID: w.Buyer.UserID, Roles: []auth.Role{auth.RoleCoopAdmin}, CooperativeID: w.CoopID}
	if err := payout.NewService(w.DB.Pool, clock.Clock{}).Record(ctx, coopAdmin, w.CoopID, []payout.Input{{
		HouseholdID: ids.ID(w.Households[0]), AmountFen: 300, PaidOn: "2025-12-30", Method: "cash"}}, nil); err != nil {
		t.Fatal(err)
	}
	paidOrder(t, w, 2) // queued, not yet in the rollups, when the household moves
	var town string
	if err := w.DB.Pool.QueryRow(ctx, `SELECT min(code) FROM regions WHERE parent_code = '653225'`).Scan(&town); err != nil {
		t.Fatal(err)
	}
	elsewhere := town + "001"
	ordertest.Exec(t, w.DB, `INSERT INTO regions (code, name, level, parent_code) VALUES ($1, '新村', 'village', $2) RETURNING 1::bigint`, elsewhere, town)
	ordertest.Exec(t, w.DB, `UPDATE households SET village_code = $2 WHERE id = $1 RETURNING id`, w.Households[0], elsewhere)
	paidOrder(t, w, 2) // after the move
	if err := attribution.ApplyPending(ctx, w.DB.Pool); err != nil {
		t.Fatal(err)
	}
	w.Audit(t)

	svc := report.NewService(w.DB.Pool, clock.Clock{})
	for _, year := range []int{2025, clock.Clock{}.Year()} {
		for _, county := range []string{"653224", "653225"} {
			off := auth.Actor{UserID: 9, Roles: []auth.Role{auth.RoleOffice}, OfficeRegion: county, OfficeLevel: "county"}
			s, err := svc.Summary(ctx, off, county, year)
			if err != nil {
				t.Fatal(err)
			}
			var listed, paid int64
			if err := svc.EachHousehold(ctx, off, county, year, func(h report.HouseholdRow) error {
				listed += h.AttributedFen
				paid += h.PaidFen
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if s.AttributedFen != listed || s.PaidOutFen != paid {
				t.Errorf("county %s %d: summary %d fen attributed and %d paid out, its households' rows %d and %d",
					county, year, s.AttributedFen, s.PaidOutFen, listed, paid)
			}
		}
	}

	read := func() string {
		var s string
		if err := w.DB.Pool.QueryRow(ctx, `SELECT
				(SELECT string_agg(concat_ws(':', village_code, year, attributed_fen, paid_out_fen, households_reached,
					members_reached, crossed_poverty, crossed_monitoring), ',' ORDER BY village_code, year)
					FROM village_year_rollup WHERE attributed_fen <> 0 OR paid_out_fen <> 0 OR households_reached <> 0) || ' | ' ||
				(SELECT string_agg(concat_ws(':', village_code, month, attributed_fen), ',' ORDER BY village_code, month)
					FROM village_month_rollup WHERE attributed_fen <> 0) || ' | ' ||
				(SELECT string_agg(concat_ws(':', village_code, year, product_id, attributed_fen), ',' ORDER BY 1)
					FROM village_product_rollup WHERE attributed_fen <> 0)`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := read()
	if _, err := w.DB.Pool.Exec(ctx, `SELECT rebuild_rollups()`); err != nil {
		t.Fatal(err)
	}
	if after := read(); after != before {
		t.Fatalf("a rebuild from the ledger moved figures:\nbefore %s\nafter  %s", before, after)
	}
	w.Audit(t)
}

// newVillage adds a village in another county (策勒县) and returns its code.
func newVillage(t *testing.T, w *ordertest.World) string {
	t.Helper()
	var town string
	if err := w.DB.Pool.QueryRow(context.Background(), `SELECT min(code) FROM regions WHERE parent_code = '653225'`).Scan(&town); err != nil {
		t.Fatal(err)
	}
	v := town + "001"
	ordertest.Exec(t, w.DB, `INSERT INTO regions (code, name, level, parent_code) VALUES ($1, '新村', 'village', $2) RETURNING 1::bigint`, v, town)
	return v
}

// TestReviewMoveAndBaselineInOneUpdateWithQueuedEntries: the office's edit
// (household.Service.Update) and the registry import write village_code,
// members and baseline_income_fen in one UPDATE. With an entry of the
// household still queued, households_move's apply_pending_rollups() reads the
// household's NEW baseline, while the move then takes the OLD one out of the
// old village: the old village keeps a crossing that no household has.
// TestAMoveAndANewBaselineInOneUpdateWithEntriesQueued: the registry's edit
// writes the village, members and baseline together; entries still queued
// for the rollups are filed where the household lives, with its baseline,
// and the village it left keeps no crossing.
func TestAMoveAndANewBaselineInOneUpdateWithEntriesQueued(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	ctx := context.Background()
	// Households: 4 members, baseline 350000. Line 351000: a gain of 4000
	// fen crosses it at that baseline; at 349000 it takes 8000.
	ordertest.Exec(t, w.DB, `INSERT INTO poverty_lines (province_code, year, poverty_line_fen, monitoring_line_fen)
		VALUES ('650000', 2025, 351000, 351000)
		ON CONFLICT (province_code, year) DO UPDATE SET poverty_line_fen = excluded.poverty_line_fen,
			monitoring_line_fen = excluded.monitoring_line_fen RETURNING 1::bigint`)
	w.Lot(t, "1000", "2026-09-01", "per_unit", 1000, 1) // household 0 only; one 2.5 kg box = 2500 fen
	paidOrder(t, w, 1)
	if err := attribution.ApplyPending(ctx, w.DB.Pool); err != nil { // 2500: below the line
		t.Fatal(err)
	}
	paidOrder(t, w, 1) // queued: 5000 would cross at baseline 350000, not at 349000
	elsewhere := newVillage(t, w)
	// As household.Service.Update writes it: the village and the baseline at once.
	ordertest.Exec(t, w.DB, `UPDATE households SET village_code = $2, baseline_income_fen = 349000 WHERE id = $1 RETURNING id`,
		w.Households[0], elsewhere)
	if err := attribution.ApplyPending(ctx, w.DB.Pool); err != nil {
		t.Fatal(err)
	}
	var dump string
	w.DB.Pool.QueryRow(ctx, `SELECT string_agg(concat_ws(':', village_code, year, attributed_fen, households_reached, crossed_poverty, crossed_monitoring), ' ')
		FROM village_year_rollup`).Scan(&dump)
	t.Logf("village_year_rollup: %s", dump)
	w.Audit(t)
}

// waitAdvisory waits until some backend waits for an advisory lock.
// waitForAdvisoryLockWaiter returns once some transaction waits for an
// advisory lock (a village's), observed in pg_locks.
func waitForAdvisoryLockWaiter(t *testing.T, w *ordertest.World) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		if err := w.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("nobody waits for a village's lock")
}

// TestAMoveWaitingForItsVillageWhileAnEntryCommits: a move waits for the
// village a refund or payout holds; an entry committed meanwhile is left to
// the pass that applies it, not taken from the month and product rollups
// that never held it.
func TestAMoveWaitingForItsVillageWhileAnEntryCommits(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	ctx := context.Background()
	w.Lot(t, "1000", "2026-09-01", "per_unit", 1000, 1)
	paidOrder(t, w, 2)
	if err := attribution.ApplyPending(ctx, w.DB.Pool); err != nil {
		t.Fatal(err)
	}
	var village string
	w.DB.Pool.QueryRow(ctx, `SELECT village_code FROM households WHERE id = $1`, w.Households[0]).Scan(&village)
	elsewhere := newVillage(t, w)
	later, err := w.Place(t, 2)
	if err != nil {
		t.Fatal(err)
	}

	// A rollup writer holds the household's village (a refund does, while it appends).
	holder, err := w.DB.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback(ctx)
	if _, err := holder.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, village); err != nil {
		t.Fatal(err)
	}
	moved := make(chan error, 1)
	go func() {
		_, err := w.DB.Pool.Exec(ctx, `UPDATE households SET village_code = $2 WHERE id = $1`, w.Households[0], elsewhere)
		moved <- err
	}()
	waitForAdvisoryLockWaiter(t, w) // the move has applied the queue and waits for the village
	// Meanwhile the household's next sale is paid: its entries are queued.
	if _, err := w.Svc.ConfirmManual(ctx, w.Admin, int64(later.ID), "REF"); err != nil {
		t.Fatal(err)
	}
	if err := holder.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-moved; err != nil {
		t.Fatal(err)
	}
	if err := attribution.ApplyPending(ctx, w.DB.Pool); err != nil {
		t.Fatal(err)
	}
	var dump string
	w.DB.Pool.QueryRow(ctx, `SELECT string_agg(concat_ws(':', village_code, month, attributed_fen), ' ') FROM village_month_rollup`).Scan(&dump)
	t.Logf("village_month_rollup: %s", dump)
	w.Audit(t)
}

// TestReviewFirstIncomeAppliedWhileTheMoveCommits: a household with no
// figures yet is moved (the office's edit, or a row early in a registry
// import) while its first sale is paid and the job's pass applies it before
// the move commits. The move locked only the new village (it had no years
// to read the old one from), so the pass does not wait: it reads the old
// village from its snapshot and files the year there; the move's trigger
// has already run and found nothing to move.
// TestFirstIncomeAppliedWhileTheMoveCommits: a household with no figures
// yet is moved while its first sale is applied: the pass waits for the
// move, and files the year under the new village.
func TestFirstIncomeAppliedWhileTheMoveCommits(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	ctx := context.Background()
	w.Lot(t, "1000", "2026-09-01", "per_unit", 1000, 1)
	elsewhere := newVillage(t, w)
	first, err := w.Place(t, 2)
	if err != nil {
		t.Fatal(err)
	}
	move, err := w.DB.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer move.Rollback(ctx)
	if _, err := move.Exec(ctx, `UPDATE households SET village_code = $2 WHERE id = $1`, w.Households[0], elsewhere); err != nil {
		t.Fatal(err)
	}
	// Before the move commits: the sale is paid and the pass applies it.
	if _, err := w.Svc.ConfirmManual(ctx, w.Admin, int64(first.ID), "REF"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- attribution.ApplyPending(ctx, w.DB.Pool) }()
	waitForAdvisoryLockWaiter(t, w) // the pass waits for the move's villages
	if err := move.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var dump string
	w.DB.Pool.QueryRow(ctx, `SELECT string_agg(concat_ws(':', i.household_id, i.year, i.village_code, h.village_code), ' ')
		FROM household_year_income i JOIN households h ON h.id = i.household_id`).Scan(&dump)
	t.Logf("household_year_income (household:year:filed:registered): %s", dump)
	w.Audit(t)
}

// TestReviewOneMoveInABulkUpdateBreaksAnotherHouseholdsBaselineChange: a
// registry import writes many households in one statement. The first
// households_move of it applies the whole queue while the statement's other
// rows already hold their new baselines, and before their households_rollup
// has run: a household that does not move, whose baseline changes and whose
// entries are queued, is counted with its new baseline twice.
// TestABulkUpdateMovingOneHouseholdAndRebasingAnother: one statement moves
// one household and changes another's baseline, with entries queued: each
// change is counted once.
func TestABulkUpdateMovingOneHouseholdAndRebasingAnother(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	ctx := context.Background()
	ordertest.Exec(t, w.DB, `INSERT INTO poverty_lines (province_code, year, poverty_line_fen, monitoring_line_fen)
		VALUES ('650000', 2025, 351000, 351000)
		ON CONFLICT (province_code, year) DO UPDATE SET poverty_line_fen = excluded.poverty_line_fen,
			monitoring_line_fen = excluded.monitoring_line_fen RETURNING 1::bigint`)
	w.Lot(t, "1000", "2026-09-01", "per_unit", 1000, 1, 1) // households 0 and 1 share; a box is 1250 fen each
	paidOrder(t, w, 2)
	if err := attribution.ApplyPending(ctx, w.DB.Pool); err != nil { // 2500 each: below the line
		t.Fatal(err)
	}
	paidOrder(t, w, 2) // queued: 5000 each
	elsewhere := newVillage(t, w)
	// One statement, as the import's upsert: household 0 moves, household 1
	// (staying) gets a lower baseline.
	ordertest.Exec(t, w.DB, `WITH u AS (UPDATE households SET
			village_code = CASE WHEN id = $1 THEN $3 ELSE village_code END,
			baseline_income_fen = CASE WHEN id = $2 THEN 349000 ELSE baseline_income_fen END
		WHERE id IN ($1, $2) RETURNING 1) SELECT count(*) FROM u`, w.Households[0], w.Households[1], elsewhere)
	if err := attribution.ApplyPending(ctx, w.DB.Pool); err != nil {
		t.Fatal(err)
	}
	var dump string
	w.DB.Pool.QueryRow(ctx, `SELECT string_agg(concat_ws(':', village_code, year, attributed_fen, households_reached, crossed_poverty, crossed_monitoring), ' ')
		FROM village_year_rollup`).Scan(&dump)
	t.Logf("village_year_rollup: %s", dump)
	w.Audit(t)
}
