// Package jobs runs background work in PostgreSQL with river: a periodic
// sweep that cancels unpaid orders past their deadline (returning their
// stock), marks long-shipped orders delivered and completes delivered ones.
// Jobs live in the database, so a restart loses none. One sweep rather than
// a job per order keeps checkout free of a river insert (and its indexes);
// an order expires at most one sweep interval after its deadline. A second
// periodic job applies the ledger entries queued for the rollups every
// RollupEvery, so that the queue stays short between report reads (which
// apply it themselves). A third seals the new ledger entries every
// SealEvery (package ledger), on a queue of its own with one worker.
package jobs

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/fupinmarket/market/internal/attribution"
	"github.com/fupinmarket/market/internal/ledger"
	"github.com/fupinmarket/market/internal/order"
)

// DeliveredAfter is how long after shipping an unconfirmed order counts as
// delivered.
const DeliveredAfter = 10 * 24 * time.Hour

// CompletedAfter is the return window after delivery; personal orders then
// complete (organisations' orders complete on acceptance).
const CompletedAfter = 7 * 24 * time.Hour

// SweepArgs cancels overdue unpaid orders, marks orders shipped
// DeliveredAfter ago as delivered and completes delivered ones.
type SweepArgs struct{}

// Kind names the job.
func (SweepArgs) Kind() string { return "sweep_orders" }

type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	orders *order.Service
	log    *slog.Logger
}

func (w *sweepWorker) Work(ctx context.Context, job *river.Job[SweepArgs]) error {
	expired, err := w.orders.ExpireDue(ctx, time.Now())
	if err != nil {
		return err
	}
	delivered, err := w.orders.DeliverDue(ctx, time.Now().Add(-DeliveredAfter))
	if err != nil {
		return err
	}
	completed, err := w.orders.CompleteDue(ctx, time.Now().Add(-CompletedAfter))
	if err != nil {
		return err
	}
	if expired > 0 || delivered > 0 || completed > 0 {
		w.log.Info("order sweep", "expired", expired, "delivered", delivered, "completed", completed)
	}
	return nil
}

// RollupEvery is how often the rollups catch up with the ledger when
// nobody reads them.
const RollupEvery = 2 * time.Second

// SealEvery is how often new ledger entries are sealed (docs/LEDGER.md):
// a receipt's proofs appear within about this long after payment.
const SealEvery = time.Minute

// SealArgs seals the ledger entries settled since the last seal.
type SealArgs struct{}

// Kind names the job.
func (SealArgs) Kind() string { return "seal_ledger" }

type sealWorker struct {
	river.WorkerDefaults[SealArgs]
	sealer ledger.Sealer
	log    *slog.Logger
}

// Work seals. It only reads the entries; a transaction writing entries
// that stays open past the sealer's wait leaves the sealing to the next run.
func (w *sealWorker) Work(ctx context.Context, job *river.Job[SealArgs]) error {
	seals, err := w.sealer.Seal(ctx)
	if errors.Is(err, ledger.ErrWritersInFlight) {
		w.log.Info("ledger sealing postponed", "reason", err)
		return nil
	}
	if len(seals) > 0 {
		last := seals[len(seals)-1]
		w.log.Info("ledger sealed", "seals", len(seals), "last_seal", last.Seq, "last_entry", last.LastEntryID)
	}
	return err
}

// ledgerQueue runs the sealing one at a time, apart from the other jobs.
const ledgerQueue = "ledger"

// RollupArgs applies the ledger entries queued for the rollups.
type RollupArgs struct{}

// Kind names the job.
func (RollupArgs) Kind() string { return "apply_rollups" }

type rollupWorker struct {
	river.WorkerDefaults[RollupArgs]
	db *pgxpool.Pool
}

// Work applies the queue. A pass that cannot get its village locks in time
// succeeds without applying anything (attribution.Settle): the next one
// comes RollupEvery later, which beats river's retries piling up.
func (w *rollupWorker) Work(ctx context.Context, job *river.Job[RollupArgs]) error {
	return attribution.Settle(ctx, w.db)
}

// rollupQueue runs the rollup passes one at a time, apart from the order
// sweep, so that a pass waiting for locks never holds the sweep's workers.
const rollupQueue = "rollups"

// Client is the river client of the service.
type Client = river.Client[pgx.Tx]

// NewClient builds a river client that works the order and rollup jobs.
func NewClient(db *pgxpool.Pool, orders *order.Service, log *slog.Logger, sweepEvery time.Duration) (*Client, error) {
	workers := river.NewWorkers()
	river.AddWorker(workers, &sweepWorker{orders: orders, log: log})
	river.AddWorker(workers, &rollupWorker{db: db})
	river.AddWorker(workers, &sealWorker{sealer: ledger.Sealer{DB: db}, log: log})
	return river.NewClient(riverpgxv5.New(db), &river.Config{
		Logger: log,
		Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 10}, rollupQueue: {MaxWorkers: 1},
			ledgerQueue: {MaxWorkers: 1}},
		Workers: workers,
		PeriodicJobs: []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(sweepEvery),
			func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(RollupEvery),
				func() (river.JobArgs, *river.InsertOpts) { return RollupArgs{}, &river.InsertOpts{Queue: rollupQueue} },
				&river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(SealEvery),
				func() (river.JobArgs, *river.InsertOpts) { return SealArgs{}, &river.InsertOpts{Queue: ledgerQueue} },
				&river.PeriodicJobOpts{RunOnStart: true})},
	})
}
