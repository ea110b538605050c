package catalog

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/auth"
	"github.com/fupinmarket/market/internal/platform/postgres"
)

// ChangesChannel is the channel the catalog's triggers notify on, with the
// new value of the catalog_changes sequence as payload
// (migrations/00410_catalog_notify.sql).
const ChangesChannel = "catalog_changed"

// ListenerName is the application_name of the listener's connection (to
// find it in pg_stat_activity).
const ListenerName = "market-catalog-listener"

// changes follows the catalog's change notifications on one dedicated
// connection, so that caches learn the catalog's version from memory instead
// of asking PostgreSQL on every request.
//
// While listening, the version is "n" and the payload of the last
// notification received. PostgreSQL delivers notifications after their
// transaction commits, in commit order, to every listener of the database;
// the payloads are unique (nextval). So when a process holds version "n<v>",
// the writer of v and every transaction that committed before it are
// visible to any snapshot taken from then on: a page rendered under "n<v>",
// by any process, shows at least those commits, and keys are shared between
// processes. Right after LISTEN the version is a value of the sequence that
// no trigger will ever send (this process took it with nextval), so nobody
// else uses that key while commits from before LISTEN might be unknown to
// others.
//
// A write through this Service moves the version of this process at once,
// after its commit and before its notification arrives (read-your-writes):
// the version then carries a generation of this process's own, "n<v>.<id>.<g>",
// a key no other process uses. Other processes, and writes by anyone else
// (orders taking stock, the registry, plain SQL), are seen when the
// notification arrives: typically well under a millisecond after the commit.
//
// When the connection is down (or before it is up) the version falls back
// to reading the sequence on every call, "s<n>", a key space of its own:
// correctness never depends on the listener. That is the previous scheme,
// with its window (the sequence moves at nextval, before the commit), which
// callers close for the Service's own writes with the Redis version
// (cache.Lookup) as before.
type changes struct {
	db    *pgxpool.Pool
	log   *slog.Logger
	cur   atomic.Pointer[string] // nil when not listening
	local atomic.Int64           // writes through this Service (see above)
	odd   atomic.Int64           // numbers versions from malformed payloads
	id    string                 // this process, for its own versions
	mu    sync.Mutex
	wake  chan struct{} // closed and replaced at every change (tests wait on it)
	fence atomic.Pointer[fence]

	heartbeat time.Duration // idle time after which the connection is pinged
	probeWait time.Duration // how long a probe notification may take to arrive

	// fences: read the primary's WAL position after notifications, for
	// reads from a replica (replica.go); off without one. A busy catalog
	// (every checkout moves stock) is fenced at most once per fenceEvery,
	// and once more when the notifications pause.
	fences     bool
	fenceEvery time.Duration
	fencedAt   time.Time
}

// fence is the primary's WAL position read after the notification of
// version arrived, while this process's own writes numbered local: a
// replica that has replayed that far shows every commit the version
// stands for (replica.go).
type fence struct {
	version string
	local   int64
	lsn     postgres.LSN
}

func newChanges(db *pgxpool.Pool, log *slog.Logger) *changes {
	if log == nil {
		log = slog.Default()
	}
	return &changes{db: db, log: log, id: auth.RandomToken(6), wake: make(chan struct{}), heartbeat: 5 * time.Second,
		probeWait: 5 * time.Second, fenceEvery: 20 * time.Millisecond}
}

// errNoNotify: the database's triggers do not notify (migration 00410 not
// applied); listening would never see a change.
var errNoNotify = errors.New("catalog triggers do not notify: run `marketctl migrate up`")

// errNotDelivered: LISTEN succeeded but a notification sent through the
// pool never arrived. Through a transaction pooler the listening server
// connection goes back to the pool after the statement, so nothing it
// hears reaches this client: the version would never move again.
var errNotDelivered = errors.New("notifications do not reach the listener; " +
	"if DATABASE_URL goes through a transaction pooler (PgBouncer), set DATABASE_DIRECT_URL to the primary itself")

// probeRetry is the pause after errNotDelivered: a pooler in the way does
// not go away in seconds, and the counter serves correctly meanwhile.
const probeRetry = time.Minute

// run listens until ctx ends, reconnecting after failures with a growing
// pause; while it is not listening, version reads the sequence.
func (c *changes) run(ctx context.Context) {
	pause := 100 * time.Millisecond
	for ctx.Err() == nil {
		started := time.Now()
		err := c.listen(ctx)
		c.set(nil)
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, errNoNotify) {
			c.log.Warn("catalog cache: not listening for changes; reading the change counter per request", "err", err)
			return
		}
		if time.Since(started) > time.Minute {
			pause = 100 * time.Millisecond
		}
		wait := pause
		if errors.Is(err, errNotDelivered) {
			wait = probeRetry
		}
		c.log.Warn("catalog cache: change listener down; reading the change counter per request", "err", err, "retry_in", wait)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		pause = min(2*pause, 5*time.Second)
	}
}

// listen holds one LISTEN connection until it fails or ctx ends.
func (c *changes) listen(ctx context.Context) error {
	cfg := c.db.Config().ConnConfig.Copy()
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	cfg.RuntimeParams["application_name"] = ListenerName
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var notifies bool
	const q = `SELECT coalesce(bool_or(prosrc LIKE '%pg_notify%'), false) FROM pg_proc WHERE proname = 'catalog_changed'`
	if err := conn.QueryRow(ctx, q).Scan(&notifies); err != nil {
		return err
	}
	if !notifies {
		return errNoNotify
	}
	if _, err := conn.Exec(ctx, "LISTEN "+ChangesChannel); err != nil {
		return err
	}
	if err := c.probe(ctx, conn); err != nil {
		return err
	}
	// Commits from now on are notified; earlier ones are visible. Start from
	// a version no notification carries (see the type's comment).
	var start int64
	if err := conn.QueryRow(ctx, `SELECT nextval('catalog_changes')`).Scan(&start); err != nil {
		return err
	}
	v := "n" + strconv.FormatInt(start, 10)
	c.set(&v)
	if err := c.mark(ctx, conn, v); err != nil {
		return err
	}
	stale := false // a version newer than the fence
	last := v      // the newest version (v itself is shared through c.cur: never written again)
	for {
		wait := c.heartbeat
		if stale {
			wait = c.fenceEvery
		}
		wctx, cancel := context.WithTimeout(ctx, wait)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			nv := c.versionOf(n.Payload)
			c.set(&nv)
			last, stale = nv, true
			if time.Since(c.fencedAt) >= c.fenceEvery {
				if err := c.mark(ctx, conn, last); err != nil {
					return err
				}
				stale = false
			}
		case ctx.Err() != nil:
			return nil
		case stale && pgconn.Timeout(err):
			if err := c.mark(ctx, conn, last); err != nil {
				return err
			}
			stale = false
		case pgconn.Timeout(err):
			// Idle: make sure the connection is alive, so that a silently
			// dead one does not keep an old version for long.
			pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			err = conn.Ping(pctx)
			cancel()
			if err != nil {
				return err
			}
		default:
			return err
		}
	}
}

// probe checks that notifications reach conn: it listens on a channel of
// this process's own and sends to it through the pool, as the catalog's
// writers do. Catalog changes heard meanwhile need nothing: the version
// listen starts from covers them.
func (c *changes) probe(ctx context.Context, conn *pgx.Conn) error {
	channel := "catalog_probe_" + c.id
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return err
	}
	if _, err := c.db.Exec(ctx, `SELECT pg_notify($1, '')`, channel); err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, c.probeWait)
	defer cancel()
	for {
		n, err := conn.WaitForNotification(wctx)
		switch {
		case err == nil && n.Channel == channel:
			_, err := conn.Exec(ctx, "UNLISTEN "+pgx.Identifier{channel}.Sanitize())
			return err
		case err == nil:
		case ctx.Err() != nil:
			return ctx.Err()
		case pgconn.Timeout(err):
			return errNotDelivered
		default:
			return err
		}
	}
}

// mark records the fence of version v: the primary's WAL position now,
// after v's commit. Own writes counted before the position is read are
// covered by it; one counted later makes the fence stale (see reader).
func (c *changes) mark(ctx context.Context, conn *pgx.Conn, v string) error {
	if !c.fences {
		return nil
	}
	c.fencedAt = time.Now()
	local := c.local.Load()
	var text string
	if err := conn.QueryRow(ctx, `SELECT pg_current_wal_lsn()::text`).Scan(&text); err != nil {
		return err
	}
	lsn, err := postgres.ParseLSN(text)
	if err != nil {
		return err
	}
	c.fence.Store(&fence{version: v, local: local, lsn: lsn})
	return nil
}

// at is the WAL position a snapshot must include to show everything the
// current version stands for; ok is false when it is not known (not
// listening, a newer notification not yet marked, an own write since).
func (c *changes) at() (lsn postgres.LSN, ok bool) {
	f, v := c.fence.Load(), c.cur.Load()
	if f == nil || v == nil || f.version != *v || f.local != c.local.Load() {
		return 0, false
	}
	return f.lsn, true
}

// versionOf is the version after a notification. A payload that is not the
// trigger's (anyone may NOTIFY) still counts as a change, under a version
// only this process uses.
func (c *changes) versionOf(payload string) string {
	if _, err := strconv.ParseInt(payload, 10, 64); err == nil {
		return "n" + payload
	}
	return "x" + c.id + "." + strconv.FormatInt(c.odd.Add(1), 10)
}

func (c *changes) set(v *string) {
	c.cur.Store(v)
	c.mu.Lock()
	close(c.wake)
	c.wake = make(chan struct{})
	c.mu.Unlock()
}

// listening reports whether versions come from notifications.
func (c *changes) listening() bool { return c.cur.Load() != nil }

// version is the version while listening.
func (c *changes) version() (string, bool) {
	v := c.cur.Load()
	if v == nil {
		return "", false
	}
	if g := c.local.Load(); g > 0 {
		return *v + "." + c.id + "." + strconv.FormatInt(g, 10), true
	}
	return *v, true
}

// changed returns a channel closed at the next change of state.
func (c *changes) changed() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.wake
}

// Listen follows the catalog's change notifications until ctx ends or stop
// is called (stop waits for the listener to close its connection). Until
// the listener is up, and whenever its connection is lost, CacheVersion
// reads the database instead. Call it once, before serving.
func (s *Service) Listen(ctx context.Context, log *slog.Logger) (stop func()) {
	db := s.db
	if s.direct != nil {
		db = s.direct
	}
	c := newChanges(db, log)
	c.fences = s.reads.HasReplica()
	s.changes.Store(c)
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.run(ctx)
	}()
	return func() {
		cancel()
		<-done
	}
}

// CacheVersion is the catalog's version for cache keys. notified is true
// when it comes from memory (the change listener is up, see Listen): it then
// reflects every write committed and notified, and every write through this
// Service, and needs nothing else in the key. Otherwise it is read from the
// database's change counter, and callers add the Redis version bumped after
// the Service's writes (the counter moves before a commit). A cache entry
// computed from data read after CacheVersion returned v may be stored under v.
func (s *Service) CacheVersion(ctx context.Context) (v string, notified bool, err error) {
	if c := s.changes.Load(); c != nil {
		if v, ok := c.version(); ok {
			return v, true, nil
		}
	}
	n, err := s.Version(ctx)
	if err != nil {
		return "", false, err
	}
	return "s" + strconv.FormatInt(n, 10), false, nil
}

// Listening reports whether the version comes from notifications (metrics).
func (s *Service) Listening() bool {
	c := s.changes.Load()
	return c != nil && c.listening()
}

// WaitListening waits until the change listener is up (tests; a server
// answers correctly either way). It fails when ctx ends first or Listen was
// not called.
func (s *Service) WaitListening(ctx context.Context) error {
	c := s.changes.Load()
	if c == nil {
		return errors.New("catalog: Listen was not called")
	}
	for {
		ch := c.changed()
		if c.listening() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}
