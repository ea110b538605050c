package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/riverqueue/river"

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
	events, cancel := client.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
	defer cancel()
	if err := client.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer client.Stop(context.Background())
	deadline := time.After(30 * time.Second)
	for done := false; !done; {
		select {
		case ev := <-events:
			if ev.Kind == river.EventKindJobFailed {
				t.Fatalf("job %s failed: %v", ev.Job.Kind, ev.Job.Errors)
			}
			done = ev.Job.Kind == (jobs.SweepArgs{}).Kind()
		case <-deadline:
			t.Fatal("the sweep never completed")
		}
	}
	got, err := w.Svc.Get(ctx, w.Buyer, int64(o.ID))
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != order.Cancelled || w.Remaining(t, lot) != "10.000" {
		t.Fatalf("after the job: %s, remaining %s", got.Status, w.Remaining(t, lot))
	}
}
