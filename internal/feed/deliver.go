package feed

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/platform/clock"
)

// Sender delivers the outbox to the platform at URL, signing each event
// with Secret. DeliverDue is one pass; the jobs package runs it every few
// seconds.
type Sender struct {
	DB *pgxpool.Pool
	// Direct, when set, is a connection to the primary without a
	// transaction pooler (DATABASE_DIRECT_URL), on which the pass holds its
	// session lock: through PgBouncer's transaction pooling the lock would
	// stay on whichever server connection took it and the unlock go to
	// another. Nil: DB, which is then direct.
	Direct *pgxpool.Pool
	URL    string
	Secret string
	Client *http.Client // default: a client with a 15 s timeout
	Clock  clock.Clock
	Log    *slog.Logger
	// Budget bounds a pass (default 50 s); Parallel is how many
	// cooperatives are delivered at once (default 4); PerCoop how many of
	// one cooperative's events one pass delivers at most (default 200).
	Budget   time.Duration
	Parallel int
	PerCoop  int
}

// Back-off of an event that failed n times: 10 s, 20 s, 40 s … doubling up
// to an hour, then hourly for as long as it takes (marketctl audit reports
// an event still pending after a day).
const (
	firstRetry = 10 * time.Second
	maxRetry   = time.Hour
)

// Backoff is the wait before the next attempt of an event that has failed
// attempts times (attempts ≥ 1).
func Backoff(attempts int) time.Duration {
	d := firstRetry
	for i := 1; i < attempts && d < maxRetry; i++ {
		d *= 2
	}
	return min(d, maxRetry)
}

// passLock is the advisory lock a pass holds, so that two passes (two
// processes' river jobs) never deliver one cooperative's events at once,
// which could reorder them.
const passLock = 0x66656564 // "feed"

// Pass is what one pass did.
type Pass struct {
	Delivered, Failed int
}

// DeliverDue delivers, for every cooperative whose oldest pending event is
// due, its pending events in order until one fails (it is then retried
// after its back-off, and blocks only its cooperative's later events), the
// cooperative's pending events run out, or the pass's budget ends. No
// transaction is held across an HTTP call.
func (s *Sender) DeliverDue(ctx context.Context) (Pass, error) {
	var pass Pass
	locks := s.Direct
	if locks == nil {
		locks = s.DB
	}
	conn, err := locks.Acquire(ctx)
	if err != nil {
		return pass, err
	}
	defer conn.Release()
	var locked bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, passLock).Scan(&locked); err != nil || !locked {
		return pass, err // another pass runs: it delivers what is due
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, passLock)
	coops, err := s.dueCooperatives(ctx)
	if err != nil || len(coops) == 0 {
		return pass, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.budget())
	defer cancel()
	work := make(chan int64)
	var mu sync.Mutex
	var wg sync.WaitGroup
	parallel := s.Parallel
	if parallel <= 0 {
		parallel = 4
	}
	for range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for coop := range work {
				d, f := s.deliverCoop(ctx, coop)
				mu.Lock()
				pass.Delivered, pass.Failed = pass.Delivered+d, pass.Failed+f
				mu.Unlock()
			}
		}()
	}
	for _, c := range coops {
		work <- c
	}
	close(work)
	wg.Wait()
	return pass, nil
}

func (s *Sender) budget() time.Duration {
	if s.Budget > 0 {
		return s.Budget
	}
	return 50 * time.Second
}

// dueCooperatives lists the cooperatives whose oldest pending event is
// due, walking the pending index one cooperative at a time.
func (s *Sender) dueCooperatives(ctx context.Context) ([]int64, error) {
	const q = `WITH RECURSIVE heads AS (
			(SELECT cooperative_id, seq FROM feed_events WHERE delivered_at IS NULL ORDER BY cooperative_id, seq LIMIT 1)
			UNION ALL
			SELECT n.cooperative_id, n.seq FROM heads h CROSS JOIN LATERAL (
				SELECT cooperative_id, seq FROM feed_events
				WHERE delivered_at IS NULL AND cooperative_id > h.cooperative_id ORDER BY cooperative_id, seq LIMIT 1) n)
		SELECT h.cooperative_id FROM heads h JOIN feed_events e ON e.seq = h.seq
		WHERE e.next_attempt_at IS NULL OR e.next_attempt_at <= $1 ORDER BY h.cooperative_id`
	rows, err := s.DB.Query(ctx, q, s.Clock.Now())
	if err != nil {
		return nil, fmt.Errorf("feed: due cooperatives: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// envelope is what is POSTed: docs/FEED.md.
type envelope struct {
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	OccurredAt time.Time       `json:"occurred_at"`
	Data       json.RawMessage `json:"data"`
}

// EventID is the id of the event with sequence number seq.
func EventID(seq int64) string { return "evt_" + strconv.FormatInt(seq, 10) }

// deliverCoop sends one cooperative's pending events in order; it returns
// how many were delivered and whether one failed.
func (s *Sender) deliverCoop(ctx context.Context, coop int64) (delivered, failed int) {
	const q = `SELECT seq, type, occurred_at, data::text, attempts, next_attempt_at FROM feed_events
		WHERE cooperative_id = $1 AND delivered_at IS NULL ORDER BY seq LIMIT 1`
	for range s.perCoop() {
		if ctx.Err() != nil {
			return delivered, 0
		}
		var seq int64
		var env envelope
		var data string
		var attempts int
		var next *time.Time
		err := s.DB.QueryRow(ctx, q, coop).Scan(&seq, &env.Type, &env.OccurredAt, &data, &attempts, &next)
		if errors.Is(err, pgx.ErrNoRows) {
			return delivered, 0
		}
		now := s.Clock.Now()
		if err != nil {
			s.logError("feed: next event", err)
			return delivered, 0
		}
		if next != nil && next.After(now) {
			return delivered, 0
		}
		env.ID, env.Data, env.OccurredAt = EventID(seq), json.RawMessage(data), s.Clock.In(env.OccurredAt)
		if err := s.post(ctx, env); err != nil {
			if ctx.Err() != nil {
				return delivered, 0 // the pass's budget ended, not the platform's patience
			}
			s.failed(ctx, seq, attempts+1, err)
			return delivered, 1
		}
		if _, err := s.DB.Exec(context.WithoutCancel(ctx), `UPDATE feed_events SET delivered_at = $2,
			attempts = attempts + 1, last_error = '', next_attempt_at = NULL WHERE seq = $1`, seq, now); err != nil {
			// Delivered but not marked: it goes again, with the same id.
			s.logError("feed: mark delivered", err)
			return delivered, 0
		}
		delivered++
	}
	return delivered, 0
}

func (s *Sender) perCoop() int {
	if s.PerCoop > 0 {
		return s.PerCoop
	}
	return 200
}

func (s *Sender) logError(msg string, err error) {
	if s.Log != nil {
		s.Log.Error(msg, "err", err)
	}
}

// failed records a failed attempt and when to try again.
func (s *Sender) failed(ctx context.Context, seq int64, attempts int, cause error) {
	msg := cause.Error()
	if len(msg) > 200 {
		msg = msg[:200]
	}
	next := s.Clock.Now().Add(Backoff(attempts))
	_, err := s.DB.Exec(context.WithoutCancel(ctx), `UPDATE feed_events SET attempts = $2, next_attempt_at = $3, last_error = $4
		WHERE seq = $1`, seq, attempts, next, msg)
	if s.Log != nil {
		s.Log.Warn("feed delivery failed", "event", EventID(seq), "attempts", attempts, "retry_at", next, "err", msg, "record_err", err)
	}
}

// post sends one event; any answer but 2xx is a failure.
func (s *Sender) post(ctx context.Context, env envelope) error {
	body, err := json.Marshal(env)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "fupin-market-feed/1")
	req.Header.Set(SignatureHeader, Sign(s.Secret, s.Clock.Now(), body))
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	resp, err := client.Do(req)
	if ue := (*url.Error)(nil); errors.As(err, &ue) {
		// The URL may carry the platform's credentials (user info, a token
		// in the query): the error is stored and logged without it.
		return fmt.Errorf("%s to the feed's URL: %w", ue.Op, ue.Err)
	}
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("the platform answered %s", resp.Status)
	}
	return nil
}
