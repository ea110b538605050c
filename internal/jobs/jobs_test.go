package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/fupinmarket/market/internal/feed"
	"github.com/fupinmarket/market/internal/jobs"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/order/ordertest"
)

// TestExpiryJobReturnsStock places an order whose deadline is now, starts
// the river client (whose periodic sweep runs at start), and waits for the
// sweep's completion event (not for time to pass).
func TestExpiryJobReturnsStock(t *testing.T) {
	w := ordertest.New(t, order.Config{TTL: time.Millisecond})
	lot := w.Lot(t, "10", "2026-09-01", "per_unit", 1000, 1)
	ctx := context.Background()
	client, err := jobs.NewClient(w.DB.Pool, w.Svc, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	o, err := w.Place(t, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := w.Remaining(t, lot); got != "5.000" {
		t.Fatalf("reserved: remaining %s", got)
	}
	startAndAwait(t, client, (jobs.SweepArgs{}).Kind())
	got, err := w.Svc.Get(ctx, w.Buyer, int64(o.ID))
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != order.Cancelled || w.Remaining(t, lot) != "10.000" {
		t.Fatalf("after the job: %s, remaining %s", got.Status, w.Remaining(t, lot))
	}
}

// TestRollupJobAppliesTheQueue pays an order (its entries wait in the
// rollup queue), starts the river client, whose periodic rollup job runs at
// start, and checks after the job's completion event that the queue is
// empty and the household-year income holds the sale.
func TestRollupJobAppliesTheQueue(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	ctx := context.Background()
	o, err := w.Place(t, 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Svc.ConfirmManual(ctx, w.Admin, int64(o.ID), "REF"); err != nil {
		t.Fatal(err)
	}
	rollups := func() (pending int, income int64) {
		t.Helper()
		err := w.DB.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM rollup_pending),
			(SELECT coalesce(sum(attributed_fen), 0)::bigint FROM household_year_income)`).Scan(&pending, &income)
		if err != nil {
			t.Fatal(err)
		}
		return pending, income
	}
	if pending, income := rollups(); pending != 1 || income != 0 {
		t.Fatalf("before the job: %d queued, income %d", pending, income)
	}
	client, err := jobs.NewClient(w.DB.Pool, w.Svc, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	startAndAwait(t, client, (jobs.RollupArgs{}).Kind())
	if pending, income := rollups(); pending != 0 || income != 5000 {
		t.Fatalf("after the job: %d queued, income %d", pending, income)
	}
}

// TestSealJobSealsTheLedger pays an order, starts the river client, whose
// periodic sealing runs at start on its own queue, and checks after the
// job's completion event that the order's entries are sealed.
func TestSealJobSealsTheLedger(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	w.Lot(t, "100", "2026-09-01", "per_unit", 1000, 1, 1, 2)
	ctx := context.Background()
	o, err := w.Place(t, 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Svc.ConfirmManual(ctx, w.Admin, int64(o.ID), "REF"); err != nil {
		t.Fatal(err)
	}
	client, err := jobs.NewClient(w.DB.AppPool(t), w.Svc, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	startAndAwait(t, client, (jobs.SealArgs{}).Kind())
	var sealed, entries int
	err = w.DB.Pool.QueryRow(ctx, `SELECT (SELECT coalesce(sum(entries), 0) FROM ledger_seals),
		(SELECT count(*) FROM attribution_entries)`).Scan(&sealed, &entries)
	if err != nil || entries != 3 || sealed != entries {
		t.Fatalf("after the job: %d of %d entries sealed (%v)", sealed, entries, err)
	}
}

// startAndAwait starts the client (its periodic jobs run at start) and
// waits for the completion event of a job of the kind, failing on a failed
// job: the test waits for the event, not for time to pass.
func startAndAwait(t *testing.T, client *jobs.Client, kind string) {
	t.Helper()
	events, cancel := client.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
	defer cancel()
	if err := client.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Stop(context.Background()) })
	deadline := time.After(30 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.Kind == river.EventKindJobFailed {
				t.Fatalf("job %s failed: %v", ev.Job.Kind, ev.Job.Errors)
			}
			if ev.Job.Kind == kind {
				return
			}
		case <-deadline:
			t.Fatalf("no %s job completed", kind)
		}
	}
}

// TestFeedJobDelivers: with a feed configured, the river client's periodic
// feed job (run at start) delivers a paid order's sale.paid event, signed.
func TestFeedJobDelivers(t *testing.T) {
	w := ordertest.New(t, order.Config{Feed: &feed.Outbox{}})
	w.Lot(t, "100", "2026-01-05", "per_unit", 1000, 1)
	ctx := context.Background()
	ordertest.Exec(t, w.DB, `INSERT INTO product_certifications (product_id, certificate_no, county_code, valid_from, valid_until,
			status, certified_by, confirmed_by, confirmed_at)
		VALUES ($1, 'XJ-JOB-0001', '653224', '2020-01-01', '2099-12-31', 'confirmed', $2, $2, now() - interval '1 hour') RETURNING id`,
		w.ProductID, w.Admin.UserID)
	o, err := w.Place(t, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Svc.ConfirmManual(ctx, w.Admin, int64(o.ID), "REF"); err != nil {
		t.Fatal(err)
	}
	const secret = "job-test-secret-0123456789"
	got := make(chan string, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if feed.Verify(secret, r.Header.Get(feed.SignatureHeader), body, time.Now(), time.Minute) != nil {
			http.Error(rw, "bad signature", http.StatusBadRequest)
			return
		}
		got <- string(body)
	}))
	defer srv.Close()
	sender := &feed.Sender{DB: w.DB.Pool, URL: srv.URL, Secret: secret}
	client, err := jobs.NewClient(w.DB.Pool, w.Svc, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Hour, jobs.WithFeed(sender))
	if err != nil {
		t.Fatal(err)
	}
	startAndAwait(t, client, (jobs.FeedArgs{}).Kind())
	select {
	case body := <-got:
		if !strings.Contains(body, `"type":"sale.paid"`) || !strings.Contains(body, "XJ-JOB-0001") {
			t.Fatalf("delivered %s", body)
		}
	default:
		t.Fatal("the feed job delivered nothing")
	}
}

type holdArgs struct{}

func (holdArgs) Kind() string { return "test_hold" }

// holdWorker works until released, and reports whether its context ended
// before that.
type holdWorker struct {
	river.WorkerDefaults[holdArgs]
	started, release chan struct{}
	cancelled        chan bool
}

func (w *holdWorker) Work(ctx context.Context, _ *river.Job[holdArgs]) error {
	close(w.started)
	select {
	case <-ctx.Done():
		w.cancelled <- true
		return ctx.Err()
	case <-w.release:
		w.cancelled <- false
		return nil
	}
}

// TestSigtermLetsRunningJobsFinish: the end of the context jobs.Start was
// given (marketd's, at SIGTERM) does not cancel a job that is running; the
// job finishes, and Stop returns once it has.
func TestSigtermLetsRunningJobsFinish(t *testing.T) {
	w := ordertest.New(t, order.Config{})
	worker := &holdWorker{started: make(chan struct{}), release: make(chan struct{}), cancelled: make(chan bool, 1)}
	workers := river.NewWorkers()
	river.AddWorker(workers, worker)
	client, err := river.NewClient(riverpgxv5.New(w.DB.Pool), &river.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Queues: map[string]river.QueueConfig{"test_hold": {MaxWorkers: 1}}, Workers: workers})
	if err != nil {
		t.Fatal(err)
	}
	signalled, sigterm := context.WithCancel(context.Background())
	if err := jobs.Start(signalled, client); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Insert(context.Background(), holdArgs{}, &river.InsertOpts{Queue: "test_hold"}); err != nil {
		t.Fatal(err)
	}
	<-worker.started
	sigterm()
	stopped := make(chan error, 1)
	go func() { stopped <- client.Stop(context.Background()) }()
	select {
	case c := <-worker.cancelled:
		t.Fatalf("the running job ended at SIGTERM (cancelled %v), before it was released", c)
	case err := <-stopped:
		t.Fatalf("Stop returned (%v) while a job was still running", err)
	default:
	}
	close(worker.release)
	if c := <-worker.cancelled; c {
		t.Fatal("the running job's context was cancelled")
	}
	if err := <-stopped; err != nil {
		t.Fatalf("stop: %v", err)
	}
}
