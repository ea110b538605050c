// Package config reads the typed configuration of marketd and marketctl from
// flags and environment variables. Flags win over the environment, which wins
// over defaults.
package config

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/mail"
	"net/url"
	"os"
	"strings"
	"time"
)

// Config is every setting of the service.
type Config struct {
	Addr                 string        // MARKET_ADDR
	MetricsAddr          string        // MARKET_METRICS_ADDR: /metrics, on a listener of its own; empty: none
	BaseURL              string        // MARKET_BASE_URL: the site's address in absolute links (QR codes, receipts, Stripe's return)
	DataDir              string        // MARKET_DATA_DIR
	DatabaseURL          string        // DATABASE_URL: marketd's, as the service's role; empty: a private cluster under DataDir
	MigrateDatabaseURL   string        // MIGRATE_DATABASE_URL: marketctl's, as the tables' owner; empty: DATABASE_URL
	DatabaseReadURL      string        // DATABASE_READ_URL: a streaming replica for the catalog's and reports' reads; empty: the primary
	DatabaseDirectURL    string        // DATABASE_DIRECT_URL: the primary without a transaction pooler (LISTEN, river); empty: DATABASE_URL
	ReplicaMaxLag        time.Duration // MARKET_REPLICA_MAX_LAG: reads leave the replica while its replay lag is above this
	AllowDBOwner         bool          // MARKET_ALLOW_DB_OWNER: let marketd run as a superuser or the tables' owner
	StatementTimeout     time.Duration // MARKET_STATEMENT_TIMEOUT: marketd's longest SQL statement
	RequestTimeout       time.Duration // MARKET_REQUEST_TIMEOUT: a request's deadline
	DrainDelay           time.Duration // MARKET_DRAIN_DELAY: /readyz answers 503 this long after SIGTERM before the listener closes
	ExportTimeout        time.Duration // MARKET_EXPORT_TIMEOUT: an export's deadline, snapshot and download
	RedisURL             string        // REDIS_URL; empty: an in-process Redis
	RedisPrefix          string        // MARKET_REDIS_PREFIX
	DataKey              string        // MARKET_DATA_KEY (hex, 32 bytes); empty: a key file under DataDir
	StripeSecretKey      string        // STRIPE_SECRET_KEY; empty: manual payments only
	StripeWebhookSecret  string        // STRIPE_WEBHOOK_SECRET
	StripeAPIBase        string        // STRIPE_API_BASE (stripe-mock in tests)
	StripePublishableKey string        // STRIPE_PUBLISHABLE_KEY
	BodyLimit            int           // MARKET_BODY_LIMIT bytes
	SessionIdle          time.Duration // MARKET_SESSION_IDLE
	SessionMax           time.Duration // MARKET_SESSION_MAX
	LoginLimitAccount    int           // MARKET_LOGIN_LIMIT_ACCOUNT failed logins per account and client address before back-off
	LoginLimitClient     int           // MARKET_LOGIN_LIMIT_CLIENT login attempts per client address (IPv6: per /64) per window
	LoginLimitWindow     time.Duration // MARKET_LOGIN_LIMIT_WINDOW
	OrderTTL             time.Duration // MARKET_ORDER_TTL unpaid orders paid online expire after this
	TransferTTL          time.Duration // MARKET_TRANSFER_TTL unpaid bank-transfer orders expire after this
	MaxUnpaidOrders      int           // MARKET_MAX_UNPAID_ORDERS a buyer's unpaid orders at once
	MaxUnitsPerVariant   int           // MARKET_MAX_UNITS_PER_VARIANT units of a variant a buyer holds unpaid (and a line's most)
	LogLevel             string        // MARKET_LOG_LEVEL
	TrustProxy           bool          // MARKET_TRUST_PROXY: take the client address from X-Forwarded-For
	PayeeName            string        // MARKET_PAYEE_NAME: account holder for bank transfers
	PayeeBank            string        // MARKET_PAYEE_BANK
	PayeeAccount         string        // MARKET_PAYEE_ACCOUNT
	Timezone             string        // MARKET_TIMEZONE: the zone people read and type dates in
	FeedURL              string        // MARKET_FEED_URL: the supervising platform's endpoint for the sales feed; empty: no feed
	FeedSecret           string        // MARKET_FEED_SECRET: the key the feed's events are signed with (HMAC-SHA256)
	SMTPURL              string        // MARKET_SMTP_URL: the mail server (smtp://user:password@host:587, smtps://…); empty writes mail to the log
	MailFrom             string        // MARKET_MAIL_FROM: the address mail is sent from; empty: noreply@ the base URL's host
	// Now replaces the system clock (tests pin the time; no flag or
	// variable sets it).
	Now func() time.Time
}

type setting struct {
	flag, env, help string
	bind            func(fs *flag.FlagSet, name, def, help string)
	def             string
	secret          bool
}

// settings lists each setting once; both --help and Load come from it.
func (c *Config) settings() []setting {
	str := func(p *string) func(*flag.FlagSet, string, string, string) {
		return func(fs *flag.FlagSet, n, d, h string) { fs.StringVar(p, n, d, h) }
	}
	dur := func(p *time.Duration) func(*flag.FlagSet, string, string, string) {
		return func(fs *flag.FlagSet, n, d, h string) {
			v, _ := time.ParseDuration(d)
			fs.DurationVar(p, n, v, h)
		}
	}
	num := func(p *int) func(*flag.FlagSet, string, string, string) {
		return func(fs *flag.FlagSet, n, d, h string) {
			var v int
			fmt.Sscan(d, &v)
			fs.IntVar(p, n, v, h)
		}
	}
	boolean := func(p *bool) func(*flag.FlagSet, string, string, string) {
		return func(fs *flag.FlagSet, n, d, h string) { fs.BoolVar(p, n, d == "true", h) }
	}
	return []setting{
		{"addr", "MARKET_ADDR", "listen address", str(&c.Addr), ":8080", false},
		{"base-url", "MARKET_BASE_URL", "the site's public address, used in every absolute link it makes (QR codes, receipt links, Stripe's return); never taken from a request", str(&c.BaseURL), "http://localhost:8080", false},
		{"metrics-addr", "MARKET_METRICS_ADDR", "listen address of /metrics (Prometheus), never the public one; empty serves no metrics", str(&c.MetricsAddr), "127.0.0.1:9090", false},
		{"data-dir", "MARKET_DATA_DIR", "directory for the private PostgreSQL cluster, the data key and uploads", str(&c.DataDir), "./var", false},
		{"database-url", "DATABASE_URL", "PostgreSQL URL; empty starts a private cluster under the data dir", str(&c.DatabaseURL), "", true},
		{"migrate-database-url", "MIGRATE_DATABASE_URL", "PostgreSQL URL of the tables' owner for marketctl (migrations, imports); empty uses DATABASE_URL", str(&c.MigrateDatabaseURL), "", true},
		{"database-read-url", "DATABASE_READ_URL", "PostgreSQL URL of a streaming replica for catalog pages and reports; empty reads the primary", str(&c.DatabaseReadURL), "", true},
		{"database-direct-url", "DATABASE_DIRECT_URL", "the primary without a transaction pooler, for LISTEN and background jobs; set it when DATABASE_URL goes through PgBouncer", str(&c.DatabaseDirectURL), "", true},
		{"replica-max-lag", "MARKET_REPLICA_MAX_LAG", "replay lag above which reads leave the replica for the primary", dur(&c.ReplicaMaxLag), "2s", false},
		{"allow-db-owner", "MARKET_ALLOW_DB_OWNER", "let marketd connect as a superuser or the tables' owner", boolean(&c.AllowDBOwner), "false", false},
		{"statement-timeout", "MARKET_STATEMENT_TIMEOUT", "longest SQL statement marketd runs", dur(&c.StatementTimeout), "30s", false},
		{"request-timeout", "MARKET_REQUEST_TIMEOUT", "deadline of a request's work", dur(&c.RequestTimeout), "30s", false},
		{"drain-delay", "MARKET_DRAIN_DELAY", "after SIGTERM, how long /readyz answers 503 (a load balancer stops sending) before the listener closes", dur(&c.DrainDelay), "0s", false},
		{"export-timeout", "MARKET_EXPORT_TIMEOUT", "deadline of an export, from its snapshot to the last byte", dur(&c.ExportTimeout), "10m", false},
		{"redis-url", "REDIS_URL", "Redis URL; empty runs an in-process Redis", str(&c.RedisURL), "", true},
		{"redis-prefix", "MARKET_REDIS_PREFIX", "prefix of every Redis key", str(&c.RedisPrefix), "market:", false},
		{"data-key", "MARKET_DATA_KEY", "hex AES-256 key for personal data at rest; empty reads or creates <data-dir>/data.key", str(&c.DataKey), "", true},
		{"stripe-secret-key", "STRIPE_SECRET_KEY", "Stripe secret key; empty offers bank transfer only", str(&c.StripeSecretKey), "", true},
		{"stripe-webhook-secret", "STRIPE_WEBHOOK_SECRET", "Stripe webhook signing secret", str(&c.StripeWebhookSecret), "", true},
		{"stripe-api-base", "STRIPE_API_BASE", "Stripe API base URL (stripe-mock in tests)", str(&c.StripeAPIBase), "", false},
		{"stripe-publishable-key", "STRIPE_PUBLISHABLE_KEY", "Stripe publishable key for the Payment Element", str(&c.StripePublishableKey), "", false},
		{"body-limit", "MARKET_BODY_LIMIT", "largest request body in bytes", num(&c.BodyLimit), "8388608", false},
		{"session-idle", "MARKET_SESSION_IDLE", "a session ends after this long unused", dur(&c.SessionIdle), "2h", false},
		{"session-max", "MARKET_SESSION_MAX", "a session ends this long after login whatever its use", dur(&c.SessionMax), "168h", false},
		{"login-limit-account", "MARKET_LOGIN_LIMIT_ACCOUNT", "failed logins of one account from one client address before each further attempt waits a back-off that doubles up to the window", num(&c.LoginLimitAccount), "5", false},
		{"login-limit-client", "MARKET_LOGIN_LIMIT_CLIENT", "login attempts allowed per client address (IPv6: per /64) per window", num(&c.LoginLimitClient), "30", false},
		{"login-limit-window", "MARKET_LOGIN_LIMIT_WINDOW", "window of the per-address login limit, and the longest back-off", dur(&c.LoginLimitWindow), "15m", false},
		{"order-ttl", "MARKET_ORDER_TTL", "unpaid orders paid online (card, Alipay, WeChat Pay) expire after this", dur(&c.OrderTTL), "30m", false},
		{"transfer-ttl", "MARKET_TRANSFER_TTL", "unpaid bank-transfer orders expire after this (a finance office needs days)", dur(&c.TransferTTL), "72h", false},
		{"max-unpaid-orders", "MARKET_MAX_UNPAID_ORDERS", "unpaid orders one buyer may have at once", num(&c.MaxUnpaidOrders), "5", false},
		{"max-units-per-variant", "MARKET_MAX_UNITS_PER_VARIANT", "units of one product variant a buyer may hold in unpaid orders (and on one line)", num(&c.MaxUnitsPerVariant), "50", false},
		{"log-level", "MARKET_LOG_LEVEL", "debug, info, warn or error", str(&c.LogLevel), "info", false},
		{"trust-proxy", "MARKET_TRUST_PROXY", "take the client address from X-Forwarded-For", boolean(&c.TrustProxy), "false", false},
		{"payee-name", "MARKET_PAYEE_NAME", "account holder shown for bank transfers", str(&c.PayeeName), "扶贫集市（演示）运营中心", false},
		{"payee-bank", "MARKET_PAYEE_BANK", "bank shown for bank transfers", str(&c.PayeeBank), "中国农业银行和田地区分行", false},
		{"timezone", "MARKET_TIMEZONE", "time zone of dates shown, typed and used as day boundaries", str(&c.Timezone), "Asia/Shanghai", false},
		{"payee-account", "MARKET_PAYEE_ACCOUNT", "account number shown for bank transfers", str(&c.PayeeAccount), "6228 4800 0000 0000 000", false},
		{"feed-url", "MARKET_FEED_URL", "supervising platform's URL the sales feed is POSTed to (docs/FEED.md); empty: no feed", str(&c.FeedURL), "", true},
		{"feed-secret", "MARKET_FEED_SECRET", "key the feed's events are signed with (X-Market-Signature)", str(&c.FeedSecret), "", true},
		{"smtp-url", "MARKET_SMTP_URL", "mail server the service's mail (invitations, address confirmations) is sent through: smtp://user:password@host:587 (STARTTLS) or smtps://user:password@host:465; empty writes each message to the log instead", str(&c.SMTPURL), "", true},
		{"mail-from", "MARKET_MAIL_FROM", "address the service's mail is sent from; empty: noreply@ the base URL's host", str(&c.MailFrom), "", false},
	}
}

// Load parses args (without the program name) over the environment, read
// with lookup (os.LookupEnv). It returns flag.ErrHelp after printing usage
// when -h or --help is given.
//
// A variable is parsed by its flag's own parser, so a value the flag would
// refuse (MARKET_STATEMENT_TIMEOUT=30, MARKET_BODY_LIMIT=8MB) is refused
// too, naming the variable, instead of becoming 0. A text setting set to
// the empty string is set (MARKET_METRICS_ADDR= serves no metrics); an
// empty number, duration or switch keeps its default.
func Load(name string, args []string, lookup func(string) (string, bool), out io.Writer) (Config, []string, error) {
	var c Config
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	settings := c.settings()
	for _, s := range settings {
		s.bind(fs, s.flag, s.def, s.help)
	}
	for _, s := range settings {
		v, ok := lookup(s.env)
		if !ok || (v == "" && !isText(fs.Lookup(s.flag))) {
			continue
		}
		if err := fs.Set(s.flag, v); err != nil {
			return c, nil, fmt.Errorf("%s=%q: %w", s.env, v, err) // secrets are text: never refused
		}
	}
	fs.Usage = func() { c.usage(name, fs.Output()) }
	if err := fs.Parse(args); err != nil {
		return c, nil, err
	}
	if err := c.validate(); err != nil {
		return c, nil, err
	}
	return c, fs.Args(), nil
}

// NoEnv is an empty environment, for Load in tests and tools that take
// their settings from code.
func NoEnv(string) (string, bool) { return "", false }

func isText(f *flag.Flag) bool {
	_, ok := f.Value.(flag.Getter).Get().(string)
	return ok
}

func (c *Config) usage(name string, w io.Writer) {
	fmt.Fprintf(w, "Usage: %s [flags]\n\nEvery flag can also be set by its environment variable.\n\n", name)
	for _, s := range c.settings() {
		def := s.def
		if def == "" {
			def = `""`
		}
		fmt.Fprintf(w, "  --%-24s %-28s %s (default %s)\n", s.flag, s.env, s.help, def)
	}
}

func (c *Config) validate() error {
	if c.BodyLimit <= 0 {
		return fmt.Errorf("body-limit must be positive")
	}
	if c.StatementTimeout < 0 || c.RequestTimeout <= 0 || c.ExportTimeout <= 0 {
		return fmt.Errorf("statement-timeout must not be negative, request-timeout and export-timeout must be positive")
	}
	if c.ReplicaMaxLag < 0 || c.DrainDelay < 0 {
		return fmt.Errorf("replica-max-lag and drain-delay must not be negative")
	}
	if c.MaxUnpaidOrders <= 0 || c.MaxUnitsPerVariant <= 0 {
		return fmt.Errorf("max-unpaid-orders and max-units-per-variant must be positive")
	}
	if c.LoginLimitAccount <= 0 || c.LoginLimitClient <= 0 || c.LoginLimitWindow <= 0 {
		return fmt.Errorf("login-limit-account, login-limit-client and login-limit-window must be positive")
	}
	if c.OrderTTL <= 0 || c.TransferTTL <= 0 {
		return fmt.Errorf("order-ttl and transfer-ttl must be positive")
	}
	if c.SessionIdle <= 0 || c.SessionMax < c.SessionIdle {
		return fmt.Errorf("session-idle must be positive and at most session-max")
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("base-url must be an http or https address such as https://market.example")
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("log-level must be debug, info, warn or error")
	}
	if c.SMTPURL != "" {
		u, err := url.Parse(c.SMTPURL)
		if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
			return fmt.Errorf("smtp-url must be an smtp:// or smtps:// URL with a host")
		}
	}
	if c.MailFrom == "" {
		c.MailFrom = "noreply@" + u.Hostname()
		if net.ParseIP(u.Hostname()) != nil { // an address is no mail domain
			c.MailFrom = "noreply@localhost"
		}
	}
	if a, err := mail.ParseAddress(c.MailFrom); err != nil || a.Name != "" || a.Address != c.MailFrom {
		return fmt.Errorf("mail-from must be an e-mail address alone, such as noreply@market.example")
	}
	if c.FeedURL != "" {
		u, err := url.Parse(c.FeedURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("feed-url must be an http or https URL")
		}
		if len(c.FeedSecret) < 16 {
			return fmt.Errorf("feed-secret must be set, at least 16 characters, when feed-url is")
		}
	}
	return nil
}

// LocalSite reports whether the site's base URL is on this machine
// (localhost, a loopback address): a development site, where mail without
// a server is written to the log.
func (c Config) LocalSite() bool {
	u, err := url.Parse(c.BaseURL)
	if err != nil {
		return false
	}
	ip := net.ParseIP(u.Hostname())
	return u.Hostname() == "localhost" || ip != nil && ip.IsLoopback()
}

// String renders the configuration with every secret masked, for logs.
func (c Config) String() string {
	var b strings.Builder
	for _, s := range c.settings() {
		v := valueOf(&c, s.flag)
		if s.secret {
			v = Mask(v)
		}
		fmt.Fprintf(&b, "%s=%s ", s.flag, v)
	}
	return strings.TrimSpace(b.String())
}

func valueOf(c *Config, name string) string {
	switch name {
	case "addr":
		return c.Addr
	case "base-url":
		return c.BaseURL
	case "metrics-addr":
		return c.MetricsAddr
	case "data-dir":
		return c.DataDir
	case "database-url":
		return c.DatabaseURL
	case "migrate-database-url":
		return c.MigrateDatabaseURL
	case "database-read-url":
		return c.DatabaseReadURL
	case "database-direct-url":
		return c.DatabaseDirectURL
	case "replica-max-lag":
		return c.ReplicaMaxLag.String()
	case "allow-db-owner":
		return fmt.Sprint(c.AllowDBOwner)
	case "statement-timeout":
		return c.StatementTimeout.String()
	case "request-timeout":
		return c.RequestTimeout.String()
	case "drain-delay":
		return c.DrainDelay.String()
	case "export-timeout":
		return c.ExportTimeout.String()
	case "timezone":
		return c.Timezone
	case "redis-url":
		return c.RedisURL
	case "redis-prefix":
		return c.RedisPrefix
	case "data-key":
		return c.DataKey
	case "stripe-secret-key":
		return c.StripeSecretKey
	case "stripe-webhook-secret":
		return c.StripeWebhookSecret
	case "stripe-api-base":
		return c.StripeAPIBase
	case "stripe-publishable-key":
		return c.StripePublishableKey
	case "body-limit":
		return fmt.Sprint(c.BodyLimit)
	case "session-idle":
		return c.SessionIdle.String()
	case "session-max":
		return c.SessionMax.String()
	case "login-limit-account":
		return fmt.Sprint(c.LoginLimitAccount)
	case "login-limit-client":
		return fmt.Sprint(c.LoginLimitClient)
	case "login-limit-window":
		return c.LoginLimitWindow.String()
	case "order-ttl":
		return c.OrderTTL.String()
	case "transfer-ttl":
		return c.TransferTTL.String()
	case "max-unpaid-orders":
		return fmt.Sprint(c.MaxUnpaidOrders)
	case "max-units-per-variant":
		return fmt.Sprint(c.MaxUnitsPerVariant)
	case "log-level":
		return c.LogLevel
	case "trust-proxy":
		return fmt.Sprint(c.TrustProxy)
	case "payee-name":
		return c.PayeeName
	case "payee-bank":
		return c.PayeeBank
	case "payee-account":
		return c.PayeeAccount
	case "feed-url":
		return c.FeedURL
	case "feed-secret":
		return c.FeedSecret
	case "smtp-url":
		return c.SMTPURL
	case "mail-from":
		return c.MailFrom
	}
	return ""
}

// Mask hides a secret: URLs keep scheme, host and path but lose the password;
// other values show only whether they are set.
func Mask(v string) string {
	if v == "" {
		return ""
	}
	if u, err := url.Parse(v); err == nil && u.Scheme != "" && u.Host != "" {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		u.RawQuery = ""
		return u.String()
	}
	return "(set)"
}

// FromEnv is Load with the process environment and no args beyond those given.
func FromEnv(name string, args []string) (Config, []string, error) {
	return Load(name, args, os.LookupEnv, os.Stderr)
}
