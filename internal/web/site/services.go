package site

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/buyerorg"
	"github.com/fupinmarket/market/internal/cart"
	"github.com/fupinmarket/market/internal/catalog"
	"github.com/fupinmarket/market/internal/config"
	"github.com/fupinmarket/market/internal/coop"
	"github.com/fupinmarket/market/internal/feed"
	"github.com/fupinmarket/market/internal/household"
	"github.com/fupinmarket/market/internal/income"
	"github.com/fupinmarket/market/internal/invoice"
	"github.com/fupinmarket/market/internal/jobs"
	"github.com/fupinmarket/market/internal/mail"
	"github.com/fupinmarket/market/internal/media"
	"github.com/fupinmarket/market/internal/order"
	"github.com/fupinmarket/market/internal/payment"
	"github.com/fupinmarket/market/internal/payout"
	"github.com/fupinmarket/market/internal/pii"
	"github.com/fupinmarket/market/internal/platform/cache"
	"github.com/fupinmarket/market/internal/platform/clock"
	"github.com/fupinmarket/market/internal/platform/postgres"
	"github.com/fupinmarket/market/internal/povertyline"
	"github.com/fupinmarket/market/internal/region"
	"github.com/fupinmarket/market/internal/report"
)

// Services are the domain services built on one database and Redis.
type Services struct {
	Clock        clock.Clock
	Auth         *auth.Service
	Regions      *region.Store
	Orders       *order.Service
	Carts        *cart.Store
	Catalog      *catalog.Service
	Cache        *cache.Cache // derived pages and queries; catalog writes bump "catalog"
	Jobs         *jobs.Client // background jobs; marketd starts it, tests may not
	Ring         *pii.Ring    // the data key ring that seals personal fields
	Households   *household.Service
	Coops        *coop.Service
	PovertyLines *povertyline.Store
	Reports      *report.Service
	Payouts      *payout.Service
	BuyerOrgs    *buyerorg.Service
	Invoices     *invoice.Service
	Income       *income.Service
	Payments     payment.Provider // Stripe, nil when it is off
	// Feed delivers the sales feed (nil when MARKET_FEED_URL is empty).
	Feed *feed.Sender
	// Mail sends the mail outbox (by SMTP, or to the log without a server).
	Mail *mail.Sender
}

// jobSweepEvery bounds how late after its deadline an unpaid order expires.
const jobSweepEvery = time.Minute

// Pools are the database connections beside the primary's pool, when
// marketd runs behind a transaction pooler with a replica.
type Pools struct {
	// Direct is the primary without a transaction pooler: the catalog's
	// LISTEN connection and river use it (nil: the primary's pool).
	Direct *pgxpool.Pool
	// Reads routes the catalog's public reads and the reports to a replica
	// while it keeps up (nil: everything reads the primary).
	Reads *postgres.Reads
}

// NewServices builds the domain layer.
func NewServices(cfg config.Config, db *pgxpool.Pool, rdb redis.UniversalClient, log *slog.Logger, pools ...Pools) (*Services, error) {
	var p Pools
	for _, x := range pools {
		p = x
	}
	if p.Direct == nil {
		p.Direct = db
	}
	clk, err := clock.Load(cfg.Timezone)
	if err != nil {
		return nil, err
	}
	if cfg.Now != nil {
		clk = clk.WithNow(cfg.Now)
	}
	ring, err := DataRing(cfg, log)
	if err != nil {
		return nil, err
	}
	users := auth.NewUsers(db)
	sessions := auth.NewSessions(rdb, cfg.RedisPrefix, cfg.SessionIdle, cfg.SessionMax)
	limits := auth.LoginLimits{PerAccount: cfg.LoginLimitAccount, PerClient: cfg.LoginLimitClient, Window: cfg.LoginLimitWindow}
	pages := cache.New(rdb, cfg.RedisPrefix, log)
	// The feed's outbox is written only when there is a platform to feed.
	var outbox *feed.Outbox
	if cfg.FeedURL != "" {
		outbox = &feed.Outbox{}
	}
	svc := &Services{
		Clock:        clk,
		Cache:        pages,
		Catalog:      catalog.New(db, media.NewDir(filepath.Join(cfg.DataDir, "uploads")), func(ctx context.Context) { pages.Bump(ctx, catalog.CacheNamespace) }),
		Auth:         auth.NewService(users, sessions, auth.NewTokens(db), auth.NewLimiter(rdb, cfg.RedisPrefix), limits, log),
		Regions:      region.NewStore(db),
		Carts:        cart.New(db, rdb, cfg.RedisPrefix),
		Ring:         ring,
		Households:   household.NewService(db, ring),
		Coops:        coop.NewService(db),
		PovertyLines: povertyline.NewStore(db),
		Reports:      report.NewService(db, clk),
		Payouts:      payout.NewService(db, clk).WithFeed(outbox),
		BuyerOrgs:    buyerorg.NewService(db),
		Invoices:     invoice.NewService(db),
		Income:       income.NewService(db, clk, outbox),
	}
	svc.Catalog.SetClock(clk)
	svc.Auth.SetSiteURL(cfg.BaseURL)
	svc.BuyerOrgs.SetSiteURL(cfg.BaseURL)
	svc.Catalog.UseReplica(p.Reads, p.Direct)
	svc.Reports.UseReplica(p.Reads)
	svc.Households.SetClock(clk)
	svc.Coops.SetClock(clk)
	if svc.Payments, err = paymentProvider(cfg, log); err != nil {
		return nil, err
	}
	svc.Orders = order.NewService(db, orderConfig(cfg, clk, outbox, svc.Payments, log))
	var jobOpts []jobs.Option
	if outbox != nil {
		svc.Feed = &feed.Sender{DB: db, Direct: p.Direct, URL: cfg.FeedURL, Secret: cfg.FeedSecret, Clock: clk, Log: log}
		jobOpts = append(jobOpts, jobs.WithFeed(svc.Feed))
	}
	svc.Mail = mail.NewSender(db, mail.Server{URL: cfg.SMTPURL, From: cfg.MailFrom, Development: cfg.LocalSite()}, log)
	if cfg.SMTPURL == "" && !cfg.LocalSite() {
		log.Warn("MARKET_SMTP_URL is unset: mail (address confirmations, invitations, invoices) stays queued until it is set")
	}
	jobOpts = append(jobOpts, jobs.WithMail(svc.Mail))
	if svc.Jobs, err = jobs.NewClient(p.Direct, svc.Orders, log, jobSweepEvery, jobOpts...); err != nil {
		return nil, fmt.Errorf("job client: %w", err)
	}
	return svc, nil
}

// orderConfig turns settings into the order rules: bank transfer always,
// Stripe when a key is set; the feed's events when there is a feed.
func orderConfig(cfg config.Config, clk clock.Clock, outbox *feed.Outbox, payments payment.Provider, log *slog.Logger) order.Config {
	methods := []string{order.Manual}
	oc := order.Config{TTL: cfg.OrderTTL, TransferTTL: cfg.TransferTTL, Clock: clk, Feed: outbox,
		Payee:           order.Instructions{Payee: cfg.PayeeName, Bank: cfg.PayeeBank, Account: cfg.PayeeAccount},
		MaxUnpaidOrders: cfg.MaxUnpaidOrders, MaxUnitsPerVariant: cfg.MaxUnitsPerVariant}
	if payments != nil {
		methods = append(methods, order.Stripe)
		oc.CancelIntent = func(ctx context.Context, intentID string) {
			if err := payments.CancelIntent(ctx, intentID); err != nil {
				log.Warn("could not cancel the payment of a cancelled order; a late payment will be listed for refund",
					"payment_intent", intentID, "err", err)
			}
		}
	}
	oc.Methods = methods
	return oc
}

// paymentProvider is Stripe when a secret key is set (STRIPE_API_BASE points
// it at stripe-mock in tests), else nil: bank transfer only.
func paymentProvider(cfg config.Config, log *slog.Logger) (payment.Provider, error) {
	if cfg.StripeSecretKey == "" {
		return nil, nil
	}
	if cfg.StripeWebhookSecret == "" {
		log.Warn("STRIPE_WEBHOOK_SECRET is not set: Stripe webhooks are refused and orders paid by Stripe stay unpaid")
	}
	p, err := payment.NewStripe(payment.StripeConfig{SecretKey: cfg.StripeSecretKey, WebhookSecret: cfg.StripeWebhookSecret,
		APIBase: cfg.StripeAPIBase, Log: log})
	if err != nil {
		return nil, fmt.Errorf("stripe: %w", err)
	}
	return p, nil
}

// DataRing parses cfg.DataKey (MARKET_DATA_KEY: one hex key, or
// "2:newhex,1:oldhex" while rotating). marketd and marketctl always have a
// key (app.OpenInfra reads or creates one under the data dir); a
// configuration without one — tests that build the server on their own
// pool — gets a random key that lives as long as the process, so nothing
// sealed under it survives a restart.
func DataRing(cfg config.Config, log *slog.Logger) (*pii.Ring, error) {
	spec := cfg.DataKey
	if spec == "" {
		k, err := pii.GenerateKey()
		if err != nil {
			return nil, fmt.Errorf("data key: %w", err)
		}
		if log != nil {
			log.Warn("no data key configured: using a throw-away key; personal data written now is unreadable after a restart")
		}
		spec = k
	}
	ring, err := pii.ParseRing(spec)
	if err != nil {
		return nil, fmt.Errorf("MARKET_DATA_KEY: %w", err)
	}
	return ring, nil
}
