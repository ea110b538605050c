// Package jobs runs background work in PostgreSQL with river: a periodic
// sweep that cancels unpaid orders past their deadline (returning their
// stock), marks long-shipped orders delivered and completes delivered ones.
// Jobs live in the database, so a restart loses none. One sweep rather than
// a job per order keeps checkout free of a river insert (and its indexes);
// an order expires at most one sweep interval after its deadline. A second
// periodic job applies the ledger entries queued for the rollups every
// RollupEvery, so that the queue stays short between report reads (which
// apply it themselves). A third seals the new ledger entries every
// SealEvery (package ledger), on a queue of its own with one worker. With a
// sales feed configured, a fourth periodic job delivers the feed's outbox to
// the supervising platform (package feed).
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
	"github.com/fupinmarket/market/internal/feed"
	"github.com/fupinmarket/market/internal/ledger"
	"github.com/fupinmarket/market/internal/mail"
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

// FeedEvery is how often the feed's outbox is delivered: an event leaves
// at most this long after its transaction commits (or its back-off ends).
const FeedEvery = 2 * time.Second

// FeedArgs delivers the feed's due events (feed.Sender.DeliverDue).
type FeedArgs struct{}

// Kind names the job.
func (FeedArgs) Kind() string { return "deliver_feed" }

type feedWorker struct {
	river.WorkerDefaults[FeedArgs]
	sender *feed.Sender
	log    *slog.Logger
}

// Work runs one delivery pass. Failed deliveries are the outbox's to
// retry (each event keeps its own back-off, for days), not river's: the
// job succeeds unless the database fails it.
func (w *feedWorker) Work(ctx context.Context, job *river.Job[FeedArgs]) error {
	pass, err := w.sender.DeliverDue(ctx)
	if pass.Delivered > 0 || pass.Failed > 0 {
		w.log.Info("feed delivery", "delivered", pass.Delivered, "failed", pass.Failed)
	}
	return err
}

// Timeout leaves a pass its whole budget.
func (w *feedWorker) Timeout(*river.Job[FeedArgs]) time.Duration { return 2 * time.Minute }

// feedQueue runs the delivery passes one at a time, apart from the others.
const feedQueue = "feed"

// MailEvery is how often the mail outbox is sent: a message leaves at most
// this long after its transaction commits (or its back-off ends).
const MailEvery = 5 * time.Second

// MailArgs sends the mail outbox's due messages (mail.Sender.SendDue).
type MailArgs struct{}

// Kind names the job.
func (MailArgs) Kind() string { return "send_mail" }

type mailWorker struct {
	river.WorkerDefaults[MailArgs]
	sender *mail.Sender
	log    *slog.Logger
}

// Work sends one batch; messages the server refused wait their back-off.
func (w *mailWorker) Work(ctx context.Context, job *river.Job[MailArgs]) error {
	pass, err := w.sender.SendDue(ctx)
	if pass.Sent > 0 || pass.Failed > 0 {
		w.log.Info("mail", "sent", pass.Sent, "failed", pass.Failed)
	}
	return err
}

// Timeout leaves a batch time for a slow mail server.
func (w *mailWorker) Timeout(*river.Job[MailArgs]) time.Duration { return 5 * time.Minute }

// mailQueue sends one batch at a time, apart from the other work.
const mailQueue = "mail"

// Option adds to the client's work.
type Option func(*options)

type options struct {
	feed *feed.Sender
	mail *mail.Sender
}

// WithMail sends the mail outbox with sender every MailEvery.
func WithMail(sender *mail.Sender) Option { return func(o *options) { o.mail = sender } }

// WithFeed delivers the sales feed with sender every FeedEvery.
func WithFeed(sender *feed.Sender) Option { return func(o *options) { o.feed = sender } }

// Client is the river client of the service.
type Client = river.Client[pgx.Tx]

// NewClient builds a river client that works the order and rollup jobs,
// and the feed's when an option gives it.
func NewClient(db *pgxpool.Pool, orders *order.Service, log *slog.Logger, sweepEvery time.Duration, opts ...Option) (*Client, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &sweepWorker{orders: orders, log: log})
	river.AddWorker(workers, &rollupWorker{db: db})
	river.AddWorker(workers, &sealWorker{sealer: ledger.Sealer{DB: db}, log: log})
	queues := map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 10}, rollupQueue: {MaxWorkers: 1},
		ledgerQueue: {MaxWorkers: 1}}
	periodic := []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(sweepEvery),
		func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(RollupEvery),
			func() (river.JobArgs, *river.InsertOpts) { return RollupArgs{}, &river.InsertOpts{Queue: rollupQueue} },
			&river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(SealEvery),
			func() (river.JobArgs, *river.InsertOpts) { return SealArgs{}, &river.InsertOpts{Queue: ledgerQueue} },
			&river.PeriodicJobOpts{RunOnStart: true})}
	if o.feed != nil {
		river.AddWorker(workers, &feedWorker{sender: o.feed, log: log})
		queues[feedQueue] = river.QueueConfig{MaxWorkers: 1}
		periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(FeedEvery),
			func() (river.JobArgs, *river.InsertOpts) { return FeedArgs{}, &river.InsertOpts{Queue: feedQueue} },
			&river.PeriodicJobOpts{RunOnStart: true}))
	}
	if o.mail != nil {
		river.AddWorker(workers, &mailWorker{sender: o.mail, log: log})
		queues[mailQueue] = river.QueueConfig{MaxWorkers: 1}
		periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(MailEvery),
			func() (river.JobArgs, *river.InsertOpts) { return MailArgs{}, &river.InsertOpts{Queue: mailQueue} },
			&river.PeriodicJobOpts{RunOnStart: true}))
	}
	return river.NewClient(riverpgxv5.New(db), &river.Config{Logger: log, Queues: queues, Workers: workers, PeriodicJobs: periodic})
}

// Start starts c for a process whose ctx ends at SIGTERM. River takes the
// end of Start's context for a hard stop that cancels the jobs running (a
// seal, a rollup pass, a feed POST) at once, before the process has drained
// its requests; the jobs are to stop gracefully when the process calls
// c.Stop instead, so c is started on a context that outlives ctx.
func Start(ctx context.Context, c *Client) error {
	return c.Start(context.WithoutCancel(ctx))
}
