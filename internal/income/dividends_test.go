package income_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/fupinmarket/market/internal/income"
	"github.com/fupinmarket/market/internal/platform/errs"
)

// TestDividendSplitsSumToTheTotal is a property on the database: for any
// basis, holdings and total, the draft's split sums to the total to the
// fen and names only members holding something; confirming it writes one
// asset entry per household with a positive part, summing to the total,
// and the audit (which recomputes each split) stays clean.
func TestDividendSplitsSumToTheTotal(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(11, 832))
	for i := range 12 {
		for j := range w.Households {
			w.setShares(t, j, r.Int64N(3)*r.Int64N(1000), r.Int64N(2)*r.Int64N(50_000_00))
		}
		basis := []string{income.BasisShares, income.BasisAssets}[i%2]
		total := 1 + r.Int64N(10_000_000)
		d, err := w.svc.Declare(ctx, w.admin, w.CoopID, income.DividendInput{Year: w.clk.Year(), TotalFen: total, Basis: basis})
		if errs.Is(err, errs.Invalid) {
			continue // nobody holds anything on this basis this round
		}
		if err != nil {
			t.Fatal(err)
		}
		var sum int64
		for _, p := range d.Split {
			sum += p.AmountFen
			if p.Weight <= 0 {
				t.Fatalf("round %d: a household without holdings is in the split: %+v", i, p)
			}
		}
		if sum != total || d.Status != income.Draft {
			t.Fatalf("round %d (%s): split sums to %d of %d; %s", i, basis, sum, total, d.Status)
		}
		if n := w.count(t, `SELECT count(*) FROM attribution_entries WHERE dividend_id = $1`, int64(d.ID)); n != 0 {
			t.Fatalf("a draft has %d entries", n)
		}
		if i%3 == 2 {
			if _, err := w.svc.Discard(ctx, w.admin, w.CoopID, int64(d.ID)); err != nil {
				t.Fatal(err)
			}
			continue
		}
		paid, err := w.svc.Confirm(ctx, w.admin, w.CoopID, int64(d.ID))
		if err != nil || paid.Status != income.Paid || paid.PaidAt == nil {
			t.Fatalf("confirm: %+v %v", paid, err)
		}
		if got := w.count(t, `SELECT sum(amount_fen) FROM attribution_entries WHERE dividend_id = $1 AND kind = 'dividend'
			AND income_type = 'asset'`, int64(d.ID)); got != total {
			t.Fatalf("round %d: the ledger holds %d of %d", i, got, total)
		}
	}
	w.settle(t)
	if n := w.count(t, `SELECT count(*) FROM feed_events WHERE type = 'dividend.paid'`); n != w.count(t, `SELECT count(*) FROM dividends WHERE status = 'paid'`) {
		t.Fatalf("%d dividend events", n)
	}
}

// TestDividendLifecycle: only a draft is confirmed or discarded, once; a
// split that names a household that has left is refused at confirmation.
func TestDividendLifecycle(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.setShares(t, 0, 10, 0)
	w.setShares(t, 1, 30, 0)
	in := income.DividendInput{Year: w.clk.Year(), TotalFen: 1001, Basis: income.BasisShares}
	d, err := w.svc.Declare(ctx, w.admin, w.CoopID, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Split) != 2 || d.Split[0].AmountFen != 250 || d.Split[1].AmountFen != 751 {
		t.Fatalf("split %+v", d.Split)
	}
	if _, err := w.svc.Confirm(ctx, w.admin, w.CoopID, int64(d.ID)); err != nil {
		t.Fatal(err)
	}
	for name, step := range map[string]func(context.Context, int64) error{
		"confirm twice": func(ctx context.Context, id int64) error {
			_, err := w.svc.Confirm(ctx, w.admin, w.CoopID, id)
			return err
		},
		"discard a paid": func(ctx context.Context, id int64) error {
			_, err := w.svc.Discard(ctx, w.admin, w.CoopID, id)
			return err
		},
	} {
		if err := step(ctx, int64(d.ID)); !errs.Is(err, errs.Conflict) {
			t.Errorf("%s: %v", name, err)
		}
	}
	stale, err := w.svc.Declare(ctx, w.admin, w.CoopID, in)
	if err != nil {
		t.Fatal(err)
	}
	ordertestExec(t, w, `DELETE FROM cooperative_members WHERE household_id = $1 RETURNING household_id`, w.Households[1])
	if _, err := w.svc.Confirm(ctx, w.admin, w.CoopID, int64(stale.ID)); !errs.Is(err, errs.Conflict) {
		t.Fatalf("a split naming a household that left: %v", err)
	}
	if got, err := w.svc.Dividend(ctx, w.admin, w.CoopID, int64(stale.ID)); err != nil || got.Status != income.Draft {
		t.Fatalf("the refused dividend is still a draft: %+v %v", got, err)
	}
	bad := income.DividendInput{Year: 1999, TotalFen: 0, Basis: "luck"}
	var e *errs.Error
	if _, err := w.svc.Declare(ctx, w.admin, w.CoopID, bad); !asErr(err, &e) || len(e.Fields) != 3 {
		t.Fatalf("validation: %v", err)
	}
	w.settle(t)
}

// TestSharesKeepTheirHistory: setting shares adds to the history; the
// latest values hold now; only members may hold shares.
func TestSharesKeepTheirHistory(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.setShares(t, 0, 5, 100)
	w.setShares(t, 0, 8, 250)
	list, err := w.svc.Shares(ctx, w.admin, w.CoopID, w.Households[0])
	if err != nil || len(list) != 1 || list[0].Shares != 8 || list[0].AssetsFen != 250 || len(list[0].History) != 2 ||
		list[0].History[1].Shares != 5 {
		t.Fatalf("%+v %v", list, err)
	}
	all, err := w.svc.Shares(ctx, w.admin, w.CoopID, 0)
	if err != nil || len(all) != 3 || all[1].Shares != 0 || all[1].SetAt != nil {
		t.Fatalf("every member, unset ones holding none: %+v %v", all, err)
	}
	if _, err := w.svc.SetShares(ctx, w.admin, w.CoopID, 999999, income.SharesInput{Shares: 1}); !errs.Is(err, errs.NotFound) {
		t.Fatalf("a household that is not a member: %v", err)
	}
}

func ordertestExec(t *testing.T, w *world, q string, args ...any) {
	t.Helper()
	var id int64
	if err := w.DB.Pool.QueryRow(context.Background(), q, args...).Scan(&id); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
