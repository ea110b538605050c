package feed

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fupinmarket/market/internal/attribution"
	"github.com/fupinmarket/market/internal/platform/ids"
	"github.com/fupinmarket/market/internal/platform/postgres"
	"github.com/fupinmarket/market/internal/platform/text"
)

// Status is the outbox at a glance: how many events were delivered, how
// many wait (failing: those that have failed at least once) and how long
// the oldest waiting one has waited.
type Status struct {
	Delivered        int64         `json:"delivered"`
	Pending          int64         `json:"pending"`
	Failing          int64         `json:"failing"`
	OldestPendingAge time.Duration `json:"-"`
	OldestPending    *time.Time    `json:"oldest_pending_since"`
	Blocked          []Blocked     `json:"blocked"`
}

// Blocked is a cooperative whose oldest pending event has failed: its
// later events wait behind it.
type Blocked struct {
	CooperativeID ids.ID     `json:"cooperative_id"`
	Name          string     `json:"name"`
	EventID       string     `json:"event_id"`
	Type          string     `json:"type"`
	Attempts      int        `json:"attempts"`
	LastError     string     `json:"last_error"`
	NextAttempt   *time.Time `json:"next_attempt_at"`
	Pending       int64      `json:"pending"`
	// Names is the cooperative's name in every language entered (Name is
	// the Chinese).
	Names text.Names `json:"names"`
}

// NameIn is the cooperative's name in lang, Chinese when it has none there.
func (b Blocked) NameIn(lang string) string {
	return text.Names{Zh: b.Name, Ug: b.Names.Ug, En: b.Names.En}.In(lang)
}

// ReadStatus reads the outbox's status at now.
func ReadStatus(ctx context.Context, db postgres.Querier, now time.Time) (Status, error) {
	var st Status
	const q = `SELECT count(*) FILTER (WHERE delivered_at IS NOT NULL), count(*) FILTER (WHERE delivered_at IS NULL),
			count(*) FILTER (WHERE delivered_at IS NULL AND attempts > 0), min(queued_at) FILTER (WHERE delivered_at IS NULL)
		FROM feed_events`
	if err := db.QueryRow(ctx, q).Scan(&st.Delivered, &st.Pending, &st.Failing, &st.OldestPending); err != nil {
		return st, fmt.Errorf("feed status: %w", err)
	}
	if st.OldestPending != nil {
		st.OldestPendingAge = max(now.Sub(*st.OldestPending), 0)
	}
	const qBlocked = `WITH heads AS (
			SELECT DISTINCT ON (cooperative_id) cooperative_id, seq, type, attempts, last_error, next_attempt_at
			FROM feed_events WHERE delivered_at IS NULL ORDER BY cooperative_id, seq)
		SELECT h.cooperative_id, coalesce(c.name, ''), h.seq, h.type, h.attempts, h.last_error, h.next_attempt_at,
			(SELECT count(*) FROM feed_events e WHERE e.cooperative_id = h.cooperative_id AND e.delivered_at IS NULL),
			coalesce(c.name_ug, ''), coalesce(c.name_en, '')
		FROM heads h LEFT JOIN cooperatives c ON c.id = h.cooperative_id
		WHERE h.attempts > 0 ORDER BY h.attempts DESC, h.cooperative_id LIMIT 50`
	rows, err := db.Query(ctx, qBlocked)
	if err != nil {
		return st, fmt.Errorf("feed status: %w", err)
	}
	st.Blocked, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Blocked, error) {
		var b Blocked
		var seq int64
		err := r.Scan(&b.CooperativeID, &b.Name, &seq, &b.Type, &b.Attempts, &b.LastError, &b.NextAttempt, &b.Pending,
			&b.Names.Ug, &b.Names.En)
		b.EventID, b.Names.Zh = EventID(seq), b.Name
		return b, err
	})
	if st.Blocked == nil {
		st.Blocked = []Blocked{}
	}
	return st, err
}

// Replay marks every delivered event that occurred since since as pending
// again, to be delivered once more with its id (a platform that lost them
// deduplicates the rest). It returns how many.
func Replay(ctx context.Context, db *pgxpool.Pool, since time.Time) (int64, error) {
	const q = `UPDATE feed_events SET delivered_at = NULL, attempts = 0, next_attempt_at = NULL, last_error = '',
		queued_at = now() WHERE occurred_at >= $1 AND delivered_at IS NOT NULL`
	tag, err := db.Exec(ctx, q, since)
	if err != nil {
		return 0, fmt.Errorf("feed replay: %w", err)
	}
	return tag.RowsAffected(), nil
}

// StuckAfter is how long an event may wait before the audit reports it.
const StuckAfter = 24 * time.Hour

// Audit reports the outbox's events that have waited longer than a day:
// the platform has missed them (it refuses them, or the feed is down).
func Audit(ctx context.Context, db postgres.Querier) ([]attribution.Violation, error) {
	const q = `SELECT cooperative_id, count(*), min(seq), min(queued_at) FROM feed_events
		WHERE delivered_at IS NULL AND queued_at < now() - $1::interval GROUP BY cooperative_id ORDER BY cooperative_id LIMIT 50`
	rows, err := db.Query(ctx, q, StuckAfter.String())
	if err != nil {
		return nil, fmt.Errorf("feed audit: %w", err)
	}
	defer rows.Close()
	var out []attribution.Violation
	for rows.Next() {
		var coop, n, seq int64
		var since time.Time
		if err := rows.Scan(&coop, &n, &seq, &since); err != nil {
			return nil, err
		}
		out = append(out, attribution.Violation{Invariant: "FEED", Detail: fmt.Sprintf(
			"cooperative %d: %d event(s) undelivered for more than a day (the first %s, queued %s)",
			coop, n, EventID(seq), since.UTC().Format(time.RFC3339))})
	}
	return out, rows.Err()
}
